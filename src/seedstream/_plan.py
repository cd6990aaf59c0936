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
import numbers
import operator
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

# Beyond this many blocks the per-block overhead dominates: dask's best practices
# put it at 0.2-1 ms a task and call graphs of millions of tasks troublesome, and
# here 10**5 blocks take seconds and hundreds of MB to build (5 * 10**6: 106 s,
# 6.3 GB), before anything runs; a store would get as many files.  Refused.
MAX_BLOCKS = 10**5
_CHUNK_FORMS = "a number of values per chunk (e.g. 2**20), a size such as '128MiB', or 'auto'"


def resolve_fraction(value: float | None = None) -> float:
    """The budget's share of available memory: `value`, $SEEDSTREAM_MEMORY_FRACTION, or 0.5."""
    if value is None:
        env = os.environ.get(_FRACTION_ENV)
        if not env:
            return DEFAULT_MEMORY_FRACTION
        try:
            value = float(env)
        except ValueError:
            value = math.nan
        if not 0 < value <= 1:
            raise ValueError(
                f"${_FRACTION_ENV}={env!r} is not a fraction in (0, 1]; "
                "set it to e.g. 0.5, or unset it"
            )
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


def chunk_bytes(text: str) -> int:
    """A ``chunks=`` size such as ``"128MiB"`` in bytes; ``ValueError`` unless it is positive.

    Examples
    --------
    >>> chunk_bytes("128MiB")
    134217728
    >>> chunk_bytes("0MiB")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: chunks='0MiB' is not a positive size; pass a number of values per chunk ...
    """
    from dask.utils import parse_bytes

    try:
        n = int(parse_bytes(text))
    except ValueError:
        raise ValueError(f"chunks={text!r} is not a size; pass {_CHUNK_FORMS}") from None
    if n < 1:
        raise ValueError(f"chunks={text!r} is not a positive size; pass {_CHUNK_FORMS}")
    return n


def _target_chunk_bytes(chunks: Any) -> int:
    """Bytes per chunk for ``chunks="auto"``, no ``chunks=``, or a size such as ``"64MiB"``.

    dask's ``array.chunk-size`` (128 MiB unless configured), as dask users
    expect.  Re-measured with the MT19937 core (``benchmarks/bench_chunks.py``,
    4*10**8 doubles' mean, 2 cores): chunks of 2**24 doubles (128 MiB) took
    0.51x dask's own ``default_rng`` time, 2**21-2**22 doubles 0.62-0.74x,
    2**20 0.98x (the ~1 ms jump per chunk); store writes of 10**8 doubles were
    level within their spread from 2**20 to 2**24.  So the default stays.
    """
    import dask

    if isinstance(chunks, str) and chunks != "auto":
        return chunk_bytes(chunks)
    return chunk_bytes(str(dask.config.get("array.chunk-size")))


def _chunk_int(value: Any, chunks: Any) -> int:
    """One chunk length: an integer (not a bool) of at least 1, or dask's -1 ("whole axis")."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"chunks must be {_CHUNK_FORMS} (or a tuple of them, one per axis), "
            f"got {type(value).__name__} {value!r}"
        )
    c = operator.index(value)
    if c < 1 and c != -1:
        raise ValueError(
            f"chunks={chunks!r}: a chunk must hold at least 1 value; pass {_CHUNK_FORMS}"
        )
    return c


def _check_axis(value: Any, n: int, chunks: Any) -> Any:
    """One axis of ``chunks=``, checked; a length beyond the axis is the whole axis, as in dask."""
    if value is None or value == "auto":
        return value
    if isinstance(value, str):
        chunk_bytes(value)
        return value
    if isinstance(value, tuple | list):  # explicit block lengths (dask checks that they add up)
        if not n and tuple(value) in ((), (0,)):
            return (0,)
        return tuple(_chunk_int(v, chunks) for v in value)
    c = _chunk_int(value, chunks)
    return c if c == -1 else min(c, max(n, 1))


def _check_chunks(shape: tuple[int, ...], chunks: Any) -> Any:
    """``chunks=`` with every length and size checked, one entry per axis (dicts: dask's)."""
    if isinstance(chunks, dict):
        return chunks  # dask's {axis: chunks} form: its blocks are counted once normalised
    if not isinstance(chunks, tuple | list):
        return tuple(_check_axis(chunks, n, chunks) for n in shape)
    if len(shape) == 1 and len(chunks) > 1 and not any(isinstance(c, tuple | list) for c in chunks):
        chunks = (tuple(chunks),)  # as dask reads it: explicit block lengths of a 1-d array
    if len(chunks) != len(shape):
        raise ValueError(
            f"chunks={chunks!r} has {len(chunks)} entries for the {len(shape)}-d shape {shape}; "
            "give one per axis, or one for all"
        )
    return tuple(_check_axis(c, n, chunks) for c, n in zip(chunks, shape, strict=True))


def resolve_chunks(
    shape: tuple[int, ...], dtype: np.dtype[Any], chunks: Any, *, graph: bool = True
) -> tuple[Chunks, Chunks]:
    """(chunks to generate, chunks to deliver) for a dask ``chunks=`` argument.

    Generation chunks are contiguous runs of the stream; when the requested
    chunking is not, the array is generated contiguously at a similar size
    and rechunked to what was asked.  Malformed chunks are refused, and so,
    for a dask `graph`, are chunkings of more than :data:`MAX_BLOCKS` blocks,
    before anything is built.  The store writer builds no graph (it walks
    the chunks with a bounded number in flight): there only small chunks
    (below dask's chunk size) are held to the count, since each is a file.
    """
    itemsize = dtype.itemsize
    limit = _check_blocks if graph else _check_files
    if chunks is None or isinstance(chunks, str):
        target = max(1, _target_chunk_bytes(chunks) // itemsize)
        limit(-(-math.prod(shape) // target), shape, itemsize, chunks)
        built = contiguous_chunks(shape, target)
        return built, built
    checked = _check_chunks(shape, chunks)
    limit(_estimate_blocks(shape, checked), shape, itemsize, chunks)
    from dask.array.core import normalize_chunks

    wanted: Chunks = normalize_chunks(checked, shape, dtype=dtype)  # type: ignore[no-untyped-call]
    limit(math.prod(len(c) for c in wanted), shape, itemsize, chunks)
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


def _estimate_blocks(shape: tuple[int, ...], chunks: tuple[Any, ...] | dict[Any, Any]) -> int:
    """Blocks a checked ``chunks=`` makes, counting the axes given as ints, whole or explicit.

    (Sizes and "auto" are left to dask; their blocks are counted once normalised.)
    """
    if isinstance(chunks, dict):
        return 0
    blocks = 1
    for n, c in zip(shape, chunks, strict=True):
        if c is None or c == -1:
            continue
        if isinstance(c, tuple):
            blocks *= len(c)
        elif isinstance(c, int):
            blocks *= -(-n // c)
    return blocks


def _check_files(count: int, shape: tuple[int, ...], itemsize: int, chunks: Any) -> None:
    # chunks smaller than dask's chunk size (all but the last, which may be short)
    if math.prod(shape) * itemsize <= (count - 1) * _target_chunk_bytes(None):
        _check_blocks(count, shape, itemsize, chunks)


def _check_blocks(count: int, shape: tuple[int, ...], itemsize: int, chunks: Any) -> None:
    if count <= MAX_BLOCKS:
        return
    values = -(-math.prod(shape) // MAX_BLOCKS)
    size = 128 * 2**20  # dask's default chunk size, or a power of two above it
    while size * MAX_BLOCKS < math.prod(shape) * itemsize:
        size *= 2
    named = "the default chunking" if chunks is None else f"chunks={chunks!r}"
    raise ValueError(
        f"{named} makes {count:,} blocks of shape {shape}, more than {MAX_BLOCKS:,}: a dask "
        "graph that large takes minutes and gigabytes to build (and 0.2-1 ms a block to "
        "schedule, per dask's best practices), a store as many files; pass larger chunks=, "
        f"at least {values:,} values (or a size such as '{_bytes_text(size)}')"
    )


def _bytes_text(n: int) -> str:
    """A power-of-two byte size as dask reads it: ``'128MiB'``, ``'4GiB'``."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n // scale}{unit}"
    return f"{n}B"


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
    block_chunks = (
        None if mode == "ndarray" else resolve_chunks(shape, dt, chunks, graph=mode == "dask")[1]
    )
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
