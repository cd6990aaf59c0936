"""Draws whose consumption varies: count numpy's rejection loops in parallel, segment by segment.

Pure: numpy and seedstream's draw, stream, unit and pyvalues modules only (and
the compiled kernel).  :mod:`seedstream._locate`, above, turns the counts into
positions and lets numpy generate from them.

numpy's rejection loops (the legacy polar method for normals, masked
rejection in legacy ``randint``, Lemire's method in ``Generator.integers``)
take a fixed number of raw *units* per attempt and accept or reject each
attempt by a test on those units alone.  A :class:`Scanner` of that kind
(:class:`PolarScanner`, :class:`MaskedScanner`, :class:`LemireScanner`)
evaluates the test vectorised, so the accepted attempts in any segment of
the stream can be counted on their own (in parallel); prefix sums of the
counts then give the exact unit at which any value starts.  Positions are
in units: 32-bit draws (``next_uint32``), or 64-bit draws (``next_uint64`` /
one double).

The ziggurat (``Generator``'s normals and exponentials, and the
distributions built on it or on other loops: gamma, poisson, binomial, ...)
takes 1, 2 or more units per value, decided by tables private to numpy's C
code.  There the scanner (:class:`NumpyScanner`) is numpy itself: its method
runs over a segment on a :class:`~seedstream._draw.Counting` bit generator,
which counts the units it draws.  A segment is parsed from its first unit as
if a value started there; where the true parse (from the segment before)
enters it, the two parses agree from their first common value boundary on,
so the counts are stitched in order: the segment's parse records the
boundaries of its first :data:`WINDOW` values and of a few later ones, spaced
geometrically, and the true parse is walked to them until it meets one
(:func:`_bridge`); the segment is re-parsed in the rare case that they have
not met before its end.  Both parses step in values sized by the measured
values per unit (a value takes 1 to 8 units), so that a parse stops at the
first value boundary past its segment, where the next one's parse begins.
RandomState's methods built on its cached Gaussian (:class:`GaussScanner`)
are parsed alike, but numpy's state at a value boundary is the unit *and* the
Gaussian cached in the RandomState (numpy's ``has_gauss``, ``gauss``): a
segment is parsed from its first unit with none cached, and the parses meet
at a common (unit, cached Gaussian) boundary, compared bit for bit.

Every count pass of the other scanners is spot-checked by numpy itself
(:func:`spot_check`): on two whole segments, numpy's method must make exactly
the counted values.  8/16-bit and bool integers are counted by the byte,
half or bit of 32-bit words (see :class:`~seedstream._draw.Loop`).

On MT19937 a 64-bit unit is two 32-bit words (high word first, as numpy's
``next_uint64``); on a 64-bit generator a 32-bit unit is half an output (low
half first, the high half buffered, as numpy's ``next_uint32``).
"""

from __future__ import annotations

import abc
import concurrent.futures
import dataclasses
import math
import os
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, ClassVar

import numpy as np

import seedstream._kernel as _kernel
import seedstream._mtfill as _mtfill
import seedstream._pyvalues as _pyvalues
from seedstream._draw import Counting, Draw, Loop, gauss_bits, set_cached_gauss
from seedstream._errors import SelfCheckError
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit, mt19937_units, read_units

DEFAULT_SEGMENT_ATTEMPTS = 2**20


def _segment_attempts(default: int = DEFAULT_SEGMENT_ATTEMPTS) -> int:
    """Attempts (for the ziggurat: units) counted per task: `default`, or ``$SEEDSTREAM_SEGMENT``.

    Smaller segments make more, cheaper count tasks; the values never depend
    on it.  The test suite runs with small segments, so that its many small
    draws cross segment boundaries often and cheaply.
    """
    text = os.environ.get("SEEDSTREAM_SEGMENT")
    if text is None:
        return default
    try:
        value = int(text, 0)
    except ValueError:
        value = 0
    if value < 16:
        raise ValueError(
            f"SEEDSTREAM_SEGMENT={text!r} is not a whole number of attempts >= 16; "
            f"set it to one (e.g. 4096) or unset it for the default {default}"
        )
    return value


SEGMENT_ATTEMPTS = _segment_attempts()
WINDOW = 16  # value boundaries a ziggurat segment records, to meet the true parse
# The same for RandomState's methods built on its cached Gaussian: their parses meet later
# (a polar pair is two units, and a value's Gaussians come in a fixed phase), and the true
# parse is walked from where it enters to where it meets this segment's (see _bridge).
GAUSS_WINDOW = 64


@dataclasses.dataclass
class Counts:
    """Accepted attempts per segment, counted so far, with their prefix sums.

    ``starts[s]`` is the unit where segment `s`'s first attempt starts, and
    `end` where the next segment's will (for the ziggurat these are value
    boundaries a little past the segment's nominal first unit).
    """

    per_segment: list[int] = dataclasses.field(default_factory=list)
    prefix: list[int] = dataclasses.field(default_factory=lambda: [0])
    starts: list[int] = dataclasses.field(default_factory=list)
    end: int = 0
    # (segment, key bytes, pos): MT19937's state where that segment starts, when a scanner
    # that runs the generator itself has it at hand after counting the one before
    resume: tuple[int, bytes, int] | None = None
    # RandomState's cached Gaussian (GaussScanner; None: none): where each segment starts,
    # at `end`, and after each accepted attempt located so far (see Scanner.ends)
    gausses: list[float | None] = dataclasses.field(default_factory=list)
    end_gauss: float | None = None
    gauss_after: dict[int, float | None] = dataclasses.field(default_factory=dict)
    # GaussScanner: parse each segment from both unit parities (see GaussScanner.count)
    both_parities: bool = False

    def add(
        self,
        count: int,
        start: int,
        end: int,
        start_gauss: float | None = None,
        end_gauss: float | None = None,
    ) -> None:
        self.per_segment.append(count)
        self.prefix.append(self.prefix[-1] + count)
        self.starts.append(start)
        self.end = end
        self.gausses.append(start_gauss)
        self.end_gauss = end_gauss

    @property
    def total(self) -> int:
        return self.prefix[-1]


# --- scanners: one class per kind of loop ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scanner(abc.ABC):
    """Counts one kind of numpy's rejection loop (`loop`, of `draw`) over segments of the stream.

    A segment is :data:`SEGMENT_ATTEMPTS` attempts; :func:`count_until` and
    :func:`units_after` hand a scanner segments, in parallel where they can.
    """

    loop: Loop
    draw: Draw  # numpy's own method: it counts (NumpyScanner), or spot-checks a count
    units_per_attempt: ClassVar[int] = 1
    values_per_accept: ClassVar[int] = 1
    #: Whether numpy's state at a value boundary includes RandomState's cached Gaussian
    tracks_gauss: ClassVar[bool] = False
    #: Segments a wave of :func:`count_until` gives each worker (at most)
    wave_per_worker: ClassVar[int] = 4

    @property
    def unit_bits(self) -> int:
        return self.loop.unit_bits

    @property
    def packed(self) -> bool:
        return self.loop.packed

    @property
    def per_word(self) -> int:
        """Sub-units per 32-bit word (packed scanners only)."""
        return self.loop.per_word

    @property
    def acceptance(self) -> float:
        """Probability that an attempt is accepted (sizes the count pass only)."""
        return self.loop.acceptance

    @property
    def always_accepts(self) -> bool:
        return self.loop.always_accepts

    def attempts_for(self, values: int) -> int:
        """Accepted attempts that make `values` values."""
        return -(-values // self.values_per_accept)

    def segment_units(self, segment: int) -> tuple[int, int]:
        """(first unit, number of units) of segment `segment`."""
        n_units = SEGMENT_ATTEMPTS * self.units_per_attempt
        return segment * n_units, n_units

    @abc.abstractmethod
    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        """Count `segments` (the next ones after `counts`, in order) into `counts`."""

    @abc.abstractmethod
    def check(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        """Check the count of newly counted `segments` against numpy's own method."""

    @abc.abstractmethod
    def ends(
        self, stream: Stream, counts: Counts, segment: int, wanted: list[int]
    ) -> dict[int, int]:
        """The unit just after each accepted attempt in `wanted` (all in segment `segment`).

        A scanner that tracks the cached Gaussian records numpy's there in
        ``counts.gauss_after``.
        """


class VectorisedScanner(Scanner):
    """A loop whose every attempt is accepted or rejected by a test on its own units alone:
    tested vectorised, any segment on its own."""

    @abc.abstractmethod
    def accepted(self, units: np.ndarray) -> np.ndarray:
        """One flag per whole attempt in `units`: does numpy accept it?"""

    def units(self, stream: Stream, first: int, count: int) -> np.ndarray:
        """Units ``first .. first + count - 1`` of the stream, as :meth:`accepted` tests them."""
        return read_units(stream, first, count, self.unit_bits)

    def count_segment(self, stream: Stream, segment: int) -> int:
        """Accepted attempts in segment `segment`: one vectorised test."""
        first, n_units = self.segment_units(segment)
        return int(np.count_nonzero(self.accepted(self.units(stream, first, n_units))))

    def segment_hits(self, stream: Stream, segment: int) -> np.ndarray:
        """Indices (within segment `segment`) of its accepted attempts."""
        first, n_units = self.segment_units(segment)
        return np.flatnonzero(self.accepted(self.units(stream, first, n_units)))

    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        counted = pool.map(lambda s: self.count_segment(stream, s), segments)
        for segment, count in zip(segments, counted, strict=True):
            unit, n_units = self.segment_units(segment)
            counts.add(count, unit, unit + n_units)

    def check(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        if not self.always_accepts:
            list(pool.map(lambda s: spot_check(stream, self, counts, s), _sampled(segments)))

    def ends(
        self, stream: Stream, counts: Counts, segment: int, wanted: list[int]
    ) -> dict[int, int]:
        hits = self.segment_hits(stream, segment)
        base = counts.prefix[segment]
        return {
            i: (segment * SEGMENT_ATTEMPTS + int(hits[i - base]) + 1) * self.units_per_attempt
            for i in wanted
        }


class PolarScanner(VectorisedScanner):
    """RandomState's Gaussians: two doubles an attempt, accepted inside the unit circle.

    Counted in compiled code (on MT19937 the vectorized core runs the generator
    itself, so no words are stored); an accepted attempt makes two values.
    """

    units_per_attempt: ClassVar[int] = 2
    values_per_accept: ClassVar[int] = 2
    # On MT19937 a worker's run of a wave starts with a jump (about half a segment's count)
    # unless it goes on where the last wave ended: longer runs, fewer jumps.
    wave_per_worker: ClassVar[int] = 16

    def accepted(self, units: np.ndarray) -> np.ndarray:
        n = units.size // 2 * 2
        x = 2.0 * _doubles(units[:n], self.loop.word_bits) - 1.0
        x1, x2 = x[0::2], x[1::2]
        r2 = x1 * x1 + x2 * x2
        flags: np.ndarray = (r2 < 1.0) & (r2 != 0.0)
        return flags

    def units(self, stream: Stream, first: int, count: int) -> np.ndarray:
        raw: np.ndarray = stream.bit_generator_at(first).random_raw(count)
        return raw  # 64-bit outputs (MT19937 is scanned by the kernel)

    def count_segment(self, stream: Stream, segment: int) -> int:
        first, n_units = self.segment_units(segment)
        if stream.word_bits == 32:
            key, pos = _mt_state(stream, 2 * first)
            # the core's uniforms and acceptance test: the kernel's scan's answer, about 5x faster
            return int(_mtfill.polar_count(key, pos, SEGMENT_ATTEMPTS, -1)[0])
        raw = stream.bit_generator_at(first).random_raw(n_units)
        return int(_kernel.polar_scan(raw.data, False, -1)[0])

    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        """On MT19937, a worker counts a run of consecutive segments from one state, which the
        core moves along: one jump a run (a jump costs half a segment's count), and none for
        the run that goes on where the last count ended."""
        if stream.word_bits != 32 or not segments:
            super().count(stream, counts, segments, pool)
            return
        step = -(-len(segments) // (os.cpu_count() or 1))
        runs = [
            range(s, min(s + step, segments.stop))
            for s in range(segments.start, segments.stop, step)
        ]
        resume = counts.resume

        def run(part: range) -> tuple[list[int], tuple[int, bytes, int]]:
            if resume is not None and resume[0] == part.start:
                key, pos = bytearray(resume[1]), resume[2]
            else:
                start, pos = _mt_state(stream, 2 * self.segment_units(part.start)[0])
                key = bytearray(start)
            found = []
            for _ in part:
                accepted, pos = _mtfill.polar_count_on(key, pos, SEGMENT_ATTEMPTS)
                found.append(accepted)
            return found, (part.stop, bytes(key), pos)

        results = list(pool.map(run, runs))
        for part, (found, _) in zip(runs, results, strict=True):
            for segment, accepted in zip(part, found, strict=True):
                unit, n_units = self.segment_units(segment)
                counts.add(accepted, unit, unit + n_units)
        counts.resume = results[-1][1]

    def ends(
        self, stream: Stream, counts: Counts, segment: int, wanted: list[int]
    ) -> dict[int, int]:
        """On MT19937 the core finds the wanted attempts, stopping at the last of them (a
        block's end is one attempt in a segment; listing every flag cost 8x a count)."""
        if stream.word_bits != 32:
            return super().ends(stream, counts, segment, wanted)
        first, _ = self.segment_units(segment)
        key, pos = _mt_state(stream, 2 * first)
        base = counts.prefix[segment]
        order = sorted(wanted)
        found = _mtfill.polar_find(key, pos, SEGMENT_ATTEMPTS, [i - base for i in order])
        if min(found, default=0) < 0:
            raise SelfCheckError(
                f"internal error: accepted attempts {order} are not all in segment {segment}"
            )
        return {
            i: (segment * SEGMENT_ATTEMPTS + attempt + 1) * self.units_per_attempt
            for i, attempt in zip(order, found, strict=True)
        }


class KindermanMonahanScanner(VectorisedScanner):
    """CPython's ``(log)normalvariate``: two doubles (64-bit units) an attempt, accepted by
    :func:`~seedstream._pyvalues.kinderman_monahan`; an accepted attempt is one value.

    Its count is spot-checked by CPython's own ``normalvariate`` (not numpy's).
    """

    units_per_attempt: ClassVar[int] = 2

    def accepted(self, units: np.ndarray) -> np.ndarray:
        n = units.size // 2 * 2
        return _pyvalues.kinderman_monahan(_doubles(units[:n], self.loop.word_bits))

    #: Values from a checked segment's start that CPython's own loop makes again
    check_values: ClassVar[int] = 512

    def check(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        """On two of the new segments: the count is the segment's accepted attempts; CPython's
        own ``normalvariate`` makes its first :attr:`check_values` values from exactly the
        attempts found, its last value from the last attempt found, and the next one past
        the segment's end.  (A whole segment by CPython's loop would cost 50x its count.)"""
        for segment in _sampled(segments):
            first, n_units = self.segment_units(segment)
            hits = self.segment_hits(stream, segment)
            count = counts.per_segment[segment]
            head = hits[: self.check_values]
            ends = [(first, [int(h + 1) * 2 for h in head])]
            if count:
                last = int(hits[-1]) * 2
                ends.append((first + last, [2, n_units - last + 1]))
            found = [_normal_units(stream, unit, len(want)) for unit, want in ends]
            ok = hits.size == count and found[0] == ends[0][1]
            if count:  # the last value: its one attempt; the next one: past the end
                ok = ok and found[1][0] == 2 and found[1][1] >= ends[1][1][1]
            if not ok:
                raise SelfCheckError(
                    "self-check failed: CPython's own normalvariate does not make the "
                    f"{count} values the count pass found in segment {segment}; refusing "
                    "to return shifted numbers (please report this)"
                )


def _normal_units(stream: Stream, unit: int, values: int) -> list[int]:
    """The doubles (64-bit units) CPython's ``normalvariate`` has taken after each of `values`
    values made from `unit` of `stream`."""
    state = bit_generator_at_unit(stream, unit, 64).state["state"]
    python = _pyvalues.CountingRandom()
    python.setstate((3, (*state["key"].tolist(), int(state["pos"])), None))
    taken = []
    for _ in range(values):
        python.normalvariate()
        taken.append(python.words // 2)  # two words a double
    return taken


def _doubles(units: np.ndarray, word_bits: int) -> np.ndarray:
    """numpy's doubles in [0, 1) from 64-bit units, exactly as its C code makes them."""
    if word_bits == 32:  # MT19937's legacy formula on the two words a, b: (a>>5, b>>6)
        a = units >> np.uint64(32 + 5)
        b = (units & np.uint64(0xFFFFFFFF)) >> np.uint64(6)
        mantissa = a * np.uint64(67108864) + b
    else:  # next_double of a 64-bit generator
        mantissa = units >> np.uint64(11)
    return mantissa.astype(np.float64) / 9007199254740992.0  # < 2**53: exact, as in C


def _mt_state(stream: Stream, word: int) -> tuple[bytes, int]:
    state = stream.bit_generator_at(word).state["state"]
    return np.ascontiguousarray(state["key"], dtype=np.uint32).tobytes(), int(state["pos"])


class IntegerScanner(VectorisedScanner):
    """Bounded integers: one unit an attempt, a value per accepted one.

    Packed integers (8/16-bit, bool) are tested by the sub-unit, in their own
    (or a twice as wide) dtype: chunks of them are large.
    """

    @property
    def _small(self) -> type[np.unsignedinteger[Any]]:
        """The dtype of a packed sub-unit."""
        return np.uint8 if self.unit_bits <= 8 else np.uint16

    @property
    def _wide(self) -> np.dtype[Any]:
        """Twice a packed sub-unit: it holds the product with ``rng + 1``."""
        return np.dtype(np.uint16 if self.unit_bits <= 8 else np.uint32)

    def units(self, stream: Stream, first: int, count: int) -> np.ndarray:
        if not self.packed:
            return read_units(stream, first, count, self.unit_bits)
        k = self.per_word  # segments hold whole words
        return subunits(read_units(stream, first // k, count // k, 32), self.unit_bits)

    # On MT19937 a worker counts a run of consecutive segments from one jump (a jump costs
    # about what counting a segment does): longer runs, fewer jumps.
    wave_per_worker: ClassVar[int] = 8

    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        if stream.bit_generator != "MT19937" or self.always_accepts:
            super().count(stream, counts, segments, pool)
            return
        step = self.wave_per_worker
        runs = [segments[i : i + step] for i in range(0, len(segments), step)]
        counted = pool.map(lambda run: self._count_run(stream, run), runs)
        for run, run_counts in zip(runs, counted, strict=True):
            for segment, count in zip(run, run_counts, strict=True):
                unit, n_units = self.segment_units(segment)
                counts.add(count, unit, unit + n_units)

    def _count_run(self, stream: Stream, run: range) -> list[int]:
        """:meth:`count_segment` of each of the consecutive segments `run` on MT19937: one
        bit generator, jumped to the first, moves on through the rest."""
        first, n_units = self.segment_units(run[0])
        k, bits = (self.per_word, 32) if self.packed else (1, self.unit_bits)
        bit_generator = bit_generator_at_unit(stream, first // k, bits)
        found = []
        for _ in run:
            units = mt19937_units(bit_generator, n_units // k, bits)  # type: ignore[arg-type]
            if self.packed:
                units = subunits(units, self.unit_bits)
            found.append(int(np.count_nonzero(self.accepted(units))))
        return found

    def count_segment(self, stream: Stream, segment: int) -> int:
        return SEGMENT_ATTEMPTS if self.always_accepts else super().count_segment(stream, segment)

    def segment_hits(self, stream: Stream, segment: int) -> np.ndarray:
        if self.always_accepts:
            return np.arange(self.segment_units(segment)[1])
        return super().segment_hits(stream, segment)

    @abc.abstractmethod
    def _raw_values(self, subs: np.ndarray) -> np.ndarray:
        """numpy's values less `low`, from accepted packed sub-units `subs` (as `_small`)."""

    def values(self, subs: np.ndarray, low: int, dtype: str) -> np.ndarray:
        """The values numpy makes from accepted sub-units `subs` (packed integers), as `dtype`."""
        value = self._raw_values(subs.astype(self._small, copy=False))
        if dtype == "bool":
            flags: np.ndarray = value != 0
            return flags
        size = 8 if self.unit_bits == 8 else 16
        values: np.ndarray = (value + self._small(low % 2**size)).view(dtype)  # wraps, as C
        return values

    def accepted_in_word(self, word: int, skip: int) -> int:
        """Values numpy makes from the first `skip` sub-units of the 32-bit `word` (packed)."""
        if not skip:
            return 0
        subs = subunits(np.array([word], dtype=np.uint32), self.unit_bits)[:skip]
        return int(np.count_nonzero(self.accepted(subs)))


class MaskedScanner(IntegerScanner):
    """Legacy ``randint``: accept a unit when ``unit & mask <= rng`` (mask: rng's bits)."""

    @property
    def mask(self) -> int:
        return (1 << self.loop.rng.bit_length()) - 1

    def accepted(self, units: np.ndarray) -> np.ndarray:
        if self.packed:
            small = units.astype(self._small, copy=False)
            kept: np.ndarray = (small & small.dtype.type(self.mask)) <= self.loop.rng
            return kept
        dtype = np.uint64 if self.unit_bits == 64 else np.uint32
        wide_units: np.ndarray = units.astype(dtype)
        masked: np.ndarray = (wide_units & dtype(self.mask)) <= dtype(self.loop.rng)
        return masked

    def _raw_values(self, subs: np.ndarray) -> np.ndarray:
        value: np.ndarray = subs & subs.dtype.type(self.mask)
        return value


class LemireScanner(IntegerScanner):
    """``Generator.integers``: accept a unit when the low half of ``unit * (rng + 1)`` is at
    least :attr:`threshold`; the value is the high half."""

    @property
    def threshold(self) -> int:
        """Lemire's: an attempt whose low half is below it is rejected."""
        rng_excl = self.loop.rng + 1
        return int((2**self.unit_bits - rng_excl) % rng_excl)

    def accepted(self, units: np.ndarray) -> np.ndarray:
        rng_excl = self.loop.rng + 1
        if self.packed:
            wide = self._wide
            product: np.ndarray = units.astype(self._small, copy=False).astype(wide)
            product = product * wide.type(rng_excl)
            small: np.ndarray = (product & wide.type(2**self.unit_bits - 1)) >= self.threshold
            return small
        if self.unit_bits == 32:  # the low 32 bits of the product
            leftover = (units.astype(np.uint64) * np.uint64(rng_excl)) & np.uint64(0xFFFFFFFF)
        else:
            with np.errstate(over="ignore"):
                leftover = units * np.uint64(rng_excl)  # wraps: the low 64 bits of the product
        accepted: np.ndarray = leftover >= self.threshold
        return accepted

    def _raw_values(self, subs: np.ndarray) -> np.ndarray:
        wide = self._wide
        product: np.ndarray = subs.astype(wide) * wide.type(self.loop.rng + 1)
        value: np.ndarray = (product >> wide.type(self.unit_bits)).astype(self._small)
        return value


class NumpyScanner(Scanner):
    """The ziggurat and numpy's other private loops: numpy's own method counts, a value an
    attempt, segment by segment stitched where the parses meet (see :func:`parse`)."""

    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        parses = pool.map(lambda s: parse_segment(stream, self, s), segments)
        for segment, found in zip(segments, parses, strict=True):
            _stitch(stream, self, counts, segment, found)

    def check(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        """Nothing to check: numpy's own method made the count."""

    def ends(
        self, stream: Stream, counts: Counts, segment: int, wanted: list[int]
    ) -> dict[int, int]:
        start, base, gauss = counts.starts[segment], counts.prefix[segment], counts.gausses[segment]
        counter, gen = counting_numpy(stream, self.draw, start, self.unit_bits, gauss)
        found, made = {}, 0
        for index in sorted(wanted):
            self.draw.call_on(gen, index - base + 1 - made)
            made = index - base + 1
            found[index] = start + counter.units(self.unit_bits)
            if self.tracks_gauss:
                counts.gauss_after[index] = counter.cached_gauss(gen)
        return found


class GaussScanner(NumpyScanner):
    """RandomState's methods built on its cached Gaussian (gamma, beta, standard_t, ...).

    numpy's legacy ``legacy_gauss`` returns the Gaussian cached in the
    RandomState if it holds one, else makes a polar pair, returns one and
    caches the other; so numpy's state at a value boundary is (unit, cached
    Gaussian or None), and how much the next value reads can depend on the
    cached value itself (Marsaglia and Tsang's gamma tests it).  Parses are
    stitched where they meet in that state.  The first segment of each wave
    is parsed from the state the last one ended in: it is known there.

    A polar pair takes two units, so the units where a parse stands with no
    Gaussian cached keep their parity for long (gamma's: always, but for a
    rare rejected Gaussian); a parse of the other parity does not meet it.
    So the other segments of a wave are parsed from the unit of their start
    with the parity the true parse has there (see :func:`_parity`); and from
    both parities, for the rest of the count, once more than a quarter of a
    wave's segments had to be re-parsed (``beta``'s, ``chisquare``'s and
    ``f``'s parity changes often): twice the parallel work, instead of a
    serial re-parse of half the segments.
    """

    tracks_gauss: ClassVar[bool] = True

    def count(self, stream: Stream, counts: Counts, segments: range, pool: Executor) -> None:
        entry = (counts.end, counts.end_gauss)
        parity = _parity(stream, self, *entry)
        both = counts.both_parities

        def parsed(segment: int) -> list[Parse]:
            first, n_units = self.segment_units(segment)
            if segment == segments.start:
                return [parse(stream, self, entry[0], first + n_units, 0, entry[1])]
            starts = [first + (parity + d - first) % 2 for d in ((0, 1) if both else (0,))]
            return [parse(stream, self, s, first + n_units, window_of(self)) for s in starts]

        reparsed = 0
        for segment, found in zip(segments, pool.map(parsed, segments), strict=True):
            reparsed += _stitch(stream, self, counts, segment, *found)
        counts.both_parities = both or 4 * reparsed > len(segments)


def _parity(stream: Stream, scanner: Scanner, start: int, gauss: float | None) -> int:
    """The parity of the first unit where the true parse from (`start`, `gauss`) stands at a
    value boundary with no Gaussian cached (that of `start` if none comes soon)."""
    if gauss is None:
        return start % 2
    counter, gen = counting_numpy(stream, scanner.draw, start, scanner.unit_bits, gauss)
    for _ in range(window_of(scanner)):
        scanner.draw.call_on(gen, 1)
        if counter.cached_gauss(gen) is None:
            return (start + counter.units(scanner.unit_bits)) % 2
    return start % 2


SCANNERS: dict[str, type[Scanner]] = {
    "polar": PolarScanner,
    "masked": MaskedScanner,
    "lemire": LemireScanner,
    "numpy": NumpyScanner,
    "numpy_gauss": GaussScanner,
    "kinderman_monahan": KindermanMonahanScanner,
}


def scanner_for(draw: Draw, loop: Loop) -> Scanner:
    """The scanner of `draw`'s rejection `loop`: the class of its kind, picked here once."""
    return SCANNERS[loop.kind](loop, draw)


# --- counting -------------------------------------------------------------------------------


def subunits(words: np.ndarray, bits: int) -> np.ndarray:
    """The bytes (8), 16-bit halves (16) or bits (1) of 32-bit `words`, low first (as numpy)."""
    little = np.ascontiguousarray(words, dtype="<u4")
    if bits == 1:
        return np.unpackbits(little.view(np.uint8), bitorder="little")
    if bits == 8:
        return little.view(np.uint8)
    return little.view("<u2").astype(np.uint16, copy=False)  # a copy only on big-endian hosts


def count_until(
    stream: Stream,
    scanner: Scanner,
    accepted: int,
    counts: Counts | None = None,
    workers: int | None = None,
    report: Callable[[int, int], None] | None = None,
) -> Counts:
    """Count segments (in parallel) until at least `accepted` attempts are covered.

    `report(counted, accepted)`, for a progress bar, is called before each wave of
    segments and once when a pass that counted ends.
    """
    counts = counts or Counts()
    workers = workers or os.cpu_count() or 1
    new = len(counts.per_segment)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        while counts.total < accepted:
            if report is not None:
                report(counts.total, accepted)
            missing = accepted - counts.total
            expected = missing / (scanner.acceptance * SEGMENT_ATTEMPTS)
            wave = max(1, min(scanner.wave_per_worker * workers, math.ceil(expected * 1.01) + 1))
            first = len(counts.per_segment)
            scanner.count(stream, counts, range(first, first + wave), pool)
        scanner.check(stream, counts, range(new, len(counts.per_segment)), pool)
    if report is not None and len(counts.per_segment) > new:  # the end of a pass that counted
        report(counts.total, accepted)
    return counts


def _sampled(segments: range) -> list[int]:
    """The first of the newly counted segments and one other, picked by their number."""
    if not segments:
        return []
    other = segments.start + (len(segments) * 2654435761 + 7) % len(segments)
    return sorted({segments.start, other})


def spot_check(stream: Stream, scanner: Scanner, counts: Counts, segment: int) -> None:
    """numpy's own method must make exactly the counted values within segment `segment`.

    Run on a counting bit generator from the segment's first attempt, numpy
    must stay inside the segment for its counted values and leave it for one
    more.  This checks the count pass itself, whole segments of it (the
    chunks' self-check covers only their own spans, not a skipped prefix).
    """
    start, count = counts.starts[segment], counts.per_segment[segment]
    _, n_units = scanner.segment_units(segment)
    per = scanner.values_per_accept
    k, bits = (scanner.per_word, 32) if scanner.packed else (1, scanner.unit_bits)

    def units_for(values: int) -> int:  # from the segment's start, in one call
        counter, obj = counting_numpy(stream, scanner.draw, start // k, bits)
        scanner.draw.call_on(obj, values)
        return counter.units(bits)

    if not units_for(count * per) <= n_units // k < units_for((count + 1) * per):
        raise SelfCheckError(
            f"self-check failed: numpy's own {scanner.draw.method} does not make the "
            f"{count * per} values the count pass found in segment {segment}; refusing to "
            "return shifted numbers (please report this)"
        )


def counting_numpy(
    stream: Stream, draw: Draw, unit: int, bits: int, gauss: float | None = None
) -> tuple[Counting, Any]:
    """numpy's object for `draw`, on a counting bit generator at `unit` (`bits`-bit).

    A RandomState holds `gauss` as its cached Gaussian, if one is given.
    """
    counter = Counting(bit_generator_at_unit(stream, unit, bits))
    obj = draw.numpy_object(counter)  # type: ignore[arg-type]
    if gauss is not None:
        set_cached_gauss(obj, gauss)
    return counter, obj


# --- the ziggurat's parses ------------------------------------------------------------------


#: numpy's state at a value boundary: the unit, and RandomState's cached Gaussian (its
#: bits, so that 0.0 and -0.0 differ) or None
Boundary = tuple[int, str | None]


def boundary(unit: int, gauss: float | None) -> Boundary:
    return unit, gauss_bits(gauss)


@dataclasses.dataclass(frozen=True)
class Parse:
    """numpy's method run from unit `first` until it stood at or past a stop.

    `count` values were made, ending at unit `end` (holding `end_gauss`, for a
    scanner that tracks the cached Gaussian); `boundaries` maps the states
    where the first few values started (and the first) to the values before them.
    """

    first: int
    count: int
    end: int
    boundaries: dict[Boundary, int]
    end_gauss: float | None = None


class _Run:
    """numpy's method on a counting bit generator from unit `first` (as if a value started
    there, with `gauss` cached): where it stands after the values made so far."""

    def __init__(self, stream: Stream, scanner: Scanner, first: int, gauss: float | None) -> None:
        self.scanner, self.first, self._gauss = scanner, first, gauss
        self._gauss_known, self._idle = True, False
        self.counter, self.gen = counting_numpy(
            stream, scanner.draw, first, scanner.unit_bits, gauss
        )
        self.values, self.here = 0, first
        # values a unit: the loop's, measured on 256 values (a value takes 1 to 8 units:
        # beta's two gammas 4, negative_binomial's 8), then this run's own once it made more
        self.rate = min(1.0, scanner.acceptance)

    @property
    def gauss(self) -> float | None:
        """RandomState's cached Gaussian now (read when asked)."""
        if not self._gauss_known:
            self._gauss, self._gauss_known = self.counter.cached_gauss(self.gen), True
        return self._gauss

    @property
    def state(self) -> Boundary:
        return boundary(self.here, self.gauss)

    def make(self, k: int) -> None:
        """Make `k` more values."""
        scanner = self.scanner
        scanner.draw.call_on(self.gen, k)
        self.values += k
        moved = self.here
        self.here = self.first + self.counter.units(scanner.unit_bits)
        self._gauss_known = not scanner.tracks_gauss
        # Nothing read: only one value, from a cached Gaussian (then none is left, and the
        # next value draws; the Gaussian before this step is not known here)
        idle, self._idle = self._idle, self.here == moved
        if self._idle and (not scanner.tracks_gauss or k > 1 or idle or self.gauss is not None):
            raise SelfCheckError(
                f"internal error: numpy's {scanner.draw.method} made {k} values without "
                "drawing; it cannot be counted"
            )

    def reach(self, stop: int) -> None:
        """Make values until at or past unit `stop`, in steps that fall short of it.

        The n values expected to fill the units left, less four standard deviations
        of their count (a value's units vary less than their mean), and at most half
        of them: a step seldom passes the first value boundary at or past `stop`,
        so two runs that have met stop at the same one.
        """
        while self.here < stop:
            n = self.expected(stop - self.here)
            self.make(max(1, int(n) // 2, int(n - 4 * math.sqrt(n))))

    def expected(self, units: int) -> float:
        """The values expected to take `units` more units."""
        if self.values > 256:
            self.rate = self.values / (self.here - self.first)
        return units * self.rate


def parse(
    stream: Stream,
    scanner: Scanner,
    first: int,
    stop: int,
    window: int = 0,
    gauss: float | None = None,
) -> Parse:
    """Run numpy's method from unit `first` (as if a value started there, with `gauss` cached)
    to `stop` or past it.

    The boundaries recorded (where the true parse may meet this one) are those of
    the first `window` values, then (if `window`) one near each of the units
    ``first + d * 4**j`` below `stop`, ``d`` the window's units: the true parse,
    walked to each of them (:func:`_bridge`), stands there too once their parses
    have merged, however late (Generator's gamma, a normal and a uniform a value,
    keeps a parse's phase for about 60 values, beta for more).
    """
    run = _Run(stream, scanner, first, gauss)
    seen = {run.state: 0}
    while run.values < window and run.here < stop:
        run.make(1)
        seen[run.state] = run.values
    span = max(1, run.here - first)
    mark = first + 4 * span
    while window and mark < stop:
        # About there: any boundary does (should one pass `stop`, where the next segment's
        # parse begins, the true parse meets that one further on: at its own marks)
        run.make(max(1, int(run.expected(mark - run.here))))
        seen[run.state] = run.values
        span *= 4
        mark = first + 4 * span
    run.reach(stop)
    return Parse(first, run.values, run.here, seen, run.gauss)


def window_of(scanner: Scanner) -> int:
    """Values a segment's parse records from its start, and the true parse is walked to meet it
    a value at a time: :data:`GAUSS_WINDOW` for a scanner that tracks the cached Gaussian,
    else :data:`WINDOW`."""
    return GAUSS_WINDOW if scanner.tracks_gauss else WINDOW


def parse_segment(stream: Stream, scanner: Scanner, segment: int) -> Parse:
    first, n_units = scanner.segment_units(segment)
    return parse(stream, scanner, first, first + n_units, window_of(scanner))


def _stitch(stream: Stream, scanner: Scanner, counts: Counts, segment: int, *found: Parse) -> bool:
    """Add segment `segment`'s count, from where the true parse enters it, by the first of its
    parses `found` that the true parse meets; re-parsed if none: then True."""
    start, gauss = counts.end, counts.end_gauss  # a true value boundary: where the last ended
    entry = boundary(start, gauss)
    met = next(((p, 0, entry) for p in found if entry in p.boundaries), None)
    if met is None:
        met = _bridge(stream, scanner, start, gauss, found)
    reparsed = met is None
    if met is None:  # the parses have not met: re-parse
        first, n_units = scanner.segment_units(segment)
        met = parse(stream, scanner, start, first + n_units, 0, gauss), 0, entry
    parsed, before, where = met
    count = before + parsed.count - parsed.boundaries[where]
    counts.add(count, start, parsed.end, gauss, parsed.end_gauss)
    return reparsed


def _bridge(
    stream: Stream, scanner: Scanner, start: int, gauss: float | None, found: tuple[Parse, ...]
) -> tuple[Parse, int, Boundary] | None:
    """The true parse from (`start`, `gauss`) walked to the first boundary of one of a
    segment's parses `found` it reaches: (that parse, values made on the way, the boundary).

    A value at a time through the scanner's window (see :func:`window_of`), then to
    the first boundary at or past each later unit the parses recorded; None if it
    has met none before the last of them (short of their ends).
    """
    units = sorted({unit for p in found for unit, _ in p.boundaries if p.first < unit < p.end})
    run = _Run(stream, scanner, start, gauss)

    def meets() -> tuple[Parse, int, Boundary] | None:
        here = run.state
        return next(((p, run.values, here) for p in found if here in p.boundaries), None)

    for _ in range(window_of(scanner)):
        run.make(1)
        if (met := meets()) is not None:
            return met
        if not units or run.here > units[-1]:
            return None
    for unit in units:
        if unit > run.here:
            run.reach(unit)
            if (met := meets()) is not None:
                return met
    return None


# --- where accepted attempts end ------------------------------------------------------------


def units_after(
    stream: Stream, scanner: Scanner, counts: Counts, indices: list[int], workers: int | None = None
) -> dict[int, int]:
    """The unit just after each accepted attempt in `indices` (0-based; -1 gives 0).

    Each segment that holds some of them is scanned once, segments in parallel.
    """
    by_segment: dict[int, list[int]] = {}
    found = {index: 0 for index in indices if index < 0}
    for index in indices:
        if index < 0:
            continue
        segment = int(np.searchsorted(counts.prefix, index, side="right")) - 1
        if segment >= len(counts.per_segment):
            raise SelfCheckError(
                f"internal error: accepted attempt {index} is beyond the counted stream"
            )
        by_segment.setdefault(segment, []).append(index)

    def scan(item: tuple[int, list[int]]) -> dict[int, int]:
        return scanner.ends(stream, counts, *item)

    with concurrent.futures.ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        for part in pool.map(scan, by_segment.items()):
            found.update(part)
    return found


def unit_after(stream: Stream, scanner: Scanner, counts: Counts, index: int) -> int:
    """The unit just after accepted attempt `index` (0-based); 0 for index -1."""
    return units_after(stream, scanner, counts, [index], workers=1)[index]
