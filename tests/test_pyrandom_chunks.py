"""``PythonRandom``'s methods of fixed consumption with ``chunks=`` and ``store=``, against CPython.

The oracle is CPython's own ``random.Random``: its loop of calls
``[r.method(*args) for _ in range(start + n)][start:]`` (bit for bit), its
state afterwards (``getstate()``, ``gauss_next`` included) and its exceptions.
The kernel's transform (CPython's formula with the C library's math) is
checked against CPython's own methods fed given doubles, edge values included.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seedstream as ss
from seedstream import _pyvalues, _variable
from seedstream._draw import Draw

# (method, CPython's arguments): every method of fixed consumption, ordinary and edge parameters
CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("triangular", (1.0, 5.0, 4.5)),
    ("triangular", (2, 7)),  # int bounds, no mode
    ("triangular", (2.0, 2.0, 2.0)),  # low == high with a mode: CPython returns low
    ("expovariate", (0.5,)),
    ("paretovariate", (2.5,)),
    ("weibullvariate", (1.5, 0.7)),
    ("gauss", (1.0, 3)),
    ("getrandbits", (1,)),
    ("getrandbits", (33,)),
    ("getrandbits", (64,)),
]


def cpython_loop(seed: int, name: str, args: tuple[Any, ...], total: int) -> random.Random:
    r = random.Random(seed)
    r.values = [getattr(r, name)(*args) for _ in range(total)]  # type: ignore[attr-defined]
    return r


@pytest.mark.parametrize(("name", "args"), CALLS, ids=lambda c: str(c))
def test_chunks_equal_cpythons_loop(name: str, args: tuple[Any, ...]) -> None:
    start, n = 37, 203
    r = cpython_loop(11, name, args, start + n)
    expected = r.values[start:]  # type: ignore[attr-defined]
    for chunks in (64, 29):  # two chunkings: a gauss chunk starts at either value of a pair
        ours = ss.PythonRandom(11)
        lazy = getattr(ours, name)(*args, size=n, start=start, chunks=chunks)
        got = lazy.compute()
        kind = "int64" if name == "getrandbits" else "float64"
        assert got.dtype == ("uint64" if args == (64,) else kind)
        assert got.tobytes() == np.array(expected, dtype=got.dtype).tobytes()
        assert ours.getstate() == r.getstate()
        assert ours.position == ss.PythonRandom(11).position + (start + n) * (
            -(-args[0] // 32) if name == "getrandbits" else 2
        )


@pytest.mark.parametrize("n", [9, 10])
def test_gauss_cached_value_at_start_and_end(n: int) -> None:
    """A ``gauss_next`` at the start is value 0; an odd count of fresh values leaves one."""
    r, ours = random.Random(4), ss.PythonRandom(4)
    r.gauss(), ours.gauss()  # one is cached now
    assert ours.gauss_next is not None
    start = 4  # the cached value and three fresh ones skipped
    expected = [r.gauss(-1.0, 0.5) for _ in range(start + n)][start:]
    got = ours.gauss(-1.0, 0.5, size=n, start=start, chunks=4).compute()
    assert got.tobytes() == np.array(expected).tobytes()
    assert ours.getstate() == r.getstate()  # gauss_next is part of CPython's state
    assert (ours.gauss_next is None) == (n % 2 == 1)  # 3 + n fresh values


def test_gauss_cached_value_is_value_zero() -> None:
    r, ours = random.Random(8), ss.PythonRandom(8)
    r.gauss(), ours.gauss()
    expected = [r.gauss() for _ in range(7)]
    got = ours.gauss(size=7, chunks=3).compute()
    assert got.tobytes() == np.array(expected).tobytes()
    assert ours.getstate() == r.getstate()


def test_store_zarr_verifies(tmp_path: Path) -> None:
    path = tmp_path / "w.zarr"
    r = cpython_loop(5, "weibullvariate", (2.0, 0.5), 1500)
    ours = ss.PythonRandom(5)
    z = ours.weibullvariate(2.0, 0.5, size=1000, start=500, store=str(path), chunks=256)
    expected = np.array(r.values[500:])  # type: ignore[attr-defined]
    assert np.asarray(z[:]).tobytes() == expected.tobytes()
    assert ours.getstate() == r.getstate()
    assert ss.verify_output(str(path), sample=None).status == "ok"
    draw = ss.inspect_output(str(path)).request.draw
    assert (draw.api, draw.method, draw.param) == (
        "PythonRandom",
        "weibullvariate",
        {"alpha": 2.0, "beta": 0.5},
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("expovariate", (0.0,)),
        ("paretovariate", (0,)),
        ("weibullvariate", (1.0, 0.0)),
        ("triangular", (0.0, "1", None)),
        ("gauss", (0.0, "x")),
        ("getrandbits", (-1,)),
    ],
)
def test_bad_parameters_raise_cpythons_error_and_move_nothing(
    name: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(Exception) as theirs:
        getattr(random.Random(2), name)(*args)
    ours = ss.PythonRandom(2)
    ours.gauss()
    before, position = ours.getstate(), ours.position
    with pytest.raises(type(theirs.value)):
        getattr(ours, name)(*args, size=10, start=3, chunks=5)
    assert ours.getstate() == before and ours.position == position


def test_refusals_are_clear() -> None:
    ours = ss.PythonRandom(2)
    with pytest.raises(NotImplementedError, match="k <= 64"):
        ours.getrandbits(65, size=10, chunks=5)
    with pytest.raises(NotImplementedError, match="int and float"):
        ours.expovariate(np.int64(2), size=10, chunks=5)
    assert ours.position == 0


def test_a_value_cpython_raises_for_raises_in_its_chunk() -> None:
    """paretovariate(0.01): (1 - u) ** -100 overflows for u near 1, where CPython raises."""
    r = random.Random(0)
    with pytest.raises(OverflowError) as theirs:
        for _ in range(5000):
            r.paretovariate(0.01)
    lazy = ss.PythonRandom(0).paretovariate(0.01, size=5000, chunks=1000)
    with pytest.raises(OverflowError) as ours:
        lazy.compute()
    assert ours.value.args == theirs.value.args


# --- the kernel's transform: CPython's own method, fed given doubles -------------------------


class Fed(random.Random):
    """CPython's methods drawing given doubles as random()."""

    def __init__(self, doubles: np.ndarray) -> None:
        super().__init__(0)
        self.next = iter(doubles.tolist()).__next__

    def random(self) -> float:
        return self.next()


def doubles(count: int) -> np.ndarray:
    """random()'s doubles (multiples of 2**-53 in [0, 1)), the edges included."""
    u = random.Random(99).getrandbits
    edges = [0.0, 2.0**-53, 0.5, 1 - 2.0**-52, 1 - 2.0**-53, 0.25]
    near_one = [1 - k * 2.0**-53 for k in range(1, 50)]
    near_zero = [k * 2.0**-53 for k in range(1, 50)]
    body = [u(53) * 2.0**-53 for _ in range(count - len(edges) - 98)]
    return np.array(edges + near_one + near_zero + body)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("expovariate", (1.5,)),
        ("paretovariate", (3.0,)),
        ("weibullvariate", (2.0, 0.3)),
        ("weibullvariate", (1.0, -2.0)),  # 0.0 ** negative: CPython's ZeroDivisionError
        ("triangular", (-1.0, 2.0, 0.5)),
        ("gauss", (0.0, 1.0)),
    ],
)
def test_kernel_transform_is_cpythons_method(name: str, args: tuple[Any, ...]) -> None:
    u = doubles(10**5 if name in ("gauss", "expovariate") else 2 * 10**4)
    fed = Fed(u)
    method = getattr(fed, name)
    params = tuple(zip(Draw("PythonRandom", name).row.parameters, args, strict=False))
    draw = Draw("PythonRandom", name, params)
    if name == "gauss":
        fed.gauss_next = None
        expected = []
        for _ in range(u.size):
            expected.append(method(*args))
        got = _pyvalues._scaled(draw, _pyvalues._apply(draw, u))
    elif args == (1.0, -2.0):  # random() == 0.0 at index 0: -log(1.0) is -0.0
        with pytest.raises(ZeroDivisionError) as theirs:
            method(*args)
        with pytest.raises(ZeroDivisionError) as ours:
            _pyvalues._apply(draw, u)
        assert ours.value.args == theirs.value.args
        u, fed = u[1:], Fed(u[1:])
        expected = [getattr(fed, name)(*args) for _ in range(u.size)]
        got = _pyvalues._apply(draw, u)
    else:
        expected = [method(*args) for _ in range(u.size)]
        got = _pyvalues._apply(draw, u)
    assert got.tobytes() == np.array(expected).tobytes()


def test_cli_writes_a_python_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from seedstream._cli import main

    path = tmp_path / "bits.npy"
    argv = ["generate", str(path), "--n", "3000", "--chunks", "1000", "--start", "7"]
    argv += ["--seed", "3", "--stream", "python", "--method", "getrandbits", "--param", "k=40"]
    assert main(argv) == 0, capsys.readouterr().err
    r = random.Random(3)
    expected = [r.getrandbits(40) for _ in range(3007)][7:]
    assert np.array_equal(np.load(path), np.array(expected, dtype=np.int64))


@pytest.mark.parametrize("call", CALLS, ids=lambda call: f"{call[0]}{call[1]}")
def test_big_sizes_in_memory_are_made_by_the_kernel(
    call: tuple[str, tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From _KERNEL_MIN values on, size= in memory is the kernel's (as chunks are): CPython's
    loop's values, state and position; below it, CPython's loop itself."""
    import seedstream._locate as locate

    made: list[int] = []
    real = locate.block_values
    monkeypatch.setattr(locate, "block_values", lambda *a, **k: made.append(a[3]) or real(*a, **k))
    name, args = call
    n = ss._pyrandom._KERNEL_MIN + 3  # an odd count: gauss keeps one cached
    ours, r = ss.PythonRandom(21), random.Random(21)
    ours.gauss()
    r.gauss()  # a cached Gaussian: gauss takes it first, the others leave it
    want = [getattr(r, name)(*args) for _ in range(n)]
    assert getattr(ours, name)(*args, size=n).tolist() == want
    assert ours.getstate() == r.getstate()
    moved = ss.PythonRandom(21)
    moved.position = ours.position  # the position counted is where CPython's state is
    assert moved.getstate()[1] == r.getstate()[1]
    assert made == [n]
    assert getattr(ours, name)(*args, size=5).tolist() == [
        getattr(r, name)(*args) for _ in range(5)
    ]
    assert made == [n] and ours.getstate() == r.getstate()


def test_a_value_that_raises_in_memory_leaves_cpythons_state() -> None:
    """CPython's loop stops at the value that raises: the kernel's path gives way to it."""
    n = ss._pyrandom._KERNEL_MIN * 4
    ours, r = ss.PythonRandom(5), random.Random(5)
    with pytest.raises(OverflowError) as theirs:
        [r.paretovariate(0.002) for _ in range(n)]
    with pytest.raises(OverflowError) as mine:
        ours.paretovariate(0.002, size=n)
    assert str(mine.value) == str(theirs.value) and ours.getstate() == r.getstate()


# --- normalvariate: a rejection loop (Kinderman and Monahan), counted per segment ---------------


def test_normalvariate_chunks_equal_cpythons_loop() -> None:
    """A start past the first count segment (4096 attempts, ~2990 values, in the suite)."""
    start, n = 3100, 400
    r = cpython_loop(13, "normalvariate", (1.5, 3), start + n)
    expected = np.array(r.values[start:])  # type: ignore[attr-defined]
    for chunks in (128, 77):
        ours = ss.PythonRandom(13)
        got = ours.normalvariate(1.5, 3, size=n, start=start, chunks=chunks).compute()
        assert got.tobytes() == expected.tobytes()
        assert ours.getstate() == r.getstate()


def test_lognormvariate_chunks_and_overflow_are_cpythons() -> None:
    """exp by the C library's, as math.exp: values and state; an overflow raises CPython's."""
    r = cpython_loop(14, "lognormvariate", (0.5, 2), 700)
    ours = ss.PythonRandom(14)
    got = ours.lognormvariate(0.5, 2, size=600, start=100, chunks=97).compute()
    assert got.tobytes() == np.array(r.values[100:]).tobytes()  # type: ignore[attr-defined]
    assert ours.getstate() == r.getstate()
    python = random.Random(1)
    with pytest.raises(OverflowError) as theirs:
        [python.lognormvariate(700.0, 10.0) for _ in range(100)]
    with pytest.raises(OverflowError) as found:
        ss.PythonRandom(1).lognormvariate(700.0, 10.0, size=100, chunks=40).compute()
    assert str(found.value) == str(theirs.value)


def test_normalvariate_store_zarr_verifies(tmp_path: Path) -> None:
    path = tmp_path / "n.zarr"
    r = cpython_loop(6, "normalvariate", (-2.0, 0.5), 1300)
    ours = ss.PythonRandom(6)
    z = ours.normalvariate(-2.0, 0.5, size=1000, start=300, store=str(path), chunks=256)
    assert np.asarray(z[:]).tobytes() == np.array(r.values[300:]).tobytes()  # type: ignore[attr-defined]
    assert ours.getstate() == r.getstate()
    assert ss.verify_output(str(path), sample=None).status == "ok"


def test_normalvariate_miscount_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A count pass that accepts one rejected attempt is caught by CPython's own normalvariate."""
    scanner = _variable.KindermanMonahanScanner
    accepted = scanner.accepted

    def wrong(self: Any, units: np.ndarray) -> np.ndarray:
        flags = accepted(self, units)
        flags[np.argmin(flags)] = True  # the first rejected attempt
        return flags

    monkeypatch.setattr(scanner, "accepted", wrong)
    ours = ss.PythonRandom(3)
    with pytest.raises(ss.SelfCheckError, match="CPython's own normalvariate"):
        ours.normalvariate(size=100, chunks=50).compute()
    assert ours.getstate() == random.Random(3).getstate()
