"""The planner: decisions on injected figures, memory read from real files and this machine."""

from __future__ import annotations

import warnings
from pathlib import Path

import dask.array as da
import numpy as np
import pytest

import seedstream
from seedstream._memory import MemoryReading, cgroup_room, read_memory
from seedstream._plan import MAX_BLOCKS, decide, plan, resolve_chunks, resolve_fraction

GiB = 2**30


def reading(available: int) -> MemoryReading:
    return MemoryReading(available, "injected")


@pytest.mark.parametrize(
    ("nbytes", "budget", "mode"),
    [(0, 0, "ndarray"), (100, 100, "ndarray"), (101, 100, "dask"), (8 * 10**10, 12 * GiB, "dask")],
)
def test_decide_boundaries(nbytes: int, budget: int, mode: str) -> None:
    got, reason = decide(nbytes, budget, chunks_given=False, store_given=False)
    assert got == mode
    assert ("fits" in reason) == (mode == "ndarray")


def test_decide_explicit_requests_win() -> None:
    assert decide(1, 10**12, chunks_given=True, store_given=False)[0] == "dask"
    assert decide(1, 10**12, chunks_given=True, store_given=True)[0] == "zarr"
    assert decide(10**15, 1, chunks_given=False, store_given=True)[0] == "zarr"


def test_plan_budget_is_the_fraction_of_available() -> None:
    p = plan(10**9, memory=reading(24 * GiB), memory_fraction=0.25)
    assert p.budget == 6 * GiB
    assert p.nbytes == 8 * 10**9
    assert p.mode == "dask"
    assert p.chunks is not None and p.chunks[0][0] == 2**24  # dask's 128 MiB default
    fits = plan(10**8, memory=reading(24 * GiB))
    assert fits.mode == "ndarray" and fits.chunks is None


def test_plan_chunk_forms() -> None:
    assert plan(10**6, chunks=1000, memory=reading(GiB)).chunks == ((1000,) * 1000,)
    assert plan(10**6, "float32", chunks="1MiB", memory=reading(GiB)).chunks[0][0] == 2**18  # type: ignore[index]
    assert plan((100, 100), chunks=(10, 100), memory=reading(GiB)).chunks == ((10,) * 10, (100,))


def test_plan_prints_every_figure() -> None:
    text = str(plan(10**10, memory=MemoryReading(20 * GiB, "cgroup v2 /x/memory.max")))
    for needle in ("74.51 GiB", "20.00 GiB", "cgroup v2", "budget", "dask", "exceeds", "chunks"):
        assert needle in text


def test_fraction_from_argument_environment_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEEDSTREAM_MEMORY_FRACTION", raising=False)
    assert resolve_fraction() == 0.5
    monkeypatch.setenv("SEEDSTREAM_MEMORY_FRACTION", "0.125")
    assert resolve_fraction() == 0.125
    assert resolve_fraction(1.0) == 1.0
    for bad in (0, -0.5, 1.5, float("nan"), True):
        with pytest.raises(ValueError, match="fraction"):
            resolve_fraction(bad)


@pytest.mark.parametrize(
    ("size", "error"),
    [
        (-1, ValueError),
        ((3, -2), ValueError),
        (2.5, TypeError),
        (float("nan"), TypeError),
        (None, TypeError),
        (True, TypeError),
        ("10", TypeError),
    ],
)
def test_plan_rejects_bad_sizes(size: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        plan(size, memory=reading(GiB))


def test_too_many_blocks_is_refused_before_building_anything() -> None:
    with pytest.raises(ValueError, match="blocks"):
        resolve_chunks((10**12,), np.dtype("f8"), 10)
    with pytest.raises(ValueError, match="larger chunks"):
        resolve_chunks((10**20,), np.dtype("f8"), "auto")
    resolve_chunks((MAX_BLOCKS,), np.dtype("f8"), 1)  # exactly at the limit is fine


def _cgroup_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_cgroup_v2_limit_of_own_group(tmp_path: Path) -> None:
    _cgroup_tree(
        tmp_path,
        {
            "proc": "0::/user.slice/job\n",
            "fs/user.slice/job/memory.max": str(4 * GiB),
            "fs/user.slice/job/memory.current": str(GiB),
            "fs/memory.max": "max",
        },
    )
    found = cgroup_room(tmp_path / "fs", tmp_path / "proc")
    assert found is not None
    label, room = found
    assert room == 3 * GiB and "cgroup v2" in label


def test_cgroup_v2_unlimited(tmp_path: Path) -> None:
    _cgroup_tree(tmp_path, {"proc": "0::/\n", "fs/memory.max": "max"})
    assert cgroup_room(tmp_path / "fs", tmp_path / "proc") is None


def test_cgroup_v1_limit_and_no_limit(tmp_path: Path) -> None:
    _cgroup_tree(
        tmp_path,
        {
            "proc": "4:memory:/job\n1:cpu:/\n",
            "fs/memory/job/memory.limit_in_bytes": str(2 * GiB),
            "fs/memory/job/memory.usage_in_bytes": str(GiB // 2),
        },
    )
    found = cgroup_room(tmp_path / "fs", tmp_path / "proc")
    assert found is not None and found[1] == GiB + GiB // 2 and "cgroup v1" in found[0]
    _cgroup_tree(tmp_path, {"fs/memory/job/memory.limit_in_bytes": str(2**63 - 4096)})
    assert cgroup_room(tmp_path / "fs", tmp_path / "proc") is None


def test_reads_this_machine() -> None:
    m = read_memory()
    assert 0 < m.available <= m.readings[0][1]
    assert m.readings[0][0].startswith("psutil")
    assert m.source in {label for label, _ in m.readings}
    assert m.available == min(v for _, v in m.readings)


def test_auto_mode_goes_lazy_when_over_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDSTREAM_MEMORY_FRACTION", "1e-9")
    rs = seedstream.RandomState(0)
    with pytest.warns(seedstream.LazyResultWarning, match=r"seedstream\.plan"):
        x = rs.random_sample(10**7)
    assert isinstance(x, da.Array)
    np.testing.assert_array_equal(
        x[-5:].compute(), np.random.RandomState(0).random_sample(10**7)[-5:]
    )
    assert rs.position == 2 * 10**7


def test_auto_mode_stays_in_memory_when_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDSTREAM_MEMORY_FRACTION", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = seedstream.RandomState(0).random_sample(10**7)
    assert isinstance(x, np.ndarray)
