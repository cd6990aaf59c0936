/*
 * seedstream._mtfill -- numpy's MT19937 uniforms at memory speed.
 *
 * One job: from an MT19937 state as numpy keeps it (624 untempered words and
 * a position 0..624), fill a caller's buffer with the values numpy would draw
 * next and leave the state where numpy would leave it.  Three outputs:
 *
 *   float64  two words a, b per value: ((a >> 5) * 2^26 + (b >> 6)) / 2^53
 *            (numpy's mt19937_next_double: RandomState.random_sample and
 *            Generator(MT19937).random);
 *   float32  one word per value: (w >> 8) * 2^-24 (numpy's next_float:
 *            Generator(MT19937).random(dtype=np.float32));
 *   uint32   the tempered words themselves (MT19937.random_raw).
 *
 * numpy regenerates the whole block of 624 words when it needs a word at
 * position 624 and never earlier; so does this file, so the position left
 * behind (624 included) is numpy's.  fill() works on a caller's copy of the
 * key; fill_state() on numpy's own state struct, through the bit generator's
 * capsule, for about a microsecond a call.  Seeding, validation, the layout
 * check and the threads live in Python (seedstream._fill).
 *
 * Paths: portable C, AVX2 and AVX-512 (F, BW, DQ, VL), compiled side by side
 * with per-function target attributes and chosen once at import from the
 * CPU's features, or by the environment variable SEEDSTREAM_SIMD, or by
 * select_path().  Every path gives the same bits; tests force each in turn.
 *
 * Why the twist vectorises within one state: key[i] = key[i+397] ^ f(key[i],
 * key[i+1]).  For i >= 227 the word it reads, key[i-227], is already new and
 * 227 words back, so a vector of L <= 16 consecutive words never reads a word
 * it has not written yet.  Only the vector starting at word 224 straddles the
 * wrap (it needs old words 621..623 and new words 0..L-4) and the last one
 * needs the new key[0] as its "next" word: both are served by keeping copies
 * of the first 16 new words at buf[624..640).
 *
 * Reference: M. Matsumoto, T. Nishimura, "Mersenne Twister: a 623-dimensionally
 * equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1),
 * 3-30, 1998; numpy/random/src/mt19937/mt19937.{c,h}.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_BUF 640 /* the 624 words, then copies of the first 16 new words */

#include "csrc/legacy_normals.h"
#include "csrc/simd_paths.h"
#include <numpy/random/bitgen.h>
#include "csrc/numpy_mt19937.h" /* the state struct behind a capsule */
#define MF_HAVE_AVX2 SS_HAVE_AVX2
#define MF_HAVE_AVX512 SS_HAVE_AVX512

/* Outputs from this many bytes on are written with streaming stores: they
 * bypass the caches, which raises the write limit of a large fill but leaves
 * a small one out of cache.  Measured with benchmarks/bench_mtfill.py --sweep
 * (AVX-512, 2-core shared VM, 2 MiB L2): ordinary stores were faster up to
 * 2 MiB outputs (by 10-40 %), the two were level from 8 MiB on; the switch
 * sits between. */
#define MF_STREAM_BYTES ((Py_ssize_t)1 << 22)

enum { K_F64, K_F32, K_U32 };

/* Where the values go.  A float64 straddles two words, possibly two blocks:
 * its tempered first word waits in `half`. */
typedef struct {
    int kind;
    char *p; /* the next output byte */
    int have_half;
    uint32_t half;
} mf_out_t;

#define MF_INLINE static inline __attribute__((always_inline))

MF_INLINE uint32_t mf_temper(uint32_t y)
{
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

/* One tempered word into the output, exactly as numpy converts it. */
MF_INLINE void mf_scalar_word(mf_out_t *o, uint32_t w)
{
    if (o->kind == K_F64) {
        if (o->have_half) {
            double d = ((o->half >> 5) * 67108864.0 + (w >> 6)) / 9007199254740992.0;
            memcpy(o->p, &d, sizeof d);
            o->p += sizeof d;
            o->have_half = 0;
        } else {
            o->half = w;
            o->have_half = 1;
        }
    } else if (o->kind == K_F32) {
        float f = (w >> 8) * (1.0f / 16777216.0f);
        memcpy(o->p, &f, sizeof f);
        o->p += sizeof f;
    } else {
        memcpy(o->p, &w, sizeof w);
        o->p += sizeof w;
    }
}

/* ------------------------------------------------------------------------ */
/* Portable C: numpy's own loops.                                            */

MF_INLINE uint32_t mf_twist_word(uint32_t x, uint32_t next, uint32_t m)
{
    uint32_t y = (x & MT_UPPER) | (next & MT_LOWER);
    return m ^ (y >> 1) ^ ((uint32_t)(-(int32_t)(y & 1u)) & MT_MATRIX_A);
}

static void twist_portable(uint32_t *key)
{
    int i = 0;
    for (; i < MT_N - MT_M; i++) key[i] = mf_twist_word(key[i], key[i + 1], key[i + MT_M]);
    for (; i < MT_N - 1; i++) key[i] = mf_twist_word(key[i], key[i + 1], key[i + MT_M - MT_N]);
    key[MT_N - 1] = mf_twist_word(key[MT_N - 1], key[0], key[MT_M - 1]);
}

/* The tempered words src[0..n) into the output, a loop per output type. */
static void emit_portable(const uint32_t *src, uint64_t n, mf_out_t *o)
{
    uint64_t i = 0;
    if (o->kind == K_F64) {
        if (o->have_half && n) mf_scalar_word(o, mf_temper(src[i++]));
        for (; i + 1 < n; i += 2) {
            uint32_t a = mf_temper(src[i]), b = mf_temper(src[i + 1]);
            double d = ((a >> 5) * 67108864.0 + (b >> 6)) / 9007199254740992.0;
            memcpy(o->p, &d, sizeof d);
            o->p += sizeof d;
        }
    } else if (o->kind == K_F32) {
        for (; i < n; i++) {
            float f = (mf_temper(src[i]) >> 8) * (1.0f / 16777216.0f);
            memcpy(o->p, &f, sizeof f);
            o->p += sizeof f;
        }
    }
    for (; i < n; i++) mf_scalar_word(o, mf_temper(src[i]));
}

/* Every path has this shape: the words left in the block, then block after
 * block; a block is regenerated only when a word of it is needed. */
static int fill_portable(uint32_t *buf, int pos, mf_out_t *out, uint64_t nwords, int nt)
{
    mf_out_t local = *out, *o = &local;
    for (;;) {
        uint64_t take = (uint64_t)(MT_N - pos) < nwords ? (uint64_t)(MT_N - pos) : nwords;
        emit_portable(buf + pos, take, o);
        pos += (int)take;
        nwords -= take;
        if (!nwords) break;
        twist_portable(buf);
        pos = 0;
    }
    *out = local;
    return pos;
}

/* ------------------------------------------------------------------------ */
/* AVX2: 8 words a vector.                                                   */

#if MF_HAVE_AVX2
#define MF_T256 __attribute__((target("avx2")))
#define MF_I256 static inline __attribute__((always_inline, target("avx2")))

MF_I256 __m256i step256(__m256i x, __m256i next, __m256i m)
{
    const __m256i upper = _mm256_set1_epi32((int)MT_UPPER);
    __m256i y = _mm256_or_si256(_mm256_and_si256(x, upper), _mm256_andnot_si256(upper, next));
    __m256i odd = _mm256_srai_epi32(_mm256_slli_epi32(y, 31), 31);
    __m256i mag = _mm256_and_si256(odd, _mm256_set1_epi32((int)MT_MATRIX_A));
    return _mm256_xor_si256(_mm256_xor_si256(m, _mm256_srli_epi32(y, 1)), mag);
}

MF_T256 static void twist_avx2(uint32_t *buf)
{
#define LD(i) _mm256_load_si256((const __m256i *)(buf + (i)))
#define LU(i) _mm256_loadu_si256((const __m256i *)(buf + (i)))
    __m256i v = step256(LD(0), LU(1), LU(MT_M));
    _mm256_store_si256((__m256i *)buf, v);
    _mm256_store_si256((__m256i *)(buf + MT_N), v);
    for (int i = 8; i <= 224; i += 8)
        _mm256_store_si256((__m256i *)(buf + i), step256(LD(i), LU(i + 1), LU(i + MT_M)));
    for (int i = 232; i < MT_N; i += 8)
        _mm256_store_si256((__m256i *)(buf + i), step256(LD(i), LU(i + 1), LU(i + MT_M - MT_N)));
#undef LD
#undef LU
}

MF_I256 __m256i temper256(__m256i y)
{
    y = _mm256_xor_si256(y, _mm256_srli_epi32(y, 11));
    y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 7),
                                             _mm256_set1_epi32((int)0x9d2c5680u)));
    y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 15),
                                             _mm256_set1_epi32((int)0xefc60000u)));
    return _mm256_xor_si256(y, _mm256_srli_epi32(y, 18));
}

/* Four doubles from four word pairs (first word in the low half of each
 * 64-bit lane).  Without AVX-512DQ there is no int64 -> double convert, so
 * each half is placed in a mantissa: 1 + (a>>5) 2^-27 and 2^-27 + (b>>6) 2^-53;
 * subtracting the constants and adding is exact, so the sum is numpy's value. */
MF_I256 __m256i f64_256(__m256i w)
{
    __m256i hi = _mm256_or_si256(
        _mm256_and_si256(_mm256_slli_epi64(w, 20), _mm256_set1_epi64x(0x000FFFFFFE000000LL)),
        _mm256_set1_epi64x(0x3FF0000000000000LL));
    __m256i lo = _mm256_or_si256(
        _mm256_and_si256(_mm256_srli_epi64(w, 12), _mm256_set1_epi64x(0x000FFFFFFC000000LL)),
        _mm256_set1_epi64x(0x3E40000000000000LL));
    __m256d d = _mm256_add_pd(_mm256_sub_pd(_mm256_castsi256_pd(hi), _mm256_set1_pd(1.0)),
                              _mm256_sub_pd(_mm256_castsi256_pd(lo), _mm256_set1_pd(0x1p-27)));
    return _mm256_castpd_si256(d);
}

MF_I256 __m256i f32_256(__m256i w)
{
    __m256 f = _mm256_cvtepi32_ps(_mm256_srli_epi32(w, 8));
    return _mm256_castps_si256(_mm256_mul_ps(f, _mm256_set1_ps(1.0f / 16777216.0f)));
}

/* Streaming stores need aligned destinations, and numpy's arrays are only
 * 16-byte aligned.  So each vector is rotated in registers by the output's
 * misalignment d (in 32-bit lanes): its first 8 - d lanes complete the
 * current aligned line, its last d lanes are carried into the next one.  The
 * first and last partial lines use masked ordinary stores, which never touch
 * the bytes outside the caller's buffer. */
typedef struct {
    uintptr_t line;
    __m256i carry, idx, low;
    int started, d, nt;
} w256_t;

MF_I256 void w256_put(w256_t *w, mf_out_t *o, __m256i v)
{
    if (!w->nt) {
        _mm256_storeu_si256((__m256i *)o->p, v);
    } else if (!w->started) {
        w->d = (int)(((uintptr_t)o->p & 31) >> 2);
        __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        w->idx = _mm256_and_si256(_mm256_sub_epi32(iota, _mm256_set1_epi32(w->d)),
                                  _mm256_set1_epi32(7));
        w->low = _mm256_cmpgt_epi32(_mm256_set1_epi32(w->d), iota);
        w->line = (uintptr_t)o->p - 4u * (uintptr_t)w->d;
        __m256i rot = _mm256_permutevar8x32_epi32(v, w->idx);
        _mm256_maskstore_epi32((int *)w->line, _mm256_xor_si256(w->low, _mm256_set1_epi32(-1)),
                               rot);
        w->carry = rot;
        w->started = 1;
        w->line += 32;
    } else {
        __m256i rot = _mm256_permutevar8x32_epi32(v, w->idx);
        _mm256_stream_si256((__m256i *)w->line, _mm256_blendv_epi8(rot, w->carry, w->low));
        w->carry = rot;
        w->line += 32;
    }
    o->p += 32;
}

MF_I256 void w256_flush(w256_t *w)
{
    if (w->started && w->d) _mm256_maskstore_epi32((int *)w->line, w->low, w->carry);
    w->started = 0;
}

/* The tempered words src[0..n) into the output. */
MF_I256 void emit256(const uint32_t *src, uint64_t n, mf_out_t *o, w256_t *w)
{
    uint64_t nv = n / 8, i;
#define LU(k) _mm256_loadu_si256((const __m256i *)(src + 8 * (k)))
    if (o->kind == K_F64 && !o->have_half) {
        for (i = 0; i < nv; i++) w256_put(w, o, f64_256(temper256(LU(i))));
    } else if (o->kind == K_F64 && nv) {
        /* Odd word position: each double takes the last word of one vector
         * and the first of the next; shift by one lane across the carry. */
        const __m256i back = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
        __m256i prev = _mm256_set1_epi32((int)o->half);
        for (i = 0; i < nv; i++) {
            __m256i cur = _mm256_permutevar8x32_epi32(temper256(LU(i)), back);
            w256_put(w, o, f64_256(_mm256_blend_epi32(cur, prev, 0x01)));
            prev = cur;
        }
        o->half = (uint32_t)_mm256_cvtsi256_si32(prev);
    } else if (o->kind == K_F32) {
        for (i = 0; i < nv; i++) w256_put(w, o, f32_256(temper256(LU(i))));
    } else if (o->kind == K_U32) {
        for (i = 0; i < nv; i++) w256_put(w, o, temper256(LU(i)));
    }
#undef LU
    if (n % 8) {
        w256_flush(w);
        for (i = nv * 8; i < n; i++) mf_scalar_word(o, mf_temper(src[i]));
    }
}

MF_T256 static int fill_avx2(uint32_t *buf, int pos, mf_out_t *out, uint64_t nwords, int nt)
{
    mf_out_t local = *out, *o = &local;
    w256_t w;
    memset(&w, 0, sizeof w);
    w.nt = nt;
    for (;;) {
        uint64_t take = (uint64_t)(MT_N - pos) < nwords ? (uint64_t)(MT_N - pos) : nwords;
        emit256(buf + pos, take, o, &w);
        pos += (int)take;
        nwords -= take;
        if (!nwords) break;
        twist_avx2(buf);
        pos = 0;
    }
    w256_flush(&w);
    if (nt) _mm_sfence();
    *out = local;
    return pos;
}
#endif /* MF_HAVE_AVX2 */

/* ------------------------------------------------------------------------ */
/* AVX-512 (F, BW, DQ, VL): 16 words a vector.                               */

#if MF_HAVE_AVX512
#define MF_TARGET512 "avx512f,avx512bw,avx512dq,avx512vl"
#define MF_T512 __attribute__((target(MF_TARGET512)))
#define MF_I512 static inline __attribute__((always_inline, target(MF_TARGET512)))

/* Ternary-logic immediates (a, b, c -> result bits of 0xF0, 0xCC, 0xAA). */
#define TL_SELECT 0xCA    /* a ? b : c, bitwise */
#define TL_XOR_AND 0x78   /* a ^ (b & c) */
#define TL_AND_OR 0xEC    /* (a & c) | b */

MF_I512 __m512i step512(__m512i x, __m512i next, __m512i m)
{
    __m512i y = _mm512_ternarylogic_epi32(_mm512_set1_epi32((int)MT_UPPER), x, next, TL_SELECT);
    __m512i t = _mm512_xor_si512(m, _mm512_srli_epi32(y, 1));
    __mmask16 odd = _mm512_test_epi32_mask(y, _mm512_set1_epi32(1));
    return _mm512_mask_xor_epi32(t, odd, t, _mm512_set1_epi32((int)MT_MATRIX_A));
}

MF_T512 static void twist_avx512(uint32_t *buf)
{
#define LD(i) _mm512_load_si512((const void *)(buf + (i)))
#define LU(i) _mm512_loadu_si512((const void *)(buf + (i)))
    __m512i v = step512(LD(0), LU(1), LU(MT_M));
    _mm512_store_si512((void *)buf, v);
    _mm512_store_si512((void *)(buf + MT_N), v);
    for (int i = 16; i <= 224; i += 16)
        _mm512_store_si512((void *)(buf + i), step512(LD(i), LU(i + 1), LU(i + MT_M)));
    for (int i = 240; i < MT_N; i += 16)
        _mm512_store_si512((void *)(buf + i), step512(LD(i), LU(i + 1), LU(i + MT_M - MT_N)));
#undef LD
#undef LU
}

MF_I512 __m512i temper512(__m512i y)
{
    y = _mm512_xor_si512(y, _mm512_srli_epi32(y, 11));
    y = _mm512_ternarylogic_epi32(y, _mm512_slli_epi32(y, 7), _mm512_set1_epi32((int)0x9d2c5680u),
                                  TL_XOR_AND);
    y = _mm512_ternarylogic_epi32(y, _mm512_slli_epi32(y, 15),
                                  _mm512_set1_epi32((int)0xefc60000u), TL_XOR_AND);
    return _mm512_xor_si512(y, _mm512_srli_epi32(y, 18));
}

/* Eight doubles from eight word pairs: ((a >> 5) << 26 | (b >> 6)) is below
 * 2^53, so the int64 -> double convert is exact and the scaling by 2^-53 is
 * too: the same value as numpy's (a * 2^26 + b) / 2^53. */
MF_I512 __m512i f64_512(__m512i w)
{
    __m512i x = _mm512_ternarylogic_epi64(_mm512_slli_epi64(w, 21), _mm512_srli_epi64(w, 38),
                                          _mm512_set1_epi64(0x001FFFFFFC000000LL), TL_AND_OR);
    __m512d d = _mm512_mul_pd(_mm512_cvtepi64_pd(x), _mm512_set1_pd(0x1p-53));
    return _mm512_castpd_si512(d);
}

MF_I512 __m512i f32_512(__m512i w)
{
    __m512 f = _mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8));
    return _mm512_castps_si512(_mm512_mul_ps(f, _mm512_set1_ps(1.0f / 16777216.0f)));
}

/* As w256_t: rotate by the misalignment in registers, stream whole lines. */
typedef struct {
    uintptr_t line;
    __m512i carry, idx;
    __mmask16 low;
    int started, nt;
} w512_t;

MF_I512 void w512_put(w512_t *w, mf_out_t *o, __m512i v)
{
    if (!w->nt) {
        _mm512_storeu_si512((void *)o->p, v);
    } else if (!w->started) {
        unsigned d = (unsigned)(((uintptr_t)o->p & 63) >> 2);
        __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        w->idx = _mm512_and_si512(_mm512_sub_epi32(iota, _mm512_set1_epi32((int)d)),
                                  _mm512_set1_epi32(15));
        w->low = (__mmask16)((1u << d) - 1u);
        w->line = (uintptr_t)o->p - 4u * (uintptr_t)d;
        __m512i rot = _mm512_permutexvar_epi32(w->idx, v);
        _mm512_mask_store_epi32((void *)w->line, (__mmask16)~w->low, rot);
        w->carry = rot;
        w->started = 1;
        w->line += 64;
    } else {
        __m512i rot = _mm512_permutexvar_epi32(w->idx, v);
        _mm512_stream_si512((void *)w->line, _mm512_mask_blend_epi32(w->low, rot, w->carry));
        w->carry = rot;
        w->line += 64;
    }
    o->p += 64;
}

MF_I512 void w512_flush(w512_t *w)
{
    if (w->started && w->low) _mm512_mask_store_epi32((void *)w->line, w->low, w->carry);
    w->started = 0;
}

MF_I512 void emit512(const uint32_t *src, uint64_t n, mf_out_t *o, w512_t *w)
{
    uint64_t nv = n / 16, i;
#define LU(k) _mm512_loadu_si512((const void *)(src + 16 * (k)))
    if (o->kind == K_F64 && !o->have_half) {
        for (i = 0; i < nv; i++) w512_put(w, o, f64_512(temper512(LU(i))));
    } else if (o->kind == K_F64 && nv) {
        /* Odd word position: lane 15 of one vector pairs with lane 0 of the next. */
        __m512i prev = _mm512_set1_epi32((int)o->half);
        for (i = 0; i < nv; i++) {
            __m512i cur = temper512(LU(i));
            w512_put(w, o, f64_512(_mm512_alignr_epi32(cur, prev, 15)));
            prev = cur;
        }
        o->half = (uint32_t)_mm_extract_epi32(_mm512_extracti32x4_epi32(prev, 3), 3);
    } else if (o->kind == K_F32) {
        for (i = 0; i < nv; i++) w512_put(w, o, f32_512(temper512(LU(i))));
    } else if (o->kind == K_U32) {
        for (i = 0; i < nv; i++) w512_put(w, o, temper512(LU(i)));
    }
#undef LU
    if (n % 16) {
        w512_flush(w);
        for (i = nv * 16; i < n; i++) mf_scalar_word(o, mf_temper(src[i]));
    }
}

MF_T512 static int fill_avx512(uint32_t *buf, int pos, mf_out_t *out, uint64_t nwords, int nt)
{
    mf_out_t local = *out, *o = &local;
    w512_t w;
    memset(&w, 0, sizeof w);
    w.nt = nt;
    for (;;) {
        uint64_t take = (uint64_t)(MT_N - pos) < nwords ? (uint64_t)(MT_N - pos) : nwords;
        emit512(buf + pos, take, o, &w);
        pos += (int)take;
        nwords -= take;
        if (!nwords) break;
        twist_avx512(buf);
        pos = 0;
    }
    w512_flush(&w);
    if (nt) _mm_sfence();
    *out = local;
    return pos;
}
#endif /* MF_HAVE_AVX512 */

/* ------------------------------------------------------------------------ */
/* Path selection                                                            */

typedef int (*fill_fn)(uint32_t *buf, int pos, mf_out_t *o, uint64_t nwords, int nt);

typedef struct {
    ss_path_head_t head;
    fill_fn fill;
} mf_path_t;

static const mf_path_t mf_paths[] = {
    {{"portable", ss_runs_anywhere}, fill_portable},
#if MF_HAVE_AVX2
    {{"avx2", ss_runs_avx2}, fill_avx2},
#endif
#if MF_HAVE_AVX512
    {{"avx512", ss_runs_avx512bwdqvl}, fill_avx512},
#endif
};
static const char *const mf_path_names[] = {"portable", "avx2", "avx512"};
static const ss_path_table_t mf_table = SS_PATH_TABLE(mf_paths, mf_path_names);
static const mf_path_t *mf_path = &mf_paths[0];

/* 'avx512vbmi2' and 'avx512clmul' are names seedstream._kernel knows; this file has
 * no such variants, so on a CPU with their instructions they mean the AVX-512 path.
 * 1 if this CPU runs the one named, 0 if not, -1 if this build does not have it. */
static int runs_kernel_path(const char *name)
{
    if (strcmp(name, "avx512vbmi2") == 0) {
#if SS_HAVE_AVX512VBMI2
        return ss_runs_avx512vbmi2() && ss_runs_avx512bwdqvl();
#else
        return -1;
#endif
    }
#if SS_HAVE_AVX512CLMUL
    return ss_runs_avx512clmul() && ss_runs_avx512bwdqvl();
#else
    return -1;
#endif
}

static int set_path(const char *name, const char *what)
{
    if (strcmp(name, "avx512vbmi2") == 0 || strcmp(name, "avx512clmul") == 0) {
        const int runs = runs_kernel_path(name);
        if (runs < 0) {
            PyErr_Format(PyExc_ValueError,
                         "%s%s: this build of seedstream has no such path (its compiler could "
                         "not make it); rebuild with a newer compiler or choose another",
                         what, name);
            return -1;
        }
        if (!runs) {
            ss_cannot_run(&mf_table, name, what);
            return -1;
        }
        name = "avx512";
    }
    const mf_path_t *p = ss_find_path(&mf_table, name, what);
    if (!p) return -1;
    mf_path = p;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Python bindings                                                           */

/* The output kind from a buffer's struct format: native float64, float32 or
 * uint32 only, so that no other dtype is ever filled with these bits. */
static int kind_of(const Py_buffer *b)
{
    const char *f = b->format ? b->format : "B";
    if (*f == '@' || *f == '=' || *f == (PY_LITTLE_ENDIAN ? '<' : '>')) f++;
    if (f[1] != '\0') return -1;
    if (*f == 'd' && b->itemsize == 8) return K_F64;
    if (*f == 'f' && b->itemsize == 4) return K_F32;
    if ((*f == 'I' || *f == 'L') && b->itemsize == 4) return K_U32;
    return -1;
}

/* Fill the buffer `out` from the state (key, pos), updating key in place; the
 * new position, or -1 with an exception set.  A fill that twists works on an
 * aligned copy of the key (the vector twists need 64-byte lines and 16 spare
 * words), with the GIL released. */
static int fill_from(uint32_t *key, int pos, PyObject *out_obj, PyObject *stream)
{
    Py_buffer out;
    if (pos < 0 || pos > MT_N) {
        PyErr_Format(PyExc_ValueError, "pos must be in 0..624, not %d", pos);
        return -1;
    }
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_ND) < 0)
        return -1;
    int newpos = -1, kind = kind_of(&out);
    if (kind < 0) {
        PyErr_Format(PyExc_TypeError,
                     "out must hold native float64, float32 or uint32, not format '%s'",
                     out.format ? out.format : "B");
    } else if (!PyBuffer_IsContiguous(&out, 'C')) {
        PyErr_SetString(PyExc_ValueError, "out must be C-contiguous");
    } else {
        int nt = stream == Py_None ? out.len >= MF_STREAM_BYTES : PyObject_IsTrue(stream);
        if (nt >= 0) {
            /* Streaming lines are built from 32-bit lanes. */
            if ((uintptr_t)out.buf % 4) nt = 0;
            uint64_t nwords = (uint64_t)(out.len / out.itemsize) * (kind == K_F64 ? 2u : 1u);
            mf_out_t o = {kind, (char *)out.buf, 0, 0};
            if (nwords <= (uint64_t)(MT_N - pos)) {
                /* No twist: the words are read (unaligned loads) where they are, and
                 * the GIL is kept, for these few-microsecond calls. */
                newpos = mf_path->fill(key, pos, &o, nwords, nt);
            } else {
                Py_BEGIN_ALLOW_THREADS
                uint32_t buf[MT_BUF] __attribute__((aligned(64)));
                memcpy(buf, key, MT_N * 4);
                newpos = mf_path->fill(buf, pos, &o, nwords, nt);
                memcpy(key, buf, MT_N * 4);
                Py_END_ALLOW_THREADS
            }
        }
    }
    PyBuffer_Release(&out);
    return newpos;
}

PyDoc_STRVAR(fill_doc,
"fill(key, pos, out, stream=None) -> int\n\n"
"Fill `out` with the values an MT19937 at (key, pos) gives next, as numpy\n"
"draws them, and advance the state as numpy does.  `key` is a writable buffer\n"
"of 624 uint32 words (numpy's untempered state, updated in place), `pos` its\n"
"position 0..624; the new position is returned.  `out` is a writable\n"
"C-contiguous buffer of native float64 (two words a value, random_sample),\n"
"float32 (one word, Generator.random(dtype=float32)) or uint32 (the raw\n"
"words).  `stream`: True or False forces streaming (non-temporal) stores,\n"
"None chooses them for outputs of 4 MiB and more.  The GIL is released\n"
"unless the words left in numpy's current block of 624 suffice.");

static PyObject *py_fill(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"key", "pos", "out", "stream", NULL};
    Py_buffer key;
    int pos;
    PyObject *out_obj, *stream = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "w*iO|O:fill", kwlist, &key, &pos, &out_obj,
                                     &stream))
        return NULL;
    PyObject *result = NULL;
    if (key.len != MT_N * 4 || !PyBuffer_IsContiguous(&key, 'C')) {
        PyErr_SetString(PyExc_ValueError, "key must be 624 contiguous uint32 words (2496 bytes)");
    } else {
        int newpos = fill_from((uint32_t *)key.buf, pos, out_obj, stream);
        if (newpos >= 0) result = PyLong_FromLong(newpos);
    }
    PyBuffer_Release(&key);
    return result;
}

PyDoc_STRVAR(fill_state_doc,
"fill_state(capsule, out, stream=None) -> int\n\n"
"fill() on numpy's own MT19937 state, in place: `capsule` is an\n"
"numpy.random.MT19937's `capsule` (and only an MT19937's: its state struct is\n"
"taken to be numpy's mt19937_state, which the caller checks).  The state's\n"
"key and position are advanced as numpy's draw would; the new position is\n"
"returned.  Hold the bit generator's lock: the GIL may be released.");

static PyObject *py_fill_state(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capsule", "out", "stream", NULL};
    PyObject *capsule, *out_obj, *stream = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:fill_state", kwlist, &capsule, &out_obj,
                                     &stream))
        return NULL;
    mt19937_state_t *st = state_of(capsule);
    if (!st) return NULL;
    int newpos = fill_from(st->key, st->pos, out_obj, stream);
    if (newpos < 0) return NULL;
    st->pos = newpos;
    return PyLong_FromLong(newpos);
}

PyDoc_STRVAR(state_address_doc,
"state_address(capsule) -> int\n\n"
"The address of the state a numpy bit generator's `capsule` points at (for\n"
"MT19937, the one its ctypes.state_address gives): how seedstream._fill\n"
"checks that fill_state reads the struct it checked.");

static PyObject *py_state_address(PyObject *self, PyObject *capsule)
{
    mt19937_state_t *st = state_of(capsule);
    return st ? PyLong_FromVoidPtr(st) : NULL;
}

/* ------------------------------------------------------------------------ */
/* RandomState's normals and exponentials (arithmetic in csrc/legacy_normals.c) */

/* A writable C-contiguous native float64 buffer, or -1 with an exception set. */
static int get_f64(PyObject *obj, Py_buffer *b, const char *name)
{
    if (PyObject_GetBuffer(obj, b, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_ND) < 0) return -1;
    if (kind_of(b) != K_F64 || !PyBuffer_IsContiguous(b, 'C')) {
        PyErr_Format(PyExc_TypeError, "%s must be a writable C-contiguous native float64 array",
                     name);
        PyBuffer_Release(b);
        return -1;
    }
    return 0;
}

/* Uniforms are drawn a block at a time into the stack, in cache. */
#define MF_POLAR_BLOCK 2048 /* doubles: 1024 attempts, 16 KiB */

PyDoc_STRVAR(polar_fill_state_doc,
"polar_fill_state(capsule, out) -> int\n\n"
"The next len(out) // 2 accepted attempts of numpy's legacy polar method\n"
"(RandomState.standard_normal) from the MT19937 whose `capsule` is given, as\n"
"(x2, x1) pairs into `out` (float64, even length), the state advanced past the\n"
"last accepted attempt's words exactly as numpy's loop leaves it.  Finish the\n"
"pairs with polar_finish.  Only 2 doubles are drawn for each attempt still\n"
"needed, so nothing is drawn beyond the last accepted attempt.  Hold the bit\n"
"generator's lock: the GIL is released.  Returns the new position.");

static PyObject *py_polar_fill_state(PyObject *self, PyObject *args)
{
    PyObject *capsule, *out_obj;
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "OO:polar_fill_state", &capsule, &out_obj)) return NULL;
    mt19937_state_t *st = state_of(capsule);
    if (!st) return NULL;
    if (get_f64(out_obj, &out, "out") < 0) return NULL;
    size_t pairs = (size_t)(out.len / 8) / 2;
    double *xy = (double *)out.buf;
    int pos = st->pos;
    if (pos < 0 || pos > MT_N) {
        PyBuffer_Release(&out);
        return PyErr_Format(PyExc_ValueError, "the state's pos must be in 0..624, not %d", pos);
    }
    /* The acceptance test follows the core's path (tests force each in turn). */
    size_t (*accept)(const double *, size_t, double *) = legacy_polar_accept;
#if MF_HAVE_AVX512
    if (mf_path->fill == fill_avx512) accept = legacy_polar_accept_avx512;
#endif
    Py_BEGIN_ALLOW_THREADS
    uint32_t buf[MT_BUF] __attribute__((aligned(64)));
    double u[MF_POLAR_BLOCK] __attribute__((aligned(64)));
    memcpy(buf, st->key, MT_N * 4);
    size_t got = 0;
    while (got < pairs) {
        /* Each accepted attempt takes at least 2 doubles: drawing 2 per attempt still
         * needed can never overshoot the last one. */
        size_t attempts = pairs - got < MF_POLAR_BLOCK / 2 ? pairs - got : MF_POLAR_BLOCK / 2;
        mf_out_t o = {K_F64, (char *)u, 0, 0};
        pos = mf_path->fill(buf, pos, &o, 4 * attempts, 0);
        got += accept(u, attempts, xy + 2 * got);
    }
    memcpy(st->key, buf, MT_N * 4);
    st->pos = pos;
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    return PyLong_FromLong(pos);
}

PyDoc_STRVAR(polar_count_doc,
"polar_count(key, pos, attempts, want=-1) -> (accepted, index)\n\n"
"The accepted attempts of numpy's legacy polar method among the next\n"
"`attempts` attempts (4 words each) of the MT19937 state (key, pos), and the\n"
"attempt number of the accepted one number `want` (0-based), or -1: what\n"
"seedstream._kernel.mt19937_polar_scan answers, with the core's uniforms and\n"
"acceptance test.  `key` (624 uint32 words, any buffer) is not changed.  The\n"
"GIL is released.");

/* The accepted attempts among the next `attempts` of (key, *pos); key and *pos are left
 * after them.  found[i] is the attempt number of accepted attempt wants[i] (0-based, wants
 * ascending), or -1 if it is not among them; with `stop`, the scan ends at the block that
 * holds the last wanted one (the count returned is then a partial one).  No GIL needed. */
static long long polar_scan_in_place(uint32_t *key, int *pos_io, long long attempts,
                                     const long long *wants, size_t n_wants, long long *found,
                                     int stop)
{
    size_t (*count_block)(const double *, size_t) = legacy_polar_count;
#if MF_HAVE_AVX512
    if (mf_path->fill == fill_avx512) count_block = legacy_polar_count_avx512;
#endif
    long long count = 0;
    size_t w = 0; /* the next wanted one */
    int pos = *pos_io;
    uint32_t buf[MT_BUF] __attribute__((aligned(64)));
    double u[MF_POLAR_BLOCK] __attribute__((aligned(64)));
    for (size_t i = 0; i < n_wants; i++) found[i] = -1;
    memcpy(buf, key, MT_N * 4);
    for (long long done = 0; done < attempts;) {
        long long k = attempts - done < MF_POLAR_BLOCK / 2 ? attempts - done : MF_POLAR_BLOCK / 2;
        mf_out_t o = {K_F64, (char *)u, 0, 0};
        pos = mf_path->fill(buf, pos, &o, 4 * (uint64_t)k, 0);
        long long got = (long long)count_block(u, (size_t)k);
        if (w < n_wants && wants[w] < count + got) {
            long long seen = count; /* which attempts: the one test again, numpy's */
            for (long long j = 0; j < k && w < n_wants; j++) {
                if (legacy_polar_count(u + 2 * j, 1)) {
                    while (w < n_wants && wants[w] == seen) found[w++] = done + j;
                    seen++;
                }
            }
        }
        count += got;
        done += k;
        if (stop && w == n_wants) break;
    }
    memcpy(key, buf, MT_N * 4);
    *pos_io = pos;
    return count;
}

static PyObject *py_polar_count(PyObject *self, PyObject *args)
{
    Py_buffer key;
    int pos;
    long long attempts, want = -1;
    if (!PyArg_ParseTuple(args, "y*iL|L:polar_count", &key, &pos, &attempts, &want)) return NULL;
    if (key.len != MT_N * 4 || pos < 0 || pos > MT_N || attempts < 0) {
        PyBuffer_Release(&key);
        return PyErr_Format(PyExc_ValueError,
                            "polar_count needs 624 uint32 words, pos in 0..624 and attempts >= 0");
    }
    long long count, found = -1;
    Py_BEGIN_ALLOW_THREADS
    uint32_t copy[MT_N];
    memcpy(copy, key.buf, MT_N * 4);
    count = polar_scan_in_place(copy, &pos, attempts, &want, want >= 0, &found, 0);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&key);
    return Py_BuildValue("LL", count, found);
}

PyDoc_STRVAR(polar_count_on_doc,
"polar_count_on(key, pos, attempts) -> (accepted, pos)\n\n"
"polar_count's count, with the state moved past the attempts: `key` (624\n"
"uint32 words, a writable buffer) is updated in place and the new position\n"
"returned, so that consecutive segments are counted without a jump between\n"
"them.  The GIL is released.");

static PyObject *py_polar_count_on(PyObject *self, PyObject *args)
{
    Py_buffer key;
    int pos;
    long long attempts;
    if (!PyArg_ParseTuple(args, "w*iL:polar_count_on", &key, &pos, &attempts)) return NULL;
    if (key.len != MT_N * 4 || pos < 0 || pos > MT_N || attempts < 0) {
        PyBuffer_Release(&key);
        return PyErr_Format(PyExc_ValueError,
                            "polar_count_on needs 624 writable uint32 words, pos in 0..624 and "
                            "attempts >= 0");
    }
    long long count;
    Py_BEGIN_ALLOW_THREADS
    count = polar_scan_in_place((uint32_t *)key.buf, &pos, attempts, NULL, 0, NULL, 0);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&key);
    return Py_BuildValue("Li", count, pos);
}

PyDoc_STRVAR(polar_find_doc,
"polar_find(key, pos, attempts, wants) -> list\n\n"
"Where accepted attempts `wants` (0-based, ascending) of numpy's legacy polar\n"
"method lie among the next `attempts` attempts of the MT19937 state (key,\n"
"pos): the attempt number of each, or -1 past `attempts`.  The scan stops at\n"
"the last one (polar_count scans them all).  `key` is not changed; the GIL is\n"
"released.");

static PyObject *py_polar_find(PyObject *self, PyObject *args)
{
    Py_buffer key;
    int pos;
    long long attempts;
    PyObject *wants_obj;
    if (!PyArg_ParseTuple(args, "y*iLO:polar_find", &key, &pos, &attempts, &wants_obj)) return NULL;
    PyObject *seq = PySequence_Fast(wants_obj, "polar_find needs a sequence of wanted counts");
    if (!seq) {
        PyBuffer_Release(&key);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    long long *wants = PyMem_Malloc(2 * (size_t)(n ? n : 1) * sizeof(long long));
    PyObject *result = NULL;
    if (!wants) {
        PyErr_NoMemory();
        goto done;
    }
    long long *found = wants + n;
    for (Py_ssize_t i = 0; i < n; i++) {
        wants[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (wants[i] == -1 && PyErr_Occurred()) goto done;
        if (wants[i] < 0 || (i && wants[i] < wants[i - 1])) {
            PyErr_SetString(PyExc_ValueError, "polar_find needs wanted counts >= 0, ascending");
            goto done;
        }
    }
    if (key.len != MT_N * 4 || pos < 0 || pos > MT_N || attempts < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "polar_find needs 624 uint32 words, pos in 0..624 and attempts >= 0");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    uint32_t copy[MT_N];
    memcpy(copy, key.buf, MT_N * 4);
    polar_scan_in_place(copy, &pos, attempts, wants, (size_t)n, found, 1);
    Py_END_ALLOW_THREADS
    result = PyList_New(n);
    for (Py_ssize_t i = 0; result && i < n; i++) {
        PyObject *v = PyLong_FromLongLong(found[i]);
        if (!v) Py_CLEAR(result);
        else PyList_SET_ITEM(result, i, v);
    }
done:
    PyMem_Free(wants);
    Py_DECREF(seq);
    PyBuffer_Release(&key);
    return result;
}

PyDoc_STRVAR(polar_finish_doc,
"polar_finish(xy, loc=0.0, scale=1.0, affine=False) -> None\n\n"
"In place over the (x2, x1) pairs polar_fill_state wrote: each becomes\n"
"(f x2, f x1), f = sqrt(-2 log(r2) / r2), numpy's next value and the one it\n"
"caches; with `affine`, loc + scale * each (numpy's legacy_normal).  libm's\n"
"log and sqrt, as numpy's loop.  Independent pairs: slices may be finished by\n"
"different threads; the GIL is released.");

static PyObject *py_polar_finish(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"xy", "loc", "scale", "affine", NULL};
    PyObject *obj;
    double loc = 0.0, scale = 1.0;
    int affine = 0;
    Py_buffer b;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|ddp:polar_finish", kwlist, &obj, &loc, &scale,
                                     &affine))
        return NULL;
    if (get_f64(obj, &b, "xy") < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    legacy_polar_finish((double *)b.buf, (size_t)(b.len / 16), loc, scale, affine);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(exponential_finish_doc,
"exponential_finish(u, scale=1.0, scaled=False) -> None\n\n"
"In place over uniforms (random_sample's): each becomes -log(1 - u), numpy's\n"
"legacy_standard_exponential, or with `scaled` scale * -log(1 - u)\n"
"(legacy_exponential).  libm's log; the GIL is released.");

static PyObject *py_exponential_finish(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"u", "scale", "scaled", NULL};
    PyObject *obj;
    double scale = 1.0;
    int scaled = 0;
    Py_buffer b;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|dp:exponential_finish", kwlist, &obj, &scale,
                                     &scaled))
        return NULL;
    if (get_f64(obj, &b, "u") < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    legacy_exponential_finish((double *)b.buf, (size_t)(b.len / 8), scale, scaled);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(select_path_doc,
"select_path(name) -> str\n\n"
"Choose the code path: 'best' (the widest this CPU runs), 'portable', 'avx2'\n"
"or 'avx512' ('avx512vbmi2' and 'avx512clmul' are accepted, as in\n"
"seedstream._kernel, and mean 'avx512' here).  Returns the name of the path now in use.  Every path gives\n"
"the same bits; the choice is for tests and benchmarks.  At import the path\n"
"is 'best', or the one named by the environment variable SEEDSTREAM_SIMD.");

static PyObject *py_select_path(PyObject *self, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    if (set_path(name, "path ") < 0) return NULL;
    return PyUnicode_FromString(mf_path->head.name);
}

PyDoc_STRVAR(current_path_doc,
"current_path() -> str\n\nThe name of the code path in use (see select_path).");

static PyObject *py_current_path(PyObject *self, PyObject *args)
{
    return PyUnicode_FromString(mf_path->head.name);
}

PyDoc_STRVAR(available_paths_doc,
"available_paths() -> tuple[str, ...]\n\n"
"The paths this build has and this CPU runs, narrowest first.");

static PyObject *py_available_paths(PyObject *self, PyObject *args)
{
    return ss_available_paths(&mf_table);
}

/* ------------------------------------------------------------------------ */
/* Bounded integers (csrc/bounded_ints.c) on words from the path in use       */

#include "csrc/bounded_ints.h"

/* The word source bounded_ints.c draws from: an aligned copy of the key. */
typedef struct {
    uint32_t *buf;
    int pos;
} mf_source_t;

static void mf_words(void *ctx, uint32_t *dst, uint64_t n)
{
    mf_source_t *s = ctx;
    mf_out_t o = {K_U32, (char *)dst, 0, 0};
    s->pos = mf_path->fill(s->buf, s->pos, &o, n, 0);
}

/* Draw `count` bounded integers from (key, pos) into `out_obj` (None: only
 * advance past them), updating key in place, with the GIL released.  The new
 * position, or -1 with an exception set; *used gets the words drawn. */
static int bounded_from(uint32_t *key, int pos, PyObject *out_obj, Py_ssize_t count,
                        const bi_spec_t *spec, unsigned long long *used)
{
    if (pos < 0 || pos > MT_N) {
        PyErr_Format(PyExc_ValueError, "pos must be in 0..624, not %d", pos);
        return -1;
    }
    if (bi_check(spec) < 0) {
        PyErr_Format(PyExc_ValueError,
                     "bits=%d, rng=%llu, off=%llu into %d-byte values is not a draw numpy "
                     "makes; rng must be 1..2^bits-1 (rng 0 draws nothing)",
                     spec->bits, (unsigned long long)spec->rng, (unsigned long long)spec->off,
                     spec->out_size);
        return -1;
    }
    Py_buffer out = {0};
    int have_out = out_obj != Py_None;
    if (have_out) {
        if (PyObject_GetBuffer(out_obj, &out, PyBUF_WRITABLE | PyBUF_ND) < 0) return -1;
        if (!PyBuffer_IsContiguous(&out, 'C') || out.itemsize != spec->out_size) {
            PyErr_Format(PyExc_ValueError,
                         "out must be a C-contiguous buffer of %d-byte values", spec->out_size);
            PyBuffer_Release(&out);
            return -1;
        }
        count = out.len / out.itemsize;
    } else if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must be >= 0 when out is None");
        return -1;
    }
    uint64_t words = 0;
    int newpos = pos;
    Py_BEGIN_ALLOW_THREADS
    uint32_t buf[MT_BUF] __attribute__((aligned(64)));
    memcpy(buf, key, MT_N * 4);
    mf_source_t src = {buf, pos};
    words = bi_fill(spec, have_out ? out.buf : NULL, (uint64_t)count, mf_words, &src);
    if (words != UINT64_MAX) {
        memcpy(key, buf, MT_N * 4);
        newpos = src.pos;
    }
    Py_END_ALLOW_THREADS
    if (have_out) PyBuffer_Release(&out);
    if (words == UINT64_MAX) {
        PyErr_NoMemory();
        return -1;
    }
    *used = words;
    return newpos;
}

static int parse_spec(PyObject *args, PyObject *kwds, const char *format, char **kwlist,
                      PyObject **first, PyObject **out_obj, Py_ssize_t *count, bi_spec_t *spec,
                      int *pos)
{
    unsigned long long off, rng;
    int lemire;
    int ok = pos ? PyArg_ParseTupleAndKeywords(args, kwds, format, kwlist, first, pos, out_obj,
                                               count, &off, &rng, &spec->bits, &lemire)
                 : PyArg_ParseTupleAndKeywords(args, kwds, format, kwlist, first, out_obj,
                                               count, &off, &rng, &spec->bits, &lemire);
    if (!ok) return -1;
    spec->off = off;
    spec->rng = rng;
    spec->lemire = lemire;
    /* The integer loops follow the word source's path, so forcing a path tests both. */
    spec->simd = strcmp(mf_path->head.name, "avx512") == 0 ? 2
                 : strcmp(mf_path->head.name, "avx2") == 0 ? 1
                                                             : 0;
    /* The output's width: 8 bytes for 64-bit candidates, else that of a candidate
     * unless out says 8 (int64 values of a range below 2^32). */
    spec->out_size = spec->bits == 64 ? 8 : spec->bits <= 8 ? 1 : spec->bits / 8;
    if (*out_obj != Py_None && spec->bits == 32) {
        Py_buffer b;
        if (PyObject_GetBuffer(*out_obj, &b, PyBUF_ND) < 0) return -1;
        spec->out_size = (int)b.itemsize;
        PyBuffer_Release(&b);
    }
    return 0;
}

PyDoc_STRVAR(bounded_doc,
"bounded(key, pos, out, count, off, rng, bits, lemire) -> (int, int)\n\n"
"Draw numpy's bounded integers off + [0, rng] from an MT19937 at (key, pos)\n"
"into `out`, as numpy's random_bounded_*_fill does (see csrc/bounded_ints.h),\n"
"updating `key` (624 uint32 words) in place.  `bits`: the candidate width\n"
"(1 for bool, 8, 16, 32, 64); `lemire`: 1 for Lemire's method (Generator),\n"
"0 for masked rejection (RandomState).  `out`: a C-contiguous buffer of\n"
"1-, 2-, 4- or 8-byte values (8 with bits 32: int64 of a range below 2^32),\n"
"or None to advance past `count` values without storing them (`count` is\n"
"ignored when `out` is given).  rng must be 1..2^bits-1: numpy draws nothing\n"
"for rng 0.  Returns the new position and the words drawn.");

static PyObject *py_bounded(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"key", "pos", "out", "count", "off", "rng", "bits", "lemire", NULL};
    PyObject *key_obj, *out_obj;
    Py_ssize_t count;
    int pos;
    bi_spec_t spec;
    if (parse_spec(args, kwds, "OiOnKKii:bounded", kwlist, &key_obj, &out_obj, &count, &spec,
                   &pos) < 0)
        return NULL;
    Py_buffer key;
    if (PyObject_GetBuffer(key_obj, &key, PyBUF_WRITABLE) < 0) return NULL;
    PyObject *result = NULL;
    if (key.len != MT_N * 4 || !PyBuffer_IsContiguous(&key, 'C')) {
        PyErr_SetString(PyExc_ValueError, "key must be 624 contiguous uint32 words (2496 bytes)");
    } else {
        unsigned long long used = 0;
        int newpos = bounded_from((uint32_t *)key.buf, pos, out_obj, count, &spec, &used);
        if (newpos >= 0) result = Py_BuildValue("iK", newpos, used);
    }
    PyBuffer_Release(&key);
    return result;
}

PyDoc_STRVAR(bounded_state_doc,
"bounded_state(capsule, out, count, off, rng, bits, lemire) -> int\n\n"
"bounded() on numpy's own MT19937 state, in place, through an\n"
"numpy.random.MT19937's `capsule` (as fill_state: the caller checks the\n"
"layout and holds the bit generator's lock).  Returns the words drawn.");

static PyObject *py_bounded_state(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capsule", "out", "count", "off", "rng", "bits", "lemire", NULL};
    PyObject *capsule, *out_obj;
    Py_ssize_t count;
    bi_spec_t spec;
    if (parse_spec(args, kwds, "OOnKKii:bounded_state", kwlist, &capsule, &out_obj, &count,
                   &spec, NULL) < 0)
        return NULL;
    mt19937_state_t *st = state_of(capsule);
    if (!st) return NULL;
    unsigned long long used = 0;
    int newpos = bounded_from(st->key, st->pos, out_obj, count, &spec, &used);
    if (newpos < 0) return NULL;
    st->pos = newpos;
    return PyLong_FromUnsignedLongLong(used);
}

static PyMethodDef mtfill_methods[] = {
    {"fill", (PyCFunction)(void (*)(void))py_fill, METH_VARARGS | METH_KEYWORDS, fill_doc},
    {"fill_state", (PyCFunction)(void (*)(void))py_fill_state, METH_VARARGS | METH_KEYWORDS,
     fill_state_doc},
    {"state_address", py_state_address, METH_O, state_address_doc},
    {"polar_fill_state", py_polar_fill_state, METH_VARARGS, polar_fill_state_doc},
    {"polar_count", py_polar_count, METH_VARARGS, polar_count_doc},
    {"polar_count_on", py_polar_count_on, METH_VARARGS, polar_count_on_doc},
    {"polar_find", py_polar_find, METH_VARARGS, polar_find_doc},
    {"polar_finish", (PyCFunction)(void (*)(void))py_polar_finish, METH_VARARGS | METH_KEYWORDS,
     polar_finish_doc},
    {"exponential_finish", (PyCFunction)(void (*)(void))py_exponential_finish,
     METH_VARARGS | METH_KEYWORDS, exponential_finish_doc},
    {"select_path", py_select_path, METH_VARARGS, select_path_doc},
    {"current_path", py_current_path, METH_NOARGS, current_path_doc},
    {"available_paths", py_available_paths, METH_NOARGS, available_paths_doc},
    {"bounded", (PyCFunction)(void (*)(void))py_bounded, METH_VARARGS | METH_KEYWORDS,
     bounded_doc},
    {"bounded_state", (PyCFunction)(void (*)(void))py_bounded_state,
     METH_VARARGS | METH_KEYWORDS, bounded_state_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mtfill_module = {
    PyModuleDef_HEAD_INIT, "_mtfill",
    "numpy's MT19937 uniforms, filled with the widest SIMD this CPU runs (see _mtfill.c).", -1,
    mtfill_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__mtfill(void)
{
    PyObject *module = PyModule_Create(&mtfill_module);
    if (!module) return NULL;
    const char *forced = getenv("SEEDSTREAM_SIMD");
    if (set_path(forced && *forced ? forced : "best", "SEEDSTREAM_SIMD=") < 0) {
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "STREAM_BYTES", (long)MF_STREAM_BYTES) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
