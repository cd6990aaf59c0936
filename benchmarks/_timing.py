"""How every benchmark here times its cases: repeated, interleaved, median and spread.

Both ``bench_lazy.py`` and ``suite.py`` run each case in a fresh process and time
it there; this module is what they share:

- :class:`Clock`, in the case's process: wall seconds of the timed region, and the
  CPU seconds (user, system) and minor page faults spent in it.  On a shared
  machine the wall time also holds the time other programs had the cores; the
  CPU seconds do not, and the system seconds are mostly the first touch of the
  memory the call allocates.
- :func:`interleave`, in the parent: every case ``repeats`` times, in rounds
  whose order alternates forwards and backwards (A B C, C B A, A B C, ...).
- :func:`spread` and :func:`combine`: the median of those runs, their minimum
  and maximum, and every run's figure.
- :func:`git_state`: the commit the figures were measured at, and whether the
  tree held uncommitted changes, for every results file.

Why alternate the order: a fresh array's time is dominated by the first touch of
its pages, whose cost depends on what ran just before.  On the 2-core
development VM (which hands freed memory back to its host about 2 s after it is
freed), a process that draws 5·10^7 doubles right after another process freed as
much memory spends a third of the system time (median 0.19 s against 0.56 s)
and 0.6x the wall time of one that starts after a few idle seconds, whichever of
numpy or seedstream's ndarray mode (numpy's own call) it is.  A
fixed order therefore favours whichever case follows a large one: the classic
table's "seedstream auto" ran after numpy at every n and came out faster than
numpy with numpy's own call.  Alternating rounds put each case after the
others equally often, and an even number of rounds balances them exactly.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# Even, so that every case is first in as many rounds as it is last (see above).
REPEATS = 4


class Clock:
    """Wall time, CPU time and page faults of one timed region, in the process timed.

    >>> clock = Clock()
    >>> t0 = clock.start()
    >>> sorted(clock.read())
    ['cpu_sys_seconds', 'cpu_user_seconds', 'minor_faults', 'seconds']
    """

    def __init__(self) -> None:
        self.start()

    def start(self) -> float:
        """Start (again) now; returns the ``time.perf_counter()`` it started at."""
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self.t0 = time.perf_counter()
        return self.t0

    def read(self) -> dict[str, float]:
        """Figures since :meth:`start`: ``seconds`` (wall), CPU seconds and minor faults."""
        seconds = time.perf_counter() - self.t0
        now = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "seconds": seconds,
            "cpu_user_seconds": now.ru_utime - self._usage.ru_utime,
            "cpu_sys_seconds": now.ru_stime - self._usage.ru_stime,
            "minor_faults": now.ru_minflt - self._usage.ru_minflt,
        }


def peak_rss() -> int:
    """This process's peak resident set, in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def rounds(names: Sequence[str], repeats: int) -> list[list[str]]:
    """The order of the runs: `repeats` rounds, alternately forwards and backwards.

    >>> rounds(["numpy", "auto", "dask"], 3)
    [['numpy', 'auto', 'dask'], ['dask', 'auto', 'numpy'], ['numpy', 'auto', 'dask']]
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}; pass --repeat 1 or more")
    return [list(names) if r % 2 == 0 else list(reversed(names)) for r in range(repeats)]


def interleave(
    names: Sequence[str], repeats: int, run: Callable[[str], dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """``run(name)`` for every name, `repeats` times in alternating rounds; each name's runs.

    The results come back in the order each name ran; a run's own dict is kept as
    it is, plus ``round`` and ``position`` (its place in the round, from 0).
    """
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for r, order in enumerate(rounds(names, repeats)):
        for position, name in enumerate(order):
            runs[name].append({**run(name), "round": r, "position": position})
    return runs


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum.

    >>> spread([3.0, 1.0, 2.0, 10.0])
    {'median': 2.5, 'min': 1.0, 'max': 10.0}
    """
    if not values:
        raise ValueError("no values to summarise")
    return {
        "median": float(statistics.median(values)),
        "min": float(min(values)),
        "max": float(max(values)),
    }


# Figures every run reports; their median is the case's figure (peak RSS: the largest).
TIMED = ("seconds", "cpu_user_seconds", "cpu_sys_seconds", "minor_faults")


def combine(runs: Sequence[dict[str, Any]], keys: Sequence[str] = TIMED) -> dict[str, Any]:
    """One case's figures from its runs: the median of each of `keys`, with its spread.

    Other fields come from the first run (a case's values are the same in every
    run); ``peak_rss`` is the largest of the runs'.  The first failed run, if any,
    is the result: failures are recorded, never averaged away.
    """
    failed = [r for r in runs if "error" in r]
    if failed:
        return {**failed[0], "runs": len(runs), "failed_runs": len(failed)}
    out: dict[str, Any] = {**runs[0], "runs": len(runs)}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            s = spread(values)
            out[key] = s["median"]
            out[f"{key}_min"], out[f"{key}_max"] = s["min"], s["max"]
            out[f"{key}_runs"] = values
    rss = [r["peak_rss"] for r in runs if r.get("peak_rss") is not None]
    if rss:
        out["peak_rss"] = max(rss)
    out.pop("round", None)
    out.pop("position", None)
    out["order"] = [[r.get("round"), r.get("position")] for r in runs]
    return out


def git_state(where: Path = HERE) -> dict[str, Any]:
    """The commit checked out at `where`, and whether tracked files differ from it.

    ``{"commit": None, ...}`` outside a git checkout (or without git): a results
    file then says plainly that it cannot tell which code it measured.
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(where), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": commit,
        "dirty": None if status is None else bool(status),
        "describe": git("describe", "--always", "--dirty"),
        "commit_date": git("show", "-s", "--format=%cI", "HEAD"),
    }


def stamp() -> dict[str, Any]:
    """What a set of figures depends on, in brief: date, code, CPU, cores, load, versions."""
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git": git_state(),
        "cpu": cpu,
        "cores": cores,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
    }


def save(
    out: Path,
    name: str,
    title: str,
    settings: dict[str, Any],
    started: dict[str, Any],
    results: Sequence[dict[str, Any]],
) -> Path:
    """Write a results file ``<out>/<name>-<UTC time>.json`` and say where, and at which commit.

    `started` is :func:`stamp`'s record from before the runs: the machine, and the
    git state the figures belong to.
    """
    document = {
        "title": title,
        "command": " ".join([f"python benchmarks/{name}.py", *sys.argv[1:]]),
        "settings": settings,
        "machine": {k: v for k, v in started.items() if k != "git"},
        "git": started["git"],
        "results": list(results),
    }
    out.mkdir(parents=True, exist_ok=True)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{name}-{when}.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    git = started["git"]
    print(f"wrote {path} (commit {git['describe']}{', dirty' if git['dirty'] else ''})")
    return path


def figure(row: dict[str, Any], key: str = "seconds") -> str:
    """``"2.31 s [2.20-2.50] x4"``: the median, its spread and the number of runs.

    >>> figure({"seconds": 2.314, "seconds_min": 2.2, "seconds_max": 2.5, "runs": 4})
    '2.31 s [2.20-2.50] x4'
    >>> figure({"seconds": 0.5})
    '0.50 s'
    """
    text = f"{row[key]:.2f} s"
    if row.get("runs", 1) > 1 and f"{key}_min" in row:
        text += f" [{row[f'{key}_min']:.2f}-{row[f'{key}_max']:.2f}] x{row['runs']}"
    return text
