"""The position component (``seedstream._position.Track``) and the one delivery entry.

An object holds exactly one attribute of seedstream's, ``_track``; a fast
path outside Python may count a plain call on it with ``words += n`` or lose
the position with ``words = None; lost_by = label``.  These tests hold that
contract against numpy's own bit generator, and the writer's keywords of the
public methods against the writer's.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import seedstream as ss
from seedstream import _output
from seedstream._deliver import StoreOptions
from seedstream._position import Track


def _raw(bg: Any) -> Any:
    state = bg.state["state"]
    return (np.asarray(state["key"]).tolist(), int(state["pos"]))


@pytest.mark.parametrize("cls", [ss.RandomState, ss.Generator])
def test_the_track_is_the_only_attribute(cls: type) -> None:
    obj = cls(np.random.MT19937(3))
    assert list(vars(obj)) == ["_track"]
    assert isinstance(obj.__dict__["_track"], Track)
    assert not hasattr(obj.__dict__["_track"], "__dict__")  # __slots__: plain attributes
    # no private helpers of seedstream's in numpy's class namespace
    ours = {n for k in cls.__mro__ if k.__module__.startswith("seedstream") for n in vars(k)}
    assert {n for n in ours if n.startswith("_") and not n.startswith("__")} == set()


@pytest.mark.parametrize("cls", [ss.RandomState, ss.Generator])
def test_a_fast_path_counts_on_the_track(cls: type) -> None:
    """As a C fast path would: numpy's method on the object, then ``words += n``."""
    obj = cls(np.random.MT19937(5))
    legacy = cls is ss.RandomState
    numpys = np.random.RandomState.random_sample if legacy else np.random.Generator.random
    numpys(obj, 7)
    track = obj.__dict__["_track"]
    track.words += 2 * 7  # MT19937: two 32-bit words a double
    assert obj.position == 14
    twin = np.random.MT19937(5)
    twin.random_raw(14)
    bg = obj._bit_generator if legacy else obj.bit_generator
    assert _raw(bg) == _raw(twin)  # the count is numpy's own raw draws

    track.words, track.lost_by = None, "poisson()"  # as a fast path loses it
    with pytest.raises(ValueError, match=r"unknown after poisson\(\)"):
        _ = obj.position
    obj.position = 3
    assert track is obj.__dict__["_track"] and (track.words, track.lost_by) == (3, None)
    twin = np.random.MT19937(5)
    twin.random_raw(3)
    assert _raw(bg) == _raw(twin)


def test_store_options_are_the_writers_keywords() -> None:
    writer = inspect.signature(_output.write).parameters
    keywords = {n for n, p in writer.items() if p.kind is p.KEYWORD_ONLY} - {"locator"}
    assert keywords == set(StoreOptions.__optional_keys__)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ss.RandomState(0).random_sample(10, chunks=5, colour="red"),
        lambda: ss.default_rng(0).poisson(2.0, 10, chunks=5, colour="red"),
    ],
)
def test_an_unknown_keyword_is_refused_as_python_does(call: Any) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        call()
