"""How much memory this process may use: psutil, capped by cgroup and rlimit limits.

The one place where the machine is read.  ``psutil.virtual_memory().available``
describes the host, also inside a container, so the cgroup (v2 or v1) limit
of this process's own cgroup, and ``RLIMIT_AS`` / ``RLIMIT_DATA``, cap it; the
reading says which source set the figure.  (dask's ``distributed/system.py``
does the same for its worker memory limit.)
"""

from __future__ import annotations

import dataclasses
import resource
from pathlib import Path

import psutil

_UNLIMITED = 2**62  # cgroup v1 writes "no limit" as a number near 2**63


@dataclasses.dataclass(frozen=True)
class MemoryReading:
    """Bytes available to this process, and which source decided it."""

    available: int
    source: str
    readings: tuple[tuple[str, int], ...] = ()

    def __str__(self) -> str:
        return f"{_gib(self.available)} (from {self.source})"


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value >= _UNLIMITED else value


def _cgroup_paths(proc_cgroup: str) -> tuple[str | None, str | None]:
    """(v2 path, v1 memory path) of this process, from /proc/self/cgroup."""
    v2 = v1 = None
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            v2 = path
        elif "memory" in controllers.split(","):
            v1 = path
    return v2, v1


def cgroup_room(
    root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc/self/cgroup")
) -> tuple[str, int] | None:
    """(description, bytes of limit minus usage) of this process's memory cgroup, if limited."""
    try:
        v2, v1 = _cgroup_paths(proc.read_text())
    except OSError:
        v2 = v1 = None
    candidates = []
    if v2 is not None:
        for base in (root / v2.lstrip("/"), root):
            candidates.append(("cgroup v2", base / "memory.max", base / "memory.current"))
    if v1 is not None:
        for base in (root / "memory" / v1.lstrip("/"), root / "memory"):
            candidates.append(
                ("cgroup v1", base / "memory.limit_in_bytes", base / "memory.usage_in_bytes")
            )
    for label, limit_file, usage_file in candidates:
        limit = _read_int(limit_file)
        if limit is None:
            continue
        usage = _read_int(usage_file) or 0
        room = max(0, limit - usage)
        return f"{label} {limit_file} ({_gib(limit)} limit - {_gib(usage)} used)", room
    return None


def rlimit_room() -> tuple[str, int] | None:
    """The tightest of RLIMIT_AS and RLIMIT_DATA minus this process's current size, if set."""
    info = psutil.Process().memory_info()
    best = None
    for name, used in (("RLIMIT_AS", info.vms), ("RLIMIT_DATA", getattr(info, "data", info.vms))):
        soft, _ = resource.getrlimit(getattr(resource, name))
        if soft == resource.RLIM_INFINITY or soft < 0:
            continue
        room = max(0, soft - used)
        if best is None or room < best[1]:
            best = (f"{name} ({_gib(soft)} soft limit)", room)
    return best


def read_memory() -> MemoryReading:
    """What this process can allocate now: the smallest of psutil, cgroup and rlimit figures."""
    readings = [("psutil virtual_memory().available", int(psutil.virtual_memory().available))]
    for found in (cgroup_room(), rlimit_room()):
        if found is not None:
            readings.append(found)
    source, available = min(readings, key=lambda r: r[1])
    return MemoryReading(available, source, tuple(readings))
