"""The suite's sections, run in order, and the JSON document they fill.

:class:`Suite` runs the sections of ``--sections`` (jumps, the classic table,
scaling with workers, a chunk-size sweep, normals), hands their cases to a
:class:`_suite_runner.Runner`, checks each row's first and last values against
numpy's, and writes the JSON after every row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _suite_machine import machine_stamp
from _suite_report import human_bytes
from _suite_runner import Request, Runner, disk_room, numpy_fits, run_case
from _suite_settings import SECTIONS, Settings

# label, case id (in _suite_cases), call as the table shows it
METHODS: tuple[tuple[str, str, str], ...] = (
    ("numpy", "numpy", "np.random.seed(0); np.random.rand(n).mean()"),
    ("seedstream auto", "auto", "seedstream.RandomState(0).rand(n).mean()"),
    ("seedstream dask", "dask", "seedstream.RandomState(0).random_sample(n, chunks=C).mean()"),
    ("seedstream zarr", "zarr", "seedstream.RandomState(0).random_sample(n, chunks=C, store=...)"),
    (
        "dask RandomState (peer)",
        "peer-randomstate",
        "dask.array.random.RandomState(0).random_sample(n, chunks=C).mean()",
    ),
    (
        "dask default_rng (peer)",
        "peer-default_rng",
        "dask.array.random.default_rng(0).random(n, chunks=C).mean()",
    ),
)
PEERS = {"peer-randomstate", "peer-default_rng"}
PEER_NOTE = "not numpy's numbers: dask seeds every chunk on its own"
LAZY = {"dask", "peer-randomstate", "peer-default_rng"}  # (and auto, when it chooses dask)


class Suite:
    """Runs the sections, keeps every row, writes the JSON after each case."""

    def __init__(self, settings: Settings, tmp_dir: Path, command: str = "") -> None:
        self.s = settings
        self.command = command
        self.tmp_dir = tmp_dir
        self.runner = Runner(settings)
        self.rows: list[dict[str, Any]] = []
        self.references: dict[str, dict[str, Any]] = {}
        self.jump_costs: dict[str, Any] | None = None
        self.started = time.perf_counter()
        self.finished: float | None = None
        self.machine = machine_stamp(tmp_dir)
        self.json_path = settings.out / f"{settings.name}.json"

    # -- bookkeeping

    def document(self) -> dict[str, Any]:
        return {
            "title": "np.random.seed(0); np.random.rand(n), re-run with seedstream",
            "command": self.command,
            "settings": self.s.to_json(),
            "machine": self.machine,
            "methods": [{"label": m, "case": c, "call": call} for m, c, call in METHODS],
            "rows": self.rows,
            "references": self.references,
            "jump_costs": self.jump_costs,
            "calibrations": self.runner.calibrations,
            "elapsed_seconds": (self.finished or time.perf_counter()) - self.started,
        }

    def save(self) -> None:
        self.s.out.mkdir(parents=True, exist_ok=True)
        tmp = self.json_path.with_suffix(".json.part")
        tmp.write_text(json.dumps(self.document(), indent=1) + "\n")
        tmp.replace(self.json_path)

    def log(self, row: dict[str, Any]) -> None:
        elapsed = time.perf_counter() - self.started
        head = f"[{elapsed:7.1f} s] {row['section']:8s} n={row['n']:<14,} {row['method']}"
        if row.get("workers") is not None and row["section"] in ("scaling",):
            head += f" workers={row['workers']}"
        if row["section"] == "sweep":
            head += f" chunks={row['chunks']}"
        status = row["status"]
        if status in ("skipped", "error"):
            print(f"{head}: {status.upper()} {row.get('reason', '')}", flush=True)
            return
        mark = "~" if status == "extrapolated" else ""
        rss = row.get("peak_rss")
        rss_text = f", peak RSS {human_bytes(rss)}" if rss else ""
        runs = ""
        if row.get("runs", 1) > 1:
            runs = f" [{row['seconds_min']:.3f}-{row['seconds_max']:.3f}] x{row['runs']}"
        print(f"{head}: {mark}{row['seconds']:.3f} s{runs} ({status}){rss_text}", flush=True)

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.append(row)
        self.log(row)
        self.save()
        return row

    # -- references: what numpy gives at an index

    def reference(self, n: int, index: int) -> tuple[float, str]:
        """numpy's element `index` of ``np.random.seed(0); np.random.rand(n)``, and its source."""
        oneshot = self.references.get(str(n), {}).get("numpy_oneshot", {})
        if str(index) in oneshot:
            return oneshot[str(index)], "numpy one-shot"
        return random_access(index), "random access (seedstream.advance)"

    def check(self, row: dict[str, Any]) -> None:
        """Compare a row's first and last elements with numpy's."""
        if row.get("status") not in ("measured", "extrapolated") or "first" not in row:
            return
        n = row["n"]
        first_ref, first_source = self.reference(n, 0)
        last_ref, last_source = self.reference(n, row["last_index"])
        if row["case"] == "numpy":  # numpy is not its own reference: check random access
            first_ref, first_source = random_access(0), "random access (seedstream.advance)"
            last_ref = random_access(row["last_index"])
            last_source = first_source
        row["first_equal"] = row["first"] == first_ref
        row["last_equal"] = row["last"] == last_ref
        row["reference"] = first_source if first_source == last_source else last_source
        row["reference_first"], row["reference_last"] = first_ref, last_ref

    # -- sections

    def run(self) -> dict[str, Any]:
        try:
            for section in SECTIONS:
                if section in self.s.sections:
                    getattr(self, f"section_{section}")()
        finally:
            self.finished = time.perf_counter()  # one elapsed time for the JSON and the table
            self.save()
        return self.document()

    def section_jumps(self) -> None:
        result = run_case({"case": "jumps", "n": 0, "jumps": self.s.jumps}, self.runner.timeout())
        self.jump_costs = {"jumps": self.s.jumps, **result}
        if "error" not in result:
            for key in ("advance_ms", "jumped_ms"):
                self.jump_costs[key.replace("_ms", "_percentiles_ms")] = percentiles(result[key])
        p = self.jump_costs.get("advance_percentiles_ms", {})
        print(f"jump cost: seedstream.advance p50 {p.get('p50', float('nan')):.3f} ms", flush=True)
        self.save()

    def section_main(self) -> None:
        for n in self.s.sizes:
            if n > self.s.max_n:
                continue
            rows: dict[str, dict[str, Any]] = {}
            requests: list[Request] = []
            for label, case, _ in METHODS:
                request_or_row = self._main_request(label, case, n)
                if isinstance(request_or_row, Request):
                    requests.append(request_or_row)
                else:
                    rows[label] = request_or_row
            # numpy's baseline is measured with seedstream's cases, in the same rounds
            for request, measured in zip(
                requests, self.runner.measure_group(requests), strict=True
            ):
                rows[request.method] = measured
            for label, case, _ in METHODS:
                row = rows[label]
                if case == "numpy" and row["status"] == "measured":
                    ref = self.references.setdefault(str(n), {})
                    ref["numpy_oneshot"] = {"0": row["first"], str(row["last_index"]): row["last"]}
                self.check(row)
                if case in PEERS:
                    row["reproduces_numpy"] = False
                    row["note"] = "; ".join(filter(None, [PEER_NOTE, row.get("note")]))
                elif case != "numpy":
                    row["reproduces_numpy"] = True
                self.add(row)
            self._reference_summary(n)

    def _main_request(self, label: str, case: str, n: int) -> Request | dict[str, Any]:
        """What to measure for one cell of the classic table, or the row saying why not."""
        base = {"section": "main", "method": label, "case": case, "n": n}
        if case == "numpy":
            fits, why = numpy_fits(n)
            if not fits:
                return {**base, "status": "skipped", "reason": why, "mode": "ndarray"}
            return Request("main", label, case, n, "numpy", extra={"fit_reason": why})
        if case == "zarr":
            ok, why = disk_room(n, self.s.disk_budget, self.tmp_dir)
            if not ok:
                return {**base, "status": "skipped", "reason": why, "mode": "zarr"}
            store = self.tmp_dir / f"x-{n}.zarr"
            return Request("main", label, case, n, "zarr", store=store)
        key = f"{case}/{self.s.chunks}/{self.s.workers}"
        return Request("main", label, case, n, key if case in LAZY else case)

    def _reference_summary(self, n: int) -> None:
        ref = self.references.setdefault(str(n), {})
        ref["random_access"] = {"0": random_access(0), str(n - 1): random_access(n - 1)}
        oneshot = ref.get("numpy_oneshot")
        if oneshot:
            ref["random_access_equals_numpy_oneshot"] = all(
                random_access(int(i)) == v for i, v in oneshot.items()
            )
        self.save()

    def section_scaling(self) -> None:
        n = min(self.s.scaling_n, self.s.max_n)
        method = "seedstream dask"
        everyone = f"dask/{self.s.chunks}/{self.s.workers}"
        requests = [
            # without a figure for k workers: the all-workers one, as if scaling were perfect
            Request(
                "scaling",
                method,
                "dask",
                n,
                f"dask/{self.s.chunks}/{k}",
                workers=k,
                borrow=(everyone, self.s.workers / k),
            )
            for k in range(1, self.s.workers + 1)
        ]
        for row in self.runner.measure_group(requests):
            self.check(row)
            self.add(row)
        rows = [r for r in self.rows if r["section"] == "scaling" and r.get("seconds")]
        one = next((r for r in rows if r["workers"] == 1), None)
        if one is not None:
            for r in rows:
                r["speedup"] = one["seconds"] / r["seconds"]
                r["efficiency"] = r["speedup"] / r["workers"]
        self.save()

    def section_sweep(self) -> None:
        n = min(self.s.sweep_n, self.s.max_n)
        jump_p50 = None
        if self.jump_costs and "advance_percentiles_ms" in self.jump_costs:
            jump_p50 = self.jump_costs["advance_percentiles_ms"]["p50"] / 1e3
        requests = [
            Request(
                "sweep",
                "seedstream dask",
                "dask",
                n,
                f"dask/{2**e}/{self.s.workers}",
                chunks=2**e,
                extra={"exponent": e},
                borrow=(f"dask/{self.s.chunks}/{self.s.workers}", 1.0),
            )
            for e in self.s.sweep_exponents
        ]
        for row in self.runner.measure_group(requests):
            self.check(row)
            if row.get("seconds"):
                nchunks = -(-n // row["chunks"])
                row["nchunks"] = nchunks
                row["core_seconds_per_chunk"] = row["seconds"] * row["workers"] / nchunks
                if jump_p50 is not None:
                    row["jump_p50_seconds"] = jump_p50
                    row["jump_share"] = jump_p50 / row["core_seconds_per_chunk"]
            self.add(row)

    def section_normals(self) -> None:
        label = "seedstream standard_normal"
        key = f"normal/{self.s.chunks}/{self.s.workers}"
        for n in self.s.normal_sizes:
            if n > self.s.max_n:
                continue
            fits, why = numpy_fits(n)
            ours = Request("normals", label, "normal", n, key)
            if fits:
                numpys = Request(
                    "normals",
                    "numpy randn",
                    "numpy-randn",
                    n,
                    "numpy-randn",
                    extra={"fit_reason": why},
                )
                ref_row, row = self.runner.measure_group([numpys, ours])
            else:
                base = {"section": "normals", "method": "numpy randn", "case": "numpy-randn"}
                ref_row = {**base, "n": n, "status": "skipped", "reason": why, "mode": "ndarray"}
                row = self.runner.measure_group([ours])[0]
            self.add(ref_row)
            if row.get("seconds"):
                row["count_share"] = row["build_seconds"] / (
                    row["build_seconds"] + row["compute_seconds"]
                )
            if ref_row.get("status") == "measured" and row.get("first") is not None:
                row["first_equal"] = row["first"] == ref_row["first"]
                if row["last_index"] == ref_row["last_index"]:
                    row["last_equal"] = row["last"] == ref_row["last"]
                row["reference"] = "numpy one-shot"
            self.add(row)


def random_access(index: int) -> float:
    """Element `index` of ``np.random.seed(0); np.random.rand(...)``, by a jump (2 words each)."""
    import numpy as np

    from seedstream import advance

    bg = advance(np.random.RandomState(0)._bit_generator, 2 * index)
    return float(np.random.RandomState(bg).random_sample())


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    import numpy as np

    if not values_ms:
        return {}
    p50, p90, p99 = np.percentile(np.asarray(values_ms), [50, 90, 99])
    return {"p50": float(p50), "p90": float(p90), "p99": float(p99), "max": max(values_ms)}
