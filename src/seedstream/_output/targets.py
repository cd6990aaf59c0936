"""Where chunks go: a zarr array or a flat ``.npy`` file, behind one :class:`Target`.

:func:`target_type` is the one place where a ``.npy`` path and a zarr store
part; :func:`open_target` opens either for writing a request.  A target class
also answers for its place before anything is opened -- what it holds
(:meth:`Target.survey`), its own files, its lock file, its record, the bytes
it takes -- so that the safety checks, the writer and verification ask it
rather than knowing either layout.

Crash safety.  Chunks are written whole and independently (each by one
writer, never shared).  A zarr chunk counts as done when its key exists and
its stored bytes can be a whole chunk (:mod:`~seedstream._output.integrity`):
zarr's LocalStore writes a temporary file and renames it (since zarr 3.1.3),
so a killed writer leaves either the whole chunk or none of it, but a file can
still be cut short or overwritten afterwards.  A ``.npy`` chunk counts as done
once its index is appended to the sidecar log, which happens only after its
bytes were written, and while the file still reaches its end.

Object storage (a URL, :class:`~seedstream._output.place.Place`): a chunk
key that exists is a whole chunk there too, since a PUT stores a whole object
or nothing; what a URL holds is read from one listing of its keys.

A sharded zarr array is written a whole shard at a time, and scanned shard by
shard (:mod:`~seedstream._output.shards`).

Imports the request, integrity, place, shards and words modules below it and seedstream's
geometry and errors; zarr and fsspec only inside the functions.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import errno
import json
import math
import os
import re
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from seedstream._errors import OutputMismatchError
from seedstream._geometry import block_start
from seedstream._output.integrity import stored_chunk_damage
from seedstream._output.place import Place, remote_errors
from seedstream._output.request import Request, check_record, is_record, record
from seedstream._output.shards import drop_shards, scan_shards
from seedstream._output.words import examples, human, plural

if TYPE_CHECKING:
    from zarr.core.array_spec import ArrayConfigParams

ATTRS_KEY = "seedstream"  # the record's key in a zarr array's attributes
SIDECAR_SUFFIX = ".seedstream.json"  # NAME.npy's record and chunk log: NAME.npy + SIDECAR_SUFFIX
LOCK_NAME = ".seedstream.lock"  # inside a zarr folder; beside a .npy as NAME.npy + LOCK_NAME
# Every zarr open, in every process: a chunk of zeros (integers with high=1) is still a done
# chunk, so it must be written as a key; zarr's default skips it and the chunk stays missing.
ZARR_CONFIG: ArrayConfigParams = {"write_empty_chunks": True}
# zarr's LocalStore writes a chunk to NAME.<uuid4 hex>.partial, then renames it
_ZARR_PARTIAL = re.compile(r"\.[0-9a-f]{32}\.partial$")


@dataclasses.dataclass(frozen=True)
class Found:
    """What an output path holds before a write.

    `kind`: ``"absent"`` (nothing, or an empty folder), ``"ours"`` (an output
    with seedstream's record) or ``"foreign"``.  `what` says what a foreign
    path is; `files` are an output's own files (what replacing it removes), or
    at a URL `keys`, its own objects (full paths in the URL's file system);
    `extra` names files inside an output's folder that seedstream did not write.
    """

    kind: str
    what: str = ""
    record: dict[str, Any] | None = None
    files: tuple[Path, ...] = ()
    extra: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


class Target(abc.ABC):
    """An output opened for a request: its chunks scanned, written and read back.

    Opening (the constructor) creates the output, or checks that what is
    there records the same request.  The class methods answer for a place
    before, or without, opening it.
    """

    kind: ClassVar[str]  # "zarr" or "npy"
    folder: ClassVar[bool]  # a folder at its path (zarr), or files named after it (npy)
    compressible: ClassVar[bool]
    request: Request
    description: str
    path: Path | None  # a local path; None for a URL or a zarr store object
    place: Place | None  # what attach() takes in another process; None for a zarr store object
    shards: tuple[int, ...] | None = None  # the stored shard shape (zarr only), or None

    @abc.abstractmethod
    def __init__(
        self,
        store: Any,
        request: Request,
        *,
        overwrite: bool,
        compressors: Any = None,
        shards: tuple[int, ...] | None = None,
    ) -> None: ...

    # --- the place ------------------------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def survey(cls, store: Any) -> Found:
        """What `store` holds, read without opening it (a damaged output is described)."""

    @classmethod
    @abc.abstractmethod
    def files(cls, path: Path) -> tuple[Path, ...]:
        """The output's own files at `path` as they are now, whatever its record says."""

    @classmethod
    def lock_file(cls, path: Path) -> Path:
        """The lock file of the output at `path`: inside its folder, or beside it."""
        return path / LOCK_NAME if cls.folder else path.with_name(path.name + LOCK_NAME)

    @staticmethod
    @abc.abstractmethod
    def read_record(path: Path | Place) -> dict[str, Any]:
        """The record of the output at `path`; ``ValueError`` if it has none."""

    @staticmethod
    @abc.abstractmethod
    def disk_bytes(path: Path | Place) -> int:
        """Bytes allocated on disk (sparse ``.npy`` files take only what was written), or stored."""

    @classmethod
    @abc.abstractmethod
    def attach(cls, place: str | os.PathLike[str] | Place, request: Request) -> Target:
        """Open for reading and writing chunks only (a worker, verification): no checks.

        `place` is a local path or a :class:`~seedstream._output.place.Place`
        (an opened target's ``place``): picklable, so any process can attach.
        """

    # --- the chunks -----------------------------------------------------------------------

    def done(self) -> set[int]:
        """Chunks written whole."""
        return self.scan()[0]

    @abc.abstractmethod
    def scan(self) -> tuple[set[int], dict[int, str]]:
        """Chunks written whole, and chunks stored but damaged (with why): to be rewritten."""

    @abc.abstractmethod
    def write(self, index: int, values: np.ndarray) -> None:
        """Store the values of chunk `index`."""

    @abc.abstractmethod
    def read(self, index: int) -> np.ndarray:
        """The stored values of chunk `index`."""

    @abc.abstractmethod
    def is_complete(self) -> bool:
        """Whether the record says the writer finished."""

    @abc.abstractmethod
    def finish(self) -> Any:
        """Record the output as complete; :meth:`result`."""

    @abc.abstractmethod
    def result(self) -> Any:
        """What ``store=`` returns: the ``zarr.Array``, or a read-only memory map of a ``.npy``."""

    def clean_partials(self) -> None:
        """Remove temporary files of writers killed mid-chunk (none but zarr's)."""
        return  # a .npy chunk is written in place, then logged: no temporary file

    def drop(self, damaged: set[int]) -> None:
        """Remove what holds `damaged` chunks, if rewriting them would read it first."""
        return  # a chunk is overwritten whole, never read first


def target_type(store: Any) -> type[Target]:
    """A flat file for a path ending in ``.npy``, a zarr array for any other path, URL or store.

    The one place where the two part (``.npy`` URLs are refused before:
    :func:`~seedstream._output.place.where`).
    """
    if isinstance(store, Place):
        store = store.url
    if isinstance(store, str | os.PathLike) and str(store).endswith(".npy"):
        return NpyTarget
    return ZarrTarget


def _local(place: str | os.PathLike[str] | Place) -> Path | None:
    """The local path of `place`, or None for a URL."""
    if isinstance(place, Place):
        return None if place.remote else Path(place.url)
    return Path(place)


def check_compressors(kind: type[Target], compressors: Any, shards: Any = None) -> None:
    if compressors is not None and not kind.compressible:
        raise ValueError("a .npy file cannot be compressed; use a zarr store for compressors=")
    if shards is not None and not kind.compressible:
        raise ValueError("a .npy file has no shards; use a zarr store for shards=")


def open_target(
    store: Any,
    request: Request,
    *,
    overwrite: bool = False,
    compressors: Any = None,
    shards: tuple[int, ...] | None = None,
) -> Target:
    """`store` opened for writing `request`: created, or checked to record the same request
    (and, when `shards` is given, to be stored in those shards)."""
    kind = target_type(store)
    check_compressors(kind, compressors, shards)
    return kind(store, request, overwrite=overwrite, compressors=compressors, shards=shards)


# --- zarr ---------------------------------------------------------------------------------


class ZarrTarget(Target):
    """A zarr v3 array (a folder, or any zarr store); the record is in its attributes."""

    kind = "zarr"
    folder = True
    compressible = True

    def __init__(
        self,
        store: Any,
        request: Request,
        *,
        overwrite: bool,
        compressors: Any = None,
        shards: tuple[int, ...] | None = None,
    ) -> None:
        import zarr

        self.request = request
        self.description = str(store)
        self.place = _place_of(store)
        self.path = _local(store) if self.place is not None else None
        if self.place is not None:
            store = self.place.zarr_store() if self.place.remote else self.place.url
        exists = self._exists(store)
        if exists and not overwrite:
            try:
                self.array = _open_zarr(store)
            except Exception:
                check_record(None, request, self.description)
            check_record(self.recorded(), request, self.description)
            _check_shards(self.array.shards, shards, self.description)
        else:
            self.array = zarr.create_array(
                store,
                shape=request.shape,
                chunks=request.chunk_shape,
                shards=shards,
                dtype=request.dtype,
                compressors=compressors,
                fill_value=0,
                attributes={ATTRS_KEY: record(request, complete=False)},
                config=ZARR_CONFIG,
                overwrite=overwrite,
            )
        self.shards = self.array.shards

    def _exists(self, store: Any) -> bool:
        import zarr

        if self.path is not None:
            return (self.path / "zarr.json").exists() or (
                self.path.exists() and any(p.name != LOCK_NAME for p in self.path.iterdir())
            )
        try:
            zarr.open_array(store, mode="r")
        except Exception:
            return False
        return True

    @classmethod
    def survey(cls, store: Any) -> Found:
        if isinstance(store, Place):
            if store.remote:
                return _survey_url(store)
            store = store.url
        if not isinstance(store, str | os.PathLike):
            return _survey_store(store)
        path = Path(store)
        if not path.exists():
            if path.is_symlink():
                return Found("foreign", "a symbolic link to a missing target")
            return Found("absent")
        if not path.is_dir():
            return Found("foreign", f"a file of {human(path.stat().st_size)}")
        entries = [e.name for e in os.scandir(path) if e.name != LOCK_NAME]
        if not entries:
            return Found("absent")
        try:
            meta = json.loads((path / "zarr.json").read_text())
        except (OSError, ValueError):
            meta = None
        found = (meta.get("attributes") or {}).get(ATTRS_KEY) if isinstance(meta, dict) else None
        if not isinstance(meta, dict) or meta.get("node_type") != "array" or not is_record(found):
            what = (
                "a zarr array without seedstream's record"
                if isinstance(meta, dict) and meta.get("node_type") == "array"
                else f"a folder holding {plural(len(entries), 'entry', 'entries')}: "
                f"{examples(entries)}"
            )
            return Found("foreign", what)
        ours, extra = _zarr_files(path, meta)
        return Found("ours", record=found, files=tuple(ours), extra=tuple(extra))

    @classmethod
    def files(cls, path: Path) -> tuple[Path, ...]:
        return cls.survey(path).files

    @staticmethod
    def read_record(path: Path | Place) -> dict[str, Any]:
        import zarr
        from zarr.errors import NodeNotFoundError

        if isinstance(path, Place) and path.remote:
            return _read_record_url(path)
        path = Path(str(path))
        try:
            array = zarr.open_array(path, mode="r")
        except NodeNotFoundError:
            raise ValueError(f"{path} is not a zarr array (nor a path ending in .npy)") from None
        except (ValueError, TypeError, KeyError) as exc:  # zarr's parse of zarr.json
            raise ValueError(
                f"{path / 'zarr.json'} cannot be read as zarr metadata ({type(exc).__name__}: "
                f"{exc}), so the output's record is lost; regenerate it with overwrite=True"
            ) from None
        found = array.attrs.asdict().get(ATTRS_KEY)
        if not isinstance(found, dict):
            raise ValueError(f"{path} has no seedstream record: it was not written by seedstream")
        return found

    @staticmethod
    def disk_bytes(path: Path | Place) -> int:
        if isinstance(path, Place) and path.remote:
            return sum(size for _, size in _listing(path)[1])
        files = [Path(root, name) for root, _, names in os.walk(str(path)) for name in names]
        return _allocated(files)

    @classmethod
    def attach(cls, place: str | os.PathLike[str] | Place, request: Request) -> ZarrTarget:
        target = cls.__new__(cls)
        target.request, target.description = request, str(place)
        target.place = place if isinstance(place, Place) else Place(os.fspath(place))
        target.path = _local(place)
        with remote_errors(target.remote):
            target.array = _open_zarr(
                target.path if target.path is not None else target.place.zarr_store()
            )
        target.shards = target.array.shards
        return target

    @property
    def remote(self) -> Place | None:
        """The place of an output on object storage; None for a local one or a store object."""
        return self.place if self.place is not None and self.place.remote else None

    def clean_partials(self) -> None:
        """Remove temporary files of writers killed mid-chunk (never counted as done).

        Called with the writer's lock held, so no live writer owns them; only
        zarr's own temporary names are removed.
        """
        if self.path is not None:
            for partial in self.path.rglob("*.partial"):
                if _ZARR_PARTIAL.search(partial.name):
                    partial.unlink(missing_ok=True)

    def drop(self, damaged: set[int]) -> None:
        """Remove damaged shards: zarr reads a shard before it writes it, and would fail."""
        if self.shards is not None:
            drop_shards(self.request, self.shards, self.array, damaged)

    def scan(self) -> tuple[set[int], dict[int, str]]:
        from zarr.core.sync import sync

        array = self.array
        store, prefix = array.store_path.store, array.store_path.path

        async def keys() -> set[str]:
            return {k async for k in store.list_prefix(prefix)}

        sizes: dict[str, int] = {}
        if self.remote is not None:  # one listing with sizes, not a request per chunk
            sizes = dict(_listing(self.remote)[1])
            present = set(sizes)
        else:
            present = {k[len(prefix) :].lstrip("/") for k in sync(keys())}
        if self.shards is not None:
            return scan_shards(self.request, self.shards, array, present)
        raw_bytes = math.prod(self.request.chunk_shape) * self.request.dtype.itemsize
        codecs = getattr(array.metadata, "codecs", ())  # zarr v3: ours always are
        done, damaged = set(), {}
        for i in range(self.request.nchunks):
            key = array.metadata.encode_chunk_key(self.request.chunk_coords(i))
            if key not in present:
                continue
            stored = f"{prefix}/{key}" if prefix else key
            found = stored_chunk_damage(store, stored, raw_bytes, codecs, sizes.get(key))
            if found is None:
                done.add(i)
            else:
                damaged[i] = found
        return done, damaged

    def write(self, index: int, values: np.ndarray) -> None:
        self.write_region(self.request.chunk_region(index), values)

    def write_region(self, region: tuple[slice, ...], values: np.ndarray) -> None:
        """Store `values` at `region`: whole chunks, or a whole shard (one stored object)."""
        with remote_errors(self.remote):
            self.array[region] = values

    def read(self, index: int) -> np.ndarray:
        return np.asarray(self.array[self.request.chunk_region(index)])

    def recorded(self) -> dict[str, Any] | None:
        found: Any = self.array.attrs.asdict().get(ATTRS_KEY)
        return found if isinstance(found, dict) else None

    def is_complete(self) -> bool:
        return bool((self.recorded() or {}).get("complete"))

    def finish(self) -> Any:
        with remote_errors(self.remote):
            self.array.attrs[ATTRS_KEY] = record(self.request, complete=True)
        return self.result()

    def result(self) -> Any:
        return self.array


def _check_shards(stored: tuple[int, ...] | None, wanted: Any, where: str) -> None:
    if wanted is not None and tuple(wanted) != stored:
        raise OutputMismatchError(
            f"{where} is stored {'in shards ' + str(stored) if stored else 'without shards'}, "
            f"not shards={tuple(wanted)}: run the call that made it, or pass overwrite=True to "
            "rewrite it"
        )


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


def _survey_store(store: Any) -> Found:
    """What a zarr store object holds: seedstream's array, something else, or nothing."""
    import zarr

    try:
        array = zarr.open_array(store, mode="r")
    except Exception:
        try:
            zarr.open_group(store, mode="r")
        except Exception:
            return Found("absent")
        return Found("foreign", "a zarr group")
    found: Any = array.attrs.asdict().get(ATTRS_KEY)
    if not is_record(found):
        return Found("foreign", "a zarr array without seedstream's record")
    return Found("ours", record=found)


def _chunk_key(meta: dict[str, Any]) -> re.Pattern[str]:
    """What a chunk key of the array that `meta` (its ``zarr.json``) describes looks like."""
    encoding = meta.get("chunk_key_encoding") or {}
    v2 = isinstance(encoding, dict) and encoding.get("name") == "v2"
    config = (encoding.get("configuration") or {}) if isinstance(encoding, dict) else {}
    sep = re.escape(str(config.get("separator", "." if v2 else "/")))
    digits = [r"\d+"] * len(meta.get("shape") or ())
    return re.compile((sep.join(digits) or "0") if v2 else sep.join(["c", *digits]))


def _zarr_files(path: Path, meta: dict[str, Any]) -> tuple[list[Path], list[str]]:
    """The files of a zarr array folder that are zarr's (or ours), and the names of the rest."""
    chunk_key = _chunk_key(meta)
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


# --- a URL: one listing of its keys -------------------------------------------------------


def _place_of(store: Any) -> Place | None:
    """The place of a path or URL (what attach takes); None for a zarr store object."""
    if isinstance(store, Place):
        return store
    if isinstance(store, str | os.PathLike):
        return Place(os.fspath(store))
    return None


def _listing(place: Place, probe: bool = False) -> tuple[str, list[tuple[str, int]]]:
    """The root path of `place` in its file system, and every key under it with its size.

    Keys are relative to the root (``zarr.json``, ``c/0``...); an object at
    the root itself is the key ``""``.  A missing bucket, bad credentials or
    an unreachable endpoint is one clear error (``remote_errors``), in
    seconds with `probe` (see ``Place.filesystem``).
    """
    with remote_errors(place):
        fs, root = place.filesystem(probe)
        fs.invalidate_cache(root)  # the writer's keys came through zarr's own instance
        found = fs.find(root, detail=True)
    listed = []
    for name, info in found.items():
        name = name.rstrip("/")
        key = "" if name == root else name[len(root) + 1 :] if name.startswith(root + "/") else None
        if key is not None and info.get("type") != "directory":
            listed.append((key, int(info.get("size") or 0)))
    return root, listed


def _read_json(place: Place, key: str) -> Any:
    """The JSON object at `key` under `place`, or None if it is missing or not JSON."""
    with remote_errors(place):
        fs, root = place.filesystem()
        fs.invalidate_cache(f"{root}/{key}")  # its size as listed may be older than the object
        try:
            text = fs.cat_file(f"{root}/{key}")
        except FileNotFoundError:
            return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _survey_url(place: Place) -> Found:
    """What a URL holds, from one listing of its keys: as :meth:`ZarrTarget.survey` for a folder."""
    root, listed = _listing(place, probe=True)
    if not listed:
        return Found("absent")
    names = dict(listed)
    if "" in names:
        return Found("foreign", f"an object of {human(names[''])}, not a zarr array")
    meta = _read_json(place, "zarr.json") if "zarr.json" in names else None
    found = (meta.get("attributes") or {}).get(ATTRS_KEY) if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or meta.get("node_type") != "array" or not is_record(found):
        what = (
            "a zarr array without seedstream's record"
            if isinstance(meta, dict) and meta.get("node_type") == "array"
            else f"{plural(len(names), 'object', 'objects')}: {examples(sorted(names))}"
        )
        return Found("foreign", what)
    chunk_key = _chunk_key(meta)
    ours = [k for k in names if k == "zarr.json" or chunk_key.fullmatch(k)]
    extra = sorted(k for k in names if k not in ours)
    keys = tuple(f"{root}/{k}" for k in ours)
    return Found("ours", record=found, extra=tuple(extra), keys=keys)


def _read_record_url(place: Place) -> dict[str, Any]:
    meta = _read_json(place, "zarr.json")
    if not isinstance(meta, dict) or meta.get("node_type") != "array":
        raise ValueError(f"{place} is not a zarr array: it has no readable zarr.json")
    found = (meta.get("attributes") or {}).get(ATTRS_KEY)
    if not isinstance(found, dict):
        raise ValueError(f"{place} has no seedstream record: it was not written by seedstream")
    return found


def _allocated(files: list[Path]) -> int:
    total = 0
    for f in files:
        with contextlib.suppress(FileNotFoundError):  # a writer renamed a temporary file
            total += f.stat().st_blocks * 512
    return total


# --- .npy ---------------------------------------------------------------------------------


class NpyTarget(Target):
    """A flat ``.npy`` file (readable with ``np.load(..., mmap_mode="r")``) and a sidecar log.

    The sidecar's first line is the JSON record; each following line is the
    index of a chunk whose bytes are written.
    """

    kind = "npy"
    folder = False
    compressible = False
    path: Path

    def __init__(
        self,
        store: Any,
        request: Request,
        *,
        overwrite: bool,
        compressors: Any = None,
        shards: tuple[int, ...] | None = None,
    ) -> None:
        check_compressors(type(self), compressors, shards)
        self.request = request
        self.path = Path(str(store))
        self.place = Place(os.fspath(self.path))
        self.sidecar = _sidecar(self.path)
        self.description = str(self.path)
        if self.path.exists() and not overwrite:
            recorded = self._read_sidecar()[0] if self.sidecar.exists() else None
            check_record(recorded, request, self.description)
            self._offset = npy_data_offset(self.path, request)
        else:
            self._create()

    @classmethod
    def survey(cls, store: Any) -> Found:
        path = Path(store.url if isinstance(store, Place) else store)
        sidecar = _sidecar(path)
        if not path.exists() and not path.is_symlink():
            return Found("absent")  # a sidecar alone is replaced by the new one
        if path.is_symlink() or not path.is_file():
            return Found("foreign", "a folder" if path.is_dir() else "not a regular file")
        found = None
        with contextlib.suppress(OSError, ValueError), open(sidecar) as f:
            found = json.loads(f.readline())
        if not is_record(found):
            return Found("foreign", f"a file with no seedstream record ({sidecar.name})")
        return Found("ours", record=found, files=cls.files(path))

    @classmethod
    def files(cls, path: Path) -> tuple[Path, ...]:
        sidecar = _sidecar(path)
        return (path, sidecar, sidecar.with_name(sidecar.name + ".tmp"))

    @staticmethod
    def read_record(path: Path | Place) -> dict[str, Any]:
        path = Path(str(path))
        sidecar = _sidecar(path)
        found = None
        if sidecar.exists():
            with open(sidecar) as f:
                first_line = f.readline()  # the record; chunk indices follow, one a line
            with contextlib.suppress(json.JSONDecodeError):
                found = json.loads(first_line)
        if not isinstance(found, dict):
            raise ValueError(
                f"{path} has no seedstream record: its sidecar {path.name}{SIDECAR_SUFFIX} is "
                "missing or unreadable, so either seedstream did not write it or the sidecar was "
                "lost; restore the sidecar to verify or resume it, or regenerate it"
            )
        return found

    @staticmethod
    def disk_bytes(path: Path | Place) -> int:
        path = Path(str(path))
        return _allocated([path, _sidecar(path)])

    @classmethod
    def attach(cls, place: str | os.PathLike[str] | Place, request: Request) -> NpyTarget:
        target = cls.__new__(cls)
        path = str(place)
        target.request, target.path, target.description = request, Path(path), path
        target.place = Place(path)
        target.sidecar = _sidecar(target.path)
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
                f"{human(self.request.nbytes)} ({exc.strerror}); write a zarr array (a path "
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

    def read(self, index: int) -> np.ndarray:
        # A .npy chunk is one run of bytes: read it, rather than map a file that may be short.
        request, itemsize = self.request, self.request.dtype.itemsize
        first, count = request.chunk_span(index)
        with open(self.path, "rb") as f:
            f.seek(self._offset + (first - request.first) * itemsize)
            data = f.read(count * itemsize)
        if len(data) != count * itemsize:
            raise ValueError(f"the file ends {len(data)} bytes into this chunk")
        shape = tuple(s.stop - s.start for s in request.chunk_region(index))
        return np.frombuffer(data, request.dtype).reshape(shape)

    def is_complete(self) -> bool:
        recorded = self._read_sidecar()[0]
        return bool(recorded and recorded.get("complete"))

    def finish(self) -> Any:
        done = sorted(self._read_sidecar()[1])
        lines = [json.dumps(record(self.request, complete=True)), *map(str, done)]
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(self.sidecar)
        return self.result()

    def result(self) -> Any:
        return np.load(self.path, mmap_mode="r")


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


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
