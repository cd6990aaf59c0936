/*
 * mt19937.h -- the MT19937 constants and its recurrence, shared by the jump
 * (mt_jump.c) and the polar scans (polar_scan.c).
 *
 * The state is numpy's: 624 untempered 32-bit words.
 *
 * Reference: M. Matsumoto, T. Nishimura, "Mersenne Twister: a 623-dimensionally
 * equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1),
 * 3-30, 1998; numpy/random/src/mt19937/mt19937.{c,h}.
 */
#ifndef SEEDSTREAM_MT19937_H
#define SEEDSTREAM_MT19937_H

#include <stdint.h>

#define MT_N 624
#define MT_M 397
#define MT_DEGREE 19937 /* of the characteristic polynomial: 32 * 624 - 31 */
#define MT_MATRIX_A 0x9908b0dfU
#define MT_UPPER 0x80000000U
#define MT_LOWER 0x7fffffffU

/* The next word of the sequence: x[i + 624] = mt_twist(x[i], x[i + 1], x[i + 397]).
 * Branch-free (the low bit of y selects MATRIX_A through a mask). */
static inline uint32_t mt_twist(uint32_t a, uint32_t b, uint32_t m)
{
    uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);
    return m ^ (y >> 1) ^ ((uint32_t)(-(int32_t)(y & 1u)) & MT_MATRIX_A);
}

#endif /* SEEDSTREAM_MT19937_H */
