"""The compiled kernel on its own: every code path, any sparse modulus, against Python ints.

Each hot loop of _kernel.c is built for several instruction sets (portable C, AVX2,
AVX-512, AVX-512 with VBMI2) and one set is chosen at import; here every set this CPU
runs is forced in turn and held to numpy or Python integers, and the sets it lacks are
reported as skips.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _independent_jump as ij
from seedstream import _kernel, advance
from seedstream._mt_poly import MT19937_DEGREE, MT19937_POLY_EXPONENTS

ALL_PATHS = ("portable", "avx2", "avx512", "avx512vbmi2", "avx512clmul")  # narrowest first
PATHS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            name not in _kernel.available_paths(),
            reason=f"this CPU (or this build) has no {name} path: untested here",
        ),
    )
    for name in ALL_PATHS
]


@contextlib.contextmanager
def kernel_path(name: str) -> Iterator[None]:
    before = _kernel.current_path()
    assert _kernel.select_path(name) == name
    try:
        yield
    finally:
        _kernel.select_path(before)


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
@settings(max_examples=60, deadline=None)
@given(modulus=sparse_moduli(), power=st.integers(0, 2**130))
def test_any_sparse_modulus_matches_python_ints(
    path: str, modulus: tuple[int, ...], power: int
) -> None:
    # Gaps between the top two terms from 1 bit to thousands exercise every
    # block shape of the reduction: sub-word, unaligned, longer than a register.
    with kernel_path(path):
        assert kernel_xpow(power, modulus) == reference_xpow(power, modulus)


@pytest.mark.parametrize("path", PATHS)
def test_mt19937_xpow_on_every_path(path: str) -> None:
    # The oracle is tests/_independent_jump.py: phi found from numpy's output, x**P with
    # Python ints (held to numpy's sequential advance and jumped() in its own tests).
    with kernel_path(path):
        for power in (0, 1, 19936, 19937, 19938, 2 * 10**9, 2 * 10**12):
            assert kernel_xpow(power, MT19937_POLY_EXPONENTS) == ij.xpow_mod_phi(power), power


@pytest.mark.parametrize("path", PATHS)
def test_jump_on_every_path_equals_numpys_sequential_advance(path: str) -> None:
    # x**P mod phi (the reduction) and g(F) (the window XOR) on this path.
    bg = np.random.MT19937(9)
    with kernel_path(path):
        far = advance(bg, 1_234_567)
    np.testing.assert_array_equal(far.random_raw(700), bg.random_raw(1_234_567 + 700)[-700:])


def numpy_polar_flags(words: np.ndarray) -> np.ndarray:
    """numpy's legacy_gauss acceptance test, attempt by attempt, in numpy's own arithmetic."""
    a, b = words[0::2] >> np.uint64(5), words[1::2] >> np.uint64(6)
    u = (a.astype(np.float64) * 67108864.0 + b.astype(np.float64)) / 9007199254740992.0
    x = 2.0 * u - 1.0
    r2 = x[0::2] * x[0::2] + x[1::2] * x[1::2]
    return ((r2 < 1.0) & (r2 != 0.0)).astype(np.uint8)


@pytest.mark.parametrize("path", PATHS)
def test_tempering_and_polar_flags_on_every_path(path: str) -> None:
    # The kernel makes MT19937's words itself (recurrence and tempering): from mid-block, over
    # several blocks of 624 words and batches of 1024 attempts, its flags are numpy's.
    bg = np.random.MT19937(3)
    bg.random_raw(101)
    state = bg.state["state"]
    key, pos = state["key"].tobytes(), int(state["pos"])
    attempts = 3000
    expected = numpy_polar_flags(bg.random_raw(4 * attempts))
    with kernel_path(path):
        flags = np.frombuffer(_kernel.mt19937_polar_flags(key, pos, attempts), np.uint8)
        accepted, index = _kernel.mt19937_polar_scan(key, pos, attempts, 2000)
    np.testing.assert_array_equal(flags, expected)
    assert accepted == int(expected.sum())
    assert index == int(np.flatnonzero(expected)[2000])


def _kernel_in_subprocess(simd: str) -> subprocess.CompletedProcess[str]:
    # The extension module alone (no numpy), imported as the top-level module it was built as.
    env = {**os.environ, "SEEDSTREAM_SIMD": simd, "PYTHONPATH": str(Path(_kernel.__file__).parent)}
    code = "import _kernel; print(_kernel.current_path())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_environment_variable_forces_a_path() -> None:
    for name in ("portable", _kernel.available_paths()[-1]):
        done = _kernel_in_subprocess(name)
        assert (done.returncode, done.stdout) == (0, f"{name}\n"), done.stderr
    assert _kernel_in_subprocess("").stdout == f"{_kernel.available_paths()[-1]}\n"  # unset: best
    done = _kernel_in_subprocess("sse9")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "ValueError: SEEDSTREAM_SIMD=sse9: unknown path; choose best, portable, avx2, avx512, "
        "avx512vbmi2 or avx512clmul"
    )
    missing = [name for name in ALL_PATHS if name not in _kernel.available_paths()]
    if missing:
        done = _kernel_in_subprocess(missing[-1])
        assert done.returncode == 1
        runs = ", ".join(_kernel.available_paths())
        last = done.stderr.splitlines()[-1]
        # this CPU cannot run it, or (a build without it, e.g. -DSS_NO_AVX512) it is not built
        assert last.endswith(f"choose one it runs: {runs}") or "has no such path" in last


def test_jump_rejects_malformed_buffers() -> None:
    key = np.zeros(624, dtype=np.uint32).tobytes()
    with pytest.raises(ValueError, match="624"):
        _kernel.mt19937_jump(key[:-4], bytes(312 * 8))
    with pytest.raises(ValueError, match="312"):
        _kernel.mt19937_jump(key, bytes(311 * 8))
    with pytest.raises(ValueError, match="degree"):
        _kernel.xpow_mod(b"\x01", MT19937_DEGREE, np.array([MT19937_DEGREE], np.int32).tobytes())
    with pytest.raises(ValueError, match="unknown path"):
        _kernel.select_path("sse9")
    before = _kernel.current_path()
    assert _kernel.select_path("best") == _kernel.available_paths()[-1]
    _kernel.select_path(before)


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
