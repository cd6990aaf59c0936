/*
 * bounded_ints.c -- numpy's bounded integers from a stream of 32-bit words
 * (see bounded_ints.h for what numpy does, bit by bit).
 */
#include "bounded_ints.h"

#include <stdlib.h>

#include "simd_paths.h"

/* Words drawn a round, at most: few enough that the words (16 KiB) and the values
 * (32 KiB at most, a quarter of the words for bool) stay in the caches nearest the
 * core, many enough that the word source's fixed cost a call is small. */
#define BI_ROUND_WORDS 4096
#define BI_SCRATCH_BYTES (BI_ROUND_WORDS * 8)

typedef struct {
    uint64_t off, rng, mask; /* mask: the smallest all-ones >= rng (masked rejection) */
    uint64_t excl, thr;      /* rng + 1 and (2^bits - 1 - rng) mod (rng + 1) (Lemire) */
} bi_k_t;

/* One round: the candidates of nw words, the kept values written at o[0..),
 * at most `limit` of them; returns how many were kept. */
typedef uint64_t (*bi_round_fn)(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw, uint64_t limit,
                                void *o);

/* Every candidate is tested and its value stored at o[k]; k advances only when the
 * candidate is kept.  A round has at most `limit` candidates where this is used, so
 * the store never passes the values wanted. */
#define BI_KEEP(T, VALUE, KEPT)                                                                 \
    do {                                                                                        \
        out[k] = (T)(off + (VALUE));                                                            \
        k += (KEPT);                                                                            \
    } while (0)

/* 32-bit candidates, one a word, into T. */
#define BI_WORDS32(NAME, T)                                                                     \
    static uint64_t NAME##_masked(const bi_k_t *c, const uint32_t *w, uint64_t nw,             \
                                  uint64_t limit, void *o)                                      \
    {                                                                                           \
        (void)limit;                                                                            \
        T *restrict out = o;                                                                    \
        const T off = (T)c->off;                                                                \
        const uint32_t mask = (uint32_t)c->mask, rng = (uint32_t)c->rng;                        \
        uint64_t k = 0;                                                                         \
        for (uint64_t i = 0; i < nw; i++) {                                                     \
            uint32_t v = w[i] & mask;                                                           \
            BI_KEEP(T, v, v <= rng);                                                            \
        }                                                                                       \
        return k;                                                                               \
    }                                                                                           \
    static uint64_t NAME##_lemire(const bi_k_t *c, const uint32_t *w, uint64_t nw,             \
                                  uint64_t limit, void *o)                                      \
    {                                                                                           \
        (void)limit;                                                                            \
        T *restrict out = o;                                                                    \
        const T off = (T)c->off;                                                                \
        const uint64_t excl = c->excl;                                                          \
        const uint32_t thr = (uint32_t)c->thr;                                                  \
        uint64_t k = 0;                                                                         \
        for (uint64_t i = 0; i < nw; i++) {                                                     \
            uint64_t m = (uint64_t)w[i] * excl;                                                 \
            BI_KEEP(T, m >> 32, (uint32_t)m >= thr);                                            \
        }                                                                                       \
        return k;                                                                               \
    }

BI_WORDS32(r32_u32, uint32_t)
BI_WORDS32(r32_u64, uint64_t)

/* 64-bit candidates: two words each, the first the high half (numpy's
 * mt19937_next64 as compiled: checked against numpy by the tests). */
static uint64_t r64_masked(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                           void *o)
{
    (void)limit;
    uint64_t *restrict out = o;
    const uint64_t off = c->off, mask = c->mask, rng = c->rng;
    uint64_t k = 0;
    for (uint64_t i = 0; i + 1 < nw; i += 2) {
        uint64_t v = ((uint64_t)w[i] << 32 | w[i + 1]) & mask;
        BI_KEEP(uint64_t, v, v <= rng);
    }
    return k;
}

static uint64_t r64_lemire(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                           void *o)
{
    (void)limit;
    uint64_t *restrict out = o;
    const uint64_t off = c->off, excl = c->excl, thr = c->thr;
    uint64_t k = 0;
    for (uint64_t i = 0; i + 1 < nw; i += 2) {
        __uint128_t m = (__uint128_t)((uint64_t)w[i] << 32 | w[i + 1]) * excl;
        BI_KEEP(uint64_t, (uint64_t)(m >> 64), (uint64_t)m >= thr);
    }
    return k;
}

/* Packed candidates: BITS-wide pieces of each word, lowest first.  The whole
 * words among the first min(limit, candidates) go through the branch-free loop;
 * the rest (the pieces of the last word, wanted only if some were rejected) one
 * by one, until `limit`. */
#define BI_PACKED(NAME, T, BITS, KEEP_MASKED, KEEP_LEMIRE)                                      \
    static uint64_t NAME(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,      \
                         void *o, int lemire)                                                   \
    {                                                                                           \
        const uint64_t per = 32 / (BITS), total = nw * per;                                     \
        const uint64_t safe = total < limit ? total : limit;                                    \
        const uint32_t piece = (1u << (BITS)) - 1u, mask = (uint32_t)c->mask;                   \
        const uint32_t rng = (uint32_t)c->rng, excl = (uint32_t)c->excl;                        \
        const uint32_t thr = (uint32_t)c->thr;                                                  \
        T *restrict out = o;                                                                    \
        const T off = (T)c->off;                                                                \
        uint64_t i = 0, k = 0;                                                                  \
        (void)mask, (void)rng, (void)excl, (void)thr;                                           \
        if (lemire) {                                                                           \
            for (; i + per <= safe; i += per) {                                                 \
                const uint32_t word = w[i / per];                                               \
                for (uint64_t j = 0; j < per; j++) {                                            \
                    uint32_t x = (word >> (j * (BITS))) & piece;                                \
                    KEEP_LEMIRE;                                                                \
                }                                                                               \
            }                                                                                   \
            for (; i < total && k < limit; i++) {                                               \
                uint32_t x = (w[i / per] >> ((i % per) * (BITS))) & piece;                      \
                KEEP_LEMIRE;                                                                    \
            }                                                                                   \
        } else {                                                                                \
            for (; i + per <= safe; i += per) {                                                 \
                const uint32_t word = w[i / per];                                               \
                for (uint64_t j = 0; j < per; j++) {                                            \
                    uint32_t x = (word >> (j * (BITS))) & piece;                                \
                    KEEP_MASKED;                                                                \
                }                                                                               \
            }                                                                                   \
            for (; i < total && k < limit; i++) {                                               \
                uint32_t x = (w[i / per] >> ((i % per) * (BITS))) & piece;                      \
                KEEP_MASKED;                                                                    \
            }                                                                                   \
        }                                                                                       \
        return k;                                                                               \
    }

#define BI_MASKED(T)                                                                            \
    do {                                                                                        \
        uint32_t v = x & mask;                                                                  \
        BI_KEEP(T, v, v <= rng);                                                                \
    } while (0)
/* Lemire in twice the width: x * (rng + 1) < 2^(2 BITS), its low half the leftover. */
#define BI_LEMIRE(T, BITS)                                                                      \
    do {                                                                                        \
        uint32_t m = x * excl;                                                                  \
        BI_KEEP(T, m >> (BITS), (m & piece) >= thr);                                            \
    } while (0)

BI_PACKED(r16, uint16_t, 16, BI_MASKED(uint16_t), BI_LEMIRE(uint16_t, 16))
BI_PACKED(r8, uint8_t, 8, BI_MASKED(uint8_t), BI_LEMIRE(uint8_t, 8))

static uint64_t r16_masked(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                           void *o)
{
    return r16(c, w, nw, limit, o, 0);
}
static uint64_t r16_lemire(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                           void *o)
{
    return r16(c, w, nw, limit, o, 1);
}
static uint64_t r8_masked(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                          void *o)
{
    return r8(c, w, nw, limit, o, 0);
}
static uint64_t r8_lemire(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit,
                          void *o)
{
    return r8(c, w, nw, limit, o, 1);
}

/* bool (rng 1): every bit is a value, lowest first; nothing is rejected. */
static uint64_t r1(const bi_k_t *c, const uint32_t *w, uint64_t nw, uint64_t limit, void *o)
{
    (void)c;
    uint64_t n = nw * 32 < limit ? nw * 32 : limit, i = 0;
    uint8_t *restrict b = o;
    for (; i + 32 <= n; i += 32) {
        const uint32_t word = w[i / 32];
        for (int j = 0; j < 32; j++) b[i + j] = (uint8_t)((word >> j) & 1u);
    }
    for (; i < n; i++) b[i] = (uint8_t)((w[i / 32] >> (i % 32)) & 1u);
    return n;
}

/* ------------------------------------------------------------------------ */
/* AVX-512 (F, BW, DQ, VL; the _mtfill path of that name): 16 candidates a     */
/* step, the kept ones packed to the front of a register (vpcompress) and     */
/* stored whole at the write index.  A store may run up to a vector past the  */
/* last kept value: it stays within the round's candidates (nw <= limit, and  */
/* k <= the candidates seen), so within the values wanted, and the next store */
/* overwrites it.  The candidates left over (nw % 16, or % 8) go through the  */
/* scalar loops, whose results are the same by construction.                  */

#if SS_HAVE_AVX512
#define BI_T512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

/* Eight kept values as 64-bit lanes: compressed to the front and stored at out[k]. */
#define BI_PUT64(VALUES, KEPT)                                                                  \
    do {                                                                                        \
        __mmask8 kept_ = (KEPT);                                                                \
        _mm512_storeu_si512((void *)(out + k), _mm512_maskz_compress_epi64(kept_, (VALUES)));   \
        k += (uint64_t)__builtin_popcount(kept_);                                               \
    } while (0)

BI_T512 static uint64_t v32_u64_masked(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw,
                                       uint64_t limit, void *o)
{
    uint64_t *restrict out = o;
    const __m512i mask = _mm512_set1_epi32((int)(uint32_t)c->mask);
    const __m512i rng = _mm512_set1_epi32((int)(uint32_t)c->rng);
    const __m512i off = _mm512_set1_epi64((long long)c->off);
    uint64_t i = 0, k = 0;
    for (; i + 16 <= nw; i += 16) {
        __m512i v = _mm512_and_si512(_mm512_loadu_si512((const void *)(w + i)), mask);
        __mmask16 kept = _mm512_cmple_epu32_mask(v, rng);
        __m512i lo = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(v));
        __m512i hi = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(v, 1));
        BI_PUT64(_mm512_add_epi64(lo, off), (__mmask8)kept);
        BI_PUT64(_mm512_add_epi64(hi, off), (__mmask8)(kept >> 8));
    }
    return k + r32_u64_masked(c, w + i, nw - i, limit - k, out + k);
}

/* Lemire on 32-bit candidates: each widened to a 64-bit lane and multiplied by
 * rng + 1 (< 2^32) exactly; the leftover is the low half, the value the high. */
BI_T512 static inline __m512i lemire8(__m256i words, __m512i excl, __m512i thr, __mmask8 *kept)
{
    __m512i m = _mm512_mul_epu32(_mm512_cvtepu32_epi64(words), excl);
    __m512i low = _mm512_and_si512(m, _mm512_set1_epi64(0xFFFFFFFFLL));
    *kept = _mm512_cmpge_epu64_mask(low, thr);
    return _mm512_srli_epi64(m, 32);
}

BI_T512 static uint64_t v32_u64_lemire(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw,
                                       uint64_t limit, void *o)
{
    uint64_t *restrict out = o;
    const __m512i excl = _mm512_set1_epi64((long long)c->excl);
    const __m512i thr = _mm512_set1_epi64((long long)c->thr);
    const __m512i off = _mm512_set1_epi64((long long)c->off);
    uint64_t i = 0, k = 0;
    for (; i + 8 <= nw; i += 8) {
        __mmask8 kept;
        __m512i v = lemire8(_mm256_loadu_si256((const __m256i *)(w + i)), excl, thr, &kept);
        BI_PUT64(_mm512_add_epi64(v, off), kept);
    }
    return k + r32_u64_lemire(c, w + i, nw - i, limit - k, out + k);
}

BI_T512 static uint64_t v32_u32_masked(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw,
                                       uint64_t limit, void *o)
{
    uint32_t *restrict out = o;
    const __m512i mask = _mm512_set1_epi32((int)(uint32_t)c->mask);
    const __m512i rng = _mm512_set1_epi32((int)(uint32_t)c->rng);
    const __m512i off = _mm512_set1_epi32((int)(uint32_t)c->off);
    uint64_t i = 0, k = 0;
    for (; i + 16 <= nw; i += 16) {
        __m512i v = _mm512_and_si512(_mm512_loadu_si512((const void *)(w + i)), mask);
        __mmask16 kept = _mm512_cmple_epu32_mask(v, rng);
        __m512i packed = _mm512_maskz_compress_epi32(kept, _mm512_add_epi32(v, off));
        _mm512_storeu_si512((void *)(out + k), packed);
        k += (uint64_t)__builtin_popcount(kept);
    }
    return k + r32_u32_masked(c, w + i, nw - i, limit - k, out + k);
}

BI_T512 static uint64_t v32_u32_lemire(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw,
                                       uint64_t limit, void *o)
{
    uint32_t *restrict out = o;
    const __m512i excl = _mm512_set1_epi64((long long)c->excl);
    const __m512i thr = _mm512_set1_epi64((long long)c->thr);
    const __m256i off = _mm256_set1_epi32((int)(uint32_t)c->off);
    uint64_t i = 0, k = 0;
    for (; i + 8 <= nw; i += 8) {
        __mmask8 kept;
        __m512i v = lemire8(_mm256_loadu_si256((const __m256i *)(w + i)), excl, thr, &kept);
        __m256i v32 = _mm256_add_epi32(_mm512_cvtepi64_epi32(v), off);
        _mm256_storeu_si256((__m256i *)(out + k), _mm256_maskz_compress_epi32(kept, v32));
        k += (uint64_t)__builtin_popcount(kept);
    }
    return k + r32_u32_lemire(c, w + i, nw - i, limit - k, out + k);
}

/* 64-bit candidates: a word pair loads as one 64-bit lane with the first word
 * low; numpy takes the first as the high half, so the halves are swapped. */
BI_T512 static uint64_t v64_masked(const bi_k_t *c, const uint32_t *restrict w, uint64_t nw,
                                   uint64_t limit, void *o)
{
    uint64_t *restrict out = o;
    const __m512i mask = _mm512_set1_epi64((long long)c->mask);
    const __m512i rng = _mm512_set1_epi64((long long)c->rng);
    const __m512i off = _mm512_set1_epi64((long long)c->off);
    uint64_t i = 0, k = 0;
    for (; i + 16 <= nw; i += 16) {
        __m512i x = _mm512_rol_epi64(_mm512_loadu_si512((const void *)(w + i)), 32);
        __m512i v = _mm512_and_si512(x, mask);
        BI_PUT64(_mm512_add_epi64(v, off), _mm512_cmple_epu64_mask(v, rng));
    }
    return k + r64_masked(c, w + i, nw - i, limit - k, out + k);
}
#endif /* SS_HAVE_AVX512 */

int bi_check(const bi_spec_t *s)
{
    uint64_t full = s->bits == 64 ? UINT64_MAX : (((uint64_t)1 << s->bits) - 1);
    if (s->rng == 0 || s->rng > full) return -1;
    switch (s->bits) {
    case 1: return s->out_size == 1 && s->rng == 1 && s->off == 0 ? 0 : -1;
    case 8: return s->out_size == 1 ? 0 : -1;
    case 16: return s->out_size == 2 ? 0 : -1;
    case 32: return s->out_size == 4 || s->out_size == 8 ? 0 : -1;
    case 64: return s->out_size == 8 ? 0 : -1;
    default: return -1;
    }
}

static uint64_t gen_mask(uint64_t max)
{
    for (int shift = 1; shift < 64; shift *= 2) max |= max >> shift;
    return max;
}

uint64_t bi_fill(const bi_spec_t *s, void *out, uint64_t cnt, bi_words_fn words, void *ctx)
{
    const uint64_t full = s->bits == 64 ? UINT64_MAX : (((uint64_t)1 << s->bits) - 1);
    /* numpy does not use Lemire's method on a full range (its rng + 1 wraps) but keeps
     * every candidate, which is what masked rejection with an all-ones mask does. */
    const int lemire = s->lemire && s->rng != full;
    bi_k_t c = {s->off, s->rng, gen_mask(s->rng), s->rng + 1, 0};
    if (lemire) c.thr = (full - s->rng) % c.excl;

    bi_round_fn round;
    switch (s->bits) {
    case 64: round = lemire ? r64_lemire : r64_masked; break;
    case 32:
        round = s->out_size == 8 ? (lemire ? r32_u64_lemire : r32_u64_masked)
                                 : (lemire ? r32_u32_lemire : r32_u32_masked);
        break;
    case 16: round = lemire ? r16_lemire : r16_masked; break;
    case 8: round = lemire ? r8_lemire : r8_masked; break;
    default: round = r1; break;
    }
#if SS_HAVE_AVX512
    if (s->simd >= 2) {
        if (s->bits == 64 && !lemire) round = v64_masked;
        if (s->bits == 32 && s->out_size == 8) round = lemire ? v32_u64_lemire : v32_u64_masked;
        if (s->bits == 32 && s->out_size == 4) round = lemire ? v32_u32_lemire : v32_u32_masked;
    }
#endif

    /* Counting only: the values go to a scratch buffer, round after round. */
    void *scratch = NULL;
    if (!out && !(scratch = malloc(BI_SCRATCH_BYTES))) return UINT64_MAX;

    /* Candidates a round: BI_ROUND_WORDS words' worth, within BI_SCRATCH_BYTES of values. */
    const uint64_t most = s->bits == 64  ? BI_ROUND_WORDS / 2
                          : s->bits == 1 ? BI_ROUND_WORDS * 8
                                         : BI_ROUND_WORDS * 32 / (uint64_t)s->bits;
    uint32_t w[BI_ROUND_WORDS] __attribute__((aligned(64)));
    uint64_t k = 0, used = 0;
    while (k < cnt) {
        uint64_t wanted = cnt - k, nc = wanted < most ? wanted : most;
        /* The words nc candidates take: each of them is needed, as every value
         * still wanted takes at least one candidate. */
        uint64_t nw = s->bits == 64 ? 2 * nc : (nc * (uint64_t)s->bits + 31) / 32;
        words(ctx, w, nw);
        used += nw;
        k += round(&c, w, nw, wanted, out ? (char *)out + k * (uint64_t)s->out_size : scratch);
    }
    free(scratch);
    return used;
}
