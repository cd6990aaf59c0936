"""What a stored output is, and whether it is right: read its record, regenerate, compare.

An output written with ``store=`` carries the :class:`~seedstream.Request`
that made it (zarr attributes, or the first line of a ``.npy`` file's sidecar).
:func:`inspect_output` reads that record and which chunks are done, without
generating anything; :func:`verify_output` regenerates chunks from the record
alone -- each one on its own, as the writer made it -- and compares them bit
for bit with what is stored.  A chunk whose stored bytes cannot be a whole
chunk (cut short, or a compressed header that disagrees) is reported damaged
from its size and header alone: its bytes are never handed to a codec.

An output at a URL is read as one at a path, given the same
``storage_options`` it was written with.

Imports the place, request and targets modules below it (not the writer), and
seedstream's progress module.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import random
from pathlib import Path
from typing import Any

import numpy as np

from seedstream._output.place import Place, where
from seedstream._output.request import FORMAT, Request
from seedstream._output.targets import target_type
from seedstream._progress import verify_bar

REPAIR = "run the same generate call again to rewrite damaged chunks"


@dataclasses.dataclass(frozen=True)
class OutputInfo:
    """A stored output as its record describes it, and how far its writing got."""

    path: str
    kind: str  # "zarr" or "npy"
    record: dict[str, Any]
    request: Request
    done: frozenset[int]
    disk_bytes: int
    damaged: dict[int, str] = dataclasses.field(default_factory=dict)  # chunk: why

    @property
    def complete(self) -> bool:
        """Whether the writer finished (it records this last)."""
        return bool(self.record.get("complete"))

    @property
    def missing(self) -> tuple[int, ...]:
        """Chunks not (yet) written whole: absent or damaged."""
        return tuple(i for i in range(self.request.nchunks) if i not in self.done)

    @property
    def done_bytes(self) -> int:
        """Bytes of values in the chunks written so far."""
        return sum(self.request.chunk_nbytes(i) for i in self.done)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (the request without the bit generator state)."""
        request = self.request
        return {
            "path": self.path,
            "kind": self.kind,
            "format": self.record.get("format"),
            "seedstream_version": self.record.get("seedstream_version"),
            "numpy_version": self.record.get("numpy_version"),
            "bit_generator": request.stream.bit_generator,
            "seed": request.stream.seed,
            "draw": request.draw.to_config(),
            "first": request.first,
            "shape": list(request.shape),
            "dtype": request.dtype.name,
            "chunk_shape": list(request.chunk_shape),
            "nchunks": request.nchunks,
            "chunks_done": len(self.done),
            "damaged": [{"index": i, "error": e} for i, e in sorted(self.damaged.items())],
            "complete": self.complete,
            "nbytes": request.nbytes,
            "done_bytes": self.done_bytes,
            "disk_bytes": self.disk_bytes,
        }


@dataclasses.dataclass(frozen=True)
class ChunkMismatch:
    """A stored chunk that is not what its record regenerates."""

    index: int
    region: tuple[tuple[int, int], ...]  # (start, stop) along each axis
    differing: int  # values whose bits differ (0 when the chunk could not be read)
    first: tuple[int, ...] | None  # array index of the first differing value
    error: str | None = None  # why the chunk could not be read or compared

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "region": [list(r) for r in self.region],
            "differing": self.differing,
            "first": None if self.first is None else list(self.first),
            "error": self.error,
        }


@dataclasses.dataclass(frozen=True)
class VerifyReport:
    """Which chunks were regenerated and compared, and which differ."""

    info: OutputInfo
    checked: tuple[int, ...]
    bad: tuple[ChunkMismatch, ...]

    @property
    def lost(self) -> tuple[int, ...]:
        """Chunks absent (not damaged: those are in `bad`) from an output recorded complete."""
        if not self.info.complete:
            return ()
        return tuple(i for i in self.info.missing if i not in self.info.damaged)

    @property
    def status(self) -> str:
        """``"mismatch"`` (bad or lost chunks), ``"incomplete"`` (unfinished) or ``"ok"``."""
        if self.bad or self.lost:
            return "mismatch"
        return "ok" if self.info.complete else "incomplete"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.info.path,
            "status": self.status,
            "complete": self.info.complete,
            "nchunks": self.info.request.nchunks,
            "chunks_done": len(self.info.done),
            "missing": list(self.info.missing),
            "checked": list(self.checked),
            "bad": [b.to_dict() for b in self.bad],
        }


def inspect_output(
    path: str | os.PathLike[str], *, storage_options: dict[str, Any] | None = None
) -> OutputInfo:
    """Read the record of an output written with ``store=``, and which chunks are done.

    Nothing is generated or compared.  Raises ``FileNotFoundError`` for a
    missing path and ``ValueError`` for a path that seedstream did not write
    (or wrote in another output format).  `path` may be a URL (``s3://...``)
    with the `storage_options` it was written with; ``disk_bytes`` is then
    the bytes stored under it.

    Examples
    --------
    >>> import tempfile, os, seedstream
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> _ = seedstream.RandomState(0).random_sample(10, chunks=4, store=path, progress=False)
    >>> info = inspect_output(path)
    >>> info.complete, info.request.nchunks, sorted(info.done)
    (True, 3, [0, 1, 2])
    """
    found = where(path, storage_options)
    p: Path | Place = found if isinstance(found, Place) else Path(found)
    kind = target_type(p)
    if isinstance(p, Place):
        if kind.survey(p).kind == "absent":  # (also: the bucket, credentials and endpoint)
            raise FileNotFoundError(errno.ENOENT, "nothing stored under this URL", str(p))
    elif not p.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file or directory", str(p))
    record = kind.read_record(p)
    if record.get("format") != FORMAT:
        raise ValueError(
            f"{p} was written in seedstream output format {record.get('format')!r}; "
            f"this version reads format {FORMAT}"
        )
    try:
        request = Request.from_config(record["request"])
    except (KeyError, TypeError, ValueError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(
            f"{p} has a malformed seedstream record ({what}), so it cannot be verified or "
            "resumed; regenerate it with the call that made it"
        ) from None
    done, damaged = kind.attach(p, request).scan()
    disk_bytes = kind.disk_bytes(p)
    return OutputInfo(str(p), kind.kind, record, request, frozenset(done), disk_bytes, damaged)


def _choose(candidates: list[int], sample: int | None, seed: int | None) -> list[int]:
    """All candidates, or the first, the last and ``sample - 2`` others at random."""
    if sample is None or sample >= len(candidates):
        return candidates
    if sample < 1:
        raise ValueError(f"sample must be at least 1, got {sample}")
    ends = sorted({candidates[0], candidates[-1]})[:sample]
    middle = random.Random(seed).sample(candidates[1:-1], sample - len(ends))
    return sorted({*ends, *middle})


def _compare(
    index: int, request: Request, stored: np.ndarray, located: Any = None
) -> ChunkMismatch | None:
    region = request.chunk_region(index)
    bounds = tuple((s.start, s.stop) for s in region)
    expected = request.chunk_values(index, located)
    if stored.shape != expected.shape or stored.dtype != expected.dtype:
        error = (
            f"stored {stored.dtype} {stored.shape} where the record gives "
            f"{expected.dtype} {expected.shape}"
        )
        return ChunkMismatch(index, bounds, 0, None, error)
    # Bits, not values: NaN != NaN and -0.0 == 0.0 must not decide.  (Strings, from choice:
    # their bytes as one opaque item.)
    size = expected.dtype.itemsize
    bits = np.dtype(f"u{size}" if size in (1, 2, 4, 8) else f"V{size}")
    differs = np.ascontiguousarray(stored).view(bits) != expected.view(bits)
    count = int(np.count_nonzero(differs))
    if not count:
        return None
    where = np.unravel_index(int(np.argmax(differs)), differs.shape)
    first = tuple(int(i) + s.start for i, s in zip(where, region, strict=True))
    return ChunkMismatch(index, bounds, count, first)


def verify_output(
    path: str | os.PathLike[str],
    sample: int | None = 8,
    *,
    seed: int | None = None,
    progress: bool | None = False,
    storage_options: dict[str, Any] | None = None,
) -> VerifyReport:
    """Regenerate chunks of a stored output from its record and compare them bit for bit.

    Parameters
    ----------
    path : str or path
        A zarr array or ``.npy`` file written with ``store=``.
    sample : int or None, optional
        How many chunks to check: the first, the last, and the rest drawn at
        random (so repeated checks cover different chunks); ``None`` checks all.
        Of an unfinished output, only written chunks are checked.
    seed : int, optional
        Seed for choosing the sample, to repeat a check exactly.
    progress : bool or None, optional
        A tqdm bar on stderr; ``None``: when stderr is a terminal.
    storage_options : dict, optional
        For a URL (``s3://bucket/x.zarr``): fsspec's options, as the output
        was written with them (credentials, ``endpoint_url``...).

    Returns
    -------
    VerifyReport
        ``status`` is ``"ok"``, ``"incomplete"`` (written chunks are right,
        others are missing) or ``"mismatch"``.  A chunk that cannot be read
        (e.g. corrupt compressed bytes) is a mismatch, with the error recorded.
        Every damaged chunk (:attr:`OutputInfo.damaged`: wrong length or
        header) is a mismatch, whatever the sample, and is never decoded; the
        same ``generate`` call rewrites it.

    Examples
    --------
    >>> import tempfile, os, seedstream
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> _ = seedstream.RandomState(0).random_sample(10, chunks=4, store=path, progress=False)
    >>> verify_output(path, sample=None).status
    'ok'
    """
    info = inspect_output(path, storage_options=storage_options)
    request = info.request
    candidates = list(range(request.nchunks)) if info.complete else sorted(info.done)
    candidates = [i for i in candidates if i not in info.damaged]  # known bad without reading
    sampled = _choose(candidates, sample, seed) if candidates else []
    checked = sorted({*sampled, *info.damaged})
    place = where(info.path, storage_options)
    target = target_type(place).attach(place, request)
    located = request.locate(sampled)  # variable draws: one count pass for all
    bar = verify_bar(len(checked), info.path, progress)
    bad = []
    try:
        for index in checked:
            region = tuple((s.start, s.stop) for s in request.chunk_region(index))
            if index in info.damaged:
                error = f"{info.damaged[index]} ({REPAIR})"
                bad.append(ChunkMismatch(index, region, 0, None, error))
                continue
            try:
                values = target.read(index)
            except Exception as exc:  # any failure to read is a bad chunk, not a crash
                error = f"unreadable: {type(exc).__name__}: {exc}"
                bad.append(ChunkMismatch(index, region, 0, None, error))
            else:
                found = _compare(index, request, values, located.get(index))
                if found is not None:
                    bad.append(found)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return VerifyReport(info, tuple(checked), tuple(bad))
