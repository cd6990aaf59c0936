"""``seedstream.RandomState`` and the module-level functions: numpy's legacy API.

A :class:`RandomState` *is* a :class:`numpy.random.RandomState` (a subclass):
numpy seeds it, generates every number and owns its state.  seedstream adds
``start=`` (skip that many draws in O(log start) time, by jumping the MT19937
state; draws of variable consumption count the stream first), ``chunks=`` and
``store=``, and a raw :attr:`~RandomState.position` that can be read and
assigned.  The methods built on numpy's cached Gaussian (``gamma``,
``lognormal``, ``beta`` and others) take them too, counted with the cached
Gaussian in the count's state; ``choice`` without replacement and
``permutation`` work as numpy's, in memory only.
"""

from __future__ import annotations

import builtins
import operator
import warnings
from collections.abc import Callable
from typing import Any, Unpack

import numpy as np

import seedstream._deliver as _deliver
import seedstream._fill as _fill
import seedstream._fill_ints as _fill_ints
import seedstream._fill_normals as _fill_normals
from seedstream._choice import chosen
from seedstream._deliver import Order, StoreOptions
from seedstream._draw import Draw, gauss_params, sizing_dtype
from seedstream._methods import method, methods
from seedstream._position import Track, Tracked, check_start, count, scalar_params
from seedstream._stream import BIT_GENERATORS
from seedstream._wrap import counted, plain_first, untracked

# numpy's own methods, looked up once
_np_bytes = np.random.RandomState.bytes
_RS = "RandomState"


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


def _randint_draw(low: Any, high: Any, dtype: Any) -> Draw:
    lo, hi = (0, low) if high is None else (low, high)
    return Draw("RandomState", "randint", _int_params(lo, hi), np.dtype(dtype).name)


def _randint_tally(track: Track, out: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Count a plain ``randint(low, high, size, dtype)`` numpy made (see plain_first)."""
    if track.words is None:
        return
    low = args[0] if args else kwargs["low"]
    high = args[1] if len(args) > 1 else kwargs.get("high")
    dtype = args[3] if len(args) > 3 else kwargs.get("dtype", int)
    # plain bounds: the rule for these bounds is worked out once (see Track.count_drawn)
    plain = low.__class__ is int and (high is None or high.__class__ is int)
    key = ("randint", low, high, dtype) if plain else None
    track.count_drawn(lambda: _randint_draw(low, high, dtype), count(out), key)


def _int_params(low: Any, high: Any) -> tuple[tuple[str, Any], ...]:
    if np.ndim(low) or np.ndim(high):
        raise NotImplementedError(
            "randint() with array bounds cannot be chunked or started later; pass scalars"
        )
    return (("low", int(low)), ("high", int(high)))


class RandomState(np.random.RandomState, Tracked):
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
        self._track = Track(self._bit_generator, _seed_provenance(seed))

    def __reduce__(self) -> tuple[Any, ...]:
        state = self.get_state(legacy=False)
        track = self._track
        return (_restore, (state, track.origin, track.words, track.lost_by))

    def seed(self, seed: Any = None) -> None:
        """Reseed, as numpy's ``RandomState.seed``; the position restarts at 0."""
        super().seed(seed)
        self._track = Track(self._bit_generator, _seed_provenance(seed))

    def set_state(self, state: Any) -> None:
        """Set numpy's state, as numpy's ``set_state``; the position becomes unknown."""
        super().set_state(state)
        self._track.lose("set_state()")

    @plain_first(method(_RS, "random_sample"), core=_fill.random_sample)
    def random_sample(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Doubles in [0, 1), as numpy's ``random_sample``, after skipping `start` of them.

        With ``chunks=`` (dask's forms), or when the result would not fit the
        memory budget (see :func:`seedstream.plan`), a lazy dask array.  With
        ``store=`` (a path, a ``.npy`` path, a URL such as ``s3://bucket/x.zarr``
        or a zarr store), the values are streamed to it and the zarr array (or a
        read-only memory map) is returned; the writer's options (``StoreOptions``):
        ``workers``, ``processes``, ``overwrite``, ``compressors``, ``check_disk``,
        ``progress``, ``storage_options`` (fsspec's, for a URL), ``client`` (a
        dask.distributed Client writes, by default the active one), ``shards``
        (zarr's shard shape, whole chunks).
        """
        track = self._track
        order = Order(
            "random_sample",
            draw=lambda: Draw("RandomState", "random_sample"),
            in_memory=lambda: track.draw(
                start, track.double_words, _fill.random_sample, self, size
            ),
            dtype=np.float64,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    # numpy's alias, as one function: a small call pays for one Python call, not two
    random = random_sample

    @plain_first(method(_RS, "rand"), core=_fill.random_sample)
    def rand(
        self,
        *shape: int,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Doubles in [0, 1) of the given shape, as numpy's ``rand``, after skipping `start`."""
        return self.random_sample(shape or None, start=start, chunks=chunks, store=store, **options)

    @plain_first(method(_RS, "uniform"), core=_fill.uniform)
    def uniform(
        self,
        low: Any = 0.0,
        high: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """``low + (high - low) * random_sample()`` as numpy's ``uniform``, after `start`.

        `chunks`, `store` and the writer's options as for :meth:`random_sample`.
        """

        def make() -> Draw:
            _validate(lambda rs: rs.uniform(low, high))  # numpy's errors now, not at compute
            return Draw("RandomState", "uniform", scalar_params("uniform", low=low, high=high))

        track = self._track
        order = Order(
            "uniform",
            draw=make,
            in_memory=lambda: track.draw(
                start, track.double_words, _fill.uniform, self, low, high, size
            ),
            dtype=np.float64,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    # --- Gaussians: the polar method, variable consumption --------------------------------

    @plain_first(
        method(_RS, "standard_normal"),
        core=_fill_normals.standard_normal,
        core_min=_fill_normals.CORE_MIN_NORMALS,
    )
    def standard_normal(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
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

        def make() -> Draw:
            return _gauss_draw(self, "standard_normal", ())

        order = Order(
            "standard_normal",
            draw=make,
            in_memory=lambda: _deliver.draw_variable(
                self,
                "standard_normal",
                make,
                start,
                lambda: _fill_normals.standard_normal(self, size),
            ),
            dtype=np.float64,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    @plain_first(
        method(_RS, "randn"),
        core=_fill_normals.standard_normal,
        core_min=_fill_normals.CORE_MIN_NORMALS,
    )
    def randn(
        self,
        *shape: int,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Standard normals of the given shape, as numpy's ``randn``."""
        return self.standard_normal(
            shape or None, start=start, chunks=chunks, store=store, **options
        )

    @plain_first(
        method(_RS, "normal"), core=_fill_normals.normal, core_min=_fill_normals.CORE_MIN_NORMALS
    )
    def normal(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """``loc + scale * standard_normal()`` as numpy's ``normal``."""

        def make() -> Draw:
            _validate(lambda rs: rs.normal(loc, scale))
            return _gauss_draw(self, "normal", scalar_params("normal", loc=loc, scale=scale))

        def counting() -> Draw:
            """In memory normal consumes as standard_normal, whatever loc and scale (arrays too)."""
            _validate(lambda rs: rs.normal(loc, scale))  # numpy's errors before the count
            return _gauss_draw(self, "standard_normal", ())

        order = Order(
            "normal",
            draw=make,
            in_memory=lambda: _deliver.draw_variable(
                self,
                "normal",
                counting,
                start,
                lambda: _fill_normals.normal(self, loc, scale, size),
            ),
            dtype=np.float64,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    # --- fixed consumption: exponentials, integers, bytes -----------------------------------

    @plain_first(
        method(_RS, "standard_exponential"),
        core=_fill_normals.standard_exponential,
        core_min=_fill_normals.CORE_MIN_EXPONENTIALS,
    )
    def standard_exponential(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Standard exponentials, as numpy's ``standard_exponential``, after skipping `start`."""
        return _fixed(
            self, lambda validate: Draw("RandomState", "standard_exponential"), np.float64,
            size, start, chunks, store, options,
            _fill_normals.standard_exponential, size,
        )  # fmt: skip

    @plain_first(
        method(_RS, "exponential"),
        core=_fill_normals.exponential,
        core_min=_fill_normals.CORE_MIN_EXPONENTIALS,
    )
    def exponential(
        self,
        scale: Any = 1.0,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Exponentials of mean `scale`, as numpy's ``exponential``, after skipping `start`."""

        def make(validate: bool) -> Draw:
            if validate:
                _validate(lambda rs: rs.exponential(scale))
            return Draw("RandomState", "exponential", scalar_params("exponential", scale=scale))

        def counting(validate: bool) -> Draw:  # one double per value, whatever the scale
            if validate:
                _validate(lambda rs: rs.exponential(scale))
            return Draw("RandomState", "standard_exponential")

        return _fixed(
            self, make, np.float64, size, start, chunks, store, options,
            _fill_normals.exponential, scale, size, counting=counting,
        )  # fmt: skip

    @plain_first(
        method(_RS, "randint"),
        core=_fill_ints.randint,
        core_min=_fill_ints.CORE_MIN_INTS,
        tally=_randint_tally,
    )
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
        **options: Unpack[StoreOptions],
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
            return _randint_draw(low, high, dtype)

        return _fixed(
            self, make, sizing_dtype(dtype), size, start, chunks, store, options,
            _fill_ints.randint, low, high, size, dtype,
        )  # fmt: skip

    def random_integers(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Integers in [low, high], as numpy's (deprecated) ``random_integers``."""
        if start.__class__ is int and not start and chunks is None and store is None:
            out = np.random.RandomState.random_integers(self, low, high, size)
            self._track.lose("random_integers()")
            return out
        warnings.warn(
            "This function is deprecated. Please call randint instead",
            DeprecationWarning,
            stacklevel=2,
        )
        lo, hi = (1, low) if high is None else (low, high)
        return self.randint(
            lo, int(hi) + 1, size, "l", start=start, chunks=chunks, store=store, **options
        )

    def bytes(self, length: int, *, start: int = 0) -> builtins.bytes:
        """Random bytes, as numpy's ``bytes``, after skipping `start` bytes.

        numpy makes them from ``ceil(length / 4)`` 32-bit draws.
        """
        return self._track.draw_bytes(_np_bytes, self, length, check_start(start))


def _gauss_draw(rs: RandomState, method: str, params: tuple[tuple[str, Any], ...]) -> Draw:
    """A polar draw of `method`, with the Gaussian numpy has cached, if any, as value 0."""
    return Draw("RandomState", method, params + gauss_params(rs))


def _fixed(
    rs: RandomState,
    make: Callable[[bool], Draw],
    dtype: Any,
    size: Any,
    start: object,
    chunks: Any,
    store: Any,
    options: StoreOptions,
    func: Callable[..., Any],
    *args: Any,
    counting: Callable[[bool], Draw] | None = None,
) -> Any:
    """Deliver ``func(rs, *args)``: a jump to `start` for fixed consumption, a count pass for
    variable.

    `make(validate)` builds the :class:`Draw`; with ``validate`` it first
    lets numpy check the parameters (on a scratch generator).  In memory,
    `counting(validate)` (default `make`) builds a draw that consumes as
    the call does: one without parameters lets them be arrays there.
    """
    consumed = counting or make
    track = rs._track

    def in_memory() -> Any:
        if start.__class__ is int and not start:
            out = func(rs, *args)
            track.count_drawn(lambda: consumed(False), count(out))
            return out
        use = consumed(True).consumption(track.origin)
        if use.fixed:
            return track.draw_units(start, use, func, rs, *args)
        call = lambda: func(rs, *args)  # noqa: E731
        return _deliver.draw_variable(rs, func.__name__, lambda: consumed(False), start, call, size)

    order = Order(
        func.__name__,
        draw=lambda: make(True),
        in_memory=in_memory,
        dtype=dtype,
        size=size,
        start=start,
        chunks=chunks,
        store=store,
        options=options,
    )
    return _deliver.deliver(rs, order)


def _validate(call: Any) -> None:
    """numpy's own errors for these parameters, from a scratch generator.

    It draws there (numpy checks some bounds only when it draws), never from
    the caller's stream; without a size, so that array parameters broadcast as
    in numpy's call (the call itself checks them against its size).
    """
    call(np.random.RandomState(0))


# The other methods, from the method table: numpy's own, counted or untracked.
for _row in methods("RandomState", "counted", "counted_gauss"):
    setattr(RandomState, _row.name, counted(_row))
for _row in methods("RandomState", "untracked"):
    setattr(RandomState, _row.name, untracked(_row))
for _row in methods("RandomState", "choice"):
    setattr(RandomState, _row.name, chosen(_row))
del _row


def _restore(state: Any, origin: Any, position: int | None, by: str | None) -> RandomState:
    rs = RandomState(BIT_GENERATORS[state["bit_generator"]]())
    np.random.RandomState.set_state(rs, state)
    track = rs._track
    track.origin, track.words, track.lost_by = origin, position, by
    return rs
