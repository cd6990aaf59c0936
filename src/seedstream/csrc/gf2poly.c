/*
 * gf2poly.c -- x^e modulo a sparse polynomial over GF(2) (see gf2poly.h).
 *
 * The reduction's inner loop (xor_terms) is built once per path; everything
 * else is portable and calls it through a gf2_loops_t.
 */
#include "gf2poly.h"

#include <string.h>

int gf2_modulus_init(gf2_modulus_t *m, int n, const int32_t *given, int nterms, int32_t *psi)
{
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

/* No limit on the block: the loop takes any k. */
#define GF2_NO_BLOCK_LIMIT (1 << 30)

/* The body above, inlined into each build and compiled for its target. */
#define GF2_BUILD(suffix, attr)                                                                 \
    attr static void xor_terms_##suffix(uint64_t *t, const uint64_t *v, int k, int lo,          \
                                        const gf2_modulus_t *m)                                 \
    {                                                                                           \
        xor_terms_body(t, v, k, lo, m);                                                         \
    }                                                                                           \
    const gf2_loops_t gf2_loops_##suffix = {xor_terms_##suffix, GF2_NO_BLOCK_LIMIT};
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

const gf2_loops_t gf2_loops_avx512vbmi2 = {xor_terms_vbmi2, 15 * 64};
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

/* r = r^2 mod phi.  t: 2 * nwords + 1 words, scratch: 2 + 2 * nwords words. */
SS_INLINE void sqr_mod(uint64_t *r, const gf2_modulus_t *m, uint64_t *t, uint64_t *scratch,
                       const gf2_loops_t *loops)
{
    const int nw = m->nwords;
    for (int i = 0; i < nw; i++) {
        t[2 * i] = spread32((uint32_t)r[i]);
        t[2 * i + 1] = spread32((uint32_t)(r[i] >> 32));
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
    uint64_t *t = work, *scratch = work + 2 * m->nwords + 1;
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
        sqr_mod(r, m, t, scratch, loops);
        if ((e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1) mulx_mod(r, m);
    }
}
