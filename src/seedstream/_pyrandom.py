"""``seedstream.PythonRandom``: the stream of Python's ``random.random()``.

CPython's :mod:`random` is MT19937 seeded with ``init_by_array`` over the
32-bit little-endian words of ``abs(seed)`` (``random.seed(0)`` is
``numpy.random.RandomState([0])``), and ``random()`` makes a double from two
words with the same formula as numpy's ``random_sample``.  So the stream is a
legacy numpy stream, and random access comes from :class:`~seedstream.RandomState`.
"""

from __future__ import annotations

import dataclasses
import operator
import os
from hashlib import sha512
from typing import Any, Unpack

import numpy as np

from seedstream._deliver import StoreOptions
from seedstream._fill import CORE_MIN_VALUES
from seedstream._legacy import RandomState
from seedstream._stream import Stream

_np_random_sample = np.random.RandomState.random_sample


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
        seed = hash(seed) % 2**64  # CPython's random_seed: the hash as a size_t
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
        if isinstance(seed, int | str):  # provenance, in Python's own terms
            track = self._rs._track
            track.origin = dataclasses.replace(track.origin, seed={"python": seed})

    def random(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """The next doubles of ``random.random()``, after skipping `start` of them.

        ``size=None`` gives one Python float, as ``random.random()``; otherwise an
        ndarray, a lazy dask array (``chunks=``, or when too big for memory), or
        a store (``store=``), as :meth:`seedstream.RandomState.random_sample`.
        """
        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not options
            and (size is None or (size.__class__ is int and size < CORE_MIN_VALUES))
        ):
            # numpy's own call and the position's two words a double: what
            # RandomState.random_sample does for a small call, without a second Python call
            rs = self._rs
            out = _np_random_sample(rs, size)
            track = rs._track
            if track.words is not None:
                track.words += 2 * (1 if size is None else size)
            return out
        return self._rs.random_sample(size, start=start, chunks=chunks, store=store, **options)

    @property
    def stream(self) -> Stream:
        """The stream this object draws from: its state at position 0."""
        return self._rs.stream

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
        """Accept a state from :func:`random.getstate`; the position becomes unknown.

        Refuses what :meth:`random.Random.setstate` refuses, with the same exception types.
        """
        version = state[0]
        if version not in (2, 3):
            raise ValueError(
                f"state with version {version} passed to Random.setstate() of version 3"
            )
        _, internal, _gauss_next = state
        if version == 2:  # saved as signed ints: Python reduces them mod 2**32
            try:
                internal = tuple(x % 2**32 for x in internal)
            except ValueError as e:
                raise TypeError from e
        if not isinstance(internal, tuple):
            raise TypeError("state vector must be a tuple")
        if len(internal) != 625:
            raise ValueError("state vector is the wrong size")
        key = np.array([_unsigned_long(w) & 0xFFFFFFFF for w in internal[:624]], dtype=np.uint32)
        index = operator.index(internal[624])
        if not -(2**63) <= index < 2**63:
            raise OverflowError("Python int too large to convert to C long")
        if not 0 <= index <= 624:
            raise ValueError("invalid state")
        self._rs.set_state(("MT19937", key, index, 0, 0.0))


def _unsigned_long(word: object) -> int:
    # What CPython's PyLong_AsUnsignedLong accepts: ints in [0, 2**64).
    if not isinstance(word, int):
        raise TypeError("an integer is required")
    if word < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if word >= 2**64:
        raise OverflowError("Python int too large to convert to C unsigned long")
    return word
