"""Reliability: the user's files, refused runs, concurrent writers and killed writers (issue 11).

Every case runs on real files, and real subprocesses where a process is
killed or two run at once; each asserts that the user's files are intact and
that an error is one line on stderr with no traceback.  Expected values come
from numpy itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pytest
import zarr

import seedstream
from _outputs import one_error_line, run
from seedstream import OutputInUseError, OutputMismatchError
from seedstream._output import SIDECAR_SUFFIX
from seedstream._output.safety import _unsafe


def cli(*argv: object) -> list[str]:
    return [sys.executable, "-m", "seedstream._cli", *map(str, argv)]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def user_folder(path: Path) -> dict[str, bytes]:
    path.mkdir(parents=True)
    (path / "notes.txt").write_text("my notes")
    (path / "sub").mkdir()
    (path / "sub" / "data.csv").write_text("1,2,3\n")
    return snapshot(path)


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None, f"the writer exited before {what}"
        assert time.monotonic() < deadline, f"waited 60 s for {what}"
        time.sleep(0.002)


def stop(proc: subprocess.Popen[str]) -> None:
    """SIGSTOP `proc` and wait until it is stopped (the signal is delivered asynchronously)."""
    proc.send_signal(signal.SIGSTOP)
    process = psutil.Process(proc.pid)
    deadline = time.monotonic() + 10
    while process.status() != psutil.STATUS_STOPPED:
        assert time.monotonic() < deadline, "the process did not stop"
        time.sleep(0.001)


def legacy(n: int, seed: int = 0) -> bytes:
    return np.random.RandomState(seed).random_sample(n).tobytes()


def stored(path: Path) -> bytes:
    if path.suffix == ".npy":
        return bytes(np.load(path).tobytes())
    return bytes(np.asarray(zarr.open_array(path, mode="r")[:]).tobytes())


# --- storage safety: overwrite, concurrent writers, orphaned workers, refused runs -------
# (issue 11, items 1, 4, 5 and 6)


# 1. overwrite replaces only seedstream's own output


def test_a_folder_of_user_files_is_never_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    before = user_folder(folder)
    for extra in ([], ["--overwrite"]):
        code, out, err = run(capsys, "generate", folder, "--n", 100, *extra)
        assert code == 1 and out == ""
        line = one_error_line(err, "not written by seedstream", "will not delete it", "notes.txt")
        assert "overwrite" not in line  # never suggested for a folder seedstream did not write
        assert snapshot(folder) == before
    with pytest.raises(OutputMismatchError, match="will not delete it"):
        seedstream.RandomState(0).random_sample(100, chunks=10, store=folder, overwrite=True)
    assert snapshot(folder) == before


def test_a_file_or_a_foreign_npy_is_never_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, npy = tmp_path / "plain", tmp_path / "theirs.npy"
    plain.write_text("not an array")
    np.save(npy, np.arange(5))  # a .npy with no seedstream sidecar
    before = snapshot(tmp_path)
    for path in (plain, npy):
        code, _, err = run(capsys, "generate", path, "--n", 100, "--overwrite")
        assert code == 1
        assert "overwrite" not in one_error_line(err, "not written by seedstream")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["", ".", "cwd", "parent", "home"])
def test_the_current_home_and_parent_folders_are_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # Each case runs inside tmp_path, so even a broken guard deletes only test files.
    home = tmp_path / "home"
    cwd = home / "work" / "here"
    user_folder(cwd)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(tmp_path)
    store = {"": "", ".": ".", "cwd": str(cwd), "parent": str(cwd.parent), "home": str(home)}
    with pytest.raises(ValueError, match=r"not a path|will not replace it"):
        seedstream.RandomState(0).random_sample(100, chunks=10, store=store[where], overwrite=True)
    assert snapshot(tmp_path) == before


def test_root_and_home_are_recognised_without_writing_there() -> None:
    # The guard itself, on paths no test may ever write to.
    assert _unsafe(Path("/")) == "the root folder"
    assert _unsafe(Path.home()) == "the home folder"
    assert _unsafe(Path.cwd() / "..") == "a folder that contains the current folder"
    assert _unsafe(Path.cwd() / "new.zarr") is None


def test_user_files_inside_a_seedstream_zarr_are_not_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out.zarr"
    assert run(capsys, "generate", path, "--n", 1000, "--chunks", 100)[0] == 0
    (path / "README.txt").write_text("what this array is")  # the user's note, inside
    (path / "c" / "extra.bin").write_bytes(b"\x00" * 8)
    before = snapshot(path)
    code, _, err = run(
        capsys, "generate", path, "--n", 1000, "--chunks", 100, "--seed", 1, "--overwrite"
    )
    assert code == 1
    one_error_line(err, "seedstream output but also holds 2 files", "README.txt", "will not delete")
    assert snapshot(path) == before
    # the same request still resumes and checks: nothing is removed for that
    assert run(capsys, "generate", path, "--n", 1000, "--chunks", 100)[0] == 0
    assert snapshot(path) == before


@pytest.mark.parametrize("suffix", [".zarr", ".npy"])
def test_overwrite_replaces_an_output_and_nothing_beside_it(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, progress=False)
    (tmp_path / "notes.txt").write_text("beside it")
    (tmp_path / f"out{suffix}.bak").write_text("a backup")
    seedstream.RandomState(1).random_sample(
        500, chunks=100, store=path, overwrite=True, progress=False
    )
    assert stored(path) == legacy(500, seed=1)
    assert (tmp_path / "notes.txt").read_text() == "beside it"
    assert (tmp_path / f"out{suffix}.bak").read_text() == "a backup"


def test_overwrite_takes_an_empty_folder(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.mkdir()
    out = seedstream.RandomState(0).random_sample(
        100, chunks=10, store=path, overwrite=True, progress=False
    )
    assert np.asarray(out[:]).tobytes() == legacy(100)


# 4. two writers on one path


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    path = tmp_path / "x.zarr"
    argv = ("generate", path, "--n", "2e4", "--chunks", "200", "--workers", 1)
    first = subprocess.Popen(cli(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (path / "c" / "0").exists(), first, "its first chunk")
        stop(first)  # mid-run, holding whatever it holds
        chunks = snapshot(path / "c")
        second = subprocess.run(cli(*argv), capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and second.stdout == ""
        one_error_line(second.stderr, f"another seedstream process (pid {first.pid}) is writing")
        assert snapshot(path / "c") == chunks  # the second writer touched nothing
    finally:
        first.send_signal(signal.SIGCONT)
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert err == "" and "wrote 100 of 100 chunks" in out
    assert stored(path) == legacy(20_000)


def test_a_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    from seedstream._output.safety import one_writer
    from seedstream._output.targets import ZarrTarget

    path = tmp_path / "x.zarr"
    with one_writer(path, ZarrTarget), pytest.raises(OutputInUseError, match=f"pid {os.getpid()}"):
        seedstream.RandomState(0).random_sample(100, chunks=10, store=path)
    assert not path.exists()  # the folder made for the lock goes with it


# 5. worker processes end with their writer


def test_workers_exit_when_their_writer_is_killed(tmp_path: Path) -> None:
    argv = ("generate", tmp_path / "x.zarr", "--n", "2e4", "--chunks", "200")
    writer = subprocess.Popen(
        cli(*argv, "--processes", "--workers", 2),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(writer.pid)
    workers: list[psutil.Process] = []
    try:
        wait_for(lambda: len(parent.children()) >= 2, writer, "its workers started")
        stop(writer)  # the pool stays open: its workers wait for work
        workers = parent.children(recursive=True)
        writer.kill()
        writer.wait()
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"{len(alive)} worker(s) outlived their writer"
    finally:
        for p in workers:
            if p.is_running():
                p.kill()


def test_the_portable_watch_ends_a_worker_too() -> None:
    # Where prctl is missing, a thread in each worker watches for its parent to change.
    script = (
        "import concurrent.futures, os, time\n"
        "from seedstream._output.writer import _exit_with_parent\n"
        "pool = concurrent.futures.ProcessPoolExecutor(\n"
        "    1, initializer=_exit_with_parent, initargs=(os.getpid(), False)\n"
        ")\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(60)\n"
    )
    worker = None
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            worker = psutil.Process(int(parent.stdout.readline()))
            parent.kill()
            parent.wait()
            _, alive = psutil.wait_procs([worker], timeout=5)
            assert not alive, "the worker outlived its parent"
        finally:
            parent.kill()
            if worker is not None and worker.is_running():
                worker.kill()


# 6. a refused run leaves nothing, so the corrected one runs


@pytest.mark.parametrize("name", ["g.zarr", "g.npy"])
def test_a_bad_parameter_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / name
    draw = ("--stream", "pcg64", "--method", "uniform", "--n", 100)
    code, _, err = run(capsys, "generate", path, *draw, "--low", 1, "--high", 0)
    with pytest.raises(ValueError) as numpy_says:
        np.random.default_rng(0).uniform(1, 0, 1)
    assert code == 1
    one_error_line(err, str(numpy_says.value))
    assert list(tmp_path.iterdir()) == []
    code, _, err = run(capsys, "generate", path, *draw, "--low", 0, "--high", 1)
    assert code == 0 and err == "", err
    assert stored(path) == np.random.default_rng(0).uniform(0, 1, 100).tobytes()


@pytest.mark.parametrize("name", ["b.npy", "b.zarr", "new/dir/b.zarr"])
def test_a_disk_shortage_is_reported_before_anything_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / name
    code, out, err = run(capsys, "generate", path, "--n", "1e14")
    assert code == 1 and out == ""
    one_error_line(err, "needs about 727.60 TiB", "--no-disk-check")
    assert list(tmp_path.iterdir()) == []
    code, _, err = run(capsys, "generate", path, "--n", 100)
    assert code == 0 and err == ""
    assert stored(path) == legacy(100)


def test_a_file_too_large_for_the_file_system_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Past the free-space check, the file system's largest file (ext4: 16 TiB) refuses it.
    path = tmp_path / "b.npy"
    code, _, err = run(capsys, "generate", path, "--n", "1e14", "--no-disk-check")
    if code == 0:  # a file system that takes 800 TB sparse files: nothing to check here
        pytest.skip("this file system holds a sparse file of 800 TB")
    one_error_line(err, "cannot hold one file of 727.60 TiB", "zarr")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_overwrite_keeps_the_old_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.npy"
    assert run(capsys, "generate", path, "--n", 100)[0] == 0
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "generate", path, "--n", "1e14", "--overwrite")
    assert code == 1
    one_error_line(err, "needs about")
    assert snapshot(tmp_path) == before
    record = json.loads((tmp_path / f"x.npy{SIDECAR_SUFFIX}").read_text().splitlines()[0])
    assert record["complete"] is True
