"""Settings and fixtures for the whole test session (helpers: the ``tests/_*.py`` modules)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Count segments of 4096 attempts instead of 2**20: the many small draws of the suite then
# cross segment boundaries often and cheaply (values never depend on the segment size).
# Set before seedstream is imported; worker processes and subprocesses inherit it.  The tests
# that need the default size set it themselves (tests/test_distributions.py).
os.environ.setdefault("SEEDSTREAM_SEGMENT", "4096")

from _simd import ALL_PATHS, available, forced


@pytest.fixture(params=ALL_PATHS)
def path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each SIMD path of the MT19937 core in turn, forced; skipped where this CPU lacks it
    (tests/test_mtfill.py, tests/test_core_conformance.py)."""
    name: str = request.param
    if name not in available():
        pytest.skip(f"this CPU or build has no {name} path")
    with forced(name):
        yield name
