"""seedstream's stateful streams against numpy: ``RandomState``, ``Generator``,
``default_rng`` and the module-level functions.

The oracle is numpy itself.  For every stream, method and dtype, a call with
``start=k`` must return what numpy returns when it draws the ``k`` skipped
values itself, and leave the object in numpy's state, compared in full
(``get_state()`` for ``RandomState``, cached Gaussian included;
``bit_generator.state`` for ``Generator``, buffered 32-bit halves included).

Small starts are checked against numpy's one-shot call (``f(k + n)[k:]``).
numpy cannot draw 10**9 .. 2**45 values in a test, so for large starts numpy's
twin is moved with :func:`seedstream.advance` to a few words short of the
target and numpy generates the last words itself, so that its state (Philox's
buffer included) is the one numpy reaches; ``advance`` itself is checked
against sequential numpy in ``test_advance.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream as ss
from _compare import assert_same_bits, assert_same_state, plain, state_of, without_half

BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "MT19937": np.random.MT19937,
    "SFC64": np.random.SFC64,
}
HALVES = ("PCG64", "PCG64DXSM", "Philox")  # 64-bit outputs that buffer a 32-bit half

SMALL = 20_000  # starts up to this: numpy draws the skipped values itself
TAIL = 16  # after a long advance, numpy generates the last TAIL words itself
LOW, HIGH = -3.5, 11.25  # bounds for uniform()

LARGE_STARTS = (10**9, 10**9 + 1, 2**40, 2**40 + 3)


# --- the streams under test ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kind:
    """A family of streams: seedstream's object and numpy's twin from one seed."""

    name: str  # "RandomState" or a bit generator's name
    methods: tuple[str, ...]

    def __str__(self) -> str:
        return self.name

    @property
    def legacy(self) -> bool:
        return self.name == "RandomState"

    @property
    def jumps(self) -> bool:
        return self.name != "SFC64"

    def ours(self, seed: Any) -> Any:
        if self.legacy:
            return ss.RandomState(seed)
        return ss.Generator(BIT_GENERATORS[self.name](seed))

    def numpy(self, seed: Any) -> Any:
        if self.legacy:
            return np.random.RandomState(seed)
        return np.random.Generator(BIT_GENERATORS[self.name](seed))

    def bit_generator(self, seed: Any) -> np.random.BitGenerator:
        """numpy's bit generator for `seed`, at position 0."""
        if self.legacy:
            bg = np.random.MT19937(0)
            state = np.random.RandomState(seed).get_state(legacy=False)
            bg.state = {"bit_generator": "MT19937", "state": state["state"]}
            return bg
        return BIT_GENERATORS[self.name](seed)

    def words_per_value(self, method: str) -> int | None:
        """Native outputs per value; None for 32-bit halves of 64-bit outputs."""
        if self.legacy:
            return 2
        if method == "random_f32":
            return 1 if self.name == "MT19937" else None
        return 2 if self.name == "MT19937" else 1


LEGACY = Kind("RandomState", ("random_sample", "random", "rand", "uniform"))
GENERATORS = tuple(Kind(name, ("random", "random_f32", "uniform")) for name in BIT_GENERATORS)
KINDS = (LEGACY, *GENERATORS)
JUMPING = tuple(kind for kind in KINDS if kind.jumps)
KIND = {kind.name: kind for kind in KINDS}


def seeds(kind: Kind) -> st.SearchStrategy[Any]:
    top = 2**32 - 1 if kind.legacy else 2**128
    return st.one_of(
        st.integers(0, top),
        st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3),
    )


sizes = st.one_of(
    st.none(),
    st.integers(0, 9),
    st.sampled_from([311, 312, 313, 623, 624, 625, 1249]),
    st.tuples(st.integers(0, 3), st.integers(0, 4)),
)


def starts(kind: Kind) -> st.SearchStrategy[int]:
    if not kind.jumps:
        return st.just(0)
    return st.one_of(
        st.just(0),
        st.integers(1, 5),
        st.integers(0, 3000),
        st.sampled_from(LARGE_STARTS),
        st.integers(SMALL + 1, 2**45),
    )


# --- drawing, the same way, from seedstream's object and from numpy's ------------------


def draw(obj: Any, method: str, size: Any, **start: int) -> Any:
    """`obj.method(size)`; `start` is passed to seedstream's objects only."""
    if method == "rand":
        shape = () if size is None else ((size,) if isinstance(size, int) else tuple(size))
        return obj.rand(*shape, **start)
    if method == "uniform":
        return obj.uniform(LOW, HIGH, size, **start)
    if method == "random_f32":
        return obj.random(size, dtype=np.float32, **start)
    return getattr(obj, method)(size, **start)


def count(size: Any) -> int:
    return 1 if size is None else int(np.prod(size))


def skip_words(bg: np.random.BitGenerator, words: int, small: int = SMALL) -> None:
    """Move numpy's `bg` by `words` native outputs, in place.

    A buffered 32-bit half is kept, as numpy's 64-bit draws keep it.
    """
    if words <= small or isinstance(bg, np.random.SFC64):  # SFC64 has no jump
        bg.random_raw(words, output=False)
        return
    before = bg.state
    moved = ss.advance(bg, words - TAIL)
    moved.random_raw(TAIL, output=False)
    state = moved.state
    for field in ("has_uint32", "uinteger"):
        if field in before:
            state[field] = before[field]
    bg.state = state


def numpy_skip(kind: Kind, twin: Any, method: str, k: int, small: int = SMALL) -> None:
    """Make numpy's `twin` draw `k` values of `method` (by advance when `k` > `small`)."""
    if k <= small:
        if k:
            draw(twin, method, k)
        return
    if kind.legacy:
        state = twin.get_state(legacy=False)
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937", "state": state["state"]}
        skip_words(bg, 2 * k, small)
        state["state"] = bg.state["state"]
        twin.set_state(state)  # keeps numpy's cached Gaussian
        return
    per = kind.words_per_value(method)
    if per is not None:
        skip_words(twin.bit_generator, per * k, small)
        return
    # 32-bit halves: numpy draws the last whole output itself, so that the spent
    # buffer (uinteger) is the one its own draws leave.
    if twin.bit_generator.state["has_uint32"]:
        twin.random(1, dtype=np.float32)
        k -= 1
    outputs, odd = divmod(k, 2)
    skip_words(twin.bit_generator, outputs - 1, small)
    twin.random(2 + odd, dtype=np.float32)


def numpy_draw(kind: Kind, twin: Any, method: str, size: Any, k: int) -> Any:
    """What numpy's `twin` gives for `method(size)` after `k` values of `method`."""
    if k > SMALL:
        numpy_skip(kind, twin, method, k)
        return draw(twin, method, size)
    part = draw(twin, method, k + count(size))[k:]  # numpy's one-shot call
    return part[0] if size is None else part.reshape(size)


# --- comparisons --------------------------------------------------------------------


def assert_same_values(got: Any, want: Any) -> None:
    """Bit for bit; where numpy's call gives one value, ours must be a Python float too
    (``numpy_draw``'s one-shot slice holds it as a NumPy scalar)."""
    if np.ndim(want) == 0 and not isinstance(want, np.ndarray):
        want = float(want)
    assert_same_bits(got, want)


def assert_position(kind: Kind, seed: Any, ours: Any, twin: Any) -> None:
    """`ours.position` words into the stream is where numpy's twin stands."""
    bg = kind.bit_generator(seed)
    skip_words(bg, ours.position)
    at = plain(bg.state)
    twin_state = plain(state_of(twin))
    if kind.legacy:
        assert at["state"] == twin_state["state"], f"position {ours.position} is wrong"
    else:
        assert without_half(at) == without_half(twin_state), f"position {ours.position} is wrong"


# --- the oracle for large starts is numpy's own state ---------------------------------


@pytest.mark.parametrize(
    ("kind", "method"), [(kind, method) for kind in JUMPING for method in kind.methods], ids=str
)
@pytest.mark.parametrize("k", [100, 101, 3001, 40_000])
@pytest.mark.parametrize("buffered", [False, True], ids=["plain", "buffered"])
def test_oracle_skip_by_advance_is_numpys_drawing(
    kind: Kind, method: str, k: int, buffered: bool
) -> None:
    """numpy_skip's advance path lands where numpy's own draws do, state in full."""
    by_advance, by_drawing = kind.numpy(3), kind.numpy(3)
    for twin in (by_advance, by_drawing):
        prepare(kind, twin, buffered)
    numpy_skip(kind, by_advance, method, k, small=0)
    draw(by_drawing, method, k)
    assert_same_state(by_advance, by_drawing)


# --- every (stream, method, dtype) against numpy --------------------------------------


# The deterministic grids below (and tests/test_conformance.py's, every backend) hold
# every (stream, method) to numpy at fixed sizes and starts; the Hypothesis tests look for
# the sequences, seeds, sizes and starts nobody listed. Their examples are drawn anew each
# run (about 12 ms each here), so a modest number per run still ranges widely over time.
@pytest.mark.parametrize("kind", KINDS, ids=str)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_calls_match_numpy(kind: Kind, data: st.DataObject) -> None:
    """A sequence of calls with starts: numpy's outputs and numpy's full state after each."""
    seed = data.draw(seeds(kind), label="seed")
    call = st.one_of(
        st.tuples(st.sampled_from(kind.methods), sizes, starts(kind)),
        st.tuples(st.just("standard_normal"), st.integers(0, 3), st.just(0)),  # untracked
    )
    calls = data.draw(st.lists(call, max_size=5), label="calls (method, size, start)")
    ours, twin = kind.ours(seed), kind.numpy(seed)
    known = True
    for method, size, k in calls:
        if method == "standard_normal":  # variable consumption; may leave a cached value
            got, want = ours.standard_normal(size), twin.standard_normal(size)
            assert_same_bits(got, want)
            known = False
            continue
        got = draw(ours, method, size, start=k)
        want = numpy_draw(kind, twin, method, size, k)
        assert_same_values(got, want)
        assert_same_state(ours, twin)
    if known:
        assert_position(kind, seed, ours, twin)
    else:
        with pytest.raises(ValueError, match="position"):
            _ = ours.position


@pytest.mark.parametrize(
    ("kind", "method"), [(kind, method) for kind in KINDS for method in kind.methods], ids=str
)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_split_calls_equal_one_numpy_call(kind: Kind, method: str, data: st.DataObject) -> None:
    """Draws (k1 skipped, n1), (k2, n2), ... equal slices of one numpy call of the total."""
    seed = data.draw(seeds(kind), label="seed")
    skipped = st.integers(0, 700) if kind.jumps else st.just(0)
    pieces = data.draw(
        st.lists(st.tuples(skipped, st.integers(0, 700)), min_size=1, max_size=5),
        label="pieces (start, n)",
    )
    ours, twin = kind.ours(seed), kind.numpy(seed)
    everything = draw(twin, method, sum(k + n for k, n in pieces))
    at = 0
    for k, n in pieces:
        assert_same_values(draw(ours, method, n, start=k), everything[at + k : at + k + n])
        at += k + n
    assert_same_state(ours, twin)
    assert_position(kind, seed, ours, twin)


@pytest.mark.parametrize(
    ("kind", "method", "seed", "k", "n"),
    [
        (LEGACY, "random_sample", 12345, 10**6 + 1, 10**6),
        (LEGACY, "uniform", [3, 1, 4], 2**40 + 1, 10**6),
        (KIND["PCG64"], "random_f32", 7, 999_999, 10**6 + 1),
        (KIND["Philox"], "random", 2**100, 10**9 + 3, 10**6),
        (KIND["MT19937"], "random", 8, 3, 10**6),
        (KIND["SFC64"], "random_f32", 9, 0, 10**6 + 1),
    ],
    ids=str,
)
def test_a_million_values(kind: Kind, method: str, seed: Any, k: int, n: int) -> None:
    ours, twin = kind.ours(seed), kind.numpy(seed)
    assert_same_values(draw(ours, method, n, start=k), numpy_draw(kind, twin, method, n, k))
    assert_same_state(ours, twin)
    assert_position(kind, seed, ours, twin)


@pytest.mark.parametrize(
    ("kind", "method"), [(kind, method) for kind in KINDS for method in kind.methods], ids=str
)
def test_scalar_results_are_python_floats_like_numpy(kind: Kind, method: str) -> None:
    k = 3 if kind.jumps else 0
    got = draw(kind.ours(5), method, None, start=k)
    twin = kind.numpy(5)
    numpy_skip(kind, twin, method, k)
    want = draw(twin, method, None)
    assert type(got) is type(want)
    assert got == want


SIZE_FORMS = {
    "np.int64": np.int64(3),
    "list": [2, 3],
    "tuple of numpy ints": (np.int32(2), 3),
    "int array": np.array([2, 3]),
    "0-d array": np.array(3),
    "float": 3.0,
    "str": "3",
    "list of floats": [2.0],
}


@pytest.mark.parametrize("kind", JUMPING, ids=str)
@pytest.mark.parametrize("size", list(SIZE_FORMS), ids=str)
def test_size_forms_as_numpy(kind: Kind, size: str) -> None:
    """Whatever numpy makes of a size (or the error it raises), with start= too."""
    ours, twin = kind.ours(13), kind.numpy(13)
    for method in kind.methods:
        try:
            draw(kind.numpy(13), method, SIZE_FORMS[size])
        except Exception as error:  # numpy refuses: so must we, changing nothing
            before = state_of(ours)
            with pytest.raises(type(error)):
                draw(ours, method, SIZE_FORMS[size], start=2)
            assert_same_state(ours, before)
            continue
        numpy_skip(kind, twin, method, 2)
        want = draw(twin, method, SIZE_FORMS[size])
        assert_same_values(draw(ours, method, SIZE_FORMS[size], start=2), want)
        assert_same_state(ours, twin)


@pytest.mark.parametrize("kind", GENERATORS, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [0, 1, 6, 10**9 + 1])
def test_random_into_out_with_start(kind: Kind, dtype: Any, k: int) -> None:
    if k and not kind.jumps:
        k = 0
    method = "random_f32" if dtype is np.float32 else "random"
    ours, twin = kind.ours(14), kind.numpy(14)
    ours.random(1, dtype=np.float32)  # a buffered half for the 64-bit generators
    twin.random(1, dtype=np.float32)
    buf = np.full((3, 5), -1.0, dtype=dtype)
    got = ours.random(out=buf, dtype=dtype, start=k)
    assert got is buf
    numpy_skip(kind, twin, method, k)
    assert_same_values(buf, twin.random(out=np.empty((3, 5), dtype=dtype), dtype=dtype))
    assert_same_state(ours, twin)
    assert_position(kind, 14, ours, twin)


# --- 32-bit halves of 64-bit outputs: float32 and float64 draws mixed --------------------


MIXED = {
    "f32 then f64(start)": [("random_f32", 1, 0), ("random", "n", "k")],
    "f32 then f32(start)": [("random_f32", 1, 0), ("random_f32", "n", "k")],
    "3 f32, f32(start), f64(start=1)": [
        ("random_f32", 3, 0),
        ("random_f32", "n", "k"),
        ("random", 2, 1),
    ],
    "f64, f32(start), f32(start=1)": [
        ("random", 1, 0),
        ("random_f32", "n", "k"),
        ("random_f32", 1, 1),
    ],
    "f32, uniform(start), f32": [("random_f32", 1, 0), ("uniform", "n", "k"), ("random_f32", 1, 0)],
    "f32(start) twice, f64": [("random_f32", "n", "k"), ("random_f32", "n", "k"), ("random", 1, 0)],
}


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("sequence", list(MIXED), ids=str)
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5, 7, 8, 1001, 10**9 + 1])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_mixed_float32_float64_with_starts(name: str, sequence: str, k: int, n: int) -> None:
    """numpy draws the skipped values itself; outputs and full state (has_uint32,
    uinteger, Philox's buffer) must be numpy's after every call."""
    kind = KIND[name]
    ours, twin = kind.ours(11), kind.numpy(11)
    for method, size, start in MIXED[sequence]:
        size = n if size == "n" else size
        start = k if start == "k" else start
        got = draw(ours, method, size, start=start)
        want = numpy_draw(kind, twin, method, size, start)
        assert_same_values(got, want)
        assert_same_state(ours, twin)
    assert_position(kind, 11, ours, twin)


@pytest.mark.parametrize("k", [4, 8, 4 * 10**9])
@pytest.mark.parametrize("how", ["start", "position"])
def test_philox_state_after_a_skip_to_a_block_boundary(k: int, how: str) -> None:
    """Skipping to the end of a Philox block (nothing drawn after) leaves numpy's state,
    whose buffer holds the block just used up."""
    kind = KIND["Philox"]
    ours, twin = kind.ours(5), kind.numpy(5)
    if how == "start":
        ours.random(0, start=k)
    else:
        ours.position = k
    numpy_skip(kind, twin, "random", k)
    assert_same_state(ours, twin)


# --- uniform with array bounds --------------------------------------------------------

BOUNDS = {
    "low array": (np.array([0.0, 1.0, -2.0]), 5.0, None),
    "column x row": (np.zeros((2, 1)), np.array([1.0, 2.0, 3.0]), None),
    "column x row, size": (np.zeros((2, 1)), np.array([1.0, 2.0, 3.0]), (4, 2, 3)),
    "high matrix": (-1.0, np.arange(1.0, 7.0).reshape(2, 3), (2, 3)),
    "nested lists": ([[0.5], [1.5]], [10.0, 20.0, 30.0], None),
    "float32 bounds": (np.float32(0.25), np.array([1, 2], dtype=np.float32), None),
    "empty": (0.0, np.array([]), None),
    "high < low": (np.array([5.0, 4.0]), np.array([1.0, -1.0]), (3, 2)),  # legacy only
}
BOUNDS_CASES = [
    (kind, bounds)
    for kind in JUMPING
    for bounds in BOUNDS
    if kind.legacy or bounds != "high < low"  # Generator refuses it: see BAD_GENERATOR
]


@pytest.mark.parametrize(("kind", "bounds"), BOUNDS_CASES, ids=str)
@pytest.mark.parametrize("k", [0, 1, 5, 10**9 + 7])
def test_uniform_broadcasting_with_start(kind: Kind, bounds: str, k: int) -> None:
    low, high, size = BOUNDS[bounds]
    ours, twin = kind.ours(21), kind.numpy(21)
    draw(ours, "random", 1)  # not at the start of the stream
    draw(twin, "random", 1)
    got = ours.uniform(low, high, size, start=k)
    numpy_skip(kind, twin, "uniform", k)
    want = twin.uniform(low, high, size)
    assert_same_values(got, want)
    assert_same_state(ours, twin)
    assert_position(kind, 21, ours, twin)


# --- a call that raises changes nothing ----------------------------------------------

Call = Callable[..., Any]
BAD_LEGACY: dict[str, Call] = {
    "size -1": lambda o, **s: o.random_sample(-1, **s),
    "size 2.5": lambda o, **s: o.random_sample(2.5, **s),
    "rand(-1)": lambda o, **s: o.rand(-1, **s),
    "random((2, -1))": lambda o, **s: o.random((2, -1), **s),
    "uniform overflow": lambda o, **s: o.uniform(-1e308, 1e308, 3, **s),
    "uniform nan": lambda o, **s: o.uniform(0.0, np.nan, 3, **s),
    "uniform shapes": lambda o, **s: o.uniform(np.zeros(2), np.ones(3), **s),
    "uniform size": lambda o, **s: o.uniform(0.0, np.ones(3), (2,), **s),
}
BAD_GENERATOR: dict[str, Call] = {
    "size -1": lambda o, **s: o.random(-1, **s),
    "float32 size -1": lambda o, **s: o.random(-1, dtype=np.float32, **s),
    "dtype int64": lambda o, **s: o.random(3, dtype=np.int64, **s),
    "dtype float16": lambda o, **s: o.random(3, dtype=np.float16, **s),
    "dtype 'foo'": lambda o, **s: o.random(3, dtype="foo", **s),
    "float32 into float64 out": lambda o, **s: o.random(3, np.float32, np.empty(3), **s),
    "out and size": lambda o, **s: o.random(4, np.float64, np.empty(3), **s),
    "uniform overflow": lambda o, **s: o.uniform(-1e308, 1e308, 3, **s),
    "uniform shapes": lambda o, **s: o.uniform(np.zeros(2), np.ones(3), **s),
    "uniform high < low": lambda o, **s: o.uniform(5.0, np.array([6.0, 1.0]), **s),
}


def prepare(kind: Kind, obj: Any, buffered: bool) -> None:
    """Draw a little; with `buffered`, leave a cached Gaussian / a 32-bit half."""
    draw(obj, kind.methods[0], 3)
    if buffered:
        if kind.legacy:
            obj.standard_normal()  # one of a pair: numpy caches the other
        else:
            obj.random(1, dtype=np.float32)


BAD_CASES = [(LEGACY, name) for name in BAD_LEGACY] + [
    (kind, name) for kind in GENERATORS for name in BAD_GENERATOR
]


@pytest.mark.parametrize(("kind", "bad"), BAD_CASES, ids=str)
@pytest.mark.parametrize("k", [0, 3, 10**9])
@pytest.mark.parametrize("buffered", [False, True], ids=["plain", "buffered"])
def test_failed_call_changes_nothing(kind: Kind, bad: str, k: int, buffered: bool) -> None:
    call = (BAD_LEGACY if kind.legacy else BAD_GENERATOR)[bad]
    ours, twin = kind.ours(4), kind.numpy(4)
    prepare(kind, ours, buffered)
    prepare(kind, twin, buffered)
    before = state_of(ours)
    known = not (kind.legacy and buffered)
    position = ours.position if known else None
    with pytest.raises(Exception) as numpy_error:
        call(twin)
    with pytest.raises(Exception) as our_error:
        call(ours, start=k)
    allowed = {type(numpy_error.value)}
    if k and not kind.jumps:
        allowed.add(NotImplementedError)  # SFC64 refuses start=; either error will do
    assert type(our_error.value) in allowed, our_error.value
    assert_same_state(ours, before)
    if known:
        assert ours.position == position
    # and it goes on as numpy does
    assert_same_values(draw(ours, "random", 5), draw(twin, "random", 5))
    assert_same_state(ours, twin)


@pytest.mark.parametrize("kind", KINDS, ids=str)
@pytest.mark.parametrize(
    ("start", "error"),
    [(-1, ValueError), (1.5, TypeError), (True, TypeError), (None, TypeError), ("3", TypeError)],
)
def test_bad_start_changes_nothing(kind: Kind, start: Any, error: type[Exception]) -> None:
    ours = kind.ours(4)
    prepare(kind, ours, buffered=False)
    before, position = state_of(ours), ours.position
    for method in kind.methods:
        with pytest.raises(error):
            draw(ours, method, 3, start=start)
    assert_same_state(ours, before)
    assert ours.position == position


@pytest.mark.parametrize("method", ["random", "random_f32", "uniform"])
def test_sfc64_refuses_start(method: str) -> None:
    kind = KIND["SFC64"]
    ours, twin = kind.ours(3), kind.numpy(3)
    prepare(kind, ours, buffered=True)
    prepare(kind, twin, buffered=True)
    with pytest.raises(NotImplementedError):
        draw(ours, method, 2, start=1)
    assert_same_state(ours, twin)
    assert_same_values(draw(ours, method, 4, start=0), draw(twin, method, 4))


# --- position ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "method", "n", "words"),
    [
        (LEGACY, "random_sample", 3, 6),
        (LEGACY, "uniform", 5, 10),
        (KIND["MT19937"], "random", 3, 6),
        (KIND["MT19937"], "random_f32", 3, 3),
        (KIND["PCG64"], "random", 3, 3),
        (KIND["PCG64"], "random_f32", 3, 2),
        (KIND["Philox"], "random_f32", 4, 2),
        (KIND["SFC64"], "uniform", 7, 7),
    ],
    ids=str,
)
def test_position_counts_native_words(kind: Kind, method: str, n: int, words: int) -> None:
    ours = kind.ours(1)
    assert ours.position == 0
    draw(ours, method, n)
    assert ours.position == words


@pytest.mark.parametrize("kind", KINDS, ids=str)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_assigning_position_seeks(kind: Kind, data: st.DataObject) -> None:
    """After ``position = p`` the object is numpy's bit generator with p outputs drawn."""
    seed = data.draw(seeds(kind), label="seed")
    before = data.draw(st.lists(st.tuples(st.sampled_from(kind.methods), sizes), max_size=2))
    positions = st.one_of(st.integers(0, 3000), st.sampled_from(LARGE_STARTS))
    p = data.draw(positions if kind.jumps else st.just(0), label="position")
    method = data.draw(st.sampled_from(kind.methods), label="method")
    n = data.draw(st.integers(1, 700), label="n")
    ours = kind.ours(seed)
    for m, size in before:
        draw(ours, m, size)
    if kind.legacy:
        ours.standard_normal()  # a cached Gaussian: seeking must clear it
    else:
        ours.random(1, dtype=np.float32)  # a buffered half: seeking must clear it
    ours.position = p
    assert ours.position == p
    state = state_of(ours)
    assert state.get("has_gauss", 0) == state.get("has_uint32", 0) == 0  # buffers cleared
    bg = kind.bit_generator(seed)
    skip_words(bg, p)
    twin = np.random.RandomState(bg) if kind.legacy else np.random.Generator(bg)
    # (compared after a draw: see test_philox_state_after_a_skip_to_a_block_boundary)
    assert_same_values(draw(ours, method, n), draw(twin, method, n))
    assert_same_state(ours, twin)
    assert_position(kind, seed, ours, twin)


UNTRACKED_LEGACY: dict[str, Call] = {
    "normal": lambda o: o.normal(size=3),
    "standard_normal": lambda o: o.standard_normal(),
    "randn": lambda o: o.randn(2),
    "randint": lambda o: o.randint(10, size=5),
    "choice": lambda o: o.choice(5, 3, p=[0.1, 0.2, 0.3, 0.2, 0.2]),
    "permutation": lambda o: o.permutation(7),
}
UNTRACKED_GENERATOR: dict[str, Call] = {
    "normal": lambda o: o.normal(size=3),
    "standard_normal": lambda o: o.standard_normal(dtype=np.float32),
    "integers": lambda o: o.integers(10, size=5),
    "choice": lambda o: o.choice(5, 3, p=[0.1, 0.2, 0.3, 0.2, 0.2]),
    "permutation": lambda o: o.permutation(7),
    "exponential": lambda o: o.exponential(size=2),
}
UNTRACKED_CASES = [(LEGACY, name) for name in UNTRACKED_LEGACY] + [
    (kind, name) for kind in GENERATORS for name in UNTRACKED_GENERATOR
]


@pytest.mark.parametrize(("kind", "untracked"), UNTRACKED_CASES, ids=str)
def test_position_unknown_after_untracked_method(kind: Kind, untracked: str) -> None:
    call = (UNTRACKED_LEGACY if kind.legacy else UNTRACKED_GENERATOR)[untracked]
    ours, twin = kind.ours(8), kind.numpy(8)
    draw(ours, kind.methods[0], 2)
    draw(twin, kind.methods[0], 2)
    got, want = call(ours), call(twin)
    assert_same_bits(np.asarray(got), np.asarray(want))
    assert_same_state(ours, twin)
    with pytest.raises(ValueError, match="position"):
        _ = ours.position
    # still numpy's stream, with or without start
    k = 5 if kind.jumps else 0
    for method in kind.methods:
        assert_same_values(draw(ours, method, 4, start=k), numpy_draw(kind, twin, method, 4, k))
        assert_same_state(ours, twin)
    with pytest.raises(ValueError, match="position"):
        _ = ours.position
    ours.position = 10 if kind.jumps else 0
    assert ours.position == (10 if kind.jumps else 0)
    draw(ours, kind.methods[0], 1)
    assert ours.position > 0


@pytest.mark.parametrize("kind", KINDS, ids=str)
@pytest.mark.parametrize(
    ("value", "error"),
    [(-1, ValueError), (1.5, TypeError), (True, TypeError), (None, TypeError), ("2", TypeError)],
)
def test_bad_position_changes_nothing(kind: Kind, value: Any, error: type[Exception]) -> None:
    ours = kind.ours(2)
    prepare(kind, ours, buffered=False)
    before, position = state_of(ours), ours.position
    with pytest.raises(error):
        ours.position = value
    assert_same_state(ours, before)
    assert ours.position == position


def test_sfc64_position_can_only_go_back_to_zero() -> None:
    kind = KIND["SFC64"]
    ours, twin = kind.ours(6), kind.numpy(6)
    draw(ours, "random", 3)
    before = state_of(ours)
    with pytest.raises(NotImplementedError):
        ours.position = 1
    assert_same_state(ours, before)
    assert ours.position == 3
    ours.position = 0
    assert_same_values(draw(ours, "random_f32", 5), draw(twin, "random_f32", 5))
    assert_same_state(ours, twin)


def test_legacy_set_state_and_seed_reset_position() -> None:
    ours = ss.RandomState(3)
    ours.random_sample(4)
    ours.set_state(np.random.RandomState(9).get_state())
    with pytest.raises(ValueError, match="position"):
        _ = ours.position
    ours.seed(10)
    twin = np.random.RandomState(10)
    assert ours.position == 0
    assert ours.stream == ss.RandomState(10).stream
    assert_same_values(ours.random_sample(3, start=2), twin.random_sample(5)[2:])
    assert_same_state(ours, twin)
    assert ours.position == 10


def test_legacy_start_keeps_the_cached_gaussian() -> None:
    """numpy's random_sample neither uses nor clears the cached Gaussian; a skip must not either."""
    ours, twin = ss.RandomState(0), np.random.RandomState(0)
    ours.standard_normal()
    twin.standard_normal()
    assert_same_values(ours.random_sample(3, start=2), twin.random_sample(5)[2:])
    assert_same_state(ours, twin)
    assert_same_values(ours.standard_normal(), twin.standard_normal())


@pytest.mark.parametrize("start", [1, 10**9])
def test_legacy_uniform_start_keeps_the_cached_gaussian(start: int) -> None:
    ours, twin = ss.RandomState(1), np.random.RandomState(1)
    ours.normal(size=3)
    twin.normal(size=3)
    got = ours.uniform(0.0, 2.0, 2, start=start)
    numpy_skip(LEGACY, twin, "uniform", start)
    assert_same_values(got, twin.uniform(0.0, 2.0, 2))
    assert_same_state(ours, twin)


# --- RandomState over other bit generators (numpy accepts any) -------------------------


@pytest.mark.parametrize("name", ["PCG64", "PCG64DXSM", "Philox", "SFC64"])
def test_random_state_over_a_64_bit_generator_counts_its_outputs(name: str) -> None:
    ours = ss.RandomState(BIT_GENERATORS[name](3))
    ours.random_sample(3)
    assert ours.position == 3  # one 64-bit output per double


@pytest.mark.parametrize("name", ["PCG64", "PCG64DXSM", "Philox"])
@pytest.mark.parametrize("k", [1, 7, 10**9])
def test_random_state_over_a_64_bit_generator_with_start(name: str, k: int) -> None:
    ours = ss.RandomState(BIT_GENERATORS[name](3))
    twin = np.random.RandomState(BIT_GENERATORS[name](3))
    got = ours.random_sample(5, start=k)
    if k <= SMALL:
        twin.random_sample(k)
    else:
        bg = BIT_GENERATORS[name](3)
        skip_words(bg, k)
        twin = np.random.RandomState(bg)
    assert_same_values(got, twin.random_sample(5))
    assert_same_state(ours, twin)


def test_random_state_over_sfc64_refuses_start() -> None:
    ours, twin = ss.RandomState(np.random.SFC64(3)), np.random.RandomState(np.random.SFC64(3))
    ours.random_sample(2)
    twin.random_sample(2)
    with pytest.raises(NotImplementedError):
        ours.random_sample(3, start=1)
    assert_same_state(ours, twin)
    assert_same_values(ours.uniform(1.0, 2.0, 4), twin.uniform(1.0, 2.0, 4))
    assert ours.position == 6


@pytest.mark.parametrize("name", ["PCG64", "Philox", "SFC64", "MT19937"])
def test_random_state_over_a_64_bit_generator_pickles(name: str) -> None:
    ours = ss.RandomState(BIT_GENERATORS[name](3))
    twin = np.random.RandomState(BIT_GENERATORS[name](3))
    ours.random_sample(3)
    twin.random_sample(3)
    copied = pickle.loads(pickle.dumps(ours))
    assert_same_state(copied, twin)
    assert_same_values(copied.random_sample(4), twin.random_sample(4))


# --- state round trips with numpy ----------------------------------------------------


@pytest.mark.parametrize("legacy_format", [True, False])
def test_legacy_state_continues_in_numpy(legacy_format: bool) -> None:
    ours = ss.RandomState(17)
    ours.random_sample(5, start=1000)
    ours.uniform(1.0, 2.0, 3, start=10**9)
    ours.standard_normal(3)  # odd: one Gaussian cached
    twin = np.random.RandomState()
    twin.set_state(ours.get_state(legacy=legacy_format))
    assert_same_state(ours, twin)
    assert_same_values(ours.standard_normal(3), twin.standard_normal(3))
    assert_same_values(ours.random_sample(7), twin.random_sample(7))
    assert_same_state(ours, twin)


@pytest.mark.parametrize("legacy_format", [True, False])
@pytest.mark.parametrize("k", [0, 3, 10**9])
def test_numpy_state_continues_in_legacy(legacy_format: bool, k: int) -> None:
    twin = np.random.RandomState(23)
    twin.random_sample(1001)
    twin.standard_normal(1)  # one Gaussian cached
    ours = ss.RandomState(0)
    ours.set_state(twin.get_state(legacy=legacy_format))
    assert_same_state(ours, twin)
    assert_same_values(ours.standard_normal(), twin.standard_normal())  # the cached one
    assert_same_values(
        ours.random_sample(4, start=k), numpy_draw(LEGACY, twin, "random_sample", 4, k)
    )
    assert_same_state(ours, twin)


@pytest.mark.parametrize("kind", GENERATORS, ids=str)
def test_generator_state_continues_in_numpy(kind: Kind) -> None:
    k = 10**9 + 1 if kind.jumps else 0
    ours = kind.ours(31)
    ours.random(3, start=k)
    ours.random(3, dtype=np.float32, start=k)
    bg = BIT_GENERATORS[kind.name](0)
    bg.state = ours.bit_generator.state
    twin = np.random.Generator(bg)
    assert_same_state(ours, twin)
    for method in ("random_f32", "random", "random_f32", "uniform"):
        assert_same_values(draw(ours, method, 3), draw(twin, method, 3))
    assert_same_state(ours, twin)


@pytest.mark.parametrize(
    ("kind", "k"), [(kind, k) for kind in GENERATORS for k in (0, 3, 10**9) if kind.jumps or not k]
)
def test_numpy_state_continues_in_generator(kind: Kind, k: int) -> None:
    twin = kind.numpy(37)
    twin.random(5, dtype=np.float32)  # a buffered half, for the 64-bit generators
    ours = kind.ours(0)
    ours.bit_generator.state = twin.bit_generator.state
    for method in ("random", "random_f32", "uniform"):
        got = draw(ours, method, 3, start=k)
        assert_same_values(got, numpy_draw(kind, twin, method, 3, k))
        assert_same_state(ours, twin)


# --- seeds ---------------------------------------------------------------------------

LEGACY_SEEDS = {
    "0": 0,
    "1": 1,
    "2**32 - 1": 2**32 - 1,
    "np.uint32": np.uint32(7),
    "np.int64": np.int64(7),
    "True": True,
    "[0]": [0],
    "list": [1, 2, 3],
    "tuple": (1, 2, 3),
    "uint32 array": np.array([1, 2, 2**32 - 1], dtype=np.uint32),
    "int64 array": np.array([4, 5], dtype=np.int64),
    "array([5])": np.array([5]),
    "array(5)": np.array(5),
    "array([[5]])": np.array([[5]]),
    "range": range(4),
    "[2**32 - 1]": [2**32 - 1],
}


@pytest.mark.parametrize("seed", list(LEGACY_SEEDS), ids=str)
def test_random_state_takes_numpys_seeds(seed: str) -> None:
    ours, twin = ss.RandomState(LEGACY_SEEDS[seed]), np.random.RandomState(LEGACY_SEEDS[seed])
    assert_same_state(ours, twin)
    assert_same_values(ours.random_sample(3, start=5), twin.random_sample(8)[5:])
    assert_same_state(ours, twin)
    assert ours.position == 16


@pytest.mark.parametrize(
    "make", [lambda: np.random.MT19937(11), lambda: np.random.MT19937(11).jumped()]
)
@pytest.mark.parametrize("k", [0, 1, 700, 10**9])
def test_random_state_takes_an_mt19937(make: Callable[[], Any], k: int) -> None:
    ours, twin = ss.RandomState(make()), np.random.RandomState(make())
    got = ours.random_sample(3, start=k)
    assert_same_values(got, numpy_draw(LEGACY, twin, "random_sample", 3, k))
    assert_same_state(ours, twin)


def test_random_state_without_seed() -> None:
    ours = ss.RandomState()
    twin = np.random.RandomState(0)
    twin.set_state(ours.get_state())
    assert ours.position == 0
    assert_same_values(ours.random_sample(3, start=4), twin.random_sample(7)[4:])
    assert_same_state(ours, twin)


REFUSED_LEGACY = {
    "-1": -1,
    "2**32": 2**32,
    "2**64": 2**64,
    "1.5": 1.5,
    "np.float64": np.float64(3),
    "array(3.0)": np.array(3.0),
    "str": "a",
    "empty str": "",
    "bytes": b"ab",
    "[]": [],
    "2-d": [[1, 2], [3, 4]],
    "[-1]": [-1],
    "[2**32]": [2**32],
    "[1.5]": [1.5],
    "SeedSequence": np.random.SeedSequence(0),
    "Generator": np.random.default_rng(0),
    "object": object(),
    "dict": {},
    "complex": 1 + 2j,
}


def same_error(ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(Exception) as got:
        ours()
    assert type(got.value) is type(expected.value), (got.value, expected.value)


@pytest.mark.parametrize("seed", list(REFUSED_LEGACY), ids=str)
def test_random_state_refuses_what_numpy_refuses(seed: str) -> None:
    bad = REFUSED_LEGACY[seed]
    same_error(lambda: ss.RandomState(bad), lambda: np.random.RandomState(bad))
    ours, twin = ss.RandomState(5), np.random.RandomState(5)
    same_error(lambda: ours.seed(bad), lambda: twin.seed(bad))
    assert_same_state(ours, twin)
    same_error(lambda: ss.seed(bad), lambda: np.random.RandomState().seed(bad))


GENERATOR_SEEDS: dict[str, Callable[[], Any]] = {
    "None-free int": lambda: 0,
    "2**64": lambda: 2**64,
    "2**200": lambda: 2**200,
    "list": lambda: [1, 2, 3],
    "np.uint64": lambda: np.uint64(3),
    "uint32 array": lambda: np.array([5, 6], dtype=np.uint32),
    "SeedSequence": lambda: np.random.SeedSequence(5),
    "spawned SeedSequence": lambda: np.random.SeedSequence(5).spawn(2)[1],
    "PCG64": lambda: np.random.PCG64(5),
    "Philox": lambda: np.random.Philox(5),
    "numpy Generator": lambda: np.random.Generator(np.random.PCG64DXSM(5)),
}


@pytest.mark.parametrize("seed", list(GENERATOR_SEEDS), ids=str)
def test_default_rng_takes_numpys_seeds(seed: str) -> None:
    ours = ss.default_rng(GENERATOR_SEEDS[seed]())
    twin = np.random.default_rng(GENERATOR_SEEDS[seed]())
    assert isinstance(ours, ss.Generator)
    assert type(ours.bit_generator) is type(twin.bit_generator)
    assert_same_state(ours, twin)
    assert_same_values(ours.random(3, start=4), twin.random(7)[4:])
    assert_same_state(ours, twin)
    assert_same_values(ours.uniform(1, 2, 2, start=1), twin.uniform(1, 2, 3)[1:])
    assert_same_state(ours, twin)


def test_default_rng_passes_generators_through() -> None:
    g = ss.default_rng(3)
    assert ss.default_rng(g) is g
    bg = np.random.PCG64(3)
    shared = ss.default_rng(np.random.Generator(bg))
    assert shared.bit_generator is bg


REFUSED_GENERATOR = {
    "-1": -1,
    "1.5": 1.5,
    "str": "a",
    "[-1]": [-1],
    "[1.5]": [1.5],
    "object": object(),
    "2-d float": np.ones((2, 2)),
}


@pytest.mark.parametrize("seed", list(REFUSED_GENERATOR), ids=str)
def test_default_rng_refuses_what_numpy_refuses(seed: str) -> None:
    bad = REFUSED_GENERATOR[seed]
    same_error(lambda: ss.default_rng(bad), lambda: np.random.default_rng(bad))


@pytest.mark.parametrize("bad", [5, None, "PCG64", np.random.SeedSequence(1)], ids=repr)
def test_generator_refuses_what_numpy_refuses(bad: Any) -> None:
    same_error(lambda: ss.Generator(bad), lambda: np.random.Generator(bad))


@pytest.mark.parametrize("kind", GENERATORS, ids=str)
@pytest.mark.parametrize("seed", [0, 2**127 + 5, [7, 8, 9], np.random.SeedSequence(3)], ids=repr)
def test_generator_over_each_bit_generator(kind: Kind, seed: Any) -> None:
    ours, twin = kind.ours(seed), kind.numpy(seed)
    assert_same_state(ours, twin)
    k = 9 if kind.jumps else 0
    for method in kind.methods:
        assert_same_values(draw(ours, method, 5, start=k), numpy_draw(kind, twin, method, 5, k))
        assert_same_state(ours, twin)


# --- module-level functions ----------------------------------------------------------


def test_module_functions_follow_numpys() -> None:
    numpy_global = np.random.get_state(legacy=False)  # noqa: NPY002
    twin = np.random.RandomState(0)
    ss.seed(0)
    assert_same_values(ss.rand(5), twin.rand(5))
    assert_same_values(ss.rand(), twin.rand())
    assert_same_values(ss.rand(2, 3, start=4), twin.rand(10)[4:].reshape(2, 3))
    assert_same_values(ss.random_sample(3, start=7), twin.random_sample(10)[7:])
    assert_same_values(ss.random((2, 2)), twin.random((2, 2)))
    assert_same_values(ss.uniform(1.0, 3.0, 4, start=2), twin.uniform(1.0, 3.0, 6)[2:])
    got = ss.random_sample(2, start=10**9)
    numpy_skip(LEGACY, twin, "random_sample", 10**9)
    assert_same_values(got, twin.random_sample(2))
    assert_same_bits(ss.standard_normal(3), twin.standard_normal(3))
    assert_same_bits(ss.randint(0, 10, 7), twin.randint(0, 10, 7))
    assert_same_state(ss.get_state(legacy=False), twin)
    ss.set_state(np.random.RandomState(99).get_state())
    assert_same_values(ss.random_sample(3), np.random.RandomState(99).random_sample(3))
    # numpy's own global state is untouched
    assert_same_state(np.random.get_state(legacy=False), numpy_global)  # noqa: NPY002


def test_module_function_positions() -> None:
    ss.seed(1)
    ss.random_sample(3, start=2)
    assert ss.random_sample.__self__.position == 10


LEGACY_MODULE_NAMES = [name for name in np.random.mtrand.__all__ if name != "RandomState"]


@pytest.fixture
def global_bit_generator() -> Any:
    """Put seedstream's global bit generator back after the test."""
    original = ss.get_bit_generator()
    yield original
    ss.set_bit_generator(original)


def test_module_bit_generator_functions(global_bit_generator: Any) -> None:
    assert isinstance(global_bit_generator, np.random.MT19937)
    bg = np.random.PCG64(3)
    ss.set_bit_generator(bg)
    assert ss.get_bit_generator() is bg
    twin = np.random.RandomState(np.random.PCG64(3))
    assert_same_values(ss.random_sample(3, start=2), twin.random_sample(5)[2:])
    assert_same_values(ss.ranf(2), twin.random_sample(2))
    assert_same_values(ss.sample(2), twin.random_sample(2))
    assert_same_state(ss.get_state(legacy=False), twin)
    with pytest.raises(TypeError):  # numpy: only an MT19937 can be re-seeded
        ss.seed(0)
    ss.set_bit_generator(np.random.MT19937(0))
    ss.seed(5)
    assert_same_values(ss.rand(3), np.random.RandomState(5).rand(3))


@pytest.mark.parametrize("name", LEGACY_MODULE_NAMES)
def test_module_has_numpys_legacy_functions(name: str) -> None:
    assert hasattr(ss, name), f"np.random.{name} has no seedstream.{name}"


# --- pickling ------------------------------------------------------------------------


def roundtrip(obj: Any, how: str) -> Any:
    return copy.deepcopy(obj) if how == "deepcopy" else pickle.loads(pickle.dumps(obj))


LEGACY_HISTORIES: dict[str, Call] = {
    "fresh": lambda o: None,
    "after start": lambda o: o.random_sample(5, start=10**9),
    "cached Gaussian": lambda o: (o.random_sample(3), o.standard_normal()),
    "set_state": lambda o: o.set_state(np.random.RandomState(4).get_state()),
}


@pytest.mark.parametrize("history", list(LEGACY_HISTORIES), ids=str)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_random_state_pickles(history: str, how: str) -> None:
    ours = ss.RandomState(42)
    LEGACY_HISTORIES[history](ours)
    copied = roundtrip(ours, how)
    assert type(copied) is ss.RandomState
    assert copied.stream == ours.stream
    assert_same_state(copied, ours)
    try:
        position = ours.position
    except ValueError:
        with pytest.raises(ValueError, match="position"):
            _ = copied.position
    else:
        assert copied.position == position
    assert_same_values(copied.standard_normal(), ours.standard_normal())
    assert_same_values(copied.random_sample(3, start=7), ours.random_sample(3, start=7))
    assert_same_state(copied, ours)
    copied.position = ours.position = 6  # three doubles in
    assert_same_values(copied.random_sample(3), ours.random_sample(3))
    assert_same_values(copied.random_sample(2), np.random.RandomState(42).random_sample(8)[6:])


@pytest.mark.parametrize("kind", GENERATORS, ids=str)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_generator_pickles(kind: Kind, how: str) -> None:
    k = 10**9 if kind.jumps else 0
    ours = kind.ours(43)
    ours.random(3, start=k)
    ours.random(3, dtype=np.float32)  # a buffered half for the 64-bit generators
    copied = roundtrip(ours, how)
    assert type(copied) is ss.Generator
    assert copied.bit_generator is not ours.bit_generator
    assert copied.stream == ours.stream
    assert copied.position == ours.position
    assert_same_state(copied, ours)
    for method in kind.methods:
        assert_same_values(draw(copied, method, 3, start=k), draw(ours, method, 3, start=k))
        assert_same_state(copied, ours)
    assert copied.position == ours.position
    copied.position = 0
    twin = kind.numpy(43)
    assert_same_values(copied.random(4), twin.random(4))
    ours.normal()
    with pytest.raises(ValueError, match="position"):
        _ = roundtrip(ours, how).position
