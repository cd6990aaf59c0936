/*
 * legacy_normals.c -- RandomState's polar normals and exponentials from drawn
 * uniforms (see legacy_normals.h).
 */
#include "legacy_normals.h"

#include <math.h>
#include <stdint.h>

size_t legacy_polar_accept(const double *u, size_t attempts, double *xy)
{
    /* Branch-free: every attempt is written at the next free pair, which only an
     * accepted one claims (a rejected attempt is written over by the next). */
    size_t a = 0;
    for (size_t i = 0; i < attempts; i++) {
        double x1 = 2.0 * u[2 * i] - 1.0;
        double x2 = 2.0 * u[2 * i + 1] - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        xy[2 * a] = x2;
        xy[2 * a + 1] = x1;
        a += (size_t)((r2 < 1.0) & (r2 != 0.0));
    }
    return a;
}

size_t legacy_polar_count(const double *u, size_t attempts)
{
    size_t a = 0;
    for (size_t i = 0; i < attempts; i++) {
        double x1 = 2.0 * u[2 * i] - 1.0;
        double x2 = 2.0 * u[2 * i + 1] - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        a += (size_t)((r2 < 1.0) & (r2 != 0.0));
    }
    return a;
}

void legacy_polar_finish(double *xy, size_t npairs, double loc, double scale, int affine)
{
    for (size_t i = 0; i < npairs; i++) {
        double x2 = xy[2 * i], x1 = xy[2 * i + 1];
        double r2 = x1 * x1 + x2 * x2; /* numpy's order; + commutes exactly anyway */
        double f = sqrt(-2.0 * log(r2) / r2);
        double g2 = f * x2, g1 = f * x1;
        if (affine) {
            g2 = loc + scale * g2;
            g1 = loc + scale * g1;
        }
        xy[2 * i] = g2;
        xy[2 * i + 1] = g1;
    }
}

void legacy_exponential_finish(double *u, size_t n, double scale, int scaled)
{
    if (scaled) {
        for (size_t i = 0; i < n; i++) u[i] = scale * -log(1.0 - u[i]);
    } else {
        for (size_t i = 0; i < n; i++) u[i] = -log(1.0 - u[i]);
    }
}

#if SS_HAVE_AVX512
/* Four attempts (u1, u2 pairs) from u: x = 2u - 1 in *x, and the lanes of the pairs
 * numpy's loop accepts (0 < r2 < 1; both lanes of a pair hold its r2). */
SS_TARGET("avx512f") static inline __mmask8 polar_ok_avx512(const double *u, __m512d *x)
{
    const __m512d two = _mm512_set1_pd(2.0), one = _mm512_set1_pd(1.0);
    *x = _mm512_sub_pd(_mm512_mul_pd(two, _mm512_loadu_pd(u)), one);
    __m512d sq = _mm512_mul_pd(*x, *x);
    __m512d r2 = _mm512_add_pd(sq, _mm512_permute_pd(sq, 0x55));
    return _mm512_cmp_pd_mask(r2, one, _CMP_LT_OQ) &
           _mm512_cmp_pd_mask(r2, _mm512_setzero_pd(), _CMP_NEQ_UQ);
}

/* Four attempts a vector, as they lie in u: (u1, u2) pairs.  Each lane goes through
 * numpy's operations (2u - 1, squares, the pair's sum: + commutes exactly, so both
 * lanes of a pair hold numpy's r2); a pair's two lanes pass or fail together, and
 * the passing pairs, swapped to (x2, x1), are compressed into xy. */
SS_TARGET("avx512f") size_t legacy_polar_accept_avx512(const double *u, size_t attempts,
                                                        double *xy)
{
    size_t a = 0, i = 0;
    for (; i + 4 <= attempts; i += 4) {
        __m512d x;
        __mmask8 ok = polar_ok_avx512(u + 2 * i, &x);
        _mm512_mask_compressstoreu_pd(xy + 2 * a, ok, _mm512_permute_pd(x, 0x55));
        a += (size_t)__builtin_popcount(ok) / 2;
    }
    return a + legacy_polar_accept(u + 2 * i, attempts - i, xy + 2 * a);
}

/* legacy_polar_accept_avx512's test with nothing stored: what the count pass asks. */
SS_TARGET("avx512f") size_t legacy_polar_count_avx512(const double *u, size_t attempts)
{
    size_t lanes = 0, i = 0;
    for (; i + 4 <= attempts; i += 4) {
        __m512d x;
        lanes += (size_t)__builtin_popcount(polar_ok_avx512(u + 2 * i, &x));
    }
    return lanes / 2 + legacy_polar_count(u + 2 * i, attempts - i);
}
#endif
