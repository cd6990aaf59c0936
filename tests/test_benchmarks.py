"""Smoke tests: the benchmark scripts import and run at tiny sizes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
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


def test_bench_lazy_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    results = load("bench_lazy").main(n=10_000, auto_n=10_000)
    assert not [r for r in results if "error" in r]
    by = {r["case"]: r for r in results}
    assert by["seedstream"]["value"] == pytest.approx(by["numpy"]["value"], abs=1e-12)
    assert "seedstream / dask peer time" in capsys.readouterr().out


def test_bench_store_tiny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = load("bench_store").main(n=100_000, where=str(tmp_path))
    assert not [r for r in results if "error" in r]
    assert list(tmp_path.iterdir()) == []  # everything written was deleted
    out = capsys.readouterr().out
    assert "disk sequential rate" in out and "blosc zstd" in out


def test_bench_mtfill_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    rates = load("bench_mtfill").main(log2n=12, repeat=1, sweep=True, clock="wall")
    assert all(rate > 0 for rate in rates.values())
    out = capsys.readouterr().out
    assert "numpy RandomState.random_sample(n)" in out and "streaming stores" in out
