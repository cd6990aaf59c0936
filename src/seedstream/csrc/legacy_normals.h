/*
 * legacy_normals.h -- the arithmetic of RandomState's normals and exponentials
 * after the uniforms: numpy's legacy polar method (legacy_gauss) and its
 * -log(1 - u) exponential (legacy_standard_exponential), applied to doubles the
 * vectorized MT19937 core (_mtfill.c) has drawn.
 *
 * Every operation is numpy's, in the same order, in IEEE doubles without
 * contraction (-ffp-contract=off in setup.py); log() and sqrt() are the
 * platform libm's, the functions numpy's own loop calls, never a vectorised
 * approximation (which rounds differently: see NOTES.md section 5).  So the
 * bits are numpy's on the platform it runs on.  Plain C: no Python, no state.
 *
 * Reference: numpy/random/src/legacy/legacy-distributions.c (legacy_gauss,
 * legacy_normal, legacy_standard_exponential, legacy_exponential); G. Marsaglia,
 * T. A. Bray, "A convenient method for generating normal variables", SIAM
 * Review 6(3), 260-264, 1964 (the polar method).
 */
#ifndef SEEDSTREAM_LEGACY_NORMALS_H
#define SEEDSTREAM_LEGACY_NORMALS_H

#include <stddef.h>

/* The polar method's acceptance test over attempts u[2 i], u[2 i + 1], i < attempts:
 * x = 2 u - 1 for each, accepted when 0 < x1^2 + x2^2 < 1.  The accepted
 * attempts' (x2, x1) are written in order to xy[0..2 a), a the count returned.
 * x2 comes first because numpy returns f x2 and caches f x1 for its next value.
 * xy must hold 2 * attempts doubles (rejected attempts are written over). */
size_t legacy_polar_accept(const double *u, size_t attempts, double *xy);

/* legacy_polar_accept's count alone, nothing written (the count pass). */
size_t legacy_polar_count(const double *u, size_t attempts);

/* The same with AVX-512 (F): four attempts a vector, compressed with masked stores.
 * Only where the build has that path (SS_HAVE_AVX512) and the CPU runs it. */
#include "simd_paths.h"
#if SS_HAVE_AVX512
size_t legacy_polar_accept_avx512(const double *u, size_t attempts, double *xy);
size_t legacy_polar_count_avx512(const double *u, size_t attempts);
#endif

/* In place over npairs accepted (x2, x1): r2 = x1^2 + x2^2, f = sqrt(-2 log(r2) / r2),
 * and the pair becomes (f x2, f x1) -- numpy's next value and the one it caches --
 * or, with `affine`, (loc + scale f x2, loc + scale f x1), numpy's legacy_normal. */
void legacy_polar_finish(double *xy, size_t npairs, double loc, double scale, int affine);

/* In place over n uniforms: u becomes -log(1 - u) (legacy_standard_exponential),
 * or with `scaled` scale * -log(1 - u) (legacy_exponential). */
void legacy_exponential_finish(double *u, size_t n, double scale, int scaled);

#endif /* SEEDSTREAM_LEGACY_NORMALS_H */
