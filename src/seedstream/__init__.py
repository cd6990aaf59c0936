"""seedstream: NumPy's seeded random streams, bit for bit, at any size and any position."""

from seedstream._jump import advance

__all__ = ["advance"]
__version__ = "0.1.0"
