"""Lazy dask arrays of a draw: every block generated independently by jumping.

Each block is the task :func:`block`, a module-level pure function of (stream,
draw, first value, array shape) and the block's location, so the graph is
picklable, runs on any scheduler, and gives the same bytes whatever the
chunking, the worker count or the order of execution.  Names come from
``tokenize`` of the request, so the same request gives the same graph.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from seedstream._draw import Draw
from seedstream._geometry import Chunks, block_start
from seedstream._locate import Located, Locator, block_values
from seedstream._plan import resolve_chunks
from seedstream._stream import Stream


def block(
    stream: Stream,
    draw: Draw,
    first: int,
    shape: tuple[int, ...],
    located: list[tuple[Located, Located]] | None = None,
    block_info: dict[Any, Any] | None = None,
) -> np.ndarray:
    """One block of the array, generated contiguously from its first element's position.

    `located` holds, for variable draws, each block's start and end (in C
    order of the blocks), from the count pass made when the graph was built.
    """
    assert block_info is not None
    info = block_info[None]
    corner = [lo for lo, _ in info["array-location"]]
    block_shape = tuple(info["chunk-shape"])
    start = first + block_start(shape, corner)
    where = None
    if located is not None:
        where = located[block_start(tuple(info["num-chunks"]), info["chunk-location"])]
    return block_values(stream, draw, start, math.prod(block_shape), where).reshape(block_shape)


def locate_blocks(
    stream: Stream, draw: Draw, first: int, shape: tuple[int, ...], chunks: Chunks, locator: Locator
) -> list[tuple[Located, Located]]:
    """Start and end of every block of `chunks` (C order), for a variable draw."""
    blocks = []
    for corner, block_shape in _blocks(chunks):
        blocks.append((first + block_start(shape, corner), math.prod(block_shape)))
    return locator.blocks(blocks)


def _blocks(chunks: Chunks) -> list[tuple[list[int], tuple[int, ...]]]:
    offsets = [np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int).tolist() for c in chunks]
    out = []
    for index in np.ndindex(*(len(c) for c in chunks)):
        corner = [offsets[axis][i] for axis, i in enumerate(index)]
        out.append((corner, tuple(chunks[axis][i] for axis, i in enumerate(index))))
    return out


def lazy_array(
    stream: Stream,
    draw: Draw,
    first: int,
    shape: tuple[int, ...],
    chunks: Any = "auto",
    locator: Locator | None = None,
) -> Any:
    """Values ``first ..`` of `draw` on `stream` as a dask array of `shape`.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator)
    >>> x = lazy_array(s, Draw("RandomState", "random_sample"), 0, (10,), chunks=3)
    >>> x.chunks
    ((3, 3, 3, 1),)
    >>> bool((x.compute() == np.random.RandomState(0).random_sample(10)).all())
    True
    """
    import dask.array as da
    from dask.base import tokenize

    dtype = draw.result_dtype
    built, wanted = resolve_chunks(shape, dtype, chunks)
    located = None
    if draw.consumption(stream).variable:
        located = locate_blocks(stream, draw, first, shape, built, locator or Locator(stream, draw))
    token = tokenize(stream.to_config(), draw.to_config(), first, shape, built)
    # Bound into the task function rather than passed as arguments: dask walks the arguments
    # of map_blocks item by item looking for collections (the stream's 624-word key, every
    # block's location), which cost about 80 ms a graph; a partial it leaves whole.
    task = functools.partial(block, stream, draw, first, shape, located)
    array = da.map_blocks(  # type: ignore[no-untyped-call]
        task,
        chunks=built,
        dtype=dtype,
        meta=np.empty((0,) * len(shape), dtype=dtype),
        name=f"seedstream-{draw.method}-{token}",
    )
    return array if wanted == built else array.rechunk(wanted)
