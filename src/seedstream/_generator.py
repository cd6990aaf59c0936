"""``seedstream.Generator`` and ``default_rng``: numpy's new API, with random access.

A :class:`Generator` *is* a :class:`numpy.random.Generator` (a subclass) over
one of numpy's bit generators; numpy generates every number.  seedstream adds
``start=``, ``chunks=`` and ``store=`` to the methods that draw one value per
element (uniforms and integers jump or count; the ziggurat and the other
distributions are counted by numpy's own method), and a
:attr:`~Generator.position` counted in native outputs.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from seedstream._draw import Draw, sizing_dtype
from seedstream._fill import CORE_MIN_VALUES, generator_random, generator_uniform
from seedstream._methods import methods
from seedstream._position import (
    SMALL_DRAW_VALUES,
    PositionTracker,
    check_start,
    count,
    counted,
    draw_object,
    scalar_params,
    untracked,
)
from seedstream._small import small

# numpy's own methods, looked up once: the small calls below go straight to them
_np_random = np.random.Generator.random
_np_uniform = np.random.Generator.uniform
_np_integers = np.random.Generator.integers
_np_bytes = np.random.Generator.bytes


class Generator(np.random.Generator, PositionTracker):
    """numpy's ``Generator``, with random access into its stream.

    Parameters
    ----------
    bit_generator : numpy.random.BitGenerator
        ``PCG64``, ``PCG64DXSM``, ``Philox``, ``MT19937`` or ``SFC64``, in any
        state; that state is position 0 of the stream.  It is shared, as with numpy.

    Notes
    -----
    ``random`` and ``uniform`` take ``start=k``: skip the next ``k`` values
    first, in O(log k) time, so that ``Generator(bg).random(n, start=k)``
    equals numpy's ``Generator(bg).random(k + n)[k:]``.  A float64 takes one
    64-bit output (two 32-bit words for MT19937); a float32 takes one 32-bit
    word (half of a 64-bit output, the other half buffered, as numpy does).
    SFC64 has no jump-ahead: it works sequentially and refuses ``start > 0``.

    The other distributions (``normal``, ``poisson``, ``binomial``, ``gamma``
    and the rest that make one value per element, with scalar parameters)
    take ``start=``, ``chunks=`` and ``store=`` too: their consumption
    varies, so the stream is counted first, by numpy's own method on a
    counting bit generator.  ``choice``, ``permutation``, ``shuffle``,
    ``hypergeometric`` and the multivariate methods work as numpy's, in memory.

    Examples
    --------
    >>> import numpy as np
    >>> g = default_rng(42)
    >>> x = g.random(2, start=10**9)
    >>> g.position
    1000000002
    >>> bool((default_rng(42).random(5) == np.random.default_rng(42).random(5)).all())
    True
    """

    def __init__(self, bit_generator: np.random.BitGenerator) -> None:
        super().__init__(bit_generator)
        self._start_stream(_seed_sequence_provenance(bit_generator))
        self._double_words = 1 if self._origin.word_bits == 64 else 2

    def _stream_bit_generator(self) -> np.random.BitGenerator:
        bg: np.random.BitGenerator = self.bit_generator
        return bg

    def _value_words(self, dtype: Any) -> int | None:
        """Native outputs per value; None for 32-bit halves of 64-bit outputs."""
        single = dtype is not np.float64 and np.dtype(dtype) == np.float32
        if self._origin.word_bits == 64:
            return None if single else 1
        return 1 if single else 2

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.bit_generator, self._origin, self._position, self._untracked_by))

    def _draw_values(self, start: object, dtype: Any, func: Any, *args: Any) -> Any:
        skips = (start.__class__ is not int or start) and check_start(start)
        if skips and self._origin.bit_generator == "SFC64":
            raise NotImplementedError(
                "SFC64 has no jump-ahead, so start= would mean generating every skipped "
                "value; use PCG64, PCG64DXSM, Philox or MT19937 for random access, or draw "
                "and discard the values yourself"
            )
        words = self._value_words(dtype)
        if words is None:
            return self._draw_halves(check_start(start), 1, func, *args)
        return self._draw(start, words, func, *args)

    @small(_np_random, words="double_words", core=generator_random, core_min=CORE_MIN_VALUES)
    def random(
        self,
        size: Any = None,
        dtype: Any = np.float64,
        out: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Floats in [0, 1), as numpy's ``Generator.random``, after skipping `start` of them.

        With ``chunks=`` (dask's forms), or when the result would not fit the
        memory budget (see :func:`seedstream.plan`), a lazy dask array.  With
        ``store=`` (a path, a ``.npy`` path or a zarr store), the values are
        streamed to disk and the zarr array (or a read-only memory map) is
        returned; ``output`` options: ``workers``, ``processes``, ``overwrite``,
        ``compressors``, ``check_disk``, ``progress``.
        """
        if (  # a plain small call: numpy's own (or the core's), and one addition
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and dtype is np.float64
            and out is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            values: Any
            if size is None:
                values, drawn = _np_random(self), 1
            elif size < CORE_MIN_VALUES:
                values, drawn = _np_random(self, size), size
            else:
                values, drawn = generator_random(self, size), size
            if self._position is not None:
                self._position += self._double_words * drawn
            return values
        random = generator_random
        if out is not None:
            if chunks is not None or store is not None:
                raise TypeError("out= is an in-memory array: it cannot go with chunks= or store=")
            return self._draw_values(start, dtype, random, self, size, dtype, out)

        def make() -> Draw:
            draw_object("Generator").random(dtype=dtype)  # numpy's TypeError for other dtypes
            return Draw("Generator", "random", dtype=np.dtype(dtype).name)

        return self._deliver(
            make,
            dtype,
            size,
            start,
            chunks,
            lambda: self._draw_values(start, dtype, random, self, size, dtype),
            store,
            output,
        )

    @small(_np_uniform, words="double_words", core=generator_uniform, core_min=CORE_MIN_VALUES)
    def uniform(
        self,
        low: Any = 0.0,
        high: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Doubles in [low, high), as numpy's ``Generator.uniform``, after skipping `start`.

        `chunks`, `store` and `output` as for :meth:`random`.
        """
        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            if size is None or size < CORE_MIN_VALUES:
                out = _np_uniform(self, low, high, size)
            else:  # the MT19937 core fills it, when it can
                out = generator_uniform(self, low, high, size)
            if self._position is not None:
                self._position += self._double_words * (size if size is not None else count(out))
            return out
        uniform = generator_uniform

        def make() -> Draw:
            draw_object("Generator").uniform(low, high)  # numpy's errors now, not at compute
            return Draw("Generator", "uniform", scalar_params("uniform", low=low, high=high))

        return self._deliver(
            make,
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw_values(start, np.float64, uniform, self, low, high, size),
            store,
            output,
        )

    @small(_np_integers)  # the consumption depends on the bounds: worked out in Python
    def integers(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        dtype: Any = np.int64,
        endpoint: bool = False,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Integers as numpy's ``Generator.integers``, after skipping `start` of them.

        numpy uses Lemire's method, which rejects a few draws for ranges that
        are not powers of two: then ``start=``, ``chunks=`` and ``store=``
        count the stream first (in parallel) and check every part's end.
        8/16-bit and bool values are packed in 32-bit words within one numpy
        call: a part that starts inside a word is made from that word.
        """
        base = _np_integers

        def make(validate: bool) -> Draw:
            if validate:
                np.random.Generator(np.random.PCG64(0)).integers(
                    low, high, dtype=dtype, endpoint=endpoint
                )
            lo, hi = (0, low) if high is None else (low, high)
            if np.ndim(lo) or np.ndim(hi):
                raise NotImplementedError(
                    "integers() with array bounds cannot be chunked or started later; pass scalars"
                )
            params = (("low", int(lo)), ("high", int(hi)), ("endpoint", bool(endpoint)))
            return Draw("Generator", "integers", params, np.dtype(dtype).name)

        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            values = base(self, low, high, size, dtype, endpoint)
            if self._position is not None:
                # plain bounds: the rule for these bounds is worked out once (see _count_drawn)
                plain = low.__class__ is int and (high is None or high.__class__ is int)
                key = ("integers", low, high, dtype, bool(endpoint)) if plain else None
                self._count_drawn(lambda: make(False), count(values), key)
            return values

        def eager() -> Any:
            if start.__class__ is int and not start:
                out = base(self, low, high, size, dtype, endpoint)
                self._count_drawn(lambda: make(False), count(out))
                return out
            self._refuse_sfc64()
            use = make(True).consumption(self._origin)
            call = lambda: base(self, low, high, size, dtype, endpoint)  # noqa: E731
            if use.fixed:
                return self._draw_units(start, use, call)
            return self._draw_variable("integers", lambda: make(False), start, call, size)

        return self._deliver(
            lambda: make(True), sizing_dtype(dtype), size, start, chunks, eager, store, output
        )

    def bytes(self, length: int, *, start: int = 0) -> builtins.bytes:
        """Random bytes, as numpy's ``Generator.bytes``, after skipping `start` bytes."""
        k = check_start(start)
        if k:
            self._refuse_sfc64()
        return self._draw_bytes(_np_bytes, length, k)


# The other methods, from the method table: numpy's own, counted or untracked.
for _row in methods("Generator", "ziggurat", "counted"):
    setattr(Generator, _row.name, counted(_row))
for _row in methods("Generator", "untracked"):
    setattr(Generator, _row.name, untracked(_row))
del _row


def _seed_sequence_provenance(bit_generator: np.random.BitGenerator) -> dict[str, Any] | None:
    """The SeedSequence a bit generator was made from (provenance: its state may have moved)."""
    seq = getattr(bit_generator, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence):
        return None
    entropy = seq.entropy
    return {
        "seed_sequence": {
            "entropy": entropy.tolist() if isinstance(entropy, np.ndarray) else entropy,
            "spawn_key": list(seq.spawn_key),
            "pool_size": seq.pool_size,
        }
    }


def _restore(
    bit_generator: np.random.BitGenerator, origin: Any, position: int | None, by: str | None
) -> Generator:
    g = Generator(bit_generator)
    g._origin, g._position, g._untracked_by = origin, position, by
    return g


def default_rng(seed: Any = None) -> Generator:
    """A :class:`Generator` over PCG64, seeded as :func:`numpy.random.default_rng`.

    Parameters
    ----------
    seed : None, int, array_like of ints, SeedSequence, BitGenerator or Generator, optional
        As numpy's ``default_rng``: a bit generator is used as it is; a
        Generator's bit generator is shared.

    Examples
    --------
    >>> import numpy as np
    >>> float(default_rng(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        return Generator(seed.bit_generator)
    if isinstance(seed, np.random.BitGenerator):
        return Generator(seed)
    return Generator(np.random.PCG64(seed))
