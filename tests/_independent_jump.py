"""An MT19937 jump-ahead written apart from seedstream, as an oracle for far positions.

Nothing here imports seedstream: the characteristic polynomial is recovered
from numpy's own output bits by Berlekamp-Massey, ``x**P mod phi`` is computed
with Python integers, and ``g(F)`` is applied to numpy's state by Horner's
rule, one MT19937 step at a time (seedstream instead XORs precomputed windows
in C).  ``tests/test_independent_jump.py`` checks this module against numpy's
sequential advance and against numpy's own ``MT19937.jumped()``.

The route is the one of Haramoto et al. [1]_; it is slow (about 0.1 s per
jump after the polynomial, which takes about 0.2 s once), so results are
cached for the session.

References
----------
.. [1] H. Haramoto, M. Matsumoto, T. Nishimura, F. Panneton and P. L'Ecuyer,
   "Efficient Jump Ahead for F2-Linear Random Number Generators",
   INFORMS Journal on Computing 20(3), 385-390, 2008.
.. [2] J. L. Massey, "Shift-register synthesis and BCH decoding",
   IEEE Trans. Inf. Theory 15(1), 1969.
"""

from __future__ import annotations

import functools

import numpy as np

N, M = 624, 397
DEGREE = 19937  # 623 words and the top bit of one more
_WORD = 0xFFFFFFFF
_MATRIX_A = 0x9908B0DF


@functools.cache
def characteristic_polynomial() -> int:
    """``phi`` as an int (bit k = coefficient of x**k), from numpy's MT19937 outputs.

    ``phi`` is primitive, so any non-zero output bit sequence has it as its
    minimal polynomial, and Berlekamp-Massey finds it from ``2 * 19937`` bits.
    """
    bg = np.random.MT19937(2024)  # any state will do; numpy's SeedSequence seeding here
    bits = ((bg.random_raw(2 * DEGREE) >> 31) & 1).tolist()  # the top bit of each output
    # Connection polynomial c (bit i = c_i, c_0 = 1): sum_i c_i s[n - i] = 0 for n >= length.
    c, b, length, shift = 1, 1, 0, 1
    recent = 0  # bit i = s[n - i]
    for n, s in enumerate(bits):
        recent = (recent << 1) | s
        if (c & recent).bit_count() & 1:  # the discrepancy
            t = c
            c ^= b << shift
            if 2 * length <= n:
                length, b, shift = n + 1 - length, t, 1
                continue
        shift += 1
    if length != DEGREE:
        raise AssertionError(f"Berlekamp-Massey found degree {length}, not {DEGREE}")
    # phi is the reciprocal of c: sum_k phi_k s[t + k] = 0 with phi_k = c_{L - k}.
    return int(f"{c:0{length + 1}b}"[::-1], 2)


_LIMB = 512  # <= 623, the gap below phi's top term: a limb's fold lands below the limb
_LIMB_MASK = (1 << _LIMB) - 1
_POLY_BYTES = 40 * _LIMB // 8  # 40 limbs hold a polynomial of degree < 19937
_SQUARE_BYTES = [
    sum(((b >> i) & 1) << (2 * i) for i in range(8)).to_bytes(2, "little") for b in range(256)
]


def _square_limbs(g: int) -> list[int]:
    """g(x)**2 over GF(2), i.e. g(x**2), as 512-bit limbs (little-endian)."""
    spread = b"".join(_SQUARE_BYTES[byte] for byte in g.to_bytes(_POLY_BYTES, "little"))
    step = _LIMB // 8
    return [int.from_bytes(spread[i : i + step], "little") for i in range(0, len(spread), step)]


@functools.cache
def _lower_terms() -> tuple[int, ...]:
    lower = characteristic_polynomial() ^ (1 << DEGREE)
    return tuple(k for k in range(DEGREE) if lower >> k & 1)


def _reduce_limbs(limbs: list[int]) -> int:
    """The polynomial in `limbs` mod phi, folding from the top limb down.

    Bit ``p >= 19937`` is replaced by ``x**(p - 19937) * (phi - x**19937)``, whose
    terms lie at least 623 bits lower; small limbs keep each XOR small (Python
    ints are immutable, so XORing into one big int would copy it every time).
    """
    terms = _lower_terms()
    limbs = [*limbs, 0]
    top_limb, top_bit = divmod(DEGREE, _LIMB)
    for j in range(len(limbs) - 2, top_limb - 1, -1):
        v, base = limbs[j], j * _LIMB
        if j == top_limb:  # only the bits from x**19937 up
            v, base = v >> top_bit, DEGREE
            limbs[j] &= (1 << top_bit) - 1
        else:
            limbs[j] = 0
        if not v:
            continue
        for k in terms:
            i, s = divmod(base - DEGREE + k, _LIMB)
            shifted = v << s
            limbs[i] ^= shifted & _LIMB_MASK
            limbs[i + 1] ^= shifted >> _LIMB
    return int.from_bytes(b"".join(x.to_bytes(_LIMB // 8, "little") for x in limbs), "little")


@functools.cache
def xpow_mod_phi(power: int) -> int:
    """``x**power mod phi`` by square and multiply, left to right."""
    phi = characteristic_polynomial()
    g = 1
    for bit in bin(power)[2:]:
        g = _reduce_limbs(_square_limbs(g))
        if bit == "1":
            g <<= 1
            if g >> DEGREE:
                g ^= phi
    return g


_TOP_WORD = 32 * (N - 1)
_WORD_M = 32 * M


def _step(w: int) -> int:
    """One MT19937 step on a window packed in an int (word i at bits 32 i)."""
    first_two = w & 0xFFFFFFFFFFFFFFFF
    y = (first_two & 0x80000000) | (first_two >> 32 & 0x7FFFFFFF)
    new = (w >> _WORD_M & _WORD) ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
    return (w >> 32) | (new << _TOP_WORD)


@functools.cache
def _jump_packed(window: int, words: int) -> int:
    acc = 0
    for bit in bin(xpow_mod_phi(words))[2:]:  # Horner: acc = F(acc) + g_k W, top term first
        acc = _step(acc)
        if bit == "1":
            acc ^= window
    return acc


def jumped_window(key: np.ndarray, words: int) -> np.ndarray:
    """The window (numpy's key at ``pos == 624``) `words` untempered words after `key`.

    Only the top bit of word 0 is meaningful, as in any window.
    """
    packed = int.from_bytes(np.asarray(key, dtype="<u4").tobytes(), "little")
    out = _jump_packed(packed, words)
    return np.frombuffer(out.to_bytes(4 * N, "little"), dtype="<u4").astype(np.uint32)


def words_after(bit_generator: np.random.MT19937, start: int, count: int) -> np.ndarray:
    """Outputs ``start .. start + count`` of `bit_generator`'s 32-bit stream (not modified).

    numpy's state ``(key, pos)`` still holds ``624 - pos`` outputs of its block;
    after them it is the window ``key`` (``pos == 624``), whose next output is
    the first word after the window: so the window moved by ``w`` words yields
    output ``w`` of that window.
    """
    state = bit_generator.state["state"]
    key, pos = np.asarray(state["key"], dtype=np.uint32), int(state["pos"])
    bg = np.random.MT19937()
    left = N - pos
    if start < left:
        bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos + start}}
    else:
        window = jumped_window(key, start - left)
        bg.state = {"bit_generator": "MT19937", "state": {"key": window, "pos": N}}
    return bg.random_raw(count).astype(np.uint32)


def legacy_words_at(seed: int, start: int, count: int) -> np.ndarray:
    """Outputs ``start .. start + count`` of ``np.random.RandomState(seed)``'s bit generator."""
    bg = np.random.MT19937()
    bg._legacy_seeding(seed)
    return words_after(bg, start, count)


def random_sample_at(seed: int, index: int) -> float:
    """Element `index` of ``np.random.RandomState(seed).random_sample(index + 1)``.

    A legacy double takes two 32-bit words: ``((a >> 5) * 2**26 + (b >> 6)) / 2**53``.
    """
    a, b = (int(w) for w in legacy_words_at(seed, 2 * index, 2))
    return ((a >> 5) * 67108864.0 + (b >> 6)) / 9007199254740992.0
