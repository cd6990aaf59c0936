"""Every exception and warning seedstream raises of its own, in one place.

Each subclasses the built-in a caller would already catch (``ValueError``,
``OSError``, ``RuntimeError``, ``UserWarning``), so code written for numpy
keeps working; the names let a caller tell seedstream's cases apart.
"""

from __future__ import annotations

__all__ = [
    "DiskFullError",
    "LazyResultWarning",
    "OutputInUseError",
    "OutputMismatchError",
    "SelfCheckError",
]


class OutputMismatchError(ValueError):
    """The target holds a different draw than the one requested."""


class DiskFullError(OSError):
    """Not enough free space: before starting (preflight) or while writing."""


class OutputInUseError(OSError):
    """Another writer (another process, or another call) is writing the same path."""


class SelfCheckError(RuntimeError):
    """A self-check failed: seedstream refuses to return numbers it cannot show are numpy's.

    Raised where generated values would be shifted (a count pass and numpy's
    own generation disagree) or numpy's method read the stream other than
    counted.  It means a bug, in seedstream or in an assumption about numpy:
    please report it with the call that raised it.
    """


class LazyResultWarning(UserWarning):
    """A draw too large for memory was returned as a lazy dask array."""
