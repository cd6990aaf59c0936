"""``seedstream.PythonRandom``: the stream of Python's ``random.random()``.

CPython's :mod:`random` is MT19937 seeded with ``init_by_array`` over the
32-bit little-endian words of ``abs(seed)`` (``random.seed(0)`` is
``numpy.random.RandomState([0])``), and ``random()`` makes a double from two
words with the same formula as numpy's ``random_sample``.  So the stream is a
legacy numpy stream, and random access comes from :class:`~seedstream.RandomState`.
"""

from __future__ import annotations

import os
from hashlib import sha512
from typing import Any

import numpy as np

from seedstream._legacy import RandomState


def python_seed_words(seed: object) -> list[int]:
    """The ``init_by_array`` key that ``random.seed(seed)`` uses (version 2 seeding).

    Examples
    --------
    >>> python_seed_words(0), python_seed_words(2**40 + 5)
    ([0], [5, 256])
    """
    if seed is None:
        return [int(w) for w in np.frombuffer(os.urandom(4 * 624), dtype="<u4")]
    if isinstance(seed, str | bytes | bytearray):
        raw = seed.encode() if isinstance(seed, str) else bytes(seed)
        seed = int.from_bytes(raw + sha512(raw).digest(), "big")
    elif isinstance(seed, float):
        seed = hash(seed)  # what CPython's random_seed does with a float
    elif not isinstance(seed, int):
        # CPython's message, word for word
        raise TypeError(
            "The only supported seed types are: None,\nint, float, str, bytes, and bytearray."
        )
    n = abs(seed)
    return [(n >> (32 * i)) & 0xFFFFFFFF for i in range(max(1, (n.bit_length() + 31) // 32))]


class PythonRandom:
    """The stream of ``random.seed(seed); random.random()``, with random access.

    Parameters
    ----------
    seed : None, int, float, str, bytes or bytearray, optional
        As :func:`random.seed` (version 2): the same seed gives the same stream.

    Examples
    --------
    >>> import random
    >>> r = random.Random(1234)
    >>> expected = [r.random() for _ in range(5)]
    >>> PythonRandom(1234).random(5).tolist() == expected
    True
    >>> PythonRandom(1234).random(start=4) == expected[4]
    True
    """

    def __init__(self, seed: object = None) -> None:
        self.seed(seed)

    def seed(self, seed: object = None) -> None:
        """Reseed, as :func:`random.seed`."""
        self._rs = RandomState(python_seed_words(seed))

    def random(self, size: Any = None, *, start: int = 0, chunks: Any = None) -> Any:
        """The next doubles of ``random.random()``, after skipping `start` of them.

        ``size=None`` gives one Python float, as ``random.random()``; otherwise an
        ndarray, or a lazy dask array with ``chunks=`` or when too big for memory.
        """
        return self._rs.random_sample(size, start=start, chunks=chunks)

    @property
    def position(self) -> int:
        """32-bit words consumed since seeding (two per ``random()``); assignable."""
        return self._rs.position

    @position.setter
    def position(self, value: int) -> None:
        self._rs.position = value

    def getstate(self) -> tuple[Any, ...]:
        """The state in :func:`random.getstate`'s format (usable by ``random.setstate``)."""
        _, key, pos, _, _ = self._rs.get_state()
        return (3, (*(int(k) for k in key), int(pos)), None)

    def setstate(self, state: tuple[Any, ...]) -> None:
        """Accept a state from :func:`random.getstate`; the position becomes unknown."""
        version, internal, _gauss_next = state
        if version != 3 or len(internal) != 625:
            raise ValueError(f"state with version {version} passed to PythonRandom.setstate()")
        key = np.array(internal[:624], dtype=np.uint32)
        self._rs.set_state(("MT19937", key, int(internal[624]), 0, 0.0))
