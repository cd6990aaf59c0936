"""numpy's bounded integers on MT19937 from the vectorized core, on numpy's own state.

``RandomState.randint`` (masked rejection) and ``Generator.integers`` (Lemire's
method) draw each value from one or more candidates, rejecting some; numpy's
loop is ``random_bounded_*_fill`` in ``numpy/random/src/distributions/
distributions.c``.  The compiled core (``seedstream._mtfill.bounded``, C in
``csrc/bounded_ints.c``) draws the same words, tests every candidate the same
way and keeps the accepted values in order, so the values and the state left
behind are numpy's.  What a call draws (see ``csrc/bounded_ints.h``):

=========================  =================================================
dtype                      candidates
=========================  =================================================
int64, uint64              one word when ``high - low - 1 < 2**32``, else two
                           (the first the high half)
int32, uint32              one word
int16, uint16, int8, uint8 the halves / bytes of a word, low first
bool                       the bits of a word, low first
=========================  =================================================

This module decides whether a call is one the core serves (MT19937, scalar
bounds, a plain size of at least :data:`CORE_MIN_INTS` values, numpy's state
struct laid out as :mod:`seedstream._fill` checks); anything else, including
every call numpy would refuse, goes to numpy's own method, so the numbers are
numpy's either way.

Large outputs of 32- and 64-bit candidates are filled by several threads.
Consumption varies, so segment ``k`` cannot jump to its start: a chain of
counting passes (the same core, no stores, about a third of a fill's cost)
finds the state at each segment's first value, one after the other, while the
segments before it are being filled; the segment sizes shrink along the chain
so that all end together.  (Packed candidates are drawn by one thread: a
segment could start inside a word.)
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import numpy as np
import numpy.typing as npt

import seedstream._fill as _fill
import seedstream._mtfill as _mtfill
import seedstream._mtstate as _mtstate

__all__ = ["generator_integers", "randint"]

#: Below this many values numpy's own loop may be cheaper than the core's fixed cost;
#: numpy's randint has a large fixed cost of its own (argument handling in Python), so the
#: core is level from n = 1.  Measured with benchmarks/bench_integers.py --percall
#: (randint(0, 1000, n), int64, CPU time, median [min-max] of 7, numpy / core, machine
#: loaded 4x): n = 1: 1.20 [0.66-1.73], 32: 1.19 [0.64-1.55], 64: 1.36 [0.87-2.16],
#: 256: 1.36 [1.11-1.89], 1024: 1.54 [1.23-2.16], 4096: 3.09 [2.03-4.60].
CORE_MIN_INTS = 64

#: A counting pass costs about this fraction of a fill per value (measured: 1e8 int64
#: values from [0, 1000), CPU 0.07 s counting against 0.18 s filling warm memory and
#: more into fresh pages); it sets how the segments of a threaded fill shrink.
COUNT_COST = 0.3

# dtype -> (smallest, largest value, candidate bits); 64-bit dtypes take 32-bit
# candidates for ranges below 2**32.
_LIMITS: dict[np.dtype[Any], tuple[int, int, int]] = {
    np.dtype(np.int64): (-(2**63), 2**63 - 1, 64),
    np.dtype(np.uint64): (0, 2**64 - 1, 64),
    np.dtype(np.int32): (-(2**31), 2**31 - 1, 32),
    np.dtype(np.uint32): (0, 2**32 - 1, 32),
    np.dtype(np.int16): (-(2**15), 2**15 - 1, 16),
    np.dtype(np.uint16): (0, 2**16 - 1, 16),
    np.dtype(np.int8): (-(2**7), 2**7 - 1, 8),
    np.dtype(np.uint8): (0, 2**8 - 1, 8),
    np.dtype(np.bool_): (0, 1, 1),
}


def _scalar_int(x: object) -> int | None:
    # A Python int or numpy integer (numpy takes int() of both, exactly); not bool,
    # float or arrays, which numpy's own method handles.
    if type(x) is int:
        return x
    if isinstance(x, np.integer):
        return int(x)
    return None


def _plan(low: Any, high: Any, dtype: np.dtype[Any], closed: bool) -> tuple[int, int, int] | None:
    """``(off, rng, bits)`` of the values ``[off, off + rng]`` numpy would draw, or None.

    None when the call is not the core's: bounds that are not scalar integers,
    or that numpy would refuse (out of the dtype's bounds, ``low > high``:
    numpy raises its own error).

    >>> _plan(0, 1000, np.dtype(np.int64), False)
    (0, 999, 32)
    >>> _plan(-5, 2**40, np.dtype(np.int64), True)
    (18446744073709551611, 1099511627781, 64)
    >>> _plan(3, 3, np.dtype(np.int32), False) is None
    True
    """
    limits = _LIMITS.get(dtype)
    lo, hi = _scalar_int(low), _scalar_int(high)
    if limits is None or lo is None or hi is None:
        return None
    smallest, largest, bits = limits
    if not closed:
        hi -= 1
    if lo < smallest or hi > largest or lo > hi:
        return None
    rng = hi - lo
    if bits == 64 and rng < 2**32:
        bits = 32
    return lo % 2**64, rng, bits


def _segment_bounds(count: int, parts: int, count_cost: float) -> list[int]:
    """Where `parts` threads split `count` values: segment ``k`` first counts its
    way to its start, at `count_cost` of a fill per value, after segment ``k - 1``'s
    count; the sizes make every segment end at the same time.

    >>> _segment_bounds(1000, 1, 0.3)
    [0, 1000]
    >>> _segment_bounds(1000, 2, 0.3)
    [0, 588, 1000]
    >>> _segment_bounds(1000, 2, 0.0)
    [0, 500, 1000]
    """
    # In units of the common end time and a fill's cost per value: segment k starts
    # filling at count_cost * start_k and fills 1 - count_cost * start_k values.
    starts = [0.0]
    for _ in range(parts):
        starts.append(starts[-1] + 1.0 - count_cost * starts[-1])
    scale = count / starts[-1]
    return [round(s * scale) for s in starts[:-1]] + [count]


def _fill_segments(
    key: npt.NDArray[np.uint32],
    pos: int,
    flat: npt.NDArray[Any],
    spec: tuple[int, int, int, int],
    parts: int,
) -> int:
    """Fill `flat` from ``(key, pos)`` in `parts` threads; `key` is set to the state
    after, the position returned.  `key` is untouched if a thread fails."""
    bounds = _segment_bounds(flat.size, parts, COUNT_COST)
    starts: list[concurrent.futures.Future[tuple[npt.NDArray[np.uint32], int]]] = [
        concurrent.futures.Future() for _ in range(parts)
    ]
    starts[0].set_result((np.array(key, dtype=np.uint32), pos))

    def chain() -> None:
        # The state at each segment's first value, one counting pass after another.
        for k in range(1, parts):
            try:
                seg_key, seg_pos = starts[k - 1].result()
                seg_key = seg_key.copy()
                seg_pos, _ = _mtfill.bounded(
                    seg_key, seg_pos, None, bounds[k] - bounds[k - 1], *spec
                )
                starts[k].set_result((seg_key, seg_pos))
            except BaseException as error:  # every later segment is told, none waits forever
                for future in starts[k:]:
                    future.set_exception(error)
                return

    def segment(k: int) -> tuple[npt.NDArray[np.uint32], int]:
        seg_key, seg_pos = starts[k].result()
        seg_key = seg_key.copy()
        seg_pos, _ = _mtfill.bounded(seg_key, seg_pos, flat[bounds[k] : bounds[k + 1]], 0, *spec)
        return seg_key, seg_pos

    pool = _fill._executor()
    counting = pool.submit(chain)  # first: the segments' threads wait on it
    later = [pool.submit(segment, k) for k in range(1, parts)]
    try:
        results = [segment(0)]
    finally:
        concurrent.futures.wait(later)  # no thread still writing, even after a failure
        concurrent.futures.wait([counting])
    results += [future.result() for future in later]
    last_key, last_pos = results[-1]
    key[:] = last_key
    return last_pos


def _draw(
    bit_generator: np.random.MT19937,
    size: Any,
    dtype: np.dtype[Any],
    plan: tuple[int, int, int],
    lemire: bool,
    threads: int | None,
) -> npt.NDArray[Any]:
    """A new array of `size` values of `dtype` drawn by the core as `plan` says."""
    off, rng, bits = plan
    out = np.empty(size, dtype=dtype)
    if rng == 0:  # numpy draws nothing and fills `low`
        out[...] = np.array(off, dtype=np.uint64).astype(dtype)  # low, wrapped as numpy does
        return out
    flat = out.reshape(-1).view(np.uint8 if dtype == np.bool_ else dtype)
    spec = (off, rng, bits, int(lemire))
    # Packed candidates share a word across values, so a segment cannot start at the word
    # after a counting pass: numpy would take the rest of the last word.  One thread.
    parts = _fill._parts(threads, out.nbytes, _fill.SEGMENT_MIN_BYTES) if bits >= 32 else 1
    # numpy's own draws hold this lock; so does the core, which releases the GIL.
    with bit_generator.lock:
        if parts == 1:
            _mtfill.bounded_state(bit_generator.capsule, flat, 0, *spec)
        else:
            view = _mtstate._struct_view(bit_generator)
            view[_mtstate.MT_N] = _fill_segments(
                view[: _mtstate.MT_N], int(view[_mtstate.MT_N]), flat, spec, parts
            )
    return out


def _served(size: Any) -> bool:
    """Whether the core serves a draw of `size` values (from an MT19937)."""
    if size is None:
        return False
    n = _fill._plain_count(size)
    return n is not None and n >= CORE_MIN_INTS and _mtstate.struct_layout_ok()


def _native(dtype: Any) -> np.dtype[Any] | None:
    """numpy's dtype for `dtype` if it is native, else None (numpy's method deals with it)."""
    try:
        kind = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    return kind if kind.isnative else None


def randint(
    random_state: np.random.RandomState,
    low: Any,
    high: Any = None,
    size: Any = None,
    dtype: Any = int,
    *,
    threads: int | None = None,
) -> Any:
    """``numpy.random.RandomState.randint(random_state, low, high, size, dtype)`` by the core.

    Masked rejection, as numpy's legacy method; numpy's own method serves
    scalars, small draws, array bounds, calls it would refuse, and any bit
    generator but MT19937.  The values and the state after are numpy's either
    way (``random_integers`` calls ``randint`` and is served through it).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> x = randint(a, 5, 1000, (3, 5000))
    >>> bool((x == b.randint(5, 1000, (3, 5000))).all()) and x.shape == (3, 5000)
    True
    >>> bool(a.randint(1000) == b.randint(1000))
    True
    """
    bit_generator = random_state._bit_generator
    if type(bit_generator) is np.random.MT19937 and _served(size):
        lo, hi = (0, low) if high is None else (low, high)
        kind = _native("long" if dtype is int else dtype)  # numpy's default: C long
        plan = None if kind is None else _plan(lo, hi, kind, closed=False)
        if kind is not None and plan is not None:
            return _draw(bit_generator, size, kind, plan, lemire=False, threads=threads)
    return np.random.RandomState.randint(random_state, low, high, size, dtype)


def generator_integers(
    generator: np.random.Generator,
    low: Any,
    high: Any = None,
    size: Any = None,
    dtype: Any = np.int64,
    endpoint: bool = False,
    *,
    threads: int | None = None,
) -> Any:
    """``numpy.random.Generator.integers(generator, low, high, size, dtype, endpoint)`` by
    the core, on MT19937.

    Lemire's method, as numpy's; what the core does not serve (see
    :func:`randint`) goes to numpy's own method.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    >>> x = generator_integers(a, -7, 2**40, 5000, endpoint=True)
    >>> bool((x == b.integers(-7, 2**40, 5000, endpoint=True)).all())
    True
    >>> bool(a.integers(10) == b.integers(10))
    True
    """
    bit_generator = generator.bit_generator
    if type(bit_generator) is np.random.MT19937 and type(endpoint) is bool and _served(size):
        lo, hi = (0, low) if high is None else (low, high)
        kind = _native(dtype)
        plan = None if kind is None else _plan(lo, hi, kind, closed=endpoint)
        if kind is not None and plan is not None:
            return _draw(bit_generator, size, kind, plan, lemire=True, threads=threads)
    return np.random.Generator.integers(generator, low, high, size, dtype, endpoint)
