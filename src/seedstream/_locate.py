"""Locate, then generate: any run of a draw's values, made by numpy from the exact position.

Pure: numpy and seedstream's draw, variable, fill, jump, unit, stream and pyvalues modules.

A fixed draw's value ``i`` starts at unit ``i * units_per_value``:
:func:`generate` places a bit generator there and lets :func:`values_from`
make the values (the MT19937 core for uniforms, integers, normals and
exponentials, numpy's own method for everything else). A variable draw is
located first: a :class:`Locator` counts its stream with the scanner of its
loop (:mod:`seedstream._variable`) and says where each value starts
(:class:`Located`); :func:`generate_located` lets numpy make the values from
there and checks that it ends where the count said. :func:`block_values`, the
one function every chunk goes through, does either; it is a pure function of
its arguments, which is what makes every chunk an independent task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

import seedstream._fill as _fill
import seedstream._fill_ints as _fill_ints
import seedstream._fill_normals as _fill_normals
import seedstream._pyvalues as _pyvalues
import seedstream._variable as _variable
from seedstream._draw import Consumption, Draw, cached_gauss, gauss_bits, set_cached_gauss
from seedstream._errors import SelfCheckError
from seedstream._jump import advance
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit

__all__ = [
    "Located",
    "Locator",
    "block_values",
    "call",
    "check_gauss",
    "check_position",
    "core_path",
    "dropped",
    "end_word",
    "generate",
    "generate_located",
    "numpy_at",
    "values_at",
    "values_from",
]


# --- fixed draws ----------------------------------------------------------------------------


def values_from(draw: Draw, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
    """``count`` values of `draw` as numpy's own method makes them from `bit_generator`'s state.

    Uniforms on MT19937 come from the vectorized core (:mod:`seedstream._fill`),
    CPython's methods from :mod:`seedstream._pyvalues`, everything else from
    :func:`call` (numpy's method, or the core's).
    """
    if draw.row.kind == "python":
        return _pyvalues.values_from(draw, bit_generator, count)
    if draw.row.kind == "uniform":
        p = draw.param
        out = _fill.uniforms(
            bit_generator,
            count,
            draw.dtype,
            p.get("low", 0.0),
            p.get("high", 1.0),
            scaled=draw.method == "uniform",
        )
        if out is not None:
            return out
    return call(draw, draw.numpy_object(bit_generator), count)


# The core's integers, normals and exponentials, with numpy's signatures: the same values, and
# numpy's object left where numpy's own call leaves it, cached Gaussian included (each serves
# MT19937 only, and hands anything else to numpy's method).
_CORES: dict[tuple[str, str], Callable[..., np.ndarray]] = {
    ("RandomState", "randint"): _fill_ints.randint,
    ("Generator", "integers"): _fill_ints.generator_integers,
    ("RandomState", "standard_normal"): _fill_normals.standard_normal,
    ("RandomState", "normal"): _fill_normals.normal,
    ("RandomState", "standard_exponential"): _fill_normals.standard_exponential,
    ("RandomState", "exponential"): _fill_normals.exponential,
}
# Those that draw into a recycled block (see seedstream._recycle): a chunk's output is dropped
# once used, and fresh pages cost more than the uniforms.
_RECYCLING = {_fill_normals.standard_normal, _fill_normals.normal}
_RECYCLING |= {_fill_normals.standard_exponential, _fill_normals.exponential}


def call(draw: Draw, obj: Any, count: int) -> np.ndarray:
    """``count`` values of `draw` from numpy's object `obj`, as its own method makes them.

    Integers, normals and exponentials on MT19937 come from the core, in this
    thread (a chunk is one task already); normals and exponentials big enough
    into a recycled block.
    """
    core = _CORES.get((draw.api, draw.method))
    if core is None:
        return draw.call_on(obj, count)
    if core in _RECYCLING:
        return core(obj, size=count, threads=1, recycle=True, **draw.numpy_kwargs())
    return core(obj, size=count, threads=1, **draw.numpy_kwargs())


def core_path(stream: Stream, draw: Draw) -> str | None:
    """The MT19937 core's code path that makes `draw`'s values on `stream`; None: numpy's.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream.from_bit_generator(np.random.PCG64(0))
    >>> core_path(s, Draw("Generator", "random")) is None  # numpy's own method
    True
    """
    served = draw.row.kind == "uniform" or (draw.api, draw.method) in _CORES
    if served and stream.bit_generator == "MT19937":
        return _fill.core_path()
    return None


def generate(stream: Stream, draw: Draw, first: int, count: int) -> np.ndarray:
    """Values ``first .. first + count - 1`` of a fixed-consumption `draw`, as numpy makes them.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator)
    >>> x = generate(s, Draw("RandomState", "random_sample"), 5, 3)
    >>> bool((x == np.random.RandomState(0).random_sample(8)[5:]).all())
    True
    """
    if draw.row.kind == "python":  # CPython's gauss: values in pairs, and a cached one
        return _pyvalues.generate(stream, draw, first, count)
    use = draw.consumption(stream)
    if use.units_per_value is None:
        raise ValueError(f"{draw.method} has variable consumption: locate it first")
    bg = bit_generator_at_unit(stream, use.units_per_value * first, use.unit_bits)
    return values_from(draw, bg, count)


# --- locating variable draws ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Located:
    """Where numpy starts to produce a value of a variable draw, and how.

    ``unit``: the unit numpy starts reading at; ``discard``: values to draw and
    drop first (the first of a polar pair); ``gauss``: a cached Gaussian numpy
    holds at that point (RandomState's ``has_gauss``), or None; ``skip``: for
    packed draws, the sub-units of the first 32-bit word that come before the
    value (numpy, starting a call at that word, makes and drops their values).

    A block's end is one too: the unit just after its last value (for packed
    draws the sub-unit) and, for the methods built on RandomState's cached
    Gaussian, the Gaussian numpy then holds.
    """

    unit: int
    discard: int = 0
    gauss: float | None = None
    skip: int = 0


class Locator:
    """Counts a variable draw's stream (in parallel, as far as needed) and locates its values.

    A cached Gaussian at the start (``cached_gauss`` in the draw's parameters)
    is value 0 of a polar draw, the stream's own values following it; for the
    methods built on it, it is in numpy's state where the count starts.
    """

    def __init__(
        self,
        stream: Stream,
        draw: Draw,
        workers: int | None = None,
        report: Callable[[int, int], None] | None = None,
    ) -> None:
        loop = draw.consumption(stream).loop
        if loop is None:
            raise ValueError(f"{draw.method} has fixed consumption: nothing to locate")
        self.stream, self.draw, self.workers = stream, draw, workers
        self.scanner = _variable.scanner_for(draw, loop)
        self.report = report  # the count pass's progress (see _variable.count_until)
        cached = draw.param.get("cached_gauss")
        self.tracks_gauss = self.scanner.tracks_gauss
        self.cached = None if self.tracks_gauss else cached  # polar: value 0
        self.counts = _variable.Counts(end_gauss=cached if self.tracks_gauss else None)
        self._initial_gauss = self.counts.end_gauss
        self._after_cache: dict[int, int] = {}

    def _fresh(self, value: int) -> int:
        return value - 1 if self.cached is not None else value

    def prepare(self, values: int) -> None:
        """Count far enough to locate values ``0 .. values`` (and the end of the last)."""
        if self.scanner.always_accepts:
            return  # packed, and every sub-unit a value: nothing to count
        needed = self.scanner.attempts_for(max(0, self._fresh(values)) + 1)
        _variable.count_until(
            self.stream, self.scanner, needed, self.counts, self.workers, self.report
        )

    def _after(self, attempt: int) -> int:
        if self.scanner.always_accepts:
            return attempt + 1
        # One block's end is usually the next one's start: remember what was scanned.
        if attempt not in self._after_cache:
            found = _variable.unit_after(self.stream, self.scanner, self.counts, attempt)
            self._after_cache[attempt] = found
        return self._after_cache[attempt]

    def _gauss_after(self, attempt: int) -> float | None:
        """The Gaussian numpy caches just after accepted attempt `attempt` (tracked draws)."""
        if not self.tracks_gauss:
            return None
        if attempt < 0:
            return self._initial_gauss
        self._after(attempt)  # located, so its cached Gaussian is recorded
        return self.counts.gauss_after[attempt]

    def start(self, value: int) -> Located:
        if self.cached is not None and value == 0:
            return Located(0, 0, float(self.cached))
        attempt, discard = divmod(self._fresh(value), self.scanner.values_per_accept)
        unit = self._after(attempt - 1)
        if self.scanner.packed:  # numpy starts a call at a whole 32-bit word
            word, skip = divmod(unit, self.scanner.per_word)
            return Located(word, skip=skip)
        return Located(unit, discard, self._gauss_after(attempt - 1))

    def end(self, values: int) -> int:
        """The unit just after the last of values ``0 .. values - 1``.

        (For packed draws a sub-unit: see :func:`end_word` for where numpy stands.)
        """
        fresh = max(0, self._fresh(values))
        return self._after((fresh - 1) // self.scanner.values_per_accept) if fresh else 0

    def stop(self, values: int) -> Located:
        """Where numpy stands after values ``0 .. values - 1``: :meth:`end`, and the Gaussian
        it then caches for a draw that tracks it (None for the others)."""
        fresh = max(0, self._fresh(values))
        attempt = (fresh - 1) // self.scanner.values_per_accept if fresh else -1
        return Located(self.end(values), gauss=self._gauss_after(attempt))

    def blocks(self, blocks: list[tuple[int, int]]) -> list[tuple[Located, Located]]:
        """(start, :meth:`stop`) of each block ``(first, count)``, counted and located in
        parallel."""
        self.prepare(max((f + c for f, c in blocks), default=0))
        if self.scanner.always_accepts:
            return [(self.start(f), self.stop(f + c)) for f, c in blocks]
        per = self.scanner.values_per_accept
        wanted = set()
        for first, count in blocks:
            if not (self.cached is not None and first == 0):
                wanted.add(self._fresh(first) // per - 1)
            fresh_end = max(0, self._fresh(first + count))
            if fresh_end:
                wanted.add((fresh_end - 1) // per)
        missing = sorted(wanted - self._after_cache.keys())
        self._after_cache.update(
            _variable.units_after(self.stream, self.scanner, self.counts, missing, self.workers)
        )
        return [(self.start(f), self.stop(f + c)) for f, c in blocks]


def end_word(stream: Stream, draw: Draw, end: int) -> int:
    """Where numpy stands after a call that ended at `end` (a Locator's end, in units).

    Packed draws end at a sub-unit, and numpy drops the rest of its call's last word.
    """
    return _end_word(draw.consumption(stream), end)


def _end_word(use: Consumption, end: int) -> int:
    return -(-end // use.loop.per_word) if use.loop is not None and use.loop.packed else end


def _packed_scanner(draw: Draw, use: Consumption) -> _variable.IntegerScanner | None:
    """The scanner of a packed draw (8/16-bit integers, bools); None for any other draw."""
    if use.loop is None or not use.loop.packed:
        return None
    found = _variable.scanner_for(draw, use.loop)
    assert isinstance(found, _variable.IntegerScanner)  # only integers are packed
    return found


# --- numpy, from a located value ------------------------------------------------------------


def numpy_at(
    stream: Stream, draw: Draw, located: Located
) -> tuple[np.random.BitGenerator, np.random.RandomState | np.random.Generator]:
    """numpy's bit generator and stateful object, ready to produce the located value.

    (For a packed draw, ready to produce it after :func:`dropped` values, in the same call.)
    """
    return _numpy_at(stream, draw, draw.consumption(stream), located)


def _numpy_at(
    stream: Stream, draw: Draw, use: Consumption, located: Located
) -> tuple[np.random.BitGenerator, np.random.RandomState | np.random.Generator]:
    bg = bit_generator_at_unit(stream, located.unit, use.unit_bits)
    obj = draw.numpy_object(bg)
    if located.gauss is not None and isinstance(obj, np.random.RandomState):
        set_cached_gauss(obj, located.gauss)
    if located.discard:
        call(draw, obj, located.discard)
    return bg, obj


def dropped(
    scanner: _variable.IntegerScanner | None,
    bit_generator: np.random.BitGenerator,
    located: Located,
) -> int:
    """Values a packed draw makes before the located one, from the word `bit_generator` is at.

    `scanner` is the packed draw's (None: any other draw, which drops none).
    """
    if not located.skip or scanner is None:
        return 0
    if scanner.always_accepts:
        return located.skip
    peek = np.random.Generator(advance(bit_generator, 0))  # a copy: next_uint32, as numpy reads
    word = int(peek.integers(0, 2**32, dtype=np.uint32))
    return scanner.accepted_in_word(word, located.skip)


def values_at(
    stream: Stream, draw: Draw, located: Located, count: int
) -> tuple[np.random.BitGenerator, np.random.RandomState | np.random.Generator, np.ndarray]:
    """numpy's bit generator and object after making `count` values from `located`; the values."""
    use = draw.consumption(stream)
    bg, obj = _numpy_at(stream, draw, use, located)
    return bg, obj, _make(draw, _packed_scanner(draw, use), bg, obj, located, count)


def _make(
    draw: Draw,
    packed: _variable.IntegerScanner | None,
    bg: np.random.BitGenerator,
    obj: Any,
    located: Located,
    count: int,
) -> np.ndarray:
    if draw.row.kind == "python":  # CPython's normalvariate: exactly its accepted attempts
        return _pyvalues.values_from(draw, bg, count)
    drop = dropped(packed, bg, located)  # in the same call (packed draws)
    out = call(draw, obj, drop + count)
    return out[drop:] if drop else out


def generate_located(
    stream: Stream, draw: Draw, located: Located, count: int, end: Located
) -> np.ndarray:
    """`count` values of a variable draw from `located`, checked to end at `end`.

    The self-check: after numpy generated the values, its bit generator must
    stand exactly where the count pass said the next value starts (`end`, a
    :meth:`Locator.stop`), with the cached Gaussian it said for
    the methods built on it; otherwise this raises instead of returning
    shifted numbers.  numpy's position shows only whole 32-bit words after a
    packed draw, so there the raw words are read as well, to check the count
    to the sub-unit and the values themselves.
    """
    end_unit = end.unit
    use = draw.consumption(stream)
    packed = _packed_scanner(draw, use)
    bg, obj = _numpy_at(stream, draw, use, located)
    before = advance(bg, 0) if packed is not None else None  # a copy
    out = _make(draw, packed, bg, obj, located, count)
    word = _end_word(use, end_unit)
    check_position(bg, stream, word, use.unit_bits)
    if use.loop is not None and use.loop.kind == "numpy_gauss":
        check_gauss(obj, end.gauss)
    if before is not None and packed is not None:
        _check_packed(draw, packed, before, located, out, end_unit, word)
    return out


_CHECK_WORDS = 2**18  # raw words read at a time by the packed check


def _check_packed(
    draw: Draw,
    scanner: _variable.IntegerScanner,
    before: np.random.BitGenerator,
    located: Located,
    out: np.ndarray,
    end: int,
    word: int,
) -> None:
    """The raw words numpy read must hold the counted values, in their counted places.

    Sub-units ``skip .. stop - 1`` (from the first word) must hold exactly
    ``out.size`` accepted ones, the last of them at ``stop - 1``, and the
    values they give must be numpy's.
    """
    k = scanner.per_word
    stop = end - located.unit * k
    gen = np.random.Generator(before)
    low = int(draw.param["low"])
    made, offset, last_accepted = 0, 0, stop == located.skip
    for first in range(0, word - located.unit, _CHECK_WORDS):
        n_words = min(_CHECK_WORDS, word - located.unit - first)
        subs = _variable.subunits(
            gen.integers(0, 2**32, n_words, dtype=np.uint32), scanner.unit_bits
        )
        lo, hi = max(located.skip - offset, 0), min(stop - offset, subs.size)
        if lo < hi:
            flags = scanner.accepted(subs[lo:hi])
            values = scanner.values(subs[lo:hi][flags], low, draw.dtype)
            if not np.array_equal(values, out[made : made + values.size]):
                made = -1
                break
            made += values.size
            last_accepted = hi == stop - offset and bool(flags[-1])
        offset += subs.size
    if made != out.size or not last_accepted:
        raise SelfCheckError(
            "self-check failed: the raw words numpy read do not hold the counted values in "
            "their counted places; refusing to return shifted numbers (please report this)"
        )


def check_position(
    bit_generator: np.random.BitGenerator, stream: Stream, unit: int, unit_bits: int
) -> None:
    """Raise unless `bit_generator` stands exactly at `unit` of `stream` (the self-check)."""
    expected = dict(bit_generator_at_unit(stream, unit, unit_bits).state)
    actual = dict(bit_generator.state)
    if not _same_position(actual, expected):
        raise SelfCheckError(
            f"self-check failed: after generating, the bit generator is not at unit {unit} as "
            "the count pass predicted; refusing to return shifted numbers (please report this)"
        )


def check_gauss(obj: Any, expected: float | None) -> None:
    """Raise unless RandomState `obj` caches the Gaussian `expected` (None: none), bit for bit."""
    found = cached_gauss(obj)
    if gauss_bits(found) != gauss_bits(expected):
        raise SelfCheckError(
            f"self-check failed: after generating, numpy's cached Gaussian is {found!r}, not "
            f"{expected!r} as the count pass predicted; refusing to return shifted numbers "
            "(please report this)"
        )


def _same_position(a: dict[str, Any], b: dict[str, Any]) -> bool:
    # A buffered 32-bit half that is not live (has_uint32 == 0) is not part of the position.
    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            live = v.get("has_uint32", 1)
            return {k: plain(x) for k, x in v.items() if live or k != "uinteger"}
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v

    return bool(plain(a) == plain(b))


# --- any draw -------------------------------------------------------------------------------


def block_values(
    stream: Stream,
    draw: Draw,
    first: int,
    count: int,
    located: tuple[Located, Located] | None = None,
) -> np.ndarray:
    """Values ``first .. first + count - 1`` of any supported draw.

    Fixed draws jump straight there; variable ones use `located` (start, end;
    see :meth:`Locator.blocks`) when given, else count the stream up to them first.
    A draw with a pick (``choice``) maps its values to the picked elements.
    """
    use = draw.consumption(stream)
    if use.fixed:
        values = generate(stream, draw, first, count)
    else:
        if located is None:
            (located,) = Locator(stream, draw).blocks([(first, count)])
        values = generate_located(stream, draw, located[0], count, located[1])
    return values if draw.pick is None else draw.pick.apply(values)
