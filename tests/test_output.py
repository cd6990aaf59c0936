"""Streaming to disk: zarr and .npy outputs, resumed after SIGKILL and after a full disk."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
import zarr

import seedstream
from seedstream import DiskFullError, OutputMismatchError
from seedstream._output import ATTRS_KEY, SIDECAR_SUFFIX
from seedstream._output.targets import ZarrTarget


def expected(n: int, start: int = 0, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).random_sample(start + n)[start:]


def chunk_files(path: Path) -> list[Path]:
    return sorted(p for p in (path / "c").rglob("*") if p.is_file() and p.suffix != ".partial")


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
def test_writes_numpys_values_and_records_the_request(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    rs = seedstream.RandomState(0)
    out = rs.random_sample(100_003, start=7, chunks=10_000, store=path, progress=False)
    np.testing.assert_array_equal(np.asarray(out[:]), expected(100_003, 7))
    # the object moved past the draw, as numpy's would
    np.testing.assert_array_equal(rs.random_sample(3), expected(3, 100_010))
    if suffix == ".zarr":
        meta = zarr.open_array(path).attrs[ATTRS_KEY]
        assert out.chunks == (10_000,)
    else:
        meta = json.loads((tmp_path / f"x.npy{SIDECAR_SUFFIX}").read_text().splitlines()[0])
        assert np.load(path, mmap_mode="r").shape == (100_003,)
    assert meta["complete"] is True
    assert meta["request"]["first"] == 7 and meta["request"]["shape"] == [100_003]
    assert meta["request"]["stream"]["seed"]["from"] == {"legacy": 0}
    assert meta["request"]["draw"]["method"] == "random_sample"


def test_two_dimensional_and_generator_float32(tmp_path: Path) -> None:
    g = seedstream.default_rng(9)
    z = g.random(
        (300, 50), dtype=np.float32, chunks=(64, 50), store=tmp_path / "g.zarr", progress=False
    )
    ref = np.random.default_rng(9)
    np.testing.assert_array_equal(z[:], ref.random((300, 50), dtype=np.float32))
    assert g.bit_generator.state == ref.bit_generator.state


def test_rerun_on_complete_output_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.zarr"
    seedstream.RandomState(0).random_sample(50_000, chunks=10_000, store=path, progress=False)
    stamps = {p: p.stat().st_mtime_ns for p in chunk_files(path)}
    time.sleep(0.01)
    again = seedstream.RandomState(0).random_sample(
        50_000, chunks=10_000, store=path, progress=False
    )
    assert {p: p.stat().st_mtime_ns for p in chunk_files(path)} == stamps
    np.testing.assert_array_equal(again[:], expected(50_000))


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
def test_different_request_is_refused_unless_overwrite(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, progress=False)
    for other in (
        lambda: seedstream.RandomState(1).random_sample(1000, chunks=100, store=path),
        lambda: seedstream.RandomState(0).random_sample(1001, chunks=100, store=path),
        lambda: seedstream.RandomState(0).random_sample(1000, chunks=200, store=path),
        lambda: seedstream.RandomState(0).uniform(0, 2, 1000, chunks=100, store=path),
    ):
        with pytest.raises(OutputMismatchError, match="overwrite=True"):
            other()
    np.testing.assert_array_equal(
        np.asarray(zarr.open_array(path)[:] if suffix == ".zarr" else np.load(path)), expected(1000)
    )
    out = seedstream.RandomState(1).random_sample(
        1000, chunks=100, store=path, overwrite=True, progress=False
    )
    np.testing.assert_array_equal(np.asarray(out[:]), expected(1000, seed=1))


def test_existing_foreign_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("mine")
    with pytest.raises(OutputMismatchError, match="not written by seedstream"):
        seedstream.RandomState(0).random_sample(10, chunks=5, store=tmp_path / "data")
    assert (tmp_path / "data" / "notes.txt").read_text() == "mine"


def test_output_options_need_a_store() -> None:
    with pytest.raises(TypeError, match="only with store="):
        seedstream.RandomState(0).random_sample(10, overwrite=True)
    with pytest.raises(TypeError):
        seedstream.RandomState(0).random_sample(10, store="/tmp/never.zarr", colour="red")


def test_processes_and_compressors(tmp_path: Path) -> None:
    from zarr.codecs import BloscCodec

    z = seedstream.RandomState(4).random_sample(
        80_000, chunks=10_000, store=tmp_path / "p.zarr", processes=True, workers=2, progress=False
    )
    np.testing.assert_array_equal(z[:], expected(80_000, seed=4))
    c = seedstream.RandomState(4).random_sample(
        80_000,
        chunks=10_000,
        store=tmp_path / "c.zarr",
        compressors=BloscCodec(cname="zstd"),
        progress=False,
    )
    np.testing.assert_array_equal(c[:], expected(80_000, seed=4))
    n = seedstream.RandomState(4).random_sample(
        80_000, chunks=10_000, store=tmp_path / "p.npy", processes=True, progress=False
    )
    np.testing.assert_array_equal(n, expected(80_000, seed=4))


def test_lazy_array_writes_with_dask_to_zarr(tmp_path: Path) -> None:
    lazy = seedstream.RandomState(2).random_sample(30_000, chunks=4_000)
    da.to_zarr(lazy, str(tmp_path / "d.zarr"))
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "d.zarr")[:], expected(30_000, seed=2))


def test_progress_bar_reports_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seedstream.RandomState(0).random_sample(
        20_000, chunks=5_000, store=tmp_path / "b.zarr", progress=True
    )
    err = capsys.readouterr().err
    assert "seedstream" in err and "156k" in err.replace("156.2k", "156k")  # 160 kB in KiB units


# --- interruption ------------------------------------------------------------------------

_WRITER = """
import sys, seedstream
path, n, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seedstream.RandomState(0).random_sample(n, chunks=chunk, store=path, workers=2, progress=False)
"""


def _kill_midway(path: Path, n: int, chunk: int, count_done: Any, want: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n), str(chunk)])
    try:
        deadline = time.monotonic() + 60
        while count_done() < want:
            assert proc.poll() is None, "the writer finished before it could be killed"
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
def test_sigkill_then_rerun_gives_the_uninterrupted_result(tmp_path: Path, suffix: str) -> None:
    n, chunk = 12_000_000, 400_000  # 30 chunks of 3.2 MB
    path = tmp_path / f"k{suffix}"
    if suffix == ".zarr":
        count = lambda: len(chunk_files(path)) if (path / "c").exists() else 0  # noqa: E731
    else:
        sidecar = tmp_path / f"k.npy{SIDECAR_SUFFIX}"
        count = lambda: max(0, len(sidecar.read_text().splitlines()) - 1) if sidecar.exists() else 0  # noqa: E731
    _kill_midway(path, n, chunk, count, want=3)
    done_before = count()
    assert 3 <= done_before < 30
    rs = seedstream.RandomState(0)
    out = rs.random_sample(n, chunks=chunk, store=path, progress=False)
    np.testing.assert_array_equal(np.asarray(out[:]), expected(n))
    if suffix == ".zarr":
        assert not list(path.rglob("*.partial"))
        assert zarr.open_array(path).attrs[ATTRS_KEY]["complete"] is True


def test_a_torn_sidecar_line_is_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "t.npy"
    seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, progress=False)
    sidecar = tmp_path / f"t.npy{SIDECAR_SUFFIX}"
    lines = sidecar.read_text().splitlines()
    header = json.loads(lines[0])
    header["complete"] = False
    sidecar.write_text(
        json.dumps(header) + "\n" + "\n".join(lines[1:4]) + "\n7"
    )  # "7" torn: no newline... still digits
    with open(path, "r+b") as f:  # damage chunks that the log does not vouch for
        f.seek(-800, os.SEEK_END)
        f.write(b"\xff" * 800)
    out = seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, progress=False)
    np.testing.assert_array_equal(out, expected(1000))


# --- a full disk -------------------------------------------------------------------------


@contextlib.contextmanager
def small_filesystem(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the injected-error test covers this")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_full_disk_preflight_midrun_and_resume_on_tmpfs(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "fs", 4) as fs:
        path = fs / "x.zarr"
        n, chunk = 1_000_000, 50_000  # 8 MB in 20 chunks of 400 KB, on 4 MB
        with pytest.raises(DiskFullError, match="check_disk=False"):
            seedstream.RandomState(0).random_sample(n, chunks=chunk, store=path, progress=False)
        with pytest.raises(DiskFullError, match="run the same call again"):
            seedstream.RandomState(0).random_sample(
                n, chunks=chunk, store=path, check_disk=False, progress=False
            )
        files = chunk_files(path)
        assert 0 < len(files) < 20
        for f in files:  # every chunk that counts is whole
            assert f.stat().st_size == chunk * 8
        assert not list(path.rglob("*.partial"))
        subprocess.run(["mount", "-o", "remount,size=16m", str(fs)], check=True)  # space freed
        out = seedstream.RandomState(0).random_sample(n, chunks=chunk, store=path, progress=False)
        np.testing.assert_array_equal(out[:], expected(n))


def test_full_disk_injected_at_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.zarr"
    real = ZarrTarget.write
    calls = {"n": 0}

    def failing(self: ZarrTarget, index: int, values: np.ndarray) -> None:
        calls["n"] += 1
        if calls["n"] > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, index, values)

    monkeypatch.setattr(ZarrTarget, "write", failing)
    with pytest.raises(DiskFullError, match="run the same call again") as info:
        seedstream.RandomState(0).random_sample(
            20_000, chunks=1_000, store=path, workers=1, progress=False
        )
    assert "4 of 20 chunks" in str(info.value)
    monkeypatch.setattr(ZarrTarget, "write", real)
    out = seedstream.RandomState(0).random_sample(20_000, chunks=1_000, store=path, progress=False)
    np.testing.assert_array_equal(out[:], expected(20_000))


def test_chunking_that_is_not_a_run_of_the_stream_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="span"):
        seedstream.RandomState(0).random_sample((10, 10), chunks=(5, 5), store=tmp_path / "x.zarr")


def test_public_results_expose_only_exported_types() -> None:
    # What inspect_output and verify_output return, field by field down to plain types: a
    # caller can import, name and type-check every seedstream class it meets there.
    exported = {getattr(seedstream, name) for name in seedstream.__all__}
    seen: set[type] = set()
    todo: list[Any] = [seedstream.OutputInfo, seedstream.VerifyReport]
    while todo:
        hint = todo.pop()
        todo.extend(typing.get_args(hint))
        cls = typing.get_origin(hint) or hint
        if not isinstance(cls, type) or not cls.__module__.startswith("seedstream") or cls in seen:
            continue
        seen.add(cls)
        assert cls in exported, f"{cls.__qualname__} is in a public result but not exported"
        todo.extend(typing.get_type_hints(cls).values())
    assert {seedstream.Request, seedstream.ChunkMismatch, seedstream.Stream} <= seen
