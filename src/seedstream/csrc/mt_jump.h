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
 * The steps are taken MT_JUMP_GROUP at a time: acc = F^32 acc + F^24 T[g_a] +
 * F^16 T[g_(a-1)] + F^8 T[g_(a-2)] + T[g_(a-3)], where F^(8m) T[b] is T[b]'s
 * window moved 8m words along its own sequence, so the table keeps each T[b]
 * with the 24 words that follow it: one pass over acc (five loads, one store a
 * vector) for four bytes of g, where the stores of four passes bounded it.
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

/* Bits of g per Horner step (a byte), the table's size, steps a pass. */
#define MT_JUMP_DIGIT 8
#define MT_JUMP_TABLE (1 << MT_JUMP_DIGIT)
#define MT_JUMP_GROUP 4
/* Words of a table entry: a window and the words that follow it. */
#define MT_JUMP_ENTRY (MT_N + MT_JUMP_DIGIT * (MT_JUMP_GROUP - 1))
/* Words of the sequence one pass makes. */
#define MT_JUMP_STRIDE (MT_JUMP_DIGIT * MT_JUMP_GROUP)

/* The jump's hot loops as one path builds them. */
typedef struct {
    /* acc[0..624) ^= t[0][0..624) ^ ... ^ t[MT_JUMP_GROUP - 1][0..624) */
    void (*xor_group)(uint32_t *restrict acc, const uint32_t *const *t);
    /* out[0..n) = a[0..n) ^ b[0..n) */
    void (*xor_into)(uint32_t *restrict out, const uint32_t *a, const uint32_t *b, int n);
    /* x[i + 624] from the recurrence for i in [from, from + MT_JUMP_STRIDE) */
    void (*extend)(uint32_t *x, int from);
} mt_jump_loops_t;

extern const mt_jump_loops_t mt_jump_loops_portable;
#if SS_HAVE_AVX2
extern const mt_jump_loops_t mt_jump_loops_avx2;
#endif
#if SS_HAVE_AVX512
extern const mt_jump_loops_t mt_jump_loops_avx512;
#endif

/* Words of work space mt_jump needs: the table, then Horner's accumulator with
 * the sequence it moves through (a pass's worth of slack at each end). */
#define MT_JUMP_WORK_WORDS                                                                      \
    (MT_JUMP_TABLE * MT_JUMP_ENTRY + MT_DEGREE + MT_N + 4 * MT_JUMP_STRIDE + 16)

/* acc[0..624) = g(F) key: key is a window (the state with pos = 624), g has gw
 * little-endian 64-bit words (terms of degree >= 19937 are ignored).  The
 * lower 31 bits of acc[0] are not meaningful, as in any window. */
void mt_jump(const uint32_t *key, const uint64_t *g, int gw, uint32_t *acc, uint32_t *work,
             const mt_jump_loops_t *loops);

#endif /* SEEDSTREAM_MT_JUMP_H */
