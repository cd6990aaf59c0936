"""One case of ``benchmarks/suite.py``, run in a fresh process so its peak RSS is its own.

    python benchmarks/_suite_cases.py '{"case": "dask", "n": 1000000, ...}'

The spec is JSON: ``case`` (a key of :data:`CASES`), ``n`` (values of the full
request), ``prefix`` (values actually computed, or null for all of them),
``head`` (of those, how many a lazy case computes first, on their own),
``chunks``, ``workers`` (dask ``num_workers``; null for dask's default),
``store`` (zarr path, for the zarr case) and ``jumps`` (for the jump-cost case).
The last line of stdout is ``SUITE-RESULT <json>``; a failure is a traceback on
stderr and a non-zero exit, which the suite records as the case's error.

Only what a case needs is imported, inside the case: the numpy case never imports
dask or seedstream, so its peak RSS is numpy's alone.  Timed regions cover the
call and its reduction (``.mean()``; for zarr, the write and an fsync of every file written);
reading the first and last elements afterwards is not timed.  Two timings are
returned: ``fixed_seconds`` (building the full-size graph, which a prefix run
pays in full, and for a lazy prefix the first ``head`` values, which carry the
one-off costs of a first compute) and ``scaled_seconds`` (the values after those:
``scaled_values`` of them, which the suite scales to the ``n - fixed_values`` of
the full request).  With them: ``cpu_user_seconds``, ``cpu_sys_seconds`` and
``minor_faults`` from the start of the timed region to the end of the case
(``_timing.Clock``), and ``peak_rss``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any, cast

from _timing import Clock, peak_rss

MARK = "SUITE-RESULT "
# Restarted where each case's timed region starts: its CPU seconds and page faults
# (up to the end of the case, which also reads the first and last elements) go with
# the result, so that a slow run shows whether it computed more or waited for memory.
CLOCK = Clock()

Spec = dict[str, Any]
Result = dict[str, Any]


def _values(spec: Spec) -> int:
    """How many values this run computes: the prefix, or all ``n``."""
    return int(spec["prefix"] or spec["n"])


def _compute(x: Any, spec: Spec) -> Any:
    return x.compute(scheduler="threads", num_workers=spec.get("workers"))


def _eager(values: Any, seconds: float, mode: str = "ndarray") -> Result:
    return {
        "mode": mode,
        "fixed_seconds": 0.0,
        "scaled_seconds": seconds,
        "fixed_values": 0,
        "scaled_values": int(values.size),
        "first": float(values[0]),
        "last": float(values[-1]),
        "last_index": int(values.size - 1),
    }


def warm_up(spec: Spec, *, dask: bool = False, zarr: bool = False) -> None:
    """Pay for lazy imports (``numpy.random``, dask's compute machinery) before timing.

    seedstream's own first-use costs (caches filled by the first jump) stay in
    the timing: a user pays them.
    """
    import numpy.random  # noqa: F401  (numpy imports it lazily, ~20 ms)

    if dask:
        import dask.array as da

        _compute(da.ones(2, chunks=1).sum(), spec)  # imports, thread pool
    if zarr:
        import zarr as _zarr  # noqa: F401


def _lazy(spec: Spec, build: Callable[[], Any]) -> Result:
    """Build the full-size lazy array, reduce its first ``prefix`` values (or all of them)."""
    warm_up(spec, dask=True)
    t0 = CLOCK.start()
    x = build()
    return _reduce(spec, x, time.perf_counter() - t0)


def _reduce(spec: Spec, x: Any, build_seconds: float) -> Result:
    """``x.mean()``; for a prefix, the head and the rest of the prefix timed apart."""
    n, prefix, head = int(spec["n"]), spec["prefix"], int(spec.get("head") or 0)
    t0 = time.perf_counter()
    if prefix is None:
        mean = float(_compute(x.mean(), spec))
        t1 = t0
    else:
        head_mean = float(_compute(x[:head].mean(), spec)) if head else 0.0
        t1 = time.perf_counter()
        rest_mean = float(_compute(x[head:prefix].mean(), spec))
        mean = (head_mean * head + rest_mean * (prefix - head)) / prefix
    t2 = time.perf_counter()
    first, last = _compute(x[[0, -1]], spec).tolist()  # only the two blocks involved
    computed = n if prefix is None else prefix
    return {
        "mode": "dask",
        "fixed_seconds": build_seconds + (t1 - t0),
        "scaled_seconds": t2 - t1,
        "fixed_values": 0 if prefix is None else head,
        "scaled_values": computed - (0 if prefix is None else head),
        "build_seconds": build_seconds,
        "compute_seconds": t2 - t0,
        "mean": mean,
        "blocks": int(x.numblocks[0]),
        "first": float(first),
        "last": float(last),
        "last_index": int(spec["n"]) - 1,
    }


def case_numpy(spec: Spec) -> Result:
    """``np.random.seed(0); np.random.rand(n).mean()``."""
    import numpy as np

    warm_up(spec)
    t0 = CLOCK.start()
    # The legacy global calls are the experiment itself, hence the noqa.
    np.random.seed(0)  # noqa: NPY002
    x = np.random.rand(_values(spec))  # noqa: NPY002
    mean = float(x.mean())
    result = _eager(x, time.perf_counter() - t0)
    return {**result, "mean": mean}


def case_auto(spec: Spec) -> Result:
    """``seedstream.RandomState(0).rand(n).mean()``: seedstream chooses ndarray or dask."""
    import numpy as np

    import seedstream

    planned = seedstream.plan(spec["n"])
    warm_up(spec, dask=planned.mode == "dask")  # an ndarray result never imports dask
    rs = seedstream.RandomState(0)
    info = {"planned_mode": planned.mode, "plan_reason": planned.reason}
    if spec["prefix"] is not None and planned.mode == "ndarray":
        # An in-memory result cannot be computed in part: draw the prefix itself.
        t0 = CLOCK.start()
        x = rs.rand(_values(spec))
        mean = float(x.mean())
        return {**_eager(x, time.perf_counter() - t0), **info, "mean": mean}
    t0 = CLOCK.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = rs.rand(spec["n"])
    built = time.perf_counter() - t0
    if isinstance(x, np.ndarray):
        mean = float(x.mean())
        result = {**_eager(x, time.perf_counter() - t0), "mean": mean}
    else:
        result = _reduce(spec, x, built)
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    return {**result, **info, "warnings": warned}


def case_dask(spec: Spec) -> Result:
    """``seedstream.RandomState(0).random_sample(n, chunks=C).mean()``, threaded."""
    import seedstream

    return _lazy(
        spec, lambda: seedstream.RandomState(0).random_sample(spec["n"], chunks=spec["chunks"])
    )


def case_zarr(spec: Spec) -> Result:
    """``seedstream.RandomState(0).random_sample(n, chunks=C, store=path)``, then fsync it."""
    import seedstream

    m = _values(spec)
    warm_up(spec, zarr=True)
    t0 = CLOCK.start()
    z = seedstream.RandomState(0).random_sample(
        m, chunks=spec["chunks"], store=spec["store"], workers=spec.get("workers"), progress=False
    )
    fsync_tree(spec["store"])  # the bytes are on disk, not only in the page cache
    seconds = time.perf_counter() - t0
    return {
        "mode": "zarr",
        "fixed_seconds": 0.0,
        "scaled_seconds": seconds,
        "fixed_values": 0,
        "scaled_values": m,
        "first": float(z[0]),
        "last": float(z[m - 1]),
        "last_index": m - 1,
        "result_type": type(z).__module__ + "." + type(z).__name__,
    }


def fsync_tree(path: str) -> None:
    """fsync every file and directory under `path` (this output only, not the whole system)."""
    for root, _, files in os.walk(path):
        for name in [*files, "."]:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def case_peer_randomstate(spec: Spec) -> Result:
    """``dask.array.random.RandomState(0).random_sample(n, chunks=C).mean()``."""
    import dask.array as da

    return _lazy(
        spec,
        lambda: da.random.RandomState(0).random_sample(  # type: ignore[no-untyped-call]
            spec["n"], chunks=spec["chunks"]
        ),
    )


def case_peer_default_rng(spec: Spec) -> Result:
    """``dask.array.random.default_rng(0).random(n, chunks=C).mean()``."""
    import dask.array as da

    return _lazy(
        spec,
        lambda: da.random.default_rng(0).random(  # type: ignore[no-untyped-call]
            spec["n"], chunks=spec["chunks"]
        ),
    )


def case_numpy_randn(spec: Spec) -> Result:
    """``np.random.seed(0); np.random.randn(n).mean()``."""
    import numpy as np

    warm_up(spec)
    t0 = CLOCK.start()
    np.random.seed(0)  # noqa: NPY002
    x = np.random.randn(_values(spec))  # noqa: NPY002
    mean = float(x.mean())
    return {**_eager(x, time.perf_counter() - t0), "mean": mean}


def case_normal(spec: Spec) -> Result:
    """``seedstream.RandomState(0).standard_normal(n, chunks=C)``: count pass, then ``.mean()``.

    Building the array is the count pass (O(n)), so a prefix run builds an array
    of ``prefix`` values and both timings scale.
    """
    import seedstream

    m = _values(spec)
    warm_up(spec, dask=True)
    t0 = CLOCK.start()
    x = seedstream.RandomState(0).standard_normal(m, chunks=spec["chunks"])
    t1 = time.perf_counter()
    mean = float(_compute(x.mean(), spec))
    t2 = time.perf_counter()
    first, last = _compute(x[[0, -1]], spec).tolist()
    return {
        "mode": "dask",
        "fixed_seconds": 0.0,
        "scaled_seconds": t2 - t0,
        "fixed_values": 0,
        "scaled_values": m,
        "build_seconds": t1 - t0,
        "compute_seconds": t2 - t1,
        "mean": mean,
        "blocks": int(x.numblocks[0]),
        "first": float(first),
        "last": float(last),
        "last_index": m - 1,
    }


def case_jumps(spec: Spec) -> Result:
    """``seedstream.advance`` to random positions below 2**64, and numpy's ``jumped()``."""
    import numpy as np

    import seedstream

    rng = np.random.default_rng(12345)
    drawn = np.asarray(rng.integers(0, 2**64, size=spec["jumps"], dtype=np.uint64))
    positions = [int(p) for p in drawn]
    bg = cast(np.random.MT19937, np.random.RandomState(0)._bit_generator)
    seedstream.advance(bg, 1)  # warm up: imports and caches
    bg.jumped()
    ours, numpys = [], []
    for p in positions:
        t0 = time.perf_counter()
        seedstream.advance(bg, p)
        ours.append(time.perf_counter() - t0)
    for _ in positions:
        t0 = time.perf_counter()
        bg.jumped()
        numpys.append(time.perf_counter() - t0)
    return {
        "mode": "single thread",
        "advance_ms": [round(s * 1e3, 4) for s in ours],
        "jumped_ms": [round(s * 1e3, 4) for s in numpys],
    }


CASES: dict[str, Callable[[Spec], Result]] = {
    "numpy": case_numpy,
    "auto": case_auto,
    "dask": case_dask,
    "zarr": case_zarr,
    "peer-randomstate": case_peer_randomstate,
    "peer-default_rng": case_peer_default_rng,
    "numpy-randn": case_numpy_randn,
    "normal": case_normal,
    "jumps": case_jumps,
}


def main(argv: list[str]) -> None:
    spec: Spec = json.loads(argv[0])
    result = CASES[spec["case"]](spec)
    usage = CLOCK.read()
    del usage["seconds"]  # the case's own timings are the figures; this would add reads
    result.update(usage, peak_rss=peak_rss())
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
