"""The compiled kernel on its own: every code path, any sparse modulus, against Python ints."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedstream import _kernel
from seedstream._mt_poly import MT19937_DEGREE, MT19937_POLY_EXPONENTS

PATHS = sorted({"generic", _kernel.select_path("best")})


@contextlib.contextmanager
def kernel_path(name: str) -> Iterator[None]:
    assert _kernel.select_path(name) == name
    try:
        yield
    finally:
        _kernel.select_path("best")


def reference_xpow(power: int, exponents: tuple[int, ...]) -> int:
    """x**power mod sum(x**e) with Python ints, square and multiply."""
    degree = max(exponents)
    modulus = sum(1 << e for e in exponents)

    def reduce(a: int) -> int:
        while a.bit_length() > degree:
            a ^= modulus << (a.bit_length() - 1 - degree)
        return a

    result = 1
    for bit in bin(power)[2:]:
        square = 0
        for i in range(result.bit_length()):
            if result >> i & 1:
                square |= 1 << (2 * i)
        result = reduce(square)
        if bit == "1":
            result = reduce(result << 1)
    return reduce(result)


def kernel_xpow(power: int, exponents: tuple[int, ...]) -> int:
    degree = max(exponents)
    psi = np.array([e for e in exponents if e != degree], dtype=np.int32).tobytes()
    nbytes = max(1, (power.bit_length() + 7) // 8)
    out = _kernel.xpow_mod(power.to_bytes(nbytes, "little"), degree, psi)
    assert len(out) == 8 * ((degree + 63) // 64)
    return int.from_bytes(out, "little")


@st.composite
def sparse_moduli(draw: st.DrawFn) -> tuple[int, ...]:
    degree = draw(st.integers(2, 3000))
    lower = draw(st.sets(st.integers(0, degree - 1), min_size=1, max_size=40))
    return (degree, *sorted(lower | {0}, reverse=True))


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=150, deadline=None)
@given(modulus=sparse_moduli(), power=st.integers(0, 2**130))
def test_any_sparse_modulus_matches_python_ints(
    path: str, modulus: tuple[int, ...], power: int
) -> None:
    # Gaps between the top two terms from 1 bit to thousands exercise every
    # block shape of the reduction: sub-word, unaligned, longer than a register.
    with kernel_path(path):
        assert kernel_xpow(power, modulus) == reference_xpow(power, modulus)


@pytest.mark.parametrize("power", [0, 1, 19936, 19937, 19938, 2**64 - 1, 2**127 + 12345])
def test_mt19937_paths_agree(power: int) -> None:
    results = set()
    for name in PATHS:
        with kernel_path(name):
            results.add(kernel_xpow(power, MT19937_POLY_EXPONENTS))
    assert len(results) == 1


def test_jump_rejects_malformed_buffers() -> None:
    key = np.zeros(624, dtype=np.uint32).tobytes()
    with pytest.raises(ValueError, match="624"):
        _kernel.mt19937_jump(key[:-4], bytes(312 * 8))
    with pytest.raises(ValueError, match="312"):
        _kernel.mt19937_jump(key, bytes(311 * 8))
    with pytest.raises(ValueError, match="degree"):
        _kernel.xpow_mod(b"\x01", MT19937_DEGREE, np.array([MT19937_DEGREE], np.int32).tobytes())
    with pytest.raises(ValueError, match="path"):
        _kernel.select_path("sse9")
    assert _kernel.select_path("best") in PATHS


def test_window_xor_by_one_is_one_mt_step() -> None:
    # g = x: the window moves by one word, which the MT recurrence gives directly.
    bg = np.random.MT19937()
    bg._legacy_seeding(3)
    key = bg.state["state"]["key"]
    g = (2).to_bytes(312 * 8, "little")
    moved = np.frombuffer(_kernel.mt19937_jump(key.tobytes(), g), dtype=np.uint32)
    y = (int(key[0]) & 0x80000000) | (int(key[1]) & 0x7FFFFFFF)
    nxt = int(key[397]) ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
    assert moved[1:].tolist() == [*key[2:].tolist(), nxt]
