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

void mt_jump(const uint32_t *key, const uint64_t *g, int gw, uint32_t *acc, uint32_t *work,
             const mt_jump_loops_t *loops)
{
    uint32_t *x = work; /* windows x[i : i + 624] for i < 19937 */
    memcpy(x, key, MT_N * 4);
    /* the untempered words that follow, by the MT recurrence itself */
    for (int i = 0; i + MT_N < MT_JUMP_WORK_WORDS; i++)
        x[i + MT_N] = mt_twist(x[i], x[i + 1], x[i + MT_M]);
    void (*xor_window)(uint32_t *restrict, const uint32_t *restrict) = loops->xor_window;
    memset(acc, 0, MT_N * 4);
    for (int w = 0; w < gw; w++) {
        uint64_t bits = g[w];
        while (bits) {
            int b = __builtin_ctzll(bits);
            int i = 64 * w + b;
            if (i < MT_DEGREE) xor_window(acc, x + i);
            bits &= bits - 1;
        }
    }
}
