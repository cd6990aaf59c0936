"""The two comparisons every test of values makes: the same bits, and the same state.

Values are compared bit for bit, never by ``==`` or ``assert_array_equal``: those
pass ``-0.0`` for ``0.0`` and any NaN for any other.  A state is what numpy itself
reports of an object, in full: ``get_state(legacy=False)`` of a ``RandomState``
(key, pos, ``has_gauss`` and the cached Gaussian), ``bit_generator.state`` of a
``Generator`` (``has_uint32`` and ``uinteger``, the buffered 32-bit half, of the
64-bit generators; Philox's whole buffer), ``state`` of a bit generator.  Both
comparisons are one recursion, :func:`first_difference`, so that a state's float
(the cached Gaussian) is held to its bits as a drawn value is.

(Importable by name: pyproject's ``pythonpath``.)
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np


def first_difference(got: Any, expected: Any, where: str = "") -> str | None:
    """Where `got` and `expected` first differ, or ``None`` where they are the same bits.

    Same type at every level (a Python float is not a NumPy float64); arrays and
    NumPy scalars of the same dtype, shape and bytes; Python floats of the same
    64 bits; tuples, lists and dicts (same keys) item by item; anything else by ``==``.
    """
    if type(got) is not type(expected):
        return f"{where}: {type(got).__name__}, numpy's {type(expected).__name__}"
    if isinstance(expected, np.ndarray | np.generic):
        return _array_difference(got, expected, where)
    if isinstance(expected, float):
        if struct.pack("<d", got) != struct.pack("<d", expected):
            return f"{where}: {got!r}, numpy's {expected!r} (bits differ)"
        return None
    if isinstance(expected, tuple | list):
        if len(got) != len(expected):
            return f"{where}: length {len(got)}, numpy's {len(expected)}"
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            found = first_difference(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if got.keys() != expected.keys():
            return f"{where}: keys {sorted(got, key=str)}, numpy's {sorted(expected, key=str)}"
        for key in expected:
            found = first_difference(got[key], expected[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    return None if got == expected else f"{where}: {got!r}, numpy's {expected!r}"


def _array_difference(got: Any, expected: Any, where: str) -> str | None:
    if got.dtype != expected.dtype:
        return f"{where}: dtype {got.dtype}, numpy's {expected.dtype}"
    if got.shape != expected.shape:
        return f"{where}: shape {got.shape}, numpy's {expected.shape}"
    if got.tobytes() == expected.tobytes():
        return None
    size = max(got.dtype.itemsize, 1)
    a = np.frombuffer(got.tobytes(), np.uint8).reshape(-1, size)
    b = np.frombuffer(expected.tobytes(), np.uint8).reshape(-1, size)
    bad = np.flatnonzero((a != b).any(axis=1))
    first = int(bad[0])
    return (
        f"{where}: {bad.size} of {got.size} values differ in their bits, the first at flat "
        f"index {first}: {got.flat[first]!r}, numpy's {expected.flat[first]!r}"
    )


def assert_same_bits(got: Any, expected: Any, what: str = "") -> None:
    """`got` is `expected` bit for bit: type, dtype, shape and bytes (see :func:`first_difference`).

    Arrays, NumPy and Python scalars, and tuples, lists and dicts of them.
    """
    difference = first_difference(got, expected, what)
    assert difference is None, difference


def state_of(obj: Any) -> Any:
    """numpy's full report of where `obj` stands; a state already taken is returned as it is.

    ``RandomState.get_state(legacy=False)`` is numpy's own method, called on
    seedstream's subclass too: what numpy's code reads, not what seedstream says.
    """
    if isinstance(obj, np.random.RandomState):
        return np.random.RandomState.get_state(obj, legacy=False)
    if isinstance(obj, np.random.Generator):
        return obj.bit_generator.state
    if isinstance(obj, np.random.BitGenerator):
        return obj.state
    assert isinstance(obj, dict | tuple), f"not a state, nor an object with one: {obj!r}"
    return obj


def assert_same_state(ours: Any, theirs: Any, what: str = "") -> None:
    """`ours` stands exactly where `theirs` does: numpy's full states, bit for bit.

    Each side is a ``RandomState``, a ``Generator``, a bit generator or a state
    taken before (a dict, or the tuple of ``get_state()``).
    """
    assert_same_bits(state_of(ours), state_of(theirs), f"{what}: state" if what else "state")


def plain(value: Any) -> Any:
    """A state as JSON would hold it: arrays as lists, NumPy scalars as Python ones."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def without_half(state: dict[str, Any]) -> dict[str, Any]:
    """A bit generator's state less its buffered 32-bit half: what a word position decides."""
    return {k: v for k, v in state.items() if k not in ("has_uint32", "uinteger")}
