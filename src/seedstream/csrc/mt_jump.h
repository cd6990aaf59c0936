/*
 * mt_jump.h -- g(F) applied to an MT19937 window: the jump itself.
 *
 * F is MT19937's transition on its 19937-bit state.  With g(x) = x^P mod phi
 * (phi F's characteristic polynomial, g from gf2poly), g(F) moves a state P
 * steps ahead; since F^i of a window is the window i words further on, g(F)
 * of it is the XOR of the windows x[i : i + 624] over the set bits i of g.
 *
 * That XOR is evaluated with the sliding window of Haramoto et al.: g is cut
 * into bytes, g = sum_a x^(8a) g_a, the 256 states T[b] = b(F) key are
 * tabulated once, and Horner's rule acc = F^8 acc + T[g_a] runs over the
 * bytes from the top, F^8 being eight steps of the recurrence on acc itself.
 * About 2500 state XORs instead of one per set bit of g (about 10000).
 * Plain C: no Python, no allocation.
 *
 * Reference: H. Haramoto, M. Matsumoto, T. Nishimura, F. Panneton, P. L'Ecuyer,
 * "Efficient Jump Ahead for F2-Linear Random Number Generators",
 * INFORMS Journal on Computing 20(3), 385-390, 2008.
 */
#ifndef SEEDSTREAM_MT_JUMP_H
#define SEEDSTREAM_MT_JUMP_H

#include <stdint.h>

#include "mt19937.h"
#include "simd_paths.h"

/* The jump's hot loop as one path builds it. */
typedef struct {
    /* acc[0..624) ^= x[0..624) */
    void (*xor_window)(uint32_t *restrict acc, const uint32_t *restrict x);
} mt_jump_loops_t;

extern const mt_jump_loops_t mt_jump_loops_portable;
#if SS_HAVE_AVX2
extern const mt_jump_loops_t mt_jump_loops_avx2;
#endif
#if SS_HAVE_AVX512
extern const mt_jump_loops_t mt_jump_loops_avx512;
#endif

/* Bits of g per Horner step (a byte), and the table's size. */
#define MT_JUMP_DIGIT 8
#define MT_JUMP_TABLE (1 << MT_JUMP_DIGIT)

/* Words of work space mt_jump needs: the table, then Horner's accumulator with
 * the 19937 words it moves through (and the digit's worth of slack). */
#define MT_JUMP_WORK_WORDS (MT_JUMP_TABLE * MT_N + MT_DEGREE + MT_N + 2 * MT_JUMP_DIGIT)

/* acc[0..624) = g(F) key: key is a window (the state with pos = 624), g has gw
 * little-endian 64-bit words (terms of degree >= 19937 are ignored).  The
 * lower 31 bits of acc[0] are not meaningful, as in any window. */
void mt_jump(const uint32_t *key, const uint64_t *g, int gw, uint32_t *acc, uint32_t *work,
             const mt_jump_loops_t *loops);

#endif /* SEEDSTREAM_MT_JUMP_H */
