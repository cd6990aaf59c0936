"""In-memory legacy doubles: seedstream's RandomState against numpy's and the allocation limit.

Three parts, each timed by ``benchmarks/_timing.py``'s rules (every case
repeated, in rounds that alternate forwards and backwards; median [min-max]):

- default: ``RandomState(0).random_sample(n)`` (default n = 2·10**8, 1.6 GB) by
  numpy, by seedstream with every usable CPU (``SEEDSTREAM_THREADS`` unset)
  and with one thread (``SEEDSTREAM_THREADS=1``), and ``np.ones(n)`` (the
  allocation limit: a fresh array's page faults and one write).  Each run is
  a fresh process and times the call alone; the ratios are taken within each
  round (the cases ran one after the other), then summarised.  Every
  seedstream result is checked against numpy's (a strided sum and the last
  value) before its figure counts.
- ``--percall`` (this thread's CPU time): the fixed cost of one in-place fill (through the capsule,
  and through the ctypes struct view that served before), and
  ``seedstream._fill.random_sample`` with the core against the same wrapper
  with numpy's loop, over small sizes: where the core starts to win is
  ``_fill.CORE_MIN_VALUES``.
- ``--sweep``: ``fill_mt19937`` into a fresh ``np.empty`` with one thread and
  with two, by output size: where two start to win sets
  ``_fill.SEGMENT_MIN_BYTES``.

The machine may be shared: the wall times hold what other programs took, so
read the medians and the spread, and say so with the figures.

    python benchmarks/bench_inmemory.py [--n 2e8] [--repeat 4] [--percall] [--sweep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import _timing

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

# name: (environment, the timed call, which sets x)
CASES: dict[str, tuple[dict[str, str], str]] = {
    "numpy": ({}, "x = np.random.RandomState(0).random_sample({n})"),
    "seedstream": ({}, "x = seedstream.RandomState(0).random_sample({n})"),
    "seedstream 1 thread": (
        {"SEEDSTREAM_THREADS": "1"},
        "x = seedstream.RandomState(0).random_sample({n})",
    ),
    "np.ones": ({}, "x = np.ones({n})"),
}

_HARNESS = """
import json, sys
sys.path.insert(0, {here!r})
sys.path.insert(0, {src!r})
from _timing import Clock
import numpy as np, seedstream
from seedstream import _fill
seedstream.RandomState(0).random_sample(2 * _fill.CORE_MIN_VALUES)  # imports, the layout check
clock = Clock()
{call}
figures = clock.read()
check = [float(x[::9973].sum()), float(x[-1])]
del x
print(json.dumps({{**figures, "check": check, "threads": _fill.default_threads()}}))
"""


def run_case(name: str, n: int) -> dict[str, Any]:
    """One run of case `name` in a fresh process: its figures, or its error."""
    env, call = CASES[name]
    code = _HARNESS.format(here=str(HERE), src=str(SRC), call=call.format(n=n))
    environ = {k: v for k, v in os.environ.items() if k != "SEEDSTREAM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**environ, **env}
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _ratios(runs: dict[str, list[dict[str, Any]]], a: str, b: str) -> dict[str, float]:
    # Round by round: a's time over b's, the two having run in the same round.
    return _timing.spread(
        [x["seconds"] / y["seconds"] for x, y in zip(runs[a], runs[b], strict=True)]
    )


def _ratio_text(s: dict[str, float]) -> str:
    return f"{s['median']:.2f}x [{s['min']:.2f}-{s['max']:.2f}]"


def big(n: int, repeat: int) -> dict[str, Any]:
    """The default part: the four cases at n, interleaved; figures and ratios."""
    names = list(CASES)
    runs = _timing.interleave(names, repeat, lambda name: run_case(name, n))
    rows = {name: _timing.combine(runs[name]) for name in names}
    failed = {name: row["error"] for name, row in rows.items() if "error" in row}
    if failed:
        raise RuntimeError(f"cases failed: {failed}")
    for name in ("seedstream", "seedstream 1 thread"):
        if rows[name]["check"] != rows["numpy"]["check"]:
            raise AssertionError(f"{name}: the values differ from numpy's; its figures are void")
    print(
        f"random_sample({n:.3g}) in memory, wall time of the call in a fresh process, {repeat} runs"
    )
    for name, row in rows.items():
        extra = f", {row['threads']} threads" if name == "seedstream" else ""
        print(
            f"  {name:22s}{_timing.figure(row)}  (cpu user {row['cpu_user_seconds']:.2f} s, "
            f"sys {row['cpu_sys_seconds']:.2f} s{extra})"
        )
    ratios = {
        "numpy / seedstream": _ratios(runs, "numpy", "seedstream"),
        "seedstream / np.ones": _ratios(runs, "seedstream", "np.ones"),
        "seedstream 1 thread / seedstream": _ratios(runs, "seedstream 1 thread", "seedstream"),
        "numpy / seedstream 1 thread": _ratios(runs, "numpy", "seedstream 1 thread"),
    }
    print("ratios of times, round by round: median [min-max]")
    for label, s in ratios.items():
        print(f"  {label:34s}{_ratio_text(s)}")
    return {"rows": rows, "ratios": ratios}


def _per_call(func: Callable[[], object], seconds: float = 0.02) -> float:
    """CPU microseconds a call of `func`, over enough calls to take about `seconds`.

    This thread's CPU time (as bench_mtfill.py): the time slices other programs
    take on a shared machine do not count.
    """
    timer = timeit.Timer(func, timer=time.thread_time)
    took = timer.timeit(10) / 10
    number = max(1, int(seconds / max(took, 1e-9)))
    return timer.timeit(number) / number * 1e6


def percall(sizes: list[int], repeat: int, seconds: float = 0.02) -> dict[str, Any]:
    """The per-call part: fixed costs, then core against numpy's loop by size."""
    sys.path.insert(0, str(SRC))
    from seedstream import _fill, _mtfill, _mtstate

    rs = np.random.RandomState(0)
    bit_generator = rs._bit_generator
    one = np.empty(1)
    _mtstate.struct_layout_ok()

    def struct_view_route() -> None:  # what fill_mt19937 did before fill_state
        with bit_generator.lock:
            view = _mtstate._struct_view(bit_generator)
            view[624] = _mtfill.fill(view[:624], int(view[624]), one)

    fixed = {
        "fill_mt19937(bg, np.empty(1))": lambda: _fill.fill_mt19937(bit_generator, one),
        "_mtfill.fill_state(capsule, out) alone": lambda: _mtfill.fill_state(
            bit_generator.capsule, one
        ),
        "struct view + _mtfill.fill (before)": struct_view_route,
        "numpy RandomState.random_sample(1)": lambda: rs.random_sample(1),
    }
    saved = _fill.CORE_MIN_VALUES

    def wrapper(core: bool, n: int) -> Callable[[], object]:
        def call() -> object:
            _fill.CORE_MIN_VALUES = 0 if core else 2**62
            return _fill.random_sample(rs, n)

        return call

    cases: dict[str, Callable[[], object]] = dict(fixed)
    for n in sizes:
        cases[f"core {n}"] = wrapper(True, n)
        cases[f"numpy {n}"] = wrapper(False, n)
    try:
        runs = _timing.interleave(
            list(cases), repeat, lambda name: {"us": _per_call(cases[name], seconds)}
        )
    finally:
        _fill.CORE_MIN_VALUES = saved
    us = {name: _timing.spread([r["us"] for r in case]) for name, case in runs.items()}
    print(f"fixed cost of one call, CPU microseconds, median [min-max] of {repeat}")
    for name in fixed:
        s = us[name]
        print(f"  {name:42s}{s['median']:7.2f} [{s['min']:.2f}-{s['max']:.2f}]")
    print("_fill.random_sample(rs, n): core against numpy's loop, same wrapper, CPU microseconds")
    print(f"{'n':>8s}{'core':>20s}{'numpy':>20s}{'numpy / core':>14s}")
    for n in sizes:
        c, m = us[f"core {n}"], us[f"numpy {n}"]
        print(
            f"{n:8d}{c['median']:9.2f} [{c['min']:.2f}-{c['max']:.2f}]"
            f"{m['median']:9.2f} [{m['min']:.2f}-{m['max']:.2f}]"
            f"{m['median'] / c['median']:14.2f}"
        )
    return us


def sweep(log2_bytes: list[int], repeat: int) -> dict[str, Any]:
    """The threads part: one thread against two by output size, fresh np.empty each run."""
    sys.path.insert(0, str(SRC))
    from seedstream import _fill

    bit_generator = np.random.MT19937(0)

    def run(name: str) -> dict[str, float]:
        threads, k = name.split("@")
        out = np.empty(2 ** int(k) // 8)
        t0 = time.perf_counter()
        _fill.fill_mt19937(bit_generator, out, threads=int(threads), segment_min_bytes=1)
        seconds = time.perf_counter() - t0
        del out
        return {"seconds": seconds}

    names = [f"{t}@{k}" for k in log2_bytes for t in (1, 2)]
    runs = _timing.interleave(names, repeat, run)
    print(f"fill_mt19937 into a fresh np.empty, float64, wall ms, median [min-max] of {repeat}")
    print(f"{'bytes':>8s}{'1 thread':>24s}{'2 threads':>24s}{'1 / 2':>8s}")
    result = {}
    for k in log2_bytes:
        one = _timing.spread([r["seconds"] * 1e3 for r in runs[f"1@{k}"]])
        two = _timing.spread([r["seconds"] * 1e3 for r in runs[f"2@{k}"]])
        result[k] = {"1": one, "2": two}
        print(
            f"{'2**' + str(k):>8s}{one['median']:10.2f} [{one['min']:.2f}-{one['max']:.2f}]"
            f"{two['median']:12.2f} [{two['min']:.2f}-{two['max']:.2f}]"
            f"{one['median'] / two['median']:8.2f}"
        )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=2e8, help="values of the default part")
    parser.add_argument("--repeat", type=int, default=_timing.REPEATS)
    parser.add_argument("--percall", action="store_true", help="fixed costs, CORE_MIN_VALUES")
    parser.add_argument("--sweep", action="store_true", help="threads by size, SEGMENT_MIN_BYTES")
    parser.add_argument("--sizes", default="16,64,128,256,512,1024,2048")
    parser.add_argument("--log2-bytes", default="20,21,22,23,24,25,26,27")
    args = parser.parse_args(argv)
    print(json.dumps(_timing.stamp()))
    result: dict[str, Any] = {}
    if args.percall:
        result["percall"] = percall([int(s) for s in args.sizes.split(",")], args.repeat)
    if args.sweep:
        result["sweep"] = sweep([int(k) for k in args.log2_bytes.split(",")], args.repeat)
    if not (args.percall or args.sweep):
        result["big"] = big(int(args.n), args.repeat)
    return result


if __name__ == "__main__":
    main()
