"""Each method chunked by issue 12, at 10^8 values on 2 cores, against numpy's own call.

For every case, in fresh processes (``bench_lazy.run_source``), interleaved
rounds (``benchmarks/_timing.py``):

- numpy:      ``getattr(np.random.RandomState(0), method)(*args, size=n).mean()``
  (``np.random.default_rng(0)`` for Generator's methods; for PythonRandom's,
  CPython's own loop ``random.Random(0).method(*args)``, n calls, summed exactly);
- seedstream: the same call on seedstream's object with ``chunks=2**24``, then
  ``.mean().compute(scheduler="threads")``.  Building the lazy array is the count
  pass (a variable-consumption method is counted before any chunk is made); it is
  reported on its own.

The means must agree (up to summation order): a check that both made the same values.

    python benchmarks/bench_methods.py [--n 1e8] [--repeat 2] [--cases gamma choice-p ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _timing  # noqa: E402
from bench_lazy import run_source  # noqa: E402

_P = "[0.1, 0.2, 0.3, 0.4]"

#: name: (API, method, the call's arguments as source)
CASES: dict[str, tuple[str, str, str]] = {
    # RandomState's Gaussian-based methods (they read numpy's cached Gaussian)
    "gamma": ("RandomState", "gamma", "2.0, 1.5"),
    "gamma-small-shape": ("RandomState", "gamma", "0.5"),
    "standard_gamma": ("RandomState", "standard_gamma", "3.0"),
    "lognormal": ("RandomState", "lognormal", "0.0, 1.0"),
    "beta": ("RandomState", "beta", "2.0, 3.0"),
    "beta-small": ("RandomState", "beta", "0.5, 0.5"),
    "chisquare": ("RandomState", "chisquare", "3.0"),
    "noncentral_chisquare": ("RandomState", "noncentral_chisquare", "3.0, 2.0"),
    "f": ("RandomState", "f", "3.0, 4.0"),
    "noncentral_f": ("RandomState", "noncentral_f", "3.0, 4.0, 2.0"),
    "standard_t": ("RandomState", "standard_t", "5.0"),
    "standard_cauchy": ("RandomState", "standard_cauchy", ""),
    "wald": ("RandomState", "wald", "1.0, 1.0"),
    "negative_binomial": ("RandomState", "negative_binomial", "5, 0.5"),
    # Generator's counted methods: numpy's own method counts (1 to 8 units a value)
    "generator-gamma": ("Generator", "gamma", "2.0, 1.5"),
    "generator-gamma-small-shape": ("Generator", "gamma", "0.5"),
    "generator-beta": ("Generator", "beta", "2.0, 3.0"),
    "generator-f": ("Generator", "f", "3.0, 4.0"),
    "generator-standard_t": ("Generator", "standard_t", "5.0"),
    "generator-negative_binomial": ("Generator", "negative_binomial", "5, 0.5"),
    "generator-poisson": ("Generator", "poisson", "3.0"),
    "generator-poisson-large": ("Generator", "poisson", "50.0"),
    "generator-binomial": ("Generator", "binomial", "20, 0.3"),
    "generator-standard_normal": ("Generator", "standard_normal", ""),
    "generator-standard_exponential": ("Generator", "standard_exponential", ""),
    # choice: integers without p, uniforms and the CDF with it
    "choice": ("RandomState", "choice", "1000"),
    "choice-p": ("RandomState", "choice", f"4, p={_P}"),
    "generator-choice": ("Generator", "choice", "1000"),
    "generator-choice-p": ("Generator", "choice", f"4, p={_P}"),
    # hypergeometric: the sampling branch (32-bit units) and HRUA (doubles)
    "hypergeometric-sample": ("Generator", "hypergeometric", "10, 20, 5"),
    "hypergeometric-hrua": ("Generator", "hypergeometric", "100, 200, 50"),
    # PythonRandom's methods of fixed consumption, against CPython's own loop
    "python-gauss": ("PythonRandom", "gauss", ""),
    "python-expovariate": ("PythonRandom", "expovariate", "1.0"),
    "python-triangular": ("PythonRandom", "triangular", "0.0, 1.0, 0.25"),
    "python-paretovariate": ("PythonRandom", "paretovariate", "3.0"),
    "python-weibullvariate": ("PythonRandom", "weibullvariate", "1.0, 1.5"),
    # ... and of Kinderman and Monahan's rejections, counted
    "python-normalvariate": ("PythonRandom", "normalvariate", "0.0, 1.0"),
    "python-lognormvariate": ("PythonRandom", "lognormvariate", "0.0, 0.5"),
}

_NUMPY = """
obj = {make}
value = float(obj.{method}({args}size={n}).mean())
"""
_CPYTHON = """
import math
obj = random.Random(0)
call = functools.partial(obj.{method}, {args})
value = math.fsum(call() for _ in range({n})) / {n}
"""
_OURS = """
obj = {make}
x = obj.{method}({args}size={n}, chunks=2**24)
extra = {{"count pass s": time.perf_counter() - t0}}
value = float(x.mean().compute(scheduler="threads"))
"""


def _source(name: str, n: int, ours: bool) -> tuple[str, str]:
    api, method, args = CASES[name]
    setup = "import functools, random, numpy as np, seedstream, dask.array"
    if api == "PythonRandom" and not ours:  # CPython's own loop: no size= there
        return setup, _CPYTHON.format(method=method, args=args, n=n)
    module = "seedstream" if ours else "np.random"
    make = {
        "RandomState": f"{module}.RandomState(0)",
        "Generator": f"{module}.default_rng(0)",
        "PythonRandom": "seedstream.PythonRandom(0)",
    }[api]
    body = (_OURS if ours else _NUMPY).format(
        make=make, method=method, args=f"{args}, " if args else "", n=n
    )
    return setup, body


def run(name: str, n: int) -> dict[str, Any]:
    """One run of `name` (``"numpy:<case>"`` or ``"seedstream:<case>"``) in a fresh process."""
    side, case = name.split(":")
    setup, body = _source(case, n, side == "seedstream")
    return run_source(name, n, setup, body)


def main(
    n: int = 10**8,
    repeats: int = 2,
    cases: list[str] | None = None,
    out: Path | None = None,
    n_python: int = 10**7,
) -> list[dict[str, Any]]:
    """Run the cases (numpy's and ours, `repeats` times, interleaved); print the ratios.

    PythonRandom's cases draw `n_python` values: CPython's loop takes ~0.3 s a 10**6.
    """

    def size(name: str) -> int:
        return n_python if CASES[name.split(":")[1]][0] == "PythonRandom" else n

    chosen = cases or list(CASES)
    unknown = sorted(set(chosen) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown case {', '.join(unknown)}: choose from {', '.join(CASES)}")
    names = [f"{side}:{case}" for case in chosen for side in ("numpy", "seedstream")]
    started = _timing.stamp()
    runs = _timing.interleave(names, repeats, lambda name: run(name, size(name)))
    results = [_timing.combine(runs[name], (*_timing.TIMED, "count pass s")) for name in names]
    by = {r["case"]: r for r in results}
    print(
        f"n = {n:.0e} (PythonRandom's: {n_python:.0e}), {repeats} interleaved rounds, "
        f"load {started['load_average']}"
    )
    print(f"{'case':24s} {'numpy':>24s} {'seedstream':>24s}  ratio  count pass  same")
    for case in chosen:
        theirs, ours = by[f"numpy:{case}"], by[f"seedstream:{case}"]
        if "error" in theirs or "error" in ours:
            print(f"{case:24s} ERROR {ours.get('error') or theirs.get('error')}")
            continue
        count = ours["count pass s"]
        same = abs(theirs["value"] - ours["value"]) <= 1e-9 * max(1.0, abs(theirs["value"]))
        print(
            f"{case:24s} {_timing.figure(theirs):>24s} {_timing.figure(ours):>24s}  "
            f"{theirs['seconds'] / ours['seconds']:5.2f}x  "
            f"{count:5.2f} s {count / ours['seconds']:4.0%}  {same}"
        )
    if out is not None:
        settings = {"n": n, "n_python": n_python, "repeats": repeats, "chunks": 2**24}
        title = "bench_methods: issue 12's chunked methods against numpy's own call"
        _timing.save(out, "bench_methods", title, settings, started, results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=float, default=1e8, help="values a case (CPython's: --n-python)"
    )
    parser.add_argument("--n-python", type=float, default=1e7, help="PythonRandom's values")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each case, interleaved")
    parser.add_argument("--cases", nargs="+", help=f"only these (from {', '.join(CASES)})")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    main(int(args.n), args.repeat, args.cases, args.out, int(args.n_python))
