"""One conformance suite, every backend: each must equal numpy's one-shot output, bit for bit.

A *case* is a stream and a method (with its parameters) on both sides: numpy's
own object and seedstream's.  A *backend* is how seedstream delivers the draw:
an in-memory ndarray, a lazy dask array on a given scheduler, a zarr store, a
flat ``.npy`` file; each subclasses :class:`Backend`.  For every case, backend,
chunking and start, the values equal ``numpy_method(start + n)[start:]`` and
the stateful object then stands where numpy's does.
"""

from __future__ import annotations

import dataclasses
import math
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream
from _compare import assert_same_bits, assert_same_state
from seedstream import advance
from seedstream._plan import resolve_chunks


@dataclasses.dataclass(frozen=True)
class Case:
    """A stream and a method, on numpy's side and seedstream's."""

    name: str
    make_numpy: Callable[[], Any]
    make_ours: Callable[[], Any]
    method: str
    kwargs: tuple[tuple[str, Any], ...] = ()
    ours_method: str | None = None

    def numpy_values(self, n: int) -> tuple[np.ndarray, Any]:
        obj = self.make_numpy()
        return np.asarray(getattr(obj, self.method)(size=n, **dict(self.kwargs))), obj

    def ours(self) -> Any:
        return self.make_ours()

    def call_ours(self, obj: Any, shape: tuple[int, ...], **extra: Any) -> Any:
        method = getattr(obj, self.ours_method or self.method)
        return method(size=shape, **dict(self.kwargs), **extra)


def _generator_cases() -> list[Case]:
    cases = []
    for bg in ("PCG64", "PCG64DXSM", "Philox", "MT19937"):

        def make_np(bg: str = bg) -> Any:
            return np.random.Generator(getattr(np.random, bg)(7))

        def make_ss(bg: str = bg) -> Any:
            return seedstream.Generator(getattr(np.random, bg)(7))

        cases += [
            Case(f"Generator({bg}).random", make_np, make_ss, "random"),
            Case(f"Generator({bg}).random32", make_np, make_ss, "random", (("dtype", np.float32),)),
            Case(
                f"Generator({bg}).uniform",
                make_np,
                make_ss,
                "uniform",
                (("low", -2.0), ("high", 3.5)),
            ),
        ]
    return cases


class _PythonRandomOracle:
    """Python's own random.Random, answering numpy-style calls."""

    def __init__(self, seed: Any) -> None:
        self.r = random.Random(seed)

    def random(self, size: int) -> np.ndarray:
        return np.array([self.r.random() for _ in range(size)])


def _legacy_case(seed: Any, method: str, *kwargs: tuple[str, Any]) -> Case:
    return Case(
        f"RandomState({seed}).{method}",
        lambda: np.random.RandomState(seed),
        lambda: seedstream.RandomState(seed),
        method,
        kwargs,
    )


CASES = [
    _legacy_case(0, "random_sample"),
    _legacy_case(12345, "random"),
    _legacy_case([1, 2, 3], "uniform", ("low", 10.0), ("high", 20.0)),
    *_generator_cases(),
    # Distributions with fixed consumption (variable ones: tests/test_distributions.py).
    _legacy_case(7, "exponential", ("scale", 3.0)),
    Case(
        "Generator(PCG64).integers-int32-pow2",
        lambda: np.random.Generator(np.random.PCG64(7)),
        lambda: seedstream.Generator(np.random.PCG64(7)),
        "integers",
        (("low", -8), ("high", 8), ("dtype", np.int32)),
    ),
    Case(
        "PythonRandom(2**40+5).random",
        lambda: _PythonRandomOracle(2**40 + 5),
        lambda: seedstream.PythonRandom(2**40 + 5),
        "random",
    ),
]  # fmt: skip
# Variable consumption, one of each way of counting (all of them: tests/test_distributions.py).
VARIABLE_CASES = [
    _legacy_case(3, "standard_normal"),  # the polar method, counted in the kernel
    _legacy_case(4, "binomial", ("n", 20), ("p", 0.3)),  # counted by numpy's own method
    Case(
        "Generator(MT19937).normal",  # the ziggurat
        lambda: np.random.Generator(np.random.MT19937(7)),
        lambda: seedstream.Generator(np.random.MT19937(7)),
        "normal",
        (("loc", 1.0), ("scale", 2.0)),
    ),
    Case(
        "Generator(Philox).integers-uint8",  # packed in 32-bit words, Lemire's rejection
        lambda: np.random.Generator(np.random.Philox(7)),
        lambda: seedstream.Generator(np.random.Philox(7)),
        "integers",
        (("low", 3), ("high", 200), ("dtype", np.uint8)),
    ),
    Case(
        "Generator(PCG64).poisson",
        lambda: np.random.Generator(np.random.PCG64(7)),
        lambda: seedstream.Generator(np.random.PCG64(7)),
        "poisson",
        (("lam", 12.5),),
    ),
]
CASES += VARIABLE_CASES
CASE_IDS = [c.name for c in CASES]


class Backend:
    """How seedstream delivers a draw; subclasses override :meth:`deliver`."""

    name = "abstract"
    chunkings: tuple[Any, ...] = (None,)
    graph = True  # chunks= makes a dask graph (False: store= walks the chunks, no graph)

    def deliver(
        self, case: Case, obj: Any, shape: tuple[int, ...], start: int, chunks: Any
    ) -> np.ndarray:
        raise NotImplementedError

    def check(
        self, case: Case, n: int, start: int, chunks: Any, shape: tuple[int, ...] | None = None
    ) -> None:
        shape = (n,) if shape is None else shape
        assert math.prod(shape) == n
        expected, numpy_obj = case.numpy_values(start + n)
        obj = case.ours()
        got = self.deliver(case, obj, shape, start, chunks)
        what = f"{case.name} on {self.name}, n={n} start={start} chunks={chunks!r}"
        assert_same_bits(got, expected[start:].reshape(shape), what)
        if not isinstance(numpy_obj, _PythonRandomOracle):
            assert_same_state(obj, numpy_obj, f"{what}, after the draw")


class NumpyBackend(Backend):
    name = "ndarray"

    def deliver(
        self, case: Case, obj: Any, shape: tuple[int, ...], start: int, chunks: Any
    ) -> np.ndarray:
        out = case.call_ours(obj, shape, start=start)
        assert isinstance(out, np.ndarray)
        return out


class DaskThreadsBackend(Backend):
    name = "dask-threads"
    chunkings = (1, 7, 250, "auto", "1KiB")
    scheduler = "threads"

    def deliver(
        self, case: Case, obj: Any, shape: tuple[int, ...], start: int, chunks: Any
    ) -> np.ndarray:
        import dask.array as da

        lazy = case.call_ours(obj, shape, start=start, chunks=chunks)
        assert isinstance(lazy, da.Array)
        return np.asarray(lazy.compute(scheduler=self.scheduler))


class DaskSyncBackend(DaskThreadsBackend):
    name = "dask-sync"
    chunkings = (3, 100)
    scheduler = "sync"


class ZarrBackend(Backend):
    """``store=`` a zarr directory: what is read back must be numpy's values."""

    name = "zarr"
    chunkings = (7, 250, "1KiB")
    suffix = ".zarr"
    graph = False

    def deliver(
        self, case: Case, obj: Any, shape: tuple[int, ...], start: int, chunks: Any
    ) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            out = case.call_ours(
                obj,
                shape,
                start=start,
                chunks=chunks,
                store=Path(tmp) / f"x{self.suffix}",
                progress=False,
            )
            return np.array(out[...])


class NpyBackend(ZarrBackend):
    name = "npy"
    chunkings = (250,)
    suffix = ".npy"


BACKENDS = [NumpyBackend(), DaskThreadsBackend(), DaskSyncBackend(), ZarrBackend(), NpyBackend()]


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize(
    ("n", "start"), [(0, 0), (1, 0), (1, 5), (1001, 0), (1001, 3), (999, 12345)]
)
def test_equals_numpy_one_shot(backend: Backend, case: Case, n: int, start: int) -> None:
    dtype = case.numpy_values(1)[0].dtype
    checked: set[Any] = set()
    for chunks in backend.chunkings:
        # Every block is a task (about 5 ms for a variable draw) or a file of its own: blocks
        # of a few values are checked on the first 43, which meet the same kinds of block
        # start and the same end state as 1001 would, at a fraction of the cost.
        tiny = isinstance(chunks, int) and chunks < 10
        size = min(n, 43) if tiny else n
        # Chunkings that resolve to the same blocks (all of them, for n <= 1: one block)
        # are one request: it is checked once.
        blocks = (
            None if chunks is None else resolve_chunks((size,), dtype, chunks, graph=backend.graph)
        )
        if blocks in checked:
            continue
        checked.add(blocks)
        backend.check(case, size, start, chunks)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_two_dimensional_chunkings(case: Case) -> None:
    # Chunks that are not contiguous runs of the stream (columns split) are
    # generated in row bands and rechunked; the values must not care.
    backend = DaskThreadsBackend()
    for chunks in [(2, 13), (5, 4), ((1, 4, 1), (3, 10)), "auto", 4]:
        backend.check(case, 6 * 13, 17, chunks, shape=(6, 13))


@settings(max_examples=40, deadline=None)
@given(
    case=st.sampled_from(CASES),
    n=st.integers(0, 3000),
    start=st.integers(0, 5000),
    chunk=st.integers(1, 3000),
)
def test_any_chunking_and_start(case: Case, n: int, start: int, chunk: int) -> None:
    DaskThreadsBackend().check(case, n, start, chunk)


@pytest.mark.parametrize("start", [10**9 + 1, 2**40 + 3, 10**12])
def test_deep_start_equals_advance(start: int) -> None:
    # numpy cannot reach these positions; the oracle is numpy's own method run
    # from a bit generator placed by advance() (itself checked against numpy).
    expected_bg = advance(np.random.RandomState(0)._bit_generator, 2 * start)
    expected = np.random.RandomState(expected_bg).random_sample(50)
    lazy = seedstream.RandomState(0).random_sample(50, start=start, chunks=7)
    assert_same_bits(lazy.compute(), expected, "lazy")
    eager = seedstream.RandomState(0).random_sample(50, start=start)
    assert_same_bits(eager, expected, "eager")


def test_stateful_object_continues_after_lazy_draw() -> None:
    ours, theirs = seedstream.RandomState(3), np.random.RandomState(3)
    parts = [
        ours.random_sample(10, chunks=3).compute(),
        ours.random_sample(5),
        ours.random_sample(7, start=2, chunks=4).compute(),
    ]
    whole = theirs.random_sample(24)
    assert_same_bits(np.concatenate(parts), np.delete(whole, [15, 16]))
    assert_same_state(ours, theirs)
    assert ours.position == 48


def test_lazy_draw_keeps_cached_gaussian() -> None:
    ours, theirs = seedstream.RandomState(3), np.random.RandomState(3)
    ours.standard_normal()
    theirs.standard_normal()
    ours.random_sample(100, start=10, chunks=30)
    theirs.random_sample(110)
    assert_same_state(ours, theirs)
    assert ours.standard_normal() == theirs.standard_normal()


def test_graph_is_deterministic_and_tail_is_cheap() -> None:
    # 1001 blocks, the last of 1000 values: a graph of 2**24-value blocks (59605 of them)
    # costs 3 s to build, three times, and asks the same questions.
    chunks = 10**9 - 1
    a = seedstream.RandomState(0).random_sample(10**12, chunks=chunks)
    b = seedstream.RandomState(0).random_sample(10**12, chunks=chunks)
    assert a.name == b.name
    assert a.name != seedstream.RandomState(1).random_sample(10**12, chunks=chunks).name
    (tail,) = dask.optimize(a[-3:])
    assert len(tail.__dask_graph__()) <= 3  # only the last block is computed
    expected_bg = advance(np.random.RandomState(0)._bit_generator, 2 * (10**12 - 3))
    assert_same_bits(tail.compute(), np.random.RandomState(expected_bg).random_sample(3))


# The multi-process schedulers pickle every task: every case goes through both, each in one
# compute (a worker pool, or counting a variable draw, costs far more than the draws).
@pytest.fixture(scope="module")
def lazy_draws() -> list[tuple[Case, Any, np.ndarray]]:
    n, start, chunks = 20_001, 333, 4_000
    draws = []
    for case in CASES:
        expected, _ = case.numpy_values(start + n)
        lazy = case.call_ours(case.ours(), (n,), start=start, chunks=chunks)
        draws.append((case, lazy, expected[start:]))
    return draws


def test_processes_scheduler_and_pickling(lazy_draws: list[tuple[Case, Any, np.ndarray]]) -> None:
    draws = lazy_draws
    results = dask.compute(*(lazy for _, lazy, _ in draws), scheduler="processes", num_workers=2)
    for (case, _, expected), got in zip(draws, results, strict=True):
        assert_same_bits(got, expected, f"{case.name} on dask's processes scheduler")


@pytest.fixture(scope="module")
def cluster_client() -> Any:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_distributed_local_cluster(
    cluster_client: Any, lazy_draws: list[tuple[Case, Any, np.ndarray]]
) -> None:
    draws = lazy_draws
    results = cluster_client.gather(cluster_client.compute([lazy for _, lazy, _ in draws]))
    for (case, _, expected), got in zip(draws, results, strict=True):
        assert_same_bits(got, expected, f"{case.name} on a distributed LocalCluster")


def test_sfc64_refuses_random_access_but_draws_sequentially() -> None:
    g = seedstream.Generator(np.random.SFC64(1))
    assert_same_bits(g.random(5), np.random.Generator(np.random.SFC64(1)).random(5))
    with pytest.raises(NotImplementedError, match="PCG64"):
        g.random(5, start=1)
    with pytest.raises(NotImplementedError, match="SFC64"):
        g.random(5, chunks=2)


def test_chunked_uniform_with_array_bounds_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="scalars"):
        seedstream.RandomState(0).uniform(np.zeros(3), 1.0, size=3, chunks=2)
