"""The machine stamp: what the suite's figures depend on, recorded with them."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import shutil
from pathlib import Path
from typing import Any

import _timing

HERE = Path(__file__).resolve().parent


def cpu_cores() -> int:
    """The cores this process may run on (its affinity, on Linux)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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
        "cores": cpu_cores(),
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
