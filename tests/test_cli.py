"""The ``seedstream`` command line: in-process through ``main(argv)``, and as a subprocess.

Every value the CLI writes or prints is compared with numpy (or Python's
``random``) itself; verification is checked to fail, naming the chunk, on
corrupted zarr and ``.npy`` outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from _independent_jump import random_sample_at
from _outputs import one_error_line, run, stored
from seedstream import _mtfill
from seedstream._cli import parse_count
from seedstream._output import ATTRS_KEY, SIDECAR_SUFFIX

ROOT = Path(__file__).resolve().parents[1]
N, CHUNK = 10**5, 10**4  # ten chunks


def subprocess_cli(*argv: object, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedstream._cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


# --- sizes and positions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("100", 100),
        ("10_000_000_000", 10**10),
        ("1e10", 10**10),
        ("1E10", 10**10),
        ("1.5e3", 1500),
        ("2**40", 2**40),
        (" 2 ** 40 ", 2**40),
        ("1e3**2", 10**6),
        ("2**128", 2**128),
        ("1.0000000000000001e16", 10**16 + 1),  # exact: a float would round it away
        ("1" + "0" * 70, 10**70),
    ],
)
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize(
    "text",
    [
        *("1.5", "-1", "1e-3", "abc", "", "nan", "inf", "2**-1", "2**3**2", "-2**3", "0x10"),
        *("1e100000", "2**100000", "9" * 100, "__import__('os')"),
    ],
)
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_count(text)


def test_bad_size_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "generate", tmp_path / "x.zarr", "--n", "1.5")
    assert code == 2 and out == ""
    one_error_line(err, "--n", "'1.5' is not a whole number")
    assert not (tmp_path / "x.zarr").exists()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        # CPython's methods of variable consumption: the python stream's list, and the way
        (
            ["show", "--at", "0", "--stream", "python", "--method", "vonmisesvariate"],
            "getrandbits (",
        ),
        (["show", "--at", "0", "--low", "1"], "--low and --high"),
        (["show", "--at", "0", "--dtype", "float32"], "float32"),
        (["show", "--at", "0", "--stream", "sfc64"], "invalid choice"),
        (["show"], "--at"),
        (["plan", "--n", "10", "--chunks", "12XB"], "--chunks"),
        (["plan", "--n", "10", "--chunks", "0"], "--chunks"),
        (["verify", "x", "--all", "--sample", "3"], "not allowed with"),
        ([], "COMMAND"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    one_error_line(err, fragment)


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "generate", "--help")
    assert code == 0 and "--chunks" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip()


def test_one_version_source() -> None:
    """pyproject.toml takes the version from _version.py; the installed package reports it."""
    from importlib.metadata import version

    import seedstream
    from seedstream import _version

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    attr = config["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "seedstream._version.__version__"
    assert seedstream.__version__ == _version.__version__ == version("seedstream")


def test_console_script_entry_point() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["scripts"]["seedstream"] == "seedstream._cli:main"


# --- generate -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.zarr", "out.npy"])
def test_generate_equals_numpy_and_rerun_is_a_no_op(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    code, out, err = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")
    assert code == 0 and err == ""
    assert out.startswith(f"{path}: (100000,) float64 in chunks of (10000,): wrote 10 of 10 ")
    assert "GB/s" in out and len(out.splitlines()) == 1
    assert out.rstrip().endswith(f"(MT19937 core, {_mtfill.current_path()} path)")
    expected = np.random.RandomState(0).random_sample(N)
    assert stored(path).tobytes() == expected.tobytes()

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    code, out, err = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")
    assert code == 0 and err == ""
    assert "already complete, nothing written" in out
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert {p: b for p, (b, _) in after.items()} == {p: b for p, (b, _) in before.items()}
    # Data untouched.  (The library rewrites a complete .npy's sidecar on a re-run, with the
    # same bytes, so its mtime is not compared.)
    data = [p for p in files if not p.name.endswith(SIDECAR_SUFFIX)]
    assert [after[p][1] for p in data] == [before[p][1] for p in data]


def test_generate_empty(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "generate", tmp_path / "e.npy", "--n", 0)
    assert code == 0 and "wrote 0 of 0 chunks" in out
    code, out, _ = run(capsys, "generate", tmp_path / "e.npy", "--n", 0)
    assert code == 0 and "already complete, nothing written" in out
    assert run(capsys, "verify", tmp_path / "e.npy")[0] == 0


def _expected(stream: str, method: str, dtype: str, n: int, start: int) -> np.ndarray:
    total = start + n
    if stream == "legacy":
        rs = np.random.RandomState(3)
        if method == "uniform":
            return rs.uniform(-2.0, 5.0, total)[start:]
        return rs.random_sample(total)[start:]
    if stream == "python":
        r = random.Random(3)
        if method == "uniform":  # CPython's own uniform, called in a loop
            return np.array([r.uniform(-2.0, 5.0) for _ in range(total)])[start:]
        return np.array([r.random() for _ in range(total)])[start:]
    bit_generators = {"pcg64": np.random.PCG64, "philox": np.random.Philox}
    g = np.random.Generator(bit_generators.get(stream, np.random.MT19937)(3))
    if method == "uniform":
        return g.uniform(-2.0, 5.0, total)[start:]
    return g.random(total, dtype=np.dtype(dtype))[start:]


@pytest.mark.parametrize(
    ("stream", "method", "dtype"),
    [
        ("legacy", "random_sample", "float64"),
        ("legacy", "random", "float64"),
        ("legacy", "uniform", "float64"),
        ("python", "random", "float64"),
        ("python", "uniform", "float64"),
        ("pcg64", "random", "float32"),
        ("philox", "uniform", "float64"),
        ("mt19937", "random", "float64"),
    ],
)
def test_generate_streams_and_methods(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stream: str, method: str, dtype: str
) -> None:
    path = tmp_path / "out.npy"
    argv: list[object] = ["generate", path, "--n", 5000, "--chunks", 1000, "--start", 1001]
    argv += ["--seed", 3, "--stream", stream, "--method", method, "--dtype", dtype]
    if method == "uniform":
        argv += ["--low", -2, "--high", 5]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    expected = _expected(stream, method, dtype, 5000, 1001)
    assert stored(path).dtype == np.dtype(dtype)
    assert stored(path).tobytes() == expected.tobytes()


def test_generate_processes_and_compression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "out.zarr"
    argv = ["generate", path, "--n", "1e5", "--chunks", "1e4", "--compress", "lz4"]
    code, _, err = run(capsys, *argv, "--processes", "--workers", 2)
    assert code == 0, err
    assert stored(path).tobytes() == np.random.RandomState(0).random_sample(N).tobytes()
    assert zarr.open_array(path, mode="r").compressors  # compressed indeed


def test_generate_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "out.zarr"
    code, out, err = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4", "--json")
    assert code == 0 and err == ""  # no progress bar with --json
    summary = json.loads(out)
    assert summary["complete"] is True
    assert summary["shape"] == [N] and summary["chunk_shape"] == [CHUNK]
    assert summary["chunks_written"] == 10 and summary["bytes_written"] == 8 * N
    assert summary["mt19937_core"] == _mtfill.current_path()
    code, out, _ = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4", "--json")
    assert json.loads(out)["chunks_written"] == 0


def test_different_parameters_refused_then_overwritten(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "out.zarr"
    assert run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")[0] == 0
    code, out, err = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4", "--seed", 1)
    assert code == 1 and out == ""
    one_error_line(err, "holds a different draw", "--overwrite")
    assert stored(path).tobytes() == np.random.RandomState(0).random_sample(N).tobytes()

    argv = ["generate", path, "--n", "1e5", "--chunks", "1e4", "--seed", 1, "--overwrite"]
    assert run(capsys, *argv)[0] == 0
    assert stored(path).tobytes() == np.random.RandomState(1).random_sample(N).tobytes()


def test_disk_full_preflight(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=1000))
    path = tmp_path / "out.npy"
    code, out, err = run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")
    assert code == 1 and out == ""
    one_error_line(err, "needs about 781.25 KiB more", "--no-disk-check")
    argv = ["generate", path, "--n", "1e5", "--chunks", "1e4", "--no-disk-check"]
    assert run(capsys, *argv)[0] == 0


def test_progress_bar_when_stderr_is_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run(capsys, "generate", tmp_path / "a.npy", "--n", "1e5", "--chunks", "1e4")
    assert code == 0 and "100%" in err and "seedstream -> " in err
    argv = ["generate", tmp_path / "b.npy", "--n", "1e5", "--chunks", "1e4", "--json"]
    code, _, err = run(capsys, *argv)
    assert code == 0 and err == ""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_real_terminal(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 300, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:  # read while the child writes: a full pty buffer would block it
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "seedstream._cli",
                "generate",
                str(tmp_path / "x.npy"),
                "--n",
                "1e5",
                "--chunks",
                "1e4",
            ],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    bar = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    assert "seedstream -> " in bar and "100%" in bar and "B/s" in bar


# --- show ---------------------------------------------------------------------------------


def _shown(out: str) -> dict[int, str]:
    return {int(k.replace(",", "")): v for k, v in (line.split() for line in out.splitlines())}


def test_show_legacy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "--at", 0, 7, "12_345", "1e9", "1e12")
    assert code == 0 and err == ""
    values = _shown(out)
    expected = np.random.RandomState(0).random_sample(12346)
    assert values[0] == repr(float(expected[0])) == "0.5488135039273248"
    assert values[7] == repr(float(expected[7]))
    assert values[12345] == repr(float(expected[12345]))
    # np.random.seed(0); np.random.rand(n)[i] for i = 1e9, 1e12: out of numpy's reach here, so
    # from tests/_independent_jump.py (Python ints, held to numpy in test_independent_jump.py)
    assert values[10**9] == repr(random_sample_at(0, 10**9))
    assert values[10**12] == repr(random_sample_at(0, 10**12))


def test_show_pcg64_against_numpys_own_advance(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "--stream", "pcg64", "--seed", 5, "--at", "2**40", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["method"] == "random"
    # numpy's PCG64.advance is independent of seedstream's jump code
    expected = np.random.Generator(np.random.PCG64(5).advance(2**40)).random()
    assert shown["values"] == [{"position": 2**40, "value": expected}]


def test_show_uniform_float32_and_python(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["show", "--stream", "philox", "--method", "uniform", "--low", 1, "--high", 2]
    code, out, _ = run(capsys, *argv, "--at", 3, "--json")
    expected = np.random.Generator(np.random.Philox(0)).uniform(1, 2, 4)[3]
    assert code == 0 and json.loads(out)["values"][0]["value"] == expected

    code, out, _ = run(capsys, "show", "--stream", "pcg64", "--dtype", "float32", "--at", 3)
    expected32 = np.random.Generator(np.random.PCG64(0)).random(4, dtype=np.float32)[3]
    assert code == 0 and _shown(out)[3] == str(expected32)

    code, out, _ = run(capsys, "show", "--stream", "python", "--seed", 1234, "--at", 4)
    r = random.Random(1234)
    assert code == 0 and _shown(out)[4] == repr([r.random() for _ in range(5)][4])

    argv = ["show", "--stream", "python", "--method", "uniform", "--low", -2, "--high", 5]
    code, out, _ = run(capsys, *argv, "--seed", 1234, "--at", 4)
    r = random.Random(1234)
    assert code == 0 and _shown(out)[4] == repr([r.uniform(-2, 5) for _ in range(5)][4])


def test_show_json_integers_are_exact(capsys: pytest.CaptureFixture[str]) -> None:
    """Integers beyond 2**53 are printed whole, not through a float."""
    argv = ["show", "--stream", "pcg64", "--method", "integers", "--high", 2**63 - 1]
    code, out, _ = run(capsys, *argv, "--dtype", "int64", "--at", 0, 2, "--json")
    expected = np.random.default_rng(0).integers(0, 2**63 - 1, 3)
    assert code == 0
    assert [v["value"] for v in json.loads(out)["values"]] == [int(expected[0]), int(expected[2])]


def test_show_library_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "--seed", "2**40", "--at", 0)
    assert code == 1 and out == ""
    one_error_line(err, "Seed must be between 0 and 2**32 - 1")
    code, out, err = run(capsys, "show", "--method", "poisson", "--param", "lam=-1", "--at", 5)
    assert code == 1 and out == ""
    one_error_line(err, "lam < 0")  # numpy's own message
    argv = ["show", "--method", "choice", "--param", "a=5", "--param", "replace=false"]
    code, out, err = run(capsys, *argv, "--at", 5)
    assert code == 1 and out == ""
    one_error_line(err, "replace=False")


# --- plan ---------------------------------------------------------------------------------


def test_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "plan", "--n", "1e10", "--chunks", "2**24")
    assert code == 0
    assert out.startswith("seedstream plan\n") and "74.51 GiB" in out
    assert "dask" in out and "597 blocks of up to 128.00 MiB" in out

    store = tmp_path / "x.zarr"
    code, out, _ = run(capsys, "plan", "--n", "1e10", "--dtype", "float32", "--store", store)
    assert code == 0
    found = json.loads(run(capsys, "plan", "--n", "1e10", "--store", store, "--json")[1])
    assert found["mode"] == "zarr" and found["store"] == str(store)
    assert found["shape"] == [10**10] and found["nbytes"] == 8 * 10**10
    assert found["chunk_bytes"] == 128 * 2**20 and sum(found["chunks"][0]) == 10**10
    assert {"available", "source"} <= set(found["memory"])
    assert not store.exists()  # planning writes nothing


# --- verify and info ----------------------------------------------------------------------


@pytest.fixture
def zarr_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    path = tmp_path / "out.zarr"
    assert run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")[0] == 0
    return path


@pytest.fixture
def npy_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    path = tmp_path / "out.npy"
    assert run(capsys, "generate", path, "--n", "1e5", "--chunks", "1e4")[0] == 0
    return path


def test_verify_good_outputs(
    capsys: pytest.CaptureFixture[str], zarr_output: Path, npy_output: Path
) -> None:
    for path in (zarr_output, npy_output):
        code, out, _ = run(capsys, "verify", path)
        assert code == 0
        assert out == f"{path}: OK: 8 of 10 chunks regenerated and bit-for-bit equal\n"
        report = json.loads(run(capsys, "verify", path, "--all", "--json")[1])
        assert report["status"] == "ok" and report["checked"] == list(range(10))
        report = json.loads(run(capsys, "verify", path, "--sample", 2, "--json")[1])
        assert report["checked"] == [0, 9]  # the first and the last, always


def test_verify_finds_a_corrupted_zarr_chunk(
    capsys: pytest.CaptureFixture[str], zarr_output: Path
) -> None:
    chunk = zarr_output / "c" / "3"
    data = bytearray(chunk.read_bytes())
    data[8 * 17 : 8 * 18] = np.float64(0.25).tobytes()  # value 30017 changes; same length
    chunk.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", zarr_output, "--all")
    assert code == 1
    assert out.splitlines() == [
        f"{zarr_output}: MISMATCH: 1 of the 10 chunks checked differ from their record "
        "(10 chunks in all)",
        "  chunk 3 [30000:40000]: 1 of 10000 values differ, the first at [30017]",
    ]
    report = json.loads(run(capsys, "verify", zarr_output, "--all", "--json")[1])
    assert report["status"] == "mismatch"
    assert report["bad"] == [
        {"index": 3, "region": [[30000, 40000]], "differing": 1, "first": [30017], "error": None}
    ]


def test_verify_sample_always_checks_the_first_chunk(
    capsys: pytest.CaptureFixture[str], zarr_output: Path
) -> None:
    chunk = zarr_output / "c" / "0"
    chunk.write_bytes(bytes(len(chunk.read_bytes())))
    code, out, _ = run(capsys, "verify", zarr_output, "--sample", 2)
    assert code == 1 and "chunk 0 [0:10000]: 10000 of 10000 values differ" in out


def test_verify_finds_flipped_bytes_in_npy(
    capsys: pytest.CaptureFixture[str], npy_output: Path
) -> None:
    offset = np.load(npy_output, mmap_mode="r").offset
    with open(npy_output, "r+b") as f:
        f.seek(offset + 8 * 25_000)
        byte = f.read(1)
        f.seek(offset + 8 * 25_000)
        f.write(bytes([byte[0] ^ 0x01]))  # one bit of one value
    code, out, _ = run(capsys, "verify", npy_output, "--all")
    assert code == 1
    assert "  chunk 2 [20000:30000]: 1 of 10000 values differ, the first at [25000]" in out
    # A sample of the first and last chunks only cannot see chunk 2, and says how little it saw.
    code, out, _ = run(capsys, "verify", npy_output, "--sample", 2)
    assert (code, out) == (
        0,
        f"{npy_output}: OK: 2 of 10 chunks regenerated and bit-for-bit equal\n",
    )
    # The default sample is random: its verdict must follow from the chunks it reports checking.
    code, out, _ = run(capsys, "verify", npy_output, "--json")
    report = json.loads(out)
    checked = report["checked"]
    assert len(checked) == 8 and {0, 9} <= set(checked)
    assert code == (1 if 2 in checked else 0)
    assert [bad["index"] for bad in report["bad"]] == ([2] if 2 in checked else [])


def test_verify_unreadable_compressed_chunk(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "out.zarr"
    argv = ["generate", path, "--n", "1e5", "--chunks", "1e4", "--compress", "zstd"]
    assert run(capsys, *argv)[0] == 0
    chunk = path / "c" / "9"
    chunk.write_bytes(bytes(len(chunk.read_bytes())))
    code, out, err = run(capsys, "verify", path)
    assert code == 1 and err == ""
    # found in blosc's header, never handed to the decompressor (tests/test_integrity.py)
    assert "  chunk 9 [90000:100000]: damaged: its blosc header says 0 bytes" in out


def _mark_incomplete(path: Path, missing: int) -> None:
    """What an interrupted writer leaves: chunk `missing` absent, the record not complete."""
    if path.suffix == ".npy":
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        record, *done = sidecar.read_text().splitlines()
        lines = [json.dumps({**json.loads(record), "complete": False})]
        lines += [i for i in done if int(i) != missing]
        sidecar.write_text("\n".join(lines) + "\n")
    else:
        array = zarr.open_array(path, mode="r+")
        array.attrs[ATTRS_KEY] = {**array.attrs[ATTRS_KEY], "complete": False}  # type: ignore[dict-item]
        (path / "c" / str(missing)).unlink()


@pytest.mark.parametrize("kind", ["zarr", "npy"])
def test_incomplete_output_verifies_as_incomplete_and_resumes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"out.{kind}"
    generate = ["generate", path, "--n", "1e5", "--chunks", "1e4"]
    assert run(capsys, *generate)[0] == 0
    _mark_incomplete(path, 6)

    code, out, _ = run(capsys, "verify", path, "--all")
    assert code == 3
    assert out.startswith(f"{path}: INCOMPLETE: 9 of 10 chunks written, missing 6; ")
    report = json.loads(run(capsys, "verify", path, "--json")[1])
    assert report["status"] == "incomplete" and report["missing"] == [6]
    assert 6 not in report["checked"]
    code, out, _ = run(capsys, "info", path)
    assert code == 0 and "complete     no: missing 6" in out

    code, out, _ = run(capsys, *generate)
    assert code == 0 and "wrote 1 of 10 chunks" in out
    assert run(capsys, "verify", path, "--all")[0] == 0
    assert stored(path).tobytes() == np.random.RandomState(0).random_sample(N).tobytes()


def test_verify_complete_output_with_a_lost_chunk(
    capsys: pytest.CaptureFixture[str], zarr_output: Path
) -> None:
    (zarr_output / "c" / "4").unlink()
    code, out, _ = run(capsys, "verify", zarr_output, "--sample", 1)
    assert code == 1
    assert "recorded complete, but chunks are missing: 4" in out


def test_info(capsys: pytest.CaptureFixture[str], zarr_output: Path, npy_output: Path) -> None:
    code, out, _ = run(capsys, "info", zarr_output)
    assert code == 0
    rows = dict(line.split(maxsplit=1) for line in out.replace("first value", "first").splitlines())
    assert rows["path"] == f"{zarr_output} (zarr)"
    assert rows["stream"] == "MT19937"
    assert json.loads(rows["seed"]) == {"from": {"legacy": 0}, "position": 0}
    assert rows["draw"] == "RandomState.random_sample() float64"
    assert rows["shape"] == "(100000,) float64, 781.25 KiB"
    assert rows["chunks"] == "(10000,): 10 of 10 done"
    assert rows["complete"] == "yes"

    found = json.loads(run(capsys, "info", npy_output, "--json")[1])
    assert found["kind"] == "npy" and found["complete"] is True
    assert found["chunks_done"] == found["nchunks"] == 10
    assert found["shape"] == [N] and found["chunk_shape"] == [CHUNK]
    assert found["dtype"] == "float64" and found["first"] == 0
    assert found["draw"]["method"] == "random_sample"
    assert found["disk_bytes"] >= 8 * N


@pytest.mark.parametrize("command", ["info", "verify"])
def test_not_an_output(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    code, _, err = run(capsys, command, tmp_path / "missing.zarr")
    assert code == 1
    one_error_line(err, "no such file or directory", "missing.zarr")
    (tmp_path / "plain.npy").write_bytes(b"")
    code, _, err = run(capsys, command, tmp_path / "plain.npy")
    assert code == 1
    one_error_line(err, "has no seedstream record")
    (tmp_path / "dir").mkdir()
    code, _, err = run(capsys, command, tmp_path / "dir")
    assert code == 1
    one_error_line(err, "is not a zarr array")


# --- as a subprocess: exit status and stderr, no traceback ----------------------------------


def test_subprocess_errors_have_no_traceback(tmp_path: Path) -> None:
    proc = subprocess_cli("info", tmp_path / "missing.zarr")
    assert proc.returncode == 1 and proc.stdout == ""
    one_error_line(proc.stderr, "no such file or directory")

    proc = subprocess_cli("show", "--at", "1e-3")
    assert proc.returncode == 2 and proc.stdout == ""
    one_error_line(proc.stderr, "not a whole number")


def test_subprocess_generate_mismatch_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "out.npy"
    proc = subprocess_cli("generate", path, "--n", "1e5", "--chunks", "1e4")
    assert proc.returncode == 0 and proc.stderr == ""  # not a terminal: no bar
    assert stored(path).tobytes() == np.random.RandomState(0).random_sample(N).tobytes()

    proc = subprocess_cli("generate", path, "--n", "2e5", "--chunks", "1e4")
    assert proc.returncode == 1
    one_error_line(proc.stderr, "holds a different draw (differs in: shape)")

    with open(path, "r+b") as f:
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 0x80]))
    proc = subprocess_cli("verify", path, "--sample", 2)
    assert proc.returncode == 1
    assert "chunk 9 [90000:100000]: 1 of 10000 values differ, the first at [99999]" in proc.stdout


def test_closed_stdout_is_not_an_error(npy_output: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `seedstream info ... | head -0` would
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "seedstream._cli", "info", str(npy_output)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 1 and proc.stderr == ""


_P = "p=[0.25, 0.5, 0.25]"  # choice's probabilities, as a --param


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ["--method", "normal", "--loc", 1, "--scale", 2],
            lambda n: np.random.RandomState(3).normal(1.0, 2.0, n),
        ),
        (
            ["--method", "randint", "--low", -5, "--high", 7, "--dtype", "int32"],
            lambda n: np.random.RandomState(3).randint(-5, 7, n, dtype=np.int32),
        ),
        (
            ["--method", "exponential", "--scale", 3],
            lambda n: np.random.RandomState(3).exponential(3.0, n),
        ),
        (
            ["--stream", "pcg64", "--method", "integers", "--high", "1e12", "--endpoint"],
            lambda n: np.random.Generator(np.random.PCG64(3)).integers(0, 10**12, n, endpoint=True),
        ),
        (
            ["--stream", "mt19937", "--method", "normal", "--loc", 1, "--scale", 2],
            lambda n: np.random.Generator(np.random.MT19937(3)).normal(1.0, 2.0, n),
        ),
        (
            ["--stream", "philox", "--method", "standard_exponential", "--dtype", "float32"],
            lambda n: np.random.Generator(np.random.Philox(3)).standard_exponential(
                n, dtype=np.float32
            ),
        ),
        (
            ["--method", "randint", "--low", -5, "--high", 100, "--dtype", "int8"],
            lambda n: np.random.RandomState(3).randint(-5, 100, n, dtype=np.int8),
        ),
        (
            ["--stream", "pcg64", "--method", "integers", "--high", 2, "--dtype", "bool"],
            lambda n: np.random.Generator(np.random.PCG64(3)).integers(0, 2, n, dtype=bool),
        ),
        (
            ["--stream", "philox", "--method", "poisson", "--param", "lam=30"],
            lambda n: np.random.Generator(np.random.Philox(3)).poisson(30, n),
        ),
        (
            ["--method", "binomial", "--param", "n=20", "--param", "p=0.25"],
            lambda n: np.random.RandomState(3).binomial(20, 0.25, n),
        ),
        (  # choice: numpy's index draw, or with p its uniforms in the CDF
            ["--method", "choice", "--param", "a=1000"],
            lambda n: np.random.RandomState(3).choice(1000, n),
        ),
        (
            ["--stream", "pcg64", "--method", "choice", "--param", "a=3", "--param", _P],
            lambda n: np.random.default_rng(3).choice(3, n, p=json.loads(_P[2:])),
        ),
        (  # built on RandomState's cached Gaussian
            ["--method", "gamma", "--param", "shape=3", "--param", "scale=0.5"],
            lambda n: np.random.RandomState(3).gamma(3.0, 0.5, n),
        ),
        (
            [
                "--stream",
                "mt19937",
                "--method",
                "standard_gamma",
                "--param",
                "shape=0.5",
                "--dtype",
                "float32",
            ],
            lambda n: np.random.Generator(np.random.MT19937(3)).standard_gamma(
                0.5, n, dtype=np.float32
            ),
        ),
    ],
)
def test_generate_and_verify_other_distributions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[object], expected: Any
) -> None:
    path = tmp_path / "d.zarr"
    code, _, err = run(capsys, "generate", path, "--n", 6000, "--chunks", 1000, "--seed", 3, *extra)
    assert code == 0, err
    assert stored(path).tobytes() == np.asarray(expected(6000)).tobytes()
    code, out, err = run(capsys, "verify", path, "--all")
    assert code == 0 and "6 of 6" in out, (out, err)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["show", "--at", "0", "--method", "randint"], "--high"),
        (["show", "--at", "0", "--loc", "1"], "--loc"),
        (
            ["show", "--at", "0", "--method", "randint", "--high", "5", "--dtype", "float32"],
            "integer",
        ),
        (["show", "--at", "0", "--stream", "pcg64", "--endpoint"], "--endpoint"),
        (["show", "--at", "0", "--method", "poisson", "--param", "mu=3"], "lam"),
        (["show", "--at", "0", "--method", "binomial", "--param", "n=3"], "p=..."),
        (["show", "--at", "0", "--method", "poisson", "--param", "lam=x"], "not a number"),
        (["show", "--at", "0", "--method", "uniform", "--param", "lam=3"], "--param goes"),
        (["show", "--at", "0", "--method", "gamma"], "--param shape="),
        (["show", "--at", "0", "--method", "choice", "--param", "p=[1,x]"], "JSON list"),
        (["show", "--at", "0", "--method", "integers"], "not available"),
        (
            ["show", "--at", "0", "--stream", "pcg64", "--method", "normal", "--dtype", "float32"],
            "float32",
        ),
    ],
)
def test_distribution_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    one_error_line(err, fragment)


def test_demo_names_the_core_path_and_checks_it_against_numpy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from seedstream.__main__ import core_demo

    assert core_demo(0, 5001)
    out = capsys.readouterr().out
    assert f"the MT19937 core's {_mtfill.current_path()} path" in out
    assert "bit for bit equal: True" in out
