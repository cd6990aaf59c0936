"""seedstream's MT19937 draws, served by the vectorized core, against numpy and CPython.

tests/test_mtfill.py checks the core and ``fill_mt19937`` themselves.  Here it is
every way in: RandomState (methods and the module-level functions), Generator
(MT19937) ``random`` and ``uniform``, PythonRandom, dask blocks, zarr and
``.npy`` stores and ``verify_output``.  On each SIMD path this CPU runs, the
values must be numpy's (or CPython's) one-shot values bit for bit and the whole
state after must be numpy's.  A spy on ``seedstream._fill.fill_mt19937`` counts
the values the core made, so that each test fails if its wiring is removed.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream
from _compare import assert_same_bits, assert_same_state
from _simd import ALL_PATHS, forced, runnable
from seedstream import _fill, _pyrandom

SEEDS: dict[str, Any] = {
    "0": 0,
    "1": 1,
    "2**32-1": 2**32 - 1,
    "SeedSequence": np.random.SeedSequence(20261202),
}
# Both sides of numpy's threshold, and one, two and three 624-word blocks of doubles.
SIZES = (1, 623, 624, 625, 1023, 1024, 1247, 1248, 1249, 1872)
CORE_MIN = _fill.CORE_MIN_VALUES


class Spy:
    """What the core filled: one (dtype, values) per ``fill_mt19937`` call."""

    def __init__(self) -> None:
        self.calls: list[tuple[np.dtype[Any], int]] = []

    @property
    def values(self) -> int:
        return sum(n for _, n in self.calls)

    def take(self) -> int:
        """Values filled since the last take."""
        n = self.values
        self.calls.clear()
        return n


@contextlib.contextmanager
def spying() -> Iterator[Spy]:
    spy = Spy()
    original = _fill.fill_mt19937

    def counting(bit_generator: np.random.MT19937, out: np.ndarray, **kwargs: Any) -> np.ndarray:
        spy.calls.append((out.dtype, out.size))
        return original(bit_generator, out, **kwargs)

    direct = _pyrandom._core_fill  # PythonRandom's plain random(n): the core on CPython's state

    def counting_direct(key: np.ndarray, pos: int, out: np.ndarray) -> int:
        spy.calls.append((out.dtype, out.size))
        return direct(key, pos, out)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fill, "fill_mt19937", counting)
        patch.setattr(_pyrandom, "_core_fill", counting_direct)
        yield spy


@pytest.fixture
def spy() -> Iterator[Spy]:
    with spying() as watching:
        yield watching


def legacy_pair(seed: Any) -> tuple[seedstream.RandomState, np.random.RandomState]:
    if isinstance(seed, np.random.SeedSequence):
        bit_generators = np.random.MT19937(seed), np.random.MT19937(seed)
        return seedstream.RandomState(bit_generators[0]), np.random.RandomState(bit_generators[1])
    return seedstream.RandomState(seed), np.random.RandomState(seed)


def generator_pair(seed: Any) -> tuple[seedstream.Generator, np.random.Generator]:
    return seedstream.Generator(np.random.MT19937(seed)), np.random.Generator(
        np.random.MT19937(seed)
    )


def core_values(n: int, words: int = 2) -> int:
    """What the core makes of an in-memory draw of `n` values of `words` 32-bit words each:
    numpy serves fewer than CORE_MIN doubles' words."""
    return n if n * words >= 2 * CORE_MIN else 0


# (ours, numpy's, start) for RandomState: the methods numpy's random_sample serves, and uniform.
LegacyCall = Callable[[Any, int], Any]
LEGACY_CALLS: dict[str, tuple[LegacyCall, LegacyCall, int]] = {
    "random_sample": (lambda rs, n: rs.random_sample(n), lambda rs, n: rs.random_sample(n), 0),
    "random": (lambda rs, n: rs.random((n, 1)), lambda rs, n: rs.random((n, 1)), 0),
    "rand": (lambda rs, n: rs.rand(1, n), lambda rs, n: rs.rand(1, n), 0),
    "uniform": (lambda rs, n: rs.uniform(-3, 0.5, n), lambda rs, n: rs.uniform(-3, 0.5, n), 0),
    "random_sample start=311": (
        lambda rs, n: rs.random_sample(n, start=311),
        lambda rs, n: rs.random_sample(n + 311)[311:],
        311,
    ),
    "uniform start=624": (
        lambda rs, n: rs.uniform(2, 9, n, start=624),
        lambda rs, n: rs.uniform(2, 9, n + 624)[624:],
        624,
    ),
}


def rotating_seeds(turn: int) -> Iterator[tuple[str, Any, int]]:
    """(seed label, seed, size) for every size, the seeds turning: over consecutive `turn`s
    (one per call) each seed meets each call and most sizes, without crossing them all."""
    labels = list(SEEDS)
    for j, n in enumerate(SIZES):
        label = labels[(turn + j) % len(labels)]
        yield label, SEEDS[label], n


def test_random_state_in_memory(path: str, spy: Spy) -> None:
    for turn, (name, (ours_call, numpys_call, start)) in enumerate(LEGACY_CALLS.items()):
        for label, seed, n in rotating_seeds(turn):
            what = f"{path} RandomState({label}).{name}, {n}"
            ours, numpys = legacy_pair(seed)
            ours.random_sample(313), numpys.random_sample(313)  # 626 words: past a twist
            spy.take()
            assert_same_bits(ours_call(ours, n), numpys_call(numpys, n), what)
            assert spy.take() == core_values(n), f"{what}: the core did not serve"
            assert_same_state(ours, numpys, what)
            assert ours.position == 2 * (313 + start + n), what


def test_random_state_after_set_state(path: str, spy: Spy) -> None:
    """An odd word position and a cached Gaussian, set by set_state: both kept as numpy does."""
    for label, seed in SEEDS.items():
        ours, numpys = legacy_pair(seed)
        _, key, _, _, _ = numpys.get_state()
        for rs in (ours, numpys):
            rs.set_state(("MT19937", key, 311, 1, -0.25))
        for n in (1249, 5, 2 * CORE_MIN + 1):
            what = f"{path} RandomState({label}) after set_state, {n}"
            assert_same_bits(ours.random_sample(n), numpys.random_sample(n), what)
            assert spy.take() == core_values(n), what
            assert_same_state(ours.get_state(), numpys.get_state(), what)
        assert ours.standard_normal() == numpys.standard_normal() == -0.25


def test_module_level_functions(path: str, spy: Spy) -> None:
    numpys = np.random.RandomState(2**32 - 1)
    seedstream.seed(2**32 - 1)
    steps: list[tuple[str, Callable[[int], Any], Callable[[int], Any]]] = [
        ("random_sample", seedstream.random_sample, numpys.random_sample),
        ("random", seedstream.random, numpys.random_sample),
        ("rand", seedstream.rand, numpys.rand),
        ("ranf", seedstream.ranf, numpys.random_sample),
        ("sample", seedstream.sample, numpys.random_sample),
        ("uniform", lambda n: seedstream.uniform(-1, 1, n), lambda n: numpys.uniform(-1, 1, n)),
    ]
    for n in (1025, 7, 1249):
        for name, ours_call, numpys_call in steps:
            what = f"{path} seedstream.{name}({n})"
            assert_same_bits(ours_call(n), numpys_call(n), what)
            assert spy.take() == core_values(n), what
            assert_same_state(seedstream.get_state(legacy=False), numpys, what)


# (ours, numpy's, 32-bit words per value) for Generator(MT19937).
GeneratorCall = Callable[[Any, int], Any]
GENERATOR_CALLS: dict[str, tuple[GeneratorCall, GeneratorCall, int]] = {
    "random": (lambda g, n: g.random(n), lambda g, n: g.random(n), 2),
    "random (n, 1)": (lambda g, n: g.random((n, 1)), lambda g, n: g.random((n, 1)), 2),
    "random float32": (
        lambda g, n: g.random(n, dtype=np.float32),
        lambda g, n: g.random(n, dtype=np.float32),
        1,
    ),
    "random 'f4' (1, n)": (
        lambda g, n: g.random((1, n), "f4"),
        lambda g, n: g.random((1, n), np.float32),
        1,
    ),
    "random out=": (
        lambda g, n: g.random(out=np.empty(n)),
        lambda g, n: g.random(out=np.empty(n)),
        2,
    ),
    "random float32 out= (n, 1)": (
        lambda g, n: g.random((n, 1), np.float32, out=np.empty((n, 1), np.float32)),
        lambda g, n: g.random((n, 1), np.float32, out=np.empty((n, 1), np.float32)),
        1,
    ),
    "uniform": (lambda g, n: g.uniform(-2.5, 7, n), lambda g, n: g.uniform(-2.5, 7, n), 2),
    "uniform int bounds": (
        lambda g, n: g.uniform(-(2**53), 2**53, n),
        lambda g, n: g.uniform(-(2**53), 2**53, n),
        2,
    ),
    "uniform empty span": (lambda g, n: g.uniform(3, 3, n), lambda g, n: g.uniform(3, 3, n), 2),
}


def test_generator_in_memory(path: str, spy: Spy) -> None:
    for turn, (name, (ours_call, numpys_call, words)) in enumerate(GENERATOR_CALLS.items()):
        for label, seed, doubles in rotating_seeds(turn):
            n = doubles * 2 // words  # float32: as many words as the doubles'
            what = f"{path} Generator(MT19937({label})).{name}, {n}"
            ours, numpys = generator_pair(seed)
            ours.random(3, dtype=np.float32), numpys.random(3, dtype=np.float32)  # odd
            spy.take()
            assert_same_bits(ours_call(ours, n), numpys_call(numpys, n), what)
            assert spy.take() == core_values(n, words), f"{what}: the core did not serve"
            assert_same_state(ours, numpys, what)
            assert ours.position == 3 + words * n, what


def test_generator_out_is_filled_in_place(path: str, spy: Spy) -> None:
    ours, numpys = generator_pair(SEEDS["SeedSequence"])
    for dtype in (np.float64, np.float32):
        out = np.full((3, 700), np.nan, dtype)
        assert ours.random(out=out, dtype=dtype) is out
        assert_same_bits(out, numpys.random((3, 700), dtype), f"{path} out= {np.dtype(dtype)}")
        assert spy.take() == out.size
    out = np.empty(2101, np.float32)
    assert ours.random(out=out, dtype=np.float32, start=5) is out  # from an odd word
    assert_same_bits(out, numpys.random(5 + 2101, np.float32)[5:], f"{path} out= after start=5")
    assert spy.take() == out.size
    assert_same_state(ours, numpys)
    assert ours.position == 3 * 700 * 3 + 5 + 2101


def test_generator_starts_leave_odd_word_positions(path: str, spy: Spy) -> None:
    for label, seed in SEEDS.items():
        for start in (1, 311, 623, 625, 1247):
            for dtype, words in ((np.float32, 1), (np.float64, 2)):
                n = 2498 // words + 1  # 1249 doubles, 2499 float32s: the same words, near enough
                what = f"{path} Generator(MT19937({label})) {np.dtype(dtype)} start={start}"
                ours, numpys = generator_pair(seed)
                ours.random(start, dtype=np.float32), numpys.random(start, dtype=np.float32)
                spy.take()
                # float32 at `start`, then the next draw from an odd word when start is odd
                got = ours.random(n, dtype=dtype, start=start)
                assert_same_bits(got, numpys.random(start + n, dtype=dtype)[start:], what)
                assert_same_bits(ours.uniform(0, 2, CORE_MIN), numpys.uniform(0, 2, CORE_MIN), what)
                assert spy.take() == n + CORE_MIN, f"{what}: the core did not serve"
                assert_same_state(ours, numpys, what)
                assert ours.position == start + words * (start + n) + 2 * CORE_MIN, what


def test_float32_and_float64_interleaved(path: str, spy: Spy) -> None:
    steps: list[tuple[str, Any, int]] = [
        ("f32", 3, 1), ("f64", 1300, 2), ("f32", 1025, 1), ("out64", (2, 555), 2),
        ("uniform", 1500, 2), ("f32", 1, 1), ("f64", 1249, 2), ("out32", (3, 701), 1),
        ("f64", 5, 2), ("f32", 2049, 1), ("uniform", 1024, 2), ("f64", 1024, 2),
    ]  # fmt: skip
    for label in ("2**32-1", "SeedSequence"):
        ours, numpys = generator_pair(SEEDS[label])
        words = 0
        for step, (kind, size, per_value) in enumerate(steps):
            results = []
            for g in (ours, numpys):
                if kind == "f32":
                    results.append(g.random(size, dtype=np.float32))
                elif kind == "f64":
                    results.append(g.random(size))
                elif kind == "uniform":
                    results.append(g.uniform(-1, 1e-3, size))
                else:
                    dtype = np.float64 if kind == "out64" else np.float32
                    results.append(g.random(dtype=dtype, out=np.empty(size, dtype)))
            n = int(np.prod(size))
            words += per_value * n
            what = f"{path} Generator(MT19937({label})) step {step}: {kind} {size}"
            assert_same_bits(results[0], results[1], what)
            assert spy.take() == core_values(n, per_value), what
            assert_same_state(ours, numpys, what)
            assert ours.position == words, what


def test_python_random(path: str, spy: Spy) -> None:
    for seed in (0, 1, 2**32 - 1, 2**40 + 5):
        ours, cpythons = seedstream.PythonRandom(seed), random.Random(seed)
        what = f"{path} PythonRandom({seed})"
        assert_same_bits(
            ours.random(1249), np.array([cpythons.random() for _ in range(1249)]), what
        )
        assert ours.random() == cpythons.random(), what
        for _ in range(7):
            cpythons.random()
        assert_same_bits(
            ours.random(1030, start=7), np.array([cpythons.random() for _ in range(1030)]), what
        )
        assert spy.take() == 1249 + 1030, f"{what}: the core did not serve"
        assert ours.getstate() == cpythons.getstate(), what
        assert ours.position == 2 * (1249 + 1 + 7 + 1030), what


# Lazy draws: (name, our object, numpy's, our call (n, start=, ...), numpy's one-shot call).
Lazy = Callable[..., Any]
LAZY_DRAWS: list[tuple[str, Callable[[], Any], Callable[[], Any], Lazy, Lazy]] = [
    (
        "RandomState(2**32-1).random_sample",
        lambda: seedstream.RandomState(2**32 - 1),
        lambda: np.random.RandomState(2**32 - 1),
        lambda o, n, **kw: o.random_sample(n, **kw),
        lambda o, n: o.random_sample(n),
    ),
    (
        "RandomState(0).uniform",
        lambda: seedstream.RandomState(0),
        lambda: np.random.RandomState(0),
        lambda o, n, **kw: o.uniform(2, 5, n, **kw),
        lambda o, n: o.uniform(2, 5, n),
    ),
    (
        "Generator(MT19937(SeedSequence)).random float32",
        lambda: seedstream.Generator(np.random.MT19937(SEEDS["SeedSequence"])),
        lambda: np.random.Generator(np.random.MT19937(SEEDS["SeedSequence"])),
        lambda o, n, **kw: o.random(n, dtype=np.float32, **kw),
        lambda o, n: o.random(n, dtype=np.float32),
    ),
    (
        "Generator(MT19937(1)).uniform",
        lambda: seedstream.Generator(np.random.MT19937(1)),
        lambda: np.random.Generator(np.random.MT19937(1)),
        lambda o, n, **kw: o.uniform(-1, 1, n, **kw),
        lambda o, n: o.uniform(-1, 1, n),
    ),
]
LAZY_IDS = [d[0] for d in LAZY_DRAWS]


def check_lazy(
    draw: tuple[str, Callable[[], Any], Callable[[], Any], Lazy, Lazy],
    spy: Spy,
    n: int,
    start: int,
    read: Callable[[Any], np.ndarray],
    **kwargs: Any,
) -> None:
    name, make_ours, make_numpys, ours_call, numpys_call = draw
    what = f"{name} n={n} start={start} {kwargs}"
    ours, numpys = make_ours(), make_numpys()
    expected = numpys_call(numpys, start + n)[start:]
    spy.take()
    assert_same_bits(read(ours_call(ours, n, start=start, **kwargs)), expected, what)
    assert spy.take() == n, f"{what}: the core did not make every block"
    assert_same_state(ours, numpys, what)


@pytest.mark.parametrize("draw", LAZY_DRAWS, ids=LAZY_IDS)
def test_dask_blocks(path: str, spy: Spy, draw: Any) -> None:
    def compute(lazy: Any) -> np.ndarray:
        return np.asarray(lazy.compute(scheduler="threads"))

    for n, start, chunks in ((1300, 311, 624), (1249, 623, 625), (1248, 1, 623), (5, 3, 1)):
        check_lazy(draw, spy, n, start, compute, chunks=chunks)


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
def test_stores_and_verify(path: str, spy: Spy, tmp_path: Path, suffix: str) -> None:
    for i, draw in enumerate(LAZY_DRAWS[1:3]):
        where = tmp_path / f"x{i}{suffix}"
        check_lazy(
            draw, spy, 1250, 3, lambda a: np.array(a[...]), chunks=624, store=where, progress=False
        )
        assert seedstream.verify_output(where, sample=None).status == "ok"
        assert spy.take() == 1250, f"{draw[0]} {suffix}: verify did not regenerate by the core"


def test_a_million_and_one_once(spy: Spy) -> None:
    ours, numpys = generator_pair(SEEDS["SeedSequence"])
    ours.random(1, dtype=np.float32), numpys.random(1, dtype=np.float32)
    assert_same_bits(ours.random(10**6 + 1), numpys.random(10**6 + 1), "10**6+1 from an odd word")
    assert spy.values == 10**6 + 1
    assert_same_state(ours, numpys)


def test_numpy_serves_the_rest(spy: Spy) -> None:
    """Other bit generators, outs the core does not fill, array bounds, and numpy's errors."""
    calls: dict[str, Callable[[Any], Any]] = {
        "PCG64": lambda g: g.random(5000),
        "F-ordered out": lambda g: g.random(out=np.empty((40, 50), order="F")),
        "strided out": lambda g: g.random(out=np.empty(5000)[::2]),
        "array bounds": lambda g: g.uniform(np.zeros(2000), 1.0),
        "numpy float bounds": lambda g: g.uniform(np.float32(0.5), 1.0, 2000),
        "list size": lambda g: g.random([2000]),
        "size is not out's shape": lambda g: g.random(2000, out=np.empty(2001)),
        "wrong out dtype": lambda g: g.random(out=np.empty(2000, np.float32)),
        "byte-swapped out": lambda g: g.random(out=np.empty(2000, ">f8"), dtype=">f8"),
        "unsupported dtype": lambda g: g.random(2000, dtype=np.int32),
        "high < low": lambda g: g.uniform(2.0, 1.0, 2000),
        "span too wide": lambda g: g.uniform(-1e308, 1e308, 2000),
        "nan bound": lambda g: g.uniform(0.0, float("nan"), 2000),
        "int bound past 2**53": lambda g: g.uniform(0, 2**60 + 1, 2000),
    }
    for name, call in calls.items():
        bit_generator = np.random.PCG64 if name == "PCG64" else np.random.MT19937
        ours = seedstream.Generator(bit_generator(5))
        numpys = np.random.Generator(bit_generator(5))
        try:
            expected = call(numpys)
        except Exception as error:
            with pytest.raises(type(error), match=re.escape(str(error))):
                call(ours)
        else:
            assert_same_bits(call(ours), expected, name)
        assert spy.values == 0, f"{name}: the core served what numpy must"
        assert_same_state(ours, numpys, name)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    start=st.integers(0, 3000),
    size=st.integers(0, 3000),
    chunks=st.none() | st.integers(300, 3000),
    single=st.booleans(),
    path=st.sampled_from(ALL_PATHS),
)
def test_hypothesis(
    seed: int, start: int, size: int, chunks: int | None, single: bool, path: str
) -> None:
    path = runnable(path)
    dtype = np.float32 if single else np.float64
    with forced(path), spying() as spy:
        ours, numpys = generator_pair(seed)
        ours.random(1, dtype=np.float32), numpys.random(1, dtype=np.float32)
        expected = numpys.random(start + size, dtype=dtype)[start:]
        got = ours.random(size, dtype=dtype, start=start, chunks=chunks)
        if chunks is not None:
            got = got.compute(scheduler="threads")
        what = f"{path} seed={seed} start={start} size={size} chunks={chunks} {dtype.__name__}"
        assert_same_bits(got, expected, what)
        words = 1 if single else 2
        assert spy.values == (size if chunks is not None else core_values(size, words)), what
        assert_same_state(ours, numpys, what)
        assert ours.position == 1 + words * (start + size), what
