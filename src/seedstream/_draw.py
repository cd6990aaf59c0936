"""What is drawn, how much of the stream each value takes, and generating any run of it alone.

Pure: numpy and seedstream's stream, unit and counting modules only.

A :class:`Draw` names a numpy method and its scalar parameters.  Its
:meth:`~Draw.consumption` on a stream is either *fixed* (value ``i`` starts at
unit ``i * units_per_value``) or *variable* (a rejection loop, described by a
:class:`~seedstream._variable.Scanner`).  :func:`generate` makes values
``first .. first + count - 1`` of a fixed draw with numpy's own method, from a
bit generator placed at the right unit; it is a pure function of its
arguments, which is what makes every chunk an independent task.  Variable
draws are located by :mod:`seedstream._variable` first.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

import seedstream._fill as _fill
import seedstream._kernel as _kernel
import seedstream._variable as variable
from seedstream._errors import SelfCheckError
from seedstream._jump import advance
from seedstream._methods import Method, draw_method, method
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit
from seedstream._variable import Scanner

__all__ = [
    "Consumption",
    "Draw",
    "Located",
    "Locator",
    "block_values",
    "generate",
    "generate_located",
    "numpy_at",
]

# numpy packs these into 32-bit words, in a buffer local to one call
_PACKED_BITS = {"bool": 1, "int8": 8, "uint8": 8, "int16": 16, "uint16": 16}


@dataclasses.dataclass(frozen=True)
class Consumption:
    """How a draw reads its stream: `unit_bits`-bit units, a fixed number per value or a scanner."""

    unit_bits: int
    units_per_value: int | None = None
    scanner: Scanner | None = None

    @property
    def fixed(self) -> bool:
        return self.units_per_value is not None

    @property
    def variable(self) -> bool:
        return self.scanner is not None


@dataclasses.dataclass(frozen=True)
class Draw:
    """A numpy drawing method and its scalar parameters.

    Examples
    --------
    >>> Draw("RandomState", "uniform", (("low", -1.0), ("high", 1.0))).to_config()["params"]
    {'low': -1.0, 'high': 1.0}
    """

    api: str
    method: str
    params: tuple[tuple[str, Any], ...] = ()
    dtype: str = "float64"

    def __post_init__(self) -> None:
        row = draw_method(self.api, self.method)
        if row is None or self.dtype not in row.dtypes:
            raise NotImplementedError(
                f"{self.api}.{self.method} with dtype {self.dtype} cannot be generated in "
                "independent chunks or from a start position (see the README's 'Other "
                "distributions' for what can); draw it in memory (no chunks=, store= or "
                "start=) instead"
            )

    @property
    def row(self) -> Method:
        """This draw's method in the method table (see :mod:`seedstream._methods`)."""
        return method(self.api, self.method)

    @property
    def param(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def caches_gauss(self) -> bool:
        """Whether numpy's method reads and leaves RandomState's cached Gaussian."""
        return self.row.kind == "polar"

    def consumption(self, stream: Stream) -> Consumption:
        """Fixed units per value, or the scanner of the rejection loop, on `stream`."""
        kind = self.row.kind
        if kind == "polar":
            return Consumption(64, scanner=Scanner("polar", 64, 0, stream.word_bits, self))
        if kind == "ziggurat":
            bits = 32 if self.dtype == "float32" else 64
            if self.param.get("method", "zig") != "zig":  # numpy: anything else is -log(1 - U)
                return Consumption(bits, 1)
            return Consumption(bits, scanner=Scanner("numpy", bits, draw=self))
        if kind == "integers":
            return self._integer_consumption(stream)
        if kind == "counted":
            bits = 32 if self.dtype == "float32" else 64
            if _draws_nothing(self):  # e.g. poisson(0), binomial(n, 0): numpy returns at once
                return Consumption(bits, 0)
            return Consumption(bits, scanner=Scanner("numpy", bits, draw=self))
        if self.dtype == "float32":
            return Consumption(32, 1)
        return Consumption(64, 1)

    def _integer_consumption(self, stream: Stream) -> Consumption:
        p = self.param
        low, high = int(p["low"]), int(p["high"])
        rng = high - low if p.get("endpoint", False) else high - low - 1
        bits = 64 if self.dtype.endswith("64") and rng > 0xFFFFFFFF else 32
        bits = _PACKED_BITS.get(self.dtype, bits)
        if rng == 0:
            return Consumption(max(bits, 32), 0)  # numpy returns `low` without drawing
        kind = "masked" if self.api == "RandomState" else "lemire"
        scanner = Scanner(kind, bits, rng, stream.word_bits, self)
        if scanner.packed:  # located even when all are accepted: a value may start inside a word
            return Consumption(32, scanner=scanner)
        if rng == 2**bits - 1 or scanner.always_accepts:  # every draw is a value
            return Consumption(bits, 1)
        return Consumption(bits, scanner=scanner)

    def to_config(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "method": self.method,
            "params": dict(self.params),
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Draw:
        return cls(
            config["api"], config["method"], tuple(config["params"].items()), config["dtype"]
        )

    def numpy_object(
        self, bit_generator: np.random.BitGenerator
    ) -> np.random.RandomState | np.random.Generator:
        """numpy's own stateful object over `bit_generator`, for this draw's API."""
        if self.api == "RandomState":
            return np.random.RandomState(bit_generator)
        return np.random.Generator(bit_generator)

    def call_on(self, obj: Any, count: int) -> np.ndarray:
        """``count`` values from numpy's own method of `obj`."""
        kwargs = {k: v for k, v in self.params if k != "cached_gauss"}
        if self.row.takes_dtype:
            kwargs["dtype"] = np.dtype(self.dtype)
        out: np.ndarray = getattr(obj, self.method)(size=count, **kwargs)
        return out

    def core_path(self, stream: Stream) -> str | None:
        """The MT19937 core's code path that makes this draw's values on `stream`; None: numpy's.

        Examples
        --------
        >>> import numpy as np
        >>> s = Stream.from_bit_generator(np.random.PCG64(0))
        >>> Draw("Generator", "random").core_path(s) is None  # numpy's own method
        True
        """
        if self.row.kind == "uniform" and stream.bit_generator == "MT19937":
            return _fill.core_path()
        return None

    def call(self, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
        """``count`` values as numpy's own method makes them from `bit_generator`'s state.

        Uniforms on MT19937 come from the vectorized core (:mod:`seedstream._fill`),
        everything else from numpy's method.
        """
        if self.row.kind == "uniform":
            p = self.param
            out = _fill.uniforms(
                bit_generator,
                count,
                self.dtype,
                p.get("low", 0.0),
                p.get("high", 1.0),
                scaled=self.method == "uniform",
            )
            if out is not None:
                return out
        return self.call_on(self.numpy_object(bit_generator), count)


@functools.lru_cache(maxsize=256)
def _draws_nothing(draw: Draw) -> bool:
    """Whether numpy's method makes its values without drawing, for these parameters."""
    counter = variable.Counting(np.random.PCG64(0))
    draw.call_on(draw.numpy_object(counter), 64)  # type: ignore[arg-type]
    n32, n64, nraw = _kernel.counted(counter.capsule)
    return n32 + n64 + nraw == 0


def sizing_dtype(dtype: Any) -> np.dtype[Any]:
    """`dtype` for sizing a draw only: numpy reports a bad one itself when it draws."""
    try:
        found: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        found = np.dtype(np.int64)
    return found


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
    use = draw.consumption(stream)
    if use.units_per_value is None:
        raise ValueError(f"{draw.method} has variable consumption: locate it first")
    bg = bit_generator_at_unit(stream, use.units_per_value * first, use.unit_bits)
    return draw.call(bg, count)


@dataclasses.dataclass(frozen=True)
class Located:
    """Where numpy starts to produce a value of a variable draw, and how.

    ``unit``: the unit numpy starts reading at; ``discard``: values to draw and
    drop first (the first of a polar pair); ``gauss``: a cached Gaussian numpy
    holds at that point (RandomState's ``has_gauss``), or None; ``skip``: for
    packed draws, the sub-units of the first 32-bit word that come before the
    value (numpy, starting a call at that word, makes and drops their values).
    """

    unit: int
    discard: int = 0
    gauss: float | None = None
    skip: int = 0


class Locator:
    """Counts a variable draw's stream (in parallel, as far as needed) and locates its values.

    A cached Gaussian at the start (``cached_gauss`` in the draw's parameters)
    is value 0; the stream's own values follow it.
    """

    def __init__(
        self,
        stream: Stream,
        draw: Draw,
        workers: int | None = None,
        report: Callable[[int, int], None] | None = None,
    ) -> None:
        use = draw.consumption(stream)
        if use.scanner is None:
            raise ValueError(f"{draw.method} has fixed consumption: nothing to locate")
        self.stream, self.draw, self.scanner, self.workers = stream, draw, use.scanner, workers
        self.report = report  # the count pass's progress (see variable.count_until)
        self.cached = draw.param.get("cached_gauss")
        self.counts = variable.Counts()
        self._after_cache: dict[int, int] = {}

    def _fresh(self, value: int) -> int:
        return value - 1 if self.cached is not None else value

    def prepare(self, values: int) -> None:
        """Count far enough to locate values ``0 .. values`` (and the end of the last)."""
        if self.scanner.always_accepts:
            return  # packed, and every sub-unit a value: nothing to count
        needed = variable.accepted_needed(self.scanner, max(0, self._fresh(values)) + 1)
        variable.count_until(
            self.stream, self.scanner, needed, self.counts, self.workers, self.report
        )

    def _after(self, attempt: int) -> int:
        if self.scanner.always_accepts:
            return attempt + 1
        # One block's end is usually the next one's start: remember what was scanned.
        if attempt not in self._after_cache:
            found = variable.unit_after(self.stream, self.scanner, self.counts, attempt)
            self._after_cache[attempt] = found
        return self._after_cache[attempt]

    def start(self, value: int) -> Located:
        if self.cached is not None and value == 0:
            return Located(0, 0, float(self.cached))
        attempt, discard = divmod(self._fresh(value), self.scanner.values_per_accept)
        unit = self._after(attempt - 1)
        if self.scanner.packed:  # numpy starts a call at a whole 32-bit word
            word, skip = divmod(unit, self.scanner.per_word)
            return Located(word, skip=skip)
        return Located(unit, discard)

    def end(self, values: int) -> int:
        """The unit just after the last of values ``0 .. values - 1``.

        (For packed draws a sub-unit: see :func:`end_word` for where numpy stands.)
        """
        fresh = max(0, self._fresh(values))
        return self._after((fresh - 1) // self.scanner.values_per_accept) if fresh else 0

    def blocks(self, blocks: list[tuple[int, int]]) -> list[tuple[Located, int]]:
        """(start, end unit) of each block ``(first, count)``, counted and located in parallel."""
        self.prepare(max((f + c for f, c in blocks), default=0))
        if self.scanner.always_accepts:
            return [(self.start(f), self.end(f + c)) for f, c in blocks]
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
            variable.units_after(self.stream, self.scanner, self.counts, missing, self.workers)
        )
        return [(self.start(f), self.end(f + c)) for f, c in blocks]


def end_word(stream: Stream, draw: Draw, end: int) -> int:
    """Where numpy stands after a call that ended at `end` (a Locator's end, in units).

    Packed draws end at a sub-unit, and numpy drops the rest of its call's last word.
    """
    scanner = draw.consumption(stream).scanner
    return -(-end // scanner.per_word) if scanner is not None and scanner.packed else end


def numpy_at(
    stream: Stream, draw: Draw, located: Located
) -> tuple[np.random.BitGenerator, np.random.RandomState | np.random.Generator]:
    """numpy's bit generator and stateful object, ready to produce the located value.

    (For a packed draw, ready to produce it after :func:`dropped` values, in the same call.)
    """
    bg = bit_generator_at_unit(stream, located.unit, draw.consumption(stream).unit_bits)
    obj = draw.numpy_object(bg)
    if located.gauss is not None and isinstance(obj, np.random.RandomState):
        state = obj.get_state(legacy=False)
        state["has_gauss"], state["gauss"] = 1, located.gauss
        obj.set_state(state)
    if located.discard:
        draw.call_on(obj, located.discard)
    return bg, obj


def dropped(
    stream: Stream, draw: Draw, bit_generator: np.random.BitGenerator, located: Located
) -> int:
    """Values a packed draw makes before the located one, from the word `bit_generator` is at."""
    scanner = draw.consumption(stream).scanner
    if not located.skip or scanner is None:
        return 0
    if scanner.always_accepts:
        return located.skip
    peek = np.random.Generator(advance(bit_generator, 0))  # a copy: next_uint32, as numpy reads
    word = int(peek.integers(0, 2**32, dtype=np.uint32))
    return variable.accepted_in_word(scanner, word, located.skip)


def values_at(
    stream: Stream, draw: Draw, located: Located, count: int
) -> tuple[np.random.BitGenerator, np.random.RandomState | np.random.Generator, np.ndarray]:
    """numpy's bit generator and object after making `count` values from `located`; the values."""
    bg, obj = numpy_at(stream, draw, located)
    return bg, obj, _make(stream, draw, bg, obj, located, count)


def _make(
    stream: Stream, draw: Draw, bg: np.random.BitGenerator, obj: Any, located: Located, count: int
) -> np.ndarray:
    drop = dropped(stream, draw, bg, located)  # in the same call (packed draws)
    out = draw.call_on(obj, drop + count)
    return out[drop:] if drop else out


def generate_located(
    stream: Stream, draw: Draw, located: Located, count: int, end_unit: int
) -> np.ndarray:
    """`count` values of a variable draw from `located`, checked to end at `end_unit`.

    The self-check: after numpy generated the values, its bit generator must
    stand exactly where the count pass said the next value starts; otherwise
    this raises instead of returning shifted numbers.  numpy's position shows
    only whole 32-bit words after a packed draw, so there the raw words are
    read as well, to check the count to the sub-unit and the values themselves.
    """
    use = draw.consumption(stream)
    scanner = use.scanner
    bg, obj = numpy_at(stream, draw, located)
    before = advance(bg, 0) if scanner is not None and scanner.packed else None  # a copy
    out = _make(stream, draw, bg, obj, located, count)
    word = end_word(stream, draw, end_unit)
    variable.check_position(bg, stream, word, use.unit_bits)
    if before is not None and scanner is not None:
        _check_packed(draw, scanner, before, located, out, end_unit, word)
    return out


_CHECK_WORDS = 2**18  # raw words read at a time by the packed check


def _check_packed(
    draw: Draw,
    scanner: Scanner,
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
        subs = variable.subunits(
            gen.integers(0, 2**32, n_words, dtype=np.uint32), scanner.unit_bits
        )
        lo, hi = max(located.skip - offset, 0), min(stop - offset, subs.size)
        if lo < hi:
            flags = scanner.accepted(subs[lo:hi])
            values = variable.packed_values(scanner, subs[lo:hi][flags], low, draw.dtype)
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


def block_values(
    stream: Stream,
    draw: Draw,
    first: int,
    count: int,
    located: tuple[Located, int] | None = None,
) -> np.ndarray:
    """Values ``first .. first + count - 1`` of any supported draw.

    Fixed draws jump straight there; variable ones use `located` (start, end
    unit) when given, else count the stream up to them first.
    """
    use = draw.consumption(stream)
    if use.fixed:
        return generate(stream, draw, first, count)
    if located is None:
        (located,) = Locator(stream, draw).blocks([(first, count)])
    return generate_located(stream, draw, located[0], count, located[1])
