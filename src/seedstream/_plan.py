"""Plan first, execute second: how a draw will be delivered, decided from sizes alone.

:func:`plan` computes a frozen, printable :class:`Plan` -- bytes requested,
memory available and where that figure came from, the budget, the mode
(ndarray, lazy dask array, or zarr when a store is named) and why, and the
chunking -- without generating anything.  :func:`decide` is the whole
decision, a small pure function of numbers, so it is tested with injected
figures; the machine is read once, in :mod:`seedstream._memory`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any

import numpy as np

from seedstream._geometry import Chunks, contiguous_chunks, is_contiguous, normalize_shape
from seedstream._memory import MemoryReading, read_memory

# Half of what is available: the result must fit, and so must the user's next
# step (x - x.mean() makes a second array of the same size).
DEFAULT_MEMORY_FRACTION = 0.5
_FRACTION_ENV = "SEEDSTREAM_MEMORY_FRACTION"

# Below this, planning is skipped and the result is an ndarray (reading the
# machine costs more than such a draw).
SMALL_DRAW_BYTES = 64 * 2**20

# A graph this large takes minutes and gigabytes to build: refuse beyond it.
MAX_BLOCKS = 10**7


def resolve_fraction(value: float | None = None) -> float:
    """The budget's share of available memory: `value`, $SEEDSTREAM_MEMORY_FRACTION, or 0.5."""
    if value is None:
        env = os.environ.get(_FRACTION_ENV)
        value = float(env) if env else DEFAULT_MEMORY_FRACTION
    if not (isinstance(value, int | float) and 0 < value <= 1) or isinstance(value, bool):
        raise ValueError(f"memory fraction must be in (0, 1], got {value!r}")
    return float(value)


def decide(nbytes: int, budget: int, *, chunks_given: bool, store_given: bool) -> tuple[str, str]:
    """(mode, reason) for a draw of `nbytes` under a memory `budget`.

    Examples
    --------
    >>> decide(8 * 10**6, 2**30, chunks_given=False, store_given=False)[0]
    'ndarray'
    >>> decide(8 * 10**10, 2**30, chunks_given=False, store_given=False)[0]
    'dask'
    """
    if store_given:
        return "zarr", "a store was named: the draw is streamed to it chunk by chunk"
    if chunks_given:
        return "dask", "chunks= was given: a lazy dask array, whatever the size"
    if nbytes <= budget:
        return "ndarray", f"{_size(nbytes)} fits the budget of {_size(budget)}"
    return "dask", (
        f"{_size(nbytes)} exceeds the budget of {_size(budget)}: a lazy dask array, "
        "computed chunk by chunk (pass chunks= or store= to choose)"
    )


def _size(n: int) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def _target_chunk_bytes(chunks: Any) -> int:
    import dask
    from dask.utils import parse_bytes

    if isinstance(chunks, str) and chunks != "auto":
        return int(parse_bytes(chunks))
    return int(parse_bytes(dask.config.get("array.chunk-size")))


def resolve_chunks(
    shape: tuple[int, ...], dtype: np.dtype[Any], chunks: Any
) -> tuple[Chunks, Chunks]:
    """(chunks to generate, chunks to deliver) for a dask ``chunks=`` argument.

    Generation chunks are contiguous runs of the stream; when the requested
    chunking is not, the array is generated contiguously at a similar size
    and rechunked to what was asked.
    """
    itemsize = dtype.itemsize
    if chunks is None or isinstance(chunks, str):
        target = max(1, _target_chunk_bytes(chunks) // itemsize)
        _check_blocks(-(-math.prod(shape) // target))
        built = contiguous_chunks(shape, target)
        return built, built
    _check_blocks(_estimate_blocks(shape, chunks))
    from dask.array.core import normalize_chunks

    wanted: Chunks = normalize_chunks(chunks, shape, dtype=dtype)  # type: ignore[no-untyped-call]
    if is_contiguous(shape, wanted):
        return wanted, wanted
    largest_block = math.prod(max(c) for c in wanted)
    return contiguous_chunks(shape, largest_block), wanted


def regular_chunk_shape(chunks: Chunks) -> tuple[int, ...]:
    """The chunk shape of a regular grid (all chunks equal but the last), as zarr needs.

    Examples
    --------
    >>> regular_chunk_shape(((4, 4, 2), (3,)))
    (4, 3)
    """
    for axis in chunks:
        if len(axis) > 1 and (len(set(axis[:-1])) > 1 or axis[-1] > axis[0]):
            raise ValueError(
                f"chunks {chunks} are not regular; a zarr array needs equal chunks along each "
                "axis (the last may be smaller): pass chunks as an int, a tuple of ints or a size"
            )
    return tuple(max(1, axis[0]) for axis in chunks)


def _estimate_blocks(shape: tuple[int, ...], chunks: Any) -> int:
    """Blocks an int or tuple-of-ints ``chunks=`` makes (0 when it is some other form)."""
    per_axis = chunks if isinstance(chunks, tuple) else (chunks,) * len(shape)
    if len(per_axis) != len(shape) or not all(
        isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in per_axis
    ):
        return 0  # dask validates and materialises other forms itself
    return math.prod(-(-n // c) for n, c in zip(shape, per_axis, strict=True))


def _check_blocks(count: int) -> None:
    if count > MAX_BLOCKS:
        raise ValueError(
            f"this chunking makes {count:,} blocks, more than a dask graph can hold "
            f"(limit {MAX_BLOCKS:,}); pass larger chunks= (e.g. chunks='1GiB') or a smaller size"
        )


@dataclasses.dataclass(frozen=True)
class Plan:
    """How a draw will be delivered; computed without generating anything."""

    shape: tuple[int, ...]
    dtype: str
    nbytes: int
    memory: MemoryReading
    fraction: float
    budget: int
    mode: str
    reason: str
    chunks: Chunks | None
    store: str | None = None

    @property
    def chunk_bytes(self) -> int | None:
        if self.chunks is None:
            return None
        return math.prod(max(c) for c in self.chunks) * np.dtype(self.dtype).itemsize

    def __str__(self) -> str:
        rows = [
            ("shape", f"{self.shape} {self.dtype}"),
            ("requested", _size(self.nbytes)),
            ("available", str(self.memory)),
            ("budget", f"{_size(self.budget)} ({self.fraction:g} of available)"),
            ("mode", self.mode),
            ("why", self.reason),
        ]
        if self.chunks is not None:
            nblocks = math.prod(len(c) for c in self.chunks)
            rows.append(("chunks", f"{nblocks} blocks of up to {_size(self.chunk_bytes or 0)}"))
        if self.store is not None:
            rows.append(("store", self.store))
        width = max(len(k) for k, _ in rows)
        return "seedstream plan\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def plan(
    size: Any,
    dtype: Any = "float64",
    *,
    chunks: Any = None,
    store: Any = None,
    memory_fraction: float | None = None,
    memory: MemoryReading | None = None,
) -> Plan:
    """Decide how a draw of `size` values of `dtype` will be delivered.

    Parameters
    ----------
    size : int or tuple of ints
        numpy's ``size=``.
    dtype : dtype-like, optional
    chunks : optional
        dask's forms (int, tuple, ``"auto"``, ``"256MiB"``): forces a lazy dask array.
    store : str, path or zarr store, optional
        Forces zarr output.
    memory_fraction : float, optional
        Budget as a fraction of available memory; default
        ``$SEEDSTREAM_MEMORY_FRACTION`` or 0.5.
    memory : MemoryReading, optional
        Use this instead of reading the machine (for tests and what-ifs).

    Examples
    --------
    >>> from seedstream._memory import MemoryReading
    >>> p = plan(10**10, memory=MemoryReading(24 * 2**30, "injected"))
    >>> p.mode, p.nbytes, p.chunks[0][0]
    ('dask', 80000000000, 16777216)
    """
    shape = normalize_shape(size)
    dt = np.dtype(dtype)
    nbytes = math.prod(shape) * dt.itemsize
    fraction = resolve_fraction(memory_fraction)
    reading = memory if memory is not None else read_memory()
    budget = int(reading.available * fraction)
    mode, reason = decide(
        nbytes, budget, chunks_given=chunks is not None, store_given=store is not None
    )
    block_chunks = None if mode == "ndarray" else resolve_chunks(shape, dt, chunks)[1]
    return Plan(
        shape,
        dt.name,
        nbytes,
        reading,
        fraction,
        budget,
        mode,
        reason,
        block_chunks,
        None if store is None else str(store),
    )
