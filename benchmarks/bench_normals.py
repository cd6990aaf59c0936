"""RandomState's normals and exponentials: the MT19937 core against numpy's own loop.

In memory, in one process: ``standard_normal(n)`` and ``exponential(1.0, m)``
by numpy's ``RandomState`` and by seedstream._fill_normals (the core; with
its default threads and with one), each case ``--repeat`` times in rounds
whose order alternates (A B C, C B A, ...).  Every case's first output is
checked against numpy's before its figures count.  Figures: wall seconds
and process CPU seconds (all threads), median [min-max]; the ratio is
numpy's wall time over the case's, per round.  The machine may be shared:
the load average is printed with the figures.

``--percall`` times small calls instead (thread CPU time, median of many),
numpy's method against the core with its threshold lowered to 0: where
the two cross is CORE_MIN_NORMALS / CORE_MIN_EXPONENTIALS.

    python benchmarks/bench_normals.py [--normals 5e7] [--exponentials 1e8] [--repeat 4]
    python benchmarks/bench_normals.py --percall
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import seedstream._fill_normals as fn


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def _cases(normals: int, exponentials: int) -> dict[str, Callable[[], Any]]:
    rs = np.random.RandomState(0)

    def one_thread(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            saved = fn.default_threads
            fn.default_threads = lambda: 1  # type: ignore[assignment]
            try:
                return call()
            finally:
                fn.default_threads = saved  # type: ignore[assignment]

        return run

    cases: dict[str, Callable[[], Any]] = {}
    if normals:
        cases["numpy standard_normal"] = lambda: np.random.RandomState.standard_normal(rs, normals)
        cases["core standard_normal"] = lambda: fn.standard_normal(rs, normals)
        cases["core standard_normal, 1 thread"] = one_thread(
            lambda: fn.standard_normal(rs, normals)
        )
    if exponentials:
        cases["numpy exponential"] = lambda: np.random.RandomState.exponential(
            rs, 1.0, exponentials
        )
        cases["core exponential"] = lambda: fn.exponential(rs, 1.0, exponentials)
        cases["core exponential, 1 thread"] = one_thread(
            lambda: fn.exponential(rs, 1.0, exponentials)
        )
    return cases


def _check(normals: int, exponentials: int) -> None:
    """The core's values and state are numpy's at these sizes (from a cached Gaussian too)."""
    for seed, (n, ours, theirs) in enumerate(
        [
            (normals, fn.standard_normal, np.random.RandomState.standard_normal),
            (exponentials, lambda rs, k: fn.exponential(rs, 1.0, k), None),
        ]
    ):
        if not n:
            continue
        a, b = np.random.RandomState(seed), np.random.RandomState(seed)
        a.standard_normal(), b.standard_normal()  # a Gaussian cached on both
        got = ours(a, n)
        expected = theirs(b, n) if theirs else b.exponential(1.0, n)
        same = got.tobytes() == expected.tobytes()
        sa, sb = a.get_state(legacy=False), b.get_state(legacy=False)
        same = same and bool((sa["state"]["key"] == sb["state"]["key"]).all())
        same = same and (sa["state"]["pos"], sa["has_gauss"], sa["gauss"]) == (
            sb["state"]["pos"],
            sb["has_gauss"],
            sb["gauss"],
        )
        if not same:
            raise AssertionError(f"the core differs from numpy at n={n}; no figure counts")


def main(normals: int = 5 * 10**7, exponentials: int = 10**8, repeat: int = 4) -> dict[str, Any]:
    _check(min(normals, 2 * 10**6 + 1), min(exponentials, 2 * 10**6 + 1))
    load = os.getloadavg()
    cases = _cases(normals, exponentials)
    names = list(cases)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else names[::-1]:
            c0, t0 = _cpu(), time.perf_counter()
            out = cases[name]()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(_cpu() - c0)
            del out
            # as it goes, so that a run cut short still says something
            print(f"  round {round_}: {name}: {wall[name][-1]:.3f} s", file=sys.stderr, flush=True)
    print(f"load average before: {load}, after: {os.getloadavg()}, threads: {fn.default_threads()}")
    print(f"{'case':34} {'wall s':>22} {'CPU s':>22} {'numpy wall / this':>22}")
    result: dict[str, Any] = {}
    for name in names:
        base = "numpy " + name.split()[1].rstrip(",")
        ratios = [b / w for b, w in zip(wall[base], wall[name], strict=True)]
        print(f"{name:34} {_spread(wall[name]):>22} {_spread(cpu[name]):>22} {_spread(ratios):>22}")
        result[name] = {"wall": wall[name], "cpu": cpu[name], "ratio": ratios}
    return result


def percall(sizes: tuple[int, ...] = (16, 32, 64, 128, 256, 512, 1024), repeat: int = 2001) -> None:
    """Thread CPU time of one call, numpy's against the core's (threshold lowered to 0)."""
    rs = np.random.RandomState(0)
    pairs = {
        "standard_normal": (
            lambda n: np.random.RandomState.standard_normal(rs, n),
            lambda n: fn.standard_normal(rs, n),
        ),
        "exponential": (
            lambda n: np.random.RandomState.exponential(rs, 1.0, n),
            lambda n: fn.exponential(rs, 1.0, n),
        ),
    }
    saved = fn.CORE_MIN_NORMALS, fn.CORE_MIN_EXPONENTIALS
    fn.CORE_MIN_NORMALS = fn.CORE_MIN_EXPONENTIALS = 0
    try:
        for name, (theirs, ours) in pairs.items():
            for n in sizes:
                times: dict[str, list[float]] = {"numpy": [], "core": []}
                for _ in range(repeat):
                    for label, call in (("numpy", theirs), ("core", ours)):
                        t0 = time.thread_time_ns()
                        call(n)
                        times[label].append(time.thread_time_ns() - t0)
                a, b = (statistics.median(times[k]) / 1e3 for k in ("numpy", "core"))
                print(f"{name:16} n={n:5}: numpy {a:7.2f} us, core {b:7.2f} us, ratio {a / b:.2f}")
    finally:
        fn.CORE_MIN_NORMALS, fn.CORE_MIN_EXPONENTIALS = saved


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normals", type=float, default=5e7)
    parser.add_argument("--exponentials", type=float, default=1e8)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--percall", action="store_true")
    args = parser.parse_args()
    if args.percall:
        percall()
    else:
        main(int(args.normals), int(args.exponentials), args.repeat)
