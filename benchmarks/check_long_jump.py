"""Check one long MT19937 jump against numpy's sequential generation.

Generates ``n`` raw 32-bit words from ``RandomState(0)``'s bit generator with
numpy itself (in chunks, discarding them), then compares the next ``check``
outputs with those of ``seedstream.advance(bg, n)``.  The tests run
:func:`main` at several sizes up to ``10**9 + 5`` (numpy needs about 2 s for that).

Usage::

    python benchmarks/check_long_jump.py [--n 1000000000] [--check 1000]

Prints timings and PASS or FAIL; the exit status is non-zero on FAIL.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from seedstream import advance

CHUNK = 2**24  # words per random_raw call: large enough to amortise the call


def sequential_skip(bg: np.random.MT19937, n: int, chunk: int = CHUNK) -> None:
    """Generate and discard `n` raw outputs of `bg` with numpy, in place."""
    while n:
        k = min(n, chunk)
        bg.random_raw(k, output=False)
        n -= k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="MT19937 long jump vs sequential numpy")
    parser.add_argument("--n", type=int, default=10**9, help="words to jump (default 1e9)")
    parser.add_argument("--check", type=int, default=1000, help="outputs to compare")
    parser.add_argument("--seed", type=int, default=0, help="legacy RandomState seed")
    args = parser.parse_args(argv)

    bg = np.random.RandomState(args.seed)._bit_generator

    t0 = time.perf_counter()
    jumped = advance(bg, args.n)
    t_jump = time.perf_counter() - t0
    got = jumped.random_raw(args.check)

    t0 = time.perf_counter()
    sequential_skip(bg, args.n)
    t_seq = time.perf_counter() - t0
    expected = bg.random_raw(args.check)

    ok = bool(np.array_equal(got, expected))
    rate = args.n / t_seq / 1e6 if t_seq > 0 else float("inf")
    print(f"RandomState({args.seed}), jump of {args.n} words, {args.check} outputs compared")
    print(f"  seedstream.advance: {t_jump * 1e3:10.3f} ms")
    print(f"  numpy sequential:   {t_seq * 1e3:10.3f} ms  ({rate:.0f} M words/s)")
    if not ok:
        first = int(np.argmax(got != expected))
        print(f"  first mismatch at output {first}: {got[first]} != {expected[first]}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
