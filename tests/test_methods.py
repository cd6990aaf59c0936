"""The method table (``seedstream._methods``) against numpy, and the small calls it serves.

The table must name every drawing method numpy has, and the classes, the
module-level functions and :class:`~seedstream._draw.Draw` must be what it
says.  Small plain calls (no ``start=``, ``chunks=`` or ``store=``) go
straight to numpy's method with cheap position bookkeeping: their values and
state must be numpy's, and a position they keep must be the number of raw
outputs numpy's own bit generator has drawn to reach that state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import seedstream as ss
from seedstream import _functions
from seedstream._draw import Draw
from seedstream._methods import METHODS, Method, legacy_functions, method, methods

# numpy's own that seedstream leaves as they are: Generator.spawn makes numpy Generators
# from the shared bit generator's seed sequence; bit_generator is a property.
NOT_DRAWS = {"spawn", "bit_generator"}


@pytest.mark.parametrize("api", ["RandomState", "Generator"])
def test_table_names_every_numpy_method(api: str) -> None:
    base = getattr(np.random, api)
    public = {name for name in dir(base) if not name.startswith("_")} - NOT_DRAWS
    assert public == {r.name for r in methods(api)}


def test_table_rows_are_numpys_and_unique() -> None:
    keys = [(r.api, r.name) for r in METHODS]
    assert len(keys) == len(set(keys))
    for row in METHODS:
        assert callable(row.numpy), row
        if row.standard is not None:
            assert method(row.api if row.api != "numpy.random" else "RandomState", row.standard)
    # numpy's module-level functions, seedstream's extra tomaxint and the bit generator pair
    numpy_functions = {
        name
        for name in np.random.__all__
        if name[0].islower() and name != "default_rng"  # classes, and the Generator's maker
    }
    assert numpy_functions | {"tomaxint", "get_bit_generator", "set_bit_generator"} == set(
        legacy_functions()
    )


@pytest.mark.parametrize(
    "row", [r for r in METHODS if r.api in ("RandomState", "Generator")], ids=str
)
def test_class_methods_follow_the_table(row: Method) -> None:
    cls = getattr(ss, row.api)
    ours = getattr(cls, row.name)
    if row.kind in ("counted", "counted_gauss", "untracked", "ziggurat"):  # from the row
        assert ours.__wrapped__ is row.numpy
        assert "seedstream: " in ours.__doc__ and ours.__doc__.startswith(row.numpy.__doc__[:40])
    elif row.kind != "state":  # written by hand, with its own logic
        assert row.name in cls.__dict__, row


def test_module_functions_are_the_tables_on_one_global() -> None:
    assert sorted(_functions.__all__) == sorted(legacy_functions())
    assert set(legacy_functions()) <= set(ss.__all__)
    for name in legacy_functions():
        function = getattr(ss, name)
        row = method(
            "RandomState" if hasattr(np.random.RandomState, name) else "numpy.random", name
        )
        if row.kind == "state" and row.api == "numpy.random":
            assert function.__module__ == "seedstream._functions"
            continue
        assert function.__self__ is _functions._global
        named = row.alias_of if row.api == "numpy.random" else row.name
        assert function.__func__ is getattr(ss.RandomState, named)


@pytest.mark.parametrize("row", METHODS, ids=str)
def test_draw_takes_what_the_table_says(row: Method) -> None:
    api = "RandomState" if row.api == "numpy.random" else row.api
    for dtype in (*row.dtypes, "float16", "complex128"):
        if dtype in row.dtypes and row.alias_of is None:
            assert Draw(api, row.name, dtype=dtype).row is row
        else:
            with pytest.raises(NotImplementedError, match="cannot be generated"):
                Draw(api, row.name, dtype=dtype)


# --- small calls: numpy's method, and the position numpy's bit generator has reached -------

# (method, args, kwargs, whether the position stays known on MT19937)
LEGACY_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], bool]] = [
    ("random_sample", (), {}, True),
    ("random_sample", (1,), {}, True),
    ("random_sample", (10,), {}, True),
    ("random_sample", (1000,), {}, True),  # the core fills it on MT19937
    ("random_sample", ((2, 3),), {}, True),
    ("random", (4,), {}, True),
    ("rand", (), {}, True),
    ("rand", (3,), {}, True),
    ("rand", (2, 3), {}, True),
    ("uniform", (-1.0, 2.0), {}, True),
    ("uniform", (-1.0, 2.0, 10), {}, True),
    ("uniform", (-1.0, 2.0, 1000), {}, True),  # the core fills it on MT19937
    ("uniform", (np.zeros(3), 1.0), {}, True),  # array bounds broadcast: three values
    ("standard_exponential", (), {}, True),
    ("standard_exponential", (10,), {}, True),
    ("exponential", (2.0, 10), {}, True),
    ("exponential", (np.ones(3),), {}, True),
    ("randint", (0, 1024, 10), {}, True),  # a power-of-two range: every draw a value
    ("randint", (0, 2**40, 3, np.int64), {}, True),
    ("randint", (0, 256, 10, np.uint8), {}, True),  # packed in whole words per call
    ("randint", (5,), {}, False),  # masked rejection
    ("randint", (0, 1000), {}, False),
    ("bytes", (7,), {}, True),
    ("standard_normal", (3,), {}, False),
    ("randn", (), {}, False),
    ("normal", (1.0, 2.0, 4), {}, False),
    ("poisson", (3.0, 5), {}, False),
    ("beta", (2.0, 3.0, 2), {}, False),
]
GENERATOR_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], bool]] = [
    ("random", (), {}, True),
    ("random", (1,), {}, True),
    ("random", (10,), {}, True),
    ("random", (1000,), {}, True),
    ("uniform", (-1.0, 2.0), {}, True),
    ("uniform", (-1.0, 2.0, 10), {}, True),
    ("uniform", (-1.0, 2.0, 1000), {}, True),
    ("uniform", (0.0, np.ones(2)), {}, True),
    ("integers", (0, 2**40, 3), {}, True),
    ("integers", (0, 2**40 - 1, 3), {"endpoint": True}, True),
    ("integers", (0, 1000, 10), {"dtype": np.int64}, False),  # Lemire: rejects some
    ("standard_exponential", (3,), {"method": "inv"}, True),
    ("standard_exponential", (3, np.float64, "inv"), {}, True),
    ("standard_exponential", (3,), {}, False),  # the ziggurat
    ("normal", (0.0, 1.0, 3), {}, False),
    ("poisson", (3.0, 5), {}, False),
    ("choice", (5, 3), {}, False),
]


def _raw_state(bit_generator: np.random.BitGenerator) -> Any:
    state = bit_generator.state["state"]
    return {k: np.asarray(v).tolist() for k, v in state.items()}


def _check_calls(
    classes: tuple[type, type],
    fresh: Any,
    calls: list[Any],
    thirty_two_bit_tracked: bool,
    state: Any,
) -> None:
    """Each call twice on ours and on numpy's twin; then the position against numpy's raw draws.

    `thirty_two_bit_tracked`: whether 32-bit draws (bytes, randint's small ranges) keep the
    position; on a 64-bit generator the buffered half decides, and they lose it.
    """
    for name, args, kwargs, tracked in calls:
        ours, twin = classes[0](fresh()), classes[1](fresh())  # seedstream's, numpy's
        for _ in range(2):  # twice: the second call takes any rule worked out by the first
            got = getattr(ours, name)(*args, **kwargs)
            want = getattr(twin, name)(*args, **kwargs)
            assert type(got) is type(want), name
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want), strict=True)
        assert str(state(ours)) == str(state(twin)), name
        thirty_two = name == "bytes" or (name == "randint" and np.int64 not in args)
        if tracked and (thirty_two_bit_tracked or not thirty_two):
            reached = fresh()
            reached.random_raw(ours.position)
            assert _raw_state(reached) == _raw_state(state.bit_generator(ours)), name
        elif not tracked or ours._track.words is None:
            with pytest.raises(ValueError, match="position is unknown"):
                _ = ours.position


class _LegacyState:
    def __call__(self, obj: Any) -> Any:
        return np.random.RandomState.get_state(obj, legacy=False)

    @staticmethod
    def bit_generator(obj: Any) -> Any:
        return obj._bit_generator


class _GeneratorState:
    def __call__(self, obj: Any) -> Any:
        return obj.bit_generator.state

    @staticmethod
    def bit_generator(obj: Any) -> Any:
        return obj.bit_generator


@pytest.mark.parametrize("bit_generator", [np.random.MT19937, np.random.PCG64])
def test_small_legacy_calls_are_numpys(bit_generator: type[np.random.BitGenerator]) -> None:
    def fresh() -> np.random.BitGenerator:
        return bit_generator(11)

    mt = bit_generator is np.random.MT19937
    _check_calls((ss.RandomState, np.random.RandomState), fresh, LEGACY_CALLS, mt, _LegacyState())


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.Philox])
def test_small_generator_calls_are_numpys(bit_generator: type[np.random.BitGenerator]) -> None:
    def fresh() -> np.random.BitGenerator:
        return bit_generator(12)

    _check_calls(
        (ss.Generator, np.random.Generator), fresh, GENERATOR_CALLS, True, _GeneratorState()
    )


def test_small_calls_go_straight_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No plan, no Draw, no delivery for a plain small call: numpy's method and an addition."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a plain small call took the long way")

    from seedstream import _deliver

    rs, g = ss.RandomState(0), ss.default_rng(0)
    rs.randint(0, 1024, 3), g.integers(0, 2**40, 3)  # their rules, worked out once
    monkeypatch.setattr(_deliver, "deliver", refuse)
    monkeypatch.setattr(Draw, "__post_init__", refuse)
    for call in (
        lambda: rs.random_sample(),
        lambda: rs.rand(10),
        lambda: rs.uniform(0, 1, 10),
        lambda: rs.standard_normal(10),
        lambda: rs.normal(0, 1, 10),
        lambda: rs.exponential(2.0, 10),
        lambda: rs.randint(0, 1024, 3),
        lambda: rs.poisson(2.0, 3),
        lambda: g.random(10),
        lambda: g.uniform(0, 1, 10),
        lambda: g.integers(0, 2**40, 3),
        lambda: g.normal(0, 1, 10),
        lambda: g.poisson(2.0, 3),
    ):
        call()


@pytest.mark.parametrize("cls", [ss.RandomState, ss.Generator])
@pytest.mark.parametrize("start", [0, 5])
def test_bytes_counts_its_words_once(cls: type, start: int) -> None:
    """numpy's bytes draws through the object's own randint / integers, which count too."""
    ours = cls(np.random.MT19937(4))
    twin = cls.__mro__[1](np.random.MT19937(4))  # numpy's class
    assert ours.bytes(7, start=start) == twin.bytes(start + 7)[start:]
    assert ours.position == -(-(start + 7) // 4)  # 32-bit words, as numpy's MT19937 counts them
    reached = np.random.MT19937(4)
    reached.random_raw(ours.position)
    assert _raw_state(reached) == _raw_state(
        twin.bit_generator if cls is ss.Generator else twin._bit_generator
    )
