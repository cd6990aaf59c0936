"""The test oracle in tests/_independent_jump.py, against numpy alone.

That module places MT19937 at far positions without seedstream (Python
integers, Horner's rule), for the tests whose expected values lie beyond
what numpy can generate in a test.  Here it is held to numpy: the polynomial
must annihilate numpy's output stream, short jumps must equal numpy's
sequential advance from any ``pos``, and the jump by ``2**128`` must equal
numpy's own ``MT19937.jumped()``.
"""

from __future__ import annotations

import numpy as np
import pytest

import _independent_jump as ij
from _compare import assert_same_bits, assert_same_state


def test_polynomial_annihilates_numpys_output() -> None:
    # Every output bit sequence obeys phi's recurrence: sum_k phi_k out[t + k] = 0 for all t,
    # all 32 bits at once (tempering is linear).  Another seed than the one it was found from.
    phi = ij.characteristic_polynomial()
    terms = [k for k in range(phi.bit_length()) if phi >> k & 1]
    assert terms[-1] == ij.DEGREE and len(terms) == 135
    words = np.random.RandomState(3)._bit_generator.random_raw(ij.DEGREE + 256)
    acc = np.zeros(256, dtype=np.uint64)
    for k in terms:
        acc ^= words[k : k + 256]
    assert not acc.any()
    assert (acc ^ words[terms[1] : terms[1] + 256]).all()  # one term fewer: not a recurrence


def _legacy(seed: int) -> np.random.MT19937:
    bg = np.random.MT19937()
    bg._legacy_seeding(seed)  # pos == 624: the key is a window
    return bg


def _fresh(kind: str) -> np.random.MT19937:
    if kind == "legacy":
        return _legacy(0)
    bg = np.random.MT19937(5)  # SeedSequence seeding: pos == 623, one word left in its block
    if kind == "mid-block":
        bg.random_raw(100)  # pos == 99
    return bg


@pytest.mark.parametrize(
    ("kind", "start"),
    [
        *[("legacy", s) for s in (1, 623, 625, 19_937, 2_000_001)],
        *[("seeded", s) for s in (0, 1, 700)],
        *[("mid-block", s) for s in (524, 525, 1_000_003)],
    ],
)
def test_jump_equals_numpys_sequential_advance(kind: str, start: int) -> None:
    bg = _fresh(kind)
    before = bg.state
    got = ij.words_after(bg, start, 700)  # 700 > 624: the block after the jump, and the next
    assert_same_state(bg, before, "the argument")  # not modified
    expected = _fresh(kind).random_raw(start + 700)[start:]
    assert_same_bits(got, expected.astype(np.uint32))


@pytest.mark.parametrize("seed", [0, 1])
def test_jump_by_2_128_equals_numpys_jumped(seed: int) -> None:
    # numpy's jumped() applies a fixed polynomial (computed with NTL) to a pos == 624 state and
    # leaves pos mid-block; rolled by that pos, its key is the window 2**128 words on (checked
    # in NOTES §2 for these seeds).  Word 0 carries only its top bit.
    bg = _legacy(seed)
    far = bg.jumped().state["state"]
    expected = np.roll(far["key"], -far["pos"])
    got = ij.jumped_window(bg.state["state"]["key"], 2**128)
    assert_same_bits(got[1:], expected[1:])
    assert got[0] >> 31 == expected[0] >> 31


def test_random_sample_at_equals_numpy() -> None:
    expected = np.random.RandomState(4).random_sample(400)
    assert [ij.random_sample_at(4, i) for i in (0, 311, 312, 399)] == expected[
        [0, 311, 312, 399]
    ].tolist()
