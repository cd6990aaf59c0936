"""Bounded integers in memory: seedstream's randint / integers on the core against numpy's.

Two parts, in one process (the ratios are taken within each round, so a machine
shared with other programs moves both sides of a ratio together):

- default: ``RandomState(0).randint(0, 1000, n)`` (int64, default n = 10**8) by
  numpy, by seedstream's ``RandomState`` (every usable CPU) and by the core with
  one thread (``_fill_ints.randint(..., threads=1)``); then
  ``Generator(MT19937(0)).integers(0, 1000, n)`` by numpy and by seedstream.  Each
  case draws a fresh array; cases run in rounds that alternate forwards and
  backwards; every seedstream result is checked against numpy's (a strided sum
  and the last value) before its figure counts.  Printed: wall seconds, median
  [min-max], and numpy's time over each case's, per round; user and system CPU seconds
  (every thread's): user is the drawing, system mostly the kernel zeroing the
  fresh array's pages, the same for numpy and the core.
- ``--percall``: CPU time of one call of ``_fill_ints.randint(rs, 0, 1000, n)``
  against numpy's ``randint`` over small n: where the core starts to win sets
  ``_fill_ints.CORE_MIN_INTS``.

    python benchmarks/bench_integers.py [--n 1e8] [--repeat 5] [--percall]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import seedstream  # noqa: E402
from seedstream import _fill_ints  # noqa: E402


def _cases(n: int) -> dict[str, tuple[str, Callable[[], Any]]]:
    # name: (the numpy case it is checked against and compared with, the call)
    def numpy_randint() -> Any:
        return np.random.RandomState(0).randint(0, 1000, n)

    def ours_randint() -> Any:
        return seedstream.RandomState(0).randint(0, 1000, n)

    def core_one_thread() -> Any:
        return _fill_ints.randint(np.random.RandomState(0), 0, 1000, n, threads=1)

    def numpy_integers() -> Any:
        return np.random.Generator(np.random.MT19937(0)).integers(0, 1000, n)

    def ours_integers() -> Any:
        return seedstream.Generator(seedstream.MT19937(0)).integers(0, 1000, n)

    return {
        "numpy randint": ("numpy randint", numpy_randint),
        "seedstream randint": ("numpy randint", ours_randint),
        "core randint, 1 thread": ("numpy randint", core_one_thread),
        "numpy integers": ("numpy integers", numpy_integers),
        "seedstream integers": ("numpy integers", ours_integers),
    }


def _fingerprint(x: Any) -> tuple[int, int, int]:
    return int(x[::997].sum()), int(x[-1]), int(x.size)


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def main(n: int = 10**8, repeat: int = 5) -> dict[str, dict[str, list[float]]]:
    """Time every case `repeat` times, interleaved; print and return seconds and ratios."""
    cases = _cases(n)
    names = list(cases)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    user: dict[str, list[float]] = {name: [] for name in names}
    system: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    expected: dict[str, tuple[int, int, int]] = {}
    for r in range(repeat):
        this_round: dict[str, float] = {}
        for name in names if r % 2 == 0 else names[::-1]:
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            x = cases[name][1]()
            this_round[name] = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            user[name].append(r1.ru_utime - r0.ru_utime)
            system[name].append(r1.ru_stime - r0.ru_stime)
            print_ = _fingerprint(x)
            del x
            reference = cases[name][0]
            if name == reference:
                expected[name] = print_
            elif reference in expected and expected[reference] != print_:
                raise AssertionError(
                    f"{name}: not numpy's numbers ({print_} != {expected[reference]})"
                )
        for name in names:
            seconds[name].append(this_round[name])
            ratios[name].append(this_round[cases[name][0]] / this_round[name])
    print(f"n = {n}, {repeat} interleaved rounds, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    for name in names:
        print(
            f"  {name:24s} wall {_summary(seconds[name])} s, user {_summary(user[name])} s, "
            f"system {_summary(system[name])} s, numpy / this (wall, per round) "
            f"{_summary(ratios[name])}"
        )
    return {"seconds": seconds, "user": user, "system": system, "ratios": ratios}


def percall(
    sizes: tuple[int, ...] = (64, 128, 256, 512, 1024, 4096), repeat: int = 7
) -> dict[int, float]:
    """numpy's CPU time over the core's for one ``randint(0, 1000, n)`` call, by n."""
    rs = np.random.RandomState(0)
    result = {}
    threshold, _fill_ints.CORE_MIN_INTS = _fill_ints.CORE_MIN_INTS, 1  # the core at every n
    try:
        for size in sizes:
            result[size] = _percall_one(rs, size, repeat)
    finally:
        _fill_ints.CORE_MIN_INTS = threshold
    return result


def _percall_one(rs: np.random.RandomState, size: int, repeat: int) -> float:
    calls = max(10, 200_000 // size)
    runs: list[float] = []
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(calls):
            np.random.RandomState.randint(rs, 0, 1000, size)
        t_numpy = time.process_time() - t0
        t0 = time.process_time()
        for _ in range(calls):
            _fill_ints.randint(rs, 0, 1000, size, threads=1)
        t_core = time.process_time() - t0
        runs.append(t_numpy / t_core)
    print(f"  n = {size:5d}: numpy / core {_summary(runs)} (CPU, median of {repeat})")
    return statistics.median(runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=float, default=1e8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--percall", action="store_true")
    args = parser.parse_args()
    if args.percall:
        percall()
    else:
        main(int(args.n), args.repeat)
