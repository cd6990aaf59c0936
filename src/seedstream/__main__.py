"""``python -m seedstream``: random access into ``np.random.seed(0); np.random.rand(n)``.

Prints elements 0, 10**9 and 10**12 of that stream, each reached with
:func:`seedstream.advance` instead of generating what comes before it, and
checks element 0 against numpy itself.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from seedstream import advance


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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
