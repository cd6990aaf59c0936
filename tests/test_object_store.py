"""Outputs at a URL: S3 through a real HTTP endpoint (moto's server), ``memory://`` and ``file://``.

Every value is compared with numpy's own one-shot output, read back through
zarr alone; what a run wrote is counted on the S3 side (a versioned bucket
keeps one version per PUT).  One server for the module (tests/_s3.py).
"""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

import seedstream
from _outputs import one_error_line, run
from _s3 import S3, free_port
from seedstream import OutputMismatchError, inspect_output, verify_output
from seedstream._output import ATTRS_KEY, Place
from seedstream._output.targets import target_type

SEED = 7


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    server = S3()
    yield server
    server.stop()


def numpy_values(seed: int, n: int, start: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).random_sample(start + n)[start:]


def write(url: str, options: Any, n: int, chunks: int, **kwargs: Any) -> Any:
    seed = kwargs.pop("seed", SEED)
    return seedstream.RandomState(seed).random_sample(
        n, chunks=chunks, store=url, storage_options=options, progress=False, **kwargs
    )


def read(url: str, options: Any) -> np.ndarray:
    """The stored values, read by zarr alone."""
    return np.asarray(zarr.open_array(url, mode="r", storage_options=options)[:])


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(("chunks", "start"), [(300, 0), (128, 37)])
def test_values_are_numpys(s3: S3, chunks: int, start: int) -> None:
    bucket = f"values-{chunks}-{start}"
    url = s3.bucket(bucket) + "/x.zarr"
    n = 1000
    out = seedstream.RandomState(SEED).random_sample(
        n, chunks=chunks, start=start, store=url, storage_options=s3.options, progress=False
    )
    assert isinstance(out, zarr.Array)
    np.testing.assert_array_equal(read(url, s3.options), numpy_values(SEED, n, start))
    nchunks = -(-n // chunks)  # zarr stores edge chunks full size
    expected = {f"x.zarr/c/{i}": 8 * chunks for i in range(nchunks)}
    keys = s3.keys(bucket, "x.zarr/")
    assert {k: v for k, v in keys.items() if k != "x.zarr/zarr.json"} == expected
    info = inspect_output(url, storage_options=s3.options)
    assert info.complete and len(info.done) == nchunks and info.request.first == start
    assert info.path == url and info.disk_bytes == sum(keys.values())


# --- resume, refusal, verification --------------------------------------------------------


def test_resume_rewrites_only_the_missing_chunks_and_another_seed_is_refused(s3: S3) -> None:
    url = s3.bucket("resume", versioned=True) + "/x.zarr"
    n, chunks = 600, 100
    write(url, s3.options, n, chunks)
    for i in (2, 4):
        s3.client.delete_object(Bucket="resume", Key=f"x.zarr/c/{i}")
    lost = verify_output(url, None, storage_options=s3.options)
    assert lost.info.complete and lost.info.missing == (2, 4)  # recorded complete, lost since
    assert lost.status == "mismatch" and lost.lost == (2, 4)
    before = s3.puts("resume", "x.zarr/c/")
    write(url, s3.options, n, chunks)
    after = s3.puts("resume", "x.zarr/c/")
    rewritten = {k for k in after if after[k] != before[k]}
    assert rewritten == {"x.zarr/c/2", "x.zarr/c/4"}, (before, after)
    assert after["x.zarr/c/2"] == 2 and after["x.zarr/c/0"] == 1
    np.testing.assert_array_equal(read(url, s3.options), numpy_values(SEED, n))
    assert verify_output(url, None, storage_options=s3.options).status == "ok"
    write(url, s3.options, n, chunks)  # complete: nothing written at all
    assert s3.puts("resume", "x.zarr/") == {**after, "x.zarr/zarr.json": 3}
    with pytest.raises(OutputMismatchError, match=r"s3://resume/x\.zarr holds a different draw"):
        write(url, s3.options, n, chunks, seed=SEED + 1)
    assert s3.puts("resume", "x.zarr/") == {**after, "x.zarr/zarr.json": 3}  # nothing written


def test_verify_finds_changed_and_damaged_chunks(s3: S3) -> None:
    url = s3.bucket("verify") + "/x.zarr"
    write(url, s3.options, 400, 100)
    assert verify_output(url, None, storage_options=s3.options).status == "ok"
    changed = numpy_values(SEED, 100, 100)
    changed[5] += 1
    s3.client.put_object(Bucket="verify", Key="x.zarr/c/1", Body=changed.tobytes())
    s3.client.put_object(Bucket="verify", Key="x.zarr/c/3", Body=b"\0" * 100)  # cut short
    info = inspect_output(url, storage_options=s3.options)
    assert sorted(info.done) == [0, 1, 2] and list(info.damaged) == [3]
    report = verify_output(url, None, storage_options=s3.options)
    assert report.status == "mismatch"
    bad = {b.index: b for b in report.bad}
    assert bad[1].differing == 1 and bad[1].first == (105,)
    assert "damaged: 100 bytes where a whole chunk has 800" in str(bad[3].error)


def test_a_worker_reattaches_from_a_pickled_place(s3: S3) -> None:
    url = s3.bucket("attach") + "/x.zarr"
    write(url, s3.options, 400, 100)
    s3.client.delete_object(Bucket="attach", Key="x.zarr/c/2")
    request = inspect_output(url, storage_options=s3.options).request
    place = pickle.loads(pickle.dumps(Place(url, s3.options)))  # as a process or task gets it
    assert "testing" not in repr(place)  # credentials are not shown
    target = target_type(place).attach(place, request)
    assert target.place == place and target.path is None
    target.write(2, request.chunk_values(2))
    np.testing.assert_array_equal(read(url, s3.options), numpy_values(SEED, 400))


# --- what may be replaced -----------------------------------------------------------------


def test_overwrite_replaces_only_an_output_of_ours(s3: S3) -> None:
    root = s3.bucket("overwrite")
    foreign = root + "/foreign.zarr"
    zarr.create_array(foreign, shape=(10,), dtype="f8", storage_options=s3.options)[:] = 1.0
    kept = s3.keys("overwrite", "foreign.zarr/")
    with pytest.raises(OutputMismatchError, match="not written by seedstream") as caught:
        write(foreign, s3.options, 100, 50, overwrite=True)
    assert "s3://overwrite/foreign.zarr" in str(caught.value)
    assert s3.keys("overwrite", "foreign.zarr/") == kept
    np.testing.assert_array_equal(read(foreign, s3.options), np.ones(10))

    ours = root + "/ours.zarr"
    write(ours, s3.options, 300, 100)
    s3.client.put_object(Bucket="overwrite", Key="ours.zarr/notes.txt", Body=b"mine")
    with pytest.raises(OutputMismatchError, match=r"did not write \('notes\.txt'\)"):
        write(ours, s3.options, 300, 100, overwrite=True, seed=SEED + 1)
    s3.client.delete_object(Bucket="overwrite", Key="ours.zarr/notes.txt")
    write(ours, s3.options, 200, 50, overwrite=True, seed=SEED + 1)
    np.testing.assert_array_equal(read(ours, s3.options), numpy_values(SEED + 1, 200))
    assert len(s3.keys("overwrite", "ours.zarr/")) == 1 + 4  # zarr.json and the new chunks


# --- errors: one line naming the URL and what to check; nothing created -------------------


@pytest.mark.parametrize("case", ["missing bucket", "bad credentials", "dead endpoint"])
def test_storage_errors_are_one_clear_line(s3: S3, case: str) -> None:
    bucket = s3.bucket(f"errors-{case.split()[0]}")
    url, options = f"{bucket}/x.zarr", s3.options
    # moto checks credentials only when asked to (and then knows none of these)
    checking: Any = contextlib.nullcontext
    if case == "missing bucket":
        url, error, what = "s3://no-such-bucket/x.zarr", FileNotFoundError, "does not exist"
    elif case == "bad credentials":
        options = {**options, "key": "AKIAUNKNOWN"}
        error, what, checking = PermissionError, "access denied", s3.authenticating
    else:
        options = {**options, "endpoint_url": f"http://127.0.0.1:{free_port()}"}
        error, what = ConnectionError, "cannot reach the storage endpoint"
    with checking(), pytest.raises(error) as written:
        write(url, options, 100, 50)
    with checking(), pytest.raises(error) as inspected:  # (verify_output reads through it)
        inspect_output(url, storage_options=options)
    for message in (str(written.value), str(inspected.value)):
        assert url in message and what in message and "\n" not in message, message
        assert "check" in message or "create it" in message
    assert s3.keys(bucket.removeprefix("s3://"), "") == {}  # nothing at all was created
    assert "no-such-bucket" not in {b["Name"] for b in s3.client.list_buckets()["Buckets"]}


def test_urls_and_local_options_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="write a zarr array there"):
        write("memory://x/y.npy", None, 10, 5)
    with pytest.raises(ValueError, match="storage_options= goes with a URL"):
        write(str(tmp_path / "x.zarr"), {"anon": True}, 10, 5)
    assert not (tmp_path / "x.zarr").exists()


# --- memory:// and file:// ----------------------------------------------------------------


def test_memory_and_file_urls(tmp_path: Path) -> None:
    import fsspec

    memory = "memory://seedstream-test/x.zarr"
    try:
        write(memory, None, 500, 128, start=3)
        np.testing.assert_array_equal(read(memory, None), numpy_values(SEED, 500, 3))
        assert verify_output(memory, None).status == "ok"
        fsspec.filesystem("memory").rm("/seedstream-test/x.zarr/c/1")
        write(memory, None, 500, 128, start=3)
        np.testing.assert_array_equal(read(memory, None), numpy_values(SEED, 500, 3))
        # chunks of zeros are keys too (write_empty_chunks), so they count as done
        zeros = "memory://seedstream-test/z.zarr"
        seedstream.RandomState(0).randint(0, 1, 100, chunks=50, store=zeros, progress=False)
        assert fsspec.filesystem("memory").ls("/seedstream-test/z.zarr/c", detail=False) == [
            "/seedstream-test/z.zarr/c/0",
            "/seedstream-test/z.zarr/c/1",
        ]
        assert sorted(inspect_output(zeros).done) == [0, 1]
        # a worker process would write into its own memory: refused, never recorded complete
        lost = "memory://seedstream-test/p.zarr"
        with pytest.raises(ValueError, match="another process cannot write there"):
            write(lost, None, 100, 50, processes=True, workers=1)
        assert not inspect_output(lost).complete
        # shards= at a URL: stored in shards, and a rerun asking other shards is refused
        sharded = "memory://seedstream-test/s.zarr"
        out = write(sharded, None, 1000, 100, shards=300)
        assert out.shards == (300,) and out.chunks == (100,)
        np.testing.assert_array_equal(read(sharded, None), numpy_values(SEED, 1000))
        assert fsspec.filesystem("memory").ls("/seedstream-test/s.zarr/c", detail=False) == [
            f"/seedstream-test/s.zarr/c/{i}" for i in range(4)
        ]
        with pytest.raises(OutputMismatchError):
            write(sharded, None, 1000, 100, shards=200)
    finally:
        fsspec.filesystem("memory").rm("/seedstream-test", recursive=True)

    local = tmp_path / "f.zarr"
    url = local.as_uri()  # file:///...: the local path, with its lock and disk check
    write(url, None, 500, 200)
    meta = json.loads((local / "zarr.json").read_text())
    assert meta["attributes"][ATTRS_KEY]["complete"]
    np.testing.assert_array_equal(read(str(local), None), numpy_values(SEED, 500))
    assert inspect_output(url).path == str(local)


# --- the command line ---------------------------------------------------------------------


def test_command_line_on_a_url(s3: S3, capsys: pytest.CaptureFixture[str]) -> None:
    url = s3.bucket("cli") + "/c.zarr"
    options = [
        f"--storage-option=endpoint_url={s3.endpoint}",
        "--storage-option=key=testing",
        "--storage-option=secret=testing",
        "--storage-option=client_kwargs.region_name=us-east-1",
    ]
    # in this process (a subprocess costs 6-9 s of imports; test_cli runs one for paths)
    code, out, err = run(
        capsys, "generate", url, "--n", "1e4", "--chunks", "2500", "--seed", "3", *options,
        "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["path"] == url and summary["chunks_written"] == 4 and summary["complete"]
    np.testing.assert_array_equal(
        read(url, s3.options), np.random.RandomState(3).random_sample(10**4)
    )
    code, out, _ = run(capsys, "verify", url, "--all", *options)
    assert code == 0 and out.startswith(f"{url}: OK: 4 of 4 chunks"), out
    code, out, _ = run(capsys, "info", url, *options, "--json")
    assert code == 0 and json.loads(out)["chunks_done"] == 4
    code, _, err = run(capsys, "info", "s3://no-such-bucket/c.zarr", *options)
    assert code == 1
    one_error_line(err, "s3://no-such-bucket/c.zarr", "does not exist")
    code, _, err = run(capsys, "info", url, "--storage-option", "endpoint_url")
    assert code == 2
    one_error_line(err, "expected KEY=VALUE")
