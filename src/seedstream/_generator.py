"""``seedstream.Generator`` and ``default_rng``: numpy's new API, with random access.

A :class:`Generator` *is* a :class:`numpy.random.Generator` (a subclass) over
one of numpy's bit generators; numpy generates every number.  seedstream adds
``start=`` to the methods whose consumption is fixed, and a
:attr:`~Generator.position` counted in native outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seedstream._draw import Draw
from seedstream._position import (
    PositionTracker,
    check_start,
    count,
    halves_outputs,
    scalar_params,
    untracked,
)
from seedstream._units import skip_halves

_UNTRACKED = (
    "beta", "binomial", "bytes", "chisquare", "choice", "dirichlet", "exponential", "f",
    "gamma", "geometric", "gumbel", "hypergeometric", "integers", "laplace", "logistic",
    "lognormal", "logseries", "multinomial", "multivariate_hypergeometric",
    "multivariate_normal", "negative_binomial", "noncentral_chisquare", "noncentral_f",
    "normal", "pareto", "permutation", "permuted", "poisson", "power", "rayleigh", "shuffle",
    "standard_cauchy", "standard_exponential", "standard_gamma", "standard_normal",
    "standard_t", "triangular", "vonmises", "wald", "weibull", "zipf",
)  # fmt: skip


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
        self._start_stream(None)

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
            return self._draw_halves(check_start(start), func, *args)
        return self._draw(start, words, func, *args)

    def _draw_halves(self, k: int, func: Any, *args: Any) -> Any:
        # 32-bit values from a 64-bit generator: two per output (see skip_halves).
        bg = self._stream_bit_generator()
        saved = bg.state
        try:
            if k:
                bg.state = skip_halves(bg, k).state
            out = func(*args)
        except BaseException:
            bg.state = saved
            raise
        # m values starting with `buffered` halves in hand take ceil((m - buffered) / 2) outputs.
        self._moved(halves_outputs(k + count(out), int(saved["has_uint32"])))
        return out

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
        random = np.random.Generator.random
        if out is not None:
            if chunks is not None or store is not None:
                raise TypeError("out= is an in-memory array: it cannot go with chunks= or store=")
            return self._draw_values(start, dtype, random, self, size, dtype, out)
        return self._deliver(
            lambda: Draw("Generator", "random", dtype=np.dtype(dtype).name),
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
        uniform = np.random.Generator.uniform
        return self._deliver(
            lambda: Draw("Generator", "uniform", scalar_params("uniform", low=low, high=high)),
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw_values(start, np.float64, uniform, self, low, high, size),
            store,
            output,
        )


for _name in _UNTRACKED:
    setattr(Generator, _name, untracked(np.random.Generator, _name))
del _name


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
