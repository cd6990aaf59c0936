"""``PythonRandom``'s methods beyond ``random()`` against CPython's own ``random.Random``.

The oracle is always :class:`random.Random` with the same seed: its values, its
exceptions and its state (``getstate()``, the cached Gaussian included).  For
starts too far for CPython to draw, CPython's state is moved with
:func:`seedstream.advance` on a numpy MT19937 and handed back to a
``random.Random``, whose own method then makes the expected values.
"""

from __future__ import annotations

import inspect
import math
import pickle
import random
import warnings
from typing import Any

import numpy as np
import pytest

import seedstream as ss

SEEDS = [0, -7, 2**70 + 3, "seed", b"\x01\xff"]

# (method, CPython's arguments); every drawing method, with ordinary and edge parameters
CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("random", ()),
    ("uniform", (-2.0, 3.5)),
    ("uniform", (3, 1)),
    ("triangular", ()),
    ("triangular", (1.0, 5.0, 4.5)),
    ("triangular", (2.0, 2.0)),  # low == high: CPython returns low without dividing
    ("expovariate", (0.5,)),
    ("paretovariate", (2.5,)),
    ("weibullvariate", (1.5, 0.7)),
    ("getrandbits", (0,)),
    ("getrandbits", (1,)),
    ("getrandbits", (32,)),
    ("getrandbits", (33,)),
    ("getrandbits", (200,)),
    ("randrange", (10,)),
    ("randrange", (-5, 2**40, 3)),
    ("randrange", (10**30,)),
    ("randint", (1, 6)),
    ("randint", (-(2**70), 2**70)),
    ("choice", ("abcdefg",)),
    ("choice", (range(3, 10**12, 7),)),
    ("gauss", ()),
    ("gauss", (5.0, 0.1)),
    ("normalvariate", (1.0, 2.0)),
    ("lognormvariate", (0.5, 0.25)),
    ("vonmisesvariate", (1.0, 4.0)),
    ("vonmisesvariate", (0.0, 1e-7)),  # tiny kappa: CPython's uniform-angle branch
    ("gammavariate", (0.5, 2.0)),
    ("gammavariate", (1.0, 1.0)),
    ("gammavariate", (7.5, 0.5)),
    ("betavariate", (2.0, 3.0)),
]
if hasattr(random.Random, "binomialvariate"):  # Python 3.12+
    CALLS += [("binomialvariate", (20, 0.3)), ("binomialvariate", (10**6, 0.5))]

#: The methods whose values take a fixed number of words: start= is a jump.
FIXED = {"random", "uniform", "triangular", "expovariate", "paretovariate", "weibullvariate"}
FIXED_CALLS = [c for c in CALLS if c[0] in FIXED or c[0] == "getrandbits"]
#: All that take start=: gauss (pairs of values and the cache), _randbelow's and
#: normalvariate's (counted) too.
STARTS = FIXED | {"getrandbits", "gauss", "randint", "choice", "normalvariate", "lognormvariate"}
#: ... and by CPython's own calls, those whose attempts vary in length.
STARTS |= {"vonmisesvariate", "gammavariate", "betavariate", "binomialvariate"}
START_CALLS = [c for c in CALLS if c[0] in STARTS]


def call_id(call: tuple[str, tuple[Any, ...]]) -> str:
    name, args = call
    return f"{name}{args}"[:50]


def python_at(r: random.Random, words: int) -> random.Random:
    """A copy of CPython's generator `r`, moved `words` 32-bit words ahead by the jump."""
    _, internal, gauss_next = r.getstate()
    bg = np.random.MT19937(0)
    bg.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(internal[:624], dtype=np.uint32), "pos": internal[624]},
    }
    state = ss.advance(bg, words).state["state"]
    out = random.Random()
    out.setstate((3, (*state["key"].tolist(), int(state["pos"])), gauss_next))
    return out


def assert_position(ours: ss.PythonRandom, r: random.Random) -> None:
    """`ours.position` words from its stream's start is where CPython's `r` is."""
    bg = ours.stream.bit_generator_at(ours.position)
    copy = random.Random()
    copy.setstate(r.getstate())
    assert bg.random_raw(4).tolist() == [copy.getrandbits(32) for _ in range(4)]


def same(x: Any, y: Any) -> bool:
    """Equal and of the same type (nan equal to nan)."""
    if type(x) is not type(y):
        return False
    return x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))


@pytest.mark.parametrize("seed", SEEDS, ids=repr)
def test_every_call_is_cpythons(seed: Any) -> None:
    """Each method, in turn on one object: CPython's values, state and a position kept exact."""
    ours, r = ss.PythonRandom(seed), random.Random(seed)
    for name, args in CALLS * 2:
        got, want = getattr(ours, name)(*args), getattr(r, name)(*args)
        assert same(got, want), (name, args)
        assert ours.getstate() == r.getstate(), (name, args)
    assert ours.gauss_next is not None or r.gauss_next is None
    assert_position(ours, r)


def test_plain_calls_are_counted_in_c() -> None:
    """A spy: a plain call moves the position by its own words, as CPython draws them."""
    ours = ss.PythonRandom(1)
    ours.random()
    assert ours.position == 2
    ours.getrandbits(65)
    assert ours.position == 5
    ours.getrandbits(0)
    assert ours.position == 5
    ours.uniform(0, 1)
    assert ours.position == 7


@pytest.mark.parametrize("call", CALLS, ids=call_id)
def test_size_is_a_loop_of_calls(call: tuple[str, tuple[Any, ...]]) -> None:
    name, args = call
    ours, r = ss.PythonRandom(11), random.Random(11)
    r.gauss()  # a cached Gaussian on both sides: gauss() must use it first
    ours.gauss()
    got = getattr(ours, name)(*args, size=(2, 3))
    want = [getattr(r, name)(*args) for _ in range(6)]
    if name == "choice":
        assert got == want
    else:
        assert isinstance(got, np.ndarray) and got.shape == (2, 3)
        assert got.ravel().tolist() == want
        kind = "f" if isinstance(want[0], float) else "iuO"
        assert got.dtype.kind in kind
    assert ours.getstate() == r.getstate()
    assert_position(ours, r)


def test_big_ints_come_as_objects() -> None:
    ours, r = ss.PythonRandom(5), random.Random(5)
    got = ours.getrandbits(100, size=4)
    assert got.dtype == object and got.tolist() == [r.getrandbits(100) for _ in range(4)]
    got = ours.getrandbits(64, size=4)
    assert got.dtype.kind in "iu" and got.tolist() == [r.getrandbits(64) for _ in range(4)]


@pytest.mark.parametrize("call", START_CALLS, ids=call_id)
@pytest.mark.parametrize("k", [0, 1, 2, 623, 2000, 5001])
@pytest.mark.parametrize("cached", [False, True], ids=["", "cached"])
def test_start_skips_values(call: tuple[str, tuple[Any, ...]], k: int, cached: bool) -> None:
    """start=k equals CPython's k+1.. calls after k of them (its sequential run)."""
    name, args = call
    ours, r = ss.PythonRandom("start"), random.Random("start")
    if cached:  # a cached Gaussian: gauss() takes it first, the others leave it be
        r.gauss()
        ours.gauss()
    want = [getattr(r, name)(*args) for _ in range(k + 5)][k:]
    got = getattr(ours, name)(*args, size=5, start=k)
    assert list(got) == want
    assert ours.getstate() == r.getstate()
    assert_position(ours, r)
    assert same(getattr(ours, name)(*args, start=0), getattr(r, name)(*args))


def test_normalvariate_start_beyond_one_batch_of_the_count() -> None:
    """10**6 values take more attempts than one batch of the count (2**20): CPython's loop."""
    k = 10**6 + 3
    ours, r = ss.PythonRandom(2026), random.Random(2026)
    want = [r.lognormvariate(0.5, 0.25) for _ in range(k + 2)][k:]
    assert ours.lognormvariate(0.5, 0.25, size=2, start=k).tolist() == want
    assert ours.getstate() == r.getstate()


@pytest.mark.parametrize("call", FIXED_CALLS, ids=call_id)
def test_far_start_is_jumped(call: tuple[str, tuple[Any, ...]]) -> None:
    """Beyond 10**7 values: CPython's own method on CPython's state moved by the jump."""
    name, args = call
    k = 10**12 + 7
    ours, r = ss.PythonRandom(-3), random.Random(-3)
    words_per_value = ours.position
    getattr(ours, name)(*args)  # counts one value's words
    words_per_value = ours.position - words_per_value
    getattr(r, name)(*args)
    moved = python_at(r, k * words_per_value)
    got = getattr(ours, name)(*args, start=k)
    assert same(got, getattr(moved, name)(*args))
    assert ours.getstate() == moved.getstate()
    assert ours.position == (k + 2) * words_per_value


def test_start_of_a_scalar_is_cpythons_value() -> None:
    ours, r = ss.PythonRandom(8), random.Random(8)
    for _ in range(3):
        r.expovariate(1.0)
    assert same(ours.expovariate(1.0, start=3), r.expovariate(1.0))
    assert ours.getstate() == r.getstate()


VARYING = sorted({"vonmisesvariate", "gammavariate", "betavariate"} & {c[0] for c in CALLS})


@pytest.mark.parametrize("name", VARYING)
def test_varying_methods_refuse_chunks(name: str) -> None:
    args = dict(CALLS)[name]
    ours = ss.PythonRandom(1)
    before = ours.getstate()
    with pytest.raises(NotImplementedError, match="chunks="):
        getattr(ours, name)(*args, size=3, chunks=2)
    with pytest.raises(NotImplementedError, match="chunks="):
        getattr(ours, name)(*args, size=3, start=4, store="unused.zarr")
    assert ours.getstate() == before and ours.position == 0


@pytest.mark.parametrize(
    "call",
    [
        ("randrange", (0,)),
        ("randrange", (5, 5)),
        ("randrange", (1, 10, 0)),
        ("randrange", (1.5,)),
        ("randint", (6, 1)),
        ("choice", ([],)),
        ("getrandbits", (-1,)),
        ("getrandbits", (1.5,)),
        ("expovariate", (0.0,)),
        ("paretovariate", (0.0,)),
        ("weibullvariate", (1.0, 0.0)),
        ("gammavariate", (-1.0, 1.0)),
        ("uniform", ("a", 1.0)),
        ("triangular", (0.0, 1.0, "x")),
        ("sample", ([1, 2], 3)),
        ("choices", ([1, 2],), {"weights": [1], "k": 2}),
    ],
    ids=lambda call: f"{call[0]}{call[1]}"[:40],
)
def test_errors_are_cpythons(call: tuple[Any, ...]) -> None:
    """The same exception and message, and nothing drawn, with or without size= and start=."""
    name, args, kwargs = (*call, {}) if len(call) == 2 else call
    with warnings.catch_warnings():  # randrange(1.5) warns before it raises
        warnings.simplefilter("ignore", DeprecationWarning)
        r = random.Random(2)
        with pytest.raises(Exception) as expected:
            getattr(r, name)(*args, **kwargs)
        # some raise after drawing (expovariate(0.0) divides by zero after its random())
        after = r.getstate()
        variants: list[dict[str, Any]] = [{}]
        if name not in ("sample", "choices"):
            variants.append({"size": 3})  # a loop of calls: stops at the first, as CPython's
            if name in STARTS:
                variants.append({"size": 3, "start": 10**9})  # refused before the jump
        for extra in variants:
            ours = ss.PythonRandom(2)
            with pytest.raises(type(expected.value)) as got:
                getattr(ours, name)(*args, **kwargs, **extra)
            assert str(got.value) == str(expected.value), extra
            if "start" in extra:
                assert ours.getstate() == random.Random(2).getstate() and ours.position == 0
            else:
                assert ours.getstate() == after
                assert_position(ours, r)


def test_in_memory_methods_are_cpythons() -> None:
    ours, r = ss.PythonRandom("mem"), random.Random("mem")
    a, b = list(range(50)), list(range(50))
    ours.shuffle(a)
    r.shuffle(b)
    assert a == b
    assert ours.sample(range(10**9), 20) == r.sample(range(10**9), 20)
    assert ours.sample("abcde", 3, counts=[1, 2, 3, 4, 5]) == r.sample(
        "abcde", 3, counts=[1, 2, 3, 4, 5]
    )
    assert ours.choices("abc", k=10) == r.choices("abc", k=10)
    assert ours.choices("abc", cum_weights=[1, 5, 6], k=10) == r.choices(
        "abc", cum_weights=[1, 5, 6], k=10
    )
    assert ours.getstate() == r.getstate()
    assert_position(ours, r)


def test_binomialvariate_where_python_has_it() -> None:
    assert hasattr(ss.PythonRandom, "binomialvariate") == hasattr(random.Random, "binomialvariate")


@pytest.mark.parametrize("seed", [*SEEDS, 2.5, True])
def test_seed_and_reseed(seed: Any) -> None:
    ours, r = ss.PythonRandom(0), random.Random(0)
    ours.gauss()
    ours.seed(seed)
    r.seed(seed)
    assert ours.getstate() == r.getstate() and ours.position == 0
    assert same(ours.gauss(), r.gauss())


@pytest.mark.parametrize("seed", ["abc", b"abc"])
def test_version_1_seeds(seed: Any) -> None:
    ours, r = ss.PythonRandom(), random.Random()
    ours.seed(seed, version=1)
    r.seed(seed, version=1)
    assert ours.getstate() == r.getstate()
    assert ours.random(3, start=10).tolist() == [r.random() for _ in range(13)][10:]


def test_no_seed_is_entropy_with_a_stream() -> None:
    ours = ss.PythonRandom()
    r = random.Random()
    r.setstate(ours.getstate())
    assert ours.randint(0, 10**9) == r.randint(0, 10**9)
    assert_position(ours, r)


def test_setstate_carries_the_cached_gaussian() -> None:
    r = random.Random(4)
    r.gauss()
    ours = ss.PythonRandom(9)
    ours.setstate(r.getstate())
    assert ours.gauss() == r.gauss() and ours.getstate() == r.getstate()
    with pytest.raises(ValueError, match="position"):
        _ = ours.position
    ours.position = 10  # known again: seeking clears the cached Gaussian, as seeding does
    assert ours.gauss_next is None
    r = random.Random(9)
    assert ours.random() == [r.random() for _ in range(6)][5]


def test_pickle_keeps_state_and_position() -> None:
    ours, r = ss.PythonRandom(3), random.Random(3)
    for x in (ours, r):
        x.gauss()
        x.randint(1, 100)
    back = pickle.loads(pickle.dumps(ours))
    assert back.getstate() == r.getstate() and back.position == ours.position
    assert back.stream == ours.stream
    assert back.gauss() == r.gauss()


@pytest.mark.parametrize("n", [1, 512, 513])
def test_uniform_small_arrays_are_cpython_s_calls(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # up to 512 values in memory, a loop of CPython's calls; beyond, the core's doubles on
    # CPython's state and CPython's formula (both CPython's values and state, and the
    # position after them)
    routed: list[int] = []
    real = ss.PythonRandom._uniform_numpy

    def spy(self: Any, bound: Any, size: Any, **kw: Any) -> Any:
        routed.append(size)
        return real(self, bound, size, **kw)

    monkeypatch.setattr(ss.PythonRandom, "_uniform_numpy", spy)
    r, ours = random.Random(8), ss.PythonRandom(8)
    want = [r.uniform(-1.5, 2.0) for _ in range(n)]
    assert ours.uniform(-1.5, 2.0, size=n).tolist() == want
    assert ours.getstate() == r.getstate() and ours.position == 2 * n
    assert routed == ([] if n <= 512 else [n])
    assert ours.uniform(0.0, 1.0) == r.uniform(0.0, 1.0)


def test_uniform_chunks_and_store(tmp_path: Any) -> None:
    """uniform's arrays come from numpy's uniform: the same doubles as CPython's formula."""
    da = pytest.importorskip("dask.array")
    bounds = (-1.25e10, 7.0 / 3.0)
    r = random.Random(21)
    want = [r.uniform(*bounds) for _ in range(1300)]
    lazy = ss.PythonRandom(21).uniform(*bounds, size=1000, start=300, chunks=128)
    assert isinstance(lazy, da.Array)
    assert lazy.compute().tolist() == want[300:]
    ours = ss.PythonRandom(21)
    stored = ours.uniform(*bounds, size=1300, store=str(tmp_path / "u.npy"))
    assert np.asarray(stored).tolist() == want
    assert ours.getstate() == r.getstate()
    ours = ss.PythonRandom(21)
    assert ours.uniform(*bounds, size=1300).tolist() == want  # in memory, by numpy, too
    with pytest.raises(NotImplementedError, match="finite"):
        ours.uniform(-1e308, 1e308, size=10, chunks=5)
    r = random.Random(2)  # b - a overflows: CPython's loop, not numpy's (which would refuse)
    want = [r.uniform(-1e308, 1e308) for _ in range(3)]
    assert ss.PythonRandom(2).uniform(-1e308, 1e308, size=3).tolist() == want


@pytest.mark.parametrize(
    "call",
    [
        ("expovariate", (3.0,)),
        ("getrandbits", (40,)),
        ("gauss", (1.0, 2.0)),
        ("randint", (0, 2**40)),
    ],
    ids=call_id,
)
def test_moderate_start_against_cpythons_run(call: tuple[str, tuple[Any, ...]]) -> None:
    """Our jump against CPython drawing every value before it (10**5 of them)."""
    name, args = call
    k = 100_003
    r = random.Random(2026)
    method = getattr(r, name)
    for _ in range(k):
        method(*args)
    ours = ss.PythonRandom(2026)
    assert getattr(ours, name)(*args, size=3, start=k).tolist() == [method(*args) for _ in range(3)]
    assert ours.getstate() == r.getstate()


@pytest.mark.parametrize("k", [2 * 10**12, 2 * 10**12 + 1])
def test_far_gauss(k: int) -> None:
    """gauss makes values in pairs from four words: CPython's gauss on its state jumped."""
    ours, r = ss.PythonRandom(77), random.Random(77)
    moved = python_at(r, 4 * (k // 2))
    want = [moved.gauss(0.5, 3.0) for _ in range(3 + k % 2)][k % 2 :]
    assert ours.gauss(0.5, 3.0, size=3, start=k).tolist() == want
    assert ours.getstate() == moved.getstate()


def test_randrange_keeps_its_own_start() -> None:
    """randrange(start, stop, step): there start= is CPython's parameter, not a skip."""
    ours, r = ss.PythonRandom(5), random.Random(5)
    assert ours.randrange(start=10, stop=20, size=4).tolist() == [
        r.randrange(start=10, stop=20) for _ in range(4)
    ]
    assert ours.randrange(start=3) == r.randrange(start=3)
    assert ours.getstate() == r.getstate()


def test_counted_start_of_big_ranges() -> None:
    """_randbelow beyond 32 bits: attempts of several words, compared most significant first."""
    for n in (2**32, 2**32 + 1, 3 * 2**40 + 17, 2**64 - 1, 10**30):
        ours, r = ss.PythonRandom(n), random.Random(n)
        want = [r.randint(0, n - 1) for _ in range(3003)][3000:]
        assert ours.randint(0, n - 1, size=3, start=3000).tolist() == want
        assert ours.getstate() == r.getstate()


@pytest.mark.parametrize(
    "method, args, seed, beyond",
    [
        ("randint", (1, 6), 11, 0),
        ("choice", ("abcdefg",), 11, 0),
        # one word short only past the 64 values CPython makes again: the end check sees it
        # when the count's last attempt is then a rejected one (so it is for seed 12)
        ("randint", (1, 6), 12, 64),
    ],
)
def test_an_injected_miscount_of_a_skip_raises_and_moves_nothing(
    method: str, args: tuple[Any, ...], seed: int, beyond: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A skip's count one word short, from the first value or only past the values CPython
    makes again: the self-check raises, and the object stands where the call found it."""
    import seedstream._pyrandom as pyrandom

    real = pyrandom.below_words

    def short(key: np.ndarray, pos: int, n: int, k: int) -> int:
        return real(key, pos, n, k) - (k > beyond)

    monkeypatch.setattr(pyrandom, "below_words", short)
    ours, r = ss.PythonRandom(seed), random.Random(seed)
    getattr(ours, method)(*args)
    getattr(r, method)(*args)
    before = ours.position
    with pytest.raises(ss.SelfCheckError, match="self-check failed"):
        getattr(ours, method)(*args, size=2, start=500)
    assert ours.getstate() == r.getstate() and ours.position == before
    monkeypatch.setattr(pyrandom, "below_words", real)
    want = [getattr(r, method)(*args) for _ in range(502)][500:]
    assert list(getattr(ours, method)(*args, size=2, start=500)) == want


BELOW_CALLS = [  # (method, CPython's arguments, whether drawn at once)
    ("randint", (1, 6), True),
    ("randint", (0, 0), True),  # n = 1: every attempt is one bit
    ("randint", (0, 2**32 - 2), True),  # n = 2**32 - 1: the widest one word takes
    ("randint", (-(2**31), 2**31 - 1), False),  # n = 2**32: two words an attempt, the loop
    ("randrange", (10**18, -(10**18), -(10**15 + 7)), True),
    ("randrange", (2**63 - 5, 2**63 + 5), False),  # beyond int64: CPython's loop
    ("choice", ("abcdefghij",), True),
    ("choice", (list(range(1000)),), True),
]


@pytest.mark.parametrize("call", BELOW_CALLS, ids=lambda call: call_id(call[:2]))
def test_big_sizes_of_randbelow_at_once(
    call: tuple[str, tuple[Any, ...], bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From 1024 values on, randint/randrange/choice draw at once: CPython's loop's values."""
    import seedstream._pyrandom as pyrandom

    calls = []
    real = pyrandom.below_values

    def spy(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(pyrandom, "below_values", spy)
    name, args, at_once = call
    ours, r = ss.PythonRandom(31), random.Random(31)
    got = getattr(ours, name)(*args, size=3000)
    assert list(got) == [getattr(r, name)(*args) for _ in range(3000)]
    assert ours.getstate() == r.getstate()
    assert_position(ours, r)
    assert bool(calls) == at_once


def test_signatures_are_cpythons_and_ours() -> None:
    for row in ss._pyrandom.METHODS:
        theirs = inspect.signature(getattr(random.Random, row.name)).parameters
        ours = inspect.signature(getattr(ss.PythonRandom, row.name)).parameters
        assert list(ours)[: len(theirs)] == list(theirs)
        ours_only = {n for n, p in ours.items() if p.kind == p.KEYWORD_ONLY and n not in theirs}
        assert ours_only == {"size", "chunks", "store"} | ({"start"} if row.skip else set())


LOOP = ss._pyrandom._SMALL_RANDOM


@pytest.mark.parametrize("n", [0, 1, LOOP - 1, LOOP, LOOP + 1, 2000, 2**16 + 3])
def test_random_sizes_on_either_side_of_the_loop(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """random(n): CPython's calls up to _SMALL_RANDOM, the core on CPython's state beyond."""
    cores: list[int] = []
    core = ss._pyrandom._core_fill
    monkeypatch.setattr(
        ss._pyrandom,
        "_core_fill",
        lambda key, pos, out: cores.append(out.size) or core(key, pos, out),
    )
    ours, r = ss.PythonRandom("n"), random.Random("n")
    ours.gauss()
    r.gauss()
    assert ours.random(n).tolist() == [r.random() for _ in range(n)]
    assert ours.getstate() == r.getstate()
    assert ours.position == 4 + 2 * n
    assert cores == ([] if n <= LOOP else [n])  # the route the size says
    assert ours.random() == r.random()  # and CPython's own call goes on from there
    assert ours.position == 6 + 2 * n
