"""Streaming a draw to disk: resumable zarr v3 arrays and flat ``.npy`` files.

A :class:`Request` (stream, draw, first value, shape, chunk shape) is the
whole description of what goes on disk; it is recorded with the data (zarr
attributes, or a sidecar file next to a ``.npy``), so any output can be
regenerated and verified, and a re-run can tell whether it is continuing the
same work.

Crash safety.  Chunks are written whole and independently (each by one
writer, never shared).  A zarr chunk counts as done when its key exists:
zarr's LocalStore writes a temporary file and renames it, so a killed writer
leaves either the whole chunk or none of it.  A ``.npy`` chunk counts as done
once its index is appended to the sidecar log, which happens only after its
bytes were written.  Re-running the same call writes only what is missing;
on a complete output it does nothing.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import errno
import json
import math
import os
import shutil
import sys
import tokenize
from pathlib import Path
from typing import Any

import numpy as np

from seedstream._draw import Draw, Located, Locator, block_values
from seedstream._geometry import block_start, is_contiguous
from seedstream._stream import Stream

FORMAT = 1  # bump when the meaning of a recorded request changes
ATTRS_KEY = "seedstream"
SIDECAR_SUFFIX = ".seedstream.json"


class OutputMismatchError(ValueError):
    """The target holds a different draw than the one requested."""


class DiskFullError(OSError):
    """Not enough free space: before starting (preflight) or while writing."""


@dataclasses.dataclass(frozen=True)
class Request:
    """Values ``first ..`` of `draw` on `stream`: an array of `shape` in `chunk_shape` chunks."""

    stream: Stream
    draw: Draw
    first: int
    shape: tuple[int, ...]
    chunk_shape: tuple[int, ...]

    def __post_init__(self) -> None:
        # A request may come from a record on disk: malformed geometry is a ValueError here.
        dims = (*self.shape, *self.chunk_shape, self.first)
        if len(self.shape) != len(self.chunk_shape) or not all(
            type(d) is int and d >= 0 for d in dims
        ):
            raise ValueError(
                f"shape {self.shape}, chunk shape {self.chunk_shape} and first value "
                f"{self.first} must be non-negative integers, one chunk length per axis"
            )
        if not all(self.chunk_shape):
            raise ValueError(f"chunk shape {self.chunk_shape} has a chunk length of 0")
        grid = tuple(_regular(n, c) for n, c in zip(self.shape, self.chunk_shape, strict=True))
        if not is_contiguous(self.shape, grid):
            raise NotImplementedError(
                f"chunks {self.chunk_shape} for shape {self.shape} split the trailing axes, so a "
                "chunk is not one run of the stream; for output to disk use chunks that span "
                "every axis after the first one split (e.g. (rows, *shape[1:]))"
            )

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(self.draw.dtype)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def grid(self) -> tuple[int, ...]:
        """Chunks along each axis."""
        return tuple(
            -(-n // c) if n else 0 for n, c in zip(self.shape, self.chunk_shape, strict=True)
        )

    @property
    def nchunks(self) -> int:
        return math.prod(self.grid)

    def chunk_coords(self, index: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(index, self.grid)) if self.shape else ()

    def chunk_region(self, index: int) -> tuple[slice, ...]:
        coords = self.chunk_coords(index)
        return tuple(
            slice(i * c, min((i + 1) * c, n))
            for i, c, n in zip(coords, self.chunk_shape, self.shape, strict=True)
        )

    def chunk_span(self, index: int) -> tuple[int, int]:
        """(first value, number of values) of chunk `index` in the draw."""
        region = self.chunk_region(index)
        start = self.first + block_start(self.shape, [s.start for s in region])
        return start, int(math.prod(s.stop - s.start for s in region))

    def chunk_values(self, index: int, located: tuple[Located, int] | None = None) -> np.ndarray:
        """The values of chunk `index`, generated on their own.

        For a variable draw, `located` (from :meth:`locate`) saves counting the
        stream up to the chunk again.
        """
        region = self.chunk_region(index)
        first, count = self.chunk_span(index)
        values = block_values(self.stream, self.draw, first, count, located)
        return values.reshape(tuple(s.stop - s.start for s in region))

    def locate(
        self, indices: list[int], locator: Locator | None = None
    ) -> dict[int, tuple[Located, int]]:
        """Start and end of each chunk in `indices`, for a variable draw (empty for a fixed one)."""
        if not self.draw.consumption(self.stream).variable or not indices:
            return {}
        locator = locator or Locator(self.stream, self.draw)
        found = locator.blocks([self.chunk_span(i) for i in indices])
        return dict(zip(indices, found, strict=True))

    def to_config(self) -> dict[str, Any]:
        return {
            "stream": self.stream.to_config(),
            "draw": self.draw.to_config(),
            "first": self.first,
            "shape": list(self.shape),
            "chunk_shape": list(self.chunk_shape),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Request:
        return cls(
            Stream.from_config(config["stream"]),
            Draw.from_config(config["draw"]),
            int(config["first"]),
            tuple(config["shape"]),
            tuple(config["chunk_shape"]),
        )


def _regular(n: int, c: int) -> tuple[int, ...]:
    if n == 0:
        return (0,)
    full, rest = divmod(n, c)
    return (c,) * full + ((rest,) if rest else ())


def _differences(recorded: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    return [
        k
        for k in wanted
        if json.dumps(recorded.get(k), sort_keys=True) != json.dumps(wanted[k], sort_keys=True)
    ]


def record(request: Request, complete: bool) -> dict[str, Any]:
    """What is stored with the data: the request, versions, and whether it is complete."""
    from seedstream import __version__

    return {
        "format": FORMAT,
        "seedstream_version": __version__,
        "numpy_version": np.__version__,
        "request": request.to_config(),
        "dtype": request.dtype.name,
        "n": math.prod(request.shape),
        "complete": complete,
    }


# --- targets ------------------------------------------------------------------------------


class Target:
    """Where chunks go: opened or created for a request, then written chunk by chunk."""

    request: Request
    description: str

    def done(self) -> set[int]:
        raise NotImplementedError

    def write(self, index: int, values: np.ndarray) -> None:
        raise NotImplementedError

    def finish(self) -> Any:
        raise NotImplementedError

    def free_bytes(self) -> int | None:
        return None

    def spec(self) -> Any:
        """Picklable description for worker processes, or None if only threads can write."""
        return None


def _check_recorded(recorded: dict[str, Any] | None, request: Request, where: str) -> None:
    if recorded is None:
        raise OutputMismatchError(
            f"{where} exists but was not written by seedstream; choose another path or pass "
            "overwrite=True to replace it"
        )
    if recorded.get("format") != FORMAT:
        raise OutputMismatchError(
            f"{where} was written with seedstream output format {recorded.get('format')}, "
            f"this is format {FORMAT}; pass overwrite=True to regenerate it"
        )
    diff = _differences(recorded.get("request", {}), request.to_config())
    if diff:
        raise OutputMismatchError(
            f"{where} holds a different draw (differs in: {', '.join(diff)}); run the call that "
            "made it, choose another path, or pass overwrite=True to replace it"
        )


class ZarrTarget(Target):
    def __init__(self, store: Any, request: Request, *, overwrite: bool, compressors: Any) -> None:
        import zarr

        self.request = request
        self.description = str(store)
        self._path = Path(store) if isinstance(store, str | os.PathLike) else None
        exists = self._exists(store)
        if exists and not overwrite:
            try:
                self.array = zarr.open_array(store, mode="r+")
            except Exception:
                _check_recorded(None, request, self.description)
            _check_recorded(self.recorded(), request, self.description)
        else:
            self.array = zarr.create_array(
                store,
                shape=request.shape,
                chunks=request.chunk_shape,
                dtype=request.dtype,
                compressors=compressors,
                fill_value=0,
                attributes={ATTRS_KEY: record(request, complete=False)},
                config={"write_empty_chunks": True},  # a chunk of zeros is still a done chunk
                overwrite=overwrite,
            )

    def _exists(self, store: Any) -> bool:
        import zarr

        if self._path is not None:
            return (self._path / "zarr.json").exists() or (
                self._path.exists() and any(self._path.iterdir())
            )
        try:
            zarr.open_array(store, mode="r")
        except Exception:
            return False
        return True

    @classmethod
    def attach(cls, path: str, request: Request) -> ZarrTarget:
        """Open for writing chunks only (in a worker process): no checks, no metadata."""
        import zarr

        target = cls.__new__(cls)
        target.request, target.description, target._path = request, path, Path(path)
        target.array = zarr.open_array(path, mode="r+")
        return target

    def clean_partials(self) -> None:
        """Remove temporary files of writers killed mid-chunk (never counted as done)."""
        if self._path is not None:
            for partial in self._path.rglob("*.partial"):
                partial.unlink(missing_ok=True)

    def done(self) -> set[int]:
        from zarr.core.sync import sync

        array = self.array

        async def keys() -> set[str]:
            return {k async for k in array.store_path.store.list_prefix(array.store_path.path)}

        prefix = array.store_path.path
        present = {k[len(prefix) :].lstrip("/") for k in sync(keys())}
        return {
            i
            for i in range(self.request.nchunks)
            if array.metadata.encode_chunk_key(self.request.chunk_coords(i)) in present
        }

    def write(self, index: int, values: np.ndarray) -> None:
        self.array[self.request.chunk_region(index)] = values

    def finish(self) -> Any:
        self.array.attrs[ATTRS_KEY] = record(self.request, complete=True)
        return self.array

    def recorded(self) -> dict[str, Any] | None:
        found: Any = self.array.attrs.asdict().get(ATTRS_KEY)
        return found if isinstance(found, dict) else None

    def is_complete(self) -> bool:
        return bool((self.recorded() or {}).get("complete"))

    def free_bytes(self) -> int | None:
        return shutil.disk_usage(_existing_parent(self._path)).free if self._path else None

    def spec(self) -> Any:
        return ("zarr", str(self._path)) if self._path is not None else None


class NpyTarget(Target):
    """A flat ``.npy`` file (readable with ``np.load(..., mmap_mode="r")``) and a sidecar log.

    The sidecar's first line is the JSON record; each following line is the
    index of a chunk whose bytes are written.
    """

    def __init__(self, path: Path, request: Request, *, overwrite: bool) -> None:
        self.request = request
        self.path = Path(path)
        self.sidecar = self.path.with_name(self.path.name + SIDECAR_SUFFIX)
        self.description = str(self.path)
        if self.path.exists() and not overwrite:
            recorded = self._read_sidecar()[0] if self.sidecar.exists() else None
            _check_recorded(recorded, request, self.description)
            self._offset = _npy_data_offset(self.path)
        else:
            self._create()

    @classmethod
    def attach(cls, path: str, request: Request) -> NpyTarget:
        """Open for writing chunks only (in a worker process): no checks."""
        target = cls.__new__(cls)
        target.request, target.path, target.description = request, Path(path), path
        target.sidecar = target.path.with_name(target.path.name + SIDECAR_SUFFIX)
        target._offset = _npy_data_offset(target.path)
        return target

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # numpy writes the header and extends the file sparsely: space is taken as chunks land.
        mapped = np.lib.format.open_memmap(
            self.path, mode="w+", dtype=self.request.dtype, shape=self.request.shape
        )
        self._offset = int(mapped.offset)
        del mapped
        self.sidecar.write_text(json.dumps(record(self.request, complete=False)) + "\n")

    def _read_sidecar(self) -> tuple[dict[str, Any] | None, set[int]]:
        lines = self.sidecar.read_text().splitlines()
        try:
            recorded = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            recorded = None
        done = set()
        for line in lines[1:]:
            if line.isdigit():  # a torn last line (killed mid-append) is ignored
                done.add(int(line))
        return recorded, done

    def done(self) -> set[int]:
        return {i for i in self._read_sidecar()[1] if i < self.request.nchunks}

    def write(self, index: int, values: np.ndarray) -> None:
        region = self.request.chunk_region(index)
        start = (
            block_start(self.request.shape, [s.start for s in region]) * self.request.dtype.itemsize
        )
        data = np.ascontiguousarray(values, dtype=self.request.dtype).tobytes()
        fd = os.open(self.path, os.O_WRONLY)
        try:
            view = memoryview(data)
            offset = self._offset + start
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        finally:
            os.close(fd)
        with open(self.sidecar, "a") as log:
            log.write(f"{index}\n")

    def finish(self) -> Any:
        done = sorted(self._read_sidecar()[1])
        lines = [json.dumps(record(self.request, complete=True)), *map(str, done)]
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(self.sidecar)
        return np.load(self.path, mmap_mode="r")

    def is_complete(self) -> bool:
        recorded = self._read_sidecar()[0]
        return bool(recorded and recorded.get("complete"))

    def free_bytes(self) -> int | None:
        return shutil.disk_usage(_existing_parent(self.path)).free

    def spec(self) -> Any:
        return ("npy", str(self.path))


def _npy_data_offset(path: Path) -> int:
    try:
        mapped = np.load(path, mmap_mode="r")
    except (ValueError, SyntaxError, EOFError, tokenize.TokenError) as exc:  # numpy's parse
        raise ValueError(
            f"{path} has a damaged .npy header ({type(exc).__name__}: {exc}), so its values "
            "cannot be read or resumed; regenerate it with overwrite=True"
        ) from None
    return int(mapped.offset)


def _existing_parent(path: Path | None) -> Path:
    p = Path(path or ".").resolve()
    while not p.exists():
        p = p.parent
    return p


def open_target(
    store: Any, request: Request, *, overwrite: bool = False, compressors: Any = None
) -> ZarrTarget | NpyTarget:
    """A zarr array for a path or zarr store, a flat file for a path ending in ``.npy``."""
    if isinstance(store, str | os.PathLike) and str(store).endswith(".npy"):
        if compressors is not None:
            raise ValueError("a .npy file cannot be compressed; use a zarr store for compressors=")
        return NpyTarget(Path(store), request, overwrite=overwrite)
    return ZarrTarget(store, request, overwrite=overwrite, compressors=compressors)


# --- writing ------------------------------------------------------------------------------


def _write_chunk(target: Target, index: int, located: tuple[Located, int] | None) -> int:
    values = target.request.chunk_values(index, located)
    target.write(index, values)
    return int(values.nbytes)


def _write_chunk_in_process(
    spec: Any, request_config: dict[str, Any], index: int, located: tuple[Located, int] | None
) -> int:
    # Worker processes reattach to the target by path.
    request = Request.from_config(request_config)
    kind, path = spec
    attach = NpyTarget.attach if kind == "npy" else ZarrTarget.attach
    return _write_chunk(attach(path, request), index, located)


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
) -> Any:
    """Write `request` to `store` chunk by chunk, resuming what an earlier run left.

    Returns the ``zarr.Array`` (or, for ``.npy``, a read-only memory map).
    Peak memory is about ``2 * workers`` chunks, whatever the size.  A
    variable draw is counted first (in parallel) to locate every chunk.
    """
    target = open_target(store, request, overwrite=overwrite, compressors=compressors)
    if target.is_complete() and len(target.done()) == request.nchunks:
        # nothing to do, and nothing is rewritten (a zarr missing chunks is completed again)
        return (
            target.array if isinstance(target, ZarrTarget) else np.load(target.path, mmap_mode="r")
        )
    if isinstance(target, ZarrTarget):
        target.clean_partials()
    done = target.done()
    todo = [i for i in range(request.nchunks) if i not in done]
    done_bytes = sum(_chunk_bytes(request, i) for i in done)
    remaining = request.nbytes - done_bytes
    free = target.free_bytes() if check_disk else None
    if free is not None and remaining > free:
        raise DiskFullError(
            errno.ENOSPC,
            f"{target.description} needs about {_human(remaining)} more and only {_human(free)} "
            "is free; free some space, write elsewhere, or pass check_disk=False to try anyway",
        )
    workers = workers or os.cpu_count() or 1
    located = request.locate(todo, locator)
    bar = _progress_bar(request, done_bytes, progress, target.description)
    try:
        _write_in_parallel(request, target, todo, located, workers, processes, bar)
    finally:
        if bar is not None:
            bar.close()
    return target.finish()


def _write_in_parallel(
    request: Request,
    target: Target,
    todo: list[int],
    located: dict[int, tuple[Located, int]],
    workers: int,
    processes: bool,
    bar: Any,
) -> None:
    """Every chunk an independent task, in threads or worker processes."""
    if processes:
        spec = target.spec()
        if spec is None:
            raise ValueError(
                "processes=True needs a store given as a path; use threads for a zarr store object"
            )
        pool: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(workers)
        config = request.to_config()

        def submit(i: int) -> concurrent.futures.Future[int]:
            return pool.submit(_write_chunk_in_process, spec, config, i, located.get(i))
    else:
        pool = concurrent.futures.ThreadPoolExecutor(workers)

        def submit(i: int) -> concurrent.futures.Future[int]:
            return pool.submit(_write_chunk, target, i, located.get(i))

    with pool:
        _run_bounded(todo, submit, 2 * workers, bar, target, request)


def _run_bounded(
    todo: list[int], submit: Any, in_flight: int, bar: Any, target: Target, request: Request
) -> None:
    pending: set[concurrent.futures.Future[int]] = set()
    queue = iter(todo)
    written = 0
    try:
        for index in queue:
            pending.add(submit(index))
            if len(pending) >= in_flight:
                finished, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                written += _collect(finished, bar)
        for future in concurrent.futures.as_completed(pending):
            written += _collect({future}, bar)
        pending = set()
    except OSError as exc:
        for future in pending:
            future.cancel()
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(
                errno.ENOSPC,
                f"disk full while writing {target.description}: {len(target.done())} of "
                f"{request.nchunks} chunks are complete and kept; free some space and run the "
                "same call again to resume",
            ) from exc
        raise


def _collect(finished: set[concurrent.futures.Future[int]], bar: Any) -> int:
    total = 0
    for future in finished:
        nbytes = future.result()
        total += nbytes
        if bar is not None:
            bar.update(nbytes)
    return total


def _chunk_bytes(request: Request, index: int) -> int:
    elements = math.prod(s.stop - s.start for s in request.chunk_region(index))
    return int(elements) * request.dtype.itemsize


def _human(n: int) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def _progress_bar(request: Request, done_bytes: int, progress: bool | None, label: str) -> Any:
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(
        total=request.nbytes,
        initial=done_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=f"seedstream -> {label}",
        smoothing=0.1,
    )
