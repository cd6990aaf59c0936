"""Draws whose consumption varies: count in parallel, then let numpy generate from exact positions.

Pure: numpy and seedstream's stream and jump modules only.

numpy's rejection loops (the legacy polar method for normals, masked
rejection in legacy ``randint``, Lemire's method in ``Generator.integers``)
take a fixed number of raw *units* per attempt and accept or reject each
attempt by a test on those units alone.  A :class:`Scanner` evaluates that
test vectorised, so the accepted attempts in any segment of the stream can be
counted on their own (in parallel); prefix sums of the counts then give the
exact unit at which any value starts, and numpy's own method generates every
chunk from there.  Positions are in units: 32-bit draws (``next_uint32``), or
64-bit draws (``next_uint64`` / one double).

The ziggurat (``Generator``'s normals and exponentials, and the
distributions built on it or on other loops: gamma, poisson, binomial, ...)
takes 1, 2 or more units per value, decided by tables private to numpy's C
code.  There the scanner is numpy itself: its method runs over a segment on
a :class:`Counting` bit generator, which counts the units it draws.  A segment
is parsed from its first unit as if a value started there; where the true
parse (from the segment before) enters it, the two parses agree from their
first common value boundary on, so the counts are stitched in order, with a
re-parse of the segment in the rare case that they have not met within the
first :data:`WINDOW` values.

Every count pass of the other scanners is spot-checked by numpy itself
(:func:`spot_check`): on two whole segments, numpy's method must make exactly
the counted values.  8/16-bit and bool integers are counted by the byte,
half or bit of 32-bit words (see :class:`Scanner`).

On MT19937 a 64-bit unit is two 32-bit words (high word first, as numpy's
``next_uint64``); on a 64-bit generator a 32-bit unit is half an output (low
half first, the high half buffered, as numpy's ``next_uint32``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

import seedstream._kernel as _kernel
from seedstream._errors import SelfCheckError
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit, read_units

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


# --- scanners ------------------------------------------------------------------------------


class NumpyMethod(Protocol):
    """What a scanner needs of the draw it counts: numpy's own method, on any bit generator.

    :class:`seedstream._draw.Draw` is one; this module, below it, names only what it calls.
    """

    @property
    def method(self) -> str: ...

    def numpy_object(self, bit_generator: Any) -> Any:
        """numpy's stateful object (RandomState or Generator) over `bit_generator`."""
        ...

    def call_on(self, obj: Any, count: int) -> np.ndarray:
        """``count`` values from numpy's own method of `obj`."""
        ...


@dataclasses.dataclass(frozen=True)
class Scanner:
    """One attempt of a numpy rejection loop, read from raw units.

    ``kind`` is ``"polar"`` (legacy Gaussian: two doubles per attempt, two
    values per accepted attempt), ``"masked"`` (legacy randint: accept when
    ``unit & mask <= rng``), ``"lemire"`` (Generator.integers: accept when
    the low half of ``unit * (rng + 1)`` is at least ``2**bits mod (rng + 1)``)
    or ``"numpy"`` (the ziggurat: `draw`, numpy's own method, is run to count;
    an attempt is then a value).

    8- and 16-bit integers and bools are *packed*: numpy reads them as bytes,
    16-bit halves or bits of 32-bit words, low first, from a buffer local to
    one call.  Their scanners work on those sub-units (``unit_bits`` 8, 16
    or 1), and are kept even when every sub-unit is accepted.
    """

    kind: str
    unit_bits: int
    rng: int = 0
    word_bits: int = 32  # the stream's: fixes how a polar attempt makes its doubles
    draw: NumpyMethod | None = None  # kind "numpy" runs it to count, the others to spot-check

    @property
    def numpy(self) -> NumpyMethod:
        """The draw whose numpy method this scanner runs (to count, or to spot-check a count)."""
        if self.draw is None:
            raise ValueError(
                f"this {self.kind} scanner was made without its draw; numpy cannot run it"
            )
        return self.draw

    @property
    def units_per_attempt(self) -> int:
        return 2 if self.kind == "polar" else 1

    @property
    def packed(self) -> bool:
        return self.unit_bits < 32

    @property
    def per_word(self) -> int:
        """Sub-units per 32-bit word (packed scanners only)."""
        return 32 // self.unit_bits

    @property
    def values_per_accept(self) -> int:
        return 2 if self.kind == "polar" else 1

    @property
    def mask(self) -> int:
        return (1 << self.rng.bit_length()) - 1

    @property
    def acceptance(self) -> float:
        """Probability that an attempt is accepted (sizes the count pass only)."""
        if self.kind == "polar":
            return math.pi / 4
        if self.kind == "numpy":
            return 0.975  # values per unit of the ziggurat (about 1.02 units per value)
        if self.kind == "masked":
            return (self.rng + 1) / (self.mask + 1)
        return float(1 - ((2**self.unit_bits) % (self.rng + 1)) / 2**self.unit_bits)

    @property
    def always_accepts(self) -> bool:
        return self.kind in ("masked", "lemire") and self.acceptance == 1.0

    def accepted(self, units: np.ndarray) -> np.ndarray:
        """One flag per whole attempt in `units`: does numpy accept it?"""
        n = units.size // self.units_per_attempt * self.units_per_attempt
        units = units[:n]
        if self.kind == "polar":
            u = _doubles(units, self.word_bits)
            x = 2.0 * u - 1.0
            x1, x2 = x[0::2], x[1::2]
            r2 = x1 * x1 + x2 * x2
            flags: np.ndarray = (r2 < 1.0) & (r2 != 0.0)
            return flags
        if self.packed:  # in their own (or a twice as wide) dtype: chunks of them are large
            units = units.astype(np.uint8 if self.unit_bits <= 8 else np.uint16, copy=False)
            if self.kind == "masked":
                kept: np.ndarray = (units & units.dtype.type(self.mask)) <= self.rng
                return kept
            wide = np.dtype(np.uint16 if self.unit_bits <= 8 else np.uint32)
            product: np.ndarray = units.astype(wide) * wide.type(self.rng + 1)
            small: np.ndarray = (product & wide.type(2**self.unit_bits - 1)) >= self.threshold
            return small
        dtype = np.uint64 if self.unit_bits == 64 else np.uint32
        if self.kind == "masked":
            wide_units: np.ndarray = units.astype(dtype)
            masked: np.ndarray = (wide_units & dtype(self.mask)) <= dtype(self.rng)
            return masked
        rng_excl = self.rng + 1
        if self.unit_bits == 32:  # the low 32 bits of the product
            leftover = (units.astype(np.uint64) * np.uint64(rng_excl)) & np.uint64(0xFFFFFFFF)
        else:
            with np.errstate(over="ignore"):
                leftover = units * np.uint64(rng_excl)  # wraps: the low 64 bits of the product
        accepted: np.ndarray = leftover >= self.threshold
        return accepted

    @property
    def threshold(self) -> int:
        """Lemire's: an attempt whose low half is below it is rejected."""
        rng_excl = self.rng + 1
        return int((2**self.unit_bits - rng_excl) % rng_excl)


def _doubles(units: np.ndarray, word_bits: int) -> np.ndarray:
    """numpy's doubles in [0, 1) from 64-bit units, exactly as its C code makes them."""
    if word_bits == 32:  # MT19937's legacy formula on the two words a, b: (a>>5, b>>6)
        a = units >> np.uint64(32 + 5)
        b = (units & np.uint64(0xFFFFFFFF)) >> np.uint64(6)
        mantissa = a * np.uint64(67108864) + b
    else:  # next_double of a 64-bit generator
        mantissa = units >> np.uint64(11)
    return mantissa.astype(np.float64) / 9007199254740992.0  # < 2**53: exact, as in C


# --- counting and locating -----------------------------------------------------------------


def _segment_units(scanner: Scanner, segment: int) -> tuple[int, int]:
    """(first unit, number of units) of segment `segment`."""
    n_units = SEGMENT_ATTEMPTS * scanner.units_per_attempt
    return segment * n_units, n_units


def subunits(words: np.ndarray, bits: int) -> np.ndarray:
    """The bytes (8), 16-bit halves (16) or bits (1) of 32-bit `words`, low first (as numpy)."""
    little = np.ascontiguousarray(words, dtype="<u4")
    if bits == 1:
        return np.unpackbits(little.view(np.uint8), bitorder="little")
    if bits == 8:
        return little.view(np.uint8)
    return little.view("<u2").astype(np.uint16, copy=False)  # a copy only on big-endian hosts


def _read(stream: Stream, scanner: Scanner, first: int, count: int) -> np.ndarray:
    """Units ``first .. first + count - 1`` of the stream, as `scanner` tests them."""
    if not scanner.packed:
        return read_units(stream, first, count, scanner.unit_bits)
    k = scanner.per_word  # segments hold whole words
    return subunits(read_units(stream, first // k, count // k, 32), scanner.unit_bits)


def packed_values(scanner: Scanner, subs: np.ndarray, low: int, dtype: str) -> np.ndarray:
    """The values numpy makes from accepted sub-units `subs` (packed integers), as `dtype`."""
    bits = scanner.unit_bits
    utype = np.uint8 if bits <= 8 else np.uint16
    subs = subs.astype(utype, copy=False)
    if scanner.kind == "masked":
        value = subs & utype(scanner.mask)
    else:  # Lemire: the high `bits` of the product
        wide = np.dtype(np.uint16 if bits <= 8 else np.uint32)
        product: np.ndarray = subs.astype(wide) * wide.type(scanner.rng + 1)
        value = (product >> wide.type(bits)).astype(utype)
    if dtype == "bool":
        flags: np.ndarray = value != 0
        return flags
    size = 8 if bits == 8 else 16
    values: np.ndarray = (value + utype(low % 2**size)).view(dtype)  # wraps, as numpy's C
    return values


def accepted_in_word(scanner: Scanner, word: int, skip: int) -> int:
    """Values numpy makes from the first `skip` sub-units of the 32-bit `word` (packed only)."""
    if not skip:
        return 0
    subs = subunits(np.array([word], dtype=np.uint32), scanner.unit_bits)[:skip]
    return int(np.count_nonzero(scanner.accepted(subs)))


def _mt_state(stream: Stream, word: int) -> tuple[bytes, int]:
    state = stream.bit_generator_at(word).state["state"]
    return np.ascontiguousarray(state["key"], dtype=np.uint32).tobytes(), int(state["pos"])


def count_segment(stream: Stream, scanner: Scanner, segment: int) -> int:
    """Accepted attempts in segment `segment`.

    The polar test runs in the compiled kernel (on MT19937 the kernel runs
    the generator itself, so no words are stored); the integer tests are one
    vectorised comparison.
    """
    first, n_units = _segment_units(scanner, segment)
    if scanner.kind == "polar" and stream.word_bits == 32:
        key, pos = _mt_state(stream, 2 * first)
        return int(_kernel.mt19937_polar_scan(key, pos, SEGMENT_ATTEMPTS, -1)[0])
    if scanner.kind == "polar":
        raw = stream.bit_generator_at(first).random_raw(n_units)
        return int(_kernel.polar_scan(raw.data, False, -1)[0])
    if scanner.always_accepts:
        return SEGMENT_ATTEMPTS
    flags = scanner.accepted(_read(stream, scanner, first, n_units))
    return int(np.count_nonzero(flags))


def segment_hits(stream: Stream, scanner: Scanner, segment: int) -> np.ndarray:
    """Indices (within segment `segment`) of its accepted attempts."""
    first, n_units = _segment_units(scanner, segment)
    if scanner.kind == "polar" and stream.word_bits == 32:
        key, pos = _mt_state(stream, 2 * first)
        flags = np.frombuffer(_kernel.mt19937_polar_flags(key, pos, SEGMENT_ATTEMPTS), np.uint8)
        return np.flatnonzero(flags)
    if scanner.always_accepts:
        return np.arange(n_units)
    units = (
        stream.bit_generator_at(first).random_raw(n_units)
        if scanner.kind == "polar"
        else _read(stream, scanner, first, n_units)
    )
    return np.flatnonzero(scanner.accepted(units))


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

    def add(self, count: int, start: int, end: int) -> None:
        self.per_segment.append(count)
        self.prefix.append(self.prefix[-1] + count)
        self.starts.append(start)
        self.end = end

    @property
    def total(self) -> int:
        return self.prefix[-1]


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
            wave = max(1, min(4 * workers, math.ceil(expected * 1.01) + 1))
            first = len(counts.per_segment)
            segments = range(first, first + wave)
            if scanner.kind == "numpy":
                parses = pool.map(lambda s: parse_segment(stream, scanner, s), segments)
                for segment, found in zip(segments, parses, strict=True):
                    _stitch(stream, scanner, counts, segment, found)
                continue
            counted = pool.map(lambda s: count_segment(stream, scanner, s), segments)
            for segment, count in zip(segments, counted, strict=True):
                unit, n_units = _segment_units(scanner, segment)
                counts.add(count, unit, unit + n_units)
        if scanner.kind != "numpy" and not scanner.always_accepts and scanner.draw is not None:
            sample = _sampled(range(new, len(counts.per_segment)))
            list(pool.map(lambda s: spot_check(stream, scanner, counts, s), sample))
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
    _, n_units = _segment_units(scanner, segment)
    per = scanner.values_per_accept
    k, bits = (scanner.per_word, 32) if scanner.packed else (1, scanner.unit_bits)

    def units_for(values: int) -> int:  # from the segment's start, in one call
        counter, obj = counting_numpy(stream, scanner, start // k, bits)
        scanner.numpy.call_on(obj, values)
        return counter.units(bits)

    if not units_for(count * per) <= n_units // k < units_for((count + 1) * per):
        raise SelfCheckError(
            f"self-check failed: numpy's own {scanner.numpy.method} does not make the "
            f"{count * per} values the count pass found in segment {segment}; refusing to "
            "return shifted numbers (please report this)"
        )


# --- numpy itself, on a counting bit generator -------------------------------------------


class Counting:
    """A bit generator for numpy's methods: it forwards every draw to `bit_generator` and counts.

    numpy's ``Generator`` takes any object with a ``capsule`` (a C ``bitgen_t``)
    and a ``lock``; this one's ``bitgen_t`` is the kernel's counting wrapper.
    """

    def __init__(self, bit_generator: np.random.BitGenerator) -> None:
        self.capsule = _kernel.counting_capsule(bit_generator.capsule, bit_generator)
        self.lock = bit_generator.lock

    def units(self, unit_bits: int) -> int:
        """The `unit_bits`-bit draws made so far (a double is a 64-bit draw)."""
        n32, n64, nraw = _kernel.counted(self.capsule)
        if nraw or (n64 if unit_bits == 32 else n32):
            raise SelfCheckError(
                f"internal error: numpy's method drew other than {unit_bits}-bit units "
                f"({n32} 32-bit, {n64} 64-bit, {nraw} raw); refusing to count it"
            )
        return n32 if unit_bits == 32 else n64


def counting_numpy(stream: Stream, scanner: Scanner, unit: int, bits: int) -> tuple[Counting, Any]:
    """numpy's object for `scanner`'s draw, on a counting bit generator at `unit` (`bits`-bit)."""
    counter = Counting(bit_generator_at_unit(stream, unit, bits))
    return counter, scanner.numpy.numpy_object(counter)


@dataclasses.dataclass(frozen=True)
class Parse:
    """numpy's method run from unit `first` until it stood at or past a stop.

    `count` values were made, ending at unit `end`; `boundaries` maps the
    units where the first few values started (and `first`) to the values before them.
    """

    first: int
    count: int
    end: int
    boundaries: dict[int, int]


def parse(stream: Stream, scanner: Scanner, first: int, stop: int, window: int = 0) -> Parse:
    """Run numpy's method from unit `first` (as if a value started there) to `stop` or past it."""
    counter, gen = counting_numpy(stream, scanner, first, scanner.unit_bits)
    values, here, seen = 0, first, {first: 0}
    while here < stop:
        # One value at a time through the window, then halving steps: a step of
        # k values takes at least k units, so it seldom passes the stop by much.
        k = 1 if values < window else max(1, (stop - here) // 2)
        scanner.numpy.call_on(gen, k)
        values += k
        moved, here = here, first + counter.units(scanner.unit_bits)
        if here == moved:
            raise SelfCheckError(
                f"internal error: numpy's {scanner.numpy.method} made {k} values without drawing; "
                "it cannot be counted"
            )
        if values <= window:
            seen[here] = values
    return Parse(first, values, here, seen)


def parse_segment(stream: Stream, scanner: Scanner, segment: int) -> Parse:
    first, n_units = _segment_units(scanner, segment)
    return parse(stream, scanner, first, first + n_units, WINDOW)


def _stitch(stream: Stream, scanner: Scanner, counts: Counts, segment: int, found: Parse) -> None:
    """Add segment `segment`'s parse, from where the true parse enters it."""
    start = counts.end  # a true value boundary: where the segments before ended
    if start not in found.boundaries:  # the parses have not met in the window: re-parse
        first, n_units = _segment_units(scanner, segment)
        found = parse(stream, scanner, start, first + n_units)
    counts.add(found.count - found.boundaries[start], start, found.end)


def _ends_by_numpy(
    stream: Stream, scanner: Scanner, counts: Counts, segment: int, wanted: list[int]
) -> dict[int, int]:
    """The unit after each value in `wanted` (all in segment `segment`), by numpy's method."""
    start, base = counts.starts[segment], counts.prefix[segment]
    counter, gen = counting_numpy(stream, scanner, start, scanner.unit_bits)
    found, made = {}, 0
    for index in sorted(wanted):
        scanner.numpy.call_on(gen, index - base + 1 - made)
        made = index - base + 1
        found[index] = start + counter.units(scanner.unit_bits)
    return found


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
        segment, wanted = item
        if scanner.kind == "numpy":
            return _ends_by_numpy(stream, scanner, counts, segment, wanted)
        hits = segment_hits(stream, scanner, segment)
        base = counts.prefix[segment]
        return {
            i: (segment * SEGMENT_ATTEMPTS + int(hits[i - base]) + 1) * scanner.units_per_attempt
            for i in wanted
        }

    with concurrent.futures.ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        for part in pool.map(scan, by_segment.items()):
            found.update(part)
    return found


def unit_after(stream: Stream, scanner: Scanner, counts: Counts, index: int) -> int:
    """The unit just after accepted attempt `index` (0-based); 0 for index -1."""
    return units_after(stream, scanner, counts, [index], workers=1)[index]


def accepted_needed(scanner: Scanner, values: int) -> int:
    return -(-values // scanner.values_per_accept)


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
