"""Cost of seedstream.advance on MT19937, next to numpy's own MT19937.jumped().

Jumps go from one fixed state to uniformly random positions below 2**64 (the
cost grows with log2 of the distance); numpy's jumped() is a fixed 2**128 jump
with a precomputed polynomial.  Both run single-threaded, in this process.

    python benchmarks/bench_advance.py [--jumps 300]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from seedstream import _kernel, advance
from seedstream._jump import jump_window, xpow_mod_phi


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    p50, p99 = np.percentile(np.array(seconds) * 1e3, [50, 99])
    return float(p50), float(p99)


def _time_each(func, args) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for a in args:
        t0 = time.perf_counter()
        func(a)
        out.append(time.perf_counter() - t0)
    return out


def main(jumps: int = 300, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    positions = [int(p) for p in rng.integers(0, 2**64, size=jumps, dtype=np.uint64)]
    bg = np.random.RandomState(seed)._bit_generator
    key = bg.state["state"]["key"]

    advance(bg, 1)  # warm up (imports, caches)
    bg.jumped()
    ours = _time_each(lambda p: advance(bg, p), positions)
    numpys = _time_each(lambda _: bg.jumped(), positions)
    powers = _time_each(xpow_mod_phi, positions)
    g = xpow_mod_phi(positions[0])
    applies = _time_each(lambda _: _kernel.mt19937_jump(key.tobytes(), g), positions)
    windows = _time_each(lambda p: jump_window(key, p), positions[: max(1, jumps // 10)])

    rows = {
        "seedstream.advance": ours,
        "  of which x^P mod phi": powers,
        "  of which window XOR": applies,
        "  jump_window (no numpy)": windows,
        "numpy MT19937.jumped()": numpys,
    }
    print(f"kernel path: {_kernel.select_path('best')}, jumps: {jumps} to random P < 2**64")
    print(f"{'':28s}{'p50 ms':>10s}{'p99 ms':>10s}")
    for label, seconds in rows.items():
        p50, p99 = _percentiles(seconds)
        print(f"{label:28s}{p50:10.3f}{p99:10.3f}")
    a50, a99 = _percentiles(ours)
    n50, _ = _percentiles(numpys)
    print(f"ratio p50 advance / jumped: {a50 / n50:.2f}  (target <= 1.5)")
    return {
        "advance_p50_ms": a50,
        "advance_p99_ms": a99,
        "jumped_p50_ms": n50,
        "ratio_p50": a50 / n50,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jumps", type=int, default=300)
    main(parser.parse_args().jumps)
