"""In-memory draws: seedstream's stateful objects next to numpy's own calls.

For each size, the same call is timed on numpy and on seedstream (best of
``--repeat`` runs each, alternating, in this process), from freshly seeded
objects.  seedstream delegates generation to numpy, so the ratio measures its
bookkeeping; ``start=`` adds one jump (about a millisecond for MT19937).

Then every method of the method table (``seedstream._methods``) is timed in
small calls, at n = None (a scalar), 1, 10 and 1000: what a Monte Carlo loop
that swaps ``import numpy.random`` for ``import seedstream`` pays per call.
Each of ``--repeat`` rounds times a loop of numpy's calls and one of
seedstream's (about ``--seconds`` of CPU time each), back to back, each first
in alternate rounds; a figure is the median over the rounds, and the ratio
ours/numpy is the median of the rounds' ratios, with their [min-max].  "C"
marks the methods whose plain calls are served in C (``seedstream._small``).

    python benchmarks/bench_streams.py [--max-n 100000000] [--repeat 9] [--no-calls]
    python benchmarks/bench_streams.py --calls-only [--served] [--method normal ...]
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import seedstream
from seedstream._methods import methods

CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any], str]] = {
    # label: (numpy factory, seedstream factory, method)
    "RandomState.random_sample": (
        lambda: np.random.RandomState(0),
        lambda: seedstream.RandomState(0),
        "random_sample",
    ),
    "Generator(PCG64).random": (
        lambda: np.random.default_rng(0),
        lambda: seedstream.default_rng(0),
        "random",
    ),
    "Generator(MT19937).random": (
        lambda: np.random.Generator(np.random.MT19937(0)),
        lambda: seedstream.Generator(np.random.MT19937(0)),
        "random",
    ),
}


def _best(make: Callable[[], Any], method: str, n: int, repeat: int, **kw: Any) -> float:
    best = float("inf")
    for _ in range(repeat):
        obj = make()
        t0 = time.perf_counter()
        getattr(obj, method)(n, **kw)
        best = min(best, time.perf_counter() - t0)
    return best


def main(max_n: int = 10**8, repeat: int = 5) -> list[dict[str, Any]]:
    sizes = [n for n in (1, 10**3, 10**5, 10**6, 10**7, 10**8) if n <= max_n]
    rows = []
    print(f"{'call':28s}{'n':>11s}{'numpy s':>12s}{'ours s':>12s}{'ratio':>8s}")
    for label, (make_np, make_ss, method) in CASES.items():
        for n in sizes:
            reps = repeat if n < 10**7 else max(1, repeat // 2)
            t_np = t_ss = float("inf")
            for _ in range(2):  # alternate, so drift hits both alike
                t_np = min(t_np, _best(make_np, method, n, reps))
                t_ss = min(t_ss, _best(make_ss, method, n, reps))
            rows.append({"call": label, "n": n, "numpy_s": t_np, "seedstream_s": t_ss})
            print(f"{label:28s}{n:11d}{t_np:12.6f}{t_ss:12.6f}{t_ss / t_np:8.2f}")
    n = sizes[-1]
    t_start = _best(lambda: seedstream.RandomState(0), "random_sample", n, 3, start=10**12)
    print(f"RandomState.random_sample(n={n}, start=10**12): {t_start:.6f} s")
    return rows


# Parameters for the small-call table, by numpy's method name (both APIs take these).
ARGS: dict[str, tuple[Any, ...]] = {
    "uniform": (-1.0, 2.0), "normal": (1.0, 2.0), "exponential": (2.0,), "randint": (0, 1000),
    "integers": (0, 1000), "random_integers": (1, 1000), "beta": (2.0, 3.0),
    "binomial": (10, 0.3), "chisquare": (3.0,), "f": (3.0, 4.0), "gamma": (2.0, 1.5),
    "geometric": (0.3,), "gumbel": (0.0, 1.0), "hypergeometric": (10, 20, 5),
    "laplace": (0.0, 1.0), "logistic": (0.0, 1.0), "lognormal": (0.0, 1.0),
    "logseries": (0.6,), "negative_binomial": (5, 0.5), "noncentral_chisquare": (3.0, 2.0),
    "noncentral_f": (3.0, 4.0, 2.0), "pareto": (3.0,), "poisson": (3.0,), "power": (3.0,),
    "rayleigh": (1.0,), "standard_gamma": (2.0,), "standard_t": (5.0,),
    "triangular": (0.0, 0.5, 1.0), "vonmises": (0.0, 4.0), "wald": (1.0, 2.0),
    "weibull": (1.5,), "zipf": (2.0,), "choice": (100,), "dirichlet": ([1.0, 2.0, 3.0],),
    "multinomial": (10, [0.2, 0.3, 0.5]), "multivariate_normal": ([0.0, 0.0], np.eye(2)),
    "multivariate_hypergeometric": ([5, 10, 15], 6),
}  # fmt: skip
SIZES: tuple[int | None, ...] = (None, 1, 10, 1000)


def _calls(name: str, api: str, n: int | None) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """(args, kwargs) of a call of `name` with n values, or None where it takes no size."""
    if name in ("rand", "randn"):
        return (() if n is None else (n,)), {}
    if name == "bytes":
        return (1 if n is None else n,), {}
    if name in ("permutation", "shuffle", "permuted"):
        return None if n is None else ((np.arange(n),), {})
    base = np.random.Generator if api == "Generator" else np.random.RandomState
    if "size" not in inspect.signature(getattr(base, name)).parameters:
        return None
    return ARGS.get(name, ()), ({} if n is None else {"size": n})


def _loop(call: Callable[..., Any], args: Any, kwargs: Any, number: int) -> float:
    """CPU seconds per ``call(*args, **kwargs)``, over `number` calls.

    CPU time of this process, not wall time: on a shared machine a loop that is
    descheduled half way would otherwise count the other programs' time too.
    """
    clock = time.process_time
    t0 = clock()
    for _ in range(number):
        call(*args, **kwargs)
    return (clock() - t0) / number


def _calibrate(call: Callable[..., Any], args: Any, kwargs: Any, seconds: float) -> int:
    """How many calls take about `seconds` of CPU time (at least one)."""
    number = 1
    while True:
        elapsed = _loop(call, args, kwargs, number) * number
        if elapsed >= seconds / 10 or number >= 10**6:
            break
        number *= 10
    return max(1, int(number * seconds / max(elapsed, 1e-9)))


def served_in_c(api: str, name: str) -> bool:
    """Whether seedstream's method serves plain small calls in C (seedstream._small)."""
    cls = {"RandomState": seedstream.RandomState, "Generator": seedstream.Generator}.get(api)
    found = inspect.getattr_static(cls, name, None) if cls is not None else None
    return type(found).__name__ == "small_call"  # by name: runs on trees without _fastcall


def small_calls(
    names: tuple[str, ...] | None = None,
    repeat: int = 9,
    seconds: float = 0.02,
    served_only: bool = False,
) -> list[dict[str, Any]]:
    """Per-call time of every table method (or `names`), seedstream's over numpy's.

    `served_only`: only the methods served in C (see :func:`served_in_c`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # random_integers', at every call
        return _small_calls(names, repeat, seconds, served_only)


def _small_calls(
    names: tuple[str, ...] | None, repeat: int, seconds: float, served_only: bool
) -> list[dict[str, Any]]:
    pairs = {
        "RandomState": (lambda: np.random.RandomState(0), lambda: seedstream.RandomState(0)),
        "Generator": (lambda: np.random.default_rng(0), lambda: seedstream.default_rng(0)),
        "PythonRandom": (lambda: np.random.RandomState(0), lambda: seedstream.PythonRandom(0)),
    }
    rows = []
    head = f"{'n':>6s}{'numpy us':>10s}{'ours us':>10s}{'ours/numpy':>11s}  {'[min-max]':13s}"
    print(f"\n{'small calls (CPU time, C: served in C)':40s}{head}")
    for api, (make_np, make_ss) in pairs.items():
        for row in methods(api):
            if row.kind == "state" or (names is not None and row.name not in names):
                continue
            if api == "PythonRandom" and row.alias_of is None:
                continue  # CPython's own methods (gauss, ...): no numpy call to set beside them
            in_c = served_in_c(api, row.name)
            if served_only and not in_c:
                continue
            for n in SIZES:
                call = _calls(row.alias_of if api == "PythonRandom" else row.name, api, n)
                if call is None:
                    continue
                args, kwargs = call
                numpys = getattr(make_np(), row.alias_of if api == "PythonRandom" else row.name)
                ours = getattr(make_ss(), row.name)
                ours(*args, **kwargs)  # first call: anything worked out once
                number = _calibrate(numpys, args, kwargs, seconds)
                runs_np, runs_ss = [], []
                for i in range(repeat):  # interleaved, each first in alternate rounds
                    if i % 2:
                        runs_ss.append(_loop(ours, args, kwargs, number))
                    runs_np.append(_loop(numpys, args, kwargs, number))
                    if not i % 2:
                        runs_ss.append(_loop(ours, args, kwargs, number))
                ratios = sorted(ss / np_ for ss, np_ in zip(runs_ss, runs_np, strict=True))
                label = f"{api}.{row.name}"
                rows.append(
                    {"call": label, "n": n, "in_c": in_c,
                     "numpy_s": statistics.median(runs_np),
                     "seedstream_s": statistics.median(runs_ss),
                     "ratio": statistics.median(ratios), "ratio_min": ratios[0],
                     "ratio_max": ratios[-1], "numpy_runs": runs_np, "seedstream_runs": runs_ss}
                )  # fmt: skip
                shown = "None" if n is None else str(n)
                mark = " C" if in_c else ""
                print(f"{label + mark:40s}{shown:>6s}{rows[-1]['numpy_s'] * 1e6:10.2f}"
                      f"{rows[-1]['seedstream_s'] * 1e6:10.2f}{rows[-1]['ratio']:11.2f}"
                      f"  [{ratios[0]:.2f}-{ratios[-1]:.2f}]")  # fmt: skip
    if rows:
        summary = statistics.median(r["ratio"] for r in rows)
        within = sum(r["ratio"] <= 1.1 for r in rows)
        print(f"median ratio {summary:.2f}; {within} of {len(rows)} calls within 1.1x; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=10**8)
    parser.add_argument("--repeat", type=int, default=9, help="interleaved runs per figure")
    parser.add_argument("--seconds", type=float, default=0.02, help="per loop of small calls")
    parser.add_argument("--no-calls", action="store_true", help="skip the small-call table")
    parser.add_argument("--calls-only", action="store_true", help="only the small-call table")
    parser.add_argument("--method", action="append", help="small calls of these methods only")
    parser.add_argument("--served", action="store_true", help="small calls served in C only")
    args = parser.parse_args()
    if not args.calls_only:
        main(args.max_n, args.repeat)
    if not args.no_calls:
        names = tuple(args.method) if args.method else None
        small_calls(names, args.repeat, args.seconds, args.served)
