"""Smoke tests of benchmarks/suite.py: the whole suite at tiny sizes, and its harness
(benchmarks/_suite_*.py)."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import seedstream
from _independent_jump import random_sample_at

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
TINY = [
    "--sizes", "1e4", "1e5", "1e7",  # 1e7 is dropped by --max-n
    "--max-n", "1e5",
    "--chunks", "4096",
    "--max-seconds", "0",  # every row with a known rate (all of n = 1e5) runs a prefix
    "--prefix-seconds", "0.001",
    "--disk-budget", "100kB",  # zarr: 1e4 (80 kB) is written, 1e5 (800 kB) skipped
    "--scaling-n", "1e5",
    "--sweep-n", "1e5",
    "--sweep-exponents", "10", "14",
    "--normal-sizes", "1e4",
    "--jumps", "5",
    "--repeat", "1",  # one run per case keeps this fast; bench_lazy's smoke test repeats
    "--name", "smoke",
]  # fmt: skip


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the _suite_* modules import each other
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


class FirstOfEachCase:
    """Stands in for ``subprocess`` in _suite_runner: the first run of the first `fresh`
    cases starts a fresh process, as the suite always does; every other run calls the same
    ``_suite_cases.main`` in this process, saving a second or two of imports each.
    run_case reads the printed result either way; numpy's global seed is restored."""

    FRESH = 3  # cases run in a process of their own (the rest: here)

    TimeoutExpired = subprocess.TimeoutExpired

    def __init__(self, cases: ModuleType) -> None:
        self.cases = cases
        self.fresh: list[str] = []
        self.here: list[str] = []

    def run(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        case = json.loads(command[-1])["case"]
        if case not in self.fresh and case not in self.here and len(self.fresh) < self.FRESH:
            self.fresh.append(case)
            return subprocess.run(command, **kwargs)
        self.here.append(case)
        seeded, out = np.random.get_state(), io.StringIO()  # noqa: NPY002
        try:
            with contextlib.redirect_stdout(out):
                self.cases.main(command[2:])
        finally:
            np.random.set_state(seeded)  # noqa: NPY002
        return subprocess.CompletedProcess(command, 0, out.getvalue(), "")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, Path, float]:
    """One tiny run of the whole suite, shared by the tests below."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        suite = load("suite", monkeypatch)
        runner = sys.modules["_suite_runner"]  # as suite.py imported it
        processes = FirstOfEachCase(importlib.import_module("_suite_cases"))
        monkeypatch.setattr(runner, "subprocess", processes)
        out = tmp_path_factory.mktemp("results")
        scratch = tmp_path_factory.mktemp("scratch")
        t0 = time.perf_counter()
        document = suite.main([*TINY, "--out", str(out), "--tmp-dir", str(scratch)])
        # The first cases ran in a fresh process once; the rest and the repeats, here.
        assert len(processes.fresh) == FirstOfEachCase.FRESH
        assert set(processes.here) - set(processes.fresh)
        return document, out, scratch, time.perf_counter() - t0


def rows(document: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [r for r in document["rows"] if r["section"] == section]


def check_json_markdown_and_png(
    smoke: tuple[dict[str, Any], Path, Path, float],
) -> None:
    document, out, scratch, _ = smoke  # tests never assert on time
    assert sorted(p.name for p in out.iterdir()) == ["plot.png", "smoke.json", "table.md"]
    assert json.loads((out / "smoke.json").read_text())["rows"] == document["rows"]
    assert (out / "plot.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "plot.png").stat().st_size < 300_000
    assert list(scratch.iterdir()) == []  # every zarr output and temp dir was deleted
    machine = document["machine"]
    assert machine["cores"] >= 1 and machine["ram_total"] > 0 and machine["disk_free"] > 0
    assert machine["versions"]["seedstream"] == seedstream.__version__
    table = (out / "table.md").read_text()
    # The code measured: git's own HEAD, and a dirty flag that says whether it is all of it.
    head = subprocess.run(
        ["git", "-C", str(BENCHMARKS), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert machine["git"]["commit"] == head and isinstance(machine["git"]["dirty"], bool)
    assert f"Code: commit `{head[:12]}`" in table
    for label in (
        "numpy",
        "seedstream auto",
        "seedstream dask",
        "seedstream zarr",
        "dask RandomState (peer)",
        "dask default_rng (peer)",
        "## Scaling with workers",
        "## Jump cost",
        "## Chunk-size sweep",
        "## Normals: the count pass",
        "extrapolated from a prefix of",
        machine["cpu"],
    ):
        assert label in table


def check_rows(smoke: tuple[dict[str, Any], Path, Path, float]) -> None:
    document = smoke[0]
    main = rows(document, "main")
    assert not [r for r in document["rows"] if r["status"] == "error"]
    assert {r["n"] for r in main} == {10**4, 10**5}  # 1e7 > --max-n
    by = {(r["n"], r["case"]): r for r in main}
    assert len(by) == 12
    for n in (10**4, 10**5):
        for case in ("auto", "dask", "peer-randomstate", "peer-default_rng"):
            assert by[n, case]["status"] in ("measured", "extrapolated")
        for case in ("auto", "dask"):  # numpy's numbers, first and last
            assert by[n, case]["first_equal"] is True
            assert by[n, case]["last_equal"] is True
            assert by[n, case]["reproduces_numpy"] is True
        for case in ("peer-randomstate", "peer-default_rng"):  # not numpy's numbers
            assert by[n, case]["first_equal"] is False
            assert by[n, case]["reproduces_numpy"] is False
            assert "not numpy's numbers" in by[n, case]["note"]
        assert by[n, "numpy"]["first"] == 0.5488135039273248
        assert by[n, "numpy"]["first_equal"] is True  # random access agrees with numpy
        assert by[n, "dask"]["mode"] == "dask"
        assert by[n, "auto"]["mode"] == "ndarray"  # tiny: fits memory
    # n = 1e4 ran in full; seedstream's first/last were compared with numpy's one-shot.
    assert by[10**4, "dask"]["status"] == "measured"
    assert by[10**4, "dask"]["reference"] == "numpy one-shot"
    assert document["references"]["10000"]["random_access_equals_numpy_oneshot"] is True
    zarr = by[10**4, "zarr"]
    assert zarr["status"] == "measured" and zarr["first_equal"] and zarr["last_equal"]
    assert zarr["bytes_on_disk"] >= 8 * 10**4
    skipped = by[10**5, "zarr"]
    assert skipped["status"] == "skipped" and "--disk-budget" in skipped["reason"]
    # --max-seconds 0: n = 1e5 (whose rate is known from 1e4) runs a prefix, labelled.
    lazy = by[10**5, "dask"]
    assert lazy["status"] == "extrapolated"
    assert lazy["note"].startswith(
        f"extrapolated from a prefix of {lazy['prefix_values']:,} values"
    )
    assert lazy["prefix_values"] < 10**5 and lazy["prefix_values"] % 4096 == 0
    assert lazy["last_index"] == 10**5 - 1  # a lazy prefix run still checks the real last element
    eager = by[10**5, "numpy"]
    assert eager["status"] == "extrapolated" and eager["last_index"] == eager["prefix_values"] - 1
    assert eager["peak_rss"] > eager["peak_rss_measured"]  # estimated for the full array


def check_other_sections(smoke: tuple[dict[str, Any], Path, Path, float]) -> None:
    document = smoke[0]
    scaling = rows(document, "scaling")
    assert [r["workers"] for r in scaling] == list(range(1, document["settings"]["workers"] + 1))
    assert scaling[0]["speedup"] == pytest.approx(1.0)
    assert all(r["first_equal"] and r["last_equal"] for r in scaling)
    jumps = document["jump_costs"]
    assert len(jumps["advance_ms"]) == 5 and set(jumps["advance_percentiles_ms"]) == {
        "p50",
        "p90",
        "p99",
        "max",
    }
    sweep = rows(document, "sweep")
    assert [r["chunks"] for r in sweep] == [2**10, 2**14]
    assert all(r["jump_share"] > 0 for r in sweep)
    normals = {r["case"]: r for r in rows(document, "normals")}
    assert normals["numpy-randn"]["status"] == "measured"
    normal = normals["normal"]
    assert normal["first_equal"] and normal["last_equal"]
    assert 0 < normal["count_share"] < 1


def check_render_redraws_from_json(
    smoke: tuple[dict[str, Any], Path, Path, float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, out, _, _ = smoke
    suite = load("suite", monkeypatch)
    suite.main(["--render", str(out / "smoke.json"), "--out", str(tmp_path)])
    assert (tmp_path / "table.md").read_text() == (out / "table.md").read_text()
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")


def test_suite_smoke(
    smoke: tuple[dict[str, Any], Path, Path, float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The checks of one tiny run, in one test: pytest-xdist gives a test to one worker, so
    the run (half a minute) is made once, not once per worker that holds one of them."""
    check_json_markdown_and_png(smoke)
    check_rows(smoke)
    check_other_sections(smoke)
    check_render_redraws_from_json(smoke, tmp_path, monkeypatch)


def test_failing_case_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = load("_suite_runner", monkeypatch)
    result = runner.run_case({"case": "no-such-case", "n": 1}, timeout=60)
    assert "KeyError" in result["error"] and "no-such-case" in result["error"]
    slow = runner.run_case({"case": "jumps", "n": 0, "jumps": 10**6}, timeout=0.5)  # ~30 min
    assert slow == {"error": "timed out after 0.5 s (killed)"}


def test_numpy_fits_uses_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = load("_suite_runner", monkeypatch)
    room = seedstream.MemoryReading(16 * 10**9, "injected")
    fits, _ = runner.numpy_fits(10**9, room)  # 8 GB within half of 16 GB
    assert fits
    fits, why = runner.numpy_fits(10**10, room)
    assert not fits
    assert "80.00 GB" in why and "8.00 GB" in why and "injected" in why


def test_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    settings, sections = load("_suite_settings", monkeypatch), load("_suite_sections", monkeypatch)
    assert settings.parse_count("1e12") == 10**12
    assert settings.parse_count("2**24") == 2**24
    assert settings.parse_bytes("20GB") == 20 * 10**9
    with pytest.raises(Exception, match="integer"):
        settings.parse_count("1.5")
    # element 1e12 from tests/_independent_jump.py (Python ints, held to numpy there)
    assert sections.random_access(10**12) == random_sample_at(0, 10**12)
    assert sections.random_access(3) == np.random.RandomState(0).random_sample(4)[3]


@pytest.mark.parametrize("prefix", [None, 2**21])
def test_auto_case_in_dask_mode(monkeypatch: pytest.MonkeyPatch, prefix: int | None) -> None:
    # Past 64 MiB, and with a budget of almost nothing, auto mode chooses dask.
    monkeypatch.setenv("SEEDSTREAM_MEMORY_FRACTION", "1e-9")
    runner, sections = load("_suite_runner", monkeypatch), load("_suite_sections", monkeypatch)
    n = 2**23 + 2**20
    spec = {"case": "auto", "n": n, "prefix": prefix, "head": 2**20, "chunks": 2**20}
    result = runner.run_case({**spec, "workers": 1}, timeout=60)
    assert "error" not in result, result
    assert result["mode"] == result["planned_mode"] == "dask"
    assert any(w.startswith("LazyResultWarning") for w in result["warnings"])
    assert result["first"] == sections.random_access(0)
    assert result["last"] == sections.random_access(n - 1) and result["last_index"] == n - 1
    if prefix is not None:
        assert (result["fixed_values"], result["scaled_values"]) == (2**20, prefix - 2**20)
