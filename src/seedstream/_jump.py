"""Place a numpy bit generator at any position of its stream: :func:`advance`.

Pure: imports numpy and the compiled kernels only.

MT19937 is advanced with the jump-ahead of Haramoto et al. [1]_: a window of
624 untempered words is a state ``W``; one output shifts the window by one word
(the linear map ``F`` over GF(2)); ``F^P W = g(F) W`` with ``g = x^P mod phi``
where ``phi`` is ``F``'s characteristic polynomial, and ``g(F) W`` is the XOR of
the windows ``x[i : i + 624]`` over the terms ``x^i`` of ``g``.  The kernel does
the polynomial power and the XOR (by Horner's rule over the bytes of ``g``, with
a table of the 256 byte-polynomials applied to ``W``: the sliding window of [1]_);
for a ``numpy.random.MT19937`` it also turns numpy's ``(key, pos)`` into a window
and back, on numpy's own state structs, so that the result is exactly the state
numpy itself would reach by generating the skipped outputs.

PCG64, PCG64DXSM and Philox have a native ``advance``.

References
----------
.. [1] H. Haramoto, M. Matsumoto, T. Nishimura, F. Panneton and P. L'Ecuyer,
   "Efficient Jump Ahead for F2-Linear Random Number Generators",
   INFORMS Journal on Computing 20(3), 385-390, 2008.
"""

from __future__ import annotations

import functools
from typing import TypeVar

import numpy as np

import seedstream._kernel as _kernel
import seedstream._mtfill as _mtfill
from seedstream._args import count_arg
from seedstream._mt_poly import MT19937_DEGREE, MT19937_POLY_EXPONENTS
from seedstream._mtstate import struct_layout_ok

MAX_STEPS = 2**128
_MT_N = 624
_PHILOX_BUFFER = 4  # Philox4x64 makes four 64-bit outputs per counter value
_BitGen = TypeVar("_BitGen", bound=np.random.BitGenerator)
_PSI = np.array(MT19937_POLY_EXPONENTS[1:], dtype=np.int32).tobytes()  # terms below x^19937


def _check_steps(steps: object) -> int:
    n = count_arg(steps, "steps")
    if n >= MAX_STEPS:
        raise ValueError(f"steps must be < 2**128, got {n}")
    return n


def xpow_mod_phi(power: int) -> bytes:
    """``x**power mod phi`` as 312 little-endian 64-bit words (bytes).

    Examples
    --------
    >>> g = np.frombuffer(xpow_mod_phi(5), dtype=np.uint64)
    >>> int(g[0]), int(g[1:].any())
    (32, 0)
    """
    nbytes = max(1, (power.bit_length() + 7) // 8)
    return bytes(_kernel.xpow_mod(power.to_bytes(nbytes, "little"), MT19937_DEGREE, _PSI))


@functools.lru_cache(maxsize=64)
def _xpow_mod_phi_cached(power: int) -> bytes:
    return xpow_mod_phi(power)


def jump_window(key: np.ndarray, words: int) -> np.ndarray:
    """The MT19937 window ``words`` untempered words after ``key``.

    Parameters
    ----------
    key : ndarray of uint32, shape (624,)
        A window: numpy's ``key`` of a state with ``pos == 624``.
    words : int
        How far to move it, ``>= 0``.

    Returns
    -------
    ndarray of uint32, shape (624,)
        The window moved by `words`.  Only the top bit of word 0 is meaningful
        (numpy never reads the other 31 bits of a window's first word).
    """
    if words == 0:
        return key.copy()
    g = _xpow_mod_phi_cached(words) if words < 2**20 else xpow_mod_phi(words)
    out = _kernel.mt19937_jump(np.ascontiguousarray(key, dtype=np.uint32).tobytes(), g)
    return np.frombuffer(out, dtype=np.uint32).copy()


def mt19937_after(key: np.ndarray, pos: int, words: int) -> tuple[np.ndarray, int]:
    """numpy's MT19937 state ``(key, pos)`` after `words` more outputs, without making them.

    As :func:`advance` does, on arrays: the rest of the current block is
    skipped by moving the position, whole blocks by :func:`jump_window`, and
    the last block is made by the recurrence itself (the core,
    :mod:`seedstream._mtfill`), so the key, low bits of word 0 included, is
    the one numpy's own generation would leave.  About 0.05 ms for a few
    thousand words, 2-4 ms for 10**6-10**8.

    Parameters
    ----------
    key : ndarray of uint32, shape (624,)
        numpy's ``state["state"]["key"]``; not modified.
    pos : int
        numpy's ``state["state"]["pos"]``, 0..624.
    words : int
        How many 32-bit outputs to skip, ``>= 0``.

    Returns
    -------
    (ndarray of uint32, int)
        The new key (a new array) and position.

    Examples
    --------
    >>> bg = np.random.MT19937(7)
    >>> start = bg.state["state"]
    >>> key, pos = mt19937_after(start["key"], start["pos"], 5000)
    >>> bg.random_raw(5000).size, pos == bg.state["state"]["pos"]
    (5000, True)
    >>> bool((key == bg.state["state"]["key"]).all())
    True
    """
    key = np.array(key, dtype=np.uint32)
    left = _MT_N - pos  # outputs left in the current block
    if words <= left:
        return key, pos + words
    rest = words - left
    blocks = -(-rest // _MT_N)
    tail = rest - _MT_N * (blocks - 1)  # 1..624 words of the last block
    window = jump_window(key, _MT_N * (blocks - 1))
    return window, _mtfill.fill(window, _MT_N, np.empty(tail, dtype=np.uint32))


def _new_like(bit_generator: _BitGen) -> _BitGen:
    # A fresh instance of the same class; its state is overwritten by the caller.
    new: _BitGen = type(bit_generator)(bit_generator.seed_seq)  # type: ignore[arg-type]
    return new


# Handed to BitGenerator.__init__ by _bare_mt19937 so that it draws no OS entropy;
# never used to seed anything.
_UNUSED_SEED_SEQ = np.random.SeedSequence(0)


def _bare_mt19937(bit_generator: np.random.MT19937) -> np.random.MT19937:
    """A new ``MT19937`` without its constructor's seeding, its state struct unset.

    numpy's constructor seeds from the seed sequence (624 hashed words) or, for a
    legacy-seeded source (``seed_seq`` None), from OS entropy: 0.25-1 ms, more
    than the jump, for a state the caller overwrites.  Here ``BitGenerator.__init__``
    sets up the lock, the seed sequence and the capsule, and the kernel points the
    capsule's ``bitgen_t`` at the new object's struct as ``MT19937.__init__`` would.
    ``seed_seq`` is the source's: the same object, or None for a legacy-seeded
    source (as ``_legacy_seeding`` leaves it).
    """
    seq = bit_generator.seed_seq
    new = np.random.MT19937.__new__(np.random.MT19937)
    # (numpy's stub says SeedSequence; any ISeedSequence is taken, as by the constructor)
    np.random.BitGenerator.__init__(new, _UNUSED_SEED_SEQ if seq is None else seq)  # type: ignore[arg-type]
    _kernel.mt19937_bind(bit_generator, bit_generator.capsule, new, new.capsule)
    if seq is None:
        new._legacy_seeding(0)  # sets seed_seq None; the state is overwritten below
    return new


def _advance_mt19937(bit_generator: np.random.MT19937, steps: int) -> np.random.MT19937:
    if type(bit_generator) is np.random.MT19937 and struct_layout_ok():
        try:
            new = _bare_mt19937(bit_generator)
        except ValueError:  # the kernel found another object layout: numpy's constructor
            new = _new_like(bit_generator)
        # On numpy's state structs through the capsules: no state dicts, and the
        # kernel makes the last block as numpy's recurrence would.
        with bit_generator.lock:
            _kernel.mt19937_advance_state(
                bit_generator.capsule, new.capsule, steps.to_bytes(16, "little"), _PSI
            )
        return new
    return _advance_mt19937_by_dicts(bit_generator, _new_like(bit_generator), steps)


def _advance_mt19937_by_dicts(
    bit_generator: np.random.MT19937, new: np.random.MT19937, steps: int
) -> np.random.MT19937:
    """As :func:`_advance_mt19937`, through numpy's ``state`` property (subclasses, or a
    struct layout that does not check out)."""
    state = bit_generator.state
    key = np.asarray(state["state"]["key"], dtype=np.uint32)
    pos = int(state["state"]["pos"])
    left = _MT_N - pos  # outputs left in the current block
    if steps <= left:
        new.state = {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": pos + steps}}
        return new
    # After the block is used up the state is the window (key, pos=624).  numpy
    # would then generate `blocks` more blocks and stand at `tail` in the last.
    rest = steps - left
    blocks = -(-rest // _MT_N)
    tail = rest - _MT_N * (blocks - 1)
    window = jump_window(key, _MT_N * (blocks - 1))
    new.state = {"bit_generator": "MT19937", "state": {"key": window, "pos": _MT_N}}
    # numpy's own recurrence makes the last block, so the key (including the low
    # bits of word 0) is exactly numpy's.
    new.random_raw(tail)
    return new


def _advance_philox(bit_generator: np.random.Philox, steps: int) -> np.random.Philox:
    new = _new_like(bit_generator)
    state = bit_generator.state
    new.state = state
    left = _PHILOX_BUFFER - int(state["buffer_pos"])
    if steps:  # as numpy's advance: a buffered 32-bit half is dropped
        state["has_uint32"], state["uinteger"] = 0, 0
    if steps <= left:
        state["buffer_pos"] = int(state["buffer_pos"]) + steps
        new.state = state
        return new
    # With the buffer used up, Philox.advance(k) skips k counter values.  numpy
    # itself makes the last block, so the buffer holds what numpy's would.
    blocks, tail = divmod(steps - left - 1, _PHILOX_BUFFER)
    state["buffer_pos"] = _PHILOX_BUFFER
    new.state = state
    if blocks:
        new.advance(blocks)
    new.random_raw(tail + 1)
    return new


def _advance_pcg(bit_generator: _BitGen, steps: int) -> _BitGen:
    new = _new_like(bit_generator)
    new.state = bit_generator.state
    if steps:
        new.advance(steps)  # type: ignore[attr-defined]  # PCG64 and PCG64DXSM have it
    return new


def advance(bit_generator: np.random.BitGenerator, steps: int) -> np.random.BitGenerator:
    """A copy of `bit_generator` moved `steps` outputs ahead.

    Parameters
    ----------
    bit_generator : numpy.random.BitGenerator
        ``MT19937`` (in any state), ``PCG64``, ``PCG64DXSM`` or ``Philox``.
        It is not modified.
    steps : int
        How many native outputs to skip, ``0 <= steps < 2**128``: 32-bit words
        for MT19937, 64-bit words (``random_raw`` values) for the others.

    Returns
    -------
    numpy.random.BitGenerator
        A new bit generator of the same type whose next outputs are outputs
        ``steps, steps + 1, ...`` of `bit_generator`.  For MT19937 its state is
        exactly the one numpy reaches by generating ``steps`` outputs.

    Raises
    ------
    TypeError
        If `bit_generator` is not a numpy bit generator or `steps` is not an integer.
    ValueError
        If `steps` is negative or ``>= 2**128``.
    NotImplementedError
        For SFC64 (and other bit generators without a jump): it can only be
        generated sequentially.

    Notes
    -----
    MT19937 costs one evaluation of ``x**P mod phi`` and one evaluation of
    ``g(F)`` on the state (Horner's rule over the bytes of ``g``: about 2500
    state XORs, four a pass over the state); numpy's ``jumped()`` does the
    second of these, bit by bit, for its fixed ``P = 2**128``.  On a CPU with
    VPCLMULQDQ (the kernel's avx512clmul path) ``x**P`` is a product of one
    factor per byte of ``P`` above bit 14 from a table of powers the process
    fills as it goes (up to 4.5 MB for ``P < 2**64``, 9.5 MB up to ``2**128``);
    elsewhere it takes about ``log2(P) - 14`` squarings.  The kernel keeps the
    last 16 powers it made, so a ``P`` met again (a chunk grid walked twice, or
    laid over several streams) costs only the second.  The new generator is not
    seeded by numpy's constructor (its state is written directly); its
    ``seed_seq`` is `bit_generator`'s (None for a legacy-seeded one).

    Buffered 32-bit values of PCG64, PCG64DXSM and Philox (from
    ``random_raw``-independent 32-bit draws) are discarded by a non-zero
    advance, as numpy's own ``advance`` does.

    References
    ----------
    .. [1] H. Haramoto et al., "Efficient Jump Ahead for F2-Linear Random Number
       Generators", INFORMS Journal on Computing 20(3), 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from seedstream import advance
    >>> bg = np.random.MT19937()
    >>> bg._legacy_seeding(5489)
    >>> int(advance(bg, 9999).random_raw())  # the C++ standard's check value
    4123659995
    >>> rs = np.random.RandomState(0)
    >>> far = np.random.RandomState(advance(rs._bit_generator, 2 * 10**6))  # a double: 2 words
    >>> far.random_sample()
    0.689556045008651
    >>> float(np.random.RandomState(0).random_sample(10**6 + 1)[-1])  # numpy, sequentially
    0.689556045008651
    """
    if not isinstance(bit_generator, np.random.BitGenerator):
        raise TypeError(
            "bit_generator must be a numpy.random.BitGenerator (MT19937, PCG64, PCG64DXSM "
            f"or Philox), got {type(bit_generator).__name__}"
        )
    n = _check_steps(steps)
    if isinstance(bit_generator, np.random.MT19937):
        return _advance_mt19937(bit_generator, n)
    if isinstance(bit_generator, np.random.Philox):
        return _advance_philox(bit_generator, n)
    if isinstance(bit_generator, np.random.PCG64 | np.random.PCG64DXSM):
        return _advance_pcg(bit_generator, n)
    raise NotImplementedError(
        f"{type(bit_generator).__name__} has no jump-ahead, so it cannot be advanced without "
        "generating every skipped output; use MT19937, PCG64, PCG64DXSM or Philox for random "
        "access, or draw from it sequentially"
    )
