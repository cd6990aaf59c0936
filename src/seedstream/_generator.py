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
from seedstream._position import (
    PositionTracker,
    check_start,
    count,
    counted,
    draw_object,
    plain_small_call,
    scalar_params,
    untracked,
)

# Counted by numpy's own method (see seedstream._variable): start=, chunks=, store=.
_COUNTED = (
    "beta", "binomial", "chisquare", "f", "gamma", "geometric", "gumbel", "laplace",
    "logistic", "lognormal", "logseries", "negative_binomial", "noncentral_chisquare",
    "noncentral_f", "pareto", "poisson", "power", "rayleigh", "standard_cauchy",
    "standard_gamma", "standard_t", "triangular", "vonmises", "wald", "weibull", "zipf",
)  # fmt: skip
# numpy's as they are; the position becomes unknown. (hypergeometric draws both
# 32- and 64-bit units; the others are not one value per element of `size`.)
_UNTRACKED = (
    "choice", "dirichlet", "hypergeometric", "multinomial", "multivariate_hypergeometric",
    "multivariate_normal", "permutation", "permuted", "shuffle",
)  # fmt: skip

# The ziggurat methods: variable consumption, decided by tables private to
# numpy's C code, so numpy's own method counts it (see seedstream._variable).
# normal and exponential consume exactly as their standard forms do, which
# count for them (whatever their parameters, arrays included).
_ZIGGURAT = {
    "standard_normal": "standard_normal",
    "normal": "standard_normal",
    "standard_exponential": "standard_exponential",
    "exponential": "standard_exponential",
}


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
        if (
            dtype is np.float64
            and out is None
            and plain_small_call(size, start, chunks, store, output)
        ):
            # numpy's own call below the core's threshold: the common small call stays lean
            if size is None:
                values, drawn = _random(self), 1
            elif size < CORE_MIN_VALUES:
                values, drawn = _random(self, size), size
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
        base = np.random.Generator.integers

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
        head, offset = divmod(k, 4)
        self._skip_units(head, 32)
        out = np.random.Generator.bytes(self, length + offset)
        self._moved_units(-(-(length + offset) // 4), 32)
        return out[offset:]


_random = np.random.Generator.random  # the plain call, without a lookup

for _name, _standard in _ZIGGURAT.items():
    setattr(Generator, _name, counted(np.random.Generator, _name, _standard))


for _name in _COUNTED:
    setattr(Generator, _name, counted(np.random.Generator, _name))
for _name in _UNTRACKED:
    setattr(Generator, _name, untracked(np.random.Generator, _name))
del _name


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
