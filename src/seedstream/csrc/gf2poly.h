/*
 * gf2poly.h -- x^e modulo a sparse polynomial over GF(2).
 *
 * Polynomials are little-endian arrays of 64-bit words: bit i of word w is the
 * coefficient of x^(64 w + i).  The modulus is phi = x^n + sum_k x^psi[k], given
 * by its exponents; the square-and-multiply here costs O(log e) squarings, each
 * a bit spread and a sparse reduction.  Where the CPU multiplies carry-less
 * (VPCLMULQDQ), a table of powers makes x^e a product of one factor per byte
 * of e instead (gf2_xpow_powers).  Plain C: no Python, no allocation.
 *
 * Reference: H. Haramoto, M. Matsumoto, T. Nishimura, F. Panneton, P. L'Ecuyer,
 * "Efficient Jump Ahead for F2-Linear Random Number Generators",
 * INFORMS Journal on Computing 20(3), 385-390, 2008.
 */
#ifndef SEEDSTREAM_GF2POLY_H
#define SEEDSTREAM_GF2POLY_H

#include <stddef.h>
#include <stdint.h>

#include "simd_paths.h"

/* Sparse modulus phi = x^n + sum_k x^psi[k] */
typedef struct {
    int degree;         /* n */
    int nterms;         /* number of lower terms psi[] */
    const int32_t *psi; /* exponents of the lower terms, each < n (the caller's) */
    int block_bits;     /* n - max(psi): bits that can be reduced in one sweep */
    int nwords;         /* words of a reduced polynomial: ceil(n / 64) */
    /* The chunked reduction (when block_bits >= 64 * GF2_CHUNK; see gf2poly.c). */
    int chunked;           /* 1 if it applies */
    const int32_t *bydist; /* the terms' distances n - psi, ascending (word: >> 6, bit: & 63) */
} gf2_modulus_t;

/* Words of output the chunked reduction makes at a time (one 512-bit vector). */
#define GF2_CHUNK 8

/* int32 storage gf2_modulus_init needs for `nterms` lower terms. */
#define GF2_MODULUS_STORAGE(nterms) (2 * ((size_t)(nterms) + 1))

/* Fill m for phi of degree n (1 <= n) whose lower exponents are given[0..nterms),
 * with GF2_MODULUS_STORAGE(nterms) int32 of the caller's storage (kept by m).
 * 0, or -1 if an exponent lies outside [0, n). */
int gf2_modulus_init(gf2_modulus_t *m, int n, const int32_t *given, int nterms, int32_t *storage);

/* One reduction block: v[0..k) holds bits [lo, lo + 64 k) of the polynomial,
 * already cleared from t; add v * x^(lo - n) * (phi - x^n) to t.  v[-1] and
 * v[k] are zero words, and t is padded so that a zero word may be XORed at
 * t[d + k]. */
typedef void (*gf2_xor_terms_fn)(uint64_t *t, const uint64_t *v, int k, int lo,
                                 const gf2_modulus_t *m);

/* The chunked reduction (see gf2poly.c): y[0..top) reduced in place from the top
 * down, h the words of y at and above bit n as they are made (zero elsewhere). */
typedef void (*gf2_reduce_chunked_fn)(uint64_t *y, uint64_t *h, int top, const gf2_modulus_t *m);

/* r[0..2n) = a[0..n) * b[0..n) (carry-less), n = GF2_MUL_BASE * 2^k; scratch: 4 n words. */
typedef void (*gf2_mul_fn)(uint64_t *r, const uint64_t *a, const uint64_t *b, int n,
                           uint64_t *scratch);

/* The reduction's hot loops as one path builds them. */
typedef struct {
    gf2_xor_terms_fn xor_terms;
    int max_block_bits; /* the longest block xor_terms takes */
    gf2_reduce_chunked_fn reduce_chunked;
    gf2_mul_fn mul; /* NULL on a path without a carry-less multiply: no table of powers */
} gf2_loops_t;

extern const gf2_loops_t gf2_loops_portable;
#if SS_HAVE_AVX2
extern const gf2_loops_t gf2_loops_avx2;
#endif
#if SS_HAVE_AVX512
extern const gf2_loops_t gf2_loops_avx512;
#endif
#if SS_HAVE_AVX512VBMI2
extern const gf2_loops_t gf2_loops_avx512vbmi2; /* VPSHLDVQ funnel shifts, blocks <= 15 words */
#endif
#if SS_HAVE_AVX512CLMUL
extern const gf2_loops_t gf2_loops_avx512clmul; /* and VPCLMULQDQ products (Karatsuba) */
#endif

/* Fill the bit-spreading table gf2_xpow squares with; once, before any gf2_xpow. */
void gf2_init(void);

/* Words of work space gf2_xpow needs for a modulus of `nwords` words. */
#define GF2_XPOW_WORK_WORDS(nwords) (8 * (size_t)(nwords) + 8 * GF2_CHUNK + 8)

/* r[0..m->nwords) = x^e mod phi, e given as nbytes little-endian bytes; r and
 * work (GF2_XPOW_WORK_WORDS(m->nwords) words) zeroed on entry. */
void gf2_xpow(uint64_t *r, const unsigned char *e, size_t nbytes, const gf2_modulus_t *m,
              uint64_t *work, const gf2_loops_t *loops);

/* ------------------------------------------------------------------------ */
/* A table of powers: x^e as a product of a few tabulated factors            */

/* The multiplication's smallest block (schoolbook below it, Karatsuba above). */
#define GF2_MUL_BASE 40
/* Bits of e per table window, and windows: e < 2^(low + 8 * 15) (low = 14 for
 * MT19937, so every e < 2^128). */
#define GF2_POW_DIGIT 8
#define GF2_POW_WINDOWS 15

/* x^e = x^(e mod 2^low) * prod_i T[i][digit i of e >> low], with T[i][d] =
 * x^(d 2^(low + 8 i)) mod phi, low the largest with 2^low <= n (so that the first
 * factor is a monomial, a shift).  An entry is made when first asked for (an
 * even d as the square of T[i][d / 2], an odd one as a product): a table holds
 * what the exponents so far needed, at most GF2_POW_WINDOWS * 255 entries of
 * nwords words (9.5 MB for MT19937; 4.5 MB for all e < 2^64).  The caller
 * allocates the storage (GF2_POWERS_*_WORDS, zeroed) and serialises the calls. */
typedef struct {
    gf2_modulus_t m;
    int low;
    int kn;             /* nwords rounded up to GF2_MUL_BASE * 2^k: the product's size */
    uint64_t *entries;  /* [GF2_POW_WINDOWS][256][nwords] */
    unsigned char *ready; /* [GF2_POW_WINDOWS][256]: 1 once the entry is made */
    uint64_t *work;     /* GF2_POWERS_WORK_WORDS */
} gf2_powers_t;

#define GF2_POWERS_ENTRY_WORDS(nwords) ((size_t)GF2_POW_WINDOWS * 256 * (size_t)(nwords))
/* (kn <= 2 nwords + GF2_MUL_BASE) */
#define GF2_POWERS_WORK_WORDS(nwords) (24 * (size_t)(nwords) + 12 * GF2_MUL_BASE + 8 * GF2_CHUNK + 8)

/* Set up p for modulus m (its storage kept by the caller) with the caller's
 * zeroed storage; 0, or -1 if the table does not apply (m not chunked). */
int gf2_powers_init(gf2_powers_t *p, const gf2_modulus_t *m, uint64_t *entries,
                    unsigned char *ready, uint64_t *work);

/* r[0..nwords) = x^e mod phi by the table (its missing entries made on the way),
 * e as nbytes little-endian bytes; loops->mul must be set.  0, or -1 if e is too
 * large for the table (r untouched: use gf2_xpow). */
int gf2_xpow_powers(uint64_t *r, const unsigned char *e, size_t nbytes, gf2_powers_t *p,
                    const gf2_loops_t *loops);

#endif /* SEEDSTREAM_GF2POLY_H */
