"""CPython's ``random.Random`` methods of fixed consumption, as values of the stream.

Pure: numpy, the compiled kernel, and seedstream's draw, fill, unit and stream modules.

``triangular``, ``expovariate``, ``paretovariate`` and ``weibullvariate`` take one
``random()`` a value, ``gauss`` a pair of values from two (the second cached
in ``gauss_next``), ``getrandbits(k)`` ``ceil(k / 32)`` words.  ``random()`` is
numpy's ``random_sample`` formula, so the MT19937 core makes its doubles
exactly; the rest is CPython's formula (Lib/random.py), applied by the kernel
(``csrc/cpython_random.c``) with the C library's ``log``, ``cos``, ``sin``,
``sqrt`` and ``pow`` -- the functions CPython's math module and ``float **`` call
-- since numpy's own ``log``, ``cos``, ... may be vectorised approximations that
differ in the last bit.  Where CPython raises for a value (``float **``
overflowing, say), so does the block, with CPython's exception type and message.
``getrandbits`` is integer arithmetic on the words, done here.

``normalvariate`` (Kinderman and Monahan's ratio of uniforms) varies: an
attempt is two ``random()``, accepted by :func:`kinderman_monahan`; its values
(``mu + z * sigma``) need IEEE arithmetic alone, exact in numpy;
``lognormvariate``'s are their ``math.exp``, by the kernel (the C library's ``exp``).  Located by
:class:`seedstream._variable.KindermanMonahanScanner`, a block is made here
from its first attempt (:func:`values_from` takes exactly its accepted attempts).

A :class:`~seedstream._draw.Draw` of api ``"PythonRandom"`` holds the method's
parameters as CPython was given them (ints or floats, ``mode`` may be None)
and, for ``gauss``, the value ``gauss_next`` held at the start
(``cached_gauss``), which is value 0.
"""

from __future__ import annotations

import errno
import math
import os
import random
from typing import Any

import numpy as np

import seedstream._kernel as _kernel
from seedstream._draw import Draw
from seedstream._fill import uniforms
from seedstream._jump import advance
from seedstream._stream import Stream
from seedstream._units import bit_generator_at_unit, mt19937_units

__all__ = [
    "CountingRandom",
    "cached_after",
    "generate",
    "kinderman_monahan",
    "values_from",
]

# The kernel's formulas (csrc/cpython_random.h)
_FORMULAS = {
    "expovariate": 0,
    "paretovariate": 1,
    "weibullvariate": 2,
    "triangular": 3,
    "gauss": 4,
    "lognormvariate": 5,  # math.exp of normalvariate's values
}


class CountingRandom(random.Random):
    """CPython's generator that counts the 32-bit words its ``random`` and ``getrandbits`` take
    (CPython's own methods draw through these two)."""

    words = 0

    def random(self) -> float:
        self.words += 2
        return super().random()

    def getrandbits(self, k: int) -> int:
        self.words += (k + 31) // 32
        return super().getrandbits(k)


def _arguments(draw: Draw) -> list[Any]:
    return [v for k, v in draw.params if k != "cached_gauss"]


def _constants(draw: Draw) -> tuple[float, ...] | float:
    """The kernel's parameters, made from CPython's by CPython's own scalar steps.

    A float alone: every value is that one (``triangular`` with ``low == high`` and a
    mode, where CPython returns ``low``).  Python converts an int operand to a double
    as ``float()`` does.
    """
    p = draw.param
    name = draw.method
    if name == "expovariate":
        return (float(p["lambd"]),)
    if name == "paretovariate":
        return (-1.0 / p["alpha"],)
    if name == "weibullvariate":
        return (float(p["alpha"]), 1.0 / p["beta"])
    if name == "triangular":
        low, high, mode = p["low"], p["high"], p["mode"]
        try:
            c = 0.5 if mode is None else (mode - low) / (high - low)
        except ZeroDivisionError:
            return float(low)
        return (float(c), float(low), float(high - low), float(high), float(low - high))
    if name == "lognormvariate":
        return (0.0,)
    assert name == "gauss", name
    return (random.TWOPI,)  # type: ignore[attr-defined]


def _apply(draw: Draw, u: np.ndarray) -> np.ndarray:
    """CPython's formula for `draw` over random()'s doubles `u` (``gauss``: pairs, unscaled)."""
    constants = _constants(draw)
    if isinstance(constants, float):
        return np.full(u.size, constants)
    p = (*constants, 0.0, 0.0, 0.0, 0.0)[:5]
    u = np.ascontiguousarray(u, dtype=np.float64)
    out = np.empty_like(u)
    index, code, number = _kernel.cpython_random(_FORMULAS[draw.method], u.data, out.data, *p)
    if code:
        raise _error(draw, code, number, index)
    return out


def _error(draw: Draw, code: int, number: int, index: int) -> Exception:
    """CPython's exception for the value at `index` of a block (its type and message)."""
    found: Exception
    if code == 1:
        found = ZeroDivisionError("0.0 cannot be raised to a negative power")
    elif code == 2:
        kind = OverflowError if number == errno.ERANGE else ValueError
        found = kind(number, os.strerror(number))
    elif code == 3:
        found = ValueError("math domain error")
    elif code == 5:
        found = OverflowError("math range error")
    else:  # CPython would return a complex number
        found = NotImplementedError(
            f"{draw.method}() with {_arguments(draw)} gives a complex value here; draw it in "
            "memory (no chunks=, no store=)"
        )
    made = "normalvariate value" if draw.method == "lognormvariate" else "random() double"
    found.add_note(
        f"seedstream: as CPython's {draw.method}() raises for the value made from the "
        f"{made} at index {index} of this block"
    )
    return found


def _doubles(bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
    """The next `count` doubles of ``random()`` (numpy's ``random_sample``) from `bit_generator`."""
    out = uniforms(bit_generator, count)
    if out is None:  # not MT19937: numpy's own (for a check of the parameters only)
        out = np.random.RandomState(bit_generator).random_sample(count)
    return out


def _getrandbits(draw: Draw, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
    """`count` values of ``getrandbits(k)``, k <= 64: words least significant first, the
    last one shifted right to the bit count, as CPython's C code makes them."""
    k = int(draw.param["k"])
    per = -(-k // 32)
    n = per * count
    if isinstance(bit_generator, np.random.MT19937):
        words = mt19937_units(bit_generator, n, 32)
    else:  # (a check of the parameters only)
        words = (bit_generator.random_raw(n) & 0xFFFFFFFF).astype(np.uint32)
    if per == 0:
        return np.zeros(count, dtype=draw.dtype)
    if per == 1:
        return (words >> np.uint32(32 - k)).astype(draw.dtype)
    low = words[0::2].astype(np.uint64)
    high = (words[1::2] >> np.uint32(64 - k)).astype(np.uint64)
    return ((high << np.uint64(32)) | low).astype(draw.dtype)


def _scaled(draw: Draw, z: np.ndarray) -> np.ndarray:
    """gauss's and (log)normalvariate's ``mu + z * sigma``, two IEEE operations as CPython's
    (ints as ``float()``)."""
    p = draw.param
    out: np.ndarray = float(p["mu"]) + z * float(p["sigma"])
    return out


def _gauss_raw(bit_generator: np.random.BitGenerator, drop: int, count: int) -> np.ndarray:
    """gauss's unscaled values from `bit_generator` at a pair's start: `drop`, then `count`."""
    pairs = -(-(drop + count) // 2)
    z = _apply(_GAUSS, _doubles(bit_generator, 2 * pairs))
    return z[drop : drop + count]


_GAUSS = Draw("PythonRandom", "gauss", (("mu", 0.0), ("sigma", 1.0)))


_NV_MAGICCONST: float = random.NV_MAGICCONST  # type: ignore[attr-defined]


def _normal_z(doubles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """normalvariate's ``z`` and ``u2`` of each attempt (two of random()'s `doubles`)."""
    u1, u2 = doubles[0::2], 1.0 - doubles[1::2]
    return _NV_MAGICCONST * (u1 - 0.5) / u2, u2


def kinderman_monahan(doubles: np.ndarray) -> np.ndarray:
    """normalvariate's acceptance of each attempt (two of random()'s `doubles`), as CPython's.

    ``z * z / 4 <= -log(u2)``: numpy's ``log`` may differ from the C library's in
    the last bits, so attempts within a relative 1e-12 of the bound are decided
    again with :func:`math.log` (CPython's).
    """
    return _accepted(*_normal_z(doubles))


def _accepted(z: np.ndarray, u2: np.ndarray) -> np.ndarray:
    zz = z * z / 4.0
    bound = -np.log(u2)
    flags: np.ndarray = zz <= bound
    for i in np.flatnonzero(np.abs(zz - bound) <= 1e-12 * np.abs(bound)).tolist():
        flags[i] = zz[i] <= -math.log(u2[i])
    return flags


#: Attempts of normalvariate tested at a time (two doubles each): bounds a block's memory.
_ATTEMPTS = 2**20


def _normalvariate(draw: Draw, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
    """`count` values of normalvariate from `bit_generator` at an attempt's start, which
    then stands just after their attempts: they are found and made on a copy, a batch of
    attempts at a time, and the generator is moved past them by the jump."""
    peek = type(bit_generator)()
    peek.state = bit_generator.state
    parts, attempts, accepted = [], 0, 0
    while accepted < count:
        more = min(int((count - accepted) / 0.73 * 1.02) + 64, _ATTEMPTS)  # ~0.7306 accepted
        z, u2 = _normal_z(_doubles(peek, 2 * more))
        hits = np.flatnonzero(_accepted(z, u2))[: count - accepted]
        if accepted + hits.size == count:
            more = int(hits[-1]) + 1
        parts.append(z[hits])
        accepted, attempts = accepted + hits.size, attempts + more
    # two doubles an attempt, each `units_per_double` native outputs (MT19937: two words)
    bit_generator.state = advance(
        bit_generator, 2 * attempts * _units_per_double(bit_generator)
    ).state
    return _scaled(draw, np.concatenate(parts))


def _units_per_double(bit_generator: np.random.BitGenerator) -> int:
    return 2 if isinstance(bit_generator, np.random.MT19937) else 1


def values_from(draw: Draw, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
    """`count` values of `draw` from `bit_generator`'s position (gauss: a fresh pair's start;
    normalvariate: an attempt's start)."""
    if draw.method == "normalvariate":
        return _normalvariate(draw, bit_generator, count)
    if draw.method == "lognormvariate":  # exp(normalvariate(mu, sigma))
        return _apply(draw, _normalvariate(draw, bit_generator, count))
    if draw.method == "getrandbits":
        return _getrandbits(draw, bit_generator, count)
    if draw.method == "gauss":
        return _scaled(draw, _gauss_raw(bit_generator, 0, count))
    return _apply(draw, _doubles(bit_generator, count))


def generate(stream: Stream, draw: Draw, first: int, count: int) -> np.ndarray:
    """Values ``first .. first + count - 1`` of `draw` on `stream`, as CPython makes them.

    Examples
    --------
    >>> r = random.Random(7)
    >>> internal = r.getstate()[1]
    >>> bg = np.random.MT19937(0)
    >>> key = np.array(internal[:624], dtype=np.uint32)
    >>> bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": internal[624]}}
    >>> d = Draw("PythonRandom", "expovariate", (("lambd", 2.0),))
    >>> x = generate(Stream.from_bit_generator(bg), d, 3, 2)
    >>> x.tolist() == [r.expovariate(2.0) for _ in range(5)][3:]
    True
    """
    use = draw.consumption(stream)
    if use.loop is not None:  # normalvariate: only from the first attempt (else locate it)
        if first:
            raise ValueError(f"{draw.method} has variable consumption: locate it first")
        return values_from(draw, bit_generator_at_unit(stream, 0, use.unit_bits), count)
    assert use.units_per_value is not None
    if draw.method != "gauss":
        bg = bit_generator_at_unit(stream, use.units_per_value * first, use.unit_bits)
        return values_from(draw, bg, count)
    cached = draw.param.get("cached_gauss")
    head = []
    if cached is not None:
        if first == 0 and count:  # value 0 is the cached one
            head, count = [float(cached)], count - 1
        else:
            first -= 1
    fresh = first if not head else 0
    bg = bit_generator_at_unit(stream, fresh - fresh % 2, 64)
    z = np.concatenate([np.array(head, dtype=np.float64), _gauss_raw(bg, fresh % 2, count)])
    return _scaled(draw, z)


def cached_after(stream: Stream, draw: Draw, values: int) -> float | None:
    """``gauss_next`` after values ``0 .. values - 1`` of a gauss `draw` (unscaled), or None.

    An odd number of fresh values leaves the second of the last pair cached.
    """
    cached = draw.param.get("cached_gauss")
    if values == 0:
        return None if cached is None else float(cached)
    fresh = values - (cached is not None)
    if fresh % 2 == 0:
        return None
    bg = bit_generator_at_unit(stream, fresh - 1, 64)
    return float(_gauss_raw(bg, 1, 1)[0])
