"""One unit of work -- a chunk, or a whole shard -- written by whoever runs it.

A thread of the local writer writes a unit to the target it shares
(:func:`write_unit`); a worker process of the local pool, or a worker of a
dask cluster, re-opens the target from its place first (:func:`write_unit_at`).
:func:`place_of` is the one place where a store becomes what a task carries
to another process, and :func:`reopen` the one place where a task opens it
again.  A unit's bytes are a pure function of the request and its chunks:
written twice (dask runs a task again when its worker dies), it gives the
same bytes.

Imports the place, request, shards and targets modules below it.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import numpy as np

from seedstream._locate import Located
from seedstream._output.place import Place
from seedstream._output.request import Request
from seedstream._output.shards import Unit, unit_region
from seedstream._output.targets import Target, ZarrTarget, target_type

Where = dict[int, tuple[Located, Located]]  # a variable draw's located chunks: start, end


def place_of(store: Any) -> Place:
    """What a worker process re-opens `store` from (see :func:`reopen`).

    A URL's place is itself; a path is made absolute: a worker's current folder
    need not be the caller's.
    """
    if isinstance(store, Place):
        return store if store.remote else Place(os.path.abspath(store.url))
    if isinstance(store, str | os.PathLike):
        return Place(os.path.abspath(os.fspath(store)))
    raise ValueError(
        f"{store!r} is a zarr store object, which other processes cannot re-open: give "
        "store= as a path for processes=True or a dask cluster (client=False writes with "
        "threads)"
    )


def reopen(place: Place, request: Request) -> Target:
    """The target at `place`, opened in this process for writing `request`'s chunks."""
    try:
        return target_type(place).attach(place, request)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{place} is not there for the writer on {socket.gethostname()} (pid {os.getpid()}): "
            "a cluster's workers write to the paths they see; give a path on a file system "
            "they share with the caller"
        ) from None


def write_unit(target: Target, unit: Unit, located: Where) -> int:
    """Generate and store the chunks of `unit` (a shard's in one assignment); the bytes."""
    request = target.request
    if len(unit) == 1:
        values = request.chunk_values(unit[0], located.get(unit[0]))
        target.write(unit[0], values)
        return int(values.nbytes)
    if not isinstance(target, ZarrTarget):
        raise TypeError(f"a {target.kind} target is written chunk by chunk, not {unit}")
    region = unit_region(request, unit)
    shard = np.empty(tuple(s.stop - s.start for s in region), request.dtype)
    for index in unit:
        inner = tuple(
            slice(c.start - r.start, c.stop - r.start)
            for c, r in zip(request.chunk_region(index), region, strict=True)
        )
        shard[inner] = request.chunk_values(index, located.get(index))
    target.write_region(region, shard)
    return int(shard.nbytes)


def write_unit_at(place: Place, request: Request, unit: Unit, located: Where) -> int:
    """:func:`write_unit` in another process, the target re-opened there.

    (`request` travels pickled: rebuilt from its config, with a state checked
    by numpy, it would cost a few ms a task.)
    """
    return write_unit(reopen(place, request), unit, located)
