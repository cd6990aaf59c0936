"""In-memory draws: seedstream's stateful objects next to numpy's own calls.

For each size, the same call is timed on numpy and on seedstream (best of
``--repeat`` runs each, alternating, in this process), from freshly seeded
objects.  seedstream delegates generation to numpy, so the ratio measures its
bookkeeping; ``start=`` adds one jump (about a millisecond for MT19937).

    python benchmarks/bench_streams.py [--max-n 100000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import seedstream

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=10**8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    main(args.max_n, args.repeat)
