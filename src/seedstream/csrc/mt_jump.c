/*
 * mt_jump.c -- g(F) applied to an MT19937 window (see mt_jump.h).
 */
#include "mt_jump.h"

#include <string.h>

SS_INLINE void xor_window_body(uint32_t *restrict acc, const uint32_t *restrict x)
{
    for (int j = 0; j < MT_N; j++) acc[j] ^= x[j];
}

/* The body above, inlined into each build and compiled for its target. */
#define MT_JUMP_BUILD(suffix, attr)                                                             \
    attr static void xor_window_##suffix(uint32_t *restrict acc, const uint32_t *restrict x)    \
    {                                                                                           \
        xor_window_body(acc, x);                                                                \
    }                                                                                           \
    const mt_jump_loops_t mt_jump_loops_##suffix = {xor_window_##suffix};
SS_EACH_TARGET(MT_JUMP_BUILD)

/* The next `count` words of the sequence after x[0..624 + ...), in place. */
SS_INLINE void extend(uint32_t *x, int from, int count)
{
    for (int i = from; i < from + count; i++) x[i + MT_N] = mt_twist(x[i], x[i + 1], x[i + MT_M]);
}

/* Digit a of g (bits D a .. D a + D - 1), bits from 19937 up left out. */
SS_INLINE unsigned digit_of(const uint64_t *g, int gw, int a)
{
    const int bit = MT_JUMP_DIGIT * a;
    if (bit >= 64 * gw || bit >= MT_DEGREE) return 0;
    unsigned d = (unsigned)(g[bit >> 6] >> (bit & 63)) & (MT_JUMP_TABLE - 1);
    if (bit + MT_JUMP_DIGIT > MT_DEGREE) d &= (1u << (MT_DEGREE - bit)) - 1;
    return d;
}

void mt_jump(const uint32_t *key, const uint64_t *g, int gw, uint32_t *acc, uint32_t *work,
             const mt_jump_loops_t *loops)
{
    enum { D = MT_JUMP_DIGIT };
    void (*xor_window)(uint32_t *restrict, const uint32_t *restrict) = loops->xor_window;
    uint32_t *table = work;                     /* T[b] = b(F) key, b < 2^D */
    uint32_t *x = work + MT_JUMP_TABLE * MT_N;  /* the sequence, then Horner's accumulator */

    /* T[b] = T[b without its top bit] + the window x[top : top + 624] */
    memcpy(x, key, MT_N * 4);
    extend(x, 0, D);
    memset(table, 0, MT_N * 4);
    for (int b = 1; b < MT_JUMP_TABLE; b++) {
        int top = 31 - __builtin_clz((unsigned)b);
        uint32_t *t = table + (size_t)b * MT_N;
        memcpy(t, table + (size_t)(b ^ (1 << top)) * MT_N, MT_N * 4);
        xor_window(t, x + top);
    }

    /* Horner over the digits of g below x^19937, from the top */
    const int ndigits = (MT_DEGREE + D - 1) / D;
    int a = ndigits - 1;
    while (a > 0 && !digit_of(g, gw, a)) a--;
    int k = 0; /* acc is the window x[k : k + 624] */
    memcpy(x, table + (size_t)digit_of(g, gw, a) * MT_N, MT_N * 4);
    for (a--; a >= 0; a--) {
        extend(x, k, D); /* F^8: eight more words, the window moves by eight */
        k += D;
        unsigned digit = digit_of(g, gw, a);
        if (digit) xor_window(x + k, table + (size_t)digit * MT_N);
    }
    memcpy(acc, x + k, MT_N * 4);
}
