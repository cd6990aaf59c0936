"""Position bookkeeping: where a stateful object stands in its stream.

A stateful object (RandomState, Generator) holds one :class:`Track`: its
:class:`~seedstream._stream.Stream` (where it started), its bit generator,
and how many native outputs it has consumed since, its *position*
(``Track.words``).  Methods with a known, fixed consumption keep the position
exact; any other draw makes it unknown (``words = None``, ``lost_by`` says
what did) until the user seeks to a known position again.

This module only counts and skips: choosing between an ndarray, a dask array
and a store is :mod:`seedstream._deliver`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

import seedstream._fastcall as _fastcall
from seedstream._args import count_arg
from seedstream._draw import Consumption, Draw
from seedstream._jump import MAX_STEPS
from seedstream._stream import Stream
from seedstream._units import advance_units, skip_halves

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


def native_outputs(stream: Stream, unit_bits: int, units: int) -> int:
    """Native outputs of `stream` that `units` draws of `unit_bits` take from its start."""
    if unit_bits == stream.word_bits:
        return units
    if unit_bits == 64:
        return 2 * units
    return halves_outputs(units, int(stream.state.get("has_uint32", 0)))


def refuse_sfc64(stream: Stream, why: str) -> None:
    """SFC64 has no jump-ahead: refuse what needs one, saying `why` and what to do instead."""
    if stream.bit_generator == "SFC64":
        raise NotImplementedError(f"SFC64 has no jump-ahead, so {why}")


#: refuse_sfc64's reason for ``start=`` in memory.
SFC64_START = (
    "start= would mean generating every skipped value; use PCG64, PCG64DXSM, Philox or "
    "MT19937 for random access, or draw and discard the values yourself"
)


class Track(_fastcall.Track):
    """Where one stateful object stands in its stream.

    ``words`` is the position in native outputs (None: unknown) and
    ``lost_by`` what made it unknown.  Both are fields of the C base
    (:class:`seedstream._fastcall.Track`), which a small call served in C
    (:mod:`seedstream._small`) moves in place; from Python they read and
    assign as plain attributes.

    Parameters
    ----------
    bit_generator : numpy.random.BitGenerator
        The object's own bit generator: its state now is position 0.
    seed : dict or None
        Provenance for :attr:`origin` (see :meth:`Stream.from_bit_generator`).
    """

    __slots__ = ("bit_generator", "origin")

    def __init__(self, bit_generator: np.random.BitGenerator, seed: dict[str, Any] | None) -> None:
        origin = Stream.from_bit_generator(bit_generator, seed)
        # words, lost_by and double_words (a double takes two 32-bit words, or one 64-bit
        # output) live in the C base, where a small call served in C moves them in place
        super().__init__(words=0, lost_by=None, double_words=2 if origin.word_bits == 32 else 1)
        self.bit_generator = bit_generator
        self.origin = origin

    def __repr__(self) -> str:
        where = self.words if self.words is not None else f"unknown after {self.lost_by}"
        return f"Track({self.origin.bit_generator}, words={where})"

    # --- the position ------------------------------------------------------------------

    def position(self) -> int:
        """The position, or a ValueError saying what made it unknown and what to do."""
        if self.words is None:
            raise ValueError(
                f"the position is unknown after {self.lost_by}, which consumes a "
                "variable or untracked number of outputs; assign .position to move to a "
                "known position first"
            )
        return self.words

    def seek(self, value: object) -> None:
        """Put the bit generator at position `value` of the origin (O(log value) time)."""
        k = check_start(value)
        self.bit_generator.state = self.origin.bit_generator_at(k).state
        self.words, self.lost_by = k, None

    def lose(self, by: str) -> None:
        """The position becomes unknown, because of `by` (a method call, ``set_state()``)."""
        self.words, self.lost_by = None, by

    def moved(self, words: int) -> None:
        """Count `words` native outputs drawn."""
        if self.words is not None:
            self.words += words

    def here(self) -> Stream:
        """The stream that starts at the current state (with where it came from)."""
        seed = {"from": self.origin.seed, "position": self.words}
        return Stream.from_bit_generator(self.bit_generator, seed)

    # --- skipping ahead, as numpy's sequential draws would -----------------------------

    def skip(self, words: int) -> None:
        """Move the state `words` native outputs ahead (without counting them).

        (A buffered 32-bit half stays: native draws neither use nor clear it.)
        """
        if words:
            bits = self.origin.word_bits
            self.bit_generator.state = advance_units(self.bit_generator, words, bits, bits).state

    def words_per_unit(self, unit_bits: int) -> int:
        """Native outputs per `unit_bits`-bit unit (not for 32-bit halves of 64-bit outputs)."""
        return 2 if unit_bits > self.origin.word_bits else 1

    def skip_units(self, units: int, unit_bits: int) -> None:
        """Move `units` draws of `unit_bits` ahead, as numpy's sequential draws would, counted."""
        if not units:
            return
        bg = self.bit_generator
        if unit_bits == 32 and self.origin.word_bits == 64:
            state = bg.state
            bg.state = skip_halves(bg, units).state
            self.moved(halves_outputs(units, int(state["has_uint32"])))
            return
        words = units * self.words_per_unit(unit_bits)
        self.skip(words)
        self.moved(words)

    def moved_units(self, units: int, unit_bits: int) -> None:
        """Count `units` draws numpy itself made (with no 32-bit half buffered before them)."""
        if unit_bits == 32 and self.origin.word_bits == 64:
            self.lose("a 32-bit draw")  # the buffer decides: not tracked here
        else:
            self.moved(units * self.words_per_unit(unit_bits))

    # --- fixed consumption after a start -----------------------------------------------

    def draw(self, start: object, words_per_draw: int, func: Callable[..., T], *args: Any) -> T:
        """Skip `start` draws, return ``func(*args)``, count what it drew.

        If `func` raises, the state is put back as it was: a failed call moves nothing.
        """
        if start.__class__ is int and not start:  # the common case, kept lean
            out = func(*args)
            if self.words is not None:
                self.words += words_per_draw * count(out)
            return out
        k = check_start(start)
        check_reach(k, k, 2 * words_per_draw)
        saved = self.bit_generator.state
        self.skip(words_per_draw * k)
        try:
            out = func(*args)
        except BaseException:
            self.bit_generator.state = saved
            raise
        self.moved(words_per_draw * (k + count(out)))
        return out

    def draw_halves(self, k: int, per_value: int, func: Callable[..., T], *args: Any) -> T:
        """32-bit values from a 64-bit generator (two per output, see skip_halves)."""
        check_reach(k, k, per_value)
        bg = self.bit_generator
        saved = bg.state
        try:
            if k:
                bg.state = skip_halves(bg, k * per_value).state
            out = func(*args)
        except BaseException:
            bg.state = saved
            raise
        halves = per_value * (k + count(out))
        self.moved(halves_outputs(halves, int(saved["has_uint32"])))
        return out

    def draw_units(self, start: object, use: Consumption, func: Callable[..., T], *args: Any) -> T:
        """Skip `start` values of a fixed-consumption draw, then ``func(*args)``."""
        assert use.units_per_value is not None
        if use.unit_bits == 32 and self.origin.word_bits == 64:
            return self.draw_halves(check_start(start), use.units_per_value, func, *args)
        words = use.units_per_value * self.words_per_unit(use.unit_bits)
        return self.draw(start, words, func, *args)

    def draw_bytes(
        self, numpy_bytes: Callable[..., bytes], owner: Any, length: int, k: int
    ) -> bytes:
        """numpy's ``bytes(length)`` after skipping `k` bytes: 32-bit draws, four bytes each.

        numpy makes them with `owner`'s own ``randint`` / ``integers`` (which
        count what they draw, or lose the position): their count is replaced by this one.
        """
        head, offset = divmod(k, 4)
        self.skip_units(head, 32)
        words, by = self.words, self.lost_by
        # Unknown while numpy draws: its own randint calls are then numpy's alone (served in
        # C, not tallied), and this count replaces theirs.
        self.words, self.lost_by = None, "bytes()"
        try:
            out = numpy_bytes(owner, length + offset)
        finally:
            self.words, self.lost_by = words, by
        self.moved_units(-(-(length + offset) // 4), 32)
        return out[offset:]

    # --- counting what numpy drew without a start --------------------------------------

    def count_drawn(
        self, make_draw: Callable[[], Draw], values: int, key: tuple[Any, ...] | None = None
    ) -> None:
        """Count `values` values numpy drew with no start: exact for fixed consumption.

        `key`, when given, stands for the draw `make_draw` makes (its API, method and
        parameters, as the caller has them): the rule is then worked out once per key
        and stream width, so that a loop of small calls builds no Draw.
        """
        if self.words is None:
            return
        keyed = None if key is None else (*key, self.origin.word_bits)
        found = None if keyed is None else _RULES.get(keyed)
        rule = found or self._rule(make_draw)
        if keyed is not None and found is None and len(_RULES) < _MAX_RULES:
            _RULES[keyed] = rule
        if rule[0] == "lose":
            self.lose(rule[1])
        else:
            self.moved_units(
                rule[1] * values if rule[0] == "units" else -(-values // rule[1]), rule[2]
            )

    def _rule(self, make_draw: Callable[[], Draw]) -> tuple[Any, ...]:
        """How a draw moves the position: ("units", per value, unit bits), ("packed", values
        per 32-bit word, 32) for whole words per call, or ("lose", why)."""
        try:
            draw = make_draw()
        except NotImplementedError:  # e.g. 8-bit integers: numpy shares words within a call
            return ("lose", "a draw whose consumption is not tracked")
        use = draw.consumption(self.origin)
        loop = use.loop
        if loop is not None and loop.packed and loop.always_accepts:
            return ("packed", loop.per_word, 32)  # whole words per call
        if use.units_per_value is None:
            return ("lose", f"{draw.method}()")
        return ("units", use.units_per_value, use.unit_bits)


# Track.count_drawn's rules by (its key, stream width): a handful in any program, bounded anyway.
_RULES: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_MAX_RULES = 4096


class Tracked:
    """The public face of a :class:`Track`: ``stream`` and ``position``.

    A class that holds ``self._track`` (a Track) gets these two properties,
    and nothing else, in its namespace.
    """

    _track: Track

    @property
    def stream(self) -> Stream:
        """The stream this object draws from: its state at position 0."""
        return self._track.origin

    @property
    def position(self) -> int:
        """How many native outputs of :attr:`stream` have been consumed.

        32-bit words for MT19937, 64-bit words for the others.  Assigning to it
        moves the object to that position (in O(log position) time) and clears
        any buffered values (numpy's cached Gaussian, buffered 32-bit halves).
        """
        return self._track.position()

    @position.setter
    def position(self, value: int) -> None:
        self._track.seek(value)
        if isinstance(self, np.random.RandomState):  # numpy's cached Gaussian goes too
            state = np.random.RandomState.get_state(self, legacy=False)
            state["has_gauss"], state["gauss"] = 0, 0.0
            np.random.RandomState.set_state(self, state)


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
