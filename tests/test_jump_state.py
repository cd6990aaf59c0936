"""MT19937 advance on numpy's own state struct (``_kernel.mt19937_advance_state``).

``seedstream.advance`` moves an exactly-typed ``MT19937`` through the capsules:
the kernel reads the source struct, jumps (x**P mod phi, then the byte-window
Horner evaluation of g(F)), makes the last block by the recurrence and writes
the new generator's struct.  The oracles are numpy's: sequential ``random_raw``
(state and outputs) for jumps it can walk, and ``jumped()`` (2**128 outputs) for
any P: advancing P and then 2**128 - 1 - P more must land where numpy's own
jump lands.  Each case runs on the best and on the portable kernel path, and
through the ``state``-dict fallback.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from _compare import assert_same_bits, assert_same_state
from seedstream import _jump, _kernel, advance

MAX_STEPS = 2**128
MT_N = 624


def _legacy(seed: int) -> np.random.MT19937:
    return np.random.RandomState(seed)._bit_generator


def _starts() -> dict[str, np.random.MT19937]:
    mid = _legacy(4)
    mid.random_raw(311)  # pos 311
    return {"legacy": _legacy(3), "seedseq": np.random.MT19937(11), "mid": mid}


def _clone(bg: np.random.MT19937) -> np.random.MT19937:
    new = np.random.MT19937(0)
    new.state = bg.state
    return new


@pytest.fixture(params=["best", "portable", "dicts"])
def route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The kernel's best path, its portable path, or the state-dict fallback; a spy
    counts the in-place calls so that a test can tell which route ran."""
    calls: list[int] = []
    real = _kernel.mt19937_advance_state

    def spy(*args: Any) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(_kernel, "mt19937_advance_state", spy)
    if request.param == "dicts":
        monkeypatch.setattr(_jump, "struct_layout_ok", lambda: False)
    before = _kernel.current_path()
    _kernel.select_path("portable" if request.param == "portable" else "best")
    _kernel.jump_cache(True)  # each test computes its powers on the path under test
    try:
        yield request.param
    finally:
        _kernel.select_path(before)
    assert bool(calls) == (request.param != "dicts"), "the route under test did not run"


SMALL_STEPS = [0, 1, 312, 313, 623, 624, 625, 1247, 1248, 1249, 2**10 - 1, 2**10 + 1, 2**16 + 1]
SMALL_STEPS = sorted([*SMALL_STEPS, 2**20 - 1, 2**20 + 1, 2**21 + 12345])


@pytest.mark.parametrize("start", ["legacy", "seedseq", "mid"])
def test_against_sequential_numpy(route: str, start: str) -> None:
    bg = _starts()[start]
    before = bg.state
    expected = _clone(bg)
    done = 0
    for steps in SMALL_STEPS:  # ascending: numpy walks on from the previous case
        expected.random_raw(steps - done, output=False)
        done = steps
        got = advance(bg, steps)
        assert type(got) is np.random.MT19937
        assert_same_state(got, expected, f"after {steps}")
        assert_same_bits(_clone(got).random_raw(700), _clone(expected).random_raw(700))
    assert_same_state(bg, before, "the argument")


def _far_steps() -> list[int]:
    rng = np.random.default_rng(2026)
    steps = [2**k + d for k in (32, 40, 63) for d in (-1, 1)]
    steps += [int(p) for p in rng.integers(0, 2**64, size=3, dtype=np.uint64)]
    steps += [2**64, 2**64 + 625, 2**100 + 3, MAX_STEPS - 2]
    return steps


def _window_after_numpy_jump(bg: np.random.MT19937) -> np.random.MT19937:
    # numpy's jumped() from a pos == 624 state is that state after exactly 2**128
    # outputs, with the window rotated by its position (tests/test_advance.py).
    j = bg.jumped().state["state"]
    out = np.random.MT19937(0)
    out.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.roll(j["key"], -j["pos"]), "pos": MT_N},
    }
    return out


def test_far_jumps_land_where_numpys_jumped_does(route: str) -> None:
    bg = _legacy(21)
    expected = _window_after_numpy_jump(bg).random_raw(700)
    for steps in _far_steps():
        got = advance(advance(bg, steps), MAX_STEPS - 1 - steps)
        got.random_raw(1)  # the 2**128-th output: numpy's window stands after it
        assert_same_bits(got.random_raw(700), expected, f"P = {steps}")


def test_far_jump_from_mid_block_composes(route: str) -> None:
    # From pos 311 and pos 623 (SeedSequence) a far jump splits at any point.
    for bg in (_starts()["mid"], np.random.MT19937(5)):
        for a, b in [(2**64 + 7, 2**40 - 1), (623, 2**70), (10**6, 13)]:
            assert_same_state(advance(advance(bg, a), b), advance(bg, a + b), f"{a} + {b}")


def test_new_generator_skips_numpy_seeding(monkeypatch: pytest.MonkeyPatch) -> None:
    # The result is built by _bare_mt19937 (the kernel binds its struct), not by
    # numpy's constructor: a spy on the binding proves the path ran.  It keeps the
    # source's seed sequence (None for legacy seeding), generates as numpy does,
    # pickles, and jumps with numpy's own jumped().
    calls: list[int] = []
    real = _kernel.mt19937_bind

    def spy(*args: Any) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(_kernel, "mt19937_bind", spy)
    for bg in (_legacy(8), np.random.MT19937(12)):
        got = advance(bg, 5000)
        expected = _clone(bg)
        expected.random_raw(5000)
        assert got.seed_seq is bg.seed_seq
        assert_same_state(got, expected, "bound")
        again = pickle.loads(pickle.dumps(got))
        assert_same_bits(again.random_raw(700), _clone(expected).random_raw(700))
        assert_same_bits(got.jumped().random_raw(9), expected.jumped().random_raw(9))
        assert_same_bits(
            np.random.Generator(got).random(5), np.random.Generator(expected).random(5)
        )
    assert len(calls) == 2


def test_bind_refuses_a_foreign_layout() -> None:
    bg = np.random.MT19937(1)
    other = np.random.PCG64(1)
    with pytest.raises(ValueError, match="same type"):
        _kernel.mt19937_bind(bg, bg.capsule, other, other.capsule)
    with pytest.raises(ValueError, match="same type"):
        _kernel.mt19937_bind(bg, bg.capsule, bg, bg.capsule)


def test_repeated_jumps_use_the_cached_power() -> None:
    # The same P from two legacy starts (both at pos 624, as the oracle needs), twice:
    # the first jump of each distance computes x**P, the other three find it; all
    # land where numpy's jumped() does.
    _kernel.jump_cache(True)
    hits, misses = _kernel.jump_cache()
    steps = 2**40 + 5
    for _ in range(2):
        for bg in (_legacy(30), _legacy(31)):
            got = advance(advance(bg, steps), MAX_STEPS - 1 - steps)
            got.random_raw(1)
            expected = _window_after_numpy_jump(bg).random_raw(700)
            assert_same_bits(got.random_raw(700), expected)
    assert _kernel.jump_cache() == (hits + 6, misses + 2)
