"""numpy's MT19937 uniforms from the vectorized core, on numpy's own state.

The compiled core (:mod:`seedstream._mtfill`) fills a buffer from an MT19937
``(key, pos)`` and advances it exactly as numpy's scalar generator would.
This module runs it on a numpy ``MT19937`` bit generator: numpy keeps owning
the state, and after :func:`fill_mt19937` its ``state`` (and a RandomState's
``get_state()``, whose cached Gaussian is not touched) is what numpy's own
call would have left.

numpy's ``MT19937.state`` property copies the 624 words one at a time in
each direction (about 0.1-0.5 ms a call), so the core works in place on
numpy's state struct, reached through the bit generator's ``capsule`` (its
documented C interface) in about a microsecond.  The struct's layout (624
``uint32`` words, then the ``int`` position, as in numpy's ``mt19937.h``) is
checked against the ``state`` property once per process on a scratch
generator; if the check fails, every call goes through the ``state``
property instead, slower but still numpy's numbers.

Large outputs can be filled by several threads (``threads=``): each fills a
contiguous segment from the state numpy would have at its first value, found
by jump-ahead (:func:`seedstream._jump.mt19937_after`), and first touches its
own pages; numpy's state is then set to the last segment's final state.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

import seedstream._mtfill as _mtfill
from seedstream._jump import mt19937_after
from seedstream._mtstate import MT_N, _struct_view, struct_layout_ok

__all__ = ["fill_mt19937", "uniforms"]

#: The output dtypes the core fills: float64 (``random_sample``), float32
#: (``Generator.random(dtype=np.float32)``) and uint32 (``random_raw``).
DTYPES = (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.uint32))


def core_path() -> str:
    """The core's code path in use: 'portable', 'avx2' or 'avx512' (see _mtfill.c)."""
    return _mtfill.current_path()


def _check_out(out: object) -> npt.NDArray[Any]:
    # The common case in three cheap tests (a dtype in DTYPES is native), then each
    # requirement on its own, for its message; an unaligned array is served.
    if isinstance(out, np.ndarray) and out.dtype in DTYPES and out.flags.carray:
        return out
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.dtype not in DTYPES or not out.dtype.isnative:
        raise TypeError(
            f"out has dtype {out.dtype}; the MT19937 core fills native float64, "
            "float32 or uint32 only"
        )
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous; fill a contiguous array and copy it")
    if not out.flags.writeable:
        raise ValueError("out is read-only; pass a writeable array")
    return out


#: The least output (bytes) each thread of ``threads=None`` fills: a segment costs a
#: jump-ahead (2-4 ms, in its own thread) and a hand-over to the pool, and gains half
#: the fill and half the page faults.  Measured (benchmarks/bench_inmemory.py --sweep,
#: float64 into a fresh np.empty, 2 shared cores, wall time one thread / two, median of
#: 6): 2**24 bytes 0.67, 2**25 0.88, 2**26 1.01, 2**27 1.07, 2**28 1.03, 2**29 1.61,
#: 2**30 1.57.  So outputs of 2**26 bytes (8.4e6 doubles) and more are split.
SEGMENT_MIN_BYTES = 2**25
THREADS_ENV = "SEEDSTREAM_THREADS"


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """The threads ``threads=None`` fills with: :func:`usable_cpus`, capped by $SEEDSTREAM_THREADS.

    Examples
    --------
    >>> 1 <= default_threads() <= usable_cpus()
    True
    """
    cpus = usable_cpus()
    text = os.environ.get(THREADS_ENV)
    if not text:
        return cpus
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"{THREADS_ENV}={text!r} is not a positive whole number of threads; set it to one "
            f"(1: the calling thread only), or unset it for every usable CPU ({cpus})"
        )
    return min(cpus, value)


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    # One pool per process: a pool inherited through fork() has no threads behind it.
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="seedstream-fill")
            _pool_pid = os.getpid()
        return _pool


def segment_bounds(address: int, count: int, itemsize: int, parts: int) -> list[int]:
    """Where `parts` threads split `count` values at `address`: ``parts + 1`` value indices.

    Equal shares; when each share is at least 32 MiB, its end is moved down
    to a 2 MiB boundary of the address space, so that every (transparent huge)
    page is first touched by one thread only.

    Examples
    --------
    >>> segment_bounds(0, 10, 8, 3)
    [0, 3, 6, 10]
    >>> segment_bounds(2**21 + 16, 2**25, 8, 2)[1] * 8 + 2**21 + 16 == 2**21 * 65
    True
    """
    huge = count * itemsize // parts >= 2**25
    bounds = [0]
    for k in range(1, parts):
        end = count * k // parts
        if huge:  # the first value at or after the 2 MiB boundary below the share's end
            edge = (address + end * itemsize) // 2**21 * 2**21
            end = -(-(edge - address) // itemsize)
        bounds.append(max(bounds[-1], end))
    return [*bounds, count]


def _fill_segments(
    key: npt.NDArray[np.uint32], pos: int, out: npt.NDArray[Any], parts: int, stream: bool | None
) -> int:
    """Fill `out` from ``(key, pos)`` in `parts` threads; `key` is set to the state after, the
    position returned.  `key` is untouched if a thread fails."""
    flat = out.reshape(-1)
    words = 2 if out.dtype == np.float64 else 1
    bounds = segment_bounds(flat.ctypes.data, flat.size, flat.itemsize, parts)
    start = np.array(key, dtype=np.uint32)

    def segment(k: int) -> tuple[npt.NDArray[np.uint32], int]:
        seg_key, seg_pos = mt19937_after(start, pos, words * bounds[k])
        return seg_key, _mtfill.fill(seg_key, seg_pos, flat[bounds[k] : bounds[k + 1]], stream)

    later = [_executor().submit(segment, k) for k in range(1, parts)] if parts > 1 else []
    try:
        results = [segment(0)]  # the calling thread fills the first segment meanwhile
    finally:
        concurrent.futures.wait(later)  # no thread still writing, even after a failure
    results += [future.result() for future in later]  # a thread's failure, raised here
    last_key, last_pos = results[-1]
    key[:] = last_key
    return last_pos


def _parts(threads: int | None, nbytes: int, segment_min_bytes: int) -> int:
    """How many segments to fill `nbytes` in: no more than threads, each >= segment_min_bytes."""
    if threads != 1 and threads is not None and (type(threads) is not int or threads < 1):
        raise ValueError(f"threads must be a positive int or None, not {threads!r}")
    if threads == 1 or nbytes < 2 * segment_min_bytes:
        return 1  # before reading the environment: small fills stay cheap
    most = nbytes // max(1, segment_min_bytes)
    return min(default_threads() if threads is None else threads, most)


def fill_mt19937(
    bit_generator: np.random.MT19937,
    out: npt.NDArray[Any],
    *,
    in_place: bool | None = None,
    threads: int | None = 1,
    segment_min_bytes: int | None = None,
    stream: bool | None = None,
) -> npt.NDArray[Any]:
    """Fill `out` with `bit_generator`'s next values, as numpy draws them.

    Parameters
    ----------
    bit_generator : numpy.random.MT19937
        Advanced exactly as numpy's own call would advance it (a RandomState's
        is ``random_state._bit_generator``).
    out : numpy.ndarray
        Writeable, C-contiguous, native dtype: float64 gets the values of
        ``RandomState.random_sample`` / ``Generator(MT19937).random`` (two
        words each), float32 those of ``Generator(MT19937).random(
        dtype=np.float32)`` (one word each), uint32 the raw words of
        ``random_raw``.
    in_place : bool, optional
        Work on numpy's state struct directly (the default when its layout
        checks out) or through the ``state`` property (``False``).  Both give
        the same values and state; the choice is for tests.
    threads : int or None, optional
        Fill with up to this many threads (the calling one and a shared
        pool); None: :func:`default_threads`.  1 (the default) for callers
        that are already parallel, such as a dask chunk.
    segment_min_bytes : int, optional
        The least each thread fills (default :data:`SEGMENT_MIN_BYTES`): an
        output smaller than twice this is filled by the calling thread alone.
    stream : bool, optional
        Streaming (non-temporal) stores or not; None: the core's choice by size
        (:data:`seedstream._mtfill.STREAM_BYTES`).  The values are the same.

    Returns
    -------
    numpy.ndarray
        `out`.

    Notes
    -----
    With several threads, segment ``k`` starts from the state numpy would
    have at its first value (:func:`seedstream._jump.mt19937_after`), so the
    values are the same whatever the number of threads; numpy's state is set
    once every segment is done, to the last one's final state.  For a fresh
    ``np.empty`` output each thread also takes the page faults of its own
    segment, which at these sizes cost more than generating the values.

    Examples
    --------
    >>> import numpy as np
    >>> rs = np.random.RandomState(0)
    >>> out = fill_mt19937(rs._bit_generator, np.empty(3))
    >>> np.array_equal(out, np.random.RandomState(0).random_sample(3))
    True
    >>> rs = np.random.RandomState(0)
    >>> out = fill_mt19937(rs._bit_generator, np.empty(1001), threads=3, segment_min_bytes=8)
    >>> np.array_equal(out, np.random.RandomState(0).random_sample(1001))
    True
    """
    if type(bit_generator) is not np.random.MT19937:
        raise TypeError(
            f"the MT19937 core serves numpy.random.MT19937 only, not {type(bit_generator).__name__}"
        )
    out = _check_out(out)
    if in_place is None:
        in_place = struct_layout_ok()
    if segment_min_bytes is None:
        segment_min_bytes = SEGMENT_MIN_BYTES  # read now: tests lower it
    parts = _parts(threads, out.nbytes, segment_min_bytes)
    # numpy's own draws hold this lock; so does the core, which releases the GIL.
    with bit_generator.lock:
        if in_place and parts == 1:
            _mtfill.fill_state(bit_generator.capsule, out, stream)
        elif in_place:
            view = _struct_view(bit_generator)
            view[MT_N] = _fill_segments(view[:MT_N], int(view[MT_N]), out, parts, stream)
        else:
            state = bit_generator.state["state"]
            key = np.array(state["key"], dtype=np.uint32)
            pos = _fill_segments(key, int(state["pos"]), out, parts, stream)
            bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
    return out


#: Below this many values numpy's own loop beats the core's fixed cost (about 4 us a
#: fill_mt19937 call against 1.7 us for numpy's random_sample(1); it was 10.6 us through
#: the ctypes struct view).  Measured (bench_inmemory.py --percall: _fill.random_sample
#: with the core against the same wrapper with numpy's loop, CPU time, median of 6,
#: numpy / core): 256 values 0.66, 384 1.24, 512 1.28, 768 1.74, 1024 2.09.
CORE_MIN_VALUES = 512


#: A new array of this many bytes or more is a new mapping (glibc maps 32 MiB and more
#: itself), whose pages the kernel zeroes as the fill first touches them, each into the
#: cache just before the fill writes it: there ordinary stores beat streaming ones
#: (measured, 2*10**8 doubles, 4 interleaved runs: 0.33 [0.30-0.33] s of CPU against
#: 0.42 [0.28-0.44] s with one thread, 0.36 [0.32-0.39] against 0.41 [0.40-0.46] with two).
FRESH_BYTES = 2**25


def _new_values(
    bit_generator: np.random.MT19937, size: Any, dtype: Any = np.float64
) -> npt.NDArray[Any]:
    """A new array of `size` values filled by the core, on every usable CPU if it is big."""
    out = np.empty(size, dtype=dtype)
    return fill_mt19937(bit_generator, out, threads=None, stream=_stores_for_new(out))


def _stores_for_new(out: npt.NDArray[Any]) -> bool | None:
    """Streaming stores for a new array: never into a fresh mapping (see FRESH_BYTES)."""
    return False if out.nbytes >= FRESH_BYTES else None


def _plain_count(size: Any) -> int | None:
    """The number of values a plain ``size`` (an int or a tuple of ints) asks for, else None.

    >>> _plain_count(5), _plain_count((2, np.int64(3))), _plain_count(-1), _plain_count(True)
    (5, 6, None, None)
    """
    if type(size) is int:  # the common case first: this runs on every in-memory draw
        return size if size >= 0 else None  # a negative size: numpy's error, raised by numpy
    n = 1
    for d in size if isinstance(size, tuple) else (size,):
        if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 0:
            return None
        n *= int(d)
    return n


def random_sample(random_state: np.random.RandomState, size: Any = None) -> Any:
    """``numpy.random.RandomState.random_sample(random_state, size)``, filled by the core.

    The one place where seedstream's in-memory legacy doubles (``random_sample``,
    ``random``, ``rand``, ``ranf``, ``sample``) meet the core: numpy's own
    method serves scalars, small draws, sizes numpy must validate, and any bit
    generator but MT19937; the values and the state after are numpy's either way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> x = random_sample(a, (2, 5000))
    >>> bool((x == b.random_sample((2, 5000))).all()) and x.shape == (2, 5000)
    True
    >>> bool(a.random_sample() == b.random_sample())
    True
    """
    n = _plain_count(size) if size is not None else None
    bit_generator = random_state._bit_generator
    if n is None or n < CORE_MIN_VALUES or type(bit_generator) is not np.random.MT19937:
        return np.random.RandomState.random_sample(random_state, size)
    return _new_values(bit_generator, size)


def _plain_real(x: object) -> bool:
    # A Python float, or an int that converts to a double exactly, as numpy converts both.
    return type(x) is float or (type(x) is int and abs(x) <= 2**53)


def uniform(
    random_state: np.random.RandomState, low: Any = 0.0, high: Any = 1.0, size: Any = None
) -> Any:
    """``numpy.random.RandomState.uniform(random_state, low, high, size)``, filled by the core.

    numpy computes ``low + (high - low) * random_sample()`` in doubles, one
    rounding per operation; so does this, on the core's doubles.  numpy's own
    method serves what :func:`random_sample` leaves to it and also array or
    numpy-scalar bounds and ranges that are not finite (numpy raises there).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((uniform(a, -2.5, 7, 5000) == b.uniform(-2.5, 7, 5000)).all())
    True
    """
    return _uniform(
        np.random.RandomState.uniform, random_state, random_state._bit_generator, low, high, size
    )


def _uniform(
    base: Any,
    obj: Any,
    bit_generator: np.random.BitGenerator,
    low: Any,
    high: Any,
    size: Any,
    *,
    negative_span: bool = True,
) -> Any:
    """``base(obj, low, high, size)`` (numpy's ``uniform``), its doubles filled by the core.

    numpy's own method serves small or unusual sizes, other bit generators,
    array or numpy-scalar bounds, and spans numpy refuses: not finite, or
    (``negative_span=False``, as ``Generator.uniform``) below zero.
    """
    n = _plain_count(size) if size is not None else None
    span = float(high) - float(low) if _plain_real(low) and _plain_real(high) else math.nan
    if (
        n is None
        or n < CORE_MIN_VALUES
        or type(bit_generator) is not np.random.MT19937
        or not math.isfinite(span)
        or (span < 0 and not negative_span)
    ):
        return base(obj, low, high, size)
    return _scale(_new_values(bit_generator, size), low, span)


def _scale(out: npt.NDArray[Any], low: float, span: float) -> npt.NDArray[Any]:
    # numpy's ``low + (high - low) * u``: one rounding per operation, in doubles.
    out *= span
    out += float(low)
    return out


def uniforms(
    bit_generator: np.random.BitGenerator,
    count: int,
    dtype: str = "float64",
    low: float = 0.0,
    high: float = 1.0,
    *,
    scaled: bool = False,
) -> npt.NDArray[Any] | None:
    """`count` uniforms from `bit_generator` by the core, as numpy's draw makes them; else None.

    ``scaled``: numpy's ``uniform(low, high)`` (float64); otherwise its
    ``random_sample`` / ``Generator.random`` in `dtype` (float64 or float32).
    None (nothing drawn) where the core cannot serve: another bit generator,
    a range that is not finite (numpy raises there), another dtype.  This is
    how every chunk of a fixed uniform draw is made (``Draw.call``).

    Examples
    --------
    >>> import numpy as np
    >>> x = uniforms(np.random.MT19937(5), 4, low=-1.0, high=3.0, scaled=True)
    >>> bool((x == np.random.Generator(np.random.MT19937(5)).uniform(-1.0, 3.0, 4)).all())
    True
    """
    if type(bit_generator) is not np.random.MT19937 or dtype not in ("float64", "float32"):
        return None
    span = float(high) - float(low)
    if scaled and (dtype != "float64" or not math.isfinite(span)):
        return None
    # One thread: dask and the store writers already run chunks in parallel.
    out = np.empty(count, dtype=dtype)
    out = fill_mt19937(bit_generator, out, threads=1, stream=_stores_for_new(out))
    return _scale(out, low, span) if scaled else out


# --- Generator(MT19937) in memory ------------------------------------------------------

_CORE_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _core_float(dtype: Any) -> np.dtype[Any] | None:
    """Native float64 or float32 when `dtype` names one; else None (numpy decides, or raises)."""
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    return found if found in _CORE_FLOATS else None


def _pays(n: int, dtype: np.dtype[Any]) -> bool:
    """Whether `n` values of `dtype` pay for the core's fixed cost: CORE_MIN_VALUES doubles' words.

    numpy makes a float32 from one word and a float64 from two, so float32s twice as fast:
    they need twice as many values to pay (measured, 1024 float32s: core 22 us, numpy 12).
    """
    return n * dtype.itemsize >= 8 * CORE_MIN_VALUES


def _fills(out: object, dtype: np.dtype[Any], size: Any) -> bool:
    """Whether numpy would fill `out` as it is and the core can too (else numpy serves)."""
    if not (
        isinstance(out, np.ndarray)
        and out.dtype == dtype
        and out.flags.c_contiguous
        and out.flags.writeable
        and out.flags.aligned
        and _pays(out.size, dtype)
    ):
        return False
    if size is None:
        return True
    # numpy's check: the size, as a tuple, must be out's shape
    dims = size if isinstance(size, tuple) else (size,)
    return _plain_count(size) is not None and tuple(int(d) for d in dims) == out.shape


def generator_random(
    generator: np.random.Generator, size: Any = None, dtype: Any = np.float64, out: Any = None
) -> Any:
    """``numpy.random.Generator.random(generator, size, dtype, out)``, filled by the core.

    The one place where seedstream's in-memory ``Generator.random`` meets the
    core: on MT19937, float64 or float32, at least ``CORE_MIN_VALUES`` doubles
    (twice as many float32s: the same words), into a new array or an `out`
    that is C-contiguous, writeable and of the native dtype asked for.  numpy's
    own method serves everything else (and raises numpy's errors); the values
    and the state after are numpy's either way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    >>> x = generator_random(a, (2, 5000), np.float32)
    >>> bool((x == b.random((2, 5000), np.float32)).all()) and x.dtype == np.float32
    True
    >>> bool(a.random() == b.random())
    True
    """
    bit_generator = generator.bit_generator
    if type(bit_generator) is np.random.MT19937:
        found = _core_float(dtype)
        if found is not None and out is None:
            n = _plain_count(size) if size is not None else None
            if n is not None and _pays(n, found):
                return _new_values(bit_generator, size, found)
        elif found is not None and _fills(out, found, size):
            return fill_mt19937(bit_generator, out, threads=None)
    return np.random.Generator.random(generator, size, dtype, out)


def generator_uniform(
    generator: np.random.Generator, low: Any = 0.0, high: Any = 1.0, size: Any = None
) -> Any:
    """``numpy.random.Generator.uniform(generator, low, high, size)``, filled by the core.

    As :func:`uniform` (``low + (high - low) * u`` in doubles), for Generator:
    numpy's own method serves what :func:`generator_random` leaves to it,
    array or numpy-scalar bounds, and spans that are negative or not finite
    (numpy raises there).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    >>> bool((generator_uniform(a, -2.5, 7, 5000) == b.uniform(-2.5, 7, 5000)).all())
    True
    """
    return _uniform(
        np.random.Generator.uniform,
        generator,
        generator.bit_generator,
        low,
        high,
        size,
        negative_span=False,
    )
