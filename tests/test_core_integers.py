"""Bounded integers from the MT19937 core (seedstream._fill_ints) against numpy, on every path.

Every expected value and state comes from numpy's own call on an identical
generator: ``RandomState.randint`` (masked rejection) and
``Generator(MT19937).integers`` (Lemire's method), for every dtype, over ranges
chosen at the edges of numpy's rules (rng 0, powers of two and their
neighbours, the 2**32 boundary between one and two words a candidate, full
ranges), low offsets and negative lows, sizes around ``CORE_MIN_INTS``, and
start positions inside numpy's block of 624 words.  A spy on the core proves
which calls it served; the rest must be numpy's own.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream
from _compare import assert_same_bits, assert_same_state
from _simd import ALL_PATHS, forced, runnable
from seedstream import _fill, _fill_ints, _mtfill

DTYPES = (
    np.int64,
    np.uint64,
    np.int32,
    np.uint32,
    np.int16,
    np.uint16,
    np.int8,
    np.uint8,
    np.bool_,
)
SIZES = (_fill_ints.CORE_MIN_INTS, _fill_ints.CORE_MIN_INTS + 1, 1001, 8209)  # 8209: 2 rounds + 17
STARTS = (0, 1, 623)  # words drawn before: a fresh block, an odd position, the block's last word


def _spans(dtype: Any) -> list[tuple[int, int]]:
    """(low, high) pairs, high exclusive: every range rule numpy has, for `dtype`."""
    info = np.iinfo(dtype) if dtype is not np.bool_ else None
    lo, hi = (0, 1) if info is None else (int(info.min), int(info.max))
    if dtype is np.bool_:
        return [(0, 1), (1, 2), (0, 2)]
    bits = hi.bit_length() + (lo < 0)
    spans = [1, 2, 3, 1000, 2 ** (bits - 1), 2 ** (bits - 1) + 1, 2**bits - 1, 2**bits]
    if bits == 64:  # one word a candidate up to rng 2**32 - 1, two above
        spans += [2**32 - 1, 2**32, 2**32 + 1, 2**33 + 1]
    spans += [2**k + d for k in (5, bits // 2) for d in (-1, 0, 1)]
    lows = [lo, 0 if lo == 0 else -3, 5]
    return sorted(
        {(low, low + span) for span in spans for low in lows if low + span - 1 <= hi},
    )


def _pair(legacy: bool, seed: int, start: int) -> tuple[Any, Any]:
    """Two identical generators, `start` raw words into their streams."""
    pair = [
        np.random.RandomState(seed) if legacy else np.random.Generator(np.random.MT19937(seed))
        for _ in range(2)
    ]
    for g in pair:
        (g._bit_generator if legacy else g.bit_generator).random_raw(start)
    return pair[0], pair[1]


def _draw(legacy: bool, g: Any, low: int, high: int, size: Any, dtype: Any, ours: bool) -> Any:
    if legacy:
        if ours:
            return _fill_ints.randint(g, low, high, size, dtype)
        return g.randint(low, high, size, dtype)
    if ours:
        return _fill_ints.generator_integers(g, low, high, size, dtype)
    return g.integers(low, high, size, dtype)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The arguments of every call of the core's in-place integer fill."""
    calls: list[tuple[Any, ...]] = []
    real = _mtfill.bounded_state

    def recording(*args: Any) -> int:
        calls.append(args[2:])
        return real(*args)

    monkeypatch.setattr(_mtfill, "bounded_state", recording)
    return calls


@pytest.mark.parametrize("legacy", [True, False], ids=["randint", "integers"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_range_and_size_equals_numpy(
    path: str, legacy: bool, dtype: Any, spy: list[tuple[Any, ...]]
) -> None:
    for i, (low, high) in enumerate(_spans(dtype)):
        size = SIZES[i % len(SIZES)]
        start = STARTS[i % len(STARTS)]
        ours, theirs = _pair(legacy, i, start)
        what = f"{path} {np.dtype(dtype).name} [{low}, {high}) size {size} start {start}"
        calls = len(spy)
        got = _draw(legacy, ours, low, high, size, dtype, ours=True)
        assert_same_bits(got, _draw(legacy, theirs, low, high, size, dtype, ours=False), what)
        assert_same_state(ours, theirs, what)
        # rng 0 draws nothing and is filled in Python; every other range is the core's
        assert len(spy) == calls + (high - low > 1), what


@pytest.mark.parametrize("legacy", [True, False], ids=["randint", "integers"])
def test_shapes_and_default_dtype(legacy: bool, spy: list[tuple[Any, ...]]) -> None:
    ours, theirs = _pair(legacy, 7, 0)
    for size in [(3, 5, 17), np.int64(300), (np.int32(2), 150)]:
        if legacy:
            got, expected = (
                _fill_ints.randint(ours, 1000, size=size),
                theirs.randint(1000, size=size),
            )
        else:
            got = _fill_ints.generator_integers(ours, 1000, size=size, endpoint=True)
            expected = theirs.integers(1000, size=size, endpoint=True)
        assert_same_bits(got, expected, f"size {size}")
        assert_same_state(ours, theirs, f"size {size}")
    assert len(spy) == 3


@pytest.mark.parametrize("legacy", [True, False], ids=["randint", "integers"])
@pytest.mark.parametrize(
    "args",
    [
        (0, 1000, _fill_ints.CORE_MIN_INTS - 1, np.int64),  # too small to pay
        (0, 1000, None, np.int64),  # a scalar
        (0, [10, 1000], (500, 2), np.int64),  # array bounds
        (0.0, 1000.5, 500, np.int64),  # float bounds: numpy's rules
        (0, 1000, 500, np.dtype(">i8")),  # not native
        (0, 0, 500, np.int64),  # refused by numpy (low >= high)
        (-1, 10, 500, np.uint8),  # refused by numpy (out of bounds)
        (0, 2**64 + 1, 500, np.uint64),  # refused by numpy (out of bounds)
    ],
    ids=["small", "scalar", "array", "float", "swapped", "empty", "low", "high"],
)
def test_what_the_core_leaves_to_numpy(
    legacy: bool, args: tuple[Any, ...], spy: list[tuple[Any, ...]]
) -> None:
    ours, theirs = _pair(legacy, 3, 0)
    low, high, size, dtype = args
    try:
        expected = _draw(legacy, theirs, low, high, size, dtype, ours=False)
    except Exception as error:  # numpy's refusal (warnings are errors here): the same one
        with pytest.raises(type(error), match=re.escape(str(error))):
            _draw(legacy, ours, low, high, size, dtype, ours=True)
    else:
        assert_same_bits(_draw(legacy, ours, low, high, size, dtype, ours=True), expected)
    assert_same_state(ours, theirs)
    assert spy == []


def test_other_bit_generators_are_numpy_s(spy: list[tuple[Any, ...]]) -> None:
    ours, theirs = (np.random.Generator(np.random.PCG64(5)) for _ in range(2))
    assert_same_bits(
        _fill_ints.generator_integers(ours, 0, 1000, 5000), theirs.integers(0, 1000, 5000)
    )
    assert_same_state(ours, theirs)
    assert spy == []


def test_seedstream_methods_go_through_the_core(spy: list[tuple[Any, ...]]) -> None:
    rs, reference = seedstream.RandomState(11), np.random.RandomState(11)
    assert_same_bits(rs.randint(-5, 1000, 3000), reference.randint(-5, 1000, 3000))
    with pytest.warns(DeprecationWarning):
        got = rs.random_integers(7, 2**40, 3000)
    with pytest.warns(DeprecationWarning):
        assert_same_bits(got, reference.random_integers(7, 2**40, 3000))
    assert_same_state(rs, reference)
    g, h = seedstream.Generator(seedstream.MT19937(11)), np.random.Generator(np.random.MT19937(11))
    assert_same_bits(g.integers(2**40, size=3000), h.integers(2**40, size=3000))
    assert_same_state(g, h)
    assert [(call[1], call[2], call[3]) for call in spy] == [  # off, rng, candidate bits
        (2**64 - 5, 1004, 32),
        (7, 2**40 - 7, 64),
        (0, 2**40 - 1, 64),
    ]


@pytest.mark.parametrize("dtype", ["int64", "uint8"])
def test_chunks_and_stores_go_through_the_core(
    dtype: str, spy: list[tuple[Any, ...]], tmp_path: Any
) -> None:
    # every chunk of a lazy or stored draw is made by the core, one chunk per call
    n, start, chunk = 3000, 77, 700
    expected = np.random.RandomState(11).randint(5, 100, start + n, dtype=dtype)[start:]
    rs = seedstream.RandomState(11)
    lazy = rs.randint(5, 100, n, dtype=dtype, start=start, chunks=chunk)
    assert_same_bits(lazy.compute(scheduler="sync"), expected)
    assert len(spy) == 5
    stored = seedstream.RandomState(11).randint(
        5, 100, n, dtype=dtype, start=start, store=tmp_path / "x.zarr", progress=False
    )
    assert_same_bits(stored[...], expected)
    assert len(spy) > 5
    calls = len(spy)
    h = np.random.Generator(np.random.MT19937(11))
    expected = h.integers(-7, 1000, start + n, dtype=dtype if dtype != "uint8" else "int16")
    g = seedstream.Generator(seedstream.MT19937(11))
    got = g.integers(
        -7, 1000, n, dtype=dtype if dtype != "uint8" else "int16", start=start, chunks=chunk
    )
    assert_same_bits(got.compute(scheduler="sync"), expected[start:])
    assert len(spy) == calls + 5


@pytest.mark.parametrize("dtype", ["int64", "uint16", "uint64"])
def test_count_passes_read_the_core_s_words(dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the count pass before a deep start reads its words from the core, not random_raw
    from seedstream import _units

    words: list[int] = []
    real = _units.fill_mt19937

    def spy(bit_generator: Any, out: np.ndarray, **kw: Any) -> np.ndarray:
        words.append(out.size)
        return real(bit_generator, out, **kw)

    monkeypatch.setattr(_units, "fill_mt19937", spy)
    high = 2**40 + 3 if dtype == "uint64" else 1001  # 64-bit units: two words an attempt
    n, start = 50, 1_100_003  # past the first count segment (2**20 attempts)
    got = seedstream.RandomState(3).randint(0, high, n, dtype=dtype, start=start, chunks=20)
    expected = np.random.RandomState(3).randint(0, high, start + n, dtype=dtype)[start:]
    assert_same_bits(got.compute(scheduler="sync"), expected)
    assert sum(words) >= start * (2 if dtype == "uint64" else 1) // 2  # counted by the core


@pytest.mark.parametrize("legacy", [True, False], ids=["randint", "integers"])
@pytest.mark.parametrize("threads", [2, 3])
def test_threaded_segments_equal_numpy(
    legacy: bool, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Segments of a few hundred bytes: each starts where a counting pass left the stream.
    monkeypatch.setattr(_fill, "SEGMENT_MIN_BYTES", 256)
    counted: list[int] = []
    real = _mtfill.bounded

    def recording(key: Any, pos: int, out: Any, count: int, *spec: Any) -> tuple[int, int]:
        counted.append(count if out is None else -1)
        return real(key, pos, out, count, *spec)

    monkeypatch.setattr(_mtfill, "bounded", recording)
    # packed candidates (uint16 here) are drawn in one thread: a value may start mid-word
    for dtype, low, high in [(np.int64, 0, 1000), (np.uint32, 3, 40000), (np.uint16, 3, 40000)]:
        ours, theirs = _pair(legacy, 2, 5)
        draw = _fill_ints.randint if legacy else _fill_ints.generator_integers
        got = draw(ours, low, high, 20001, dtype, threads=threads)
        assert_same_bits(got, _draw(legacy, theirs, low, high, 20001, dtype, ours=False))
        assert_same_state(ours, theirs)
    assert sum(c > 0 for c in counted) == 2 * (threads - 1)  # the chain's counting passes


def test_segment_bounds_shrink_along_the_chain() -> None:
    bounds = _fill_ints._segment_bounds(10**6, 4, 0.3)
    sizes = np.diff(bounds)
    assert bounds[0] == 0 and bounds[-1] == 10**6 and (np.diff(sizes) < 0).all()


def test_the_core_checks_its_arguments() -> None:
    key = np.zeros(624, np.uint32)
    with pytest.raises(ValueError, match="rng must be 1"):
        _mtfill.bounded(key, 624, None, 10, 0, 0, 32, 0)
    with pytest.raises(ValueError, match="rng must be 1"):
        _mtfill.bounded(key, 624, None, 10, 0, 256, 8, 0)
    with pytest.raises(ValueError, match="8-byte values"):
        _mtfill.bounded(key, 624, np.empty(4, np.int32), 0, 0, 2**40, 64, 0)
    with pytest.raises(ValueError, match="pos must be"):
        _mtfill.bounded(key, 625, None, 10, 0, 10, 32, 0)


@st.composite
def _calls(draw: st.DrawFn) -> tuple[Any, ...]:
    dtype = draw(st.sampled_from(DTYPES))
    if dtype is np.bool_:
        low, high = draw(st.sampled_from([(0, 1), (1, 2), (0, 2)]))
    else:
        info = np.iinfo(dtype)
        low = draw(st.integers(int(info.min), int(info.max)))
        high = draw(st.integers(low + 1, int(info.max) + 1))
    size = draw(st.integers(_fill_ints.CORE_MIN_INTS, 3000))
    return dtype, low, high, size, draw(st.integers(0, 624)), draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(call=_calls(), path=st.sampled_from(ALL_PATHS))
def test_hypothesis_ranges_and_sizes(call: tuple[Any, ...], path: str) -> None:
    dtype, low, high, size, start, legacy = call
    ours, theirs = _pair(legacy, 99, start)
    with forced(runnable(path)):
        got = _draw(legacy, ours, low, high, size, dtype, ours=True)
    assert_same_bits(got, _draw(legacy, theirs, low, high, size, dtype, ours=False))
    assert_same_state(ours, theirs)


def test_bench_integers_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    # The benchmark runs and checks its results against numpy's (it raises if they differ).
    bench = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_integers.py"
    spec = importlib.util.spec_from_file_location("_bench_integers", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(n=1000, repeat=2)
    assert set(figures["ratios"]) == {
        "numpy randint",
        "seedstream randint",
        "core randint, 1 thread",
        "numpy integers",
        "seedstream integers",
    }
    assert set(module.percall(sizes=(64,), repeat=1)) == {64}
    assert "numpy / this" in capsys.readouterr().out
