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

    python benchmarks/bench_lazy.py [--n 1e9] [--auto-n 1e10] [--skip-numpy]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from typing import Any

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
import json, resource, time
{setup}
extra = {{}}
t0 = time.perf_counter()
{body}
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "peak_rss": peak, "value": value, **extra}}))
"""


def run_case(name: str, n: int) -> dict[str, Any]:
    setup, body = CASES[name]
    code = _HARNESS.format(setup=setup, body=textwrap.dedent(body.format(n=n)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        return {"case": name, "n": n, "error": done.stderr.strip().splitlines()[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"case": name, "n": n, **result}


def _line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{r['case']:16s} n={r['n']:.0e}  ERROR {r['error']}"
    return (
        f"{r['case']:16s} n={r['n']:.0e}  {r['seconds']:8.2f} s  "
        f"peak RSS {r['peak_rss'] / 2**30:6.2f} GiB  mean {r['value']:.6f}"
    )


def main(
    n: int = 10**9, auto_n: int = 10**10, skip_numpy: bool = False, normals: bool = True
) -> list[dict[str, Any]]:
    names = ["seedstream", "dask-peer"] + ([] if skip_numpy else ["numpy"])
    if normals:
        names += ["seedstream-normal"] + ([] if skip_numpy else ["numpy-randn"])
        names += ["seedstream-ziggurat"] + ([] if skip_numpy else ["numpy-ziggurat"])
        names += ["seedstream-int8"] + ([] if skip_numpy else ["numpy-int8"])
    results = [run_case(name, n) for name in names]
    if auto_n:
        results.append(run_case("seedstream-auto", auto_n))
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
        ("seedstream-normal", "numpy-randn", " (target >= 1.5)"),
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
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e9)
    parser.add_argument("--auto-n", type=float, default=1e10)
    parser.add_argument("--skip-numpy", action="store_true")
    parser.add_argument("--no-normals", action="store_true")
    args = parser.parse_args()
    main(int(args.n), int(args.auto_n), args.skip_numpy, not args.no_normals)
