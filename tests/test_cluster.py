"""The dask.distributed writer and zarr sharding (issue 11, items 2 and 3), on a real cluster.

One ``distributed.LocalCluster`` of two worker processes serves the module
(starting one costs about 4 s of CPU, and it takes some while idle): the
tests of the local writer come first, before it starts.  The issue's size and
the killed caller write to object storage: moto's S3 server, started here and
reached by the workers over HTTP (``_s3``).  Its Client is the
default one while the cluster tests run, so they write on it as a user's code
would.  Every value is compared with numpy's own one-shot output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

import seedstream
from _compare import assert_same_bits
from _outputs import one_error_line, run
from _s3 import S3
from seedstream import OutputMismatchError, inspect_output, verify_output

distributed = pytest.importorskip("distributed")

# One xdist worker for the whole module, under --dist loadgroup: each worker that ran a test
# of it would start a cluster of its own.
pytestmark = pytest.mark.xdist_group("cluster")

SRC = str(Path(seedstream.__file__).parent.parent)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # The workers must run this seedstream, not another one on their path.
        found = set(client.run(lambda: __import__("seedstream").__file__).values())
        assert found == {seedstream.__file__}, found
        yield client


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    server = S3()
    yield server
    server.stop()


def chunk_files(path: Path) -> dict[str, tuple[int, int]]:
    """Each chunk (or shard) file of a zarr array: (inode, mtime); a rewrite changes both."""
    found = {}
    for file in (path / "c").rglob("*"):
        if file.name.isdigit() and file.is_file():  # not zarr's NAME.<uuid>.partial
            stat = file.stat()
            found[file.relative_to(path / "c").as_posix()] = (stat.st_ino, stat.st_mtime_ns)
    return found


def wait_until(
    condition: Callable[[], bool], what: str, alive: Callable[[], bool], pause: float = 0.002
) -> None:
    """Poll `condition` every `pause` s (a listing of S3 asks this process's moto server)."""
    deadline = time.monotonic() + 120
    while not condition():
        assert alive(), f"the write ended before {what}"
        assert time.monotonic() < deadline, f"waited 120 s for {what}"
        time.sleep(pause)


def assert_stored(path: Path, expected: np.ndarray, step: int = 5_000_000) -> None:
    """The array at `path`, read by zarr alone, slice by slice, is numpy's bits."""
    array = zarr.open_array(path, mode="r")
    assert array.shape == expected.shape
    for i in range(0, len(expected), step):
        assert_same_bits(np.asarray(array[i : i + step]), expected[i : i + step], f"[{i}:]")


class Recording:
    """A Client that records what each task is sent (the writer takes any object with
    ``submit``): the unit of chunks, and the located starts shipped with it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.sent: list[tuple[tuple[int, ...], dict[int, Any]]] = []

    def submit(
        self, func: Any, place: Any, request: Any, unit: Any, located: Any, **kw: Any
    ) -> Any:
        self.sent.append((unit, located))
        return self.client.submit(func, place, request, unit, located, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


# --- sharding, written by the local pool ------------------------------------------------


def test_shards_must_hold_whole_chunks(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    with pytest.raises(ValueError, match=r"^shards=\(250,\) is not a whole multiple of the chunks"):
        seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, shards=250)
    with pytest.raises(ValueError, match=r"a \.npy file has no shards"):
        seedstream.RandomState(0).random_sample(
            1000, chunks=100, store=tmp_path / "s.npy", shards=200
        )
    with pytest.raises(ValueError, match="one positive length per axis"):
        seedstream.RandomState(0).random_sample(1000, chunks=100, store=path, shards=(200, 1))
    assert not path.exists() and not (tmp_path / "s.npy").exists()


def test_local_pool_writes_one_shard_per_task_and_rewrites_a_damaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seedstream._output.writer as writer

    units: list[tuple[int, ...]] = []
    lock = threading.Lock()
    real = writer.write_unit

    def spy(target: Any, unit: tuple[int, ...], located: Any) -> int:
        with lock:
            units.append(unit)
        return real(target, unit, located)

    monkeypatch.setattr(writer, "write_unit", spy)
    n, path = 2_050, tmp_path / "local.zarr"

    def call(**options: Any) -> Any:
        return seedstream.RandomState(3).standard_normal(
            (n, 2),
            chunks=(100, 2),
            store=path,
            shards=(300, 2),
            client=False,
            progress=False,
            workers=3,
            **options,
        )

    call()
    assert sorted(units) == [tuple(range(s, min(s + 3, 21))) for s in range(0, 21, 3)]
    expected = np.random.RandomState(3).standard_normal((n, 2))
    assert_same_bits(np.asarray(zarr.open_array(path, mode="r")[:]), expected)

    # A shard cut short is damaged as a whole: its chunks are reported, and rewritten
    # (zarr reads a shard before writing it: the damaged object is removed first).
    before = chunk_files(path)
    shard = path / "c" / "2" / "0"
    shard.write_bytes(shard.read_bytes()[:-100])
    info = inspect_output(path)
    assert sorted(info.damaged) == [6, 7, 8] and "shard c/2/0" in info.damaged[6]
    assert verify_output(path, None).status == "mismatch"
    units.clear()
    call()
    assert units == [(6, 7, 8)]
    assert_same_bits(np.asarray(zarr.open_array(path, mode="r")[:]), expected)
    after = chunk_files(path)
    assert after.keys() == before.keys() and after["2/0"] != before["2/0"]
    assert {k: after[k] for k in after if k != "2/0"} == {
        k: before[k] for k in before if k != "2/0"
    }
    assert verify_output(path, None).status == "ok"

    with pytest.raises(
        OutputMismatchError, match=r"stored in shards \(300, 2\), not shards=\(600, 2\)"
    ):
        seedstream.RandomState(3).standard_normal(
            (n, 2), chunks=(100, 2), store=path, shards=(600, 2), client=False
        )


def test_cli_cluster_takes_local_n(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("local:0", "local", "tcp://host:8786", "local:two"):
        code, _, err = run(capsys, "generate", tmp_path / "x.zarr", "--n", "10", "--cluster", bad)
        assert code == 2
        one_error_line(err, "expected local:N")
    assert not (tmp_path / "x.zarr").exists()


# --- the cluster writes -------------------------------------------------------------------


def test_cli_scheduler_that_does_not_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import seedstream._cli as cli
    from _s3 import free_port

    monkeypatch.setattr(cli, "SCHEDULER_TIMEOUT", 1)  # distributed waits 30 s by default
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    path = tmp_path / "x.zarr"
    code, _, err = run(capsys, "generate", path, "--n", "100", "--scheduler", address)
    assert code == 2
    one_error_line(err, f"no dask scheduler answered at {address} within 1 s: check --scheduler")
    assert not path.exists()


def test_a_killed_caller_is_resumed_by_the_same_call(client: Any, s3: S3) -> None:
    # A variable draw (located by the caller) written to S3 from another process on the
    # module's cluster; that process is SIGKILLed mid-run, and the same call here finishes the
    # output.  The bucket is versioned: each PUT of a key is a version, so a rewrite shows.
    n, chunk = 300_000, 10_000
    url = s3.bucket("killed-caller", versioned=True) + "/normal.zarr"
    options = {"store": url, "storage_options": s3.options, "progress": False}

    def stored() -> dict[str, int]:  # each chunk key: how many times it was PUT
        return s3.puts("killed-caller", "normal.zarr/c/")

    script = (
        "import json, sys, distributed, seedstream\n"
        "client = distributed.Client(sys.argv[1])\n"
        f"seedstream.RandomState(5).standard_normal({n}, chunks={chunk}, "
        "**json.loads(sys.argv[2]))\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    caller = subprocess.Popen(
        [sys.executable, "-c", script, client.scheduler.address, json.dumps(options)], env=env
    )
    try:
        wait_until(
            lambda: bool(stored()), "a chunk was written", lambda: caller.poll() is None, 0.05
        )
    finally:
        caller.kill()  # SIGKILL
        caller.wait()
    before = stored()  # what the dead caller finished (its last tasks may still land)
    assert 0 < len(before) < n // chunk
    assert not inspect_output(url, storage_options=s3.options).complete

    seedstream.RandomState(5).standard_normal(n, chunks=chunk, **options)
    stored_values = zarr.open_array(url, mode="r", storage_options=s3.options)[:]
    assert_same_bits(np.asarray(stored_values), np.random.RandomState(5).standard_normal(n))
    after = stored()
    assert len(after) == n // chunk
    assert {key: after[key] for key in before} == dict.fromkeys(before, 1)  # not rewritten
    assert verify_output(url, 4, storage_options=s3.options).status == "ok"


def test_sharded_output_one_task_per_shard(client: Any, tmp_path: Path) -> None:
    # 26 chunks (the last one short) in shards of 4 chunks: 7 shards, 7 tasks, and each task
    # sent its own chunks' located starts (randint(0, 1000) rejects: a variable draw).
    n, chunk, shard = 250_050, 10_000, 40_000
    path = tmp_path / "sharded.zarr"
    recording = Recording(client)
    with distributed.get_task_stream(client) as stream:
        seedstream.RandomState(11).randint(
            0, 1000, n, chunks=chunk, store=path, shards=shard, client=recording, progress=False
        )
    assert_stored(path, np.random.RandomState(11).randint(0, 1000, n))
    shards = [tuple(range(4 * s, min(4 * s + 4, 26))) for s in range(7)]
    assert [unit for unit, _ in recording.sent] == shards
    assert all(set(located) == set(unit) for unit, located in recording.sent)
    ran = [t["key"] for t in stream.data if str(t["key"]).startswith("seedstream-write")]
    assert len(ran) == len(set(ran)) == 7  # two tasks never wrote one shard
    assert sorted(chunk_files(path)) == [str(s) for s in range(7)]
    assert zarr.open_array(path, mode="r").shards == (shard,)
    report = verify_output(path, None)
    assert report.status == "ok" and len(report.checked) == 26


def test_local_pool_options_with_an_active_client_are_refused(client: Any, tmp_path: Path) -> None:
    for options in ({"workers": 2}, {"processes": True}):
        with pytest.raises(ValueError, match="pass client=False"):
            seedstream.RandomState(0).random_sample(
                100, chunks=10, store=tmp_path / "x.zarr", **options
            )
    with pytest.raises(ValueError, match="zarr store object"):
        seedstream.RandomState(0).random_sample(
            100, chunks=10, store=zarr.storage.MemoryStore(), progress=False
        )
    assert not (tmp_path / "x.zarr").exists()


def test_a_scheduler_set_to_threads_overrides_the_active_client(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dask

    import seedstream._output.writer as writer

    def no_cluster(*args: Any) -> None:
        raise AssertionError("the cluster wrote")

    monkeypatch.setattr(writer, "write_on_cluster", no_cluster)
    with dask.config.set(scheduler="threads"):
        out = seedstream.RandomState(2).random_sample(
            1000, chunks=100, store=tmp_path / "t.zarr", progress=False
        )
    assert_same_bits(out[:], np.random.RandomState(2).random_sample(1000))


def test_cli_generate_on_a_scheduler(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.zarr"
    address = client.scheduler.address
    argv = ("generate", path, "--n", "50000", "--chunks", "5000", "--shards", "20000")
    code, out, _ = run(capsys, *argv, "--seed", "4", "--scheduler", address)
    assert code == 0, out
    assert_stored(path, np.random.RandomState(4).random_sample(50_000))
    assert zarr.open_array(path, mode="r").shards == (20_000,)
    code, _, err = run(capsys, *argv, "--scheduler", address, "--workers", "2")
    assert code == 2
    one_error_line(err, "--workers and --processes size the local pool")


def test_bench_cluster_tiny(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    benchmarks = Path(__file__).resolve().parent.parent / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))  # it imports its sibling _timing
    spec = importlib.util.spec_from_file_location("_bench_cluster", benchmarks / "bench_cluster.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(40_000, 10_000, (2,), 2, str(tmp_path), clients={2: client}, out=None)
    assert [r["case"] for r in rows] == ["cluster 2", "threads 2"]
    assert all(r["runs"] == 2 and r["mb_per_s"] > 0 for r in rows)
    assert "cluster_over_threads" in rows[0]
    assert not list(tmp_path.iterdir())  # every output removed


def test_thirty_million_doubles_to_s3_through_the_cluster_survive_a_killed_worker(
    client: Any, s3: S3
) -> None:
    # Last of the module: the cluster is left with one worker.  The size, written
    # once to S3; a worker is SIGKILLed once chunks are landing, and dask runs its tasks again
    # on the other.
    n, chunk = 30_000_000, 2_000_000
    url = s3.bucket("thirty-million") + "/big.zarr"
    pids = client.run(os.getpid)
    outcome: dict[str, Any] = {}

    def chunks_stored() -> int:
        return len(s3.keys("thirty-million", "big.zarr/c/"))

    def write() -> None:
        try:
            seedstream.RandomState(7).random_sample(
                n, chunks=chunk, store=url, storage_options=s3.options, progress=False
            )
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_until(lambda: chunks_stored() >= 2, "two chunks were written", writer.is_alive, 0.05)
        victim = max(pids.values())
        for nanny in client.cluster.workers.values():  # no new worker in its place: the other one
            if nanny.pid == victim:  # takes its tasks (and a restart costs seconds of CPU)
                nanny.close_gracefully(reason="a test kills its worker")
        os.kill(victim, signal.SIGKILL)
        killed_mid_run = writer.is_alive() and chunks_stored() < n // chunk
    finally:
        writer.join()
    assert "error" not in outcome, outcome
    assert killed_mid_run
    assert list(client.run(os.getpid).values()) == [min(pids.values())]
    array = zarr.open_array(url, mode="r", storage_options=s3.options)
    expected = np.random.RandomState(7).random_sample(n)
    for i in range(0, n, 5 * chunk):  # read by zarr alone, a few chunks at a time
        assert_same_bits(
            np.asarray(array[i : i + 5 * chunk]), expected[i : i + 5 * chunk], f"[{i}:]"
        )
    assert inspect_output(url, storage_options=s3.options).complete
    assert set(s3.keys("thirty-million", "big.zarr/")) == {
        "big.zarr/zarr.json",
        *(f"big.zarr/c/{i}" for i in range(n // chunk)),
    }  # nothing else: no temporary object
