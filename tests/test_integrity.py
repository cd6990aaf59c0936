"""Chunk integrity: a chunk counts as done only when its stored bytes can be a whole chunk.

Real outputs, damaged as a killed writer, a full disk or a careless hand leaves them:
chunk files cut short, grown, emptied or given a wrong compressed header; ``.npy``
files cut short or with a garbled header.  Each must be found by ``info`` and
``verify`` (never handed to a codec) and rewritten by the same ``generate`` call,
after which every value equals numpy's one-shot output.  Also: chunks of zeros are
written as keys by every open (first, resume, worker process, overwrite), and the
zarr floor in pyproject writes chunk files atomically.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from packaging.version import Version

import seedstream
from seedstream._cli import main
from seedstream._output import ATTRS_KEY

N, CHUNK = 95, 10  # ten chunks, the last one an edge chunk of five values
REPAIR = "run the same generate call again to rewrite damaged chunks"


def expected(n: int = N) -> np.ndarray:
    return np.random.RandomState(0).random_sample(n)


def generate(path: Path, compressors: Any = None, **kwargs: Any) -> Any:
    rs = seedstream.RandomState(0)
    return rs.random_sample(
        N, chunks=CHUNK, store=path, progress=False, compressors=compressors, **kwargs
    )


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def chunk(path: Path, index: int) -> Path:
    return path / "c" / str(index)


def cut(file: Path, keep: int) -> None:
    file.write_bytes(file.read_bytes()[:keep])


def stored(path: Path) -> np.ndarray:
    if path.suffix == ".npy":
        return np.load(path)
    return np.asarray(zarr.open_array(path, mode="r")[:])


# --- the zarr floor ------------------------------------------------------------------------

_LIMITED_WRITER = """
import resource, sys, seedstream
resource.setrlimit(resource.RLIMIT_FSIZE, (32768, resource.RLIM_INFINITY))
seedstream.RandomState(0).random_sample(16384, chunks=8192, store=sys.argv[1], progress=False)
"""


def test_zarr_floor_writes_chunk_files_whole_or_not_at_all(tmp_path: Path) -> None:
    # The floor is the first zarr whose LocalStore renames a finished temporary file into
    # place (zarr 3.1.3, zarr-python#3412) and that has NodeNotFoundError (3.1.2); checked by
    # running this test under zarr 3.1.2, where it fails: chunk files of 32768 bytes remain.
    #
    # A writer stopped mid-chunk: each 64 KiB chunk hits a 32 KiB file size limit (EFBIG;
    # Python ignores SIGXFSZ), the 19 KiB zarr.json does not.
    path = tmp_path / "x.zarr"
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "File too large" in done.stderr
    sizes = [f.stat().st_size for f in (path / "c").glob("*") if f.suffix != ".partial"]
    assert seedstream.inspect_output(path).done == frozenset()  # whatever the zarr
    out = seedstream.RandomState(0).random_sample(16384, chunks=8192, store=path, progress=False)
    np.testing.assert_array_equal(out[:], expected(16384))
    assert sizes == []  # not one cut-short chunk file under a chunk key

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    (floor,) = [d.split(">=")[1] for d in pyproject["project"]["dependencies"] if "zarr" in d]
    assert Version(floor) >= Version("3.1.3")
    assert Version(zarr.__version__) >= Version(floor)
    from zarr.errors import NodeNotFoundError  # noqa: F401  (generate/verify/info import it)


# --- chunks of zeros -----------------------------------------------------------------------


def _zeros(path: Path, **kwargs: Any) -> Any:
    return seedstream.RandomState(0).randint(
        0, 1, 40, chunks=10, store=path, progress=False, **kwargs
    )


def _keys(path: Path) -> list[str]:
    return sorted(f.name for f in (path / "c").iterdir()) if (path / "c").exists() else []


@pytest.mark.parametrize("how", ["resume", "processes", "overwrite"])
def test_chunks_of_zeros_are_written_by_every_open(tmp_path: Path, how: str) -> None:
    path = tmp_path / "z.zarr"
    want = np.random.RandomState(0).randint(0, 1, 40)
    assert not want.any()  # numpy's draw: every chunk is all zeros
    if how == "processes":
        out = _zeros(path, processes=True, workers=2)
    else:
        _zeros(path)
        if how == "resume":
            chunk(path, 2).unlink()
            array = zarr.open_array(path, mode="r+")
            array.attrs[ATTRS_KEY] = {**array.attrs[ATTRS_KEY], "complete": False}  # type: ignore[dict-item]
            out = _zeros(path)
        else:
            out = _zeros(path, overwrite=True)
    assert _keys(path) == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(out[:], want)
    info = seedstream.inspect_output(path)
    assert info.complete and info.missing == ()
    assert seedstream.verify_output(path, sample=None).status == "ok"
