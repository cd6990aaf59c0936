"""RandomState's normals and exponentials on the MT19937 core (seedstream._fill_normals).

Every expected value and state is numpy's own: ``RandomState.standard_normal``,
``normal``, ``standard_exponential`` and ``exponential`` called on a twin
generator, and ``get_state(legacy=False)`` after (the key, the position,
``has_gauss`` and the cached Gaussian, bit for bit).  Each SIMD path of the
core is forced in turn; spies prove the core served.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream
import seedstream._fill_normals as fn
from _compare import assert_same_bits, assert_same_state
from _simd import ALL_PATHS, forced, runnable
from seedstream import _kernel, _mtfill

# name -> (ours, numpy's), each called as f(random_state, size)
METHODS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "standard_normal": (fn.standard_normal, np.random.RandomState.standard_normal),
    "normal(-1.5, 3)": (
        lambda rs, n: fn.normal(rs, -1.5, 3, n),
        lambda rs, n: np.random.RandomState.normal(rs, -1.5, 3, n),
    ),
    "normal(2, 0.0)": (
        lambda rs, n: fn.normal(rs, 2, 0.0, n),
        lambda rs, n: np.random.RandomState.normal(rs, 2, 0.0, n),
    ),
    "standard_exponential": (
        fn.standard_exponential,
        np.random.RandomState.standard_exponential,
    ),
    "exponential(2.5)": (
        lambda rs, n: fn.exponential(rs, 2.5, n),
        lambda rs, n: np.random.RandomState.exponential(rs, 2.5, n),
    ),
}
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def twins(seed: int, cached: bool, words: int) -> tuple[np.random.RandomState, ...]:
    """Two RandomStates at the same place: after `words` raw words (odd: an odd word
    position) and, if `cached`, a scalar standard_normal that leaves a Gaussian cached."""
    pair = tuple(np.random.RandomState(seed) for _ in range(2))
    for rs in pair:
        rs._bit_generator.random_raw(words)
        if cached:
            np.random.RandomState.standard_normal(rs)
    return pair


@pytest.fixture
def served() -> Iterator[dict[str, int]]:
    """Counts of the core's calls, by name, during the test."""
    calls = {"polar_fill_state": 0, "fill_state": 0}
    originals = {name: getattr(_mtfill, name) for name in calls}

    def spy(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return originals[name](*args, **kwargs)

        return call

    mp = pytest.MonkeyPatch()
    for name in calls:
        mp.setattr(_mtfill, name, spy(name))
    yield calls
    mp.undo()


def test_the_cache_offset_checks_out() -> None:
    assert fn.aug_offset() is not None


@pytest.mark.parametrize("name", list(METHODS))
def test_sizes_starts_and_cache(path: str, name: str, served: dict[str, int]) -> None:
    ours_f, numpys_f = METHODS[name]
    least = fn.CORE_MIN_NORMALS if "normal" in name else fn.CORE_MIN_EXPONENTIALS
    sizes = (least - 1, least, least + 1, least + 623, least + 624, least + 1247)
    for cached in (False, True):
        for words in (0, 1, 623):
            for n in (*sizes, 2 * fn.CHUNK + 3) if words == 1 else sizes:  # chunks: once
                ours, numpys = twins(n, cached, words)
                what = f"{path} {name} n={n} cached={cached} after {words} words"
                assert_same_bits(ours_f(ours, n), numpys_f(numpys, n), what)
                assert_same_state(ours, numpys, what)
    assert served["polar_fill_state" if "normal" in name else "fill_state"] > 0


def test_interleaved_with_numpys_own_draws(path: str) -> None:
    ours, numpys = twins(7, False, 0)
    steps: list[tuple[str, Callable[[np.random.RandomState], Any]]] = [
        ("normal odd", lambda rs: fn.normal(rs, 1.0, 2.0, 1001)),
        ("random_sample", lambda rs: np.random.RandomState.random_sample(rs, 3)),
        ("standard_normal even", lambda rs: fn.standard_normal(rs, (4, 250))),
        ("normal odd again", lambda rs: fn.normal(rs, 0, 1, 777)),
        ("scalar", lambda rs: np.random.RandomState.standard_normal(rs)),
        ("standard_normal odd", lambda rs: fn.standard_normal(rs, 999)),
        ("exponential", lambda rs: fn.exponential(rs, 3, 1501)),
        ("numpy's normals", lambda rs: np.random.RandomState.standard_normal(rs, 3)),
        ("standard_exponential", lambda rs: fn.standard_exponential(rs, (3, 400))),
    ]
    for name, step in steps:
        expected = step(numpys) if "numpy" in name or name in ("random_sample", "scalar") else None
        got = step(ours)
        if expected is None:  # numpy's own method on the twin, for the same arguments
            numpy_step = {
                "normal odd": lambda rs: rs.normal(1.0, 2.0, 1001),
                "standard_normal even": lambda rs: rs.standard_normal((4, 250)),
                "normal odd again": lambda rs: rs.normal(0, 1, 777),
                "standard_normal odd": lambda rs: rs.standard_normal(999),
                "exponential": lambda rs: rs.exponential(3, 1501),
                "standard_exponential": lambda rs: rs.standard_exponential((3, 400)),
            }[name]
            expected = numpy_step(numpys)
        assert_same_bits(got, expected, f"{path} {name}")
        assert_same_state(ours, numpys, f"{path} after {name}")


@pytest.mark.parametrize("helpers", [2, 3])
def test_the_pipeline_in_threads(
    monkeypatch: pytest.MonkeyPatch, served: dict[str, int], helpers: int
) -> None:
    """Small chunks, several threads: chunks finished in any order by any thread."""
    monkeypatch.setattr(fn, "CHUNK", 64)
    monkeypatch.setattr(fn, "THREADED_MIN", 256)
    monkeypatch.setattr(fn, "default_threads", lambda: helpers)
    for name, (ours_f, numpys_f) in METHODS.items():
        for cached in (False, True):
            ours, numpys = twins(11, cached, 1)
            what = f"{helpers} threads {name} cached={cached}"
            assert_same_bits(ours_f(ours, 20001), numpys_f(numpys, 20001), what)
            assert_same_state(ours, numpys, what)
    assert served["polar_fill_state"] > 100 and served["fill_state"] > 100


def test_public_methods_use_the_core(served: dict[str, int]) -> None:
    ours, numpys = seedstream.RandomState(3), np.random.RandomState(3)
    calls: list[tuple[str, Callable[[Any], Any]]] = [
        ("standard_normal", lambda rs: rs.standard_normal(2001)),
        ("randn", lambda rs: rs.randn(3, 667)),
        ("normal", lambda rs: rs.normal(5, 2, 2001)),
        ("standard_exponential", lambda rs: rs.standard_exponential(2001)),
        ("exponential", lambda rs: rs.exponential(4.0, 2001)),
    ]
    for name, call in calls:
        before = dict(served)
        assert_same_bits(call(ours), call(numpys), name)
        assert_same_state(ours, numpys, name)
        assert served != before, f"{name}: the core did not serve"


def test_chunks_are_made_by_the_core(served: dict[str, int]) -> None:
    # each chunk of a lazy draw, from a located start (the cached Gaussian carried in)
    n, start, chunk = 6000, 1001, 1500
    calls: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
        (
            "standard_normal",
            lambda rs: rs.standard_normal(n, start=start, chunks=chunk),
            lambda rs: rs.standard_normal(start + n)[start:],
        ),
        (
            "normal",
            lambda rs: rs.normal(-2.0, 3.0, n, start=start, chunks=chunk),
            lambda rs: rs.normal(-2.0, 3.0, start + n)[start:],
        ),
        (
            "exponential",
            lambda rs: rs.exponential(4.0, n, start=start, chunks=chunk),
            lambda rs: rs.exponential(4.0, start + n)[start:],
        ),
    ]
    for name, ours, numpys in calls:
        a, b = seedstream.RandomState(3), np.random.RandomState(3)
        a.standard_normal(), b.standard_normal()  # a cached Gaussian: value 0 of a polar draw
        before = sum(served.values())
        assert_same_bits(ours(a).compute(scheduler="sync"), numpys(b), name)
        assert sum(served.values()) >= before + n // chunk, f"{name}: chunks not by the core"


def test_numpy_serves_what_the_core_does_not(served: dict[str, int]) -> None:
    for make in (lambda: np.random.RandomState(np.random.PCG64(1)), lambda: twins(1, 0, 0)[0]):
        ours, numpys = make(), make()
        for args in [((), {"size": None}), ((), {"size": 3})]:
            assert_same_bits(fn.standard_normal(ours, **args[1]), numpys.standard_normal(**args[1]))
        loc = np.array([0.0, 1.0])
        assert_same_bits(fn.normal(ours, loc, 2.0, (500, 2)), numpys.normal(loc, 2.0, (500, 2)))
        assert_same_bits(fn.exponential(ours, 2.0, 2000), numpys.exponential(2.0, 2000))
        assert_same_state(ours, numpys)
    assert served["polar_fill_state"] == 0  # PCG64, a scalar, tiny or array-parameter calls
    rs = np.random.RandomState(0)
    for bad in (-1.0, -0.0):  # numpy's refusals (nan it takes: numpy's own call serves it)
        with pytest.raises(ValueError, match="scale < 0"):
            fn.normal(rs, 0.0, bad, 1000)
        with pytest.raises(ValueError, match="scale < 0"):
            fn.exponential(rs, bad, 1000)
    numpys = np.random.RandomState(0)
    nan = float("nan")
    assert_same_bits(fn.normal(rs, 0.0, nan, 1000), numpys.normal(0.0, nan, 1000))
    assert_same_bits(fn.exponential(rs, nan, 1000), numpys.exponential(nan, 1000))
    with pytest.raises(ValueError, match="negative"):
        fn.standard_normal(rs, -5)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    words=st.integers(0, 1300),
    cached=st.booleans(),
    n=st.integers(0, 3000),
    name=st.sampled_from(list(METHODS)),
    path=st.sampled_from(ALL_PATHS),
)
def test_hypothesis(seed: int, words: int, cached: bool, n: int, name: str, path: str) -> None:
    ours_f, numpys_f = METHODS[name]
    with forced(runnable(path)):
        ours, numpys = twins(seed, cached, words)
        what = f"{path} {name} seed {seed} after {words} words, cached={cached}, n={n}"
        assert_same_bits(ours_f(ours, n), numpys_f(numpys, n), what)
        assert_same_state(ours, numpys, what)


def test_bench_normals_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/bench_normals.py runs (and checks the core against numpy) at tiny sizes."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        bench = importlib.import_module("bench_normals")
    finally:
        sys.path.remove(str(BENCHMARKS))
    result = bench.main(normals=2001, exponentials=3001, repeat=2)
    assert len(result) == 6 and "numpy wall / this" in capsys.readouterr().out
    bench.percall(sizes=(1000,), repeat=3)


def test_polar_count_answers_as_the_kernels_scan(path: str) -> None:
    """The count pass's question on the core: the kernel's polar scan (itself checked
    against numpy in the tests of counting) gives the same counts and indices."""
    words = np.random.default_rng(5).integers(0, 2**32, (5, 624), dtype=np.uint32)
    for key, pos in zip(words, (0, 1, 311, 623, 624), strict=True):
        for attempts, want in ((0, -1), (1, 0), (5, 2), (3000, 1000), (3000, 9000), (5003, 3999)):
            expected = tuple(_kernel.mt19937_polar_scan(key.tobytes(), pos, attempts, want))
            got = _mtfill.polar_count(key.tobytes(), pos, attempts, want)
            assert got == expected, f"{path} pos={pos} attempts={attempts} want={want}"


def test_count_pass_chains_segments_as_the_kernel_counts_them() -> None:
    # MT19937's polar count: runs of consecutive segments from one moved state, and a wave that
    # goes on from the last; each segment's count must be the kernel scan's from a jumped state
    import concurrent.futures

    from seedstream import _variable
    from seedstream._draw import Draw
    from seedstream._stream import Stream

    stream = Stream.from_bit_generator(np.random.RandomState(11)._bit_generator)
    draw = Draw("RandomState", "standard_normal")
    scanner = _variable.scanner_for(draw, draw.consumption(stream).loop)
    counts = _variable.Counts()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        scanner.count(stream, counts, range(0, 5), pool)
        assert counts.resume is not None and counts.resume[0] == 5
        scanner.count(stream, counts, range(5, 8), pool)  # goes on from the resumed state
    expected = []
    for segment in range(8):
        first, _ = scanner.segment_units(segment)
        key, pos = _variable._mt_state(stream, 2 * first)
        attempts = _variable.SEGMENT_ATTEMPTS
        expected.append(int(_kernel.mt19937_polar_scan(key, pos, attempts, -1)[0]))
    assert counts.per_segment == expected


def test_polar_find_answers_as_the_kernels_flags(path: str) -> None:
    """Where a block's end lies: the attempt numbers of wanted accepted attempts, the same as
    the kernel's flags (checked against numpy in test_kernel) list them; -1 past the scan."""
    words = np.random.default_rng(6).integers(0, 2**32, (3, 624), dtype=np.uint32)
    for key, pos in zip(words, (0, 313, 624), strict=True):
        hits = np.flatnonzero(np.frombuffer(_kernel.mt19937_polar_flags(key, pos, 3001), np.uint8))
        wants = [0, 0, 1, 1000, int(hits.size) - 1, int(hits.size), int(hits.size) + 9]
        expected = [int(hits[w]) if w < hits.size else -1 for w in wants]
        assert _mtfill.polar_find(key.tobytes(), pos, 3001, wants) == expected, path
    with pytest.raises(ValueError, match="ascending"):
        _mtfill.polar_find(words[0].tobytes(), 0, 10, [3, 1])


def test_chunks_in_recycled_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lazy normals and exponentials draw each chunk into a block a dropped chunk left (any
    size here): every value is still numpy's, and a block in use is never handed out."""
    from seedstream import _recycle

    monkeypatch.setattr(_recycle, "MIN_BYTES", 0)
    handed: list[int] = []
    take = _recycle._take

    def spy(nbytes: int) -> np.ndarray:
        block = take(nbytes)
        handed.append(block.__array_interface__["data"][0])
        return block

    monkeypatch.setattr(_recycle, "_take", spy)
    import dask.array as da

    n, chunk = 12000, 2000  # chunks the core serves (CORE_MIN_*)
    for name in ("standard_normal", "exponential"):
        handed.clear()
        x = getattr(seedstream.RandomState(4), name)(size=n, chunks=chunk)
        expected = da.from_array(getattr(np.random.RandomState(4), name)(size=n), chunks=chunk)
        # compared chunk by chunk, each dropped once compared: its block is free again
        assert bool((x == expected).all().compute(scheduler="sync")), name
        assert len(handed) == n // chunk and len(set(handed)) < len(handed), name
    kept = _recycle.empty(4096)
    assert _recycle.empty(4096).ctypes.data != kept.ctypes.data  # kept is in use
