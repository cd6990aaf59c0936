"""Settings for the whole test session."""

from __future__ import annotations

import os

# Count segments of 4096 attempts instead of 2**20: the many small draws of the suite then
# cross segment boundaries often and cheaply (values never depend on the segment size).
# Set before seedstream is imported; worker processes and subprocesses inherit it.  The tests
# that need the default size set it themselves (tests/test_distributions.py).
os.environ.setdefault("SEEDSTREAM_SEGMENT", "4096")
