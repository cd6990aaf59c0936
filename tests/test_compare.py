"""The shared comparisons (tests/_compare.py) see every difference that matters.

Every exactness test rests on them: each difference below must fail them, where
``==`` or ``assert_array_equal`` would pass some.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from _compare import assert_same_bits, assert_same_state


def test_same_bits_sees_what_array_equal_does_not() -> None:
    quiet_nan = np.array([np.nan])
    other_nan = np.array([0x7FF8_0000_0000_0001], dtype=np.uint64).view(np.float64)
    for got, expected in [(np.array([-0.0]), np.array([0.0])), (other_nan, quiet_nan)]:
        np.testing.assert_array_equal(got, expected)  # blind to both
        with pytest.raises(AssertionError, match="differ in their bits"):
            assert_same_bits(got, expected)
    with pytest.raises(AssertionError, match="dtype"):
        assert_same_bits(np.zeros(2, np.float32), np.zeros(2))
    with pytest.raises(AssertionError, match="shape"):
        assert_same_bits(np.zeros((2, 1)), np.zeros(2))


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (np.float64(0.5), 0.5),  # a NumPy scalar where numpy gives a Python float
        (np.zeros(1), [0.0]),
        (-0.0, 0.0),
        ((1, 2.0), (1, -2.0)),
        ([np.zeros(2)], [np.zeros(3)]),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": np.float32(1)}, {"a": np.float32(2)}),
    ],
    ids=["type", "list", "signed zero", "tuple", "list of arrays", "keys", "nested scalar"],
)
def test_same_bits_sees_types_and_nesting(got: Any, expected: Any) -> None:
    with pytest.raises(AssertionError):
        assert_same_bits(got, expected, "here")
    assert_same_bits(expected, expected)


def _legacy_state(**change: Any) -> dict[str, Any]:
    rs = np.random.RandomState(1)
    rs.standard_normal()  # a cached Gaussian
    state: dict[str, Any] = rs.get_state(legacy=False)
    if "key" in change:
        state["state"]["key"] = state["state"]["key"].copy()
        state["state"]["key"][623] ^= change.pop("key")
    if "pos" in change:
        state["state"]["pos"] = change.pop("pos")
    state.update(change)
    return state


@pytest.mark.parametrize(
    "change", [{"key": 1}, {"pos": 0}, {"has_gauss": 0}, {"gauss": 0.5}], ids=str
)
def test_same_state_sees_every_part_of_a_random_state(change: dict[str, Any]) -> None:
    ours = np.random.RandomState(1)
    ours.standard_normal()
    assert_same_state(ours, _legacy_state())
    with pytest.raises(AssertionError, match=next(iter(change))):
        assert_same_state(ours, _legacy_state(**change))


def test_same_state_holds_the_cached_gaussian_to_its_bits() -> None:
    other_nan = np.array([0x7FF8_0000_0000_0001], dtype=np.uint64).view(np.float64)[0]
    for a, b in [(0.0, -0.0), (float("nan"), float(other_nan))]:
        assert_same_state(_legacy_state(gauss=a), _legacy_state(gauss=a))
        with pytest.raises(AssertionError, match="gauss"):
            assert_same_state(_legacy_state(gauss=a), _legacy_state(gauss=b))


@pytest.mark.parametrize("name", ["PCG64", "PCG64DXSM", "Philox"])
def test_same_state_sees_the_buffered_half(name: str) -> None:
    a, b = getattr(np.random, name)(3), getattr(np.random, name)(3)
    for bg in (a, b):
        np.random.Generator(bg).random(dtype=np.float32)  # buffers a 32-bit half
    assert_same_state(np.random.Generator(a), b)
    for part in ("has_uint32", "uinteger", *(("buffer",) if name == "Philox" else ())):
        state = b.state
        if part == "buffer":
            state[part][0] ^= 1  # a spent entry: still part of the state
        else:
            state[part] ^= 1
        with pytest.raises(AssertionError, match=part):
            assert_same_state(a, state)
