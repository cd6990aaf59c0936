"""Speed of the vectorized MT19937 core (seedstream._mtfill), one thread.

Each row fills (or, for numpy's legacy random_sample, which has no out=,
allocates) n float64 values with numpy's MT19937 doubles, repeated; the figure
is the median values per second over the repeats.  Rows: every code path this
CPU runs, with ordinary and with streaming stores; numpy's RandomState
random_sample, Generator(MT19937).random(out=), Generator(PCG64).random(out=)
(other numbers, for scale) and the write limit buf[:] = 1.0.  Ratios are to
numpy's random_sample.  The sweep times cache-sized to large outputs with
and without streaming stores: where they cross is _mtfill.STREAM_BYTES.
Every path's output is checked against numpy's before its figure counts.

The machine may be shared: the default clock is this thread's CPU time
(time.thread_time), which time slices taken by other processes do not
inflate; --clock wall times the elapsed time instead.  Read the medians.

    python benchmarks/bench_mtfill.py [--log2n 24] [--repeat 9] [--sweep] [--clock wall]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from seedstream import _mtfill

CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}
_clock = time.thread_time


def _rate(func: Callable[[], object], n: int, repeat: int) -> float:
    """Median values per second of `func`, which makes n values."""
    func()  # warm up: first touch of pages, caches
    seconds = []
    for _ in range(repeat):
        t0 = _clock()
        func()
        seconds.append(_clock() - t0)
    return n / max(statistics.median(seconds), 1e-9)


START = np.random.MT19937(0).state


def _core(buf: np.ndarray, stream: bool | None) -> Callable[[], object]:
    key = np.array(START["state"]["key"], dtype=np.uint32)
    return lambda: _mtfill.fill(key.copy(), START["state"]["pos"], buf, stream=stream)


def _check(buf: np.ndarray, label: str) -> None:
    bit_generator = np.random.MT19937()
    bit_generator.state = START
    expected = np.random.Generator(bit_generator).random(buf.size)
    if expected.tobytes() != buf.tobytes():
        raise AssertionError(f"{label}: the output differs from numpy's; its figure is void")


def main(
    log2n: int = 24, repeat: int = 9, sweep: bool = False, clock: str = "cpu"
) -> dict[str, float]:
    global _clock
    _clock = CLOCKS[clock]
    n = 2**log2n
    buf = np.empty(n)
    rs = np.random.RandomState(0)
    g_mt = np.random.Generator(np.random.MT19937(0))
    g_pcg = np.random.Generator(np.random.PCG64(0))

    def fill_ones() -> None:
        buf[:] = 1.0

    rates: dict[str, float] = {
        "numpy RandomState.random_sample(n)": _rate(lambda: rs.random_sample(n), n, repeat),
        "numpy Generator(MT19937).random(out=)": _rate(lambda: g_mt.random(out=buf), n, repeat),
        "numpy Generator(PCG64).random(out=)": _rate(lambda: g_pcg.random(out=buf), n, repeat),
        "write limit buf[:] = 1.0": _rate(fill_ones, n, repeat),
    }
    was = _mtfill.current_path()
    try:
        for path in _mtfill.available_paths():
            _mtfill.select_path(path)
            for stream, how in ((False, "ordinary"), (True, "streaming")):
                label = f"_mtfill {path}, {how} stores"
                rates[label] = _rate(_core(buf, stream), n, repeat)
                _check(buf, label)
    finally:
        _mtfill.select_path(was)

    base = rates["numpy RandomState.random_sample(n)"]
    print(
        f"float64, n = 2**{log2n}, one thread, {clock} clock, median of {repeat}; buffer at "
        f"{buf.ctypes.data % 64} bytes past a 64-byte line"
    )
    print(f"{'':42s}{'M values/s':>12s}{'x legacy':>10s}")
    for label, rate in rates.items():
        print(f"{label:42s}{rate / 1e6:12.0f}{rate / base:10.2f}")

    if sweep:
        print(f"\nstreaming or not, path {_mtfill.current_path()}: M values/s by output size")
        print(f"{'n':>10s}{'bytes':>10s}{'ordinary':>10s}{'streaming':>10s}")
        for k in range(10, log2n + 1, 2):
            m = 2**k
            small = np.empty(m)
            times = max(1, 2**log2n // m)

            def many(stream: bool, small: np.ndarray = small, times: int = times) -> None:
                fill = _core(small, stream)
                for _ in range(times):
                    fill()

            plain = _rate(lambda: many(False), m * times, repeat)
            streamed = _rate(lambda: many(True), m * times, repeat)
            rates[f"sweep 2**{k} ordinary"] = plain
            rates[f"sweep 2**{k} streaming"] = streamed
            print(f"{'2**' + str(k):>10s}{m * 8:10d}{plain / 1e6:10.0f}{streamed / 1e6:10.0f}")
    return rates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log2n", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    args = parser.parse_args()
    main(args.log2n, args.repeat, args.sweep, args.clock)
