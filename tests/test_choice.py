"""Generator's ``hypergeometric`` with start= and chunks=.

The oracle is numpy's one-shot call: ``hypergeometric(..., n, start=k)`` must
equal numpy's ``hypergeometric(..., k + n)[k:]`` bit for bit, and the object
must stand where numpy's does after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import seedstream as ss
from _compare import assert_same_bits, assert_same_state

SEED = 20261202


def _pair(api: str) -> tuple[Any, Any]:
    """seedstream's object and numpy's twin, at the same state."""
    if api == "RandomState":
        return ss.RandomState(SEED), np.random.RandomState(SEED)
    bit_generator = getattr(np.random, api)
    return ss.Generator(bit_generator(SEED)), np.random.Generator(bit_generator(SEED))


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
