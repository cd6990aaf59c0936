"""MT19937's characteristic polynomial and ``x**p mod phi``.

Oracles: numpy's own MT19937 output (through Berlekamp-Massey), brute force for
short sequences, and a slow pure-Python reference for ``x**p mod phi`` that
shares nothing with the compiled kernel but the polynomial itself.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedstream import _kernel, advance
from seedstream._jump import xpow_mod_phi
from seedstream._mt_poly import (
    MT19937_DEGREE,
    MT19937_POLY_EXPONENTS,
    berlekamp_massey,
    derive_characteristic_polynomial,
)

PHI = sum(1 << e for e in MT19937_POLY_EXPONENTS)
_PSI = MT19937_POLY_EXPONENTS[1:]
_MASK = (1 << MT19937_DEGREE) - 1


# --- the polynomial ------------------------------------------------------------


def test_shipped_constant_equals_fresh_derivation() -> None:
    assert derive_characteristic_polynomial() == MT19937_POLY_EXPONENTS


@pytest.mark.parametrize("seed", [0, 2**32 - 1])
def test_derivation_is_seed_independent(seed: int) -> None:
    assert derive_characteristic_polynomial(seed) == MT19937_POLY_EXPONENTS


def test_shipped_constant_shape() -> None:
    exps = MT19937_POLY_EXPONENTS
    assert exps[0] == MT19937_DEGREE == 19937
    assert exps[-1] == 0
    assert list(exps) == sorted(set(exps), reverse=True)
    # An irreducible polynomial other than x has an odd number of terms.
    assert len(exps) % 2 == 1


def test_any_output_bit_has_the_same_minimal_polynomial() -> None:
    # phi is irreducible, so every non-zero output bit sequence (here bit 17 of
    # a SeedSequence-seeded stream rather than bit 0 of a legacy one) has phi as
    # its minimal polynomial.
    raw = np.random.MT19937(12345).random_raw(2 * MT19937_DEGREE)
    c = berlekamp_massey([int(b) for b in (raw >> 17) & 1])
    degree = c.bit_length() - 1
    assert degree == MT19937_DEGREE
    assert tuple(sorted((degree - i for i in range(degree + 1) if c >> i & 1), reverse=True)) == (
        MT19937_POLY_EXPONENTS
    )


# --- Berlekamp-Massey on small sequences ----------------------------------------


def _lfsr(taps: tuple[int, ...], state: list[int], n: int) -> list[int]:
    """``s_k = XOR of s_{k - t} for t in taps``, starting from `state` (s_0 ...)."""
    s = list(state)
    while len(s) < n:
        s.append(sum(s[-t] for t in taps) & 1)
    return s[:n]


@pytest.mark.parametrize(
    ("taps", "degree"),
    [
        ((3, 4), 4),  # x^4 + x + 1, primitive
        ((28, 31), 31),  # x^31 + x^3 + 1, primitive
    ],
)
def test_berlekamp_massey_recovers_known_lfsr(taps: tuple[int, ...], degree: int) -> None:
    bits = _lfsr(taps, [1] + [0] * (degree - 1), 2 * degree + 10)
    expected = 1 | sum(1 << t for t in taps)  # C(x) = 1 + sum x^t
    assert berlekamp_massey(bits) == expected


def test_berlekamp_massey_trivial_sequences() -> None:
    assert berlekamp_massey([]) == 1
    assert berlekamp_massey([0] * 10) == 1
    # s_n = s_{n-1}: C(x) = 1 + x
    assert berlekamp_massey([1] * 10) == 0b11


def _generates(c: int, bits: list[int], length: int) -> bool:
    return all(
        bits[n] == sum(bits[n - i] for i in range(1, length + 1) if c >> i & 1) & 1
        for n in range(length, len(bits))
    )


def _linear_complexity(bits: list[int]) -> int:
    """Shortest LFSR length, by trying every connection polynomial."""
    for length in range(len(bits) + 1):
        for taps in itertools.product((0, 1), repeat=length):
            c = 1 | sum(t << (i + 1) for i, t in enumerate(taps))
            if _generates(c, bits, length):
                return length
    raise AssertionError("unreachable: length len(bits) always works")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), max_size=10))
def test_berlekamp_massey_is_minimal(bits: list[int]) -> None:
    c = berlekamp_massey(bits)
    length = _linear_complexity(bits)
    assert c & 1
    assert c.bit_length() - 1 <= length
    assert _generates(c, bits, length)


# --- x**p mod phi against a pure-Python reference -----------------------------------


def _reduce(t: int) -> int:
    # phi = x^n + psi: replace every x^(n+k) by x^k * psi until the degree is < n.
    while t >> MT19937_DEGREE:
        high = t >> MT19937_DEGREE
        t &= _MASK
        for e in _PSI:
            t ^= high << e
    return t


def _square(a: int) -> int:
    # Over GF(2), a(x)^2 = a(x^2): spread the bits apart.
    bits = np.unpackbits(
        np.frombuffer(a.to_bytes(max(1, (a.bit_length() + 7) // 8), "little"), dtype=np.uint8),
        bitorder="little",
    )
    spread = np.zeros(2 * bits.size, dtype=np.uint8)
    spread[::2] = bits
    return int.from_bytes(np.packbits(spread, bitorder="little").tobytes(), "little")


def _clmul(a: int, b: int) -> int:
    """Carry-less (GF(2)[x]) product of two polynomials held as ints."""
    out = 0
    while b:
        low = b & -b
        out ^= a << (low.bit_length() - 1)
        b ^= low
    return out


def _xpow_reference(p: int) -> int:
    """Left-to-right square and multiply, reducing by phi after every step."""
    r = 1
    for bit in bin(p)[2:]:
        r = _reduce(_square(r))
        if bit == "1":
            r = _reduce(r << 1)
    return r


def _xpow(p: int) -> int:
    g = xpow_mod_phi(p)
    assert isinstance(g, bytes)
    assert len(g) == 8 * 312
    return int.from_bytes(g, "little")


_RNG = np.random.default_rng(20240611)
_RANDOM_EXPONENTS = [
    *(int(v) for v in _RNG.integers(2, 2**20, size=2)),
    *(int(v) for v in _RNG.integers(2**20, 2**40, size=2)),
    *(int(v) for v in _RNG.integers(2**40, 2**63, size=2, dtype=np.int64)),
    2**64 - 1,
    2**64 - 2**32 + 12345,
    # near the top of advance()'s range, 2^127 .. 2^128
    int(_RNG.integers(2**62, 2**63)) << 65 | int(_RNG.integers(2**63)),
]


@pytest.mark.parametrize(
    "p",
    [0, 1, 2, 63, 64, 19936, 19937, 19938, 2 * 19937, 2**15, 2**32, 2**64, *_RANDOM_EXPONENTS],
)
def test_xpow_mod_phi_matches_reference(p: int) -> None:
    assert _xpow(p) == _xpow_reference(p)


def test_xpow_mod_phi_small_exponents_are_monomials() -> None:
    for p in (0, 1, 5, 64, 1000, 19936):
        assert _xpow(p) == 1 << p


def test_xpow_mod_phi_at_the_degree_is_psi() -> None:
    # x^19937 = phi - x^19937 = psi (mod phi, over GF(2)).
    assert _xpow(MT19937_DEGREE) == PHI ^ (1 << MT19937_DEGREE)


@pytest.mark.parametrize(
    ("a", "b"),
    [(19937, 19937), (12345678, 98765), (2**64 - 1, 2**40 + 3), (2**100 + 7, 2**127 - 1)],
)
def test_xpow_mod_phi_is_a_homomorphism(a: int, b: int) -> None:
    assert _xpow(a + b) == _reduce(_clmul(_xpow(a), _xpow(b)))


def test_xpow_mod_phi_period() -> None:
    # phi is primitive and 2^19937 - 1 is a (Mersenne) prime, so x has order
    # exactly 2^19937 - 1: x^(2^19937 - 1) = 1.  Also a check of large exponents.
    assert _xpow(2**MT19937_DEGREE - 1) == 1
    assert _xpow(2**MT19937_DEGREE) == 2


# --- x**p mod phi by the table of powers (paths with a carry-less multiply) ---------

TABLE_PATHS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            name not in _kernel.available_paths(),
            reason=f"this CPU (or this build) has no {name} path: untested here",
        ),
    )
    for name in ("avx512clmul",)
]

# Each side of the table's windows (x^(p mod 2^14) a shift, then bytes of p from bit 14
# up to bit 134) and past its end (square and multiply again).
_EDGES = sorted(
    {max(0, 2**k + d) for k in (0, 14, 22, 30, 62, 64, 126, 127, 134) for d in (-1, 0, 1)}
    | {2**134 - 2**14, 19937 * 2**14, *_RANDOM_EXPONENTS}
)


def _xpow_on(
    path: str, powers: list[int], degree: int = MT19937_DEGREE, psi: bytes = b""
) -> list[int]:
    before = _kernel.current_path()
    psi = psi or np.array(_PSI, dtype=np.int32).tobytes()
    _kernel.select_path(path)
    try:
        return [
            int.from_bytes(
                _kernel.xpow_mod(
                    p.to_bytes(max(1, (p.bit_length() + 7) // 8), "little"), degree, psi
                ),
                "little",
            )
            for p in powers
        ]
    finally:
        _kernel.select_path(before)


@pytest.mark.parametrize("path", TABLE_PATHS)
def test_table_of_powers_equals_square_and_multiply(path: str) -> None:
    # The portable path squares and multiplies (held to Python ints above); the table's
    # entries are made afresh, in two orders (each entry is made from others on demand).
    _kernel.jump_cache(True)
    expected = _xpow_on("portable", _EDGES)
    assert _xpow_on(path, _EDGES) == expected
    _kernel.jump_cache(True)
    assert _xpow_on(path, _EDGES[::-1]) == expected[::-1]


@pytest.mark.parametrize("path", TABLE_PATHS)
def test_table_of_powers_for_another_modulus(path: str) -> None:
    # x^1279 + x^216 + 1 (a primitive trinomial): 20 words, one block of the
    # multiplication, and the table set up again for MT19937's phi afterwards.
    degree, lower = 1279, (216, 0)
    modulus = (1 << degree) | sum(1 << e for e in lower)

    def reference(p: int) -> int:
        r = 1
        for bit in bin(p)[2:]:
            r = _clmul(r, r)
            if bit == "1":
                r <<= 1
            while r.bit_length() > degree:
                r ^= modulus << (r.bit_length() - 1 - degree)
        return r

    powers = [0, 1, 2**11 - 1, 2**11, 2**40 + 12345, 2**100 - 1, 2**129 + 3]
    psi = np.array(lower, dtype=np.int32).tobytes()
    assert _xpow_on(path, powers, degree, psi) == [reference(p) for p in powers]
    assert _xpow_on(path, [2**64 - 1]) == [_xpow_reference(2**64 - 1)]


@pytest.mark.parametrize("path", TABLE_PATHS)
def test_table_of_powers_from_threads(path: str) -> None:
    # The table is shared and filled on demand; its users take turns.
    powers = [int(v) for v in np.random.default_rng(5).integers(2**14, 2**64, 24, dtype=np.uint64)]
    expected = _xpow_on("portable", powers)
    _kernel.jump_cache(True)
    before = _kernel.current_path()
    _kernel.select_path(path)
    try:
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(_xpow, powers))
    finally:
        _kernel.select_path(before)
    assert got == expected


def test_jumps_from_threads_equal_numpys_sequential_output() -> None:
    # The table of powers is shared by the threads (under a lock) and the cache of the
    # last 16 powers too (under the GIL): jumps from two states, interleaved over four
    # threads, each against numpy itself.
    seeds = (11, 12)
    steps = [int(v) for v in np.random.default_rng(7).integers(10**4, 3 * 10**5, 16)]
    sequential = [np.random.MT19937(seed).random_raw(max(steps) + 4) for seed in seeds]
    starts = [np.random.MT19937(seed) for seed in seeds]
    cases = [(i % 2, p) for i, p in enumerate(steps)]
    _kernel.jump_cache(True)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda c: advance(starts[c[0]], c[1]).random_raw(4), cases))
    for (s, p), out in zip(cases, got, strict=True):
        np.testing.assert_array_equal(out, sequential[s][p : p + 4])


def test_every_kernel_path_name_is_taken_by_the_core() -> None:
    # SEEDSTREAM_SIMD is read by both compiled modules at import: a name only the
    # kernel has (avx512vbmi2, avx512clmul) means the core's AVX-512 path.
    from seedstream import _mtfill

    try:
        for name in _kernel.available_paths():
            assert _mtfill.select_path(name) == (name if name in ("portable", "avx2") else "avx512")
    finally:
        _mtfill.select_path("best")
