"""Position bookkeeping shared by the stateful streams (RandomState, Generator).

A stateful object knows its :class:`~seedstream._stream.Stream` (where it
started) and how many native outputs it has consumed since: its *position*.
Methods with a known, fixed consumption keep the position exact; any other
draw makes it unknown until the user seeks to a known position again.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from seedstream._args import count_arg, workers_arg
from seedstream._draw import (
    Consumption,
    Draw,
    Locator,
    end_word,
    generate_located,
    numpy_at,
    values_at,
)
from seedstream._errors import LazyResultWarning
from seedstream._geometry import normalize_shape
from seedstream._jump import MAX_STEPS
from seedstream._lazy import lazy_array
from seedstream._methods import Method, derived_from
from seedstream._output import Request, write
from seedstream._plan import SMALL_DRAW_BYTES, plan, regular_chunk_shape, resolve_chunks
from seedstream._progress import CountProgress
from seedstream._small import serve_small, track_field
from seedstream._stream import Stream
from seedstream._units import advance_units, bit_generator_at_unit, skip_halves
from seedstream._variable import check_position

T = TypeVar("T")


def check_start(start: object) -> int:
    """Validate a ``start=`` argument: a non-negative integer (not a bool)."""
    return count_arg(start, "start")


def check_reach(start: int, end: int, halves_per_value: int) -> None:
    """Refuse values beyond the farthest a jump reaches (``MAX_STEPS`` native outputs).

    `end` is one past the last value wanted; `halves_per_value` is in halves of
    a native output, so that 32-bit values of a 64-bit generator count too.
    The message speaks of values, as `start` does, not of outputs.
    """
    if halves_per_value and end * halves_per_value >= 2 * MAX_STEPS:
        limit = -(-2 * MAX_STEPS // halves_per_value)
        power = f" (2**{limit.bit_length() - 1})" if limit & (limit - 1) == 0 else ""
        raise ValueError(
            f"start={start} is too far: start plus size must stay below {limit}{power}, the "
            "farthest a jump reaches in this stream for this draw; use a smaller start"
        )


def halves_outputs(values: int, buffered: int) -> int:
    """64-bit outputs taken by `values` 32-bit values when `buffered` (0 or 1) was in hand."""
    return max(0, -(-(values - buffered) // 2))


def count(out: object) -> int:
    """How many values a drawing method returned (a scalar is one)."""
    return out.size if isinstance(out, np.ndarray) else 1


class PositionTracker:
    """Mixin for a numpy stateful object built on one bit generator.

    Subclasses call :meth:`_start_stream` after seeding and route drawing
    methods through :meth:`_draw`.
    """

    _origin: Stream
    # in self._track, where the C small calls read them (seedstream._small)
    _position: int | None = track_field("words")
    _untracked_by: str | None = track_field("lost_by")
    _double_words: int = track_field("double_words")

    def _stream_bit_generator(self) -> np.random.BitGenerator:
        raise NotImplementedError

    def _start_stream(self, seed: dict[str, Any] | None) -> None:
        self._origin = Stream.from_bit_generator(self._stream_bit_generator(), seed)
        self._position = 0
        self._untracked_by = None

    @property
    def stream(self) -> Stream:
        """The stream this object draws from: its state at position 0."""
        return self._origin

    @property
    def position(self) -> int:
        """How many native outputs of :attr:`stream` have been consumed.

        32-bit words for MT19937, 64-bit words for the others.  Assigning to it
        moves the object to that position (in O(log position) time) and clears
        any buffered values (numpy's cached Gaussian, buffered 32-bit halves).
        """
        if self._position is None:
            raise ValueError(
                f"the position is unknown after {self._untracked_by}, which consumes a "
                "variable or untracked number of outputs; assign .position to move to a "
                "known position first"
            )
        return self._position

    @position.setter
    def position(self, value: int) -> None:
        k = check_start(value)
        self._stream_bit_generator().state = self._origin.bit_generator_at(k).state
        self._clear_cache()
        self._position = k
        self._untracked_by = None

    def _clear_cache(self) -> None:
        """Drop values cached outside the bit generator (RandomState's Gaussian)."""

    def _refuse_sfc64(self) -> None:
        if self._origin.bit_generator == "SFC64":
            raise NotImplementedError(
                "SFC64 has no jump-ahead, so start= would mean generating every skipped "
                "value; use PCG64, PCG64DXSM, Philox or MT19937 for random access, or draw "
                "and discard the values yourself"
            )

    def _lose_position(self, by: str) -> None:
        self._position = None
        self._untracked_by = by

    def _skip(self, words: int) -> None:
        """Move `words` native outputs ahead, as numpy's sequential draws would.

        (A buffered 32-bit half stays: native draws neither use nor clear it.)
        """
        if words:
            bg = self._stream_bit_generator()
            bits = self._origin.word_bits
            bg.state = advance_units(bg, words, bits, bits).state

    def _words_per_unit(self, unit_bits: int) -> int:
        """Native outputs per `unit_bits`-bit unit (not for 32-bit halves of 64-bit outputs)."""
        return 2 if unit_bits > self._origin.word_bits else 1

    def _moved(self, words: int) -> None:
        if self._position is not None:
            self._position += words

    def _draw(self, start: object, words_per_draw: int, func: Callable[..., T], *args: Any) -> T:
        """Skip `start` draws, return ``func(*args)``, count what it drew.

        If `func` raises, the state is put back as it was: a failed call moves nothing.
        """
        if start.__class__ is int and not start:  # the common case, kept lean
            out = func(*args)
            if self._position is not None:
                self._position += words_per_draw * count(out)
            return out
        k = check_start(start)
        check_reach(k, k, 2 * words_per_draw)
        bg = self._stream_bit_generator()
        saved = bg.state
        self._skip(words_per_draw * k)
        try:
            out = func(*args)
        except BaseException:
            bg.state = saved
            raise
        self._moved(words_per_draw * (k + count(out)))
        return out

    def _draw_halves(self, k: int, per_value: int, func: Callable[..., T], *args: Any) -> T:
        """32-bit values from a 64-bit generator (two per output, see skip_halves)."""
        check_reach(k, k, per_value)
        bg = self._stream_bit_generator()
        saved = bg.state
        try:
            if k:
                bg.state = skip_halves(bg, k * per_value).state
            out = func(*args)
        except BaseException:
            bg.state = saved
            raise
        halves = per_value * (k + count(out))
        self._moved(halves_outputs(halves, int(saved["has_uint32"])))
        return out

    def _skip_units(self, units: int, unit_bits: int) -> None:
        """Move `units` draws of `unit_bits` ahead, as numpy's sequential draws would."""
        if not units:
            return
        bg = self._stream_bit_generator()
        if unit_bits == 32 and self._origin.word_bits == 64:
            state = bg.state
            bg.state = skip_halves(bg, units).state
            self._moved(halves_outputs(units, int(state["has_uint32"])))
            return
        words = units * self._words_per_unit(unit_bits)
        self._skip(words)
        self._moved(words)

    def _moved_units(self, units: int, unit_bits: int) -> None:
        """Count `units` draws numpy itself made (with no 32-bit half buffered before them)."""
        if unit_bits == 32 and self._origin.word_bits == 64:
            self._lose_position("a 32-bit draw")  # the buffer decides: not tracked here
        else:
            self._moved(units * self._words_per_unit(unit_bits))

    def _draw_bytes(self, numpy_bytes: Callable[..., bytes], length: int, k: int) -> bytes:
        """numpy's ``bytes(length)`` after skipping `k` bytes: 32-bit draws, four bytes each.

        numpy makes them with this object's own ``randint`` / ``integers`` (which
        count what they draw, or lose the position): their count is replaced by this one.
        """
        head, offset = divmod(k, 4)
        self._skip_units(head, 32)
        position, by = self._position, self._untracked_by
        out = numpy_bytes(self, length + offset)
        self._position, self._untracked_by = position, by
        self._moved_units(-(-(length + offset) // 4), 32)
        return out[offset:]

    def _count_drawn(
        self, make_draw: Callable[[], Draw], values: int, key: tuple[Any, ...] | None = None
    ) -> None:
        """Count `values` values numpy drew with no start: exact for fixed consumption.

        `key`, when given, stands for the draw `make_draw` makes (its API, method and
        parameters, as the caller has them): the rule is then worked out once per key
        and stream width, so that a loop of small calls builds no Draw.
        """
        if self._position is None:
            return
        keyed = None if key is None else (*key, self._origin.word_bits)
        found = None if keyed is None else _RULES.get(keyed)
        rule = found or self._drawn_rule(make_draw)
        if keyed is not None and found is None and len(_RULES) < _MAX_RULES:
            _RULES[keyed] = rule
        if rule[0] == "lose":
            self._lose_position(rule[1])
        else:
            self._moved_units(
                rule[1] * values if rule[0] == "units" else -(-values // rule[1]), rule[2]
            )

    def _drawn_rule(self, make_draw: Callable[[], Draw]) -> tuple[Any, ...]:
        """How a draw moves the position: ("units", per value, unit bits), ("packed", values
        per 32-bit word, 32) for whole words per call, or ("lose", why)."""
        try:
            draw = make_draw()
        except NotImplementedError:  # e.g. 8-bit integers: numpy shares words within a call
            return ("lose", "a draw whose consumption is not tracked")
        use = draw.consumption(self._origin)
        scanner = use.scanner
        if (
            scanner is not None and scanner.packed and scanner.always_accepts
        ):  # whole words per call
            return ("packed", scanner.per_word, 32)
        if use.units_per_value is None:
            return ("lose", f"{draw.method}()")
        return ("units", use.units_per_value, use.unit_bits)

    def _draw_units(self, start: object, use: Consumption, func: Callable[..., T], *args: Any) -> T:
        """Skip `start` values of a fixed-consumption draw, then ``func(*args)``."""
        assert use.units_per_value is not None
        word_bits = self._origin.word_bits
        if use.unit_bits == 32 and word_bits == 64:
            return self._draw_halves(check_start(start), use.units_per_value, func, *args)
        words = use.units_per_value * self._words_per_unit(use.unit_bits)
        return self._draw(start, words, func, *args)

    def _deliver(
        self,
        make_draw: Callable[[], Draw],
        dtype: Any,
        size: Any,
        start: object,
        chunks: Any,
        eager: Callable[[], T],
        store: Any = None,
        output: dict[str, Any] | None = None,
    ) -> T | Any:
        """An ndarray from `eager`; a lazy dask array when asked or too big; or a store.

        Small requests (and malformed sizes, so that numpy reports them) go
        straight to `eager`; others are planned with :func:`seedstream.plan`.
        """
        output = output or {}
        # progress= also goes with chunks=: it shows the count pass of a variable draw.
        store_only = [key for key in output if chunks is None or key != "progress"]
        if store_only and store is None:
            raise TypeError(f"{', '.join(store_only)}: only with store=")
        workers_arg(output.get("workers"))  # before anything is created
        progress = output.get("progress")
        if store is None:
            output = {}
        if chunks is None and store is None and _small(size, np.dtype(dtype).itemsize):
            return eager()
        if size is None:
            raise TypeError("chunks= and store= need a size: the shape of the result")
        shape = normalize_shape(size)
        k = check_start(start)
        decided = plan(shape, dtype, chunks=chunks, store=store)
        if decided.mode == "ndarray":
            return eager()
        if decided.mode == "dask" and chunks is None:
            warnings.warn(
                f"{decided.reason}. See seedstream.plan({size!r}) for the figures.",
                LazyResultWarning,
                stacklevel=_user_stacklevel(),
            )
        if self._origin.bit_generator == "SFC64":
            raise NotImplementedError(
                "SFC64 has no jump-ahead, so its blocks cannot be generated independently; "
                "use PCG64, PCG64DXSM, Philox or MT19937 for chunks= or store=, or draw "
                "sequentially"
            )
        draw = make_draw()
        here = self._here()
        use = draw.consumption(here)
        if use.units_per_value is not None:
            halves = 2 * use.units_per_value * use.unit_bits // here.word_bits
            check_reach(k, k + math.prod(shape), halves)
        locator = _locator(here, draw, progress) if use.variable else None
        if decided.mode == "zarr":
            _, wanted = resolve_chunks(shape, np.dtype(dtype), chunks, graph=False)
            request = Request(here, draw, k, shape, regular_chunk_shape(wanted))
            result = write(request, store, locator=locator, **(output or {}))
        else:
            result = lazy_array(here, draw, k, shape, chunks, locator)
        self._advance_past(here, draw, k + math.prod(shape), locator)
        return result

    def _here(self) -> Stream:
        """The stream that starts at the current state (with where it came from)."""
        seed = {"from": self._origin.seed, "position": self._position}
        return Stream.from_bit_generator(self._stream_bit_generator(), seed)

    def _advance_past(
        self, here: Stream, draw: Draw, values: int, locator: Locator | None = None
    ) -> None:
        """Stand where numpy would after drawing `values` values of `draw` from `here`."""
        use = draw.consumption(here)
        if use.units_per_value is not None:
            units = use.units_per_value * values
        else:
            assert locator is not None
            locator.prepare(values)
            units = end_word(here, draw, locator.end(values))
            if values:  # numpy itself makes the last value: its cache ends as numpy's would
                bg, obj, _ = values_at(here, draw, locator.start(values - 1), 1)
                self._stream_bit_generator().state = bg.state
                if draw.caches_gauss:
                    self._adopt_cache(obj)
                self._moved(_native_outputs(here, use.unit_bits, units))
                return
        if use.unit_bits == 32 and here.word_bits == 64:  # halves: numpy's exact buffer
            bg = bit_generator_at_unit(here, units, 32)
            self._stream_bit_generator().state = bg.state
        else:
            self._skip(units * self._words_per_unit(use.unit_bits))
        self._moved(_native_outputs(here, use.unit_bits, units))

    def _adopt_cache(self, obj: Any) -> None:
        """Take over values numpy caches outside the bit generator (RandomState's Gaussian)."""

    def _draw_variable(
        self,
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
        if start.__class__ is int and not start:
            out = call()
            self._lose_position(f"{name}()")
            return out
        k = check_start(start)
        draw = make_draw()
        here = self._here()
        locator = _locator(here, draw)
        if locator.scanner.packed:
            return self._draw_packed(here, draw, locator, k, size)  # type: ignore[no-any-return]
        locator.prepare(k)
        bit_generator = self._stream_bit_generator()
        saved = self._full_state()
        bg, obj = numpy_at(here, draw, locator.start(k))
        bit_generator.state = bg.state
        if draw.caches_gauss:
            self._adopt_cache(obj)
        try:
            out = call()
            n = count(out)
            locator.prepare(k + n)
            end = locator.end(k + n)
            check_position(bit_generator, here, end, draw.consumption(here).unit_bits)
        except BaseException:
            self._restore_full_state(saved)
            raise
        self._moved(_native_outputs(here, draw.consumption(here).unit_bits, end))
        return out

    def _draw_packed(self, here: Stream, draw: Draw, locator: Locator, k: int, size: Any) -> Any:
        """Packed values (8/16-bit, bool) after `k`: numpy makes them, with the values before
        them in their first word, in one call of its own; this object then stands at its end."""
        shape = () if size is None else normalize_shape(size)
        n = math.prod(shape)
        ((start, end),) = locator.blocks([(k, n)])
        out = generate_located(here, draw, start, n, end)
        word = end_word(here, draw, end)
        self._stream_bit_generator().state = bit_generator_at_unit(here, word, 32).state
        self._moved(_native_outputs(here, 32, word))
        return out[0] if size is None else out.reshape(shape)

    def _full_state(self) -> Any:
        return self._stream_bit_generator().state

    def _restore_full_state(self, state: Any) -> None:
        self._stream_bit_generator().state = state


# _count_drawn's rules by (its key, stream width): a handful in any program, bounded anyway.
_RULES: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_MAX_RULES = 4096


def _locator(here: Stream, draw: Draw, progress: bool | None = None) -> Locator:
    """A Locator for `draw` whose count pass shows a bar when it is long (see CountProgress)."""
    locator = Locator(here, draw)
    locator.report = CountProgress(draw.method, locator.scanner.values_per_accept, progress)
    return locator


def scalar_params(method: str, **params: Any) -> tuple[tuple[str, float], ...]:
    """Parameters of a chunked draw, which must be scalars."""
    for name, value in params.items():
        if np.ndim(value) != 0:
            raise NotImplementedError(
                f"{method}() with an array {name} cannot be chunked or stored yet; pass "
                "scalars and scale the result with dask, or draw it in memory (arrays work "
                "there as in numpy)"
            )
    return tuple((name, float(value)) for name, value in params.items())


def _native_outputs(stream: Stream, unit_bits: int, units: int) -> int:
    """Native outputs of `stream` that `units` draws of `unit_bits` take from its start."""
    if unit_bits == stream.word_bits:
        return units
    if unit_bits == 64:
        return 2 * units
    return halves_outputs(units, int(stream.state.get("has_uint32", 0)))


def _user_stacklevel() -> int:
    """The stacklevel of the first caller outside this package, for warnings."""
    package = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == package:
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level


#: The most float64s a plain call (no start, chunks or store) hands straight to numpy:
#: below ``SMALL_DRAW_BYTES`` no plan is needed.  Each public method tests its arguments
#: against it inline, before anything else, so that a small call costs about what numpy's
#: does (a function call for the test alone would be a fifth of numpy's scalar draw).
SMALL_DRAW_VALUES = SMALL_DRAW_BYTES // 8


def small_shape(size: object) -> bool:
    """Whether `size` is a tuple of at most ``SMALL_DRAW_VALUES`` values (or one numpy refuses)."""
    return size.__class__ is tuple and _small(size, 8)


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
    return bool(n * itemsize <= SMALL_DRAW_BYTES)


def untracked(row: Method) -> Callable[..., Any]:
    """numpy's method of `row`, made to mark the position unknown (its consumption is not counted).

    It has no ``start=``, ``chunks=`` or ``store=``: those raise NotImplementedError.
    """
    method, name, label = row.numpy, row.name, f"{row.name}()"

    @functools.wraps(method)
    def wrapper(
        self: PositionTracker,
        *args: Any,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **kwargs: Any,
    ) -> Any:
        if start.__class__ is int and not start and chunks is None and store is None:
            out = method(self, *args, **kwargs)  # numpy's call, then two stores: kept lean
            self._position, self._untracked_by = None, label
            return out
        given = {"start": check_start(start) or None, "chunks": chunks, "store": store}
        asked = [key for key, value in given.items() if value is not None]
        if asked:
            raise NotImplementedError(
                f"{row.api}.{name}() has no {'=, '.join(asked)}=: its values cannot be "
                "placed in the stream independently. Draw it in memory, or see the README's "
                "'Other distributions' for the methods that have them"
            )
        out = method(self, *args, **kwargs)
        self._lose_position(label)
        return out

    wrapper.__doc__ = derived_from(row)
    return serve_small(method, wrapper, lose=label, max_size=None)


def counted(row: Method) -> Callable[..., Any]:
    """numpy's method of `row` with ``start=``, ``chunks=`` and ``store=``, counted by numpy.

    numpy's method runs over the stream on a counting bit generator (see
    :mod:`seedstream._variable`); its parameters must be scalars for that,
    since each value's consumption depends on them.  A ziggurat method
    consumes as its standard form does (``normal`` as ``standard_normal``),
    and is counted by that form, whatever its parameters: arrays too, in memory.
    """
    method, name, api = row.numpy, row.name, row.api
    standard = (row.standard or name) if row.kind == "ziggurat" else row.standard
    signature = inspect.signature(method)
    label = f"{name}()"
    # Where numpy's `method=` argument comes among the positional ones (after self), if any:
    # standard_exponential(method="inv") consumes one double per value, so it stays tracked.
    names = list(signature.parameters)
    method_at = names.index("method") - 1 if "method" in names else None

    def split(args: Any, kwargs: Any) -> tuple[dict[str, Any], Any, Any, Any]:
        """(parameters, dtype, size, out) of a call, by numpy's names."""
        bound = signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        params = {k: v for k, v in bound.arguments.items() if k not in ("self", "size", "out")}
        return (
            params,
            params.pop("dtype", None),
            bound.arguments["size"],
            bound.arguments.get("out"),
        )

    def counting(params: dict[str, Any], dtype_name: str) -> Draw:
        """A draw that consumes as the call does (for a start= in memory)."""
        if standard is None:
            return make(params, dtype_name)
        kept = tuple((k, str(v)) for k, v in params.items() if k == "method")
        return Draw(api, standard, kept, dtype_name)

    def make(params: dict[str, Any], dtype_name: str) -> Draw:
        for key, value in params.items():
            if np.ndim(value) != 0:
                raise NotImplementedError(
                    f"{name}() with an array {key} cannot be started later, chunked or "
                    "stored: each value's consumption depends on its parameters; pass "
                    "scalars (or draw it in memory)"
                )
        plain = tuple((key, np.asarray(v).item()) for key, v in params.items())
        return Draw(api, name, plain, dtype_name)

    def zig(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Whether the call uses the ziggurat (variable consumption) rather than numpy's "inv"."""
        if method_at is None:
            return True
        chosen = args[method_at] if len(args) > method_at else kwargs.get("method", "zig")
        return bool(chosen == "zig")

    @functools.wraps(method)
    def wrapper(
        self: Any,
        *args: Any,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **kwargs: Any,
    ) -> Any:
        if start.__class__ is int and not start and chunks is None and store is None:
            out = method(self, *args, **kwargs)  # numpy's call as it is
            if standard is None:  # variable: counting it would cost a pass over the values
                self._position, self._untracked_by = None, label
            elif self._position is None:
                pass
            elif zig(args, kwargs):  # the ziggurat: variable too (named by its standard form)
                self._position, self._untracked_by = None, f"{standard}()"
            else:  # exact when the consumption is fixed (standard_exponential's "inv")

                def drawn() -> Draw:
                    params, dtype, _, _ = split(args, kwargs)
                    return counting(params, np.dtype(dtype or np.float64).name)

                self._count_drawn(drawn, count(out))
            return out
        output = {key: kwargs.pop(key) for key in list(kwargs) if key not in signature.parameters}
        params, dtype, size, out = split(args, kwargs)
        extra = {} if dtype is None else {"dtype": dtype}
        # numpy's own errors (and result dtype), before anything moves
        scratch = getattr(draw_object(api), name)
        sample = scratch(**params, **extra)
        if np.ndim(sample) == 0:  # a Python scalar (not of the array's dtype): one as an array
            sample = scratch(**params, **extra, size=1)
        result = np.asarray(sample).dtype

        def eager() -> Any:
            if output:
                method(self, *args, **kwargs, **output)  # numpy's own TypeError
            if check_start(start):
                self._refuse_sfc64()
            draw = counting(params, result.name)
            call = lambda: method(self, *args, **kwargs)  # noqa: E731
            use = draw.consumption(self._origin)
            if use.fixed:  # e.g. numpy draws nothing for these parameters
                return self._draw_units(start, use, call)
            return self._draw_variable(name, lambda: draw, start, call)

        if out is not None and (chunks is not None or store is not None):
            raise TypeError("out= is an in-memory array: it cannot go with chunks= or store=")
        return self._deliver(
            lambda: make(params, result.name), result, size, start, chunks, eager, store, output
        )

    wrapper.__doc__ = derived_from(row)
    lose = None if standard is not None else label  # else: worked out while the position is known
    return serve_small(method, wrapper, lose=lose, max_size=None)


def draw_object(api: str) -> Any:
    """A scratch numpy object of `api`, for numpy's own parameter checks."""
    if api == "RandomState":
        return np.random.RandomState(0)
    return np.random.Generator(np.random.PCG64(0))
