"""``seedstream.PythonRandom`` against CPython's own ``random.Random``.

The oracle is :class:`random.Random`: the same seed (int, str, bytes,
bytearray, float) gives the same ``random()`` stream, ``getstate()`` /
``setstate()`` exchange states with it in both directions, and what it refuses
is refused with the same exception class.  For starts too large for Python to
draw, the expected values come from Python's own state (``getstate()``), moved
with :func:`seedstream.advance` on a numpy MT19937 (two words per double).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream as ss

INT_SEEDS = [
    0,
    1,
    2**32 - 1,
    2**32,
    2**40 + 5,
    -1,
    -(2**32),
    -(2**40 + 5),
    10**100,
    -(10**100),
    2**19937 + 1,
    True,
    False,
]
TEXT_SEEDS = ["", "a", "seed", "héllo wörld ☃", "x" * 1000, b"", b"\x00\xff", bytearray(b"abc")]
FLOAT_SEEDS = [
    0.0,
    -0.0,
    1.5,
    5.0,
    math.pi,
    1e300,
    2.0**70,
    float("inf"),
    -1.5,
    -1.0,
    -math.pi,
    -1e300,
    float("-inf"),
    np.float64(2.5),
    np.float64(-2.5),
]


def ident(seed: Any) -> str:
    if isinstance(seed, int) and seed.bit_length() > 64:
        return f"{'-' if seed < 0 else ''}{seed.bit_length()}-bit int"
    return repr(seed)[:30]


def python(seed: Any, n: int) -> list[float]:
    r = random.Random(seed)
    return [r.random() for _ in range(n)]


def as_list(values: Any) -> list[float]:
    assert isinstance(values, np.ndarray) and values.dtype == np.float64
    return [float(v) for v in values]


def far_ahead(state: tuple[Any, ...], k: int, n: int) -> tuple[list[float], tuple[Any, ...]]:
    """Python's random() values k.. k+n-1 from `state`, and Python's state after them.

    The MT19937 state is moved 2*k words with advance (numpy generates the last
    block itself), then numpy makes the n doubles with the two-word formula
    Python uses.
    """
    internal = state[1]
    bg = np.random.MT19937(0)
    bg.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(internal[:624], dtype=np.uint32), "pos": internal[624]},
    }
    rs = np.random.RandomState(ss.advance(bg, 2 * k))
    values = as_list(rs.random_sample(n))
    _, key, pos, _, _ = rs.get_state()
    return values, (3, (*(int(w) for w in key), int(pos)), None)


@pytest.mark.parametrize("seed", INT_SEEDS + TEXT_SEEDS, ids=ident)
def test_seeds_give_pythons_stream(seed: Any) -> None:
    want = python(seed, 50)
    assert as_list(ss.PythonRandom(seed).random(50)) == want
    assert ss.PythonRandom(seed).getstate() == random.Random(seed).getstate()


@pytest.mark.parametrize("seed", FLOAT_SEEDS, ids=ident)
def test_float_seeds_give_pythons_stream(seed: float) -> None:
    """CPython seeds with hash(seed) taken as an unsigned size_t (negative hashes wrap)."""
    assert as_list(ss.PythonRandom(seed).random(20)) == python(seed, 20)


def test_nan_seed_gives_pythons_stream() -> None:
    nan = float("nan")  # hash(nan) depends on the object, so the same object for both
    assert as_list(ss.PythonRandom(nan).random(5)) == python(nan, 5)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.one_of(
        st.integers(),
        st.integers(min_value=-(2**300), max_value=2**300),
        st.text(max_size=20),
        st.binary(max_size=20),
        st.floats(allow_nan=False),
    ),
    k=st.integers(0, 1500),
    n=st.integers(0, 700),
)
def test_start_matches_python(seed: Any, k: int, n: int) -> None:
    r = random.Random(seed)
    values = [r.random() for _ in range(k + n)]
    ours = ss.PythonRandom(seed)
    assert as_list(ours.random(n, start=k)) == values[k:]
    assert ours.position == 2 * (k + n)
    assert ours.getstate() == r.getstate()
    assert ours.random() == r.random()


@pytest.mark.parametrize("k", [10**9, 10**9 + 1, 2**40, 2**40 + 7])
@pytest.mark.parametrize("seed", [0, -(2**40 + 5), "seed", b"\x01", 2.5])
def test_large_start(seed: Any, k: int) -> None:
    want, state = far_ahead(random.Random(seed).getstate(), k, 5)
    ours = ss.PythonRandom(seed)
    assert as_list(ours.random(5, start=k)) == want
    assert ours.getstate() == state
    assert ours.position == 2 * (k + 5)
    r = random.Random()
    r.setstate(ours.getstate())
    assert ours.random() == r.random()


def test_scalar_is_a_python_float() -> None:
    ours, r = ss.PythonRandom(7), random.Random(7)
    got = ours.random()
    assert type(got) is float and got == r.random()
    got = ours.random(start=3)
    for _ in range(3):
        r.random()
    assert type(got) is float and got == r.random()


def test_consecutive_calls_continue() -> None:
    ours, want = ss.PythonRandom(2024), python(2024, 1000)
    got = [ours.random(), *as_list(ours.random(10)), *as_list(ours.random(0, start=5))]
    got += as_list(ours.random(100, start=1))
    assert got == want[:11] + want[17:117]  # 11..15 and 16 were skipped
    assert ours.position == 2 * 117


def test_position_is_assignable() -> None:
    ours, want = ss.PythonRandom("abc"), python("abc", 30)
    ours.random(7)
    ours.position = 2 * 20
    assert as_list(ours.random(3)) == want[20:23]
    ours.position = 0
    assert ours.random() == want[0]


def test_getstate_goes_to_python() -> None:
    ours = ss.PythonRandom(99)
    ours.random(3, start=1000)
    r = random.Random()
    r.setstate(ours.getstate())
    assert [r.random() for _ in range(10)] == as_list(ours.random(10))


@pytest.mark.parametrize("k", [0, 5, 10**9])
def test_python_state_comes_to_us(k: int) -> None:
    r = random.Random("from python")
    for _ in range(1001):
        r.random()
    r.gauss(0.0, 1.0)  # Python's own Gaussian cache travels in its state, unused by random()
    ours = ss.PythonRandom(0)
    ours.setstate(r.getstate())
    if k <= 10**4:
        for _ in range(k):
            r.random()
        want = [r.random() for _ in range(5)]
        state = r.getstate()[1]
    else:
        want, after = far_ahead(r.getstate(), k, 5)
        state = after[1]
    assert as_list(ours.random(5, start=k)) == want
    assert ours.getstate()[1] == state
    with pytest.raises(ValueError, match="position"):
        _ = ours.position


@pytest.mark.parametrize(
    "bad",
    [[1], (1,), np.int64(3), np.uint8(1), 1 + 2j, object(), {}, {1, 2}, np.array([1])],
    ids=lambda bad: "object()" if type(bad) is object else repr(bad),  # no address: xdist
)
def test_refuses_what_python_refuses(bad: Any) -> None:
    with pytest.raises(Exception) as expected:
        random.Random(bad)
    with pytest.raises(Exception) as got:
        ss.PythonRandom(bad)
    assert type(got.value) is type(expected.value)


def test_no_seed_uses_fresh_entropy() -> None:
    a, b = ss.PythonRandom(), ss.PythonRandom()
    assert a.random(4).tolist() != b.random(4).tolist()
    state = a.getstate()
    r = random.Random()
    r.setstate(state)
    assert a.random() == r.random()


def _state(index: Any = 624, first: Any = None, length: int = 624) -> tuple[Any, ...]:
    internal = list(random.Random(0).getstate()[1][:length])
    if first is not None:
        internal[0] = first
    return (3, (*internal, index), None)


MALFORMED = {
    "index 625": _state(index=625),
    "index -1": _state(index=-1),
    "index 10**6": _state(index=10**6),
    "index 1.5": _state(index=1.5),
    "index '3'": _state(index="3"),
    "index 2**70": _state(index=2**70),
    "index -(2**70)": _state(index=-(2**70)),
    "word -1": _state(first=-1),
    "word 1.5": _state(first=1.5),
    "word np.uint32": _state(first=np.uint32(5)),
    "word 2**64": _state(first=2**64),
    "623 words": _state(length=623),
    "version 4": (4, _state()[1], None),
    "two items": (3, _state()[1]),
    "not a tuple": 5,
}


@pytest.mark.parametrize("state", list(MALFORMED), ids=str)
def test_setstate_refuses_what_python_refuses(state: str) -> None:
    bad = MALFORMED[state]
    with pytest.raises(Exception) as expected:
        random.Random().setstate(bad)
    ours = ss.PythonRandom(5)
    before = ours.getstate()
    with pytest.raises(Exception) as got:
        ours.setstate(bad)
    assert type(got.value) is type(expected.value), got.value
    assert ours.getstate() == before
    assert ours.position == 0


ODD_BUT_ACCEPTED = {
    "word 2**32 + 7 (CPython keeps the low 32 bits)": _state(first=2**32 + 7),
    "index np.int64": _state(index=np.int64(5)),
    "index True": _state(index=True),
    "Gaussian cached": (3, _state()[1], 1.5),
    "a list, not a tuple": [3, _state()[1], None],
    "version 2 (Python 2's format)": (2, _state()[1], None),
}


@pytest.mark.parametrize("state", list(ODD_BUT_ACCEPTED), ids=str)
def test_setstate_takes_what_python_takes(state: str) -> None:
    r = random.Random()
    r.setstate(ODD_BUT_ACCEPTED[state])
    ours = ss.PythonRandom(1)
    ours.setstate(ODD_BUT_ACCEPTED[state])
    assert as_list(ours.random(700, start=3)) == [r.random() for _ in range(703)][3:]
    assert ours.getstate() == r.getstate()  # the cached Gaussian too


@pytest.mark.parametrize("index", [0, 1, 623, 624])
def test_setstate_takes_any_valid_index(index: int) -> None:
    r = random.Random(3)
    r.setstate(_state(index=index))
    ours = ss.PythonRandom(1)
    ours.setstate(_state(index=index))
    assert as_list(ours.random(700, start=3)) == [r.random() for _ in range(703)][3:]
