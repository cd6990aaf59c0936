"""Writing a request to disk chunk by chunk, in parallel, resuming what an earlier run left.

:func:`write` is the one entry: numpy checks the draw's parameters, the
safety module checks the path and the space, then the target the request
names is opened (created, or checked to record the same request) and the
chunks it lacks are written by threads or worker processes -- or, when a
dask.distributed Client is active, by the cluster's workers
(:mod:`~seedstream._output.cluster`) -- each chunk, or each whole shard, an
independent task of its own.  Re-running the same call writes only what is
missing or damaged; on a complete output it does nothing.  Worker processes
end with their writer, however it ends (:func:`_exit_with_parent`).

Imports the request, shards, targets, safety, tasks and cluster modules below
it, and seedstream's draw, errors and progress modules.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import errno
import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np

from seedstream._draw import Draw
from seedstream._errors import DiskFullError, OutputMismatchError
from seedstream._locate import Locator, values_from
from seedstream._output.cluster import active_client, write_on_cluster
from seedstream._output.place import Place, where
from seedstream._output.request import Request
from seedstream._output.safety import (
    assess,
    check_free,
    check_store,
    disk_full,
    free_bytes,
    one_writer,
    open_remote,
    remove,
)
from seedstream._output.shards import Unit, check_shards, work_units
from seedstream._output.targets import Target, check_compressors, open_target, target_type
from seedstream._output.tasks import Where, place_of, write_unit, write_unit_at
from seedstream._progress import write_bar


def write(
    request: Request,
    store: Any,
    *,
    workers: int | None = None,
    processes: bool = False,
    overwrite: bool = False,
    compressors: Any = None,
    check_disk: bool = True,
    progress: bool | None = None,
    locator: Locator | None = None,
    storage_options: dict[str, Any] | None = None,
    client: Any = None,
    shards: Any = None,
) -> Any:
    """Write `request` to `store` chunk by chunk, resuming what an earlier run left.

    Returns the ``zarr.Array`` (or, for ``.npy``, a read-only memory map).
    Peak memory is about ``2 * workers`` chunks (shards, when sharded),
    whatever the size.  A variable draw is counted first (in parallel) to
    locate every chunk.  With a dask.distributed Client (``client=``, or the
    active one unless ``client=False``) the cluster's workers write, one task
    per chunk or shard (see :mod:`~seedstream._output.cluster`); ``shards=``
    stores whole chunks in fewer objects (zarr's sharding codec), one task
    per shard.

    Nothing is created until numpy accepted the parameters, the path was
    found usable and the space sufficient; a new output that fails before
    its first chunk is written is removed again.  ``overwrite`` replaces
    only an output of seedstream's (see :mod:`~seedstream._output.safety`).
    """
    _check_with_numpy(request.draw)
    store = where(store, storage_options)  # a URL becomes a Place
    kind = target_type(store)
    shape = check_shards(request, shards)
    check_compressors(kind, compressors, shape)
    path = check_store(store, kind, compressors, overwrite)
    cluster = active_client(client)
    if cluster is not None and (workers is not None or processes):
        raise ValueError(
            "workers= and processes= size the local pool, but a dask Client is active, so its "
            "workers write: drop them, or pass client=False to write with the local pool"
        )
    options: dict[str, Any] = {
        "workers": workers,
        "processes": processes,
        "check_disk": check_disk,
        "progress": progress,
        "locator": locator,
        "client": cluster,
        "place": None if cluster is None else place_of(store),
    }
    if isinstance(store, Place):  # a URL: no lock nor free-space check there (open_remote)
        target = open_remote(store, kind, request, overwrite, compressors, shape)
        return _fill(target, request, **options)
    if path is None:  # a zarr store object: zarr's overwrite only on an array of ours
        found = kind.survey(store)
        if found.kind == "foreign":
            raise OutputMismatchError(
                f"{store} holds {found.what}; seedstream will not delete it: choose another store"
            )
        replace = overwrite and found.kind == "ours"
        target = open_target(
            store, request, overwrite=replace, compressors=compressors, shards=shape
        )
        return _fill(target, request, **options)
    check_free(path, kind)  # refusals before anything is created
    assess(path, kind, request, overwrite, check_disk)
    with one_writer(path, kind):
        found = assess(path, kind, request, overwrite, check_disk)  # as it is now, locked
        fresh = found.kind == "absent" or overwrite
        if fresh:
            remove(path, kind, found.files)
        opened: Target | None = None
        try:
            opened = open_target(
                store, request, overwrite=False, compressors=compressors, shards=shape
            )
            return _fill(opened, request, **options)
        except BaseException:
            if fresh and _nothing_done(opened):  # it holds no work: do not let it block a rerun
                remove(path, kind, kind.files(path))
            raise


def _check_with_numpy(draw: Draw) -> None:
    """numpy's own errors for `draw`'s parameters: one value on a scratch generator.

    (numpy checks some parameters only when it draws, e.g. Generator's
    ``uniform(1, 0)``; the caller's stream is not touched.)
    """
    values_from(draw, np.random.PCG64(0), 1)


def _nothing_done(target: Target | None) -> bool:
    try:
        return target is None or not target.done()
    except Exception:
        return False  # cannot tell: keep it


def _fill(
    target: Target,
    request: Request,
    *,
    workers: int | None,
    processes: bool,
    check_disk: bool,
    progress: bool | None,
    locator: Locator | None,
    client: Any,
    place: Place | None,
) -> Any:
    """Write the chunks `target` lacks; its record says complete at the end."""
    if target.is_complete() and len(target.done()) == request.nchunks:
        # nothing to do, and nothing is rewritten (a zarr missing chunks is completed again)
        return target.result()
    target.clean_partials()
    done, damaged = target.scan()
    target.drop(set(damaged))
    todo = [i for i in range(request.nchunks) if i not in done]
    done_bytes = sum(request.chunk_nbytes(i) for i in done)
    remaining = request.nbytes - done_bytes
    free = free_bytes(target.path) if check_disk else None
    if free is not None and remaining > free:
        raise disk_full(target.description, remaining, free)
    units = work_units(request, target.shards, todo)  # a shard is written whole, always
    located = request.locate([i for unit in units for i in unit], locator)
    bar = write_bar(request.nbytes, done_bytes, target.description, progress)
    try:
        if client is not None:
            assert place is not None
            write_on_cluster(client, place, request, units, located, bar)
            target.clean_partials()  # of workers killed mid-chunk: dask ran their tasks again
        else:
            workers = workers or os.cpu_count() or 1
            _write_in_parallel(request, target, units, located, workers, processes, bar)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(
                errno.ENOSPC,
                f"disk full while writing {target.description}: {len(target.done())} of "
                f"{request.nchunks} chunks are complete and kept; free some space and run the "
                "same call again to resume",
            ) from exc
        raise
    finally:
        if bar is not None:
            bar.close()
    return target.finish()


def _write_in_parallel(
    request: Request,
    target: Target,
    units: list[Unit],
    located: Where,
    workers: int,
    processes: bool,
    bar: Any,
) -> None:
    """Every unit (a chunk, or a whole shard) an independent task, in threads or processes."""

    def own(unit: Unit) -> Where:
        return {i: located[i] for i in unit if i in located}

    if processes:
        if target.place is None:
            raise ValueError(
                "processes=True needs a store given as a path or URL; use threads for a zarr "
                "store object"
            )
        place = target.place
        pool: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(
            workers, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )

        def submit(unit: Unit) -> concurrent.futures.Future[int]:
            return pool.submit(write_unit_at, place, request, unit, own(unit))
    else:
        pool = concurrent.futures.ThreadPoolExecutor(workers)

        def submit(unit: Unit) -> concurrent.futures.Future[int]:
            return pool.submit(write_unit, target, unit, own(unit))

    with pool:
        _run_bounded(units, submit, 2 * workers, bar)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _exit_with_parent(writer: int, kernel: bool = True) -> None:
    """Worker process initializer: end when the writer ends, even killed with SIGKILL.

    Otherwise a killed writer's workers wait for work for ever (their task
    queue's pipe stays open: the workers hold its ends too).  On Linux the
    kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``; the
    parent is the writer, or the forkserver that exits with it); elsewhere a
    thread watches for the parent to change (also with ``kernel=False``).
    """
    parent = os.getppid()
    if not (kernel and sys.platform == "linux" and _parent_death_signal()):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent or not _alive(writer):  # it died before the watch began
        os._exit(1)


def _parent_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(1)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_bounded(units: list[Unit], submit: Any, in_flight: int, bar: Any) -> None:
    pending: set[concurrent.futures.Future[int]] = set()
    queue = iter(units)
    written = 0
    try:
        for unit in queue:
            pending.add(submit(unit))
            if len(pending) >= in_flight:
                finished, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                written += _collect(finished, bar)
        for future in concurrent.futures.as_completed(pending):
            written += _collect({future}, bar)
        pending = set()
    except OSError:
        for future in pending:
            future.cancel()
        raise


def _collect(finished: set[concurrent.futures.Future[int]], bar: Any) -> int:
    total = 0
    for future in finished:
        nbytes = future.result()
        total += nbytes
        if bar is not None:
            bar.update(nbytes)
    return total
