/*
 * bounded_ints.h -- numpy's bounded integers from a stream of 32-bit words.
 *
 * numpy draws integers in [off, off + rng] (random_bounded_uint{64,32,16,8}_fill
 * and random_bounded_bool_fill in numpy/random/src/distributions/distributions.c)
 * one candidate at a time from its bit generator:
 *
 *   64-bit    rng > 2^32 - 1: two words a candidate, the first the high half
 *             (MT19937's next_uint64); rng <= 2^32 - 1 in a 64-bit output: the
 *             32-bit draws below, widened;
 *   32-bit    one word a candidate;
 *   16, 8-bit the halves / bytes of one word, low first, from a buffer that lives
 *             for one numpy call (what is left of its last word is dropped);
 *   bool      the bits of one word, lowest first.
 *
 * A candidate is kept or rejected by masked rejection (RandomState: the candidate
 * ANDed with the smallest all-ones mask >= rng, kept when <= rng) or by Lemire's
 * method (Generator: the candidate times rng + 1 in twice the width, kept when the
 * low half is >= (2^w - rng - 1) mod (rng + 1), the value is the high half).  A full
 * range (rng = 2^w - 1) keeps every candidate, rng = 0 draws nothing: both as numpy.
 *
 * bi_fill() asks its word source for words in rounds, never more than the values
 * still wanted could use, so the source ends exactly where numpy's loop would.
 * Within a round the candidates are tested without branches and the kept values
 * written one after the other (a store at the write index, which advances only
 * when the candidate is kept).
 *
 * Reference: D. Lemire, "Fast random integer generation in an interval", ACM
 * TOMACS 29(1), 2019 (arXiv:1805.10941).
 */
#ifndef SEEDSTREAM_BOUNDED_INTS_H
#define SEEDSTREAM_BOUNDED_INTS_H

#include <stdint.h>

/* Fill dst[0..n) with the source's next n tempered words and advance it. */
typedef void (*bi_words_fn)(void *ctx, uint32_t *dst, uint64_t n);

typedef struct {
    int bits;     /* the candidate's width: 1 (bool), 8, 16, 32 or 64 */
    int lemire;   /* 0: masked rejection (RandomState), 1: Lemire's method (Generator) */
    int out_size; /* bytes a value: 1, 2, 4 or 8 (8 with 32-bit candidates: int64 outputs
                     of a range below 2^32) */
    uint64_t off; /* values are off + (kept candidate), wrapping in the output's width */
    uint64_t rng; /* 1 .. 2^bits - 1 (1 for bool) */
    int simd;     /* the widest loops to use: 0 portable, 1 AVX2, 2 AVX-512 (F, BW, DQ, VL),
                     as the word source's path; every choice gives the same values */
} bi_spec_t;

/* 0 if `s` is a combination bi_fill serves, else -1. */
int bi_check(const bi_spec_t *s);

/* Draw `cnt` values as numpy does into `out` (`cnt` * out_size bytes), or only
 * advance the source past them when `out` is NULL.  Returns the words used, or
 * UINT64_MAX if a scratch buffer could not be allocated (then nothing was drawn). */
uint64_t bi_fill(const bi_spec_t *s, void *out, uint64_t cnt, bi_words_fn words, void *ctx);

#endif /* SEEDSTREAM_BOUNDED_INTS_H */
