"""Streaming a draw to disk and checking it: the output package's face.

The rest of seedstream imports from here, never from the modules inside.
From the bottom up (no module imports one above it):

- ``words``: how sizes and counts read in messages.
- ``request``: :class:`Request` and the record stored with it.
- ``integrity``: whether a stored zarr chunk can be whole, from its header.
- ``place``: a path or a URL (and its storage options), picklable; storage errors in one line.
- ``shards``: ``shards=``, units of work (a chunk, or a whole shard), a stored shard whole.
- ``targets``: zarr and ``.npy`` behind one ``Target``; the one npy-or-zarr choice.
- ``safety``: what a write may replace, the space it needs, one writer at a time.
- ``tasks``: one unit written by a thread, a process or a dask worker; the one re-open.
- ``cluster``: the active dask Client, and its workers writing a bounded window of tasks.
- ``writer``: :func:`write`, the parallel fill, workers that end with it.
- ``verify``: :func:`inspect_output` and :func:`verify_output`.
"""

from seedstream._output.place import Place, is_url
from seedstream._output.request import Request
from seedstream._output.targets import ATTRS_KEY, SIDECAR_SUFFIX
from seedstream._output.verify import (
    ChunkMismatch,
    OutputInfo,
    VerifyReport,
    inspect_output,
    verify_output,
)
from seedstream._output.words import human
from seedstream._output.writer import write

__all__ = [
    "ATTRS_KEY",
    "SIDECAR_SUFFIX",
    "ChunkMismatch",
    "OutputInfo",
    "Place",
    "Request",
    "VerifyReport",
    "human",
    "inspect_output",
    "is_url",
    "verify_output",
    "write",
]
