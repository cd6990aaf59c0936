/*
 * mt_jump.c -- g(F) applied to an MT19937 window (see mt_jump.h).
 */
#include "mt_jump.h"

#include <string.h>

SS_INLINE void xor_group_body(uint32_t *restrict acc, const uint32_t *const *t)
{
    const uint32_t *restrict t0 = t[0], *restrict t1 = t[1], *restrict t2 = t[2],
                             *restrict t3 = t[3];
    for (int j = 0; j < MT_N; j++) acc[j] ^= t0[j] ^ t1[j] ^ t2[j] ^ t3[j];
}

SS_INLINE void xor_into_body(uint32_t *restrict out, const uint32_t *a, const uint32_t *b, int n)
{
    for (int j = 0; j < n; j++) out[j] = a[j] ^ b[j];
}

/* The words of a pass are independent of each other (x[i + 397] lies below
 * x[from + 624] for i < from + 227): made in a local array, then stored. */
SS_INLINE void extend_body(uint32_t *x, int from)
{
    uint32_t next[MT_JUMP_STRIDE];
    for (int i = 0; i < MT_JUMP_STRIDE; i++)
        next[i] = mt_twist(x[from + i], x[from + i + 1], x[from + i + MT_M]);
    memcpy(x + from + MT_N, next, sizeof next);
}

#if MT_JUMP_GROUP != 4 || MT_JUMP_STRIDE > MT_N - MT_M
#error "xor_group_body takes four entries, and extend_body's words must not depend on each other"
#endif

/* The bodies above, inlined into each build and compiled for its target. */
#define MT_JUMP_BUILD(suffix, attr)                                                             \
    attr static void xor_group_##suffix(uint32_t *restrict acc, const uint32_t *const *t)       \
    {                                                                                           \
        xor_group_body(acc, t);                                                                 \
    }                                                                                           \
    attr static void xor_into_##suffix(uint32_t *restrict out, const uint32_t *a,               \
                                       const uint32_t *b, int n)                                \
    {                                                                                           \
        xor_into_body(out, a, b, n);                                                            \
    }                                                                                           \
    attr static void extend_##suffix(uint32_t *x, int from) { extend_body(x, from); }           \
    const mt_jump_loops_t mt_jump_loops_##suffix = {xor_group_##suffix, xor_into_##suffix,      \
                                                    extend_##suffix};
SS_EACH_TARGET(MT_JUMP_BUILD)

/* Digit a of g (bits D a .. D a + D - 1), bits from 19937 up left out. */
SS_INLINE unsigned digit_of(const uint64_t *g, int gw, int a)
{
    const int bit = MT_JUMP_DIGIT * a;
    if (a < 0 || bit >= 64 * gw || bit >= MT_DEGREE) return 0;
    unsigned d = (unsigned)(g[bit >> 6] >> (bit & 63)) & (MT_JUMP_TABLE - 1);
    if (bit + MT_JUMP_DIGIT > MT_DEGREE) d &= (1u << (MT_DEGREE - bit)) - 1;
    return d;
}

void mt_jump(const uint32_t *key, const uint64_t *g, int gw, uint32_t *acc, uint32_t *work,
             const mt_jump_loops_t *loops)
{
    enum { D = MT_JUMP_DIGIT, G = MT_JUMP_GROUP, E = MT_JUMP_ENTRY };
    uint32_t *table = work;                   /* T[b] = b(F) key and the words after it */
    uint32_t *x = work + MT_JUMP_TABLE * E;   /* the sequence, then Horner's accumulator */

    /* T[b] = T[b without its top bit] + the sequence from word `top` on */
    memcpy(x, key, MT_N * 4);
    loops->extend(x, 0);
    memset(table, 0, E * 4);
    for (int b = 1; b < MT_JUMP_TABLE; b++) {
        int top = 31 - __builtin_clz((unsigned)b);
        loops->xor_into(table + (size_t)b * E, table + (size_t)(b ^ (1 << top)) * E, x + top, E);
    }

    /* Horner over the digits of g below x^19937, from the top, G at a time:
     * acc = F^(D G) acc + sum_i F^(D (G - 1 - i)) T[digit a - i].  acc starts at
     * zero, so a pass above the top digit may be counted without changing it. */
    const int ndigits = (MT_DEGREE + D - 1) / D;
    int a = ndigits - 1;
    while (a > 0 && !digit_of(g, gw, a)) a--;
    a = (a / G) * G + G - 1; /* the top of its pass */
    int k = 0;               /* acc is the window x[k : k + 624] */
    memset(x, 0, MT_N * 4);
    for (; a >= 0; a -= G) {
        loops->extend(x, k);
        k += MT_JUMP_STRIDE;
        const uint32_t *t[G];
        for (int i = 0; i < G; i++)
            t[i] = table + (size_t)digit_of(g, gw, a - i) * E + D * (G - 1 - i);
        loops->xor_group(x + k, t);
    }
    memcpy(acc, x + k, MT_N * 4);
}
