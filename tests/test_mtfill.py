"""The vectorized MT19937 core (seedstream._mtfill) against numpy, on every code path.

Every expected value and state comes from numpy's own scalar MT19937: the
legacy ``RandomState.random_sample``, ``Generator(MT19937).random`` (float64
and float32) and ``MT19937.random_raw``.  Each path this CPU runs is forced in
turn; the paths it cannot run are reported as skipped.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _compare import assert_same_bits, assert_same_state
from _simd import ALL_PATHS, forced, runnable
from seedstream import _fill, _mtfill
from seedstream._fill import fill_mt19937
from seedstream._mtstate import struct_layout_ok

SEEDS: dict[str, Callable[[], np.random.MT19937]] = {
    "legacy 0": lambda: np.random.RandomState(0)._bit_generator,
    "legacy 1": lambda: np.random.RandomState(1)._bit_generator,
    "legacy 2**32-1": lambda: np.random.RandomState(2**32 - 1)._bit_generator,
    "SeedSequence": lambda: np.random.MT19937(np.random.SeedSequence(20261202)),
}
# (float32 draws, then float64 draws): odd counts of float32 leave odd word positions
STARTS = [(0, d) for d in (0, 1, 2, 3, 311, 312, 313, 622)] + [(1, 0), (1, 312), (3, 622)]
SIZES = (0, 1, 2, 623, 624, 625, 1247, 1248)
DTYPES = (np.float64, np.float32, np.uint32)


def state_at(make: Callable[[], np.random.MT19937], floats: int, doubles: int) -> dict[str, Any]:
    bit_generator = make()
    generator = np.random.Generator(bit_generator)
    generator.random(floats, dtype=np.float32)
    generator.random(doubles)
    state: dict[str, Any] = bit_generator.state
    return state


def with_state(state: dict[str, Any]) -> np.random.MT19937:
    bit_generator = np.random.MT19937()
    bit_generator.state = state
    return bit_generator


def numpy_draw(bit_generator: np.random.MT19937, n: int, dtype: type) -> np.ndarray:
    if dtype is np.uint32:
        return bit_generator.random_raw(n).astype(np.uint32)
    return np.random.Generator(bit_generator).random(n, dtype=dtype)


def core_check(state: dict[str, Any], n: int, dtype: type, what: str) -> None:
    """The core itself on a copy of numpy's key, against numpy's draw from the same state."""
    numpys = with_state(state)
    expected = numpy_draw(numpys, n, dtype)
    after = numpys.state["state"]
    key = np.array(state["state"]["key"], dtype=np.uint32)
    out = np.empty(n, dtype=dtype)
    pos = _mtfill.fill(key, state["state"]["pos"], out)
    assert_same_bits(out, expected, what)
    assert_same_state({"key": key, "pos": pos}, after, what)


def check(state: dict[str, Any], n: int, dtype: type, what: str, **kwargs: Any) -> None:
    """fill_mt19937 on a numpy bit generator: values and the generator's state after."""
    numpys = with_state(state)
    expected = numpy_draw(numpys, n, dtype)
    ours = with_state(state)
    out = fill_mt19937(ours, np.empty(n, dtype=dtype), **kwargs)
    assert_same_bits(out, expected, what)
    assert_same_state(ours, numpys, what)


def test_every_seed_start_size_and_dtype(path: str) -> None:
    for label, make in SEEDS.items():
        for floats, doubles in STARTS:
            state = state_at(make, floats, doubles)
            for dtype in DTYPES if label == "SeedSequence" else (np.float64,):
                for n in SIZES:
                    what = f"{path} {label} after {floats}f+{doubles}d, {n} {dtype.__name__}"
                    core_check(state, n, dtype, what)


def test_a_million_and_one(path: str) -> None:
    # float64 crosses the streaming-store size, float32 does not
    state = state_at(SEEDS["legacy 1"], 1, 313)
    for dtype in (np.float64, np.float32):
        check(state, 10**6 + 1, dtype, f"{path} 10**6+1 {dtype.__name__}")


@pytest.mark.parametrize("stream", [False, True])
def test_any_alignment_and_stream_choice(path: str, stream: bool) -> None:
    """Outputs at every 4-byte offset of a 64-byte line (and one 2-byte offset, where
    streaming is not possible), float64 ones included; bytes around them untouched."""
    state = state_at(SEEDS["SeedSequence"], 1, 5)
    for dtype in DTYPES:
        width = np.dtype(dtype).itemsize
        for n in (1, 15, 16, 17, 100, 1300):
            numpys = with_state(state)
            expected = numpy_draw(numpys, n, dtype)
            after = numpys.state["state"]
            for offset in (*range(0, 64, 4), 2):
                storage = np.full(width * n + 128, 0xA5, dtype=np.uint8)
                out = storage[offset : offset + width * n].view(dtype)
                key = np.array(state["state"]["key"], dtype=np.uint32)
                pos = _mtfill.fill(key, state["state"]["pos"], out, stream=stream)
                what = f"{path} stream={stream} {n} {dtype.__name__} at +{offset} bytes"
                assert_same_bits(out, expected, what)
                around = np.concatenate([storage[:offset], storage[offset + width * n :]])
                assert (around == 0xA5).all(), f"{what}: wrote outside"
                assert_same_state({"key": key, "pos": pos}, after, what)


def test_interleaved_float32_float64_and_raw(path: str) -> None:
    numpys = SEEDS["legacy 2**32-1"]()
    ours = SEEDS["legacy 2**32-1"]()
    generator = np.random.Generator(numpys)
    for step, (n, dtype) in enumerate(
        [(3, np.float32), (700, np.float64), (1, np.uint32), (625, np.float32), (1249, np.float64)]
        * 3
    ):
        expected = numpy_draw(numpys, n, dtype) if dtype is np.uint32 else None
        if expected is None:
            expected = generator.random(n, dtype=dtype)
        out = fill_mt19937(ours, np.empty(n, dtype=dtype))
        assert_same_bits(out, expected, f"{path} step {step}")
        assert_same_state(ours, numpys, f"{path} step {step}")


def test_random_state_after_set_state_keeps_its_gaussian(path: str) -> None:
    """RandomState: values and the whole get_state(), cached Gaussian included."""
    numpys, ours = np.random.RandomState(7), np.random.RandomState(7)
    for rs in (numpys, ours):
        rs.standard_normal(3)  # leaves a cached Gaussian
        state = rs.get_state()
        rs.random_sample(5)
        rs.set_state(state)
    expected = numpys.random_sample(1001)
    out = fill_mt19937(ours._bit_generator, np.empty(1001))
    assert_same_bits(out, expected)
    assert_same_state(ours, numpys)
    assert ours.get_state(legacy=False)["has_gauss"] == 1
    assert ours.standard_normal() == numpys.standard_normal()


@pytest.mark.parametrize("in_place", [True, False])
def test_both_state_routes(in_place: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = _mtfill.fill_state

    def spy(capsule: Any, out: Any, stream: bool | None = None) -> int:
        calls.append(out.size)
        return real(capsule, out, stream)

    monkeypatch.setattr(_mtfill, "fill_state", spy)
    state = state_at(SEEDS["legacy 0"], 1, 311)
    for n in (0, 5, 1248):
        check(state, n, np.float64, f"in_place={in_place} {n}", in_place=in_place)
    # in place: numpy's struct, through the capsule, on every call
    assert calls == ([0, 5, 1248] if in_place else [])


def test_fill_state_refuses_what_is_not_a_bit_generator_capsule() -> None:
    with pytest.raises(ValueError, match="PyCapsule"):
        _mtfill.fill_state(np.zeros(3), np.empty(1))
    with pytest.raises(ValueError, match="PyCapsule"):
        _mtfill.state_address(object())


def test_the_struct_layout_checks_out() -> None:
    assert struct_layout_ok()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    floats=st.integers(0, 3),
    doubles=st.integers(0, 700),
    n=st.integers(0, 3000),
    dtype=st.sampled_from(DTYPES),
    path=st.sampled_from(ALL_PATHS),
)
def test_hypothesis(seed: int, floats: int, doubles: int, n: int, dtype: type, path: str) -> None:
    with forced(runnable(path)):
        state = state_at(lambda: np.random.RandomState(seed)._bit_generator, floats, doubles)
        check(state, n, dtype, f"{path} seed {seed} after {floats}f+{doubles}d, {n}")


def test_refuses_what_it_cannot_serve() -> None:
    bit_generator = np.random.MT19937(0)
    before = bit_generator.state
    with pytest.raises(TypeError, match="float64, float32 or uint32"):
        fill_mt19937(bit_generator, np.empty(4, dtype=np.int64))
    with pytest.raises(TypeError, match="float64, float32 or uint32"):
        fill_mt19937(bit_generator, np.empty(4, dtype=">f8"))
    with pytest.raises(ValueError, match="C-contiguous"):
        fill_mt19937(bit_generator, np.empty(8)[::2])
    with pytest.raises(TypeError, match="MT19937 only"):
        fill_mt19937(np.random.PCG64(0), np.empty(4))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pos must be in 0\.\.624"):
        _mtfill.fill(np.zeros(624, dtype=np.uint32), 625, np.empty(1))
    with pytest.raises(ValueError, match="624 contiguous uint32"):
        _mtfill.fill(np.zeros(623, dtype=np.uint32), 0, np.empty(1))
    assert_same_state(bit_generator, before, "after refusals")


def test_select_path_names() -> None:
    available = _mtfill.available_paths()
    assert available[0] == "portable"
    assert set(available) <= set(ALL_PATHS)
    assert _mtfill.select_path("best") == available[-1] == _mtfill.current_path()
    with pytest.raises(ValueError, match="unknown path"):
        _mtfill.select_path("sse9")
    for name in set(ALL_PATHS) - set(available):
        with pytest.raises(ValueError, match=r"cannot run it|no such path"):
            _mtfill.select_path(name)
    assert _mtfill.current_path() == available[-1]


def test_environment_variable_forces_the_path_at_import() -> None:
    """SEEDSTREAM_SIMD is read at import: a fresh process loads the extension by file."""
    spec = importlib.util.find_spec("seedstream._mtfill")
    assert spec is not None and spec.origin is not None
    script = (
        "import importlib.machinery, importlib.util, sys\n"
        "loader = importlib.machinery.ExtensionFileLoader('seedstream._mtfill', sys.argv[1])\n"
        "spec = importlib.util.spec_from_file_location('seedstream._mtfill', sys.argv[1],"
        " loader=loader)\n"
        "try:\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    print(module.current_path())\n"
        "except ValueError as error:\n"
        "    print('ValueError:', error)\n"
    )

    def run(value: str) -> str:
        env = {**os.environ, "SEEDSTREAM_SIMD": value}
        done = subprocess.run(
            [sys.executable, "-c", script, spec.origin],  # type: ignore[list-item]
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert run("portable") == "portable"
    assert run("sse9").startswith("ValueError: SEEDSTREAM_SIMD=sse9: unknown path")


def test_seedstream_random_state_draws_through_the_core() -> None:
    """seedstream's in-memory legacy doubles: numpy's values and whole state, core or not."""
    import seedstream
    from seedstream import _fill

    # (that the core served these is tests/test_core_conformance.py's spy)
    n = _fill.CORE_MIN_VALUES
    calls: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "n + 1": (lambda rs: rs.random_sample(n + 1), lambda rs: rs.random_sample(n + 1)),
        "shape": (lambda rs: rs.random_sample((3, n)), lambda rs: rs.random_sample((3, n))),
        "random": (lambda rs: rs.random(np.int64(2 * n)), lambda rs: rs.random(2 * n)),
        "rand": (lambda rs: rs.rand(2, n), lambda rs: rs.rand(2, n)),
        "numpy's loop": (lambda rs: rs.random_sample(n - 1), lambda rs: rs.random_sample(n - 1)),
        "start": (
            lambda rs: rs.random_sample(n, start=1001),
            lambda rs: rs.random_sample(n + 1001)[1001:],
        ),
        "uniform": (lambda rs: rs.uniform(-2.5, 7, n + 3), lambda rs: rs.uniform(-2.5, 7, n + 3)),
        "uniform high < low": (
            lambda rs: rs.uniform(5, 2, (2, n)),
            lambda rs: rs.uniform(5, 2, (2, n)),
        ),
        "uniform start": (
            lambda rs: rs.uniform(1, 3, n, start=7),
            lambda rs: rs.uniform(1, 3, n + 7)[7:],
        ),
        "uniform array bounds": (
            lambda rs: rs.uniform(np.zeros(n), 2.0),
            lambda rs: rs.uniform(np.zeros(n), 2.0),
        ),
    }
    for name, (our_call, numpys_call) in calls.items():
        ours, numpys = seedstream.RandomState(2024), np.random.RandomState(2024)
        ours.standard_normal(), numpys.standard_normal()  # a cached Gaussian to keep
        got, expected = our_call(ours), numpys_call(numpys)
        assert_same_bits(got, expected, name)
        assert_same_state(ours, numpys, name)
    ours, numpys = seedstream.RandomState(1), np.random.RandomState(1)
    for rs in (ours, numpys):
        with pytest.raises(OverflowError, match="Range exceeds valid bounds"):
            rs.uniform(-1e308, 1e308, 2 * n)
    assert ours.random_sample() == numpys.random_sample()
    # the module-level functions and numpy's aliases, against a RandomState seeded alike
    reference = np.random.RandomState(9)
    seedstream.seed(9)
    assert_same_bits(seedstream.ranf(3 * n), reference.random_sample(3 * n))
    assert_same_bits(seedstream.sample(n), reference.random_sample(n))
    assert seedstream.random_sample() == reference.random_sample()


# --- several threads ------------------------------------------------------------------------

# numpy's state after seeding has pos 624; 0 and 623 are set through the state property
THREAD_STARTS = (0, 1, 623, 624)
# float64 1001 in 3 parts: segments at values 333 and 667 (words 666, 1334: odd from pos 1);
# 5003 moves segments by several blocks (jump_window); 2 and 3 leave segments empty.
THREAD_SIZES = (2, 3, 1001, 5003)


def state_with_pos(pos: int) -> dict[str, Any]:
    key = np.random.default_rng(pos).integers(0, 2**32, 624, dtype=np.uint32)
    return {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}


@pytest.fixture
def jumps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(thread, words) of every segment start the threaded fill computes."""
    seen: list[tuple[int, int]] = []
    real = _fill.mt19937_after

    def spy(key: np.ndarray, pos: int, words: int) -> tuple[np.ndarray, int]:
        seen.append((threading.get_ident(), words))
        return real(key, pos, words)

    monkeypatch.setattr(_fill, "mt19937_after", spy)
    return seen


def test_threads_give_numpys_values_and_state(path: str, jumps: list[tuple[int, int]]) -> None:
    for pos in THREAD_STARTS:
        state = state_with_pos(pos)
        for dtype in DTYPES:
            for n in THREAD_SIZES:
                for threads in (1, 2, 3):
                    for in_place in (True, False):
                        what = f"{path} pos {pos}, {n} {dtype.__name__}, {threads} threads"
                        jumps.clear()
                        check(
                            state,
                            n,
                            dtype,
                            what,
                            threads=threads,
                            segment_min_bytes=1,
                            in_place=in_place,
                        )
                        if threads == 1:
                            continue
                        words = 2 if dtype is np.float64 else 1
                        starts = [w for _, w in sorted(jumps, key=lambda j: j[1])]
                        assert starts == [words * (n * k // threads) for k in range(threads)], what
                        assert len({t for t, _ in jumps}) > 1, f"{what}: one thread"


def test_a_failed_segment_leaves_numpys_state(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _fill.mt19937_after

    def fails_later(key: np.ndarray, pos: int, words: int) -> tuple[np.ndarray, int]:
        if words == 666:  # the second of three segments (333 doubles in); the third succeeds
            raise MemoryError("segment")
        return real(key, pos, words)

    monkeypatch.setattr(_fill, "mt19937_after", fails_later)
    for in_place in (True, False):
        bit_generator, before = np.random.MT19937(5), np.random.MT19937(5)
        with pytest.raises(MemoryError, match="segment"):
            fill_mt19937(
                bit_generator, np.empty(999), threads=3, segment_min_bytes=8, in_place=in_place
            )
        assert_same_state(bit_generator, before, f"in_place={in_place}")


def test_segments_small_and_huge() -> None:
    assert _fill.segment_bounds(8, 1001, 8, 3) == [0, 333, 667, 1001]
    # 1.6 GB in two: the second segment starts on a 2 MiB boundary (huge pages)
    for address in (2**21 * 7 + 16, 2**21 * 7 + 8):
        bounds = _fill.segment_bounds(address, 2 * 10**8, 8, 2)
        assert (address + bounds[1] * 8) % 2**21 == 0
        assert abs(bounds[1] - 10**8) < 2**18


def test_seedstream_threads_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fill, "usable_cpus", lambda: 4)
    for text, threads in (("", 4), ("1", 1), ("3", 3), ("64", 4), (" 2 ", 2)):
        monkeypatch.setenv("SEEDSTREAM_THREADS", text)
        assert _fill.default_threads() == threads, text
    monkeypatch.delenv("SEEDSTREAM_THREADS")
    assert _fill.default_threads() == 4
    for text in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv("SEEDSTREAM_THREADS", text)
        with pytest.raises(ValueError, match="positive whole number") as error:
            _fill.default_threads()
        message = str(error.value)
        assert "\n" not in message and f"SEEDSTREAM_THREADS={text!r}" in message
        assert "unset it" in message
    with pytest.raises(ValueError, match="positive int or None"):
        fill_mt19937(np.random.MT19937(0), np.empty(4), threads=0)


def test_in_memory_draws_use_threads_and_chunks_do_not(
    monkeypatch: pytest.MonkeyPatch, jumps: list[tuple[int, int]]
) -> None:
    """RandomState's in-memory random_sample and uniform split big draws; uniforms() (a
    dask or store chunk, already run in parallel) never does."""
    import seedstream

    monkeypatch.setattr(_fill, "SEGMENT_MIN_BYTES", 64)
    monkeypatch.setattr(_fill, "FRESH_BYTES", 64)  # ordinary stores, as for a big new array
    monkeypatch.setattr(_fill, "usable_cpus", lambda: 3)
    monkeypatch.setenv("SEEDSTREAM_THREADS", "2")
    n = _fill.CORE_MIN_VALUES + 1001
    ours, numpys = seedstream.RandomState(11), np.random.RandomState(11)
    for call in (lambda rs: rs.random_sample(n), lambda rs: rs.uniform(-1, 2, (3, n))):
        jumps.clear()
        assert_same_bits(call(ours), call(numpys))
        assert len(jumps) == 2
    assert_same_state(ours, numpys, "RandomState")
    jumps.clear()
    chunk = _fill.uniforms(np.random.MT19937(3), n)
    assert chunk is not None
    assert_same_bits(chunk, np.random.Generator(np.random.MT19937(3)).random(n))
    assert jumps == []


def test_bench_inmemory_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark's in-process parts at tiny sizes (its default part runs processes)."""
    from pathlib import Path

    benchmarks = Path(__file__).resolve().parent.parent / "benchmarks"
    threshold = _fill.CORE_MIN_VALUES
    sys.path.insert(0, str(benchmarks))  # it imports its sibling _timing
    try:
        spec = importlib.util.spec_from_file_location(
            "_bench_inmemory", benchmarks / "bench_inmemory.py"
        )
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        us = bench.percall([16], 1, seconds=1e-4)
        swept = bench.sweep([12], 1)
    finally:
        sys.path.remove(str(benchmarks))
    assert us["core 16"]["median"] > 0 and us["numpy 16"]["median"] > 0
    assert swept[12]["1"]["median"] > 0 and swept[12]["2"]["median"] > 0
    assert threshold == _fill.CORE_MIN_VALUES  # percall puts it back
    assert "numpy / core" in capsys.readouterr().out
