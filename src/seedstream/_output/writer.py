"""Streaming a draw to disk: resumable zarr v3 arrays and flat ``.npy`` files.

A :class:`Request` (stream, draw, first value, shape, chunk shape) is the
whole description of what goes on disk; it is recorded with the data (zarr
attributes, or a sidecar file next to a ``.npy``), so any output can be
regenerated and verified, and a re-run can tell whether it is continuing the
same work.

Crash safety.  Chunks are written whole and independently (each by one
writer, never shared).  A zarr chunk counts as done when its key exists and
its stored bytes can be a whole chunk (:func:`chunk_damage`): zarr's
LocalStore writes a temporary file and renames it (since zarr 3.1.3), so a
killed writer leaves either the whole chunk or none of it, but a file can
still be cut short or overwritten afterwards.  A ``.npy`` chunk counts as
done once its index is appended to the sidecar log, which happens only after
its bytes were written, and while the file still reaches its end.
Re-running the same call writes only what is missing or damaged; on a
complete output it does nothing.

The user's files.  Before anything is created, :func:`write` lets numpy check
the draw's parameters, looks at what the path holds and checks the free
space, so a refused run leaves nothing behind.  ``overwrite=True`` replaces
only an output that carries seedstream's record (and only its own files:
zarr's metadata, chunks and temporary files, or the ``.npy`` and its
sidecar), or an empty folder; anything else is refused, never deleted.  One
writer at a time: a lock file (``flock``, released by the system when its
process dies, however it dies) makes a second writer on the same path stop
with a message, rather than remove the first one's temporary files.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import dataclasses
import errno
import json
import math
import os
import re
import shutil
import signal
import struct
import sys
import threading
import time
import tokenize
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seedstream._draw import Draw, Located, Locator, block_values
from seedstream._errors import DiskFullError, OutputInUseError, OutputMismatchError
from seedstream._geometry import block_start, is_contiguous
from seedstream._stream import Stream

if TYPE_CHECKING:
    from zarr.core.array_spec import ArrayConfigParams

FORMAT = 1  # bump when the meaning of a recorded request changes
ATTRS_KEY = "seedstream"
SIDECAR_SUFFIX = ".seedstream.json"
REPAIR = "run the same generate call again to rewrite damaged chunks"
# Every zarr open, in every process: a chunk of zeros (integers with high=1) is still a done
# chunk, so it must be written as a key; zarr's default skips it and the chunk stays missing.
ZARR_CONFIG: ArrayConfigParams = {"write_empty_chunks": True}
LOCK_NAME = ".seedstream.lock"  # inside a zarr folder; beside a .npy as NAME.npy + LOCK_NAME


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
    from seedstream._version import __version__

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
        """Chunks written whole."""
        return self.scan()[0]

    def scan(self) -> tuple[set[int], dict[int, str]]:
        """Chunks written whole, and chunks stored but damaged (with why): to be rewritten."""
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
            f"{where} exists and was not written by seedstream; seedstream will not delete it: "
            "choose another path"
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
                self.array = _open_zarr(store)
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
                config=ZARR_CONFIG,
                overwrite=overwrite,
            )

    def _exists(self, store: Any) -> bool:
        import zarr

        if self._path is not None:
            return (self._path / "zarr.json").exists() or (
                self._path.exists() and any(p.name != LOCK_NAME for p in self._path.iterdir())
            )
        try:
            zarr.open_array(store, mode="r")
        except Exception:
            return False
        return True

    @classmethod
    def attach(cls, path: str, request: Request) -> ZarrTarget:
        """Open for writing chunks only (in a worker process): no checks, no metadata."""
        target = cls.__new__(cls)
        target.request, target.description, target._path = request, path, Path(path)
        target.array = _open_zarr(path)
        return target

    def clean_partials(self) -> None:
        """Remove temporary files of writers killed mid-chunk (never counted as done).

        Called with the writer's lock held, so no live writer owns them; only
        zarr's own temporary names are removed.
        """
        if self._path is not None:
            for partial in self._path.rglob("*.partial"):
                if _ZARR_PARTIAL.search(partial.name):
                    partial.unlink(missing_ok=True)

    def scan(self) -> tuple[set[int], dict[int, str]]:
        from zarr.core.sync import sync

        array = self.array
        store, prefix = array.store_path.store, array.store_path.path

        async def keys() -> set[str]:
            return {k async for k in store.list_prefix(prefix)}

        present = {k[len(prefix) :].lstrip("/") for k in sync(keys())}
        raw_bytes = math.prod(self.request.chunk_shape) * self.request.dtype.itemsize
        codecs = getattr(array.metadata, "codecs", ())  # zarr v3: ours always are
        done, damaged = set(), {}
        for i in range(self.request.nchunks):
            key = array.metadata.encode_chunk_key(self.request.chunk_coords(i))
            if key not in present:
                continue
            stored = f"{prefix}/{key}" if prefix else key
            found = _stored_chunk_damage(store, stored, raw_bytes, codecs)
            if found is None:
                done.add(i)
            else:
                damaged[i] = found
        return done, damaged

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


def _open_zarr(store: Any) -> Any:
    """An existing zarr array, opened for writing with :data:`ZARR_CONFIG`.

    ``zarr.open_array(..., config=)`` drops the config of an array that exists
    (zarr 3.1.3 to 3.1.6 at least), so the array is rebuilt with it; the same
    constructor takes it in every zarr this project allows.
    """
    import zarr
    from zarr.core.array import AsyncArray

    opened = zarr.open_array(store, mode="r+")._async_array
    return zarr.Array(AsyncArray(opened.metadata, opened.store_path, config=ZARR_CONFIG))


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
            self._offset = npy_data_offset(self.path, request)
        else:
            self._create()

    @classmethod
    def attach(cls, path: str, request: Request) -> NpyTarget:
        """Open for writing chunks only (in a worker process): no checks."""
        target = cls.__new__(cls)
        target.request, target.path, target.description = request, Path(path), path
        target.sidecar = target.path.with_name(target.path.name + SIDECAR_SUFFIX)
        target._offset = npy_data_offset(target.path, request)
        return target

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # numpy writes the header and extends the file sparsely: space is taken as chunks land.
        try:
            mapped = np.lib.format.open_memmap(
                self.path, mode="w+", dtype=self.request.dtype, shape=self.request.shape
            )
        except OSError as exc:
            if exc.errno not in (errno.EFBIG, errno.EINVAL):
                raise
            raise OSError(
                exc.errno,
                f"{self.path}: this file system cannot hold one file of "
                f"{_human(self.request.nbytes)} ({exc.strerror}); write a zarr array (a path "
                "not ending in .npy) or fewer values",
            ) from None
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

    def scan(self) -> tuple[set[int], dict[int, str]]:
        # A logged chunk whose bytes lie past the end of the file was cut off with it.
        size = self.path.stat().st_size
        done, damaged = set(), {}
        for i in self._read_sidecar()[1]:
            if i >= self.request.nchunks:
                continue
            first, count = self.request.chunk_span(i)
            end = self._offset + (first - self.request.first + count) * self.request.dtype.itemsize
            if end <= size:
                done.add(i)
            else:
                damaged[i] = (
                    f"damaged: the file ends at byte {size}, before this chunk's end ({end})"
                )
        return done, damaged

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


def npy_data_offset(path: Path, request: Request) -> int:
    """Where the values start in a ``.npy`` file, after checking its header against `request`.

    The header is read, not memory-mapped: a file cut short is resumed
    (its lost chunks rewritten) rather than refused by ``mmap``.
    """
    fix = "regenerate it with overwrite=True"
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"format version {version} was not written by seedstream")
            offset = f.tell()
    except (ValueError, SyntaxError, UnicodeDecodeError, EOFError, tokenize.TokenError) as exc:
        detail = " ".join(str(exc).split())
        raise ValueError(f"{path}: the .npy header is damaged ({detail}); {fix}") from None
    wanted = (request.shape, request.dtype, False)
    if (tuple(shape), dtype, fortran) != wanted:
        raise ValueError(
            f"{path}: the .npy header gives {dtype} {tuple(shape)}"
            f"{' (Fortran order)' if fortran else ''} where its record gives "
            f"{request.dtype} {request.shape}: the file was changed after seedstream wrote it; "
            f"{fix}"
        )
    return offset


# --- chunk integrity ----------------------------------------------------------------------
#
# A zarr chunk key that exists is not yet a done chunk: zarr before 3.1.3 wrote chunk files
# in place (a killed writer left a prefix of one), and any file can be cut short or
# overwritten later.  So a chunk counts as done, and its bytes reach a codec, only after its
# length -- and a compressed chunk's own header -- agree with the chunk it claims to be.
# Blosc trusts its header: handed a cut-short chunk it can read past the end of the buffer
# (a segfault in about 3 of 35 verify runs), so a bad header must never reach it.

Read = Callable[[int, int], bytes]  # (offset, length) -> the stored chunk's bytes there

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # RFC 8878, section 3.1.1
_GZIP_MAGIC = b"\x1f\x8b\x08"  # RFC 1952, section 2.3.1: ID1, ID2, CM = deflate


def chunk_damage(codecs: Sequence[Any], raw_bytes: int, size: int, read: Read) -> str | None:
    """Why a stored chunk of `size` bytes cannot be a whole chunk, or None if it can be.

    `codecs` are the array's (zarr v3 metadata ``codecs``), `raw_bytes` the
    bytes of one chunk before compression: zarr stores edge chunks full size,
    so every chunk has the same.  Uncompressed, the length must be exact;
    blosc's header records its compressed length (bytes 12..16) and raw
    length (4..8); a zstd frame is walked block header by block header to its
    end; gzip records the raw length in its last four bytes.  Other codecs
    get only a non-empty check.  Nothing is decompressed.
    """
    from zarr.codecs import BloscCodec, BytesCodec, GzipCodec, ZstdCodec

    if not codecs or not isinstance(codecs[0], BytesCodec) or len(codecs) > 2:
        return None if size else "damaged: the chunk file is empty"
    if len(codecs) == 1:
        if size == raw_bytes:
            return None
        return f"damaged: {size} bytes where a whole chunk has {raw_bytes}"
    codec = codecs[1]
    if isinstance(codec, BloscCodec):
        return _blosc_damage(raw_bytes, size, read)
    if isinstance(codec, ZstdCodec):
        return _zstd_damage(raw_bytes, size, read)
    if isinstance(codec, GzipCodec):
        return _gzip_damage(raw_bytes, size, read)
    return None if size else "damaged: the chunk file is empty"


def _blosc_damage(raw_bytes: int, size: int, read: Read) -> str | None:
    # c-blosc 1.x header: version, versionlz, flags, typesize, then three uint32 LE:
    # nbytes (raw), blocksize, cbytes (the whole compressed buffer, header included).
    if size < 16:
        return f"damaged: {size} bytes, shorter than a blosc header (16)"
    nbytes, blocksize, cbytes = struct.unpack("<III", read(0, 16)[4:16])
    if cbytes != size:
        return f"damaged: its blosc header says {cbytes} bytes, the file has {size}"
    if nbytes != raw_bytes or not 0 < blocksize <= max(nbytes, 1):
        return (
            f"damaged: its blosc header gives {nbytes} bytes uncompressed in blocks of "
            f"{blocksize}, a chunk has {raw_bytes}"
        )
    return None


def _zstd_damage(raw_bytes: int, size: int, read: Read) -> str | None:
    # RFC 8878, section 3.1.1: frame header, then blocks, each with a 3-byte header (last
    # flag, type, size), then an optional 4-byte checksum.  One frame per chunk.
    head = read(0, 18)  # magic 4, descriptor 1, window 1, dictionary id <= 4, content size <= 8
    if len(head) < 6 or head[:4] != _ZSTD_MAGIC:
        return "damaged: not a zstd frame"
    descriptor = head[4]
    single_segment, has_checksum = descriptor >> 5 & 1, descriptor >> 2 & 1
    pos = 5 + (0 if single_segment else 1) + (0, 1, 2, 4)[descriptor & 3]
    fcs_size = (single_segment, 2, 4, 8)[descriptor >> 6]
    if fcs_size:
        content = int.from_bytes(head[pos : pos + fcs_size], "little") + 256 * (fcs_size == 2)
        if content != raw_bytes:
            return (
                f"damaged: its zstd header gives {content} bytes uncompressed, "
                f"a chunk has {raw_bytes}"
            )
    pos += fcs_size
    last = 0
    while not last:
        block = read(pos, 3)
        if len(block) < 3:
            return f"damaged: its zstd frame is cut short at byte {size}"
        header = int.from_bytes(block, "little")
        last, kind = header & 1, header >> 1 & 3
        if kind == 3:
            return f"damaged: a reserved zstd block type at byte {pos}"
        pos += 3 + (1 if kind == 1 else header >> 3)  # an RLE block stores one byte
    pos += 4 * has_checksum
    if pos != size:
        return f"damaged: its zstd frame ends at byte {pos}, the file has {size}"
    return None


def _gzip_damage(raw_bytes: int, size: int, read: Read) -> str | None:
    if size < 18 or read(0, 3) != _GZIP_MAGIC:
        return "damaged: not a gzip member"
    isize = int.from_bytes(read(size - 4, 4), "little")  # raw length modulo 2**32
    if isize != raw_bytes % 2**32:
        return (
            f"damaged: its gzip trailer gives {isize} bytes uncompressed, a chunk has {raw_bytes}"
        )
    return None


def _stored_chunk_damage(store: Any, key: str, raw_bytes: int, codecs: Sequence[Any]) -> str | None:
    """:func:`chunk_damage` of the object at `key`: read in place for a local store."""
    from zarr.storage import LocalStore

    if isinstance(store, LocalStore):
        file = Path(store.root) / key
        try:
            with open(file, "rb") as f:
                size = os.fstat(f.fileno()).st_size

                def read(offset: int, length: int) -> bytes:
                    f.seek(offset)
                    return f.read(length)

                return chunk_damage(codecs, raw_bytes, size, read)
        except FileNotFoundError:
            return "damaged: removed while being checked"
    from zarr.abc.store import RangeByteRequest
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    def read_object(offset: int, length: int) -> bytes:
        end = min(offset + length, size)
        if offset >= end:
            return b""
        found = sync(store.get(key, default_buffer_prototype(), RangeByteRequest(offset, end)))
        return b"" if found is None else bytes(found.to_bytes())

    size = int(sync(store.getsize(key)))
    return chunk_damage(codecs, raw_bytes, size, read_object)


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


# --- what is at the path: refuse, replace only our own, one writer at a time -------------

# zarr's LocalStore writes a chunk to NAME.<uuid4 hex>.partial, then renames it
_ZARR_PARTIAL = re.compile(r"\.[0-9a-f]{32}\.partial$")


@dataclasses.dataclass(frozen=True)
class _Found:
    """What an output path holds before a write.

    `kind`: ``"absent"`` (nothing, or an empty folder), ``"ours"`` (an output
    with seedstream's record) or ``"foreign"``.  `what` says what a foreign
    path is; `files` are an output's own files (what replacing it removes);
    `extra` names files inside an output's folder that seedstream did not write.
    """

    kind: str
    what: str = ""
    record: dict[str, Any] | None = None
    files: tuple[Path, ...] = ()
    extra: tuple[str, ...] = ()


def _is_record(found: Any) -> bool:
    return isinstance(found, dict) and "format" in found and "request" in found


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _examples(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in sorted(names)[:limit])
    return shown + (", ..." if len(names) > limit else "")


def _survey(path: Path, npy: bool) -> _Found:
    """What `path` holds, read without zarr (a damaged output is described, not opened)."""
    if npy:
        return _survey_npy(path)
    if not path.exists():
        if path.is_symlink():
            return _Found("foreign", "a symbolic link to a missing target")
        return _Found("absent")
    if not path.is_dir():
        return _Found("foreign", f"a file of {_human(path.stat().st_size)}")
    entries = [e.name for e in os.scandir(path) if e.name != LOCK_NAME]
    if not entries:
        return _Found("absent")
    try:
        meta = json.loads((path / "zarr.json").read_text())
    except (OSError, ValueError):
        meta = None
    record = (meta.get("attributes") or {}).get(ATTRS_KEY) if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or meta.get("node_type") != "array" or not _is_record(record):
        what = (
            "a zarr array without seedstream's record"
            if isinstance(meta, dict) and meta.get("node_type") == "array"
            else f"a folder holding {_count(len(entries), 'entry', 'entries')}: "
            f"{_examples(entries)}"
        )
        return _Found("foreign", what)
    ours, extra = _zarr_files(path, meta)
    return _Found("ours", record=record, files=tuple(ours), extra=tuple(extra))


def _survey_npy(path: Path) -> _Found:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not path.exists() and not path.is_symlink():
        return _Found("absent")  # a sidecar alone is replaced by the new one
    if path.is_symlink() or not path.is_file():
        return _Found("foreign", "a folder" if path.is_dir() else "not a regular file")
    record = None
    with contextlib.suppress(OSError, ValueError), open(sidecar) as f:
        record = json.loads(f.readline())
    if not _is_record(record):
        return _Found("foreign", f"a file with no seedstream record ({sidecar.name})")
    return _Found("ours", record=record, files=_npy_files(path))


def _zarr_files(path: Path, meta: dict[str, Any]) -> tuple[list[Path], list[str]]:
    """The files of a zarr array folder that are zarr's (or ours), and the names of the rest."""
    encoding = meta.get("chunk_key_encoding") or {}
    v2 = isinstance(encoding, dict) and encoding.get("name") == "v2"
    config = (encoding.get("configuration") or {}) if isinstance(encoding, dict) else {}
    sep = re.escape(str(config.get("separator", "." if v2 else "/")))
    digits = [r"\d+"] * len(meta.get("shape") or ())
    chunk_key = re.compile((sep.join(digits) or "0") if v2 else sep.join(["c", *digits]))
    ours: list[Path] = []
    extra: list[str] = []

    def visit(folder: Path) -> None:
        for entry in os.scandir(folder):
            key = Path(entry.path).relative_to(path).as_posix()
            if entry.is_dir(follow_symlinks=False):
                visit(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and (
                key in ("zarr.json", LOCK_NAME)
                or chunk_key.fullmatch(key)
                or _ZARR_PARTIAL.search(entry.name)
            ):
                if key != LOCK_NAME:
                    ours.append(Path(entry.path))
            else:
                extra.append(key)

    visit(path)
    return ours, extra


def _remove(path: Path, npy: bool, files: tuple[Path, ...]) -> None:
    """Remove an output's own `files`, then its emptied sub-folders (never anything else)."""
    for f in files:
        f.unlink(missing_ok=True)
    if npy or not path.is_dir():
        return
    folders = [Path(root) for root, _, _ in os.walk(path)][1:]
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()


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


def _differs(record: dict[str, Any] | None, request: Request) -> bool:
    return (
        record is None
        or record.get("format") != FORMAT
        or bool(_differences(record.get("request", {}), request.to_config()))
    )


def _assess(path: Path, npy: bool, request: Request, overwrite: bool, check_disk: bool) -> _Found:
    """What is at `path`, refused unless this write may use it; the space for a new output.

    Runs before anything is created (and again under the lock).
    """
    found = _survey(path, npy)
    if found.kind == "foreign":
        raise OutputMismatchError(
            f"{path} exists and was not written by seedstream ({found.what}); seedstream will "
            "not delete it: choose another path"
        )
    replace = found.kind == "ours" and overwrite
    if found.extra and (replace or _differs(found.record, request)):
        raise OutputMismatchError(
            f"{path} is a seedstream output but also holds "
            f"{_count(len(found.extra), 'file', 'files')} seedstream did not write "
            f"({_examples(list(found.extra))}); seedstream will not delete them: move them out, "
            "or choose another path"
        )
    if check_disk and (found.kind == "absent" or replace):
        freed = sum(f.stat().st_blocks * 512 for f in found.files if replace and f.exists())
        free = shutil.disk_usage(_existing_parent(path)).free + freed
        if request.nbytes > free:
            raise _disk_full(str(path), request.nbytes, free)
    return found


def _disk_full(description: str, remaining: int, free: int) -> DiskFullError:
    return DiskFullError(
        errno.ENOSPC,
        f"{description} needs about {_human(remaining)} more and only {_human(free)} "
        "is free; free some space, write elsewhere, or pass check_disk=False to try anyway",
    )


def _check_store(store: Any, npy: bool, compressors: Any, overwrite: bool) -> Path | None:
    """The local path of `store` (None for a zarr store object), refused if it cannot be one."""
    if npy and compressors is not None:
        raise ValueError("a .npy file cannot be compressed; use a zarr store for compressors=")
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


def _survey_store(store: Any) -> _Found:
    """What a zarr store object holds: seedstream's array, something else, or nothing."""
    import zarr

    try:
        array = zarr.open_array(store, mode="r")
    except Exception:
        try:
            zarr.open_group(store, mode="r")
        except Exception:
            return _Found("absent")
        return _Found("foreign", "a zarr group")
    record: Any = array.attrs.asdict().get(ATTRS_KEY)
    if not _is_record(record):
        return _Found("foreign", "a zarr array without seedstream's record")
    return _Found("ours", record=record)


def _lock_file(path: Path, npy: bool) -> Path:
    return path.with_name(path.name + LOCK_NAME) if npy else path / LOCK_NAME


@contextlib.contextmanager
def _one_writer(path: Path, npy: bool) -> Iterator[None]:
    """Hold the lock file of `path` (creating the folders it needs) for the duration.

    ``flock`` rather than a file's mere existence: the system releases it
    when its process dies, so a killed writer never blocks the next run.
    Folders made here are removed again if they end up empty.
    """
    lock = _lock_file(path, npy)
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


def _in_use(fd: int, description: str) -> OutputInUseError:
    holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
    pid = f" (pid {holder})" if holder.isdigit() else ""
    return OutputInUseError(
        errno.EBUSY,
        f"another seedstream process{pid} is writing {description}; wait for it to finish "
        "(then run this again: it resumes, or finds it complete), or write to another path",
    )


def _check_free(lock: Path, description: str) -> None:
    """Refuse at once if a live writer holds `lock` (creating nothing)."""
    if sys.platform == "win32":
        return
    import fcntl

    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return  # no lock file (or not readable): the lock itself decides
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _in_use(fd, description) from None
    finally:
        os.close(fd)  # (also releases the probe's own shared lock)


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
                time.sleep(0.02)  # perhaps only another starter's probe (_check_free)
        try:  # the holder may have removed this file as we opened it: lock the current one
            current = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            current = False
        if current:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


def _check_with_numpy(draw: Draw) -> None:
    """numpy's own errors for `draw`'s parameters: one value on a scratch generator.

    (numpy checks some parameters only when it draws, e.g. Generator's
    ``uniform(1, 0)``; the caller's stream is not touched.)
    """
    draw.call(np.random.PCG64(0), 1)


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

    Nothing is created until numpy accepted the parameters, the path was
    found usable and the space sufficient; a new output that fails before
    its first chunk is written is removed again.  ``overwrite`` replaces
    only an output of seedstream's (see the module notes).
    """
    _check_with_numpy(request.draw)
    npy = isinstance(store, str | os.PathLike) and str(store).endswith(".npy")  # as open_target
    path = _check_store(store, npy, compressors, overwrite)
    options: dict[str, Any] = {
        "workers": workers,
        "processes": processes,
        "check_disk": check_disk,
        "progress": progress,
        "locator": locator,
    }
    if path is None:  # a zarr store object: zarr's overwrite only on an array of ours
        found = _survey_store(store)
        if found.kind == "foreign":
            raise OutputMismatchError(
                f"{store} holds {found.what}; seedstream will not delete it: choose another store"
            )
        replace = overwrite and found.kind == "ours"
        target = open_target(store, request, overwrite=replace, compressors=compressors)
        return _fill(target, request, **options)
    _check_free(_lock_file(path, npy), str(path))  # refusals before anything is created
    _assess(path, npy, request, overwrite, check_disk)
    with _one_writer(path, npy):
        found = _assess(path, npy, request, overwrite, check_disk)  # as it is now, locked
        fresh = found.kind == "absent" or overwrite
        if fresh:
            _remove(path, npy, found.files)
        opened: ZarrTarget | NpyTarget | None = None
        try:
            opened = open_target(store, request, overwrite=False, compressors=compressors)
            return _fill(opened, request, **options)
        except BaseException:
            if fresh and _nothing_done(opened):  # it holds no work: do not let it block a rerun
                _remove(path, npy, _survey(path, npy).files if not npy else _npy_files(path))
            raise


def _npy_files(path: Path) -> tuple[Path, ...]:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    return (path, sidecar, sidecar.with_name(sidecar.name + ".tmp"))


def _nothing_done(target: Target | None) -> bool:
    try:
        return target is None or not target.done()
    except Exception:
        return False  # cannot tell: keep it


def _fill(
    target: ZarrTarget | NpyTarget,
    request: Request,
    *,
    workers: int | None,
    processes: bool,
    check_disk: bool,
    progress: bool | None,
    locator: Locator | None,
) -> Any:
    """Write the chunks `target` lacks; its record says complete at the end."""
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
        raise _disk_full(target.description, remaining, free)
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
        pool: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(
            workers, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        config = request.to_config()

        def submit(i: int) -> concurrent.futures.Future[int]:
            return pool.submit(_write_chunk_in_process, spec, config, i, located.get(i))
    else:
        pool = concurrent.futures.ThreadPoolExecutor(workers)

        def submit(i: int) -> concurrent.futures.Future[int]:
            return pool.submit(_write_chunk, target, i, located.get(i))

    with pool:
        _run_bounded(todo, submit, 2 * workers, bar, target, request)


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
