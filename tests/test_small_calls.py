"""Plain small calls served in C (seedstream._small): numpy's values, state and errors.

Each wired method is called plainly on seedstream's object and on numpy's own,
side by side; the values, the state after, and the position (against the
words numpy's bit generator actually advanced) must agree.  A profiler hook
proves that no Python method ran for a plain call, and that the Python method
ran for every other kind of call.
"""

from __future__ import annotations

import inspect
import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seedstream as ss
from seedstream._fastcall import Track, small_call
from seedstream._small import SMALL_VALUES, small

PACKAGE = Path(ss.__file__).parent

# (method, args, kwargs): plain calls, scalar and sized, positional and keyword
LEGACY = [
    ("random_sample", (), {}), ("random_sample", (1,), {}), ("random_sample", (), {"size": 10}),
    ("random_sample", (1000,), {}), ("random", (10,), {}), ("rand", (), {}), ("rand", (10,), {}),
    ("rand", (1000,), {}), ("uniform", (), {}), ("uniform", (-1.0, 2.0, 10), {}),
    ("uniform", (-1.0,), {"high": 2.0, "size": 1000}), ("standard_exponential", (10,), {}),
    ("exponential", (2.0, 10), {}), ("exponential", (np.array([1.0, 2.0]),), {}),
    ("standard_normal", (), {}), ("standard_normal", (10,), {}), ("randn", (3,), {}),
    ("normal", (0.0, 1.0, 10), {}), ("randint", (0, 1024, 10), {}), ("randint", (0, 1000), {}),
    ("gamma", (2.0,), {"size": 5}), ("poisson", (3.0, 5), {}),
]  # fmt: skip
GENERATOR = [
    ("random", (), {}), ("random", (10,), {}), ("random", (), {"size": 1000}),
    ("uniform", (-1.0, 2.0, 10), {}), ("integers", (0, 2**40, 10), {}),
    ("integers", (0, 1000), {"size": 10}), ("standard_normal", (10,), {}),
    ("normal", (0.0, 1.0, 10), {}), ("standard_exponential", (10,), {}),
    ("poisson", (3.0, 5), {}), ("choice", (10, 3), {}),
]  # fmt: skip


@contextmanager
def python_calls() -> Iterator[set[str]]:
    """The qualified names of the Python functions called inside the block."""
    seen: set[str] = set()

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            seen.add(code.co_qualname)
            if Path(code.co_filename).parent == PACKAGE:  # and which of seedstream's modules
                seen.add(f"module {Path(code.co_filename).stem}")

    sys.setprofile(hook)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def _raw_position(
    make: Callable[[], np.random.BitGenerator], reached: np.random.BitGenerator, limit: int
) -> int:
    """The number of native outputs after which a fresh `make()` is in `reached`'s state."""
    fresh = make()
    target = reached.state["state"]
    for k in range(limit + 1):
        if _same(fresh.state["state"], target):
            return k
        fresh.random_raw()
    raise AssertionError("state not reached")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


def _equal(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    np.testing.assert_array_equal(a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape


def _check(ours: Any, theirs: Any, bg: Callable[[Any], np.random.BitGenerator], calls: Any) -> None:
    for name, args, kwargs in calls:
        _equal(getattr(ours, name)(*args, **kwargs), getattr(theirs, name)(*args, **kwargs))
        assert _same(bg(ours).state, bg(theirs).state), name


@pytest.mark.parametrize("bit_generator", [np.random.MT19937, np.random.PCG64])
def test_legacy_calls_are_numpys(bit_generator: type[np.random.BitGenerator]) -> None:
    ours, theirs = ss.RandomState(bit_generator(7)), np.random.RandomState(bit_generator(7))
    _check(ours, theirs, lambda rs: rs._bit_generator, LEGACY)
    assert _same(ours.get_state(legacy=False), theirs.get_state(legacy=False))  # the Gaussian


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937])
def test_generator_calls_are_numpys(bit_generator: type[np.random.BitGenerator]) -> None:
    ours = ss.Generator(bit_generator(8))
    theirs = np.random.Generator(bit_generator(8))
    _check(ours, theirs, lambda g: g.bit_generator, GENERATOR)


@pytest.mark.parametrize(
    ("make", "name", "args", "kwargs", "values"),
    [
        (lambda: ss.RandomState(np.random.PCG64(1)), "random_sample", (), {}, 1),
        (lambda: ss.RandomState(np.random.PCG64(1)), "random_sample", (), {"size": 7}, 7),
        (lambda: ss.RandomState(np.random.PCG64(1)), "rand", (7,), {}, 7),
        (lambda: ss.RandomState(np.random.PCG64(1)), "uniform", (0, 1, 700), {}, 700),
        (lambda: ss.RandomState(np.random.PCG64(1)), "standard_exponential", (7,), {}, 7),
        (lambda: ss.RandomState(np.random.PCG64(1)), "exponential", (np.ones(3),), {}, 3),
        (lambda: ss.RandomState(np.random.PCG64(1)), "randint", (0, 2**40, 5), {}, 5),
        (lambda: ss.default_rng(1), "random", (), {"size": 7}, 7),
        (lambda: ss.default_rng(1), "uniform", (0, 1, 700), {}, 700),
        (lambda: ss.default_rng(1), "integers", (0, 2**40, 5), {}, 5),
    ],
)
def test_position_is_the_words_numpy_drew(
    make: Callable[[], Any], name: str, args: Any, kwargs: Any, values: int
) -> None:
    """The position after a plain call: the 64-bit outputs numpy's generator advanced."""
    obj = make()
    getattr(obj, name)(*args, **kwargs)
    bg = obj._track.bit_generator
    assert obj.position == values  # one 64-bit output per value on PCG64
    assert _raw_position(lambda: np.random.PCG64(1), bg, values + 1) == values


@pytest.mark.parametrize("cls", [ss.RandomState, ss.Generator])
def test_mt19937_position_counts_two_words_a_double(cls: type) -> None:
    obj = cls(np.random.MT19937(3))
    draw = obj.random_sample if cls is ss.RandomState else obj.random
    draw(), draw(5), draw(size=600)
    twin = np.random.MT19937(3)
    twin.random_raw(obj.position)
    assert obj.position == 2 * 606
    assert _same(twin.state, obj._track.bit_generator.state)


def test_variable_calls_lose_the_position_with_their_name() -> None:
    rs = ss.RandomState(0)
    rs.normal(0, 1, 3)
    with pytest.raises(ValueError, match=r"unknown after normal\(\)"):
        _ = rs.position
    rs.position = 0
    rs.randn()
    assert rs._track.lost_by == "standard_normal()"
    g = ss.default_rng(0)
    g.normal(0, 1, 3)  # the ziggurat: named by its standard form, as the Python method does
    assert g._track.lost_by == "standard_normal()"
    g.standard_exponential()
    assert g._track.lost_by == "standard_normal()"  # already unknown: numpy's call only
    g.gamma(2.0)  # variable consumption: always named
    assert g._track.lost_by == "gamma()"
    g.choice(5)
    assert g._track.lost_by == "choice()"


@pytest.mark.parametrize(
    "call",
    [
        lambda rs, g: rs.random_sample(),
        lambda rs, g: rs.random_sample(size=10),
        lambda rs, g: rs.rand(10),
        lambda rs, g: rs.uniform(0, 1, 1000),
        lambda rs, g: rs.standard_normal(10),
        lambda rs, g: rs.normal(0, 1, 10),
        lambda rs, g: rs.standard_exponential(),
        lambda rs, g: rs.gamma(2.0, size=3),
        lambda rs, g: g.random(10),
        lambda rs, g: g.uniform(0, 1, 10),
        lambda rs, g: g.standard_normal(10),
        lambda rs, g: g.poisson(3.0, 10),
        lambda rs, g: ss.random_sample(3),  # the module's bound methods
    ],
)
def test_plain_calls_run_no_python(call: Callable[[Any, Any], Any]) -> None:
    rs, g = ss.RandomState(0), ss.default_rng(0)
    g.poisson(3.0)  # loses the position: from then on numpy's call alone
    with python_calls() as seen:
        call(rs, g)
    # The C path served: no Python of seedstream's ran (only the MT19937 core's, for 1000)
    cores = {"module _fill", "module _fill_ints", "module _fill_normals"}
    assert {name for name in seen if name.startswith("module ")} <= cores, seen


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda rs, g: rs.random_sample(3, start=2), "RandomState.random_sample"),
        (lambda rs, g: rs.random_sample(np.int64(3)), "RandomState.random_sample"),
        (lambda rs, g: rs.random_sample((2, 3)), "RandomState.random_sample"),
        (lambda rs, g: rs.random_sample([3]), "RandomState.random_sample"),
        (lambda rs, g: rs.random_sample(10, chunks=5), "RandomState.random_sample"),
        (lambda rs, g: rs.random_sample(SMALL_VALUES + 1), "RandomState.random_sample"),
        (lambda rs, g: rs.rand(2, 3), "RandomState.rand"),
        (lambda rs, g: rs.uniform(0, 1, 5, start=1), "RandomState.uniform"),
        (lambda rs, g: rs.randint(0, 1000, 5), "RandomState.randint"),  # position known
        (lambda rs, g: g.random(5, np.float32), "Generator.random"),
        (lambda rs, g: g.random(5, dtype=np.float64), "Generator.random"),
        (lambda rs, g: g.normal(0, 1, 5), "counted.<locals>.wrapper"),  # position known
        (lambda rs, g: g.gamma(2.0, size=5, start=3), "counted.<locals>.wrapper"),
        (lambda rs, g: g.choice(5, start=0), "chosen.<locals>.wrapper"),
    ],
)
def test_other_calls_take_the_python_method(call: Callable[[Any, Any], Any], method: str) -> None:
    rs, g = ss.RandomState(0), ss.default_rng(0)
    with python_calls() as seen:
        call(rs, g)
    if method.startswith(("RandomState.", "Generator.")):  # written out: behind plain_first's
        shaped = method == "RandomState.rand"
        method = f"plain_first.<locals>.decorate.<locals>.{'shaped' if shaped else 'method'}"
    assert method in seen


def test_numpys_errors_unchanged() -> None:
    rs, theirs = ss.RandomState(0), np.random.RandomState(0)
    for args in [(-1,), (1.5,), ("3",), (True,)]:
        with pytest.raises(Exception) as ours_error:
            rs.random_sample(*args)
        with pytest.raises(Exception) as numpy_error:
            theirs.random_sample(*args)
        assert type(ours_error.value) is type(numpy_error.value)
        assert str(ours_error.value) == str(numpy_error.value)
    with pytest.raises(ValueError, match="high <= 0"):
        rs.randint(0, size=3)
    with pytest.raises(TypeError):
        rs.random_sample(3, size=3)  # given twice
    with pytest.raises(TypeError):
        ss.RandomState.random_sample()  # no object
    assert _same(rs.get_state(legacy=False), theirs.get_state(legacy=False))


def test_introspection_and_pickling() -> None:
    method = ss.RandomState.random_sample
    assert isinstance(inspect.getattr_static(ss.RandomState, "random_sample"), small_call)
    assert method.__name__ == "random_sample" and "start" in method.__doc__
    assert "start" in inspect.signature(method).parameters
    assert next(iter(inspect.signature(ss.RandomState(0).random_sample).parameters)) == "size"
    gamma = ss.Generator.gamma
    assert gamma.__wrapped__ is np.random.Generator.gamma  # numpy's, as before
    assert "seedstream:" in gamma.__doc__
    rs = ss.RandomState(5)
    rs.random_sample(3)
    bound = pickle.loads(pickle.dumps(rs.random_sample))
    assert bound() == np.random.RandomState(5).random_sample(4)[3]
    assert pickle.loads(pickle.dumps(method)) is method
    assert pickle.loads(pickle.dumps(rs)).position == 6


def test_track_keeps_big_positions_and_none() -> None:
    track = Track(double_words=2)
    assert (track.words, track.lost_by, track.double_words) == (0, None, 2)
    track.words = 2**100
    assert track.words == 2**100
    track.words = None
    assert track.words is None
    with pytest.raises(TypeError, match="int or None"):
        track.words = 1.5  # type: ignore[assignment]
    rs = ss.RandomState(0)
    rs.position = 2**70
    rs.random_sample(3)
    assert rs.position == 2**70 + 6


class _Spied(np.random.RandomState):
    """A tiny class with a plain Python track: the generic attribute path."""

    class PlainTrack:
        def __init__(self) -> None:
            self.words: int | None = 0
            self.lost_by: str | None = None
            self.double_words = 2

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._track = self.PlainTrack()
        self.fallbacks = 0

    @small(np.random.RandomState.random_sample, words="double_words")
    def random_sample(self, size: Any = None, *, start: int = 0) -> Any:
        self.fallbacks += 1
        return np.random.RandomState.random_sample(self, size)

    @small(np.random.RandomState.standard_normal, lose="standard_normal()")
    def standard_normal(self, size: Any = None, *, start: int = 0) -> Any:
        self.fallbacks += 1
        return None


def test_any_object_with_words_and_lost_by() -> None:
    obj = _Spied(0)
    x = obj.random_sample(4)
    np.testing.assert_array_equal(x, np.random.RandomState(0).random_sample(4))
    assert (obj._track.words, obj.fallbacks) == (8, 0)
    obj.random_sample(4, start=1)
    assert obj.fallbacks == 1
    obj.standard_normal(2)
    assert (obj._track.words, obj._track.lost_by, obj.fallbacks) == (None, "standard_normal()", 1)
    del obj._track
    obj.random_sample()  # no track: the Python method
    assert obj.fallbacks == 2


def test_an_empty_shape_is_a_plain_call() -> None:
    # numpy's choice(n) asks its object's randint for size=(): no delivery for that
    ours, numpys = ss.RandomState(5), np.random.RandomState(5)
    with python_calls() as seen:
        got = [ours.choice(7) for _ in range(20)]
    assert got == [numpys.choice(7) for _ in range(20)]
    assert "deliver" not in seen
    ours, numpys = ss.RandomState(5), np.random.RandomState(5)
    for name in ("random_sample", "uniform", "standard_normal"):
        with python_calls() as seen:
            x = getattr(ours, name)(size=())
        y = getattr(numpys, name)(size=())
        assert type(x) is type(y) and np.shape(x) == () and x == y, name
        assert "deliver" not in seen, name
    assert ours._track.words is None and ours._track.lost_by == "standard_normal()"
    assert _same(ours.get_state(legacy=False), numpys.get_state(legacy=False))
