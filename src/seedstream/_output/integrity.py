"""Whether a stored zarr chunk can be a whole chunk, from its length and header alone.

A zarr chunk key that exists is not yet a done chunk: zarr before 3.1.3 wrote
chunk files in place (a killed writer left a prefix of one), and any file can
be cut short or overwritten later.  So a chunk counts as done, and its bytes
reach a codec, only after its length -- and a compressed chunk's own header --
agree with the chunk it claims to be.  Blosc trusts its header: handed a
cut-short chunk it can read past the end of the buffer (a segfault in about 3
of 35 verify runs), so a bad header must never reach it.  Nothing is
decompressed here.

Imports nothing of the output package (zarr only inside the functions); the
targets' scan calls :func:`stored_chunk_damage`, the shards module
:func:`stored_damage` with its own check of a shard.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


def stored_chunk_damage(
    store: Any, key: str, raw_bytes: int, codecs: Sequence[Any], size: int | None = None
) -> str | None:
    """:func:`chunk_damage` of the object at `key`.

    `size`, when known (from a listing of object storage), saves asking for it:
    an uncompressed chunk then needs no request at all.
    """

    def check(stored: int, read: Read) -> str | None:
        return chunk_damage(codecs, raw_bytes, stored, read)

    return stored_damage(store, key, check, size)


def stored_damage(
    store: Any, key: str, check: Callable[[int, Read], str | None], size: int | None = None
) -> str | None:
    """``check(size, read)`` of the object at `key` (a chunk, or a shard): read in place
    for a local store, by byte ranges for any other (`size` from a listing, if known)."""
    from zarr.storage import LocalStore

    if isinstance(store, LocalStore):
        file = Path(store.root) / key
        try:
            with open(file, "rb") as f:
                size = os.fstat(f.fileno()).st_size

                def read(offset: int, length: int) -> bytes:
                    f.seek(offset)
                    return f.read(length)

                return check(size, read)
        except FileNotFoundError:
            return "damaged: removed while being checked"
    from zarr.abc.store import RangeByteRequest
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    stored = int(sync(store.getsize(key))) if size is None else size

    def read_object(offset: int, length: int) -> bytes:
        end = min(offset + length, stored)
        if offset >= end:
            return b""
        found = sync(store.get(key, default_buffer_prototype(), RangeByteRequest(offset, end)))
        return b"" if found is None else bytes(found.to_bytes())

    return check(stored, read_object)
