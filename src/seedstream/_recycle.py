"""Big chunk outputs in buffers used again once nothing references them.

A dask task that makes a 128 MiB chunk gets fresh memory from ``np.empty``
(glibc maps blocks that large anew, and unmaps them when they are freed), so
the kernel faults in and zeroes every page of every chunk: measured on the
2-core machine, 13% of the CPU time of a lazy ``standard_normal(2*10**8,
chunks=2**24).mean()``, more than drawing the uniforms.  Chunk tasks draw into
:func:`empty` instead: a block that the array handed out no longer needs (its
reference count is back to the pool's own) is handed out again, its pages
still mapped.

Only the bytes are reused, never values: every caller writes its whole output.
An array from :func:`empty` is an ordinary array viewing a pooled block; every
view derived from it keeps that block referenced (numpy points each view's
``base`` at the block), so a block still in use anywhere is never handed out.
Blocks found idle for :data:`KEEP_SECONDS` (swept every half of it while
any are pooled) are dropped, so a finished computation leaves nothing behind
for long.  (The reference count test is
CPython's; a free-threaded build would need another.)
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from typing import Any

import numpy as np

__all__ = ["KEEP_SECONDS", "MIN_BYTES", "empty"]

#: Smaller outputs come from ``np.empty``: malloc keeps blocks below its mmap threshold
#: (32 MiB at most) mapped and reuses them itself.
MIN_BYTES = 2**25

#: A block idle this long is dropped.
KEEP_SECONDS = 2.0

#: Blocks kept at most: two in flight a worker, and one being consumed.
MAX_BLOCKS = 2 * (os.cpu_count() or 1) + 1

_lock = threading.Lock()
_blocks: list[np.ndarray] = []  # uint8 blocks
_idle_since: dict[int, float] = {}  # id(block) -> when a check first found it idle
_timer: threading.Timer | None = None


def _references(block: np.ndarray) -> int:
    return sys.getrefcount(block)


def _counts(blocks: list[np.ndarray]) -> list[int]:
    """Each block's reference count, as this function sees it: an idle pooled block is
    held by the list, this loop's variable and the argument alone."""
    return [_references(b) for b in blocks]


def _idle() -> list[np.ndarray]:
    """The pooled blocks nothing else references; the lock held."""
    return [b for b, count in zip(_blocks, _counts(_blocks), strict=True) if count == _IDLE]


_IDLE = _counts([np.empty(1, np.uint8)])[0]


def empty(shape: int | tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """``np.empty(shape, dtype)``, from a pooled block when the output is big.

    Examples
    --------
    >>> a = empty((2**22,))
    >>> address = a.__array_interface__["data"][0]
    >>> del a
    >>> b = empty((2**22,))  # the same block, handed out again
    >>> b.__array_interface__["data"][0] == address
    True
    >>> c = empty((2**22,))  # b still holds it: another block
    >>> c.__array_interface__["data"][0] == address
    False
    """
    dtype = np.dtype(dtype)
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = math.prod(dims) * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(dims, dtype)
    with _lock:
        block = _take(nbytes)
    out: np.ndarray = block.view(dtype).reshape(dims)
    return out


def _take(nbytes: int) -> np.ndarray:
    """An idle block of `nbytes` (or a new one, pooled while there is room); the lock held."""
    idle = _sweep(time.monotonic())
    for block in idle:
        if block.nbytes == nbytes:
            del _idle_since[id(block)]
            return block
    if len(_blocks) >= MAX_BLOCKS and idle:  # make room: an idle block of another size goes
        _forget(idle[0])
    fresh = np.empty(nbytes, np.uint8)
    if len(_blocks) < MAX_BLOCKS:
        _blocks.append(fresh)
        _schedule()
    return fresh


def _forget(block: np.ndarray) -> None:
    _blocks[:] = [b for b in _blocks if b is not block]  # by identity: == compares values
    _idle_since.pop(id(block), None)


def _sweep(now: float) -> list[np.ndarray]:
    """Note when each block was first found idle, drop those idle for KEEP_SECONDS, and
    return the idle ones left; the lock held."""
    idle = _idle()
    idle_ids = {id(b) for b in idle}
    for key in [k for k in _idle_since if k not in idle_ids]:  # in use again
        del _idle_since[key]
    stale = [b for b in idle if now - _idle_since.setdefault(id(b), now) >= KEEP_SECONDS]
    for block in stale:
        _forget(block)
    stale_ids = {id(b) for b in stale}
    return [b for b in idle if id(b) not in stale_ids]


def _schedule() -> None:
    """Sweep every KEEP_SECONDS / 2 while blocks are pooled, if no sweep is pending; the lock
    held."""
    global _timer
    if _timer is None:
        _timer = threading.Timer(KEEP_SECONDS / 2, _check)
        _timer.daemon = True
        _timer.start()


def _check() -> None:
    global _timer
    with _lock:
        _timer = None
        _sweep(time.monotonic())
        if _blocks:
            _schedule()
