"""``python -m seedstream``: random access into ``np.random.seed(0); np.random.rand(n)``.

Prints elements 0, 10**9 and 10**12 of that stream, each reached with
:func:`seedstream.advance` instead of generating what comes before it, and
checks element 0 against numpy itself.  Then draws ten million of its values
with seedstream's vectorized MT19937 core and with numpy, names the core's code
path on this CPU, and checks that the two are equal.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import seedstream
from seedstream import _mtfill, advance


def rand_element(seed: int, index: int) -> float:
    """Element `index` of ``np.random.seed(seed); np.random.rand(n)`` for any ``n > index``.

    Each double takes two 32-bit MT19937 words, so element ``i`` starts at word ``2 i``.

    Examples
    --------
    >>> rand_element(0, 2) == np.random.RandomState(0).rand(3)[2]
    True
    """
    bit_generator = np.random.RandomState(seed)._bit_generator
    return float(np.random.RandomState(advance(bit_generator, 2 * index)).random_sample())


def main() -> int:
    seed = 0
    print(f"np.random.seed({seed}); np.random.rand(n)[i], reached by jump-ahead:")
    for index in (0, 10**9, 10**12):
        t0 = time.perf_counter()
        value = rand_element(seed, index)
        ms = (time.perf_counter() - t0) * 1e3
        print(f"  i = {index:>16,d}   {value!r:<22}  ({ms:.2f} ms)")
    expected = float(np.random.RandomState(seed).rand(1)[0])
    ok = rand_element(seed, 0) == expected
    print(f"element 0 equals numpy's np.random.rand(1)[0] = {expected!r}: {ok}")
    print(f"(numpy would need {8 * (10**12 + 1) / 2**40:.2f} TiB to reach the last one)")
    return 0 if ok and core_demo(seed, 10**7) else 1


def core_demo(seed: int, n: int) -> bool:
    """Time `n` values from seedstream's MT19937 core and from numpy; whether they are equal."""
    paths = ", ".join(_mtfill.available_paths())
    print(f"\nrandom_sample({n:,d}): the MT19937 core's {_mtfill.current_path()} path")
    print(f"(this CPU runs: {paths}; SEEDSTREAM_SIMD=<path> chooses one)")
    t0 = time.perf_counter()
    ours = seedstream.RandomState(seed).random_sample(n)
    t1 = time.perf_counter()
    theirs = np.random.RandomState(seed).random_sample(n)
    t2 = time.perf_counter()
    same = bool(ours.tobytes() == theirs.tobytes())
    print(f"  seedstream {t1 - t0:.3f} s, numpy {t2 - t1:.3f} s, bit for bit equal: {same}")
    return same


if __name__ == "__main__":
    sys.exit(main())
