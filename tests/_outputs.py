"""Helpers shared by the tests of outputs, messages and the command line (importable:
pyproject's pythonpath)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from seedstream._cli import main


def stored(path: Path) -> np.ndarray:
    """What a ``.npy`` file or a zarr array on disk holds, read by numpy or zarr alone."""
    if path.suffix == ".npy":
        values: np.ndarray = np.load(path)
        return values
    return np.asarray(zarr.open_array(path, mode="r")[:])


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """``seedstream ARGV...`` in-process: its exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *fragments: str) -> str:
    """The CLI's error: one line, no traceback, holding every fragment; returned."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("seedstream: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)
    return lines[0]
