"""Delivering a draw: an ndarray, a lazy dask array, or a store on disk.

Every public method that takes ``chunks=`` or ``store=`` hands one
:class:`Order` to :func:`deliver`, the one place where the three are chosen:

- small requests (and malformed sizes, so that numpy reports them) are
  numpy's call, ``Order.in_memory``;
- others are planned with :func:`seedstream._plan.plan`, which says
  ``"ndarray"`` (``Order.in_memory`` again), ``"dask"``
  (:func:`seedstream._lazy.lazy_array`) or ``"zarr"``
  (:func:`seedstream._output.write`, with the :class:`StoreOptions`);
- then the object is put where numpy's would stand after drawing them all
  (:func:`advance_past`), its position counted on its
  :class:`~seedstream._position.Track`.

In memory, a draw after ``start=`` whose consumption varies is located by
counting the stream first (:func:`draw_variable`).  Imports the plan, lazy and
output modules and the position module, all below it.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar

import numpy as np

import seedstream._lazy as _lazy
import seedstream._output as _output
import seedstream._plan as _plan
import seedstream._position as _position
from seedstream._args import workers_arg
from seedstream._draw import Draw
from seedstream._errors import LazyResultWarning
from seedstream._geometry import normalize_shape
from seedstream._locate import (
    Locator,
    check_gauss,
    check_position,
    end_word,
    generate_located,
    numpy_at,
    values_at,
)
from seedstream._progress import CountProgress
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit

T = TypeVar("T")


class StoreOptions(TypedDict, total=False):
    """The writer's keywords, as the public methods take them (see ``_output.write``).

    Only with ``store=``; ``progress`` also goes with ``chunks=``, where it
    shows the count pass of a variable draw.
    """

    workers: int | None
    processes: bool
    overwrite: bool
    compressors: Any
    check_disk: bool
    progress: bool | None
    storage_options: dict[str, Any] | None  # with a URL store=: fsspec's options, as zarr's
    client: Any  # a dask.distributed Client, or None (the active one) / False (none)
    shards: Any  # zarr's shard shape: whole chunks in one stored object, one task each


_STORE_OPTIONS = frozenset(StoreOptions.__optional_keys__)

#: The most float64s a plain call (no start, chunks or store) hands straight to numpy:
#: below ``SMALL_DRAW_BYTES`` no plan is needed.  The public methods test their arguments
#: against it before anything else, so that a small call costs about what numpy's does.
SMALL_DRAW_VALUES = _plan.SMALL_DRAW_BYTES // 8


@dataclasses.dataclass(frozen=True)
class Order:
    """What a public method asks :func:`deliver` for.

    Attributes
    ----------
    method : str
        The public method's name, for messages.
    draw : callable
        Makes the :class:`~seedstream._draw.Draw` for a dask array or a store,
        after numpy has checked the parameters (so that its errors come first).
    in_memory : callable
        The ndarray: numpy's call, after ``start`` (see ``Track.draw``
        and :func:`draw_variable`), counted on the object's track.
    dtype :
        The result's dtype, for the memory plan.
    size, start, chunks, store :
        As the method was given them.
    options : StoreOptions
        The writer's keywords.
    """

    method: str
    draw: Callable[[], Draw]
    in_memory: Callable[[], Any]
    dtype: Any
    size: Any
    start: object = 0
    chunks: Any = None
    store: Any = None
    options: StoreOptions = dataclasses.field(default_factory=lambda: StoreOptions())


def deliver(owner: Any, order: Order) -> Any:
    """An ndarray, a lazy dask array when asked or too big, or a store, as `order` says.

    `owner` is the RandomState or Generator drawing: its ``_track`` counts
    what is drawn, and it stands afterwards where numpy's would.
    """
    options, chunks, store, size = order.options, order.chunks, order.store, order.size
    unknown = sorted(options.keys() - _STORE_OPTIONS)
    if unknown:  # as Python says it
        raise TypeError(f"{order.method}() got an unexpected keyword argument {unknown[0]!r}")
    store_only = [key for key in options if chunks is None or key != "progress"]
    if store_only and store is None:
        raise TypeError(f"{', '.join(store_only)}: only with store=")
    workers_arg(options.get("workers"))  # before anything is created
    if chunks is None and store is None and _small(size, np.dtype(order.dtype).itemsize):
        return order.in_memory()
    if size is None:
        raise TypeError("chunks= and store= need a size: the shape of the result")
    shape = normalize_shape(size)
    k = _position.check_start(order.start)
    decided = _plan.plan(shape, order.dtype, chunks=chunks, store=store)
    if decided.mode == "ndarray":
        return order.in_memory()
    if decided.mode == "dask" and chunks is None:
        warnings.warn(
            f"{decided.reason}. See seedstream.plan({size!r}) for the figures.",
            LazyResultWarning,
            stacklevel=_user_stacklevel(),
        )
    track: _position.Track = owner._track
    _position.refuse_sfc64(
        track.origin,
        "its blocks cannot be generated independently; use PCG64, PCG64DXSM, Philox or "
        "MT19937 for chunks= or store=, or draw sequentially",
    )
    draw = order.draw()
    here = track.here()
    use = draw.consumption(here)
    if use.units_per_value is not None:
        halves = 2 * use.units_per_value * use.unit_bits // here.word_bits
        _position.check_reach(k, k + math.prod(shape), halves)
    locator = _locator(here, draw, options.get("progress")) if use.variable else None
    if decided.mode == "zarr":
        _, wanted = _plan.resolve_chunks(shape, np.dtype(order.dtype), chunks, graph=False)
        request = _output.Request(here, draw, k, shape, _plan.regular_chunk_shape(wanted))
        result = _output.write(request, store, locator=locator, **options)
    else:
        result = _lazy.lazy_array(here, draw, k, shape, chunks, locator)
    advance_past(owner, here, draw, k + math.prod(shape), locator)
    return result


def advance_past(
    owner: Any, here: Stream, draw: Draw, values: int, locator: Locator | None = None
) -> None:
    """Stand where numpy would after drawing `values` values of `draw` from `here`."""
    track: _position.Track = owner._track
    use = draw.consumption(here)
    if use.units_per_value is not None:
        units = draw.units_for(values, use)
    else:
        assert locator is not None
        locator.prepare(values)
        units = end_word(here, draw, locator.end(values))
        if values:  # numpy itself makes the last value: its cache ends as numpy's would
            bg, obj, _ = values_at(here, draw, locator.start(values - 1), 1)
            track.bit_generator.state = bg.state
            if draw.caches_gauss:
                _adopt_gauss(owner, obj)
            track.moved(_position.native_outputs(here, use.unit_bits, units))
            return
    if use.unit_bits == 32 and here.word_bits == 64:  # halves: numpy's exact buffer
        track.bit_generator.state = bit_generator_at_unit(here, units, 32).state
    else:
        track.skip(units * track.words_per_unit(use.unit_bits))
    track.moved(_position.native_outputs(here, use.unit_bits, units))


def draw_variable(
    owner: Any,
    name: str,
    make_draw: Callable[[], Draw],
    start: object,
    call: Callable[[], T],
    size: Any = None,
) -> T:
    """An in-memory draw with variable consumption, after skipping `start` values.

    Without a start it is numpy's call as it is (the position becomes
    unknown: counting it would cost a pass over the values).  With one, the
    stream is counted up to the start, numpy generates from there, and the
    end is checked against the count.  (`size` is the call's, for packed draws.)
    `name` names the method for the unknown position: without a start no
    :class:`Draw` is made, so parameters a Draw cannot hold (arrays) are numpy's alone.
    """
    track: _position.Track = owner._track
    if start.__class__ is int and not start:
        out = call()
        track.lose(f"{name}()")
        return out
    k = _position.check_start(start)
    draw = make_draw()
    here = track.here()
    locator = _locator(here, draw)
    if locator.scanner.packed:
        return _draw_packed(track, here, draw, locator, k, size)  # type: ignore[no-any-return]
    locator.prepare(k)
    saved = _full_state(owner)
    bg, obj = numpy_at(here, draw, locator.start(k))
    track.bit_generator.state = bg.state
    if draw.caches_gauss:
        _adopt_gauss(owner, obj)
    try:
        out = call()
        n = _position.count(out)
        locator.prepare(k + n)
        stop = locator.stop(k + n)
        end = stop.unit
        check_position(track.bit_generator, here, end, draw.consumption(here).unit_bits)
        if locator.tracks_gauss:
            check_gauss(owner, stop.gauss)
    except BaseException:
        _restore_full_state(owner, saved)
        raise
    track.moved(_position.native_outputs(here, draw.consumption(here).unit_bits, end))
    return out


def _draw_packed(
    track: _position.Track, here: Stream, draw: Draw, locator: Locator, k: int, size: Any
) -> Any:
    """Packed values (8/16-bit, bool) after `k`: numpy makes them, with the values before
    them in their first word, in one call of its own; the object then stands at its end."""
    shape = () if size is None else normalize_shape(size)
    n = math.prod(shape)
    ((start, end),) = locator.blocks([(k, n)])
    out = generate_located(here, draw, start, n, end)
    word = end_word(here, draw, end.unit)
    track.bit_generator.state = bit_generator_at_unit(here, word, 32).state
    track.moved(_position.native_outputs(here, 32, word))
    return out[0] if size is None else out.reshape(shape)


# RandomState keeps a Gaussian outside its bit generator: its state is both.


def _full_state(owner: Any) -> Any:
    if isinstance(owner, np.random.RandomState):
        return np.random.RandomState.get_state(owner, legacy=False)
    return owner._track.bit_generator.state


def _restore_full_state(owner: Any, state: Any) -> None:
    if isinstance(owner, np.random.RandomState):
        np.random.RandomState.set_state(owner, state)
    else:
        owner._track.bit_generator.state = state


def _adopt_gauss(owner: np.random.RandomState, obj: Any) -> None:
    """Take over the Gaussian numpy's `obj` caches (RandomState's, outside the bit generator)."""
    state = np.random.RandomState.get_state(owner, legacy=False)
    theirs = obj.get_state(legacy=False)
    state["has_gauss"], state["gauss"] = theirs["has_gauss"], theirs["gauss"]
    np.random.RandomState.set_state(owner, state)


def _locator(here: Stream, draw: Draw, progress: bool | None = None) -> Locator:
    """A Locator for `draw` whose count pass shows a bar when it is long (see CountProgress)."""
    locator = Locator(here, draw)
    locator.report = CountProgress(draw.method, locator.scanner.values_per_accept, progress)
    return locator


def _user_stacklevel() -> int:
    """The stacklevel of the first caller outside this package, for warnings."""
    package = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == package:
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level


def _small(size: Any, itemsize: int) -> bool:
    # Cheap: no planning for scalars, small draws, or what numpy will reject itself.
    if size is None:
        return True
    try:
        # Python ints: a product of numpy integers (np.uint8(255) * 2) would wrap around
        dims = size if isinstance(size, tuple | list) else (size,)
        n = math.prod(operator.index(d) for d in dims)
    except TypeError:
        return True
    return bool(n * itemsize <= _plan.SMALL_DRAW_BYTES)
