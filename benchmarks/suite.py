"""The classic seed table: ``np.random.seed(0); np.random.rand(n)`` re-run with seedstream.

    python benchmarks/suite.py [--max-n 1e12] [--max-seconds 120] [--disk-budget 20GB] ...
    make suite SUITE_ARGS="--max-n 1e10"

For n = 10**6, 10**7, 10**8, 10**9, 10**10, 10**12 (``--sizes``), one after the
other, each case in a fresh Python process (``benchmarks/_suite_cases.py``), every
case at one n ``--repeat`` times (default 4) in rounds whose order alternates
forwards and backwards, numpy's baseline with the others (``benchmarks/_timing.py``:
a fixed order let a case that followed a large one reuse the memory just freed,
and seedstream's ndarray mode, numpy's own call, came out faster than numpy):

``numpy``
    ``np.random.seed(0); np.random.rand(n).mean()`` -- only where it fits: the
    decision is ``seedstream.plan(n)`` on ``seedstream.read_memory()`` (the
    bytes numpy would need against half of what is available); otherwise the
    row is skipped with those figures, and nothing is allocated.
``seedstream auto``
    ``seedstream.RandomState(0).rand(n).mean()``: seedstream chooses an ndarray
    or a lazy dask array (the ``mode`` column says which).
``seedstream dask``
    ``seedstream.RandomState(0).random_sample(n, chunks=2**24).mean()``, threaded.
``seedstream zarr``
    ``seedstream.RandomState(0).random_sample(n, chunks=2**24, store=TMP/x.zarr)``
    then an fsync of every file it wrote; deleted right after the case.  TMP is a
    ``tmp-suite-*`` folder in ``--tmp-dir`` (default ``--out``: real disk, where
    /tmp may be RAM; the stamp records the filesystem).  Skipped beyond
    ``--disk-budget`` or the free space (less a margin).
``dask RandomState (peer)``, ``dask default_rng (peer)``
    ``dask.array.random.RandomState(0).random_sample(n, chunks=2**24).mean()`` and
    ``dask.array.random.default_rng(0).random(n, chunks=2**24).mean()``: the
    usual way to draw this much, which does *not* give numpy's numbers (dask
    seeds every chunk on its own); their first/last columns show it.

Columns of the table (``table.md``; raw figures in the JSON):

- ``mode``: how the values were delivered -- ``ndarray``, ``dask`` or ``zarr``.
- ``time``: wall seconds of the call and its reduction (``.mean()``; for zarr
  the write and the fsync), in a fresh process; imports and dask's first-compute
  warm-up are excluded, seedstream's first-jump costs are not.  The median of
  the runs, with their minimum and maximum; the JSON also has every run's figure
  and the CPU seconds (user, system) and minor page faults of the case.  A ``~``
  marks a figure *extrapolated from a prefix* (see below).
- ``values/s``, ``GB/s``: n over that time; GB/s counts 8 bytes per double, 10**9 bytes per GB.
- ``peak RSS``: ``ru_maxrss`` of the case's own process (interpreter and
  imports included).  For a prefix run of a lazy array the full-size graph
  is built, so its memory is included; for an in-memory prefix run it is
  estimated as the prefix's peak plus 8 bytes per value not drawn.
- ``on disk``: bytes the output occupies (allocated blocks), before deletion.
- ``first = numpy``, ``last = numpy``: elements 0 and n - 1 compared with numpy's,
  bit for bit.  numpy's reference is its one-shot output where the numpy row
  ran in full at that n, otherwise random access:
  ``seedstream.advance(np.random.RandomState(0)._bit_generator, 2 * i)`` then
  ``np.random.RandomState(bg).random_sample()``.  Lazy arrays compute their
  real last element even in a prefix run; an in-memory or zarr prefix run
  checks its own last element (index in the JSON).
- ``notes``: why a row was skipped, the error of a failed case (failures are
  recorded, never hidden), or how a figure was extrapolated.

Budgets.  ``--max-n`` drops larger sizes.  Before each case the suite predicts
its time from the same method's previous (smaller) size, linearly; a case whose
prediction exceeds ``--max-seconds`` runs a *timed prefix* instead -- the first K
values (whole chunks, about ``--prefix-seconds`` of work) -- and its time is
extrapolated linearly, labelled "extrapolated from a prefix of K values".  For a
lazy array the full-size graph is built (timed, not scaled), one chunk per
worker is computed on its own (timed, not scaled: it carries the one-off costs
of a first compute), and the time of the remaining prefix chunks is scaled to the
rest of n.  In-memory and zarr cases draw K values and scale their whole time
by n / K.  A case still running after 4 * max-seconds + 60 s is killed and
recorded as an error.

One round of the defaults fits a 2-core, 25 GB machine in about 4 minutes (the
default four rounds in about 16; ``--repeat 2`` halves that):
everything up to 10**10 runs for real except what does not fit -- numpy (and
normals' numpy) beyond half the available memory, zarr beyond 20 GB -- and the
10**12 row runs a ~5 s prefix per lazy method.  On a 64 GB / 16-core
workstation, ``--max-seconds 3600 --disk-budget 200GB`` runs every row for real
that the machine can hold: all lazy rows including 10**12 (minutes each at
16 cores), zarr up to 10**10 (80 GB), numpy up to 10**9 (10**10 needs 80 GB).

Other sections, in the same run: scaling with dask workers 1..cores at fixed n
(``--scaling-n``); the distribution of jump costs (``--jumps`` advances to random
positions below 2**64, next to numpy's ``MT19937.jumped()``); a chunk-size sweep
at fixed n (``--sweep-n``, ``--sweep-exponents``) setting the core time per chunk
against the jump cost; and normals (``--normal-sizes``):
``seedstream.RandomState(0).standard_normal(n, chunks=2**24)`` whose build is the
count pass, next to ``np.random.seed(0); np.random.randn(n).mean()`` where it fits.

Output, in ``--out`` (default ``benchmarks/results``): ``<name>.json`` (every raw
figure, the machine stamp and the git commit measured, with whether the tree was
dirty), ``table.md`` and ``plot.png`` (time and peak
RSS against n, log-log; hollow markers are extrapolated), each stamped with
the machine.  ``--render FILE.json`` redraws the table and plot from a JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import _suite_report
import _timing

HERE = Path(__file__).resolve().parent
CASES_SCRIPT = HERE / "_suite_cases.py"
MARK = "SUITE-RESULT "
SIZES = (10**6, 10**7, 10**8, 10**9, 10**10, 10**12)

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

# Below this many values, a case with no rate yet just runs; above it, a small
# calibration run comes first, so that a huge case is never started blind.
CALIBRATION_N = 10**7
SECTIONS = ("jumps", "main", "scaling", "sweep", "normals")


# --- parsing ---------------------------------------------------------------------------------


def parse_count(text: str) -> int:
    """A count written as ``1000000``, ``1e6``, ``1_000`` or ``2**24``.

    >>> parse_count("1e12"), parse_count("2**24"), parse_count("1_000")
    (1000000000000, 16777216, 1000)
    """
    text = text.strip().replace("_", "")
    if "**" in text:
        base, exp = (int(part) for part in text.split("**", 1))
        if base < 0 or exp < 0:
            raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
        return int(base**exp)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a count: {text!r}") from None
    if value != value.to_integral_value() or value < 0:
        raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
    return int(value)


def parse_bytes(text: str) -> int:
    """``"20GB"``, ``"500MiB"`` or a plain number of bytes (dask's parser)."""
    from dask.utils import parse_bytes as dask_parse_bytes

    try:
        return int(dask_parse_bytes(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@dataclasses.dataclass(frozen=True)
class Settings:
    """What one run of the suite does; every field is a command-line flag."""

    sizes: tuple[int, ...]
    max_n: int
    max_seconds: float
    prefix_seconds: float
    disk_budget: int
    chunks: int
    workers: int
    scaling_n: int
    sweep_n: int
    sweep_exponents: tuple[int, ...]
    normal_sizes: tuple[int, ...]
    jumps: int
    sections: tuple[str, ...]
    out: Path
    name: str
    tmp_dir: Path | None
    repeats: int = _timing.REPEATS

    def to_json(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw["out"] = str(self.out)
        raw["tmp_dir"] = None if self.tmp_dir is None else str(self.tmp_dir)
        return raw


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except the ``None`` ones (whose help says what happens)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    cores = _cores()
    p = argparse.ArgumentParser(
        prog="python benchmarks/suite.py",
        description="np.random.seed(0); np.random.rand(n) re-run with seedstream, measured.",
        formatter_class=_Help,
    )
    count = parse_count
    p.add_argument("--sizes", type=count, nargs="+", default=list(SIZES), help="values per row")
    p.add_argument("--max-n", type=count, default=10**12, help="skip sizes above this")
    p.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="per case: a case predicted to take longer runs a timed prefix and is extrapolated",
    )
    p.add_argument(
        "--prefix-seconds", type=float, default=5.0, help="about how long a prefix run computes"
    )
    p.add_argument(
        "--disk-budget",
        type=parse_bytes,
        default="20GB",
        help="largest zarr output to write (also capped by the free space)",
    )
    p.add_argument("--chunks", type=count, default=2**24, help="values per dask/zarr chunk")
    p.add_argument("--workers", type=int, default=cores, help="dask threads (num_workers)")
    p.add_argument("--scaling-n", type=count, default=10**9, help="n of the worker scaling")
    p.add_argument("--sweep-n", type=count, default=2**28, help="n of the chunk-size sweep")
    p.add_argument(
        "--sweep-exponents",
        type=int,
        nargs="+",
        default=[16, 18, 20, 22, 24, 26],
        help="chunk sizes of the sweep, as powers of two",
    )
    p.add_argument(
        "--normal-sizes",
        type=count,
        nargs="+",
        default=[10**6, 10**7, 10**8, 10**9],
        help="n of the standard_normal rows",
    )
    p.add_argument("--jumps", type=int, default=300, help="jumps timed for the cost distribution")
    p.add_argument(
        "--repeat",
        type=int,
        default=_timing.REPEATS,
        help="runs of every case, in rounds alternating forwards and backwards; "
        "each figure is their median (even numbers balance the order)",
    )
    p.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    p.add_argument("--out", type=Path, default=HERE / "results", help="where results go")
    p.add_argument("--name", default=None, help="JSON file name (default: suite-<UTC timestamp>)")
    p.add_argument(
        "--tmp-dir",
        type=Path,
        default=None,
        help="where zarr outputs are written, in a tmp-* folder deleted afterwards "
        "(default: --out, on real disk; /tmp may be RAM)",
    )
    p.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="JSON",
        help="measure nothing: redraw table.md and plot.png in --out from this JSON",
    )
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    sections = tuple(s.strip() for s in args.sections.split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Settings(
        sizes=tuple(sorted(set(args.sizes))),
        max_n=args.max_n,
        max_seconds=args.max_seconds,
        prefix_seconds=args.prefix_seconds,
        disk_budget=args.disk_budget,
        chunks=args.chunks,
        workers=max(1, args.workers),
        scaling_n=args.scaling_n,
        sweep_n=args.sweep_n,
        sweep_exponents=tuple(args.sweep_exponents),
        normal_sizes=tuple(sorted(set(args.normal_sizes))),
        jumps=args.jumps,
        sections=sections,
        out=args.out,
        name=args.name or f"suite-{stamp}",
        tmp_dir=args.tmp_dir,
        repeats=args.repeat,
    )


# --- the machine -----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _filesystem(path: Path) -> str | None:
    """The type of the filesystem holding `path` (``ext4``, ``tmpfs``, ...), if psutil knows."""
    import psutil

    resolved = str(path.resolve())
    best = None
    for part in psutil.disk_partitions(all=True):
        mount = part.mountpoint.rstrip("/") or "/"
        inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
        if inside and (best is None or len(mount) > len(best[0])):
            best = (mount, part.fstype)
    return None if best is None else best[1]


def machine_stamp(tmp_dir: Path) -> dict[str, Any]:
    """Cores, memory, disk, CPU, OS, versions and date: what the figures depend on."""
    import psutil

    import seedstream

    memory = seedstream.read_memory()
    kernel = None
    try:
        from seedstream import _kernel

        kernel = _kernel.select_path("best")
    except (ImportError, AttributeError, ValueError):
        pass
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": _cores(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_total": int(psutil.virtual_memory().total),
        "ram_available": int(memory.available),
        "ram_available_source": memory.source,
        "disk_free": int(shutil.disk_usage(tmp_dir).free),
        "disk_path": str(tmp_dir),
        "disk_filesystem": _filesystem(tmp_dir),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name) for name in ("numpy", "dask", "zarr", "seedstream", "psutil")
        },
        "seedstream_kernel": kernel,
        "git": _timing.git_state(HERE),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# --- running one case ------------------------------------------------------------------------


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


def human_bytes(n: float) -> str:
    """Decimal units, as disks and the brief count them.

    >>> human_bytes(8 * 10**9), human_bytes(1536)
    ('8.00 GB', '1.54 kB')
    """
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n:.0f} B"


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
    """One case to measure: what :meth:`Suite.measure_group` runs, repeated."""

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


class Suite:
    """Runs the sections, keeps every row, writes the JSON after each case."""

    def __init__(self, settings: Settings, tmp_dir: Path, command: str = "") -> None:
        self.s = settings
        self.command = command
        self.tmp_dir = tmp_dir
        self.rates = Rates()
        self.rows: list[dict[str, Any]] = []
        self.calibrations: list[dict[str, Any]] = []
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
            "calibrations": self.calibrations,
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

    # -- one case, with prediction, prefix and extrapolation

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
        result = run_case({"case": "jumps", "n": 0, "jumps": self.s.jumps}, self.timeout())
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
            for request, measured in zip(requests, self.measure_group(requests), strict=True):
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
        for row in self.measure_group(requests):
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
        for row in self.measure_group(requests):
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
                ref_row, row = self.measure_group([numpys, ours])
            else:
                base = {"section": "normals", "method": "numpy randn", "case": "numpy-randn"}
                ref_row = {**base, "n": n, "status": "skipped", "reason": why, "mode": "ndarray"}
                row = self.measure_group([ours])[0]
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


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the suite (or ``--render`` a previous JSON); return the JSON document."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.render is not None:
        document: dict[str, Any] = json.loads(args.render.read_text())
        _suite_report.write_reports(document, args.out)
        print(f"wrote {args.out / 'table.md'} and {args.out / 'plot.png'}")
        return document
    settings = settings_from(args)
    settings.out.mkdir(parents=True, exist_ok=True)
    where = settings.tmp_dir or settings.out
    where.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="tmp-suite-", dir=where))  # .gitignore: tmp*
    try:
        suite = Suite(settings, scratch, " ".join(["python benchmarks/suite.py", *argv]))
        print(_suite_report.stamp_line(suite.machine), flush=True)
        document = suite.run()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _suite_report.write_reports(document, settings.out)
    print(
        f"done in {document['elapsed_seconds']:.0f} s: {suite.json_path}, "
        f"{settings.out / 'table.md'}, {settings.out / 'plot.png'}"
    )
    return document


if __name__ == "__main__":
    main()
