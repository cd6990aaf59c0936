"""Measuring cases within the budgets: one case in a fresh process, a group in rounds.

:func:`run_case` runs one case of ``_suite_cases.py`` in its own process.  A
:class:`Runner` measures a group of :class:`Request` s ``--repeat`` times,
interleaved: it predicts each case's time from the last rate of its key (or a
borrowed one, or a calibration run), runs a timed prefix instead of a case
predicted past ``--max-seconds``, and makes each row of the runs' medians, a
prefix's figures extrapolated and explained.  :func:`numpy_fits` and
:func:`disk_room` decide what is not run at all.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _timing
from _suite_report import human_bytes
from _suite_settings import Settings

HERE = Path(__file__).resolve().parent
CASES_SCRIPT = HERE / "_suite_cases.py"
MARK = "SUITE-RESULT "
# Below this many values, a case with no rate yet just runs; above it, a small
# calibration run comes first, so that a huge case is never started blind.
CALIBRATION_N = 10**7


def run_case(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one case in a fresh process; a failure comes back as ``{"error": ...}``."""
    command = [sys.executable, str(CASES_SCRIPT), json.dumps(spec)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s (killed)"}
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        stderr = done.stderr.strip()
        last = stderr.splitlines()[-1] if stderr else f"exit status {done.returncode}"
        if done.returncode < 0:
            last = f"killed by signal {-done.returncode}: {last}"
        return {"error": last, "stderr_tail": stderr[-2000:]}
    result: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    return result


def numpy_fits(n: int, memory: Any = None) -> tuple[bool, str]:
    """Whether numpy's ``rand(n)`` fits this machine, by ``seedstream.plan``; and why.

    `memory` (a ``seedstream.MemoryReading``) replaces the machine's, for what-ifs.
    """
    import seedstream

    decided = seedstream.plan(n, memory=memory)
    need, budget = decided.nbytes, decided.budget
    why = (
        f"numpy would need {human_bytes(need)} for {n:,} doubles; seedstream.plan's budget is "
        f"{human_bytes(budget)} ({decided.fraction:g} of {human_bytes(decided.memory.available)} "
        f"available, from {decided.memory.source})"
    )
    return decided.mode == "ndarray", why


def disk_room(n: int, budget: int, where: Path) -> tuple[bool, str]:
    """Whether a zarr output of `n` doubles fits ``--disk-budget`` and the free space."""
    need = 8 * n
    free = shutil.disk_usage(where).free
    if need > budget:
        return False, (
            f"needs {human_bytes(need)} on disk, more than --disk-budget {human_bytes(budget)}"
        )
    margin = max(2**30, free // 20)  # leave others room to work
    if need > free - margin:
        return False, f"needs {human_bytes(need)} on disk; {human_bytes(free)} free at {where}"
    return True, ""


def _disk_usage(path: Path) -> int:
    if not path.exists():
        return 0
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_blocks * 512 for p in files)


@dataclasses.dataclass
class Rates:
    """The latest (n, seconds) measured per rate key, to predict a larger case linearly."""

    seen: dict[str, tuple[int, float]] = dataclasses.field(default_factory=dict)

    def record(self, key: str, n: int, seconds: float) -> None:
        if seconds > 0:
            self.seen[key] = (n, seconds)

    def predict(self, key: str, n: int) -> float | None:
        if key not in self.seen:
            return None
        n0, seconds = self.seen[key]
        return seconds * n / n0


@dataclasses.dataclass(frozen=True)
class Request:
    """One case to measure: what :meth:`Runner.measure_group` runs, repeated."""

    section: str
    method: str
    case: str
    n: int
    rate_key: str
    chunks: int | None = None
    workers: int | None = None
    store: Path | None = None
    extra: dict[str, Any] | None = None
    borrow: tuple[str, float] | None = None


# Figures of one run whose median (with min and max) makes the row's figure.
RUN_FIGURES = (
    "seconds",
    "fixed_seconds",
    "scaled_seconds",
    "build_seconds",
    "compute_seconds",
    "cpu_user_seconds",
    "cpu_sys_seconds",
    "minor_faults",
)


class Runner:
    """Predicts, plans and runs requests; keeps the rates and the calibration runs."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.rates = Rates()
        self.calibrations: list[dict[str, Any]] = []

    def timeout(self) -> float:
        return 4 * self.s.max_seconds + 60

    def prefix_for(
        self, n: int, predicted: float | None, chunks: int, workers: int
    ) -> tuple[int, int] | None:
        """(values, head) to compute instead of `n` when the prediction exceeds --max-seconds.

        The head (one chunk per worker) is timed on its own and not scaled: a
        lazy array's first compute carries one-off costs (about 0.6 s for a
        graph of 60,000 blocks here) that scaling would multiply.
        """
        if predicted is None or predicted <= self.s.max_seconds:
            return None
        target = min(self.s.prefix_seconds, self.s.max_seconds / 2)
        rate = n / predicted
        body = max(2 * workers, math.ceil(rate * target / chunks))  # keep every worker busy
        k = (workers + body) * chunks
        return (k, workers * chunks) if k < n else None

    def measure_group(self, requests: Sequence[Request]) -> list[dict[str, Any]]:
        """Run every request ``--repeat`` times, interleaved; return their rows, in order.

        Each request's time is predicted once, before the first round, from its
        ``rate_key``'s last figure or, failing that, from ``borrow`` (another key,
        and a factor for the time), or from a calibration run; the prediction
        decides whether it runs in full or a prefix, the same in every round.
        The rounds alternate forwards and backwards (``_timing.interleave``), so
        that no request always runs right after a large one (see ``_timing``);
        each row's time is the median of its runs, with their minimum and maximum.
        """
        plans = [self._plan(request) for request in requests]
        names = [str(i) for i in range(len(plans))]
        runs = _timing.interleave(names, self.s.repeats, lambda i: self._run(plans[int(i)]))
        return [self._row(plan, runs[name]) for plan, name in zip(plans, names, strict=True)]

    def _plan(self, request: Request) -> dict[str, Any]:
        """The row's fixed fields, the prediction and the spec every run of `request` uses."""
        chunks = request.chunks or self.s.chunks
        workers = request.workers or self.s.workers
        n, case = request.n, request.case
        row: dict[str, Any] = {
            "section": request.section,
            "method": request.method,
            "case": case,
            "n": n,
            "chunks": chunks,
            "workers": workers,
            **(request.extra or {}),
        }
        predicted = self._predict(
            case, n, request.rate_key, chunks, workers, request.store, request.borrow
        )
        planned = self.prefix_for(n, predicted, chunks, workers)
        prefix, head = planned if planned is not None else (None, 0)
        spec = {
            "case": case,
            "n": n,
            "prefix": prefix,
            "head": head,
            "chunks": chunks,
            "workers": workers,
        }
        if request.store is not None:
            spec["store"] = str(request.store)
        row["predicted_seconds"] = predicted
        return {"request": request, "row": row, "spec": spec, "prefix": prefix}

    def _run(self, plan: dict[str, Any]) -> dict[str, Any]:
        """One run of a planned case; its ``seconds`` scaled to the full request."""
        store = plan["request"].store
        try:
            result = run_case(plan["spec"], self.timeout())
            if store is not None:
                result["bytes_on_disk"] = _disk_usage(store)
        finally:
            if store is not None:
                shutil.rmtree(store, ignore_errors=True)
        if "error" not in result:
            n = plan["spec"]["n"]
            factor = (n - result["fixed_values"]) / result["scaled_values"]
            result["seconds"] = result["fixed_seconds"] + result["scaled_seconds"] * factor
        return result

    def _row(self, plan: dict[str, Any], runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """A request's row from its runs: medians and spreads, the prefix explained."""
        row: dict[str, Any] = plan["row"]
        prefix, n, chunks = plan["prefix"], row["n"], row["chunks"]
        result = _timing.combine(runs, RUN_FIGURES)
        if "error" in result:
            row.update(
                status="error",
                reason=result["error"],
                stderr_tail=result.get("stderr_tail"),
                runs=result["runs"],
                failed_runs=result["failed_runs"],
            )
            return row
        row.update(result)
        fixed, scaled = result["fixed_seconds"], result["scaled_seconds"]
        fixed_values, scaled_values = result["fixed_values"], result["scaled_values"]
        factor = (n - fixed_values) / scaled_values
        seconds = result["seconds"]
        row["values_per_second"] = n / seconds if seconds > 0 else None
        row["gb_per_second"] = 8 * n / seconds / 1e9 if seconds > 0 else None
        if prefix is None:
            row["status"] = "measured"
        else:
            row["status"] = "extrapolated"
            row["prefix_values"] = prefix
            row["prefix_run_seconds"] = fixed + scaled
            lazy = result["mode"] == "dask" and row["case"] != "normal"  # graph built at full size
            if fixed_values:
                fixed_text = f"{fixed:.3g} s (graph, then the first {fixed_values:,} values)"
            elif lazy:
                fixed_text = f"{fixed:.3g} s (graph)"
            else:
                fixed_text = f"{fixed:.3g} s"
            how = (
                f"extrapolated from a prefix of {prefix:,} values "
                f"({prefix // chunks:,} of {-(-n // chunks):,} chunks"
                + ("; full-size graph built" if lazy else "")
                + f"): {fixed_text} + {scaled:.3g} s for {scaled_values:,} values"
                f" x {factor:,.1f}"
            )
            row["note"] = how
            if result["mode"] == "ndarray":
                row["peak_rss_measured"] = row["peak_rss"]
                row["peak_rss"] = row["peak_rss"] + 8 * (n - prefix)
                row["peak_rss_note"] = "estimated: prefix run's peak + 8 bytes per value not drawn"
            if "bytes_on_disk" in row:
                row["bytes_on_disk_measured"] = row["bytes_on_disk"]
                row["bytes_on_disk"] = round(row["bytes_on_disk"] * n / prefix)
        self.rates.record(self._key(plan["request"].rate_key, row), n, seconds)
        return row

    def _key(self, rate_key: str, row: dict[str, Any]) -> str:
        # auto mode's speed depends on the mode it chose
        return f"{rate_key}:{row['mode']}" if row["case"] == "auto" else rate_key

    def _predict(
        self,
        case: str,
        n: int,
        rate_key: str,
        chunks: int,
        workers: int,
        store: Path | None,
        borrow: tuple[str, float] | None,
    ) -> float | None:
        if case == "auto":
            import seedstream

            mode = seedstream.plan(n).mode
            rate_key = f"{rate_key}:{mode}"
            if mode == "dask":  # auto's dask mode is the dask case with dask's default chunks
                borrow = (f"dask/{chunks}/{workers}", 1.0)
                case = "dask"
        predicted = self.rates.predict(rate_key, n)
        if predicted is None and borrow is not None:
            borrowed = self.rates.predict(borrow[0], n)
            predicted = None if borrowed is None else borrowed * borrow[1]
        if predicted is not None or n <= CALIBRATION_N:
            return predicted
        # No rate yet for a large case: calibrate on a small one first.
        small = CALIBRATION_N
        spec: dict[str, Any] = {
            "case": case,
            "n": small,
            "prefix": None,
            "chunks": min(chunks, small),
            "workers": workers,
        }
        if store is not None:
            spec["store"] = str(store)
        try:
            result = run_case(spec, self.timeout())
        finally:
            if store is not None:
                shutil.rmtree(store, ignore_errors=True)
        self.calibrations.append({"rate_key": rate_key, "spec": spec, "result": result})
        if "error" in result:
            return None
        seconds = result["fixed_seconds"] + result["scaled_seconds"]
        self.rates.record(rate_key, small, seconds)
        return self.rates.predict(rate_key, n)
