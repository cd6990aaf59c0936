/*
 * gf2poly.c -- x^e modulo a sparse polynomial over GF(2) (see gf2poly.h).
 *
 * The reduction's inner loop (xor_terms) is built once per path; everything
 * else is portable and calls it through a gf2_loops_t.
 */
#include "gf2poly.h"

#include <stdlib.h>
#include <string.h>

static int ascending(const void *a, const void *b)
{
    const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int gf2_modulus_init(gf2_modulus_t *m, int n, const int32_t *given, int nterms, int32_t *storage)
{
    int32_t *psi = storage, *bydist = storage + nterms;
    /* Visit the terms 16 apart in sorted order: consecutive XORs of one block
     * then land far apart in memory instead of on top of each other, which
     * keeps loads from waiting on the stores just before them (1.6x here). */
    int top = -1, j = 0;
    for (int g = 0; g < 16; g++)
        for (int i = g; i < nterms; i += 16) psi[j++] = given[i];
    for (int i = 0; i < nterms; i++) {
        if (psi[i] < 0 || psi[i] >= n) return -1;
        if (psi[i] > top) top = psi[i];
    }
    m->degree = n;
    m->nterms = nterms;
    m->psi = psi;
    m->block_bits = n - top;
    m->nwords = (n + 63) / 64;
    /* The chunked reduction reads the terms in order of distance. */
    for (int i = 0; i < nterms; i++) bydist[i] = n - given[i];
    qsort(bydist, (size_t)nterms, sizeof *bydist, ascending);
    m->bydist = bydist;
    m->chunked = nterms > 0 && m->block_bits >= 64 * GF2_CHUNK;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The reduction's inner loop, per path                                      */

SS_INLINE void xor_terms_body(uint64_t *t, const uint64_t *v, int k, int lo,
                              const gf2_modulus_t *m)
{
    for (int i = 0; i < m->nterms; i++) {
        int pos = lo - m->degree + m->psi[i];
        uint64_t *out = t + (pos >> 6);
        int s = pos & 63;
        if (s == 0) {
            for (int j = 0; j < k; j++) out[j] ^= v[j];
        } else {
            for (int j = 0; j <= k; j++) out[j] ^= (v[j] << s) | (v[j - 1] >> (64 - s));
        }
    }
}

/* The chunked reduction.  With phi = x^n + sum_i x^psi_i and d_i = n - psi_i, a
 * bit q >= n of y is folded by adding it at q - d_i for every i; taken from the
 * top down, the final bit at p is
 *
 *     y_p = c_p + sum_i h_{p + d_i},   h_q = y_q for q >= n, 0 below n,
 *
 * a gather that reads only bits at least min d_i = block_bits above p.  So a
 * chunk of GF2_CHUNK words (<= block_bits / 64) depends only on chunks above it
 * and is made in registers: per term, the source words at its word distance,
 * shifted by its bit distance (a funnel of two words).  The terms whose source
 * is not all zero (h is zero below word n / 64 and from top up) are a run of
 * the terms in order of distance, whose ends only move up as the chunk moves
 * down.  y below bit n is then the remainder.  h must be zero below word n / 64 and from `top` up
 * (to top + nwords + 2), and y zero from 2 * nwords to top. */
SS_INLINE void reduce_chunked_body(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m)
{
    enum { K = GF2_CHUNK };
    const int bw = m->degree >> 6, nb = m->degree & 63;
    const uint64_t hmask = ~(uint64_t)0 << nb; /* bits of word bw at and above n */
    const int32_t *d = m->bydist;
    int lo = 0, hi = 0; /* the live terms: bw - K - w <= d >> 6 < top - w */
    for (int w = top - K; w >= 0; w -= K) {
        while (hi < m->nterms && (d[hi] >> 6) < top - w) hi++;
        while (lo < hi && (d[lo] >> 6) < bw - K - w) lo++;
        uint64_t acc[K];
        for (int j = 0; j < K; j++) acc[j] = y[w + j];
        for (int t = lo; t < hi; t++) {
            const uint64_t *src = h + w + (d[t] >> 6);
            const int s = d[t] & 63;
            if (s == 0) {
                for (int j = 0; j < K; j++) acc[j] ^= src[j];
            } else {
                for (int j = 0; j < K; j++) acc[j] ^= (src[j] >> s) | (src[j + 1] << (64 - s));
            }
        }
        for (int j = 0; j < K; j++) {
            y[w + j] = acc[j];
            if (w + j > bw) h[w + j] = acc[j];
            else if (w + j == bw) h[w + j] = acc[j] & hmask;
        }
    }
}

/* The chunked reduction's stores: y always, h only at and above bit n. */
SS_INLINE void store_chunk(uint64_t *y, uint64_t *h, int w, int bw, uint64_t hmask,
                           const uint64_t *acc)
{
    for (int j = 0; j < GF2_CHUNK; j++) {
        y[w + j] = acc[j];
        if (w + j > bw) h[w + j] = acc[j];
        else if (w + j == bw) h[w + j] = acc[j] & hmask;
    }
}

#if SS_HAVE_AVX512
/* reduce_chunked_body in AVX-512F: a chunk is one register; a term's source is a
 * register and the one a word above it, shifted into place (two shifts and one
 * three-way XOR).  About 2.3x faster than summing the terms of each bit
 * distance first and shifting once (the per-group bookkeeping cost more). */
SS_TARGET("avx512f")
static void reduce_chunked_avx512(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m)
{
    const int bw = m->degree >> 6, nb = m->degree & 63;
    const uint64_t hmask = ~(uint64_t)0 << nb;
    const int32_t *d = m->bydist;
    int lo = 0, hi = 0;
    for (int w = top - GF2_CHUNK; w >= 0; w -= GF2_CHUNK) {
        /* live: bw - GF2_CHUNK - w <= d >> 6 < top - w */
        while (hi < m->nterms && (d[hi] >> 6) < top - w) hi++;
        while (lo < hi && (d[lo] >> 6) < bw - GF2_CHUNK - w) lo++;
        __m512i acc = _mm512_loadu_si512(y + w), acc2 = _mm512_setzero_si512();
        for (int t = lo; t < hi; t++) {
            const uint64_t *src = h + w + (d[t] >> 6);
            const int s = d[t] & 63;
            const __m512i a = _mm512_loadu_si512(src);
            if (s == 0) {
                acc2 = _mm512_xor_si512(acc2, a);
                continue;
            }
            const __m512i next = _mm512_loadu_si512(src + 1);
            const __m512i lo_part = _mm512_srl_epi64(a, _mm_cvtsi32_si128(s));
            const __m512i hi_part = _mm512_sll_epi64(next, _mm_cvtsi32_si128(64 - s));
            acc = _mm512_ternarylogic_epi64(acc, lo_part, hi_part, 0x96); /* acc ^ lo ^ hi */
        }
        acc = _mm512_xor_si512(acc, acc2);
        if (w > bw) {
            _mm512_storeu_si512(y + w, acc);
            _mm512_storeu_si512(h + w, acc);
        } else {
            uint64_t words[GF2_CHUNK];
            _mm512_storeu_si512(words, acc);
            store_chunk(y, h, w, bw, hmask, words);
        }
    }
}
#endif

#if SS_HAVE_AVX2
/* The same in AVX2: a chunk is two registers. */
SS_TARGET("avx2")
static void reduce_chunked_avx2(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m)
{
    const int bw = m->degree >> 6, nb = m->degree & 63;
    const uint64_t hmask = ~(uint64_t)0 << nb;
    const int32_t *d = m->bydist;
    int lo = 0, hi = 0;
    for (int w = top - GF2_CHUNK; w >= 0; w -= GF2_CHUNK) {
        while (hi < m->nterms && (d[hi] >> 6) < top - w) hi++;
        while (lo < hi && (d[lo] >> 6) < bw - GF2_CHUNK - w) lo++;
        __m256i acc0 = _mm256_loadu_si256((const __m256i *)(y + w));
        __m256i acc1 = _mm256_loadu_si256((const __m256i *)(y + w + 4));
        for (int t = lo; t < hi; t++) {
            const uint64_t *p = h + w + (d[t] >> 6);
            const int s = d[t] & 63;
            const __m256i a0 = _mm256_loadu_si256((const __m256i *)p);
            const __m256i a1 = _mm256_loadu_si256((const __m256i *)(p + 4));
            if (s == 0) {
                acc0 = _mm256_xor_si256(acc0, a0);
                acc1 = _mm256_xor_si256(acc1, a1);
                continue;
            }
            const __m256i n0 = _mm256_loadu_si256((const __m256i *)(p + 1));
            const __m256i n1 = _mm256_loadu_si256((const __m256i *)(p + 5));
            const __m128i r = _mm_cvtsi32_si128(s), l = _mm_cvtsi32_si128(64 - s);
            acc0 = _mm256_xor_si256(acc0, _mm256_or_si256(_mm256_srl_epi64(a0, r),
                                                          _mm256_sll_epi64(n0, l)));
            acc1 = _mm256_xor_si256(acc1, _mm256_or_si256(_mm256_srl_epi64(a1, r),
                                                          _mm256_sll_epi64(n1, l)));
        }
        uint64_t words[GF2_CHUNK];
        _mm256_storeu_si256((__m256i *)words, acc0);
        _mm256_storeu_si256((__m256i *)(words + 4), acc1);
        store_chunk(y, h, w, bw, hmask, words);
    }
}
#endif

/* No limit on the block: the loop takes any k. */
static void reduce_chunked_portable(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m)
{
    reduce_chunked_body(y, h, top, m);
}
#define REDUCE_CHUNKED_portable reduce_chunked_portable
#define REDUCE_CHUNKED_avx2 reduce_chunked_avx2
#define REDUCE_CHUNKED_avx512 reduce_chunked_avx512
#define GF2_NO_BLOCK_LIMIT (1 << 30)

/* The body above, inlined into each build and compiled for its target. */
#define GF2_BUILD(suffix, attr)                                                                 \
    attr static void xor_terms_##suffix(uint64_t *t, const uint64_t *v, int k, int lo,          \
                                        const gf2_modulus_t *m)                                 \
    {                                                                                           \
        xor_terms_body(t, v, k, lo, m);                                                         \
    }                                                                                           \
    const gf2_loops_t gf2_loops_##suffix = {xor_terms_##suffix, GF2_NO_BLOCK_LIMIT,             \
                                            REDUCE_CHUNKED_##suffix, NULL};
SS_EACH_TARGET(GF2_BUILD)

#if SS_HAVE_AVX512VBMI2
/* The same for k <= 15: the shifted block is two 512-bit registers, and the
 * funnel shift (v[j] : v[j-1]) << s is one VPSHLDVQ. */
SS_TARGET("avx512f,avx512vbmi2")
static void xor_terms_vbmi2(uint64_t *t, const uint64_t *v, int k, int lo, const gf2_modulus_t *m)
{
    const __m512i zero = _mm512_setzero_si512();
    const __mmask8 lo_mask = (__mmask8)((k + 1 >= 8) ? 0xff : ((1u << (k + 1)) - 1));
    const __mmask8 hi_mask = (__mmask8)((k + 1 > 8) ? ((1u << (k + 1 - 8)) - 1) : 0);
    const __m512i v0 = _mm512_maskz_loadu_epi64(lo_mask, v);
    const __m512i v1 = _mm512_maskz_loadu_epi64(hi_mask, v + 8);
    const __m512i p0 = _mm512_alignr_epi64(v0, zero, 7); /* v[j - 1] */
    const __m512i p1 = _mm512_alignr_epi64(v1, v0, 7);
    for (int i = 0; i < m->nterms; i++) {
        int pos = lo - m->degree + m->psi[i];
        uint64_t *out = t + (pos >> 6);
        const __m512i s = _mm512_set1_epi64(pos & 63);
        __m512i a = _mm512_maskz_loadu_epi64(lo_mask, out);
        a = _mm512_xor_si512(a, _mm512_shldv_epi64(v0, p0, s));
        _mm512_mask_storeu_epi64(out, lo_mask, a);
        if (hi_mask) {
            __m512i b = _mm512_maskz_loadu_epi64(hi_mask, out + 8);
            b = _mm512_xor_si512(b, _mm512_shldv_epi64(v1, p1, s));
            _mm512_mask_storeu_epi64(out + 8, hi_mask, b);
        }
    }
}

/* reduce_chunked_avx512 with a term's funnel shift as one VPSHRDVQ (no case for
 * a whole-word distance), two accumulators taking alternate terms: 4.7 us a
 * reduction of a 39874-bit product here, against 5.6 us. */
SS_TARGET("avx512f,avx512vbmi2")
static void reduce_chunked_vbmi2(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m)
{
    const int bw = m->degree >> 6, nb = m->degree & 63;
    const uint64_t hmask = ~(uint64_t)0 << nb;
    const int32_t *d = m->bydist;
    int lo = 0, hi = 0;
    for (int w = top - GF2_CHUNK; w >= 0; w -= GF2_CHUNK) {
        /* live: bw - GF2_CHUNK - w <= d >> 6 < top - w */
        while (hi < m->nterms && (d[hi] >> 6) < top - w) hi++;
        while (lo < hi && (d[lo] >> 6) < bw - GF2_CHUNK - w) lo++;
        __m512i acc = _mm512_loadu_si512(y + w), acc2 = _mm512_setzero_si512();
        int t = lo;
        for (; t + 1 < hi; t += 2) {
            const uint64_t *s0 = h + w + (d[t] >> 6), *s1 = h + w + (d[t + 1] >> 6);
            acc = _mm512_xor_si512(acc, _mm512_shrdv_epi64(_mm512_loadu_si512(s0),
                                                           _mm512_loadu_si512(s0 + 1),
                                                           _mm512_set1_epi64(d[t] & 63)));
            acc2 = _mm512_xor_si512(acc2, _mm512_shrdv_epi64(_mm512_loadu_si512(s1),
                                                             _mm512_loadu_si512(s1 + 1),
                                                             _mm512_set1_epi64(d[t + 1] & 63)));
        }
        if (t < hi) {
            const uint64_t *s0 = h + w + (d[t] >> 6);
            acc = _mm512_xor_si512(acc, _mm512_shrdv_epi64(_mm512_loadu_si512(s0),
                                                           _mm512_loadu_si512(s0 + 1),
                                                           _mm512_set1_epi64(d[t] & 63)));
        }
        acc = _mm512_xor_si512(acc, acc2);
        if (w > bw) {
            _mm512_storeu_si512(y + w, acc);
            _mm512_storeu_si512(h + w, acc);
        } else {
            uint64_t words[GF2_CHUNK];
            _mm512_storeu_si512(words, acc);
            store_chunk(y, h, w, bw, hmask, words);
        }
    }
}

const gf2_loops_t gf2_loops_avx512vbmi2 = {xor_terms_vbmi2, 15 * 64, reduce_chunked_vbmi2, NULL};
#endif

/* ------------------------------------------------------------------------ */
/* Reduction, squaring, multiplication by x                                  */

/* Reduce t (tw words, any degree) modulo phi, in place.
 *
 * Bits at positions p >= n are replaced by x^(p-n) * (phi - x^n), whose highest
 * term lies at p - block_bits.  So the high part can be taken from the top in
 * blocks of at most block_bits bits: what one block adds lands strictly below
 * it, and each block is complete when it is reached.  t must have one word of
 * padding beyond tw; scratch holds >= 2 + tw words. */
SS_INLINE void reduce(uint64_t *t, int tw, const gf2_modulus_t *m, uint64_t *scratch,
                      const gf2_loops_t *loops)
{
    const int n = m->degree;
    const int block_bits =
        m->block_bits < loops->max_block_bits ? m->block_bits : loops->max_block_bits;
    const gf2_xor_terms_fn xor_terms = loops->xor_terms;
    uint64_t *v = scratch + 1; /* v[-1] must be readable */
    int hi = 64 * tw;
    while (hi > n) {
        int lo = hi - block_bits;
        if (lo < n) lo = n;
        /* word-align the block start (upwards: blocks may only shrink) */
        if (lo > n && (lo & 63) && ((lo + 63) & ~63) < hi) lo = (lo + 63) & ~63;
        int nbits = hi - lo;
        int k = (nbits + 63) / 64;
        /* extract bits [lo, hi) of t into v[0..k), clearing them in t */
        int w0 = lo >> 6, s0 = lo & 63;
        scratch[0] = 0;
        for (int j = 0; j <= k; j++) v[j] = 0;
        for (int j = 0; j < k; j++) {
            uint64_t a = t[w0 + j] >> s0;
            if (s0 && w0 + j + 1 < tw) a |= t[w0 + j + 1] << (64 - s0);
            v[j] = a;
        }
        if (nbits & 63) v[k - 1] &= (~(uint64_t)0) >> (64 - (nbits & 63));
        for (int p = lo; p < hi;) {
            int w = p >> 6, b = p & 63;
            int len = 64 - b;
            if (len > hi - p) len = hi - p;
            uint64_t mask = (len == 64) ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1) << b;
            t[w] &= ~mask;
            p += len;
        }
        xor_terms(t, v, k, lo, m);
        hi = lo;
    }
}

/* 16-bit -> 32-bit bit spreading, for squaring (a(x)^2 = a(x^2) over GF(2)). */
static uint32_t spread_table[256];

void gf2_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t r = 0;
        for (int i = 0; i < 8; i++) r |= ((b >> i) & 1u) << (2 * i);
        spread_table[b] = r;
    }
}

SS_INLINE uint64_t spread32(uint32_t x)
{
    return (uint64_t)spread_table[x & 255] | ((uint64_t)spread_table[(x >> 8) & 255] << 16) |
           ((uint64_t)spread_table[(x >> 16) & 255] << 32) |
           ((uint64_t)spread_table[x >> 24] << 48);
}

/* r = r^2 mod phi.  t: 2 * nwords + 1 words, scratch: 2 + 2 * nwords words; for the
 * chunked reduction t (from 2 * nwords up to the chunk-rounded top) and h are
 * zero on entry and stay so where gf2_xpow relies on it. */
SS_INLINE void sqr_mod(uint64_t *r, const gf2_modulus_t *m, uint64_t *t, uint64_t *scratch,
                       uint64_t *h, const gf2_loops_t *loops)
{
    const int nw = m->nwords;
    for (int i = 0; i < nw; i++) {
        t[2 * i] = spread32((uint32_t)r[i]);
        t[2 * i + 1] = spread32((uint32_t)(r[i] >> 32));
    }
    if (m->chunked) {
        const int top = (2 * nw + GF2_CHUNK - 1) / GF2_CHUNK * GF2_CHUNK;
        loops->reduce_chunked(t, h, top, m);
        memcpy(r, t, (size_t)nw * sizeof(uint64_t));
        if (m->degree & 63) r[nw - 1] &= ((uint64_t)1 << (m->degree & 63)) - 1;
        return;
    }
    reduce(t, 2 * nw, m, scratch, loops);
    memcpy(r, t, (size_t)nw * sizeof(uint64_t));
}

/* r = r * x mod phi */
SS_INLINE void mulx_mod(uint64_t *r, const gf2_modulus_t *m)
{
    const int nw = m->nwords, n = m->degree;
    uint64_t carry = 0;
    for (int i = 0; i < nw; i++) {
        uint64_t c = r[i] >> 63;
        r[i] = (r[i] << 1) | carry;
        carry = c;
    }
    /* bit n is set only if it was bit n - 1 before the shift */
    int w = n >> 6, b = n & 63;
    int top = (w < nw) ? (int)((r[w] >> b) & 1) : (int)carry;
    if (top) {
        if (w < nw) r[w] &= ~((uint64_t)1 << b);
        for (int i = 0; i < m->nterms; i++) r[m->psi[i] >> 6] ^= (uint64_t)1 << (m->psi[i] & 63);
    }
}

void gf2_xpow(uint64_t *r, const unsigned char *e, size_t nbytes, const gf2_modulus_t *m,
              uint64_t *work, const gf2_loops_t *loops)
{
    /* t: the square, to its chunk-rounded top (2 nwords + GF2_CHUNK words); scratch
     * (old reduction): 2 nwords + 2; h (chunked): t's top + nwords + 2. */
    const size_t nw = (size_t)m->nwords;
    uint64_t *t = work, *scratch = work + 2 * nw + GF2_CHUNK, *h = scratch;
    size_t i = 8 * nbytes; /* the bits of e still to take, from the top */
    while (i > 0 && !((e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1)) i--;
    /* Left to right.  The leading bits form a value v < degree: x^v is a monomial. */
    uint64_t v = 0;
    while (i > 0) {
        int bit = (e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1;
        if (((v << 1) | (uint64_t)bit) >= (uint64_t)m->degree) break;
        v = (v << 1) | (uint64_t)bit;
        i--;
    }
    r[v >> 6] = (uint64_t)1 << (v & 63);
    for (; i > 0; i--) {
        sqr_mod(r, m, t, scratch, h, loops);
        if ((e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1) mulx_mod(r, m);
    }
}

/* ------------------------------------------------------------------------ */
/* Carry-less multiplication                                                 */

#if SS_HAVE_AVX512CLMUL
#define SS_CLMUL_TARGET SS_TARGET("avx512f,avx512vbmi2,vpclmulqdq")

/* r[0..2n) = a * b for n <= GF2_MUL_BASE, n a multiple of 8, by columns: the
 * eight output words at 8K take sum_i a_i b[8K - i ..], two a_i at a time (one
 * 128-bit broadcast).  VPCLMULQDQ multiplies the low or high word of each
 * 128-bit lane of both: a_i b_even lands on the output words, a_i b_odd and
 * a_(i+1) b_even one word up, a_(i+1) b_odd two up; the three sums are aligned
 * at the end with the previous block's (VALIGNQ).  Throughput-bound on the
 * multiplies (about 0.26 us for 40 words here). */
SS_CLMUL_TARGET static void mul_base_clmul(uint64_t *r, const uint64_t *a_in, const uint64_t *b_in,
                                           int n)
{
    uint64_t a[GF2_MUL_BASE + 2], bpad[GF2_MUL_BASE + 16];
    memcpy(a, a_in, (size_t)n * 8);
    a[n] = a[n + 1] = 0;
    memset(bpad, 0, sizeof bpad);
    memcpy(bpad + 8, b_in, (size_t)n * 8);
    const uint64_t *b = bpad + 8; /* zero from b[-8] and up to b[n + 8) */
    __m512i p1 = _mm512_setzero_si512(), p2 = _mm512_setzero_si512();
    for (int K = 0; K < n / 4; K++) {
        __m512i e0 = _mm512_setzero_si512(), e1 = e0, e2 = e0;
        int ilo = 8 * K - n;
        if (ilo < 0) ilo = 0;
        ilo &= ~1;
        const int ihi = 8 * K + 8 < n ? 8 * K + 8 : n;
        for (int i = ilo; i < ihi; i += 2) {
            const __m512i A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(a + i)));
            const __m512i B = _mm512_loadu_si512(b + 8 * K - i);
            e0 = _mm512_xor_si512(e0, _mm512_clmulepi64_epi128(A, B, 0x00));
            e1 = _mm512_ternarylogic_epi64(e1, _mm512_clmulepi64_epi128(A, B, 0x10),
                                           _mm512_clmulepi64_epi128(A, B, 0x01), 0x96);
            e2 = _mm512_xor_si512(e2, _mm512_clmulepi64_epi128(A, B, 0x11));
        }
        __m512i out = _mm512_xor_si512(e0, _mm512_alignr_epi64(e1, p1, 7));
        out = _mm512_xor_si512(out, _mm512_alignr_epi64(e2, p2, 6));
        _mm512_storeu_si512(r + 8 * K, out);
        p1 = e1;
        p2 = e2;
    }
}

/* Karatsuba over GF(2): with X = x^(64 h), (a0 + X a1)(b0 + X b1) = a0 b0 +
 * X ((a0 + a1)(b0 + b1) + a0 b0 + a1 b1) + X^2 a1 b1.  312 words (padded to 320)
 * take 27 products of 40 words: about 7.5 us here, against 14 us by columns. */
SS_CLMUL_TARGET static void mul_clmul(uint64_t *r, const uint64_t *a, const uint64_t *b, int n,
                                      uint64_t *scratch)
{
    if (n <= GF2_MUL_BASE) {
        mul_base_clmul(r, a, b, n);
        return;
    }
    const int h = n / 2;
    uint64_t *sa = scratch, *sb = scratch + h, *mid = scratch + 2 * h;
    mul_clmul(r, a, b, h, scratch);
    mul_clmul(r + 2 * h, a + h, b + h, h, scratch);
    for (int i = 0; i < h; i++) {
        sa[i] = a[i] ^ a[i + h];
        sb[i] = b[i] ^ b[i + h];
    }
    mul_clmul(mid, sa, sb, h, scratch + 4 * h);
    for (int i = 0; i < 2 * h; i++) mid[i] ^= r[i] ^ r[2 * h + i];
    for (int i = 0; i < 2 * h; i++) r[h + i] ^= mid[i];
}

const gf2_loops_t gf2_loops_avx512clmul = {xor_terms_vbmi2, 15 * 64, reduce_chunked_vbmi2,
                                           mul_clmul};
#endif

/* ------------------------------------------------------------------------ */
/* The table of powers                                                       */

/* Where the work of a table goes (see GF2_POWERS_WORK_WORDS): t the product or
 * square (2 kn + GF2_CHUNK words), h the chunked reduction's (t's top + nwords
 * + 2 + GF2_CHUNK), the factors padded to kn, and the multiplication's 4 kn. */
typedef struct {
    uint64_t *t, *h, *a, *b, *mul;
} powers_work_t;

static powers_work_t powers_work(const gf2_powers_t *p)
{
    const size_t kn = (size_t)p->kn, nw = (size_t)p->m.nwords;
    powers_work_t w;
    w.t = p->work;
    w.h = w.t + 2 * kn + GF2_CHUNK;
    w.a = w.h + 2 * kn + nw + 2 * GF2_CHUNK + 8;
    w.b = w.a + kn;
    w.mul = w.b + kn;
    return w;
}

/* r = t[0..top) mod phi (t of degree < 2n, zero from 2 nwords to its top). */
static void reduce_product(uint64_t *r, const gf2_powers_t *p, const gf2_loops_t *loops)
{
    const gf2_modulus_t *m = &p->m;
    const powers_work_t w = powers_work(p);
    const int top = (2 * m->nwords + GF2_CHUNK - 1) / GF2_CHUNK * GF2_CHUNK;
    loops->reduce_chunked(w.t, w.h, top, m);
    memcpy(r, w.t, (size_t)m->nwords * 8);
    if (m->degree & 63) r[m->nwords - 1] &= ((uint64_t)1 << (m->degree & 63)) - 1;
}

/* r = a x^k mod phi, a reduced (or NULL: 1), k < n. */
static void shift_mod(uint64_t *r, const uint64_t *a, int k, const gf2_powers_t *p,
                      const gf2_loops_t *loops)
{
    const int nw = p->m.nwords, ws = k >> 6, bs = k & 63;
    const powers_work_t w = powers_work(p);
    memset(w.t, 0, (2 * (size_t)p->kn + GF2_CHUNK) * 8);
    if (!a) {
        w.t[ws] = (uint64_t)1 << bs;
    } else {
        for (int i = 0; i < nw; i++) {
            w.t[i + ws] ^= a[i] << bs;
            if (bs) w.t[i + ws + 1] ^= a[i] >> (64 - bs);
        }
    }
    reduce_product(r, p, loops);
}

/* r = a b mod phi (r may be a or b). */
static void mul_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, const gf2_powers_t *p,
                    const gf2_loops_t *loops)
{
    const size_t nw = (size_t)p->m.nwords, kn = (size_t)p->kn;
    const powers_work_t w = powers_work(p);
    memcpy(w.a, a, nw * 8);
    memset(w.a + nw, 0, (kn - nw) * 8);
    memcpy(w.b, b, nw * 8);
    memset(w.b + nw, 0, (kn - nw) * 8);
    loops->mul(w.t, w.a, w.b, p->kn, w.mul);
    reduce_product(r, p, loops);
}

int gf2_powers_init(gf2_powers_t *p, const gf2_modulus_t *m, uint64_t *entries,
                    unsigned char *ready, uint64_t *work)
{
    if (!m->chunked) return -1;
    p->m = *m;
    p->low = 0;
    while (((int64_t)2 << p->low) <= m->degree) p->low++;
    p->kn = GF2_MUL_BASE;
    while (p->kn < m->nwords) p->kn *= 2;
    p->entries = entries;
    p->ready = ready;
    p->work = work;
    return 0;
}

/* T[i][d] = x^(d 2^(low + 8 i)) mod phi, made now if it was not before: an even d
 * as the square of T[i][d / 2] (a squaring costs half a product), 1 as the square
 * of the previous window's 128 (x^(2^low) itself a shift), any other odd d as the
 * product of T[i][d - 1] and T[i][1]. */
static const uint64_t *pow_entry(gf2_powers_t *p, int i, unsigned d, const gf2_loops_t *loops)
{
    const size_t nw = (size_t)p->m.nwords;
    uint64_t *e = p->entries + ((size_t)i * 256 + d) * nw;
    if (p->ready[i * 256 + d]) return e;
    if (d == 1 && i == 0) {
        shift_mod(e, NULL, 1 << p->low, p, loops); /* x^(2^low), 2^low <= n */
    } else if (d & 1 && d > 1) {
        const uint64_t *even = pow_entry(p, i, d - 1, loops);
        mul_mod(e, even, pow_entry(p, i, 1, loops), p, loops);
    } else {
        const uint64_t *half = d == 1 ? pow_entry(p, i - 1, 1u << (GF2_POW_DIGIT - 1), loops)
                                      : pow_entry(p, i, d >> 1, loops);
        const powers_work_t w = powers_work(p);
        memcpy(e, half, nw * 8);
        sqr_mod(e, &p->m, w.t, w.h, w.h, loops);
    }
    p->ready[i * 256 + d] = 1;
    return e;
}

/* Bits [at, at + count) of e (count <= 32). */
static unsigned bits_of(const unsigned char *e, size_t nbytes, size_t at, int count)
{
    unsigned v = 0;
    for (int j = 0; j < count; j++) {
        const size_t bit = at + (size_t)j;
        if (bit < 8 * nbytes) v |= (unsigned)((e[bit >> 3] >> (bit & 7)) & 1) << j;
    }
    return v;
}

int gf2_xpow_powers(uint64_t *r, const unsigned char *e, size_t nbytes, gf2_powers_t *p,
                    const gf2_loops_t *loops)
{
    size_t bits = 8 * nbytes;
    while (bits > 0 && !((e[(bits - 1) >> 3] >> ((bits - 1) & 7)) & 1)) bits--;
    if (bits > (size_t)p->low + GF2_POW_DIGIT * GF2_POW_WINDOWS) return -1;
    const int nw = p->m.nwords;
    const int k = (int)bits_of(e, nbytes, 0, p->low); /* < 2^low <= n */
    int have = 0;
    for (int i = GF2_POW_WINDOWS - 1; i >= 0; i--) {
        const unsigned d = bits_of(e, nbytes, (size_t)p->low + GF2_POW_DIGIT * (size_t)i,
                                   GF2_POW_DIGIT);
        if (!d) continue;
        const uint64_t *f = pow_entry(p, i, d, loops);
        if (have) {
            mul_mod(r, r, f, p, loops);
        } else if (k) {
            shift_mod(r, f, k, p, loops);
        } else {
            memcpy(r, f, (size_t)nw * 8);
        }
        have = 1;
    }
    if (!have) {
        memset(r, 0, (size_t)nw * 8);
        r[k >> 6] = (uint64_t)1 << (k & 63);
    }
    return 0;
}
