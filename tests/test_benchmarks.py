"""Smoke tests: the benchmark scripts import and run at tiny sizes."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:  # bench_lazy.py imports its sibling _timing
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# 10**9 + 5 is the ">= 10**9 words against sequential generation": ~2 s of numpy.
@pytest.mark.parametrize("n", [0, 1, 624, 10**6 + 7, 10**9 + 5])
def test_check_long_jump_small(n: int, capsys: pytest.CaptureFixture[str]) -> None:
    status = load("check_long_jump").main(["--n", str(n), "--check", "1000"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.rstrip().endswith("PASS")


def test_check_long_jump_reports_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The check must be able to fail: an advance that is one word short.
    module = load("check_long_jump")
    real = module.advance
    monkeypatch.setattr(module, "advance", lambda bg, n: real(bg, n - 1))
    assert module.main(["--n", "5000", "--check", "100"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("FAIL")


def test_bench_advance_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    figures = load("bench_advance").main(jumps=3)
    assert figures["advance_p50_ms"] > 0 and figures["jumped_p50_ms"] > 0
    assert "ratio p50 advance / jumped" in capsys.readouterr().out


def test_bench_streams_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    rows = load("bench_streams").main(max_n=1000, repeat=1)
    assert {r["call"] for r in rows} >= {"RandomState.random_sample", "Generator(PCG64).random"}
    assert all(r["numpy_s"] > 0 and r["seedstream_s"] > 0 for r in rows)


def run_here(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([python, "-c", code])`` with `code` run in this process, stdout kept.

    bench_lazy runs each case in a fresh interpreter, a second of imports each: its smoke
    test runs the same code here instead (the fresh-process path itself is run by
    test_bench_chunks_case_runs_and_equals_numpy). sys.path and numpy's global seed are
    restored afterwards.
    """
    assert command[:2] == [sys.executable, "-c"], command
    path, seeded = list(sys.path), np.random.get_state()  # noqa: NPY002
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(command[2], "<bench_lazy case>", "exec"), {"__name__": "__case__"})
    finally:
        sys.path[:] = path
        np.random.set_state(seeded)  # noqa: NPY002
    return subprocess.CompletedProcess(command, 0, out.getvalue(), "")


def test_bench_lazy_tiny(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load("bench_lazy")
    monkeypatch.setattr(module, "subprocess", SimpleNamespace(run=run_here))  # its own calls
    results = module.main(n=10_000, auto_n=10_000, repeats=1)
    assert {r["case"] for r in results} == set(module.CASES)  # every case ran
    assert not [r for r in results if "error" in r]
    by = {r["case"]: r for r in results}
    assert by["seedstream"]["value"] == pytest.approx(by["numpy"]["value"], abs=1e-12)
    assert "seedstream / dask peer time" in capsys.readouterr().out


def test_bench_methods_tiny(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case of bench_methods runs (in this process) and makes numpy's values."""
    module = load("bench_methods")
    lazy = sys.modules["bench_lazy"]  # bench_methods runs its cases through bench_lazy's
    monkeypatch.setattr(lazy, "subprocess", SimpleNamespace(run=run_here))
    results = module.main(n=3000, repeats=1, n_python=3000)
    assert not [r for r in results if "error" in r]
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.split(" ")[0] in module.CASES]
    assert len(rows) == len(module.CASES) and all(row.endswith("True") for row in rows)


def test_bench_lazy_repeats_interleaved_and_records_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The harness, not the cases (test_bench_lazy_tiny runs those): each run is a stand-in
    # with its own time, so that medians, spreads and the order are checked, in-process.
    module = load("bench_lazy")
    clock = iter(range(1, 100))

    def run_case(name: str, n: int) -> dict[str, object]:
        seconds = float(next(clock))
        timed = {"seconds": seconds, "cpu_user_seconds": seconds / 2, "cpu_sys_seconds": 0.0}
        return {"case": name, "n": n, **timed, "minor_faults": 1, "peak_rss": 2**20, "value": 0.5}

    monkeypatch.setattr(module, "run_case", run_case)
    results = module.main(n=10_000, auto_n=10_000, normals=False, repeats=2, out=tmp_path)
    names = ["seedstream", "dask-peer", "numpy", "seedstream-auto"]
    assert [r["case"] for r in results] == names
    for position, r in enumerate(results):
        # numpy's baseline ran like every other case: twice, forwards then backwards
        assert r["runs"] == 2 and len(r["seconds_runs"]) == 2
        assert r["order"] == [[0, position], [1, len(names) - 1 - position]]
        assert r["seconds"] == pytest.approx(sum(r["seconds_runs"]) / 2)
        assert r["seconds_min"] == min(r["seconds_runs"]) <= r["seconds_max"]
        assert r["cpu_user_seconds"] >= 0 and r["minor_faults"] >= 0
    (written,) = tmp_path.glob("bench_lazy-*.json")
    document = json.loads(written.read_text())
    head = subprocess.run(
        ["git", "-C", str(BENCHMARKS), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert document["git"]["commit"] == head and isinstance(document["git"]["dirty"], bool)
    assert document["settings"]["repeats"] == 2
    assert [r["case"] for r in document["results"]] == names


def test_bench_store_tiny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = load("bench_store").main(n=100_000, where=str(tmp_path))
    assert not [r for r in results if "error" in r]
    assert list(tmp_path.iterdir()) == []  # everything written was deleted
    out = capsys.readouterr().out
    assert "disk sequential rate" in out and "blosc zstd" in out


def test_results_files_record_the_commit_the_readme_names() -> None:
    """Every results file says which code it measured, and the README names that commit."""
    readme = (BENCHMARKS.parent / "README.md").read_text()
    files = sorted((BENCHMARKS / "results").glob("*.json"))
    assert files
    for path in files:
        document = json.loads(path.read_text())
        git = document.get("git") or document["machine"]["git"]
        # files written before the commit was recorded in full hold `git describe --dirty`
        commit = git if isinstance(git, str) else git["commit"]
        assert commit, f"{path.name} does not record the commit it ran at"
        short = commit.removesuffix("-dirty")[:7]
        known = subprocess.run(
            ["git", "-C", str(BENCHMARKS), "cat-file", "-e", f"{short}^{{commit}}"],
            capture_output=True,
        )
        assert known.returncode == 0, f"{path.name}: commit {short} is not in this repository"
        assert f"`{short}`" in readme, f"the README does not say its figures are from {short}"


def test_bench_mtfill_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    rates = load("bench_mtfill").main(log2n=12, repeat=1, sweep=True, clock="wall")
    assert all(rate > 0 for rate in rates.values())
    out = capsys.readouterr().out
    assert "numpy RandomState.random_sample(n)" in out and "streaming stores" in out


def test_bench_chunks_case_runs_and_equals_numpy() -> None:
    module = load("bench_chunks")
    table = module.cases(10_000, 1_000, [12], "/tmp")
    assert set(table) == {"lazy@auto", "store@auto", "lazy@2^12", "dask-rng@2^12", "store@2^12"}
    result = load("bench_lazy").run_source("lazy@2^12", 10_000, *table["lazy@2^12"])
    expected = float(np.random.RandomState(0).random_sample(10_000).mean())
    assert result["value"] == pytest.approx(expected, abs=1e-12)


def test_bench_streams_small_calls_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    rows = load("bench_streams").small_calls(
        ("random_sample", "poisson", "bytes", "shuffle", "gauss"), repeat=1, seconds=1e-4
    )
    calls = {(r["call"], r["n"]) for r in rows}
    assert {("RandomState.random_sample", None), ("Generator.poisson", 1000)} <= calls
    assert ("RandomState.shuffle", 10) in calls and ("RandomState.shuffle", None) not in calls
    assert all(r["numpy_s"] > 0 and r["seedstream_s"] > 0 for r in rows)
    assert "small calls" in capsys.readouterr().out
