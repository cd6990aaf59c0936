"""Writing on a dask.distributed cluster: each unit of work (a chunk, or a shard) one task.

The cluster writes when a ``Client`` is the active scheduler (a default
client, and dask's scheduler is that client's) or one is passed
(``client=``); ``client=False`` keeps the local pool.  The caller keeps the
lock, the record and the progress bar; each task
(:func:`~seedstream._output.tasks.write_unit_at`) re-opens the target from its
place, writes its unit and returns the bytes it wrote.  A variable draw is
located by the caller first, and each task is sent only its own chunks'
located starts.

Memory stays bounded: at most :func:`in_flight` tasks are submitted at a time
(four per thread of the cluster), the next as each completes, so a million
chunks never sit in the scheduler at once.  A worker that dies has its tasks
run again on another by dask (up to ``distributed.scheduler.allowed-failures``
times); a unit written twice gives the same bytes.  A caller that dies leaves
its done chunks, and the same call finishes the output (tasks of the dead
caller still running write the same bytes, or fail unheard when the re-run
removes their temporary files).

Task keys read ``seedstream-write-<token of place and request>-<run>-<first
chunk>`` on the dashboard; a new ``run`` each call, so that a re-run never
attaches to a task that a dead caller left running.

Imports the tasks module below it; distributed only inside the functions.
"""

from __future__ import annotations

import itertools
import sys
import uuid
from typing import Any

from seedstream._output.place import Place
from seedstream._output.request import Request
from seedstream._output.shards import Unit
from seedstream._output.tasks import Where, write_unit_at


def active_client(client: Any) -> Any:
    """The dask ``Client`` to write with, or None for the local pool.

    `client`: None (the active one, if any), False (none), True (the active
    one, which must exist), or a ``Client``.
    """
    if client is False:
        return None
    if client is not None and client is not True:
        if not callable(getattr(client, "submit", None)):
            raise TypeError(
                f"client must be a dask.distributed Client, True, False or None, got {client!r}"
            )
        return client
    # No Client can be running in a process that has not imported distributed.
    found = _default_client() if "distributed" in sys.modules else None
    if found is None and client is True:
        raise ValueError(
            "client=True, but no dask.distributed Client is active: start one "
            "(distributed.Client(...)) or pass it as client="
        )
    return found


def _default_client() -> Any:
    import dask.base
    from distributed import default_client

    try:
        found = default_client()  # type: ignore[no-untyped-call]
    except ValueError:
        return None
    # dask.config.set(scheduler="threads") overrides a default client: so does it here.
    active = dask.base.get_scheduler()  # type: ignore[no-untyped-call]
    return found if active == found.get else None


def in_flight(client: Any) -> int:
    """Tasks submitted at a time: four per thread of the cluster.

    Two would keep every thread busy if a completion reached the caller, and
    the next task a worker, in less than a task's time; on a loaded machine
    they do not, and workers wait.  Waiting tasks hold only their arguments
    (the data is made when one runs), so the window bounds the scheduler's
    load, not the memory.
    """
    return max(4, 4 * sum(int(n) for n in client.nthreads().values()))


def write_on_cluster(
    client: Any,
    place: Place,
    request: Request,
    units: list[Unit],
    located: Where,
    bar: Any,
) -> int:
    """Write `units` as tasks of `client`'s cluster, a bounded window at a time; the bytes."""
    from dask.base import tokenize
    from distributed import as_completed

    prefix = f"seedstream-write-{tokenize(place, request.to_config())}-{uuid.uuid4().hex[:8]}"
    queue = iter(units)
    window = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]
    pending: set[Any] = set()
    cap = in_flight(client)

    def top_up() -> None:
        for unit in itertools.islice(queue, cap - len(pending)):
            shipped = {i: located[i] for i in unit if i in located}  # its own starts only
            future = client.submit(
                write_unit_at, place, request, unit, shipped, key=f"{prefix}-{unit[0]}"
            )
            pending.add(future)
            window.add(future)  # type: ignore[no-untyped-call]

    written = 0
    try:
        top_up()
        for future in window:
            pending.discard(future)
            nbytes = int(future.result())
            future.release()
            written += nbytes
            if bar is not None:
                bar.update(nbytes)
            top_up()
    except BaseException:
        if pending:
            client.cancel(list(pending))
        raise
    return written
