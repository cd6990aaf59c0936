"""``seedstream.RandomState`` and the module-level functions: numpy's legacy API.

A :class:`RandomState` *is* a :class:`numpy.random.RandomState` (a subclass):
numpy seeds it, generates every number and owns its state.  seedstream adds
``start=`` (skip that many draws in O(log start) time, by jumping the MT19937
state; draws of variable consumption count the stream first), ``chunks=`` and
``store=``, and a raw :attr:`~RandomState.position` that can be read and
assigned.  The methods built on numpy's cached Gaussian (``gamma``,
``lognormal``, ``beta`` and others) and ``choice``/``permutation`` work as
numpy's, in memory only.
"""

from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import numpy as np

from seedstream._draw import Draw, sizing_dtype
from seedstream._fill import CORE_MIN_VALUES, random_sample, uniform
from seedstream._fill import random_sample as _core_random_sample
from seedstream._fill import uniform as _core_uniform
from seedstream._methods import methods
from seedstream._position import (
    SMALL_DRAW_VALUES,
    PositionTracker,
    check_start,
    count,
    counted,
    scalar_params,
    untracked,
)
from seedstream._small import small
from seedstream._stream import BIT_GENERATORS

# numpy's own methods, looked up once: the small calls below go straight to them
_np_random_sample = np.random.RandomState.random_sample
_np_uniform = np.random.RandomState.uniform
_np_standard_normal = np.random.RandomState.standard_normal
_np_normal = np.random.RandomState.normal
_np_standard_exponential = np.random.RandomState.standard_exponential
_np_exponential = np.random.RandomState.exponential
_np_randint = np.random.RandomState.randint
_np_bytes = np.random.RandomState.bytes


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

    def _start_stream(self, seed: dict[str, Any] | None) -> None:
        super()._start_stream(seed)
        # numpy's legacy doubles take two 32-bit words, or one 64-bit output.
        self._double_words = 2 if self._origin.word_bits == 32 else 1

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

    @small(
        _np_random_sample, words="double_words", core=_core_random_sample, core_min=CORE_MIN_VALUES
    )
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
        if (  # a plain small call: numpy's own, and one addition
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out: Any
            if size is None:
                out, n = _np_random_sample(self), 1
            else:
                n = size
                out = (
                    _np_random_sample(self, size)
                    if size < CORE_MIN_VALUES
                    else _random_sample(self, size)
                )
            if self._position is not None:
                self._position += self._double_words * n
            return out
        return self._deliver(
            lambda: Draw("RandomState", "random_sample"),
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw(start, self._double_words, _random_sample, self, size),
            store,
            output,
        )

    # numpy's alias, as one function: a small call pays for one Python call, not two
    random = random_sample

    @small(
        _np_random_sample,
        words="double_words",
        core=_core_random_sample,
        core_min=CORE_MIN_VALUES,
        shape_args=True,
    )
    def rand(
        self, *shape: int, start: int = 0, chunks: Any = None, store: Any = None, **output: Any
    ) -> Any:
        """Doubles in [0, 1) of the given shape, as numpy's ``rand``, after skipping `start`."""
        if start.__class__ is int and not start and chunks is None and store is None and not output:
            # numpy's rand() and rand(n) are random_sample() and random_sample(n): inlined
            out: Any
            if not shape:
                out, n = _np_random_sample(self), 1
            elif len(shape) == 1 and shape[0].__class__ is int and shape[0] < CORE_MIN_VALUES:
                n = shape[0]
                out = _np_random_sample(self, n)
            elif len(shape) == 1 and shape[0].__class__ is int and shape[0] <= SMALL_DRAW_VALUES:
                return self.random_sample(shape[0])  # the core fills it
            else:
                return self.random_sample(shape, start=start, chunks=chunks, store=store, **output)
            if self._position is not None:
                self._position += self._double_words * n
            return out
        return self.random_sample(shape or None, start=start, chunks=chunks, store=store, **output)

    @small(_np_uniform, words="double_words", core=_core_uniform, core_min=CORE_MIN_VALUES)
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
                out = _uniform(self, low, high, size)
            if self._position is not None:
                self._position += self._double_words * (size if size is not None else count(out))
            return out

        def make() -> Draw:
            _validate(lambda rs: rs.uniform(low, high))  # numpy's errors now, not at compute
            return Draw("RandomState", "uniform", scalar_params("uniform", low=low, high=high))

        return self._deliver(
            make,
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw(start, self._double_words, _uniform, self, low, high, size),
            store,
            output,
        )

    # --- Gaussians: the polar method, variable consumption --------------------------------

    def _gauss_draw(self, method: str, params: tuple[tuple[str, Any], ...]) -> Draw:
        state = np.random.RandomState.get_state(self, legacy=False)
        cached = (("cached_gauss", float(state["gauss"])),) if state["has_gauss"] else ()
        return Draw("RandomState", method, params + cached)

    @small(_np_standard_normal, lose="standard_normal()")
    def standard_normal(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Standard normals, as numpy's ``standard_normal`` (the polar method), after `start`.

        numpy's polar method rejects about 21.5 % of its attempts, so a value's
        position depends on every attempt before it: ``start=``, ``chunks=``
        and ``store=`` first count accepted attempts over the stream (in
        parallel, about a tenth of the cost of generating), then numpy
        generates each part from its exact position, and every part is checked
        to end where the count says.  ``start=k`` therefore costs O(k), not
        O(log k).  The Gaussian numpy caches between calls is honoured.
        """
        if (  # numpy's call; the position becomes unknown (counting would cost a pass)
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out = _np_standard_normal(self, size)
            self._position, self._untracked_by = None, "standard_normal()"
            return out
        base = _np_standard_normal
        return self._deliver(
            lambda: self._gauss_draw("standard_normal", ()),
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw_variable(
                "standard_normal",
                lambda: self._gauss_draw("standard_normal", ()),
                start,
                lambda: base(self, size),
            ),
            store,
            output,
        )

    @small(_np_standard_normal, lose="standard_normal()", shape_args=True)
    def randn(
        self, *shape: int, start: int = 0, chunks: Any = None, store: Any = None, **output: Any
    ) -> Any:
        """Standard normals of the given shape, as numpy's ``randn``."""
        if start.__class__ is int and not start and chunks is None and store is None and not output:
            out: Any
            if not shape:
                out = _np_standard_normal(self)
                self._position, self._untracked_by = None, "standard_normal()"
                return out
            if len(shape) == 1 and shape[0].__class__ is int and shape[0] <= SMALL_DRAW_VALUES:
                out = _np_standard_normal(self, shape[0])  # numpy's randn(n): standard_normal(n)
                self._position, self._untracked_by = None, "standard_normal()"
                return out
        return self.standard_normal(
            shape or None, start=start, chunks=chunks, store=store, **output
        )

    @small(_np_normal, lose="normal()")
    def normal(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """``loc + scale * standard_normal()`` as numpy's ``normal``."""
        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out = _np_normal(self, loc, scale, size)
            self._position, self._untracked_by = None, "normal()"
            return out
        base = _np_normal

        def make() -> Draw:
            _validate(lambda rs: rs.normal(loc, scale))
            return self._gauss_draw("normal", scalar_params("normal", loc=loc, scale=scale))

        def counting() -> Draw:
            """In memory normal consumes as standard_normal, whatever loc and scale (arrays too)."""
            _validate(lambda rs: rs.normal(loc, scale))  # numpy's errors before the count
            return self._gauss_draw("standard_normal", ())

        return self._deliver(
            make,
            np.float64,
            size,
            start,
            chunks,
            lambda: self._draw_variable(
                "normal", counting, start, lambda: base(self, loc, scale, size)
            ),
            store,
            output,
        )

    def _adopt_cache(self, obj: Any) -> None:
        state = np.random.RandomState.get_state(self, legacy=False)
        theirs = obj.get_state(legacy=False)
        state["has_gauss"], state["gauss"] = theirs["has_gauss"], theirs["gauss"]
        np.random.RandomState.set_state(self, state)

    def _full_state(self) -> Any:
        return np.random.RandomState.get_state(self, legacy=False)

    def _restore_full_state(self, state: Any) -> None:
        np.random.RandomState.set_state(self, state)

    # --- fixed consumption: exponentials, integers, bytes -----------------------------------

    def _fixed(
        self,
        make: Any,
        dtype: Any,
        size: Any,
        start: object,
        chunks: Any,
        store: Any,
        output: dict[str, Any],
        func: Any,
        *args: Any,
        counting: Any = None,
    ) -> Any:
        """Deliver a draw: a jump to `start` for fixed consumption, a count pass for variable.

        `make(validate)` builds the :class:`Draw`; with ``validate`` it first
        lets numpy check the parameters (on a scratch generator).  In memory,
        `counting(validate)` (default `make`) builds a draw that consumes as
        the call does: one without parameters lets them be arrays there.
        """
        consumed = counting or make

        def eager() -> Any:
            if start.__class__ is int and not start:
                out = func(self, *args)
                self._count_drawn(lambda: consumed(False), count(out))
                return out
            draw = consumed(True)
            use = draw.consumption(self._origin)
            if use.fixed:
                return self._draw_units(start, use, func, self, *args)
            call = lambda: func(self, *args)  # noqa: E731
            return self._draw_variable(func.__name__, lambda: consumed(False), start, call, size)

        return self._deliver(lambda: make(True), dtype, size, start, chunks, eager, store, output)

    @small(_np_standard_exponential, words="double_words")
    def standard_exponential(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Standard exponentials, as numpy's ``standard_exponential``, after skipping `start`."""
        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out = _np_standard_exponential(self, size)
            if self._position is not None:  # one double each
                self._position += self._double_words * (1 if size is None else size)
            return out
        return self._fixed(
            lambda validate: Draw("RandomState", "standard_exponential"), np.float64,
            size, start, chunks, store, output,
            np.random.RandomState.standard_exponential, size,
        )  # fmt: skip

    @small(_np_exponential, words="double_words")
    def exponential(
        self,
        scale: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Exponentials of mean `scale`, as numpy's ``exponential``, after skipping `start`."""
        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out = _np_exponential(self, scale, size)
            if self._position is not None:  # one double each, whatever the scale (arrays too)
                self._position += self._double_words * (size if size is not None else count(out))
            return out

        def make(validate: bool) -> Draw:
            if validate:
                _validate(lambda rs: rs.exponential(scale))
            return Draw("RandomState", "exponential", scalar_params("exponential", scale=scale))

        def counting(validate: bool) -> Draw:  # one double per value, whatever the scale
            if validate:
                _validate(lambda rs: rs.exponential(scale))
            return Draw("RandomState", "standard_exponential")

        return self._fixed(
            make, np.float64, size, start, chunks, store, output,
            np.random.RandomState.exponential, scale, size, counting=counting,
        )  # fmt: skip

    @small(_np_randint)  # the consumption depends on the bounds: worked out in Python
    def randint(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        dtype: Any = int,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Integers in [low, high), as numpy's ``randint``, after skipping `start` of them.

        numpy rejects masked draws outside the range, so for a range that is
        not a power of two the consumption varies and ``start=``, ``chunks=``
        and ``store=`` count the stream first, as for :meth:`standard_normal`.
        8/16-bit and bool values are bytes, halves or bits of 32-bit words, in
        a buffer local to one numpy call: a part that starts inside a word is
        made by numpy from that word, dropping the values before it.
        """

        def make(validate: bool) -> Draw:
            if validate:
                _validate(lambda rs: rs.randint(low, high, dtype=dtype))
            lo, hi = (0, low) if high is None else (low, high)
            return Draw("RandomState", "randint", _int_params(lo, hi), np.dtype(dtype).name)

        if (
            start.__class__ is int
            and not start
            and chunks is None
            and store is None
            and not output
            and (size is None or (size.__class__ is int and size <= SMALL_DRAW_VALUES))
        ):
            out = _np_randint(self, low, high, size, dtype)
            if self._position is not None:
                # plain bounds: the rule for these bounds is worked out once (see _count_drawn)
                plain = low.__class__ is int and (high is None or high.__class__ is int)
                key = ("randint", low, high, dtype) if plain else None
                self._count_drawn(lambda: make(False), count(out), key)
            return out

        return self._fixed(
            make, sizing_dtype(dtype), size, start, chunks, store, output,
            np.random.RandomState.randint, low, high, size, dtype,
        )  # fmt: skip

    @small(np.random.RandomState.random_integers, lose="random_integers()", max_size=None)
    def random_integers(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **output: Any,
    ) -> Any:
        """Integers in [low, high], as numpy's (deprecated) ``random_integers``."""
        if start.__class__ is int and not start and chunks is None and store is None:
            out = np.random.RandomState.random_integers(self, low, high, size)
            self._lose_position("random_integers()")
            return out
        warnings.warn(
            "This function is deprecated. Please call randint instead",
            DeprecationWarning,
            stacklevel=2,
        )
        lo, hi = (1, low) if high is None else (low, high)
        return self.randint(
            lo, int(hi) + 1, size, "l", start=start, chunks=chunks, store=store, **output
        )

    def bytes(self, length: int, *, start: int = 0) -> builtins.bytes:
        """Random bytes, as numpy's ``bytes``, after skipping `start` bytes.

        numpy makes them from ``ceil(length / 4)`` 32-bit draws.
        """
        return self._draw_bytes(_np_bytes, length, check_start(start))


# numpy's random_sample and uniform, their values filled by the MT19937 core when it can serve.
_random_sample = random_sample
_uniform = uniform


def _int_params(low: Any, high: Any) -> tuple[tuple[str, Any], ...]:
    if np.ndim(low) or np.ndim(high):
        raise NotImplementedError(
            "randint() with array bounds cannot be chunked or started later; pass scalars"
        )
    return (("low", int(low)), ("high", int(high)))


def _validate(call: Any) -> None:
    """numpy's own errors for these parameters, from a scratch generator.

    It draws there (numpy checks some bounds only when it draws), never from
    the caller's stream; without a size, so that array parameters broadcast as
    in numpy's call (the call itself checks them against its size).
    """
    call(np.random.RandomState(0))


# The other methods, from the method table: numpy's own, counted or untracked.
for _row in methods("RandomState", "counted"):
    setattr(RandomState, _row.name, counted(_row))
for _row in methods("RandomState", "untracked"):
    setattr(RandomState, _row.name, untracked(_row))
del _row


def _restore(state: Any, origin: Any, position: int | None, by: str | None) -> RandomState:
    rs = RandomState(BIT_GENERATORS[state["bit_generator"]]())
    np.random.RandomState.set_state(rs, state)
    rs._origin, rs._position, rs._untracked_by = origin, position, by
    return rs
