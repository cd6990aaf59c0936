"""The user's files: what a write may use or replace, the space it needs, one writer at a time.

Before anything is created, the writer asks :func:`check_store` and
:func:`assess` what the path holds and whether there is space, so a refused
run leaves nothing behind.  ``overwrite=True`` replaces only an output that
carries seedstream's record (and only its own files: zarr's metadata, chunks
and temporary files, or the ``.npy`` and its sidecar), or an empty folder;
anything else is refused, never deleted (:func:`remove`).  One writer at a
time: a lock file (``flock``, released by the system when its process dies,
however it dies) makes a second writer on the same path stop with a message
(:func:`one_writer`), rather than remove the first one's temporary files.

At a URL (:func:`open_remote`) the same checks run on one listing of its
keys, and replacing removes only the output's own objects.  There is no lock
on object storage: one writer per output there is the user's responsibility
(two runs of the same request write the same bytes, each PUT whole; a run with
``overwrite=True`` may remove another's chunks).  Nor is there a free-space
check: object storage has no such figure.

Imports the request, place, targets and words modules below it, and seedstream's errors.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seedstream._errors import DiskFullError, OutputInUseError, OutputMismatchError
from seedstream._output.place import Place, remote_errors
from seedstream._output.request import Request, differs
from seedstream._output.targets import Found, Target, check_compressors, open_target
from seedstream._output.words import examples, human, plural


def check_store(store: Any, kind: type[Target], compressors: Any, overwrite: bool) -> Path | None:
    """The local path of `store` (None for a zarr store object), refused if it cannot be one."""
    check_compressors(kind, compressors)
    if not isinstance(store, str | os.PathLike):
        return None
    if not os.fspath(store):
        raise ValueError("store='' is not a path: name the file or folder to write")
    path = Path(store)
    reason = _unsafe(path) if overwrite else None
    if reason is not None:
        raise ValueError(
            f"{os.fspath(store)} is {reason}: seedstream will not replace it with "
            "overwrite=True; write to a new path inside it"
        )
    return path


def _unsafe(path: Path) -> str | None:
    """Why replacing `path` would be a disaster (root, home, the current folder or above), or None.

    Examples
    --------
    >>> _unsafe(Path("/")), _unsafe(Path(".")), _unsafe(Path("..")), _unsafe(Path("a/new.zarr"))
    ('the root folder', 'the current folder', 'a folder that contains the current folder', None)
    """
    real, cwd = path.resolve(), Path.cwd().resolve()
    try:
        home: Path | None = Path.home().resolve()
    except RuntimeError:  # no home folder known
        home = None
    if real == Path(real.anchor):
        return "the root folder"
    if real == home:
        return "the home folder"
    if real == cwd:
        return "the current folder"
    if real in cwd.parents:
        return "a folder that contains the current folder"
    return None


def assess(
    path: Path | Place, kind: type[Target], request: Request, overwrite: bool, check_disk: bool
) -> Found:
    """What is at `path`, refused unless this write may use it; the space for a new output.

    Runs before anything is created (and again under the lock).  A URL has no
    free-space check.
    """
    found = kind.survey(path)
    if found.kind == "foreign":
        raise OutputMismatchError(
            f"{path} exists and was not written by seedstream ({found.what}); seedstream will "
            "not delete it: choose another path"
        )
    replace = found.kind == "ours" and overwrite
    if found.extra and (replace or differs(found.record, request)):
        raise OutputMismatchError(
            f"{path} is a seedstream output but also holds "
            f"{plural(len(found.extra), 'file', 'files')} seedstream did not write "
            f"({examples(list(found.extra))}); seedstream will not delete them: move them out, "
            "or choose another path"
        )
    if check_disk and isinstance(path, Path) and (found.kind == "absent" or replace):
        freed = sum(f.stat().st_blocks * 512 for f in found.files if replace and f.exists())
        free = shutil.disk_usage(_existing_parent(path)).free + freed
        if request.nbytes > free:
            raise disk_full(str(path), request.nbytes, free)
    return found


def open_remote(
    place: Place,
    kind: type[Target],
    request: Request,
    overwrite: bool,
    compressors: Any,
    shards: tuple[int, ...] | None = None,
) -> Target:
    """The output at a URL opened for `request`, after the checks a path gets (but lock and disk).

    What the URL holds is read first, so a missing bucket, bad credentials or
    an unreachable endpoint is one clear error before anything is created;
    ``overwrite`` removes only the output's own objects (``zarr.json`` and
    chunk keys), after the same refusals as for a path.
    """
    check_compressors(kind, compressors)
    found = assess(place, kind, request, overwrite, check_disk=False)
    with remote_errors(place):
        if found.kind == "ours" and overwrite and found.keys:
            fs, _ = place.filesystem()
            fs.rm(list(found.keys))
        return open_target(place, request, overwrite=False, compressors=compressors, shards=shards)


def free_bytes(path: Path | None) -> int | None:
    """Free bytes where the output at `path` is, or None for a zarr store object."""
    return shutil.disk_usage(_existing_parent(path)).free if path else None


def _existing_parent(path: Path | None) -> Path:
    p = Path(path or ".").resolve()
    while not p.exists():
        p = p.parent
    return p


def disk_full(description: str, remaining: int, free: int) -> DiskFullError:
    """The refusal of a write that needs `remaining` bytes where `free` are free."""
    return DiskFullError(
        errno.ENOSPC,
        f"{description} needs about {human(remaining)} more and only {human(free)} "
        "is free; free some space, write elsewhere, or pass check_disk=False to try anyway",
    )


def remove(path: Path, kind: type[Target], files: tuple[Path, ...]) -> None:
    """Remove an output's own `files`, then its emptied sub-folders (never anything else)."""
    for f in files:
        f.unlink(missing_ok=True)
    if not kind.folder or not path.is_dir():
        return
    folders = [Path(root) for root, _, _ in os.walk(path)][1:]
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()


# --- one writer at a time -----------------------------------------------------------------


@contextlib.contextmanager
def one_writer(path: Path, kind: type[Target]) -> Iterator[None]:
    """Hold the lock file of `path` (creating the folders it needs) for the duration.

    ``flock`` rather than a file's mere existence: the system releases it
    when its process dies, so a killed writer never blocks the next run.
    Folders made here are removed again if they end up empty.
    """
    lock = kind.lock_file(path)
    made: list[Path] = []
    folder = lock.parent
    while not folder.exists():
        made.append(folder)
        folder = folder.parent
    try:
        for folder in reversed(made):
            folder.mkdir(exist_ok=True)
        fd = _acquire(lock, str(path))
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)  # before unlocking: a waiting opener then sees it gone
            os.close(fd)
    finally:
        for folder in made:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()


def check_free(path: Path, kind: type[Target]) -> None:
    """Refuse at once if a live writer holds the lock of `path` (creating nothing)."""
    if sys.platform == "win32":
        return
    import fcntl

    try:
        fd = os.open(kind.lock_file(path), os.O_RDONLY)
    except OSError:
        return  # no lock file (or not readable): the lock itself decides
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _in_use(fd, str(path)) from None
    finally:
        os.close(fd)  # (also releases the probe's own shared lock)


def _in_use(fd: int, description: str) -> OutputInUseError:
    holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
    pid = f" (pid {holder})" if holder.isdigit() else ""
    return OutputInUseError(
        errno.EBUSY,
        f"another seedstream process{pid} is writing {description}; wait for it to finish "
        "(then run this again: it resumes, or finds it complete), or write to another path",
    )


def _acquire(lock: Path, description: str) -> int:
    if sys.platform == "win32":  # no flock: one writer at a time is then the caller's care
        return os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    import fcntl

    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        for attempt in range(5):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == 4:
                    error = _in_use(fd, description)
                    os.close(fd)
                    raise error from None
                time.sleep(0.02)  # perhaps only another starter's probe (check_free)
        try:  # the holder may have removed this file as we opened it: lock the current one
            current = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            current = False
        if current:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)
