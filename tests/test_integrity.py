"""Chunk integrity: a chunk counts as done only when its stored bytes can be a whole chunk.

Real outputs, damaged as a killed writer, a full disk or a careless hand leaves them:
chunk files cut short, grown, emptied or given a wrong compressed header; ``.npy``
files cut short or with a garbled header.  Each must be found by ``info`` and
``verify`` (never handed to a codec) and rewritten by the same ``generate`` call,
after which every value equals numpy's one-shot output.  Also: chunks of zeros are
written as keys by every open (first, resume, worker process, overwrite), and the
zarr floor in pyproject writes chunk files atomically.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from packaging.version import Version
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

import seedstream
from _outputs import run, stored
from seedstream._output import ATTRS_KEY

N, CHUNK = 95, 10  # ten chunks, the last one an edge chunk of five values
REPAIR = "run the same generate call again to rewrite damaged chunks"


def expected(n: int = N) -> np.ndarray:
    return np.random.RandomState(0).random_sample(n)


def generate(path: Any, compressors: Any = None, n: int = N, chunks: int = CHUNK) -> Any:
    rs = seedstream.RandomState(0)
    return rs.random_sample(n, chunks=chunks, store=path, progress=False, compressors=compressors)


def chunk(path: Path, index: int) -> Path:
    return path / "c" / str(index)


def cut(file: Path, keep: int) -> None:
    file.write_bytes(file.read_bytes()[:keep])


# --- the zarr floor ------------------------------------------------------------------------

_LIMITED_WRITER = """
import resource, sys, seedstream
resource.setrlimit(resource.RLIMIT_FSIZE, (32768, resource.RLIM_INFINITY))
seedstream.RandomState(0).random_sample(16384, chunks=8192, store=sys.argv[1], progress=False)
"""


def test_zarr_floor_writes_chunk_files_whole_or_not_at_all(tmp_path: Path) -> None:
    # The floor is the first zarr whose LocalStore renames a finished temporary file into
    # place (zarr 3.1.3, zarr-python#3412) and that has NodeNotFoundError (3.1.2); checked by
    # running this test under zarr 3.1.2, where it fails: chunk files of 32768 bytes remain.
    #
    # A writer stopped mid-chunk: each 64 KiB chunk hits a 32 KiB file size limit (EFBIG;
    # Python ignores SIGXFSZ), the 19 KiB zarr.json does not.  It resumes an output with one
    # chunk done, so the output is kept (a new output that fails with nothing done is removed).
    path = tmp_path / "x.zarr"
    seedstream.RandomState(0).random_sample(16384, chunks=8192, store=path, progress=False)
    (path / "c" / "1").unlink()
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "File too large" in done.stderr
    sizes = [f.stat().st_size for f in (path / "c").glob("*") if f.suffix != ".partial"]
    assert seedstream.inspect_output(path).done == frozenset({0})  # whatever the zarr
    out = seedstream.RandomState(0).random_sample(16384, chunks=8192, store=path, progress=False)
    np.testing.assert_array_equal(out[:], expected(16384))
    assert sizes == [65536]  # not one cut-short chunk file under a chunk key

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    (floor,) = [d.split(">=")[1] for d in pyproject["project"]["dependencies"] if "zarr" in d]
    assert Version(floor) >= Version("3.1.3")
    assert Version(zarr.__version__) >= Version(floor)
    from zarr.errors import NodeNotFoundError  # noqa: F401  (generate/verify/info import it)


# --- zarr chunks of the wrong length or with a wrong header --------------------------------


@pytest.mark.parametrize(
    ("index", "damage"),
    [
        (5, lambda f: cut(f, 40)),  # what zarr < 3.1.3 left after a SIGKILL mid-chunk
        (9, lambda f: cut(f, 40)),  # the edge chunk: zarr stores it full size, 80 bytes
        (5, lambda f: f.write_bytes(f.read_bytes() + b"\0")),
        (5, lambda f: f.write_bytes(b"")),
    ],
    ids=["cut", "edge-cut", "grown", "empty"],
)
def test_uncompressed_chunk_of_the_wrong_length_is_rewritten(
    tmp_path: Path, index: int, damage: Any
) -> None:
    path = tmp_path / "x.zarr"
    generate(path)
    assert {chunk(path, i).stat().st_size for i in range(10)} == {80}  # edge chunk included
    damage(chunk(path, index))

    info = seedstream.inspect_output(path)
    assert index not in info.done and len(info.done) == 9 and info.missing == (index,)
    assert info.damaged[index].startswith("damaged: ")
    assert info.damaged[index].endswith(" bytes where a whole chunk has 80")
    report = seedstream.verify_output(path, sample=2)  # found whatever the sample
    assert report.status == "mismatch" and [b.index for b in report.bad] == [index]
    assert REPAIR in (report.bad[0].error or "") and report.lost == ()

    np.testing.assert_array_equal(generate(path)[:], expected())
    assert chunk(path, index).stat().st_size == 80
    assert seedstream.verify_output(path, sample=None).status == "ok"


@pytest.mark.parametrize("compress", ["none", "zstd", "lz4"])
def test_cli_generate_rewrites_cut_chunks_that_info_and_verify_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, compress: str
) -> None:
    path = tmp_path / "x.zarr"
    argv = ["generate", path, "--n", N, "--chunks", CHUNK, "--compress", compress]
    assert run(capsys, *argv)[0] == 0
    whole = chunk(path, 5).stat().st_size
    for index in (5, 9):
        cut(chunk(path, index), whole - 7)

    code, out, _ = run(capsys, "info", path)
    assert code == 0
    assert "chunks       (10,): 8 of 10 done" in out
    assert "complete     no: recorded complete, but missing 5, 9; run the same generate" in out
    assert "chunk 5      damaged: " in out and "chunk 9      damaged: " in out
    code, out, err = run(capsys, "verify", path, "--sample", 1)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[1].startswith("  chunk 5 [50:60]: damaged: ") and lines[1].endswith(f"({REPAIR})")
    assert lines[2].startswith("  chunk 9 [90:95]: damaged: ")
    if compress != "none":  # found in the header, before any bytes reached blosc
        assert f"its blosc header says {whole} bytes, the file has {whole - 7}" in lines[1]

    code, out, _ = run(capsys, *argv)
    assert code == 0 and "already complete" not in out and ": wrote 2 of 10 chunks" in out
    np.testing.assert_array_equal(stored(path), expected())
    assert run(capsys, "verify", path, "--all")[0] == 0
    assert "already complete" in run(capsys, *argv)[1]


def _blosc_header(file: Path, field: int, value: int) -> None:
    data = bytearray(file.read_bytes())
    data[4 + 4 * field : 8 + 4 * field] = value.to_bytes(4, "little")
    file.write_bytes(bytes(data))


_BLOSC_DAMAGE = {
    1: lambda f: cut(f, 20),  # header intact: it promises more bytes than there are
    2: lambda f: cut(f, 10),  # not even a header
    3: lambda f: _blosc_header(f, 2, 10**6),  # compressed size: past the end of the file
    4: lambda f: _blosc_header(f, 0, 10**6),  # raw size: more than a chunk holds
    5: lambda f: f.write_bytes(bytes(len(f.read_bytes()))),  # zeros, same length
    9: lambda f: cut(f, 40),  # the edge chunk
}


def test_damaged_blosc_chunks_never_reach_the_decompressor(tmp_path: Path) -> None:
    path = tmp_path / "x.zarr"
    blosc = BloscCodec(cname="zstd", shuffle="shuffle")
    generate(path, blosc, 9_500, 1_000)  # chunks large enough for blosc to compress, not copy
    for index, damage in _BLOSC_DAMAGE.items():
        damage(chunk(path, index))
    # verify in its own process: a decompressor that read past the buffer would kill it
    done = subprocess.run(
        [sys.executable, "-m", "seedstream._cli", "verify", str(path), "--all", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and done.stderr == ""
    bad = json.loads(done.stdout)["bad"]
    assert [b["index"] for b in bad] == list(_BLOSC_DAMAGE)
    for b in bad:
        assert b["error"].startswith("damaged: ") and "blosc header" in b["error"], b
        assert b["error"].endswith(f"({REPAIR})")
    np.testing.assert_array_equal(generate(path, blosc, 9_500, 1_000)[:], expected(9_500))
    assert seedstream.verify_output(path, sample=None).status == "ok"


def test_a_cut_chunk_in_a_store_object_is_rewritten() -> None:
    # Not a local directory: sizes and headers are read through the store's own API.
    from zarr.core.buffer import cpu
    from zarr.core.sync import sync
    from zarr.storage import MemoryStore

    store = MemoryStore()
    blosc = BloscCodec(cname="lz4", shuffle="shuffle")
    generate(store, blosc, 9_500, 1_000)
    whole = sync(store.get("c/5", cpu.buffer_prototype))
    assert whole is not None
    sync(store.set("c/5", cpu.Buffer.from_bytes(whole.to_bytes()[:-3])))
    np.testing.assert_array_equal(generate(store, blosc, 9_500, 1_000)[:], expected(9_500))
    rewritten = sync(store.get("c/5", cpu.buffer_prototype))
    assert rewritten is not None and rewritten.to_bytes() == whole.to_bytes()


@pytest.mark.parametrize(
    "compressors",
    [ZstdCodec(), ZstdCodec(level=3, checksum=True), GzipCodec()],
    ids=["zstd", "zstd-checksum", "gzip"],
)
@pytest.mark.parametrize("keep", [-1, -4, 0.5])
def test_cut_zstd_and_gzip_chunks_are_found_and_rewritten(
    tmp_path: Path, compressors: Any, keep: float
) -> None:
    path = tmp_path / "x.zarr"
    generate(path, compressors)
    for index in (5, 9):
        file = chunk(path, index)
        size = file.stat().st_size
        cut(file, int(size * keep) if keep > 0 else size + int(keep))
    info = seedstream.inspect_output(path)
    assert sorted(info.damaged) == [5, 9] and len(info.done) == 8
    report = seedstream.verify_output(path, sample=None)
    assert [b.index for b in report.bad] == [5, 9]
    assert all((b.error or "").startswith("damaged: ") for b in report.bad)
    np.testing.assert_array_equal(generate(path, compressors)[:], expected())
    assert seedstream.verify_output(path, sample=None).status == "ok"


# --- chunks of zeros -----------------------------------------------------------------------


def _zeros(path: Path, **kwargs: Any) -> Any:
    return seedstream.RandomState(0).randint(
        0, 1, 40, chunks=10, store=path, progress=False, **kwargs
    )


def _keys(path: Path) -> list[str]:
    return sorted(f.name for f in (path / "c").iterdir()) if (path / "c").exists() else []


@pytest.mark.parametrize("how", ["resume", "processes", "overwrite"])
def test_chunks_of_zeros_are_written_by_every_open(tmp_path: Path, how: str) -> None:
    path = tmp_path / "z.zarr"
    want = np.random.RandomState(0).randint(0, 1, 40)
    assert not want.any()  # numpy's draw: every chunk is all zeros
    if how == "processes":
        out = _zeros(path, processes=True, workers=2)
    else:
        _zeros(path)
        if how == "resume":
            chunk(path, 2).unlink()
            array = zarr.open_array(path, mode="r+")
            array.attrs[ATTRS_KEY] = {**array.attrs[ATTRS_KEY], "complete": False}  # type: ignore[dict-item]
            out = _zeros(path)
        else:
            out = _zeros(path, overwrite=True)
    assert _keys(path) == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(out[:], want)
    info = seedstream.inspect_output(path)
    assert info.complete and info.missing == ()
    assert seedstream.verify_output(path, sample=None).status == "ok"


# --- .npy files ----------------------------------------------------------------------------


def test_cut_npy_resumes_and_rewrites_the_lost_chunks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.npy"
    argv = ["generate", path, "--n", N, "--chunks", CHUNK]
    assert run(capsys, *argv)[0] == 0
    offset = np.load(path, mmap_mode="r").offset
    os.truncate(path, offset + 8 * 75)  # chunk 7 cut in half, 8 and 9 gone

    info = seedstream.inspect_output(path)
    assert sorted(info.damaged) == [7, 8, 9] and info.missing == (7, 8, 9)
    assert info.damaged[7] == (
        f"damaged: the file ends at byte {offset + 600}, before this chunk's end ({offset + 640})"
    )
    code, out, err = run(capsys, "verify", path, "--sample", 1)
    assert code == 1 and err == "" and "mmap" not in out
    assert f"  chunk 7 [70:80]: {info.damaged[7]} ({REPAIR})" in out.splitlines()
    code, out, _ = run(capsys, "info", path)
    assert code == 0 and "8 of 10 done" not in out and "7 of 10 done" in out

    code, out, _ = run(capsys, *argv)
    assert code == 0 and ": wrote 3 of 10 chunks" in out
    np.testing.assert_array_equal(np.load(path), expected())
    assert run(capsys, "verify", path, "--all")[0] == 0


def _garble(path: Path, at: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(data)] = data
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: _garble(p, 20, b"garbage!!"), "the .npy header is damaged"),
        (lambda p: _garble(p, 0, b"\0\0\0"), "the .npy header is damaged"),
        (lambda p: os.truncate(p, 30), "the .npy header is damaged"),
        (lambda p: _garble(p, p.read_bytes().index(b"(95,)"), b"(96,)"), "header gives float64"),
        (lambda p: _garble(p, p.read_bytes().index(b"<f8"), b"<i8"), "header gives int64"),
    ],
    ids=["garbage", "magic", "cut-in-header", "shape", "dtype"],
)
def test_damaged_npy_header_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, damage: Any, says: str
) -> None:
    path = tmp_path / "x.npy"
    argv = ["generate", path, "--n", N, "--chunks", CHUNK]
    assert run(capsys, *argv)[0] == 0
    damage(path)
    for command in (argv, ["verify", path], ["info", path]):
        code, out, err = run(capsys, *command)
        assert code == 1 and out == ""
        assert err.startswith(f"seedstream: error: {path}: ") and err.count("\n") == 1
        assert says in err and "--overwrite" in err
    assert run(capsys, *argv, "--overwrite")[0] == 0
    np.testing.assert_array_equal(np.load(path), expected())
