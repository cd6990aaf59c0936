"""``choice`` (both APIs) and Generator's ``hypergeometric`` with start=, chunks= and store=.

The oracle is numpy's one-shot call: ``choice(a, n, start=k)`` must equal
numpy's ``choice(a, k + n)[k:]`` bit for bit, and the object must stand where
numpy's does after it.  Errors are numpy's own messages, from numpy's own call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seedstream as ss
from _compare import assert_same_bits, assert_same_state, state_of
from seedstream._errors import OutputMismatchError
from seedstream._pick import INLINE_BYTES, Pick

SEED = 20261202
P5 = [0.1, 0.25, 0.3, 0.05, 0.3]
POPULATIONS: dict[str, Any] = {
    "int": 5,
    "float": np.array([0.5, -1.0, 2.25, 7.0, 1e300]),
    "str": np.array(["ab", "c", "def", "", "ghij"]),
}


def _pair(api: str) -> tuple[Any, Any]:
    """seedstream's object and numpy's twin, at the same state."""
    if api == "RandomState":
        return ss.RandomState(SEED), np.random.RandomState(SEED)
    bit_generator = getattr(np.random, api)
    return ss.Generator(bit_generator(SEED)), np.random.Generator(bit_generator(SEED))


@pytest.mark.parametrize("api", ["RandomState", "PCG64", "MT19937"])
@pytest.mark.parametrize("a", list(POPULATIONS), ids=str)
@pytest.mark.parametrize("p", [None, P5], ids=["uniform", "p"])
def test_choice_with_replacement_is_numpys_one_shot_call(api: str, a: str, p: Any) -> None:
    ours, theirs = _pair(api)
    population = POPULATIONS[a]
    got = ours.choice(population, (7, 3), p=p, start=11)  # in memory, after a start
    want = theirs.choice(population, 11 + 21, p=p)[11:].reshape(7, 3)
    assert got.dtype == want.dtype
    assert_same_bits(got, want, "start=11")
    assert_same_state(ours, theirs, "after start=11")
    for chunks, start in ((4, 0), (9, 5)):  # dask, at two chunkings
        lazy = ours.choice(population, 30, p=p, chunks=chunks, start=start)
        want = theirs.choice(population, start + 30, p=p)[start:]
        assert lazy.chunks[0][0] == chunks
        assert_same_bits(lazy.compute(), want, f"chunks={chunks}, start={start}")
        assert_same_state(ours, theirs, f"after chunks={chunks}")
    # numpy's forms: a scalar without a size (a Python int for an int a), 0-d for size=()
    scratch = _pair(api)[1]
    scalar, twin = ours.choice(population, p=p, start=2), theirs.choice(population, 3, p=p)[2]
    assert type(scalar) is type(scratch.choice(population, p=p)) and scalar == twin
    zero_d, twin = ours.choice(population, (), p=p, start=1), theirs.choice(population, 2, p=p)[1]
    assert zero_d.shape == () and zero_d.dtype == scratch.choice(population, (), p=p).dtype
    assert zero_d == twin
    assert_same_state(ours, theirs, "after the scalar forms")


def test_choice_stored_in_zarr_verifies_and_refuses_another_population(tmp_path: Path) -> None:
    ours, theirs = _pair("PCG64")
    population = POPULATIONS["float"]
    store = tmp_path / "c.zarr"
    stored = ours.choice(population, 40, p=P5, start=3, chunks=16, store=store, progress=False)
    assert_same_bits(stored[:], theirs.choice(population, 43, p=P5)[3:], "zarr")
    assert_same_state(ours, theirs, "after store=")
    assert not ss.verify_output(store).bad  # the record alone regenerates it
    again = ss.Generator(np.random.PCG64(SEED))
    with pytest.raises(OutputMismatchError, match="differs in: draw"):
        again.choice(population[::-1], 40, p=P5, start=3, chunks=16, store=store, progress=False)


def test_choice_of_strings_stored_as_npy_verifies(tmp_path: Path) -> None:
    ours, theirs = _pair("RandomState")
    population = POPULATIONS["str"]
    stored = ours.choice(population, 25, chunks=10, store=tmp_path / "s.npy", progress=False)
    assert_same_bits(np.asarray(stored), theirs.choice(population, 25), "npy")
    assert_same_state(ours, theirs, "after store=")
    assert not ss.verify_output(tmp_path / "s.npy").bad


def test_a_large_population_is_recorded_by_its_digest_only() -> None:
    big = Pick(np.arange(INLINE_BYTES // 8 + 1, dtype=np.float64), None)
    config = big.to_config()
    assert "base64" not in config["population"] and len(config["population"]["sha256"]) == 64
    with pytest.raises(ValueError, match="SHA-256 only"):
        Pick.from_config(config)
    small = Pick(np.arange(8), Pick.cdf_of(np.full(8, 0.125)))
    assert Pick.from_config(small.to_config()) == small


@pytest.mark.parametrize("api", ["RandomState", "PCG64"])
@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((5, 10), {"p": [0.5, 0.5, 0.5, 0.0, 0.0]}),  # not summing to 1
        ((5, 10), {"p": [0.5, 0.7, -0.2, 0.0, 0.0]}),  # negative
        ((5, 10), {"p": [0.5, 0.5]}),  # not a's size
        (([], 10), {}),  # empty
        ((0, 10), {}),
        ((5, 10), {"replace": False}),  # a larger sample than the population
    ],
)
def test_choice_errors_are_numpys_own(api: str, args: Any, kwargs: Any) -> None:
    ours, theirs = _pair(api)
    with pytest.raises(ValueError) as numpys:
        theirs.choice(*args, **kwargs)
    before = state_of(ours)
    for placed in ({"start": 3}, {"chunks": 4}):
        with pytest.raises(ValueError) as raised:
            ours.choice(*args, **kwargs, **placed)
        assert str(raised.value) == str(numpys.value)
    assert_same_state(ours, before, "a refused call must leave the state alone")


@pytest.mark.parametrize("api", ["RandomState", "PCG64"])
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((5, 3), {"replace": False}, r"replace=False\) has no start=.*in memory"),
        ((5, 3), {"replace": False, "p": P5}, r"replace=False\) has no start=.*in memory"),
        ((np.arange(6).reshape(3, 2), 2), {}, "1-dimensional|multi-dimensional"),
        ((np.array([1, "x", None], dtype=object), 4), {}, "Python objects"),
    ],
)
def test_choice_refuses_what_cannot_be_placed(
    api: str, args: Any, kwargs: Any, message: str
) -> None:
    ours, theirs = _pair(api)
    before = state_of(ours)
    for placed in ({"start": 2}, {"chunks": 2}):
        with pytest.raises((NotImplementedError, ValueError), match=message):
            ours.choice(*args, **kwargs, **placed)
    assert_same_state(ours, before, "a refused call must leave the state alone")
    if api == "PCG64" or not np.asarray(args[0]).ndim > 1:  # in memory: numpy's call
        assert_same_bits(np.asarray(ours.choice(*args, **kwargs)), theirs.choice(*args, **kwargs))
        assert_same_state(ours, theirs, "in memory")
    with pytest.raises(NotImplementedError, match="in memory"):
        ours.permutation(5, start=1)


@pytest.mark.parametrize("bit_generator", ["MT19937", "PCG64"])
@pytest.mark.parametrize(
    "params",
    [(9, 9, 4), (20, 30, 15)],  # numpy's sample loop on 32-bit units; HRUA on doubles
    ids=["sample-32-bit", "hrua-64-bit"],
)
def test_generator_hypergeometric_is_numpys_one_shot_call(
    bit_generator: str, params: tuple[int, int, int]
) -> None:
    ours, theirs = _pair(bit_generator)
    ours.random(1, np.float32)  # PCG64: a 32-bit half is buffered
    theirs.random(1, np.float32)
    got = ours.hypergeometric(*params, size=40, start=13)
    assert_same_bits(got, theirs.hypergeometric(*params, size=53)[13:], "start=13")
    assert_same_state(ours, theirs, "after start=13")
    lazy = ours.hypergeometric(*params, size=60, chunks=17, start=2)
    assert_same_bits(lazy.compute(), theirs.hypergeometric(*params, size=62)[2:], "chunks=17")
    assert_same_state(ours, theirs, "after chunks=17")
    assert ours.position is not None


@pytest.mark.parametrize("api", ["RandomState", "PCG64"])
def test_choice_of_an_empty_population_takes_no_value(api: str) -> None:
    ours, theirs = _pair(api)
    for placed in ({"start": 2}, {"chunks": 3}):
        assert_same_bits(ours.choice([], 0, **placed), theirs.choice([], 0), f"{placed}")
    assert_same_state(ours, theirs, "nothing drawn")
