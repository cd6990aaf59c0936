"""Cost of seedstream.advance on MT19937, next to numpy's own MT19937.jumped().

Jumps go from one fixed state to uniformly random positions below 2**64 (the
cost grows with log2 of the distance); numpy's jumped() is a fixed 2**128 jump
with a precomputed polynomial.  Both run single-threaded, in this process,
interleaved round by round so that a busy machine slows both alike: the ratio
is given per round (median [min-max]).  The parts of a jump (x^P mod phi, the
window XOR) are timed on their own as well, and a jump to a P met shortly before
(the kernel keeps the last 16 powers: a chunk grid walked again).  On the kernel's
avx512clmul path x^P is a product from a table of powers that fills as jumps need
its entries: it is emptied at the start, and the first round is also shown alone.

    python benchmarks/bench_advance.py [--jumps 60] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from seedstream import _kernel, advance
from seedstream._jump import xpow_mod_phi


def _time_each(func: Callable[[Any], object], args: Sequence[Any]) -> list[float]:
    out = []
    for a in args:
        t0 = time.perf_counter()
        func(a)
        out.append(time.perf_counter() - t0)
    return out


def _ms(seconds: Sequence[float], q: float) -> float:
    return float(np.percentile(np.array(seconds) * 1e3, q))


def main(jumps: int = 60, rounds: int = 7, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    bg = np.random.RandomState(seed)._bit_generator
    key = bg.state["state"]["key"].tobytes()
    _kernel.jump_cache(True)  # the cache of powers and the table of powers start empty
    advance(bg, 2**63)  # warm up (imports, caches)
    bg.jumped()

    times: dict[str, list[float]] = {
        "advance": [],
        "first": [],
        "again": [],
        "jumped": [],
        "xpow": [],
        "apply": [],
    }
    ratios = []
    for _ in range(rounds):
        positions = [int(p) for p in rng.integers(0, 2**64, size=jumps, dtype=np.uint64)]
        ours = _time_each(lambda p: advance(bg, p), positions)
        numpys = _time_each(lambda _: bg.jumped(), positions)
        times["advance"] += ours
        times["first"] = times["first"] or ours
        times["again"] += _time_each(lambda p: advance(bg, p), positions[-8:])
        times["jumped"] += numpys
        ratios.append(_ms(ours, 50) / _ms(numpys, 50))
        some = positions[: max(1, jumps // 4)]
        times["xpow"] += _time_each(xpow_mod_phi, some)
        polys = [xpow_mod_phi(p) for p in some]
        times["apply"] += _time_each(lambda g: _kernel.mt19937_jump(key, g), polys)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"kernel path: {_kernel.current_path()}, {rounds} rounds of {jumps} jumps to random "
        f"P < 2**64, load average {load:.1f} on {os.cpu_count()} cpus"
    )
    labels = {
        "advance": "seedstream.advance",
        "first": "  first round (table filling)",
        "again": "  the same P again (cached)",
        "xpow": "  x^P mod phi (alone)",
        "apply": "  window XOR (alone)",
        "jumped": "numpy MT19937.jumped()",
    }
    print(f"{'':28s}{'p50 ms':>10s}{'p90 ms':>10s}")
    for name, label in labels.items():
        print(f"{label:28s}{_ms(times[name], 50):10.3f}{_ms(times[name], 90):10.3f}")
    r = np.array(ratios)
    print(
        f"ratio p50 advance / jumped, per round: {np.median(r):.2f} "
        f"[{r.min():.2f}-{r.max():.2f}]  (target <= 0.4)"
    )
    return {
        "advance_p50_ms": _ms(times["advance"], 50),
        "advance_p90_ms": _ms(times["advance"], 90),
        "jumped_p50_ms": _ms(times["jumped"], 50),
        "ratio_p50": float(np.median(r)),
        "ratio_min": float(r.min()),
        "ratio_max": float(r.max()),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jumps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    main(args.jumps, args.rounds)
