"""``seedstream.Stream``: a stream's start as plain JSON data, and bit generators at any position.

Oracles: ``json`` (the configuration survives ``dumps``/``loads`` and rebuilds an
equal stream) and numpy (``bit_generator_at(p)`` is numpy's bit generator after
``p`` raw outputs drawn sequentially; a provenance ``{"legacy": seed}``
reproduces the state through ``numpy.random.RandomState(seed)``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedstream as ss
from _compare import assert_same_state, plain, without_half
from seedstream import Stream

BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "MT19937": np.random.MT19937,
    "SFC64": np.random.SFC64,
}


def buffered_pcg64() -> np.random.BitGenerator:
    bg = np.random.PCG64(4)
    np.random.Generator(bg).random(1, dtype=np.float32)  # a buffered 32-bit half
    return bg


def mid_block_philox() -> np.random.BitGenerator:
    bg = np.random.Philox(5)
    bg.random_raw(2)  # buffer_pos == 2
    return bg


def legacy_mt19937(seed: Any) -> np.random.MT19937:
    bg = np.random.MT19937(0)
    state = np.random.RandomState(seed).get_state(legacy=False)
    bg.state = {"bit_generator": "MT19937", "state": state["state"]}
    return bg


# Each origin: a numpy bit generator at position 0 (made afresh on every call).
ORIGINS: dict[str, Callable[[], np.random.BitGenerator]] = {
    "legacy MT19937": lambda: legacy_mt19937(0),
    "legacy MT19937, array seed": lambda: legacy_mt19937([1, 2, 3]),
    "MT19937 (SeedSequence, pos 623)": lambda: np.random.MT19937(7),
    "MT19937 jumped (mid-block)": lambda: np.random.MT19937(7).jumped(),
    "PCG64": lambda: np.random.PCG64(2**100 + 3),
    "PCG64 with a buffered half": buffered_pcg64,
    "PCG64DXSM": lambda: np.random.PCG64DXSM(8),
    "Philox": lambda: np.random.Philox([1, 2]),
    "Philox mid-block": mid_block_philox,
    "SFC64": lambda: np.random.SFC64(9),
}


def sequential(make: Callable[[], np.random.BitGenerator], words: int) -> dict[str, Any]:
    """numpy's state after drawing `words` raw outputs from the origin."""
    bg = make()
    bg.random_raw(words, output=False)
    return plain(bg.state)


@pytest.mark.parametrize("origin", list(ORIGINS), ids=str)
def test_config_round_trips_through_json(origin: str) -> None:
    stream = Stream.from_bit_generator(ORIGINS[origin](), {"note": origin})
    config = stream.to_config()
    text = json.dumps(config)  # plain JSON types only
    assert json.loads(text) == config
    back = Stream.from_config(json.loads(text))
    assert back == stream
    assert hash(back) == hash(stream)
    assert back.to_config() == config
    assert back.bit_generator == stream.bit_generator
    assert back.word_bits == stream.word_bits == (32 if origin.startswith(("legacy", "MT")) else 64)
    assert back.seed == {"note": origin}


@pytest.mark.parametrize("origin", list(ORIGINS), ids=str)
def test_position_zero_is_the_origin(origin: str) -> None:
    stream = Stream.from_bit_generator(ORIGINS[origin]())
    assert_same_state(stream.bit_generator_at(0), ORIGINS[origin]())
    back = Stream.from_config(json.loads(json.dumps(stream.to_config())))
    assert_same_state(back.bit_generator_at(0), ORIGINS[origin]())


JUMPING = [name for name in ORIGINS if name != "SFC64"]


@pytest.mark.parametrize("origin", JUMPING, ids=str)
@settings(max_examples=15, deadline=None)
@given(words=st.integers(1, 3000))
def test_bit_generator_at_is_numpy_after_that_many_outputs(origin: str, words: int) -> None:
    """Full state, except that a seek drops a buffered 32-bit half (as numpy's advance does)."""
    stream = Stream.from_bit_generator(ORIGINS[origin]())
    back = Stream.from_config(json.loads(json.dumps(stream.to_config())))
    want = sequential(ORIGINS[origin], words)
    for s in (stream, back):
        got = plain(s.bit_generator_at(words).state)
        assert without_half(got) == without_half(want)
        assert got.get("has_uint32", 0) == 0


@pytest.mark.parametrize("origin", JUMPING, ids=str)
@pytest.mark.parametrize("words", [10**9, 2**40 + 1])
def test_bit_generator_at_far(origin: str, words: int) -> None:
    """Far positions: the same bit generator as advance() from the origin, and consistent
    with a nearer position followed by numpy's own draws."""
    stream = Stream.from_bit_generator(ORIGINS[origin]())
    far = stream.bit_generator_at(words)
    assert_same_state(far, ss.advance(ORIGINS[origin](), words))
    near = stream.bit_generator_at(words - 100)
    near.random_raw(100, output=False)
    assert without_half(plain(near.state)) == without_half(plain(far.state))
    assert far.random_raw(5).tolist() == near.random_raw(5).tolist()


def test_bit_generator_at_gives_a_new_generator_and_keeps_the_stream() -> None:
    stream = ss.default_rng(1).stream
    config = json.dumps(stream.to_config(), sort_keys=True)
    a, b = stream.bit_generator_at(10), stream.bit_generator_at(10)
    assert a is not b
    a.random_raw(1000)
    assert_same_state(b, stream.bit_generator_at(10))
    assert json.dumps(stream.to_config(), sort_keys=True) == config


def test_sfc64_has_position_zero_only() -> None:
    stream = Stream.from_bit_generator(np.random.SFC64(3))
    assert_same_state(stream.bit_generator_at(0), np.random.SFC64(3))
    with pytest.raises(NotImplementedError):
        stream.bit_generator_at(1)


@pytest.mark.parametrize(("position", "error"), [(-1, ValueError), (1.5, TypeError)])
def test_bit_generator_at_refuses_bad_positions(position: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        ss.RandomState(0).stream.bit_generator_at(position)


def test_to_config_is_not_a_view_of_the_stream() -> None:
    """A frozen Stream (hashable, used as a description on disk) cannot be changed
    through the dict that to_config() returns."""
    stream = ss.RandomState(0).stream
    key5, h = stream.state["state"]["key"][5], hash(stream)
    config = stream.to_config()
    config["state"]["state"]["pos"] = 3
    config["state"]["state"]["key"][5] = 0
    assert stream.state["state"]["pos"] == 624, "to_config() handed out the stream's own dict"
    assert stream.state["state"]["key"][5] == key5, "to_config() handed out the stream's key"
    assert hash(stream) == h


def test_from_config_does_not_share_the_callers_lists() -> None:
    config = json.loads(json.dumps(ss.RandomState(0).stream.to_config()))
    stream = Stream.from_config(config)
    key5 = stream.state["state"]["key"][5]
    config["state"]["state"]["key"][5] = 0
    assert stream.state["state"]["key"][5] == key5, "the stream shares the caller's key list"


def test_unknown_bit_generators_are_refused() -> None:
    config = ss.default_rng(0).stream.to_config()
    config["bit_generator"] = "Xoshiro256"
    with pytest.raises(ValueError, match="Xoshiro256"):
        Stream.from_config(config)
    with pytest.raises(TypeError):
        Stream.from_bit_generator(object())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(BIT_GENERATORS))
def test_objects_describe_their_streams(name: str) -> None:
    bg = BIT_GENERATORS[name](12)
    seed = {"seed_sequence": {"entropy": 12, "spawn_key": [], "pool_size": 4}}
    expected = Stream.from_bit_generator(BIT_GENERATORS[name](12), seed)
    g = ss.Generator(bg)
    assert g.stream == expected
    g.random(5)
    assert g.stream == expected  # the start, not the current state


LEGACY_SEEDS: dict[str, Any] = {
    "0": 0,
    "2**32 - 1": 2**32 - 1,
    "np.uint32": np.uint32(9),
    "True": True,
    "list": [1, 2, 3],
    "[0]": [0],
    "tuple": (4, 5),
    "uint32 array": np.array([1, 2], dtype=np.uint32),
    "array([5])": np.array([5]),
    "array([[5]])": np.array([[5]]),
    "array(5)": np.array(5),
    "range": range(3),
}


@pytest.mark.parametrize("seed", list(LEGACY_SEEDS), ids=str)
def test_legacy_provenance_reproduces_the_stream(seed: str) -> None:
    stream = ss.RandomState(LEGACY_SEEDS[seed]).stream
    assert stream.seed is not None and set(stream.seed) == {"legacy"}
    json.dumps(stream.seed)
    again = np.random.RandomState(stream.seed["legacy"]).get_state(legacy=False)["state"]
    assert plain(again) == stream.state["state"]
    assert stream == Stream.from_bit_generator(legacy_mt19937(LEGACY_SEEDS[seed]), stream.seed)
