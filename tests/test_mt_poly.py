"""MT19937's characteristic polynomial and ``x**p mod phi``.

Oracles: numpy's own MT19937 output (through Berlekamp-Massey), brute force for
short sequences, and a slow pure-Python reference for ``x**p mod phi`` that
shares nothing with the compiled kernel but the polynomial itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedstream._jump import xpow_mod_phi
from seedstream._mt_poly import (
    MT19937_DEGREE,
    MT19937_POLY_EXPONENTS,
    berlekamp_massey,
    derive_characteristic_polynomial,
)

PHI = sum(1 << e for e in MT19937_POLY_EXPONENTS)
_PSI = MT19937_POLY_EXPONENTS[1:]
_MASK = (1 << MT19937_DEGREE) - 1


# --- the polynomial ------------------------------------------------------------


def test_shipped_constant_equals_fresh_derivation() -> None:
    assert derive_characteristic_polynomial() == MT19937_POLY_EXPONENTS


@pytest.mark.parametrize("seed", [0, 2**32 - 1])
def test_derivation_is_seed_independent(seed: int) -> None:
    assert derive_characteristic_polynomial(seed) == MT19937_POLY_EXPONENTS


def test_shipped_constant_shape() -> None:
    exps = MT19937_POLY_EXPONENTS
    assert exps[0] == MT19937_DEGREE == 19937
    assert exps[-1] == 0
    assert list(exps) == sorted(set(exps), reverse=True)
    # An irreducible polynomial other than x has an odd number of terms.
    assert len(exps) % 2 == 1


def test_any_output_bit_has_the_same_minimal_polynomial() -> None:
    # phi is irreducible, so every non-zero output bit sequence (here bit 17 of
    # a SeedSequence-seeded stream rather than bit 0 of a legacy one) has phi as
    # its minimal polynomial.
    raw = np.random.MT19937(12345).random_raw(2 * MT19937_DEGREE)
    c = berlekamp_massey([int(b) for b in (raw >> 17) & 1])
    degree = c.bit_length() - 1
    assert degree == MT19937_DEGREE
    assert tuple(sorted((degree - i for i in range(degree + 1) if c >> i & 1), reverse=True)) == (
        MT19937_POLY_EXPONENTS
    )


# --- Berlekamp-Massey on small sequences ----------------------------------------


def _lfsr(taps: tuple[int, ...], state: list[int], n: int) -> list[int]:
    """``s_k = XOR of s_{k - t} for t in taps``, starting from `state` (s_0 ...)."""
    s = list(state)
    while len(s) < n:
        s.append(sum(s[-t] for t in taps) & 1)
    return s[:n]


@pytest.mark.parametrize(
    ("taps", "degree"),
    [
        ((3, 4), 4),  # x^4 + x + 1, primitive
        ((28, 31), 31),  # x^31 + x^3 + 1, primitive
    ],
)
def test_berlekamp_massey_recovers_known_lfsr(taps: tuple[int, ...], degree: int) -> None:
    bits = _lfsr(taps, [1] + [0] * (degree - 1), 2 * degree + 10)
    expected = 1 | sum(1 << t for t in taps)  # C(x) = 1 + sum x^t
    assert berlekamp_massey(bits) == expected


def test_berlekamp_massey_trivial_sequences() -> None:
    assert berlekamp_massey([]) == 1
    assert berlekamp_massey([0] * 10) == 1
    # s_n = s_{n-1}: C(x) = 1 + x
    assert berlekamp_massey([1] * 10) == 0b11


def _generates(c: int, bits: list[int], length: int) -> bool:
    return all(
        bits[n] == sum(bits[n - i] for i in range(1, length + 1) if c >> i & 1) & 1
        for n in range(length, len(bits))
    )


def _linear_complexity(bits: list[int]) -> int:
    """Shortest LFSR length, by trying every connection polynomial."""
    for length in range(len(bits) + 1):
        for taps in itertools.product((0, 1), repeat=length):
            c = 1 | sum(t << (i + 1) for i, t in enumerate(taps))
            if _generates(c, bits, length):
                return length
    raise AssertionError("unreachable: length len(bits) always works")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), max_size=10))
def test_berlekamp_massey_is_minimal(bits: list[int]) -> None:
    c = berlekamp_massey(bits)
    length = _linear_complexity(bits)
    assert c & 1
    assert c.bit_length() - 1 <= length
    assert _generates(c, bits, length)


# --- x**p mod phi against a pure-Python reference -----------------------------------


def _reduce(t: int) -> int:
    # phi = x^n + psi: replace every x^(n+k) by x^k * psi until the degree is < n.
    while t >> MT19937_DEGREE:
        high = t >> MT19937_DEGREE
        t &= _MASK
        for e in _PSI:
            t ^= high << e
    return t


def _square(a: int) -> int:
    # Over GF(2), a(x)^2 = a(x^2): spread the bits apart.
    bits = np.unpackbits(
        np.frombuffer(a.to_bytes(max(1, (a.bit_length() + 7) // 8), "little"), dtype=np.uint8),
        bitorder="little",
    )
    spread = np.zeros(2 * bits.size, dtype=np.uint8)
    spread[::2] = bits
    return int.from_bytes(np.packbits(spread, bitorder="little").tobytes(), "little")


def _clmul(a: int, b: int) -> int:
    """Carry-less (GF(2)[x]) product of two polynomials held as ints."""
    out = 0
    while b:
        low = b & -b
        out ^= a << (low.bit_length() - 1)
        b ^= low
    return out


def _xpow_reference(p: int) -> int:
    """Left-to-right square and multiply, reducing by phi after every step."""
    r = 1
    for bit in bin(p)[2:]:
        r = _reduce(_square(r))
        if bit == "1":
            r = _reduce(r << 1)
    return r


def _xpow(p: int) -> int:
    g = xpow_mod_phi(p)
    assert isinstance(g, bytes)
    assert len(g) == 8 * 312
    return int.from_bytes(g, "little")


_RNG = np.random.default_rng(20240611)
_RANDOM_EXPONENTS = [
    *(int(v) for v in _RNG.integers(2, 2**20, size=2)),
    *(int(v) for v in _RNG.integers(2**20, 2**40, size=2)),
    *(int(v) for v in _RNG.integers(2**40, 2**63, size=2, dtype=np.int64)),
    2**64 - 1,
    2**64 - 2**32 + 12345,
    # near the top of advance()'s range, 2^127 .. 2^128
    int(_RNG.integers(2**62, 2**63)) << 65 | int(_RNG.integers(2**63)),
]


@pytest.mark.parametrize(
    "p",
    [0, 1, 2, 63, 64, 19936, 19937, 19938, 2 * 19937, 2**15, 2**32, 2**64, *_RANDOM_EXPONENTS],
)
def test_xpow_mod_phi_matches_reference(p: int) -> None:
    assert _xpow(p) == _xpow_reference(p)


def test_xpow_mod_phi_small_exponents_are_monomials() -> None:
    for p in (0, 1, 5, 64, 1000, 19936):
        assert _xpow(p) == 1 << p


def test_xpow_mod_phi_at_the_degree_is_psi() -> None:
    # x^19937 = phi - x^19937 = psi (mod phi, over GF(2)).
    assert _xpow(MT19937_DEGREE) == PHI ^ (1 << MT19937_DEGREE)


@pytest.mark.parametrize(
    ("a", "b"),
    [(19937, 19937), (12345678, 98765), (2**64 - 1, 2**40 + 3), (2**100 + 7, 2**127 - 1)],
)
def test_xpow_mod_phi_is_a_homomorphism(a: int, b: int) -> None:
    assert _xpow(a + b) == _reduce(_clmul(_xpow(a), _xpow(b)))


def test_xpow_mod_phi_period() -> None:
    # phi is primitive and 2^19937 - 1 is a (Mersenne) prime, so x has order
    # exactly 2^19937 - 1: x^(2^19937 - 1) = 1.  Also a check of large exponents.
    assert _xpow(2**MT19937_DEGREE - 1) == 1
    assert _xpow(2**MT19937_DEGREE) == 2
