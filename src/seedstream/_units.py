"""Raw units of a stream: the 32- or 64-bit draws numpy's methods make, and where each lies.

Pure: numpy and seedstream's stream, jump and fill modules only (the MT19937 core's words
are numpy's ``random_raw``, bit for bit).

numpy's methods read a bit generator through ``next_uint32``, ``next_uint64``
or ``next_double``.  A *unit* is one such draw: on MT19937 a 64-bit unit (or a
double) is two 32-bit words, high word first; on a 64-bit generator a 32-bit
unit is half an output, low half first, the high half buffered in the bit
generator (``has_uint32``, ``uinteger``).  Positions here count units.
"""

from __future__ import annotations

import numpy as np

from seedstream._fill import fill_mt19937
from seedstream._jump import advance
from seedstream._stream import Stream


def skip_halves(bit_generator: np.random.BitGenerator, k: int) -> np.random.BitGenerator:
    """A copy of a 64-bit `bit_generator` moved `k` 32-bit units ahead, in numpy's exact state.

    Whole outputs are jumped over; numpy itself draws the last one or two
    halves, so even buffer fields that are no longer live end as numpy leaves them.
    """
    bg = advance(bit_generator, 0)
    gen = np.random.Generator(bg)
    if k and bg.state["has_uint32"]:
        gen.random(1, dtype=np.float32)  # the buffered half
        k -= 1
    if not k:
        return bg
    outputs = (k - 1) // 2
    if outputs:
        bg = advance(bg, outputs)
        gen = np.random.Generator(bg)
    gen.random(k - 2 * outputs, dtype=np.float32)
    return bg


def advance_units(
    bit_generator: np.random.BitGenerator, units: int, unit_bits: int, word_bits: int
) -> np.random.BitGenerator:
    """A copy of `bit_generator` moved `units` draws of `unit_bits` ahead.

    As numpy's sequential draws would, 64-bit draws keep a buffered 32-bit
    half (which :func:`advance` discards): they neither use nor clear it.
    """
    if unit_bits == word_bits == 64 and units:
        moved = advance(bit_generator, units)
        old = bit_generator.state
        if "has_uint32" in old:  # both fields, even a spent half: numpy leaves them as they are
            state = dict(moved.state)
            state["has_uint32"], state["uinteger"] = old["has_uint32"], old["uinteger"]
            moved.state = state
        return moved
    if unit_bits == word_bits:
        return advance(bit_generator, units)
    if unit_bits == 64:
        return advance(bit_generator, 2 * units)
    return skip_halves(bit_generator, units)


def bit_generator_at_unit(stream: Stream, unit: int, unit_bits: int) -> np.random.BitGenerator:
    """A bit generator whose next `unit_bits`-bit draw is unit `unit` of the stream."""
    return advance_units(stream.bit_generator_at(0), unit, unit_bits, stream.word_bits)


def mt19937_units(bit_generator: np.random.MT19937, count: int, unit_bits: int) -> np.ndarray:
    """The next `count` units of an MT19937 `bit_generator`, which moves past them.

    The core's words: ``random_raw``'s, bit for bit, ten times faster.
    """
    words = count if unit_bits == 32 else 2 * count
    raw = fill_mt19937(bit_generator, np.empty(words, np.uint32))
    if unit_bits == 32:
        return raw
    wide = raw.astype(np.uint64)  # next_uint64 is (first word << 32) | second word
    return (wide[0::2] << np.uint64(32)) | wide[1::2]


def read_units(stream: Stream, unit: int, count: int, unit_bits: int) -> np.ndarray:
    """Units ``unit .. unit + count - 1`` of the stream, as uint32 or uint64 values."""
    if stream.bit_generator == "MT19937":
        bit_generator = bit_generator_at_unit(stream, unit, unit_bits)
        return mt19937_units(bit_generator, count, unit_bits)  # type: ignore[arg-type]
    if stream.word_bits == unit_bits:
        return stream.bit_generator_at(unit).random_raw(count)
    bg = bit_generator_at_unit(stream, unit, 32)
    state = bg.state
    head = np.array([state["uinteger"]] if state["has_uint32"] and count else [], dtype=np.uint32)
    rest = count - head.size
    outputs = bg.random_raw(-(-rest // 2)).astype("<u8")
    return np.concatenate([head, outputs.view("<u4")[:rest].astype(np.uint32)])
