"""Shards: many chunks in one stored object (zarr v3's sharding codec), each written whole.

A shard is the unit of work, always: one thread, process or dask task
generates every chunk of a shard and stores it in one assignment.  Two
writers of one shard each read, merge and store the whole object, so the
last one wins and the other's chunks are silently lost (zarr-python#3514,
#3682).  Stored whole (a local file renamed into place, or one object PUT), a
shard object either holds every chunk or is absent; a shard counts as done
when its object exists and its index and every chunk it places can be whole
(:func:`shard_damage`, from lengths and headers alone, like
:mod:`~seedstream._output.integrity` for a chunk).

:func:`check_shards` reads ``shards=``; :func:`work_units` groups the chunks
to write into units of work (one chunk, or a whole shard).  Imports the
request, integrity and words modules below it; zarr only inside the functions.
"""

from __future__ import annotations

import itertools
import math
import operator
from typing import Any

import numpy as np

from seedstream._output.integrity import Read, chunk_damage, stored_damage
from seedstream._output.request import Request
from seedstream._output.words import plural

Unit = tuple[int, ...]  # the chunk indices one task writes: one chunk, or a shard's chunks

_EMPTY = 2**64 - 1  # a shard index's (offset, length) of a chunk it does not hold


def check_shards(request: Request, shards: Any) -> tuple[int, ...] | None:
    """``shards=`` as a shard shape: whole chunks along every axis, or a clear ``ValueError``.

    An int is the shard's length along the first axis (the chunk's along the others).

    Examples
    --------
    >>> import numpy as np
    >>> from seedstream._draw import Draw
    >>> from seedstream._stream import Stream
    >>> stream = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator)
    >>> request = Request(stream, Draw("RandomState", "random_sample"), 0, (1000,), (100,))
    >>> check_shards(request, 400), check_shards(request, None)
    ((400,), None)
    >>> check_shards(request, 250)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: shards=(250,) is not a whole multiple of the chunks (100,): ... shards=(300,)
    """
    if shards is None:
        return None
    chunk = request.chunk_shape
    try:
        if isinstance(shards, tuple | list):
            shape = tuple(operator.index(s) for s in shards)
        else:
            shape = (operator.index(shards), *chunk[1:])
    except TypeError:
        raise TypeError(
            f"shards must be a shard shape (a tuple of ints, one per axis) or an int, "
            f"got {shards!r}"
        ) from None
    if len(shape) != len(chunk) or not all(s > 0 for s in shape):
        raise ValueError(
            f"shards={shape} does not fit an array of {plural(len(chunk), 'axis', 'axes')}: "
            "give one positive length per axis"
        )
    if any(s % c for s, c in zip(shape, chunk, strict=True)):
        fit = tuple(-(-s // c) * c for s, c in zip(shape, chunk, strict=True))
        raise ValueError(
            f"shards={shape} is not a whole multiple of the chunks {chunk}: a shard holds "
            f"whole chunks; use e.g. shards={fit}"
        )
    return shape


def chunks_per_shard(request: Request, shards: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(s // c for s, c in zip(shards, request.chunk_shape, strict=True))


def shard_grid(request: Request, shards: tuple[int, ...]) -> tuple[int, ...]:
    """Shards along each axis."""
    per = chunks_per_shard(request, shards)
    return tuple(-(-g // p) for g, p in zip(request.grid, per, strict=True))


def shard_chunks(request: Request, shards: tuple[int, ...], shard: tuple[int, ...]) -> Unit:
    """The chunks of the array in shard `shard` (its coordinates), in order."""
    per, grid = chunks_per_shard(request, shards), request.grid
    ranges = [range(s * p, min((s + 1) * p, g)) for s, p, g in zip(shard, per, grid, strict=True)]
    if not ranges:
        return (0,)
    return tuple(int(np.ravel_multi_index(c, grid)) for c in itertools.product(*ranges))


def work_units(request: Request, shards: tuple[int, ...] | None, todo: list[int]) -> list[Unit]:
    """`todo` as units of work: each chunk alone, or every chunk of each shard it touches.

    A shard is always written whole, so its unit holds all its chunks, done or not.
    """
    if shards is None or not todo:
        return [(i,) for i in todo]
    per = np.array(chunks_per_shard(request, shards))
    coords = np.stack(np.unravel_index(np.asarray(todo), request.grid), axis=-1) // per
    touched = sorted({tuple(int(c) for c in row) for row in coords})
    return [shard_chunks(request, shards, shard) for shard in touched]


def unit_region(request: Request, unit: Unit) -> tuple[slice, ...]:
    """The box a unit's chunks fill (a shard's chunks are a box, first to last in C order)."""
    first, last = request.chunk_region(unit[0]), request.chunk_region(unit[-1])
    return tuple(slice(a.start, b.stop) for a, b in zip(first, last, strict=True))


def scan_shards(
    request: Request, shards: tuple[int, ...], array: Any, present: set[str]
) -> tuple[set[int], dict[int, str]]:
    """Chunks in shards stored whole, and chunks in damaged shards (with why)."""
    store, prefix = array.store_path.store, array.store_path.path
    (codec,) = array.metadata.codecs  # zarr v3 sharding: the one array -> bytes codec
    raw_bytes = math.prod(request.chunk_shape) * request.dtype.itemsize
    per, grid = chunks_per_shard(request, shards), request.grid
    done: set[int] = set()
    damaged: dict[int, str] = {}
    for shard in itertools.product(*(range(n) for n in shard_grid(request, shards))):
        key = array.metadata.encode_chunk_key(shard)
        if key not in present:
            continue
        inside = [
            all(s * p + i < g for s, p, i, g in zip(shard, per, local, grid, strict=True))
            for local in itertools.product(*(range(p) for p in per))
        ]

        def check(size: int, read: Read, inside: list[bool] = inside) -> str | None:
            return shard_damage(codec, raw_bytes, inside, size, read)

        found = stored_damage(store, f"{prefix}/{key}" if prefix else key, check)
        chunks = shard_chunks(request, shards, shard)
        if found is None:
            done.update(chunks)
        else:
            damaged.update(dict.fromkeys(chunks, f"{found} (in shard {key})"))
    return done, damaged


def drop_shards(request: Request, shards: tuple[int, ...], array: Any, chunks: set[int]) -> None:
    """Delete the stored shards holding `chunks`.

    zarr reads a shard before writing it, even whole, and stops at a damaged
    one; the caller holds the output's lock, so no writer of its own is at them.
    """
    from zarr.core.sync import sync

    store, prefix = array.store_path.store, array.store_path.path
    per = chunks_per_shard(request, shards)
    for shard in sorted({_shard_of(request, per, i) for i in chunks}):
        key = array.metadata.encode_chunk_key(shard)
        sync(store.delete(f"{prefix}/{key}" if prefix else key))


def _shard_of(request: Request, per: tuple[int, ...], index: int) -> tuple[int, ...]:
    return tuple(c // p for c, p in zip(request.chunk_coords(index), per, strict=True))


def shard_damage(
    codec: Any, raw_bytes: int, inside: list[bool], size: int, read: Read
) -> str | None:
    """Why a stored shard of `size` bytes cannot be whole, or None if it can be.

    The index (zarr v3 sharding: an ``(offset, length)`` pair of uint64 per
    chunk, C order, then a CRC-32C) must pass its checksum and place every
    chunk inside the file; every chunk inside the array (`inside`, one flag
    per chunk of the shard) must be there (seedstream writes empty chunks),
    and each must pass :func:`~seedstream._output.integrity.chunk_damage`.
    Nothing is decompressed.
    """
    from zarr.codecs import BytesCodec, Crc32cCodec

    index_codecs = tuple(codec.index_codecs)
    if not (
        index_codecs
        and isinstance(index_codecs[0], BytesCodec)
        and len(index_codecs) <= 2
        and all(isinstance(c, Crc32cCodec) for c in index_codecs[1:])
    ):
        return None if size else "damaged: the shard file is empty"
    checksum = len(index_codecs) == 2
    index_bytes = 16 * len(inside) + 4 * checksum
    if size < index_bytes:
        return f"damaged: {size} bytes, shorter than the shard's index ({index_bytes})"
    at_end = getattr(codec.index_location, "value", codec.index_location) == "end"
    index_at = size - index_bytes if at_end else 0
    index = read(index_at, index_bytes)
    if checksum:
        import google_crc32c

        if np.uint32(google_crc32c.value(index[:-4])).tobytes() != index[-4:]:
            return "damaged: the shard's index fails its checksum"
    endian = getattr(index_codecs[0].endian, "value", "little")
    entries = np.frombuffer(index[: 16 * len(inside)], f"{'>' if endian == 'big' else '<'}u8")
    low, high = (0, index_at) if at_end else (index_bytes, size)
    for j, (offset, length) in enumerate(entries.reshape(-1, 2).tolist()):
        if offset == _EMPTY and length == _EMPTY:
            if inside[j]:
                return f"damaged: the shard's chunk {j} is missing"
            continue
        if offset < low or offset + length > high:
            return (
                f"damaged: the shard's index puts chunk {j} at bytes {offset}..{offset + length} "
                f"of a file of {size}"
            )

        def within(at: int, count: int, offset: int = offset, length: int = length) -> bytes:
            return read(offset + at, max(0, min(count, length - at)))

        found = chunk_damage(codec.codecs, raw_bytes, length, within)
        if found is not None:
            return f"{found} (the shard's chunk {j})"
    return None
