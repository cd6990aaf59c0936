/*
 * polar_scan.h -- counting the accepted attempts of numpy's legacy polar method.
 *
 * numpy's legacy_gauss (RandomState.standard_normal and the draws built on it)
 * draws two doubles u1, u2 per attempt, x = 2u - 1, and accepts the attempt when
 * 0 < x1*x1 + x2*x2 < 1.  Where a value starts in the stream is then a matter of
 * counting accepted attempts; these scans do that, over raw words already drawn
 * or over an MT19937 state they step themselves.  The arithmetic is numpy's, in
 * IEEE doubles without contraction (-ffp-contract=off in setup.py), so every
 * accept decision is the one numpy makes.  Plain C: no Python, no allocation.
 */
#ifndef SEEDSTREAM_POLAR_SCAN_H
#define SEEDSTREAM_POLAR_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "mt19937.h"
#include "simd_paths.h"

/* The scans' hot loops as one path builds them. */
typedef struct {
    /* out[0..624) = key[0..624) tempered: the outputs of one MT19937 block */
    void (*temper_block)(const uint32_t *key, uint32_t *out);
    /* flags[j] = whether attempt j, from words w[4 j .. 4 j + 4), is accepted,
     * j < k; returns how many are */
    long long (*polar_flags)(const uint32_t *restrict w, unsigned char *restrict flags, int k);
} polar_loops_t;

extern const polar_loops_t polar_loops_portable;
#if SS_HAVE_AVX2
extern const polar_loops_t polar_loops_avx2;
#endif
#if SS_HAVE_AVX512
extern const polar_loops_t polar_loops_avx512;
#endif

/* Over words already drawn: raw[0..n) is random_raw output (uint64 values; on
 * MT19937 each holds one 32-bit word and `mt` is true, two words a double;
 * otherwise one value a double).  Sets *accepted to the accepted attempts among
 * the whole ones in raw, and *index to the attempt number of the accepted
 * attempt number `want` (0-based), or -1 if there is none. */
void polar_scan(const uint64_t *raw, size_t n, int mt, long long want, long long *accepted,
                long long *index);

/* Work space of the MT19937 scans: the state stepped and a batch of its words. */
enum { POLAR_BATCH = 1024 };
typedef struct {
    uint32_t key[MT_N]; /* untempered, as numpy keeps it */
    uint32_t out[MT_N]; /* key tempered */
    int pos;            /* the next word is out[pos]; 624: make a new block first */
    uint32_t words[4 * POLAR_BATCH];
    unsigned char flags[POLAR_BATCH];
} polar_work_t;

/* polar_scan over the next 4 * attempts words of the MT19937 state (key, pos),
 * 0 <= pos <= 624, made here with numpy's recurrence and tempering (a new block
 * when pos reaches 624, as numpy's mt19937_next32) instead of read from an array. */
void polar_scan_mt19937(const uint32_t *key, int pos, long long attempts, long long want,
                        long long *accepted, long long *index, polar_work_t *work,
                        const polar_loops_t *loops);

/* flags[0..attempts): 1 for each accepted attempt of the same words, 0 otherwise. */
void polar_flags_mt19937(const uint32_t *key, int pos, long long attempts, unsigned char *flags,
                         polar_work_t *work, const polar_loops_t *loops);

#endif /* SEEDSTREAM_POLAR_SCAN_H */
