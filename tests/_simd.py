"""The MT19937 core's SIMD paths, forced one at a time (importable: pyproject's pythonpath).

``conftest.py`` makes the ``path`` fixture of them; Hypothesis tests draw a path
and force it with :func:`forced`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from seedstream import _mtfill

ALL_PATHS = ("portable", "avx2", "avx512")


def available() -> tuple[str, ...]:
    """The paths this CPU and build run, best last."""
    return _mtfill.available_paths()


def runnable(name: str) -> str:
    """`name` if this CPU and build run it, else the best path they do run."""
    paths = available()
    return name if name in paths else paths[-1]


@contextlib.contextmanager
def forced(name: str) -> Iterator[str]:
    """The core runs path `name` inside the block, and the best one again after it."""
    assert _mtfill.select_path(name) == name
    try:
        yield name
    finally:
        _mtfill.select_path("best")
