"""What is drawn, and how much of the stream each value takes.

Pure description: numpy, the method table, the stream description and the
compiled counter only; nothing here locates or generates.

A :class:`Draw` names a numpy method and its scalar parameters.  Its
:meth:`~Draw.consumption` on a stream is either *fixed* (value ``i`` starts at
unit ``i * units_per_value``) or *variable*: a rejection :class:`Loop`, which
:mod:`seedstream._variable` counts with the scanner of its kind and
:mod:`seedstream._locate` locates and generates from.  :class:`Counting` is
numpy's own measure of what its method reads: a bit generator that counts.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

import seedstream._kernel as _kernel
from seedstream._errors import SelfCheckError
from seedstream._methods import Method, draw_method, method
from seedstream._pick import Pick
from seedstream._stream import Stream

__all__ = [
    "Consumption",
    "Counting",
    "Draw",
    "Loop",
    "cached_gauss",
    "gauss_bits",
    "gauss_params",
    "set_cached_gauss",
    "sizing_dtype",
]

# numpy packs these into 32-bit words, in a buffer local to one call
_PACKED_BITS = {"bool": 1, "int8": 8, "uint8": 8, "int16": 16, "uint16": 16}

LoopKind = Literal["polar", "numpy", "numpy_gauss", "masked", "lemire", "kinderman_monahan"]


@dataclasses.dataclass(frozen=True)
class Loop:
    """numpy's rejection loop behind a variable draw, as data: what its scanner is made of.

    ``kind`` is ``"polar"`` (legacy Gaussian: two doubles per attempt, two
    values per accepted attempt), ``"masked"`` (legacy randint: accept when
    ``unit & mask <= rng``), ``"lemire"`` (Generator.integers: accept when
    the low half of ``unit * (rng + 1)`` is at least ``2**bits mod (rng + 1)``)
    or ``"numpy"`` (the ziggurat and the other loops private to numpy's C
    code: numpy's own method is run to count; an attempt is then a value), or
    ``"numpy_gauss"`` (the same, for RandomState's methods built on its cached
    Gaussian: the parse state is the unit and the cached Gaussian), or
    ``"kinderman_monahan"`` (CPython's ``(log)normalvariate``: two doubles per
    attempt, one value per accepted attempt).
    ``acceptance`` is the probability that an attempt is accepted (it sizes
    the count pass; 1.0: every attempt is a value; for the numpy loops,
    values per unit).

    8- and 16-bit integers and bools are *packed*: numpy reads them as bytes,
    16-bit halves or bits of 32-bit words, low first, from a buffer local to
    one call.  Their loops work on those sub-units (``unit_bits`` 8, 16 or 1),
    and are kept even when every sub-unit is accepted.
    """

    kind: LoopKind
    unit_bits: int
    acceptance: float
    rng: int = 0
    word_bits: int = 32  # the stream's: fixes how a polar attempt makes its doubles

    @property
    def packed(self) -> bool:
        return self.unit_bits < 32

    @property
    def per_word(self) -> int:
        """Sub-units per 32-bit word (packed loops only)."""
        return 32 // self.unit_bits

    @property
    def always_accepts(self) -> bool:
        """Whether every attempt is a value, decided in integers, not from ``acceptance``.

        An integer loop never rejects when ``rng + 1`` is a power of two: every
        masked unit is then at most ``rng``, and Lemire's threshold ``2**bits mod
        (rng + 1)`` is 0.  (A float acceptance rounds to 1.0 for ranges that
        reject once in 2**54 draws or less: such a draw is still variable.)
        """
        return self.kind in ("masked", "lemire") and self.rng & (self.rng + 1) == 0


@dataclasses.dataclass(frozen=True)
class Consumption:
    """How a draw reads its stream: `unit_bits`-bit units, a fixed number per value or a loop."""

    unit_bits: int
    units_per_value: int | None = None
    loop: Loop | None = None

    @property
    def fixed(self) -> bool:
        return self.units_per_value is not None

    @property
    def variable(self) -> bool:
        return self.loop is not None


@dataclasses.dataclass(frozen=True)
class Draw:
    """A numpy drawing method and its scalar parameters.

    ``pick``: the values are mapped, element by element, to what ``choice``
    returns for them (see :mod:`seedstream._pick`); the draw is ``choice``'s
    own draw (its indices or uniforms), which decides the consumption.

    Examples
    --------
    >>> Draw("RandomState", "uniform", (("low", -1.0), ("high", 1.0))).to_config()["params"]
    {'low': -1.0, 'high': 1.0}
    """

    api: str
    method: str
    params: tuple[tuple[str, Any], ...] = ()
    dtype: str = "float64"
    pick: Pick | None = None

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
    def result_dtype(self) -> np.dtype[Any]:
        """The dtype of the values delivered: the draw's, or the picked elements'."""
        return np.dtype(self.dtype) if self.pick is None else self.pick.dtype

    @property
    def caches_gauss(self) -> bool:
        """Whether numpy's method reads and leaves RandomState's cached Gaussian."""
        return self.row.kind in ("polar", "counted_gauss")

    def consumption(self, stream: Stream) -> Consumption:
        """Fixed units per value, or the rejection loop, on `stream`."""
        kind = self.row.kind
        if kind == "polar":
            return Consumption(64, loop=Loop("polar", 64, math.pi / 4, 0, stream.word_bits))
        if kind == "ziggurat":
            bits = 32 if self.dtype == "float32" else 64
            if self.param.get("method", "zig") != "zig":  # numpy: anything else is -log(1 - U)
                return Consumption(bits, 1)
            return Consumption(bits, loop=_numpy_loop(bits))
        if kind == "integers":
            return self._integer_consumption(stream)
        if kind == "counted":
            bits = _unit_bits(self)
            if bits == 0:  # e.g. poisson(0), binomial(n, 0): numpy returns at once
                return Consumption(32 if self.dtype == "float32" else 64, 0)
            # 1 to 8 units a value (gamma's two, beta's four, ...): measured, it sizes the
            # count pass and its parses' steps
            return Consumption(bits, loop=Loop("numpy", bits, _values_per_unit(self) or 1.0))
        if kind == "counted_gauss":  # doubles only (numpy's legacy distributions)
            rate = _values_per_unit(self)
            if rate is None:  # e.g. standard_gamma(0): numpy returns at once
                return Consumption(64, 0)
            return Consumption(64, loop=Loop("numpy_gauss", 64, rate))
        if kind == "python" and self.method in ("normalvariate", "lognormvariate"):  # ~73% accepted
            return Consumption(64, loop=Loop("kinderman_monahan", 64, 0.73, 0, stream.word_bits))
        if kind == "python" and self.method == "getrandbits":  # ceil(k / 32) words a value
            return Consumption(32, -(-int(self.param["k"]) // 32))
        if self.dtype == "float32":
            return Consumption(32, 1)
        return Consumption(64, 1)  # CPython's gauss: on average (see units_for)

    def units_for(self, values: int, use: Consumption) -> int:
        """Units that values ``0 .. values - 1`` take, for fixed consumption `use` (this draw's).

        ``units_per_value * values``; but CPython's ``gauss`` makes its values in
        pairs from two doubles and caches the second, so a value is one unit on
        average: an odd number of them takes one unit more, and a ``cached_gauss``
        at the start is value 0 and takes none.

        Examples
        --------
        >>> d = Draw("PythonRandom", "gauss", (("cached_gauss", 0.5),))
        >>> [d.units_for(n, Consumption(64, 1)) for n in range(5)]
        [0, 0, 2, 2, 4]
        """
        assert use.units_per_value is not None
        if self.row.kind == "python" and self.method == "gauss":
            fresh = max(0, values - ("cached_gauss" in self.param))
            return fresh + fresh % 2
        return use.units_per_value * values

    def _integer_consumption(self, stream: Stream) -> Consumption:
        p = self.param
        low, high = int(p["low"]), int(p["high"])
        rng = high - low if p.get("endpoint", False) else high - low - 1
        bits = 64 if self.dtype.endswith("64") and rng > 0xFFFFFFFF else 32
        bits = _PACKED_BITS.get(self.dtype, bits)
        if rng <= 0:  # numpy returns `low` without drawing (an empty range: only size 0)
            return Consumption(max(bits, 32), 0)
        if self.api == "RandomState":  # masked: the share of masked units within the range
            mask = (1 << rng.bit_length()) - 1
            loop = Loop("masked", bits, (rng + 1) / (mask + 1), rng, stream.word_bits)
        else:  # Lemire: rejects the 2**bits mod (rng + 1) lowest low halves
            acceptance = float(1 - (2**bits % (rng + 1)) / 2**bits)
            loop = Loop("lemire", bits, acceptance, rng, stream.word_bits)
        if loop.packed:  # located even when all are accepted: a value may start inside a word
            return Consumption(32, loop=loop)
        if rng == 2**bits - 1 or loop.always_accepts:  # every draw is a value
            return Consumption(bits, 1)
        return Consumption(bits, loop=loop)

    def to_config(self) -> dict[str, Any]:
        config = {
            "api": self.api,
            "method": self.method,
            "params": dict(self.params),
            "dtype": self.dtype,
        }
        if self.pick is not None:
            config["pick"] = self.pick.to_config()
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Draw:
        pick = config.get("pick")
        return cls(
            config["api"],
            config["method"],
            tuple(config["params"].items()),
            config["dtype"],
            None if pick is None else Pick.from_config(pick),
        )

    def numpy_object(
        self, bit_generator: np.random.BitGenerator
    ) -> np.random.RandomState | np.random.Generator:
        """numpy's own stateful object over `bit_generator`, for this draw's API."""
        if self.api == "RandomState":
            return np.random.RandomState(bit_generator)
        return np.random.Generator(bit_generator)

    def numpy_kwargs(self) -> dict[str, Any]:
        """The keywords of numpy's method for this draw (all but `size`)."""
        kwargs = {k: v for k, v in self.params if k != "cached_gauss"}
        if self.row.takes_dtype:
            kwargs["dtype"] = np.dtype(self.dtype)
        return kwargs

    def call_on(self, obj: Any, count: int) -> np.ndarray:
        """``count`` values from numpy's own method of `obj`."""
        out: np.ndarray = getattr(obj, self.method)(size=count, **self.numpy_kwargs())
        return out


def _numpy_loop(bits: int) -> Loop:
    # about 1.02 units per value for the ziggurat: sizes the count pass and its parses' steps
    return Loop("numpy", bits, 0.975)


class Counting:
    """A bit generator for numpy's methods: it forwards every draw to `bit_generator` and counts.

    numpy's ``Generator`` takes any object with a ``capsule`` (a C ``bitgen_t``)
    and a ``lock``; this one's ``bitgen_t`` is the kernel's counting wrapper.
    """

    def __init__(self, bit_generator: np.random.BitGenerator) -> None:
        self.capsule = _kernel.counting_capsule(bit_generator.capsule, bit_generator)
        self.lock = bit_generator.lock
        self.bit_generator = bit_generator
        self._name_only = False

    # RandomState's get_state and set_state (its cached Gaussian) read and write this
    @property
    def state(self) -> Mapping[str, Any]:
        """The state of the bit generator counted (the counts are not part of it)."""
        if self._name_only:  # see cached_gauss
            return {"bit_generator": type(self.bit_generator).__name__}
        return self.bit_generator.state

    @state.setter
    def state(self, value: Mapping[str, Any]) -> None:
        self.bit_generator.state = value

    def cached_gauss(self, obj: Any) -> float | None:
        """:func:`cached_gauss` of RandomState `obj` over this bit generator, 100x faster.

        numpy's ``get_state`` copies the bit generator's whole state and adds the
        cached Gaussian to it: 42 us on MT19937, in every value a count's parse
        records; here it is given the generator's name alone (0.4 us).
        """
        self._name_only = True
        try:
            return cached_gauss(obj)
        finally:
            self._name_only = False

    def units(self, unit_bits: int) -> int:
        """The `unit_bits`-bit draws made so far (a double is a 64-bit draw)."""
        n32, n64, nraw = _kernel.counted(self.capsule)
        if nraw or (n64 if unit_bits == 32 else n32):
            raise SelfCheckError(
                f"internal error: numpy's method drew other than {unit_bits}-bit units "
                f"({n32} 32-bit, {n64} 64-bit, {nraw} raw); refusing to count it"
            )
        return n32 if unit_bits == 32 else n64


@functools.lru_cache(maxsize=256)
def _unit_bits(draw: Draw) -> int:
    """The width of the units numpy's method draws for these parameters; 0: it draws none.

    numpy's own method, on a counting bit generator, says: Generator's
    ``hypergeometric`` draws 32-bit units for small samples (``random_interval``
    below 2**32) and doubles otherwise (HRUA), one or the other for given
    parameters.  A method that drew both for one parameter set is refused.
    """
    counter = Counting(np.random.PCG64(0))
    draw.call_on(draw.numpy_object(counter), 64)  # type: ignore[arg-type]
    n32, n64, nraw = _kernel.counted(counter.capsule)
    if nraw or (n32 and n64):
        raise NotImplementedError(
            f"{draw.method}() with {draw.param} draws units of more than one width, which "
            "cannot be counted; draw it in memory (no chunks=, store= or start=) instead"
        )
    return 32 if n32 else 64 if n64 else 0


def _without_cache(draw: Draw) -> Draw:
    return dataclasses.replace(draw, params=tuple(p for p in draw.params if p[0] != "cached_gauss"))


def _values_per_unit(draw: Draw) -> float | None:
    """numpy's values per unit for `draw`, measured (sizes a count pass); None: it draws nothing."""
    return _measured_rate(_without_cache(draw))


@functools.lru_cache(maxsize=256)
def _measured_rate(draw: Draw) -> float | None:
    counter = Counting(np.random.PCG64(0))
    draw.call_on(draw.numpy_object(counter), 256)  # type: ignore[arg-type]
    n32, n64, nraw = _kernel.counted(counter.capsule)
    units = n32 + n64 + nraw
    return 256 / units if units else None


def cached_gauss(obj: Any) -> float | None:
    """The Gaussian RandomState `obj` has cached (numpy's ``has_gauss``), or None."""
    state = np.random.RandomState.get_state(obj, legacy=False)
    return float(state["gauss"]) if state["has_gauss"] else None


def gauss_bits(gauss: float | None) -> str | None:
    """A cached Gaussian as compared: its exact bits (0.0 and -0.0 differ), or None."""
    return None if gauss is None else gauss.hex()


def gauss_params(obj: Any) -> tuple[tuple[str, Any], ...]:
    """A draw's ``cached_gauss`` parameter for the Gaussian RandomState `obj` holds, if any."""
    gauss = cached_gauss(obj)
    return () if gauss is None else (("cached_gauss", gauss),)


def set_cached_gauss(obj: Any, gauss: float | None) -> None:
    """Make RandomState `obj` hold `gauss` as its cached Gaussian (None: none)."""
    state = np.random.RandomState.get_state(obj, legacy=False)
    state["has_gauss"], state["gauss"] = int(gauss is not None), 0.0 if gauss is None else gauss
    np.random.RandomState.set_state(obj, state)


def sizing_dtype(dtype: Any) -> np.dtype[Any]:
    """`dtype` for sizing a draw only: numpy reports a bad one itself when it draws."""
    try:
        found: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        found = np.dtype(np.int64)
    return found
