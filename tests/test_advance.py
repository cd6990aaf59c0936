"""``seedstream.advance`` against numpy.

Oracles, in layers: numpy's sequential ``random_raw`` (outputs and, for MT19937,
the exact ``(key, pos)`` state); the composition law ``advance(advance(g, a), b)
== advance(g, a + b)``; numpy's own ``MT19937.jumped()`` (a jump of 2**128);
numpy's published test vectors (copied to ``tests/data`` by
``tests/data/generate_vectors.py``); and the value the C++ standard requires of
``std::mt19937``'s 10000th output.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _compare import assert_same_bits, assert_same_state
from seedstream import advance

DATA = Path(__file__).parent / "data"
MAX_STEPS = 2**128
MT_N = 624

PCG_LIKE = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox)


# --- helpers -----------------------------------------------------------------------


def mt_with_state(key: np.ndarray, pos: int) -> np.random.MT19937:
    bg = np.random.MT19937(0)
    bg.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.asarray(key, dtype=np.uint32), "pos": int(pos)},
    }
    return bg


def clone(bg: Any) -> Any:
    new = type(bg)(0)
    new.state = bg.state
    return new


def sequential(bg: Any, steps: int, chunk: int = 2**20) -> Any:
    """A copy of `bg` after numpy itself has generated `steps` raw outputs."""
    out = clone(bg)
    while steps:
        n = min(steps, chunk)
        out.random_raw(n, output=False)
        steps -= n
    return out


def position(bg: Any, *, with_uint32: bool = True) -> dict[str, Any]:
    """The part of a PCG64 / PCG64DXSM / Philox state that decides what comes next.

    Philox's buffer entries below ``buffer_pos`` are spent and never read again;
    ``uinteger`` is read only when ``has_uint32`` is set.
    """
    s = bg.state
    out: dict[str, Any] = {"bit_generator": s["bit_generator"]}
    if s["bit_generator"] == "Philox":
        pos = int(s["buffer_pos"])
        out["counter"] = s["state"]["counter"].tolist()
        out["key"] = s["state"]["key"].tolist()
        out["buffer_pos"] = pos
        out["live_buffer"] = s["buffer"][pos:].tolist()
    else:
        out["state"] = s["state"]["state"]
        out["inc"] = s["state"]["inc"]
    if with_uint32:
        out["has_uint32"] = int(s["has_uint32"])
        out["uinteger"] = int(s["uinteger"]) if s["has_uint32"] else None
    return out


def assert_same_future(a: Any, b: Any, n: int) -> None:
    """`a` and `b` produce the same next `n` raw outputs (consumes copies only)."""
    assert_same_bits(clone(a).random_raw(n), clone(b).random_raw(n))


def unchanged(bg: Any) -> Callable[[], None]:
    """Snapshot `bg`'s state; calling the result asserts it has not changed, in full."""
    before = bg.state
    return lambda: assert_same_state(bg, before, "the argument")


# --- MT19937: the sequential oracle ----------------------------------------------------


def _legacy(seed: Any) -> np.random.MT19937:
    return np.random.RandomState(seed)._bit_generator


def _drawn(make: Callable[[], Any], k: int) -> Callable[[], Any]:
    def f() -> Any:
        bg = make()
        bg.random_raw(k, output=False)
        return bg

    return f


def _pos_zero() -> np.random.MT19937:
    # (block, pos=0): a state numpy accepts but never produces itself; it is the
    # previous window (pos=624) written another way.
    bg = _legacy(3)
    bg.random_raw(1)
    return mt_with_state(bg.state["state"]["key"], 0)


MT_STARTS: dict[str, Callable[[], np.random.MT19937]] = {
    "legacy0": lambda: _legacy(0),
    "legacy2**32-1": lambda: _legacy(2**32 - 1),
    "legacy_array": lambda: _legacy([1, 2, 3]),
    "seedseq0": lambda: np.random.MT19937(0),
    "seedseq12345": lambda: np.random.MT19937(12345),
    "seedseq_then1": _drawn(lambda: np.random.MT19937(7), 1),  # pos 624
    "seedseq_then2": _drawn(lambda: np.random.MT19937(7), 2),  # pos 1
    **{f"legacy1_then{k}": _drawn(lambda: _legacy(1), k) for k in (1, 2, 311, 396, 622, 623, 624)},
    "pos0": _pos_zero,
}


def _mt_cases() -> list[tuple[str, int]]:
    rng = np.random.default_rng(19937)
    cases = []
    for name, make in MT_STARTS.items():
        left = MT_N - int(make().state["state"]["pos"])
        steps = {0, 1, 623, 624, 625, 1247, 1248, 19937}
        steps |= {left + d for d in (-1, 0, 1, 623, 624, 625, 1248, 1249, 19937)}
        steps |= {int(v) for v in rng.integers(2, 10**7, size=3)}
        cases += [(name, s) for s in sorted(s for s in steps if s >= 0)]
    return cases


@pytest.mark.parametrize(("start", "steps"), _mt_cases())
def test_mt19937_matches_sequential_numpy(start: str, steps: int) -> None:
    bg = MT_STARTS[start]()
    check_unchanged = unchanged(bg)
    expected = sequential(bg, steps)

    got = advance(bg, steps)

    check_unchanged()
    assert type(got) is np.random.MT19937
    assert got is not bg
    assert_same_state(got, expected)  # numpy's exact (key, pos), not just the same future
    assert_same_bits(got.random_raw(1300), expected.random_raw(1300))


def test_legacy_and_seedsequence_start_positions() -> None:
    # The two seeding routes start at different places in the block; the cases
    # above cover both.
    assert MT_STARTS["legacy0"]().state["state"]["pos"] == 624
    assert MT_STARTS["seedseq0"]().state["state"]["pos"] == 623


def test_mt19937_result_is_independent_of_argument() -> None:
    bg = _legacy(0)
    got = advance(bg, 1000)
    first = clone(got).random_raw(5)
    bg.random_raw(5000)
    assert_same_bits(got.random_raw(5), first)


def test_mt19937_result_wraps_in_random_state() -> None:
    rs = np.random.RandomState(0)
    doubles = rs.random_sample(1000)
    far = np.random.RandomState(advance(np.random.RandomState(0)._bit_generator, 2 * 900))
    assert_same_bits(far.random_sample(100), doubles[900:])


def test_cpp_standard_check_value() -> None:
    # [rand.predef]: the 10000th consecutive invocation of a default-constructed
    # std::mt19937 (seed 5489) produces 4123659995.
    assert int(advance(_legacy(5489), 9999).random_raw()) == 4123659995
    assert int(_legacy(5489).random_raw(10000)[-1]) == 4123659995


# --- numpy's MT19937.jumped() -------------------------------------------------------


def _window_after_numpy_jump(bg: np.random.MT19937) -> np.random.MT19937:
    # numpy's jumped() leaves pos mid-block with the window rotated; rolling it
    # back gives the window (pos = 624), whose first word is meaningful only in
    # its top bit, and whose future outputs are well defined.
    j = bg.jumped().state["state"]
    return mt_with_state(np.roll(j["key"], -j["pos"]), MT_N)


@pytest.mark.parametrize("seed", range(20))
def test_mt19937_matches_numpy_jumped(seed: int) -> None:
    bg = _legacy(seed)
    assert bg.state["state"]["pos"] == MT_N
    expected = _window_after_numpy_jump(bg)

    # The rolled window is the state after exactly 2**128 outputs, one more than
    # advance() accepts: advance 2**128 - 1, then draw one.
    got = advance(bg, MAX_STEPS - 1)
    got.random_raw(1)

    assert_same_bits(got.random_raw(1300), expected.random_raw(1300))


@pytest.mark.parametrize(("seed", "drawn"), [(0, 100), (1, 623)])
def test_numpy_jumped_from_mid_block_is_not_on_the_stream(seed: int, drawn: int) -> None:
    # Why the test above starts at pos == 624 only.  From a state with
    # pos < 624 numpy's jumped() treats roll(key, -pos) as the window, which is
    # not the generator's position: the result is 2**128 outputs after a
    # *different* state, not after this one.
    bg = _legacy(seed)
    bg.random_raw(drawn)
    s = bg.state["state"]
    rotated = mt_with_state(np.roll(s["key"], -s["pos"]), MT_N)
    expected = _window_after_numpy_jump(bg)

    from_rotated = advance(rotated, MAX_STEPS - 1)
    from_rotated.random_raw(1)
    assert_same_bits(from_rotated.random_raw(700), expected.random_raw(700))

    on_stream = advance(bg, MAX_STEPS - 1)
    on_stream.random_raw(1)
    assert not np.array_equal(on_stream.random_raw(700), expected.random_raw(700))


# --- PCG64, PCG64DXSM, Philox: the sequential oracle -----------------------------------


def _draw_uint32(bg: Any) -> int:
    """One 32-bit draw through numpy's Generator (buffers the other half)."""
    return int(np.random.Generator(bg).integers(0, 2**32, dtype=np.uint32))


def _pcg_start(cls: type, how: str) -> Any:
    bg = cls(20240611)
    if how.startswith("raw"):
        bg.random_raw(int(how[3:]), output=False)
    elif how == "uint32":
        _draw_uint32(bg)
    elif how == "uint32_raw2":
        _draw_uint32(bg)
        bg.random_raw(2)
    return bg


PCG_STARTS = ["fresh", "raw1", "raw2", "raw3", "raw4", "raw5", "uint32", "uint32_raw2"]


def _pcg_steps() -> list[int]:
    rng = np.random.default_rng(64)
    return [0, 1, 2, 3, 4, 5, 7, 8, *(int(v) for v in rng.integers(9, 10**6, size=3))]


@pytest.mark.parametrize("steps", _pcg_steps())
@pytest.mark.parametrize("start", PCG_STARTS)
@pytest.mark.parametrize("cls", PCG_LIKE, ids=lambda c: c.__name__)
def test_pcg_like_matches_sequential_numpy(cls: type, start: str, steps: int) -> None:
    bg = _pcg_start(cls, start)
    if cls is np.random.Philox and start.startswith("raw"):
        assert bg.state["buffer_pos"] == (int(start[3:]) - 1) % 4 + 1
    check_unchanged = unchanged(bg)
    expected = sequential(bg, steps)

    got = advance(bg, steps)

    check_unchanged()
    assert type(got) is cls
    assert got is not bg
    # The buffered 32-bit half is not part of the raw stream: see the tests below.
    assert position(got, with_uint32=False) == position(expected, with_uint32=False)
    assert_same_bits(got.random_raw(300), expected.random_raw(300))


# --- the buffered 32-bit value of PCG64, PCG64DXSM, Philox ------------------------------
#
# A 32-bit draw (e.g. Generator.integers(0, 2**32, dtype=np.uint32)) takes a
# whole 64-bit raw word, returns its low half and keeps the high half
# ("has_uint32", "uinteger") for the next 32-bit draw.  random_raw() neither
# uses nor clears that half.  advance(bg, 0) keeps it (the state is copied); a
# non-zero advance discards it, as the docstring of advance() says and as
# numpy's own advance() does, so the next 32-bit draw after a jump is the low
# half of the raw word the jump lands on.


@pytest.mark.parametrize("cls", PCG_LIKE, ids=lambda c: c.__name__)
def test_numpy_32bit_draw_buffers_the_high_half(cls: type) -> None:
    words = [int(w) for w in cls(5).random_raw(4)]
    bg = cls(5)
    assert _draw_uint32(bg) == words[0] & 0xFFFFFFFF
    assert bg.state["has_uint32"] == 1
    assert bg.state["uinteger"] == words[0] >> 32
    # random_raw carries on from the next word and leaves the buffered half alone
    assert [int(w) for w in bg.random_raw(2)] == words[1:3]
    assert _draw_uint32(bg) == words[0] >> 32


@pytest.mark.parametrize("cls", PCG_LIKE, ids=lambda c: c.__name__)
def test_advance_zero_keeps_the_buffered_half(cls: type) -> None:
    bg = cls(5)
    first = int(cls(5).random_raw())
    _draw_uint32(bg)
    got = advance(bg, 0)
    assert position(got) == position(bg)
    assert _draw_uint32(got) == first >> 32


@pytest.mark.parametrize("cls", PCG_LIKE, ids=lambda c: c.__name__)
@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 1000])
def test_nonzero_advance_discards_the_buffered_half(cls: type, steps: int) -> None:
    words = cls(5).random_raw(steps + 2)
    bg = cls(5)
    _draw_uint32(bg)  # takes word 0, buffers its high half
    got = advance(bg, steps)
    assert got.state["has_uint32"] == 0
    assert _draw_uint32(got) == int(words[steps + 1]) & 0xFFFFFFFF


# --- composition: advance(advance(g, a), b) == advance(g, a + b) --------------------------


@st.composite
def generators(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["mt-legacy", "mt-seedseq", "PCG64", "PCG64DXSM", "Philox"]))
    seed = draw(st.integers(0, 2**32 - 1))
    if kind == "mt-legacy":
        bg = _legacy(seed)
    elif kind == "mt-seedseq":
        bg = np.random.MT19937(seed)
    else:
        bg = getattr(np.random, kind)(seed)
        if draw(st.booleans()):
            _draw_uint32(bg)
    bg.random_raw(draw(st.integers(0, 1300)), output=False)
    return bg


steps_up_to_2_100 = st.one_of(st.integers(0, 2000), st.integers(0, 10**7), st.integers(0, 2**100))


@settings(max_examples=30, deadline=None)
@given(generators(), steps_up_to_2_100, steps_up_to_2_100)
def test_advance_composes(bg: Any, a: int, b: int) -> None:
    check_unchanged = unchanged(bg)
    two_jumps = advance(advance(bg, a), b)
    one_jump = advance(bg, a + b)
    check_unchanged()
    if isinstance(bg, np.random.MT19937):
        assert_same_state(two_jumps, one_jump)
    else:
        assert position(two_jumps) == position(one_jump)
    assert_same_bits(two_jumps.random_raw(400), one_jump.random_raw(400))


def _large_composition_cases() -> list[Any]:
    # Hypothesis tends to draw small integers; make sure the far end is covered.
    rng = np.random.default_rng(2**100)
    cases = []
    for kind in ("mt-legacy", "mt-seedseq", "PCG64", "PCG64DXSM", "Philox"):
        big = [int(rng.integers(2**62)) << 38 | int(rng.integers(2**38)) for _ in range(2)]
        for a, b in [(big[0], big[1]), (2**100, 2**100 - 1), (MAX_STEPS // 2, MAX_STEPS // 2 - 1)]:
            cases.append(pytest.param(kind, a, b, id=f"{kind}-{a.bit_length()}-{b.bit_length()}"))
    return cases


@pytest.mark.parametrize(("kind", "a", "b"), _large_composition_cases())
def test_advance_composes_far(kind: str, a: int, b: int) -> None:
    if kind == "mt-legacy":
        bg: Any = _legacy(99)
    elif kind == "mt-seedseq":
        bg = np.random.MT19937(99)
    else:
        bg = getattr(np.random, kind)(99)
        _draw_uint32(bg)
    bg.random_raw(3, output=False)
    two_jumps = advance(advance(bg, a), b)
    one_jump = advance(bg, a + b)
    if isinstance(bg, np.random.MT19937):
        assert_same_state(two_jumps, one_jump)
    else:
        assert position(two_jumps) == position(one_jump)
    assert_same_bits(two_jumps.random_raw(400), one_jump.random_raw(400))


# --- numpy's published test vectors ----------------------------------------------------


def _read_vectors(name: str) -> tuple[list[int], np.ndarray]:
    # The format numpy's random/tests/test_direct.py reads: "seed, 0x..." then
    # "i, 0x..." lines, the first 1000 random_raw outputs of BitGenerator(*seed).
    with (DATA / name).open(newline="") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    assert rows[0][0] == "seed"
    seed = [int(s, 0) for s in rows[0][1:]]
    assert [int(r[0]) for r in rows[1:]] == list(range(len(rows) - 1))
    return seed, np.array([int(r[1], 0) for r in rows[1:]], dtype=np.uint64)


VECTOR_FILES = [
    (cls, f"{prefix}-testset-{i}.csv")
    for cls, prefix in [
        (np.random.MT19937, "mt19937"),
        (np.random.PCG64, "pcg64"),
        (np.random.PCG64DXSM, "pcg64dxsm"),
        (np.random.Philox, "philox"),
    ]
    for i in (1, 2)
]


@pytest.mark.parametrize(("cls", "name"), VECTOR_FILES, ids=[n for _, n in VECTOR_FILES])
def test_published_vectors(cls: type, name: str) -> None:
    seed, data = _read_vectors(name)
    assert len(data) == 1000
    assert_same_bits(cls(*seed).random_raw(1000), data)  # the copy is numpy's

    for k in sorted({0, 1, 2, 3, 4, 5, 311, 622, 623, 624, 625, 626, 900, 998, 999}):
        got = advance(cls(*seed), k)
        n = min(50, len(data) - k)
        assert_same_bits(got.random_raw(n), data[k : k + n], f"k={k}")


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "not_a_bit_generator",
    [
        12345,
        None,
        np.random.RandomState(0),  # wraps an MT19937 but is not a BitGenerator
        np.random.default_rng(0),  # a Generator, likewise
        np.random.SeedSequence(0),
    ],
    ids=["int", "None", "RandomState", "Generator", "SeedSequence"],
)
def test_rejects_non_bit_generators(not_a_bit_generator: object) -> None:
    with pytest.raises(TypeError, match="BitGenerator"):
        advance(not_a_bit_generator, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "steps",
    [True, False, np.bool_(True), 1.0, np.float64(2.0), None, "3", b"3", [1], 1 + 0j],
    ids=repr,
)
@pytest.mark.parametrize("cls", [np.random.MT19937, *PCG_LIKE], ids=lambda c: c.__name__)
def test_rejects_non_integer_steps(cls: type, steps: object) -> None:
    with pytest.raises(TypeError, match="steps"):
        advance(cls(0), steps)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "steps",
    [np.int8(100), np.int64(1000), np.uint32(623), np.uint64(2**64 - 1), np.intp(5)],
    ids=repr,
)
@pytest.mark.parametrize("cls", [np.random.MT19937, *PCG_LIKE], ids=lambda c: c.__name__)
def test_accepts_numpy_integer_steps(cls: type, steps: np.integer) -> None:
    got = advance(cls(0), steps)
    assert_same_future(got, advance(cls(0), int(steps)), 700)


@pytest.mark.parametrize("steps", [-1, -(2**128), MAX_STEPS, MAX_STEPS + 1, 2**200, np.int64(-1)])
@pytest.mark.parametrize("cls", [np.random.MT19937, *PCG_LIKE], ids=lambda c: c.__name__)
def test_rejects_steps_out_of_range(cls: type, steps: int) -> None:
    with pytest.raises(ValueError, match="steps"):
        advance(cls(0), steps)


@pytest.mark.parametrize("cls", [np.random.MT19937, *PCG_LIKE], ids=lambda c: c.__name__)
def test_accepts_largest_steps(cls: type) -> None:
    bg = cls(0)
    got = advance(bg, MAX_STEPS - 1)
    assert type(got) is cls
    # one more output lands where a jump of 2**128 - 1 + 1 would
    got.random_raw(1)
    assert_same_future(got, advance(advance(bg, MAX_STEPS - 2), 2), 10)


def test_sfc64_is_not_implemented() -> None:
    bg = np.random.SFC64(0)
    before = bg.state
    with pytest.raises(NotImplementedError) as info:
        advance(bg, 1)
    message = str(info.value)
    assert "SFC64" in message
    for alternative in ("MT19937", "PCG64", "PCG64DXSM", "Philox"):
        assert alternative in message
    assert_same_state(bg, before)
