"""RandomState's methods built on its cached Gaussian, with ``start=``, ``chunks=`` and ``store=``.

numpy's legacy ``gamma``, ``beta``, ``standard_t``, ... read ``legacy_gauss``:
the polar method, whose second value waits in the RandomState (``has_gauss``,
``gauss``) for the next value or call.  The oracle is numpy's own one-shot
call on ``numpy.random.RandomState``; the state after a call is numpy's full
``get_state(legacy=False)``, cached Gaussian included.  The suite's small
count segments (tests/conftest.py: 4096 units) make these sizes cross several.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream as ss
from _compare import assert_same_bits, assert_same_state, state_of
from seedstream import SelfCheckError, _variable

SEED = 20261202
K, N = 2500, 1500  # start, size: a few segments of 4096 units at 0.1-0.7 values a unit

# Parameter classes where numpy's legacy code takes different branches.
CASES: list[tuple[str, tuple[Any, ...]]] = [
    ("gamma", (0.5, 2.0)),  # shape < 1: Johnk-like rejection on exponentials, no Gaussian
    ("gamma", (3.0, 0.5)),  # Marsaglia-Tsang: tests the Gaussian it reads (maybe cached)
    ("standard_gamma", (1.0,)),  # one exponential a value
    ("standard_gamma", (2.5,)),
    ("beta", (0.5, 0.5)),  # Johnk's algorithm on uniforms
    ("beta", (2.0, 3.0)),  # two gammas
    ("chisquare", (3.0,)),
    ("noncentral_chisquare", (0.5, 2.0)),  # df <= 1: a Poisson number of extra degrees
    ("noncentral_chisquare", (3.0, 2.0)),  # df > 1: a Gaussian plus a chi-square
    ("f", (3.0, 5.0)),
    ("noncentral_f", (3.0, 5.0, 2.0)),
    ("standard_t", (4.0,)),
    ("standard_cauchy", ()),  # two Gaussians a value: one polar pair
    ("lognormal", (0.0, 1.0)),  # one Gaussian a value: may read none
    ("wald", (1.0, 2.0)),
    ("negative_binomial", (3, 0.4)),  # a gamma, then a Poisson on doubles; int64 values
]
IDS = [f"{m}{a}" for m, a in CASES]


def pair(cached: bool) -> tuple[ss.RandomState, np.random.RandomState]:
    """Ours and numpy's, seeded alike; with a cached Gaussian if `cached` (numpy's own)."""
    ours, theirs = ss.RandomState(SEED), np.random.RandomState(SEED)
    if cached:
        assert_same_bits(ours.standard_normal(1), theirs.standard_normal(1))
        assert state_of(theirs)["has_gauss"] == 1
    return ours, theirs


@pytest.mark.parametrize(("method", "args"), CASES, ids=IDS)
def test_start_and_chunks_equal_numpy(method: str, args: tuple[Any, ...]) -> None:
    cached = len(args) != 1  # half of the cases start with a Gaussian cached
    ours, theirs = pair(cached)
    want = getattr(theirs, method)(*args, size=K + N)
    got = getattr(ours, method)(*args, size=N, start=K)
    assert_same_bits(got, want[K:], f"{method}{args} start={K}")
    assert_same_state(ours, theirs, f"{method}{args} after start={K}")

    ours, _ = pair(cached)
    lazy = getattr(ours, method)(*args, size=K + N, chunks=(700, 1300, K + N - 2000))
    assert_same_bits(lazy.compute(), want, f"{method}{args} chunks")
    assert_same_state(ours, theirs, f"{method}{args} after chunks=")


@pytest.mark.parametrize(("method", "args"), [CASES[1], CASES[13]], ids=[IDS[1], IDS[13]])
def test_start_and_chunks_together_after_a_plain_call(method: str, args: tuple[Any, ...]) -> None:
    # A plain call leaves numpy's cached Gaussian (or none) and an unknown position; the
    # next call starts from numpy's state, whatever it is.
    ours, theirs = pair(False)
    assert_same_bits(getattr(ours, method)(*args, size=3), getattr(theirs, method)(*args, size=3))
    want = getattr(theirs, method)(*args, size=K + N)
    got = getattr(ours, method)(*args, size=N, start=K, chunks=400)
    assert_same_bits(got.compute(), want[K:], f"{method}{args} start and chunks")
    assert_same_state(ours, theirs, f"{method}{args} after start and chunks")


@pytest.mark.parametrize(
    ("method", "args", "window"),
    [("gamma", (3.0, 0.5), 0), ("gamma", (3.0, 0.5), 64), ("beta", (2.0, 3.0), 64)],
)
def test_segments_join_the_true_parse_where_it_meets_theirs(
    method: str, args: tuple[Any, ...], window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny segments: most start inside a value, with another cached Gaussian than the true
    # parse holds there. The true parse is walked to a segment's own parse (bridged), or,
    # when they do not meet in the window (always with a window of 0), re-parsed; beta's
    # parity changes often enough that its segments are parsed from both parities.
    monkeypatch.setattr(_variable, "SEGMENT_ATTEMPTS", 256)
    monkeypatch.setattr(_variable, "GAUSS_WINDOW", window)
    bridge, met, stitch, parses = _variable._bridge, [], _variable._stitch, []

    def bridged(*args: Any) -> Any:
        found = bridge(*args)
        met.append(found is not None)
        return found

    def stitched(*args: Any) -> bool:
        parses.append(len(args) - 4)  # the segment's own parses
        return stitch(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(_variable, "_bridge", bridged)
    monkeypatch.setattr(_variable, "_stitch", stitched)
    ours, theirs = pair(True)
    want = getattr(theirs, method)(*args, size=K + N)
    got = getattr(ours, method)(*args, size=N, start=K)
    assert_same_bits(got, want[K:], f"{method}{args}, tiny segments")
    assert_same_state(ours, theirs, f"after {method}{args}, tiny segments")
    assert len(met) > 10, "too few segments entered off their own parse: nothing tested"
    assert any(met) if window else not any(met)
    if window:  # (with none, every segment re-parses: then both parities too)
        assert (max(parses) == 2) == (method == "beta"), "both parities: for beta only"


@settings(max_examples=8, deadline=None)
@given(
    case=st.sampled_from([CASES[1], CASES[11], CASES[13], CASES[15]]),
    k=st.integers(0, 3000),
    n=st.integers(1, 1200),
    chunk=st.integers(40, 1200),
    cached=st.booleans(),
)
def test_any_start_and_chunking_equal_numpy(
    case: tuple[str, tuple[Any, ...]], k: int, n: int, chunk: int, cached: bool
) -> None:
    method, args = case
    ours, theirs = pair(cached)
    want = getattr(theirs, method)(*args, size=k + n)[k:]
    got = getattr(ours, method)(*args, size=n, start=k, chunks=chunk).compute()
    assert_same_bits(got, want, f"{method}{args} start={k} chunks={chunk} cached={cached}")
    assert_same_state(ours, theirs, f"{method}{args} after start={k} chunks={chunk}")


def test_store_equals_numpy(tmp_path: Path) -> None:
    ours, theirs = pair(True)
    want = theirs.gamma(3.0, 0.5, size=K + N)
    stored = ours.gamma(3.0, 0.5, size=N, start=K, chunks=500, store=tmp_path / "g.zarr")
    assert_same_bits(np.asarray(zarr.open_array(tmp_path / "g.zarr")[:]), want[K:])
    assert_same_bits(np.asarray(stored[:]), want[K:])
    assert_same_state(ours, theirs, "after store=")


def test_array_parameters_are_numpys_in_memory_and_refused_with_start() -> None:
    ours, theirs = pair(True)
    shapes = [1.0, 3.0]
    assert_same_bits(ours.gamma(shapes, size=(4, 2)), theirs.gamma(shapes, size=(4, 2)))
    with pytest.raises(NotImplementedError, match="scalars"):
        ours.gamma(shapes, size=(4, 2), start=3)


# --- the self-check: a miscount raises, never returns shifted numbers ----------------------


def _expect_self_check(method: str, args: tuple[Any, ...]) -> None:
    ours, _ = pair(True)
    before = state_of(ours)
    with pytest.raises(SelfCheckError, match="self-check"):
        getattr(ours, method)(*args, size=N, start=K)
    assert_same_state(ours, before, "a failed self-check must leave the state alone")
    with pytest.raises(SelfCheckError, match="self-check"):
        getattr(pair(True)[0], method)(*args, size=K + N, chunks=1000).compute()
    with pytest.raises(SelfCheckError, match="self-check"):
        getattr(pair(True)[0], method)(*args, size=N, start=K, chunks=500).compute()


@pytest.mark.parametrize(("method", "args"), [CASES[1], CASES[13]], ids=[IDS[1], IDS[13]])
def test_a_wrong_cached_gaussian_at_an_end_raises(
    method: str, args: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last value's end unit right, the Gaussian cached after it wrong: only the check
    # of numpy's cached Gaussian can catch it.
    ends = _variable.GaussScanner.ends

    def wrong(self: Any, stream: Any, counts: Any, segment: int, wanted: list[int]) -> Any:
        found = ends(self, stream, counts, segment, wanted)
        if K + N - 1 in wanted:
            gauss = counts.gauss_after[K + N - 1]
            counts.gauss_after[K + N - 1] = 0.5 if gauss is None else None
        return found

    monkeypatch.setattr(_variable.GaussScanner, "ends", wrong)
    _expect_self_check(method, args)


def test_a_wrong_segment_count_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    # One value too many in the segment that holds value K: every value after that
    # segment is placed one off, so some block (and the start= call) ends off its count.
    stitch = _variable._stitch

    def wrong(stream: Any, scanner: Any, counts: Any, segment: int, *found: Any) -> bool:
        reparsed = stitch(stream, scanner, counts, segment, *found)
        if counts.prefix[-2] <= K < counts.prefix[-1]:
            counts.per_segment[-1] += 1
            counts.prefix[-1] += 1
        return reparsed

    monkeypatch.setattr(_variable, "_stitch", wrong)
    _expect_self_check("standard_t", (4.0,))
