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
from typing import Any, Unpack

import numpy as np

import seedstream._deliver as _deliver
import seedstream._fill_ints as _fill_ints
from seedstream._choice import chosen
from seedstream._deliver import Order, StoreOptions
from seedstream._draw import Draw, sizing_dtype
from seedstream._fill import generator_random, generator_uniform
from seedstream._methods import method, methods
from seedstream._position import (
    SFC64_START,
    Track,
    Tracked,
    check_start,
    count,
    refuse_sfc64,
    scalar_params,
)
from seedstream._wrap import counted, draw_object, plain_first, untracked

# numpy's own methods, looked up once
_np_integers = np.random.Generator.integers
_np_bytes = np.random.Generator.bytes
_GEN = "Generator"


def _integers_draw(low: Any, high: Any, dtype: Any, endpoint: Any) -> Draw:
    lo, hi = (0, low) if high is None else (low, high)
    if np.ndim(lo) or np.ndim(hi):
        raise NotImplementedError(
            "integers() with array bounds cannot be chunked or started later; pass scalars"
        )
    params = (("low", int(lo)), ("high", int(hi)), ("endpoint", bool(endpoint)))
    return Draw("Generator", "integers", params, np.dtype(dtype).name)


def _integers_tally(track: Track, out: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Count a plain ``integers(low, high, size, dtype, endpoint)`` numpy made (see plain_first)."""
    if track.words is None:
        return
    low = args[0] if args else kwargs["low"]
    high = args[1] if len(args) > 1 else kwargs.get("high")
    dtype = args[3] if len(args) > 3 else kwargs.get("dtype", np.int64)
    endpoint = args[4] if len(args) > 4 else kwargs.get("endpoint", False)
    # plain bounds: the rule for these bounds is worked out once (see Track.count_drawn)
    plain = low.__class__ is int and (high is None or high.__class__ is int)
    key = ("integers", low, high, dtype, bool(endpoint)) if plain else None
    track.count_drawn(lambda: _integers_draw(low, high, dtype, endpoint), count(out), key)


class Generator(np.random.Generator, Tracked):
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
    counting bit generator; ``hypergeometric`` too (32-bit units for small
    samples, doubles otherwise).  ``choice`` with replacement takes them as
    its index (or, with ``p``, uniform) draw, mapped to elements of ``a``.
    ``choice`` without replacement, ``permutation``, ``shuffle`` and the
    multivariate methods work as numpy's, in memory.

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
        self._track = Track(bit_generator, _seed_sequence_provenance(bit_generator))

    def __reduce__(self) -> tuple[Any, ...]:
        track = self._track
        return (_restore, (self.bit_generator, track.origin, track.words, track.lost_by))

    @plain_first(method(_GEN, "random"), core=generator_random)
    def random(
        self,
        size: Any = None,
        dtype: Any = np.float64,
        out: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Floats in [0, 1), as numpy's ``Generator.random``, after skipping `start` of them.

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
        random = generator_random
        if out is not None:
            if chunks is not None or store is not None:
                raise TypeError("out= is an in-memory array: it cannot go with chunks= or store=")
            return _draw_values(self, start, dtype, random, self, size, dtype, out)

        def make() -> Draw:
            draw_object("Generator").random(dtype=dtype)  # numpy's TypeError for other dtypes
            return Draw("Generator", "random", dtype=np.dtype(dtype).name)

        order = Order(
            "random",
            draw=make,
            in_memory=lambda: _draw_values(self, start, dtype, random, self, size, dtype),
            dtype=dtype,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    @plain_first(method(_GEN, "uniform"), core=generator_uniform)
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
        """Doubles in [low, high), as numpy's ``Generator.uniform``, after skipping `start`.

        `chunks`, `store` and the writer's options as for :meth:`random`.
        """
        uniform = generator_uniform

        def make() -> Draw:
            draw_object("Generator").uniform(low, high)  # numpy's errors now, not at compute
            return Draw("Generator", "uniform", scalar_params("uniform", low=low, high=high))

        order = Order(
            "uniform",
            draw=make,
            in_memory=lambda: _draw_values(self, start, np.float64, uniform, self, low, high, size),
            dtype=np.float64,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    @plain_first(
        method(_GEN, "integers"),
        core=_fill_ints.generator_integers,
        core_min=_fill_ints.CORE_MIN_INTS,
        tally=_integers_tally,
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
        **options: Unpack[StoreOptions],
    ) -> Any:
        """Integers as numpy's ``Generator.integers``, after skipping `start` of them.

        numpy uses Lemire's method, which rejects a few draws for ranges that
        are not powers of two: then ``start=``, ``chunks=`` and ``store=``
        count the stream first (in parallel) and check every part's end.
        8/16-bit and bool values are packed in 32-bit words within one numpy
        call: a part that starts inside a word is made from that word.
        """
        base = _np_integers if size is None else _fill_ints.generator_integers

        def make(validate: bool) -> Draw:
            if validate:
                np.random.Generator(np.random.PCG64(0)).integers(
                    low, high, dtype=dtype, endpoint=endpoint
                )
            return _integers_draw(low, high, dtype, endpoint)

        def in_memory() -> Any:
            track = self._track
            if start.__class__ is int and not start:
                out = base(self, low, high, size, dtype, endpoint)
                track.count_drawn(lambda: make(False), count(out))
                return out
            refuse_sfc64(track.origin, SFC64_START)
            use = make(True).consumption(track.origin)
            call = lambda: base(self, low, high, size, dtype, endpoint)  # noqa: E731
            if use.fixed:
                return track.draw_units(start, use, call)
            return _deliver.draw_variable(self, "integers", lambda: make(False), start, call, size)

        order = Order(
            "integers",
            draw=lambda: make(True),
            in_memory=in_memory,
            dtype=sizing_dtype(dtype),
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,
        )
        return _deliver.deliver(self, order)

    def bytes(self, length: int, *, start: int = 0) -> builtins.bytes:
        """Random bytes, as numpy's ``Generator.bytes``, after skipping `start` bytes."""
        k = check_start(start)
        if k:
            refuse_sfc64(self._track.origin, SFC64_START)
        return self._track.draw_bytes(_np_bytes, self, length, k)


def _draw_values(g: Generator, start: object, dtype: Any, func: Any, *args: Any) -> Any:
    """``func(*args)``, floats of `dtype`, after skipping `start` of them (by a jump)."""
    track = g._track
    skips = (start.__class__ is not int or start) and check_start(start)
    if skips:
        refuse_sfc64(track.origin, SFC64_START)
    single = dtype is not np.float64 and np.dtype(dtype) == np.float32
    if single and track.origin.word_bits == 64:  # 32-bit halves of 64-bit outputs
        return track.draw_halves(check_start(start), 1, func, *args)
    words = 1 if single else track.double_words
    return track.draw(start, words, func, *args)


# The other methods, from the method table: numpy's own, counted or untracked.
for _row in methods("Generator", "ziggurat", "counted"):
    setattr(Generator, _row.name, counted(_row))
for _row in methods("Generator", "untracked"):
    setattr(Generator, _row.name, untracked(_row))
for _row in methods("Generator", "choice"):
    setattr(Generator, _row.name, chosen(_row))
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
    track = g._track
    track.origin, track.words, track.lost_by = origin, position, by
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
