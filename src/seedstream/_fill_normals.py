"""RandomState's normals and exponentials from the vectorized MT19937 core.

``standard_normal`` / ``normal`` (numpy's legacy polar method) and
``standard_exponential`` / ``exponential`` (``-log(1 - u)``) on MT19937, bit
for bit numpy's, with numpy's state (and its cached Gaussian) left where
numpy's own call leaves it.  Two stages a chunk of output:

1. *draw* (sequential, the core): the uniforms, and for the polar method the
   acceptance test, vectorised; accepted attempts are compressed in order
   into the output as ``(x2, x1)`` pairs.  Only two doubles are drawn for each
   attempt still needed, so the state never runs past numpy's.
2. *finish* (independent per value): the transcendental steps, by the same
   libm ``log`` and ``sqrt`` numpy's loop calls, in numpy's order of operations
   (``csrc/legacy_normals.c``).

The polar method's consumption varies, so where a later chunk's uniforms start
is known only once the chunks before it are drawn: stage 1 stays in one
thread, and stage 2 -- most of the cost -- is shared by the calling thread and
a pool thread as chunks become ready.  Exponentials are pipelined the same
way (their stage 1 is the plain uniform fill).

RandomState's cached Gaussian (``has_gauss`` / ``gauss`` in numpy's C struct
``aug_bitgen_t``) is not reachable from Python except through ``get_state`` /
``set_state``, which copy the 624 words both ways (about 0.3 ms).  It is read
and written in place instead, at an offset inside the RandomState object that
is found and checked both ways once per process (:func:`aug_offset`); if the
check fails, numpy's own method serves every call.
"""

from __future__ import annotations

import ctypes
import functools
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

import seedstream._mtfill as _mtfill
import seedstream._recycle as _recycle
from seedstream._fill import _executor, _plain_count, _plain_real, default_threads

__all__ = ["exponential", "normal", "standard_exponential", "standard_normal"]

#: Below these many values numpy's own loop serves: the core's fixed cost (a dozen
#: Python steps, the lock, the cache read) does not pay.  Measured (bench_normals.py
#: --percall, thread CPU time, median of 2001, numpy / core, machine load 7 on 2 cores):
#: standard_normal 256: 0.81, 512: 1.01, 1024: 1.44; exponential 512: 0.83, 1024: 1.28.
CORE_MIN_NORMALS = 512
CORE_MIN_EXPONENTIALS = 1024

#: Values a chunk of the pipeline: drawn, then finished, while still in cache
#: (2**15 doubles = 256 KiB, within a 2 MiB L2 with room for the other stage's).
CHUNK = 2**15

#: From this many values stage 2 is shared with a pool thread (a hand-over costs
#: about 50 us; a chunk's finish about 0.4 ms).
THREADED_MIN = 4 * CHUNK

_np_standard_normal = np.random.RandomState.standard_normal
_np_normal = np.random.RandomState.normal
_np_standard_exponential = np.random.RandomState.standard_exponential
_np_exponential = np.random.RandomState.exponential


class _Aug(ctypes.Structure):
    """numpy's ``aug_bitgen_t`` (numpy/random/include/legacy-distributions.h)."""

    _fields_ = (
        ("bit_generator", ctypes.c_void_p),
        ("has_gauss", ctypes.c_int),
        ("gauss", ctypes.c_double),
    )


@functools.cache
def aug_offset() -> int | None:
    """Where a RandomState keeps its ``aug_bitgen_t``, from the object's address; None if unsure.

    Found on a scratch ``numpy.random.RandomState`` whose cached Gaussian is set
    through ``set_state`` to a value that cannot occur by chance, then checked
    both ways: the struct's ``bit_generator`` must point into the object at a
    ``bitgen_t`` whose ``state`` is the MT19937's (what its capsule holds), and
    values written into the struct must read back through ``get_state``.
    Subclasses keep the fields of their numpy base at the same offsets.
    """
    rs = np.random.RandomState(20261202)
    size = type(rs).__basicsize__
    sentinel = 0.1234567890123456789e-300
    state = rs.get_state(legacy=False)
    state["has_gauss"], state["gauss"] = 1, sentinel
    rs.set_state(state)
    base = id(rs)
    raw = ctypes.string_at(base, size)
    found = None
    for offset in range(0, size - ctypes.sizeof(_Aug) + 1, 8):
        aug = _Aug.from_buffer_copy(raw, offset)
        if aug.has_gauss == 1 and aug.gauss == sentinel:
            found = offset
            break
    if found is None:
        return None
    aug = _Aug.from_address(base + found)
    # aug.bit_generator -> the RandomState's own bitgen_t, whose first field is `state`
    inside = aug.bit_generator is not None and base <= aug.bit_generator < base + size
    if not inside:
        return None
    state_pointer = ctypes.c_void_p.from_address(aug.bit_generator).value
    if state_pointer != _mtfill.state_address(rs._bit_generator.capsule):
        return None
    aug.has_gauss, aug.gauss = 0, 0.0
    if rs.get_state(legacy=False)["has_gauss"] != 0:
        return None
    aug.has_gauss, aug.gauss = 1, -2.5
    after = rs.get_state(legacy=False)
    return found if (after["has_gauss"], after["gauss"]) == (1, -2.5) else None


def _served(random_state: np.random.RandomState, size: Any, least: int) -> int | None:
    """The count to draw when the core serves this call, else None (numpy's method serves)."""
    if size is None or type(random_state._bit_generator) is not np.random.MT19937:
        return None
    n = _plain_count(size)
    if n is None or n < least or aug_offset() is None:
        return None
    return n


def _pipeline(
    flat: npt.NDArray[np.float64],
    draw: Callable[[npt.NDArray[np.float64]], object],
    finish: Callable[[npt.NDArray[np.float64]], object],
    threads: int,
) -> None:
    """draw(chunk) for each chunk of `flat` in order (one thread), finish(chunk) for each in any
    thread: the calling one and up to ``threads - 1`` from the pool."""
    chunks = [flat[i : i + CHUNK] for i in range(0, flat.size, CHUNK)]
    if threads < 2 or flat.size < THREADED_MIN:
        for chunk in chunks:
            draw(chunk)
            finish(chunk)
        return
    ready = threading.Condition()
    drawn = taken = 0
    done = False

    def take() -> npt.NDArray[np.float64] | None:
        """The next drawn chunk nobody finishes yet; None once every chunk is taken."""
        nonlocal taken
        with ready:
            while taken == drawn and not done:
                ready.wait()
            if taken == drawn:
                return None
            taken += 1
            return chunks[taken - 1]

    def worker() -> None:
        while (chunk := take()) is not None:
            finish(chunk)

    helpers = [_executor().submit(worker) for _ in range(threads - 1)]
    try:
        for chunk in chunks:
            draw(chunk)
            with ready:
                drawn += 1
                backlog = drawn - taken
                ready.notify()
            if backlog > threads:  # the helpers lag: finish one here, while it is in cache
                worker_chunk = take()
                if worker_chunk is not None:
                    finish(worker_chunk)
    finally:
        with ready:
            done = True
            ready.notify_all()
    worker()  # the calling thread finishes what is left, alongside the helpers
    for helper in helpers:
        helper.result()  # a helper's failure, raised here


def _gauss_values(
    random_state: np.random.RandomState,
    size: Any,
    n: int,
    affine: tuple[float, float] | None,
    threads: int | None,
    recycle: bool,
) -> npt.NDArray[np.float64]:
    """`n` values of numpy's legacy_gauss (or legacy_normal with ``affine = (loc, scale)``)."""
    bit_generator = random_state._bit_generator
    capsule = bit_generator.capsule
    out = _empty(size, recycle)
    flat = out.reshape(-1)
    loc, scale = affine if affine is not None else (0.0, 1.0)

    def finish(chunk: npt.NDArray[np.float64]) -> None:
        _mtfill.polar_finish(chunk, loc, scale, affine is not None)

    def draw(chunk: npt.NDArray[np.float64]) -> None:
        _mtfill.polar_fill_state(capsule, chunk)

    offset = aug_offset()
    assert offset is not None  # _served checked it
    if threads is None:
        threads = default_threads() if n >= THREADED_MIN else 1
    with bit_generator.lock:  # numpy's draws hold it too
        aug = _Aug.from_address(id(random_state) + offset)
        first = 0
        if aug.has_gauss:  # numpy's first value is the cached one, cleared as numpy does
            flat[0] = aug.gauss if affine is None else loc + scale * aug.gauss
            aug.has_gauss, aug.gauss = 0, 0.0
            first = 1
        pairs = (n - first) // 2
        _pipeline(flat[first : first + 2 * pairs], draw, finish, threads)
        if (n - first) % 2:  # numpy returns f x2 and keeps f x1, unscaled, for the next call
            last = np.empty(2)
            _mtfill.polar_fill_state(capsule, last)
            _mtfill.polar_finish(last)
            value, cached = float(last[0]), float(last[1])
            flat[-1] = value if affine is None else loc + scale * value
            aug.gauss, aug.has_gauss = cached, 1
    return out


def _exponential_values(
    random_state: np.random.RandomState,
    size: Any,
    n: int,
    scale: float | None,
    threads: int | None,
    recycle: bool,
) -> npt.NDArray[np.float64]:
    """`n` values of legacy_standard_exponential, or legacy_exponential(scale)."""
    bit_generator = random_state._bit_generator
    capsule = bit_generator.capsule
    out = _empty(size, recycle)

    def draw(chunk: npt.NDArray[np.float64]) -> None:
        _mtfill.fill_state(capsule, chunk, False)

    def finish(chunk: npt.NDArray[np.float64]) -> None:
        _mtfill.exponential_finish(chunk, 1.0 if scale is None else scale, scale is not None)

    if threads is None:
        threads = default_threads() if n >= THREADED_MIN else 1
    with bit_generator.lock:
        _pipeline(out.reshape(-1), draw, finish, threads)
    return out


def _empty(size: Any, recycle: bool) -> npt.NDArray[np.float64]:
    """The output: with `recycle` (a chunk task's, dropped once used) in a pooled block."""
    if recycle:
        return _recycle.empty(size, np.float64)
    return np.empty(size, dtype=np.float64)


def _plain_scale(scale: object) -> bool:
    # numpy refuses a negative scale, -0.0 and nan included: only positive finite ones here
    return _plain_real(scale) and math.isfinite(scale) and math.copysign(1.0, scale) > 0  # type: ignore[arg-type]


def standard_normal(
    random_state: np.random.RandomState,
    size: Any = None,
    *,
    threads: int | None = None,
    recycle: bool = False,
) -> Any:
    """``numpy.random.RandomState.standard_normal(random_state, size)``, drawn by the core.

    numpy's own method serves scalars, small or unusual sizes and other bit
    generators; the values, the state after and the cached Gaussian are
    numpy's either way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((standard_normal(a, 5001) == b.standard_normal(5001)).all())
    True
    >>> bool(a.standard_normal() == b.standard_normal())  # the cached Gaussian, as numpy's
    True
    """
    n = _served(random_state, size, CORE_MIN_NORMALS)
    if n is None:
        return _np_standard_normal(random_state, size)
    return _gauss_values(random_state, size, n, None, threads, recycle)


def normal(
    random_state: np.random.RandomState,
    loc: Any = 0.0,
    scale: Any = 1.0,
    size: Any = None,
    *,
    threads: int | None = None,
    recycle: bool = False,
) -> Any:
    """``numpy.random.RandomState.normal(random_state, loc, scale, size)``, drawn by the core.

    ``loc + scale * gauss`` in doubles, as numpy's legacy_normal; numpy's own
    method also serves array or numpy-scalar parameters and a scale it refuses.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((normal(a, -1.5, 3, 5001) == b.normal(-1.5, 3, 5001)).all())
    True
    """
    n = _served(random_state, size, CORE_MIN_NORMALS)
    if n is None or not (_plain_real(loc) and math.isfinite(loc) and _plain_scale(scale)):
        return _np_normal(random_state, loc, scale, size)
    return _gauss_values(random_state, size, n, (float(loc), float(scale)), threads, recycle)


def standard_exponential(
    random_state: np.random.RandomState,
    size: Any = None,
    *,
    threads: int | None = None,
    recycle: bool = False,
) -> Any:
    """``numpy.random.RandomState.standard_exponential(random_state, size)``, by the core.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((standard_exponential(a, 5001) == b.standard_exponential(5001)).all())
    True
    """
    n = _served(random_state, size, CORE_MIN_EXPONENTIALS)
    if n is None:
        return _np_standard_exponential(random_state, size)
    return _exponential_values(random_state, size, n, None, threads, recycle)


def exponential(
    random_state: np.random.RandomState,
    scale: Any = 1.0,
    size: Any = None,
    *,
    threads: int | None = None,
    recycle: bool = False,
) -> Any:
    """``numpy.random.RandomState.exponential(random_state, scale, size)``, by the core.

    ``scale * -log(1 - u)`` in doubles, as numpy's legacy_exponential.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((exponential(a, 2.5, 5001) == b.exponential(2.5, 5001)).all())
    True
    """
    n = _served(random_state, size, CORE_MIN_EXPONENTIALS)
    if n is None or not _plain_scale(scale):
        return _np_exponential(random_state, scale, size)
    return _exponential_values(random_state, size, n, float(scale), threads, recycle)
