"""``seedstream.RandomState`` and the module-level functions: numpy's legacy API.

A :class:`RandomState` *is* a :class:`numpy.random.RandomState` (a subclass):
numpy seeds it, generates every number and owns its state.  seedstream adds
``start=`` (skip that many draws in O(log start) time, by jumping the MT19937
state) and a raw :attr:`~RandomState.position` that can be read and assigned.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from seedstream._draw import Draw
from seedstream._position import PositionTracker, scalar_params, untracked
from seedstream._stream import BIT_GENERATORS

# Everything else that draws: works exactly as numpy's, but its consumption is
# not counted, so the position becomes unknown.
_UNTRACKED = (
    "beta", "binomial", "bytes", "chisquare", "choice", "dirichlet", "exponential", "f",
    "gamma", "geometric", "gumbel", "hypergeometric", "laplace", "logistic", "lognormal",
    "logseries", "multinomial", "multivariate_normal", "negative_binomial",
    "noncentral_chisquare", "noncentral_f", "normal", "pareto", "permutation", "poisson",
    "power", "randint", "randn", "random_integers", "rayleigh", "shuffle", "standard_cauchy",
    "standard_exponential", "standard_gamma", "standard_normal", "standard_t", "tomaxint",
    "triangular", "vonmises", "wald", "weibull", "zipf",
)  # fmt: skip


def _seed_provenance(seed: object) -> dict[str, Any] | None:
    """The seed as numpy's legacy seeding reads it: an int, or a 1-d list of words."""
    if seed is None or isinstance(seed, np.random.BitGenerator):
        return None  # entropy or a caller's generator: only the state describes it
    # numpy squeezes the seed and takes it as an int if it can (array([5]) seeds like 5).
    squeezed = seed.squeeze() if hasattr(seed, "squeeze") else seed
    try:
        return {"legacy": operator.index(squeezed)}  # type: ignore[arg-type]
    except TypeError:
        return {"legacy": np.asarray(seed).tolist()}


class RandomState(np.random.RandomState, PositionTracker):
    """numpy's ``RandomState``, with random access into its stream.

    Parameters
    ----------
    seed : None, int, array_like of ints, or numpy.random.MT19937, optional
        Exactly what :class:`numpy.random.RandomState` accepts, with the same
        stream and the same errors for what it refuses.

    Notes
    -----
    ``random_sample``, ``random``, ``rand`` and ``uniform`` take a keyword
    ``start=k``: skip the next ``k`` draws first, in O(log k) time.  Then
    ``RandomState(s).random_sample(n, start=k)`` equals
    ``numpy.random.RandomState(s).random_sample(k + n)[k:]`` bit for bit, and
    the object is left in the state numpy's would be in after that call.

    :attr:`position` counts the raw outputs consumed since seeding: 32-bit
    words for MT19937 (two per double), 64-bit outputs for a 64-bit bit
    generator (one per double).  Other methods work exactly as numpy's, but
    their consumption is not counted: after one, ``position`` raises until it
    is assigned.  Setting the state of the bit generator directly (not through
    :meth:`set_state`) bypasses this bookkeeping.

    Examples
    --------
    >>> import numpy as np
    >>> rs = RandomState(0)
    >>> x = rs.random_sample(3, start=10**6)
    >>> bool((x == np.random.RandomState(0).random_sample(10**6 + 3)[10**6:]).all())
    True
    >>> rs.position
    2000006
    >>> rs.position = 0
    >>> rs.rand()
    0.5488135039273248
    """

    def __init__(self, seed: Any = None) -> None:
        super().__init__(seed)
        self._start_stream(_seed_provenance(seed))

    def _stream_bit_generator(self) -> np.random.BitGenerator:
        bg: np.random.BitGenerator = self._bit_generator
        return bg

    def _clear_cache(self) -> None:
        state = super().get_state(legacy=False)
        state["has_gauss"], state["gauss"] = 0, 0.0
        super().set_state(state)

    @property
    def _double_words(self) -> int:
        # numpy's legacy doubles take two 32-bit words, or one 64-bit output.
        return 2 if self._origin.word_bits == 32 else 1

    def __reduce__(self) -> tuple[Any, ...]:
        state = self.get_state(legacy=False)
        return (_restore, (state, self._origin, self._position, self._untracked_by))

    def seed(self, seed: Any = None) -> None:
        """Reseed, as numpy's ``RandomState.seed``; the position restarts at 0."""
        super().seed(seed)
        self._start_stream(_seed_provenance(seed))

    def set_state(self, state: Any) -> None:
        """Set numpy's state, as numpy's ``set_state``; the position becomes unknown."""
        super().set_state(state)
        self._lose_position("set_state()")

    def random_sample(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Doubles in [0, 1), as numpy's ``random_sample``, after skipping `start` of them.

        With ``chunks=`` (dask's forms), or when the result would not fit the
        memory budget (see :func:`seedstream.plan`), a lazy dask array.  With
        ``store=`` (a path, a ``.npy`` path or a zarr store), the values are
        streamed to disk and the zarr array (or a read-only memory map) is
        returned; ``output`` options: ``workers``, ``processes``, ``overwrite``,
        ``compressors``, ``check_disk``, ``progress``.
        """
        return self._deliver(
            lambda: Draw("RandomState", "random_sample"),
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw(
                start, self._double_words, np.random.RandomState.random_sample, self, size
            ),
            store,
            output,
        )

    def random(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Alias of :meth:`random_sample`, as in numpy."""
        return self.random_sample(size, start=start, chunks=chunks, store=store, **output)

    def rand(
        self, *shape: int, start: int = 0, chunks: Any = None, store: Any = None, **output: Any
    ) -> Any:
        """Doubles in [0, 1) of the given shape, as numpy's ``rand``, after skipping `start`."""
        return self.random_sample(shape or None, start=start, chunks=chunks, store=store, **output)

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
        """``low + (high - low) * random_sample()`` as numpy's ``uniform``, after `start`.

        `chunks`, `store` and `output` as for :meth:`random_sample`.
        """
        return self._deliver(
            lambda: Draw("RandomState", "uniform", scalar_params("uniform", low=low, high=high)),
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw(
                start, self._double_words, np.random.RandomState.uniform, self, low, high, size
            ),
            store,
            output,
        )


for _name in _UNTRACKED:
    setattr(RandomState, _name, untracked(np.random.RandomState, _name))
del _name


def _restore(state: Any, origin: Any, position: int | None, by: str | None) -> RandomState:
    rs = RandomState(BIT_GENERATORS[state["bit_generator"]]())
    np.random.RandomState.set_state(rs, state)
    rs._origin, rs._position, rs._untracked_by = origin, position, by
    return rs


# The module-level functions of ``numpy.random``'s legacy API, on one global
# instance (numpy's own global state is not touched).
_global = RandomState()


def get_bit_generator() -> np.random.BitGenerator:
    """The bit generator of seedstream's global RandomState, as numpy's ``get_bit_generator``."""
    return _global._stream_bit_generator()


def set_bit_generator(bitgen: np.random.BitGenerator) -> None:
    """Give the global RandomState a new bit generator, as numpy's ``set_bit_generator``.

    Its current state becomes position 0 of the global stream.
    """
    if not isinstance(bitgen, np.random.BitGenerator):
        raise TypeError(f"bitgen must be a numpy BitGenerator, got {type(bitgen).__name__}")
    _global.__init__(bitgen)  # type: ignore[misc]  # re-initialise in place: bound methods stay valid


_METHODS = ("seed", "get_state", "set_state", "rand", "random_sample", "random", "uniform")
LEGACY_FUNCTIONS: dict[str, Any] = {
    **{name: getattr(_global, name) for name in (*_METHODS, *_UNTRACKED)},
    "ranf": _global.random_sample,  # numpy's aliases
    "sample": _global.random_sample,
    "get_bit_generator": get_bit_generator,
    "set_bit_generator": set_bit_generator,
}
