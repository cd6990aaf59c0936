"""Huge draws: seedstream's lazy dask arrays next to numpy and to dask.array.random.

Each case runs in a fresh Python process (so its peak RSS is its own), one
after the other, in this one invocation:

- numpy:     ``np.random.seed(0); np.random.rand(n).mean()``
- seedstream ``RandomState(0).random_sample(n, chunks=2**24).mean()`` (threaded scheduler)
- dask peer  ``da.random.RandomState(0).random_sample(n, chunks=2**24).mean()``
             (whose numbers are not numpy's)
- auto mode  ``RandomState(0).rand(N).mean()`` for N beyond memory (default 10**10)
- normals:   ``np.random.seed(0); np.random.randn(n).mean()`` next to seedstream's exact
             ``RandomState(0).standard_normal(n, chunks=2**24).mean()`` (count pass included,
             and reported on its own)
- packed:    ``np.random.default_rng(0).integers(0, 100, n, dtype=np.int8)`` summed, next to
             seedstream's exact chunked draw (8-bit values share 32-bit words in numpy)
- ziggurat:  ``np.random.default_rng(0).standard_normal(n).mean()`` next to seedstream's
             exact ``default_rng(0).standard_normal(n, chunks=2**24).mean()`` (its count pass
             runs numpy's own method over every segment, and is reported on its own)

Every case runs ``--repeat`` times (default 4), in rounds whose order alternates
forwards and backwards, numpy's cases the same way as seedstream's
(``benchmarks/_timing.py``); each figure is the median, with the minimum and
maximum, the CPU seconds (user, system) and minor page faults of the timed
region.  The results go to ``--out`` (default ``benchmarks/results``) as
``bench_lazy-<UTC time>.json``, which records the git commit they ran at and
whether the tree was dirty.

    python benchmarks/bench_lazy.py [--n 1e9] [--auto-n 1e10] [--skip-numpy] [--repeat 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import _timing

HERE = Path(__file__).resolve().parent

# name: (imports, untimed; the timed body, which sets `value`)
CASES = {
    "numpy": (
        "import numpy as np",
        """
        np.random.seed(0)
        value = float(np.random.rand({n}).mean())
        """,
    ),
    "seedstream": (
        "import seedstream, dask.array",
        """
        x = seedstream.RandomState(0).random_sample({n}, chunks=2**24)
        value = float(x.mean().compute(scheduler="threads"))
        """,
    ),
    "dask-peer": (
        "import dask.array as da",
        """
        x = da.random.RandomState(0).random_sample({n}, chunks=2**24)
        value = float(x.mean().compute(scheduler="threads"))
        """,
    ),
    "numpy-randn": (
        "import numpy as np",
        """
        np.random.seed(0)
        value = float(np.random.randn({n}).mean())
        """,
    ),
    "seedstream-normal": (
        "import seedstream, dask.array",
        """
        x = seedstream.RandomState(0).standard_normal({n}, chunks=2**24)
        extra = {{"count pass s": time.perf_counter() - t0}}
        value = float(x.mean().compute(scheduler="threads"))
        """,
    ),
    "numpy-ziggurat": (
        "import numpy as np",
        """
        value = float(np.random.default_rng(0).standard_normal({n}).mean())
        """,
    ),
    "seedstream-ziggurat": (
        "import seedstream, dask.array",
        """
        x = seedstream.default_rng(0).standard_normal({n}, chunks=2**24)
        extra = {{"count pass s": time.perf_counter() - t0}}
        value = float(x.mean().compute(scheduler="threads"))
        """,
    ),
    "numpy-int8": (
        "import numpy as np",
        """
        x = np.random.default_rng(0).integers(0, 100, {n}, dtype=np.int8)
        value = float(x.sum(dtype=np.int64))
        """,
    ),
    "seedstream-int8": (
        "import numpy as np, seedstream, dask.array",
        """
        x = seedstream.default_rng(0).integers(0, 100, {n}, dtype=np.int8, chunks=2**26)
        extra = {{"count pass s": time.perf_counter() - t0}}
        value = float(x.sum(dtype=np.int64).compute(scheduler="threads"))
        """,
    ),
    "seedstream-auto": (
        "import warnings, seedstream, dask.array",
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = seedstream.RandomState(0).rand({n})
        mean = x.mean()
        value = float(mean.compute(scheduler="threads") if hasattr(mean, "compute") else mean)
        extra = {{"result type": type(x).__name__, "warned": [str(w.message)[:80] for w in caught]}}
        """,
    ),
}

_HARNESS = """
import json, sys, time
sys.path.insert(0, {here!r})
from _timing import Clock, peak_rss
{setup}
extra = {{}}
clock = Clock()
t0 = clock.t0
{body}
print(json.dumps({{**clock.read(), "peak_rss": peak_rss(), "value": value, **extra}}))
"""


def run_case(name: str, n: int) -> dict[str, Any]:
    """One run of case `name` at `n` values, in a fresh process."""
    setup, body = CASES[name]
    return run_source(name, n, setup, body.format(n=n))


def run_source(name: str, n: int, setup: str, body: str) -> dict[str, Any]:
    """One run of `body` (which sets ``value``) after `setup`, timed in a fresh process."""
    code = _HARNESS.format(here=str(HERE), setup=setup, body=textwrap.dedent(body))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        return {"case": name, "n": n, "error": done.stderr.strip().splitlines()[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"case": name, "n": n, **result}


def _line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{r['case']:19s} n={r['n']:.0e}  ERROR {r['error']}"
    return (
        f"{r['case']:19s} n={r['n']:.0e}  {_timing.figure(r):>26s}  "
        f"cpu {r['cpu_user_seconds']:.2f} user + {r['cpu_sys_seconds']:.2f} sys  "
        f"peak RSS {r['peak_rss'] / 2**30:6.2f} GiB  mean {r['value']:.6f}"
    )


def main(
    n: int = 10**9,
    auto_n: int = 10**10,
    skip_numpy: bool = False,
    normals: bool = True,
    repeats: int = _timing.REPEATS,
    out: Path | None = None,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Run the cases (each `repeats` times, interleaved); write a JSON into `out` if given.

    `only`: these cases alone (names as printed), whatever the other options say.
    """
    names = ["seedstream", "dask-peer"] + ([] if skip_numpy else ["numpy"])
    if normals:
        names += ["seedstream-normal"] + ([] if skip_numpy else ["numpy-randn"])
        names += ["seedstream-ziggurat"] + ([] if skip_numpy else ["numpy-ziggurat"])
        names += ["seedstream-int8"] + ([] if skip_numpy else ["numpy-int8"])
    if auto_n:
        names.append("seedstream-auto")
    if only:
        unknown = sorted(set(only) - set(CASES))
        if unknown:
            raise SystemExit(f"unknown case {', '.join(unknown)}: choose from {', '.join(CASES)}")
        names = list(only)
    size = {name: auto_n if name == "seedstream-auto" else n for name in names}
    started = _timing.stamp()
    runs = _timing.interleave(names, repeats, lambda name: run_case(name, size[name]))
    results = [_timing.combine(runs[name], (*_timing.TIMED, "count pass s")) for name in names]
    for r in results:
        print(_line(r))
    by = {r["case"]: r for r in results if "error" not in r}
    if "seedstream" in by and "dask-peer" in by:
        ratio = by["seedstream"]["seconds"] / by["dask-peer"]["seconds"]
        print(f"seedstream / dask peer time: {ratio:.2f}  (target <= 1.15)")
    if "seedstream" in by and "numpy" in by:
        speed = by["numpy"]["seconds"] / by["seedstream"]["seconds"]
        memory = by["seedstream"]["peak_rss"] / by["numpy"]["peak_rss"]
        print(f"numpy / seedstream time: {speed:.1f}x faster  (target >= 8)")
        print(f"seedstream / numpy peak RSS: {memory:.2f}  (target <= 0.25)")
        same = abs(by["numpy"]["value"] - by["seedstream"]["value"]) < 1e-9
        print(f"same mean as numpy (up to summation order): {same}")
    for ours_name, theirs_name, target in [
        ("seedstream-normal", "numpy-randn", " (target >= 5)"),
        ("seedstream-ziggurat", "numpy-ziggurat", ""),
        ("seedstream-int8", "numpy-int8", ""),
    ]:
        if ours_name not in by or theirs_name not in by:
            continue
        ours, theirs = by[ours_name], by[theirs_name]
        print(
            f"{ours_name}: numpy / seedstream time: {theirs['seconds'] / ours['seconds']:.2f}x "
            f"faster{target}, peak RSS {ours['peak_rss'] / 2**30:.2f} GiB (target < 2), "
            f"count pass {ours['count pass s']:.2f} s = "
            f"{ours['count pass s'] / ours['seconds']:.0%} of the total"
        )
        same = abs(theirs["value"] - ours["value"]) < 1e-9
        print(f"{ours_name}: same mean (or sum) as numpy (up to summation order): {same}")
    if "seedstream-auto" in by:
        auto = by["seedstream-auto"]
        print(
            f"auto mode, n={auto_n:.0e}: {auto.get('result type')}, "
            f"peak RSS {auto['peak_rss'] / 2**30:.2f} GiB (target < 2)"
        )
    if out is not None:
        settings = {"n": n, "auto_n": auto_n, "repeats": repeats, "order": "ABBA"}
        title = "bench_lazy: huge draws, lazy and in memory"
        _timing.save(out, "bench_lazy", title, settings, started, results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e9)
    parser.add_argument("--auto-n", type=float, default=1e10)
    parser.add_argument("--skip-numpy", action="store_true")
    parser.add_argument("--no-normals", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=_timing.REPEATS, help="runs of each case, interleaved"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the JSON goes")
    parser.add_argument(
        "--cases", nargs="+", help="only these cases (e.g. seedstream-normal numpy-randn)"
    )
    args = parser.parse_args()
    main(
        int(args.n),
        int(args.auto_n),
        args.skip_numpy,
        not args.no_normals,
        repeats=args.repeat,
        out=args.out,
        only=args.cases,
    )
