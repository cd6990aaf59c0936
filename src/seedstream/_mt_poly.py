"""The characteristic polynomial of MT19937's state transition, over GF(2).

Pure mathematics: imports nothing but numpy.

MT19937 keeps a 19937-bit state (the top bit of one 32-bit word and 623 full
words).  One step of the generator, ``F``, is linear over GF(2), so every bit of
every output satisfies the linear recurrence given by ``F``'s characteristic
polynomial ``phi`` of degree 19937.  ``phi`` is primitive, so the minimal
polynomial of *any* non-zero output bit sequence is ``phi`` itself, and the
Berlekamp-Massey algorithm recovers it from ``2 * 19937`` consecutive bits.

The exponents are shipped as :data:`MT19937_POLY_EXPONENTS` so importing the
package costs nothing; ``tests/test_mt_poly.py`` re-derives them with
:func:`derive_characteristic_polynomial` and compares.

References
----------
.. [1] M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally
   equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1), 1998.
.. [2] J. L. Massey, "Shift-register synthesis and BCH decoding",
   IEEE Trans. Inf. Theory 15(1), 1969.
"""

from __future__ import annotations

import numpy as np

MT19937_DEGREE = 19937

# Exponents (descending) of the non-zero terms of phi, as produced by
# ``derive_characteristic_polynomial()``.  Regenerated and compared in the tests.
MT19937_POLY_EXPONENTS: tuple[int, ...] = (
    19937,
    19314,
    19087,
    18860,
    18691,
    18633,
    18406,
    18237,
    18179,
    18068,
    17952,
    17841,
    17783,
    17725,
    17498,
    17445,
    17329,
    17271,
    17160,
    17044,
    16933,
    16875,
    16822,
    16817,
    16595,
    16590,
    16537,
    16421,
    16368,
    16363,
    16252,
    16141,
    16136,
    16025,
    15967,
    15909,
    15682,
    15629,
    15576,
    15513,
    15455,
    15349,
    15344,
    15228,
    15117,
    15059,
    15006,
    15001,
    14953,
    14779,
    14774,
    14721,
    14605,
    14552,
    14547,
    14436,
    14325,
    14320,
    14209,
    14151,
    14093,
    13866,
    13813,
    13760,
    13697,
    13639,
    13533,
    13528,
    13412,
    13301,
    13243,
    13190,
    13185,
    13137,
    12963,
    12958,
    12905,
    12789,
    12736,
    12731,
    12673,
    12620,
    12509,
    12504,
    12393,
    12335,
    12277,
    11997,
    11944,
    11881,
    11838,
    11717,
    11712,
    11611,
    11485,
    11384,
    11374,
    11321,
    11215,
    11157,
    11147,
    11089,
    10920,
    10761,
    10693,
    10128,
    9969,
    9901,
    9505,
    8206,
    7979,
    7752,
    7583,
    7525,
    7477,
    7129,
    6569,
    6337,
    5661,
    4753,
    4362,
    4135,
    3908,
    3681,
    3454,
    3227,
    3000,
    2773,
    2493,
    1870,
    1643,
    1585,
    1416,
    1189,
    0,
)


def berlekamp_massey(bits: list[int]) -> int:
    """Shortest LFSR generating `bits`, over GF(2).

    Parameters
    ----------
    bits : list of int
        The sequence ``s_0, s_1, ...``, each 0 or 1.

    Returns
    -------
    int
        The connection polynomial ``C(x) = 1 + c_1 x + ... + c_L x^L`` as an
        integer whose bit ``i`` is ``c_i``; the sequence satisfies
        ``s_n = c_1 s_{n-1} + ... + c_L s_{n-L}`` (mod 2).
    """
    c, b = 1, 1  # current and previous connection polynomials
    length, shift = 0, 1
    window = 0  # bit i holds s_{n-i}
    for n, s in enumerate(bits):
        window = (window << 1) | s
        discrepancy = (c & window).bit_count() & 1
        if not discrepancy:
            shift += 1
        elif 2 * length <= n:
            c, b = c ^ (b << shift), c
            length = n + 1 - length
            shift = 1
        else:
            c ^= b << shift
            shift += 1
    return c


def derive_characteristic_polynomial(seed: int = 5489) -> tuple[int, ...]:
    """Derive MT19937's characteristic polynomial from numpy's own output.

    Parameters
    ----------
    seed : int, optional
        Any seed gives the same polynomial; the default is Matsumoto's.

    Returns
    -------
    tuple of int
        The exponents of ``phi``'s non-zero terms, highest first.

    Examples
    --------
    >>> exps = derive_characteristic_polynomial()
    >>> exps[:3], len(exps)
    ((19937, 19314, 19087), 135)
    """
    n_bits = 2 * MT19937_DEGREE
    bg = np.random.MT19937()
    bg._legacy_seeding(seed)
    raw = bg.random_raw(n_bits)
    # The lowest bit of each tempered output is a linear functional of the state.
    bits = [int(v) for v in (raw & 1)]
    c = berlekamp_massey(bits)
    degree = c.bit_length() - 1
    if degree != MT19937_DEGREE:
        raise RuntimeError(f"Berlekamp-Massey found degree {degree}, expected {MT19937_DEGREE}")
    # phi(x) = x^L C(1/x): coefficient of x^k in phi is c_{L-k}.
    return tuple(sorted((degree - i for i in range(degree + 1) if c >> i & 1), reverse=True))
