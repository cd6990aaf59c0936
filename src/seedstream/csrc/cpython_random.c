/*
 * cpython_random.c -- CPython's random.Random formulas after random() (see
 * cpython_random.h).
 *
 * References: CPython 3.11, Lib/random.py (the formulas), Modules/mathmodule.c
 * (math_1, m_log), Objects/floatobject.c (float_pow), Include/pyport.h
 * (_Py_ADJUST_ERANGE1).
 */
#include "cpython_random.h"

#include <errno.h>
#include <math.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC has no such pragma: setup.py's -ffp-contract=off */
#endif

/* libm's functions, behind pointers the compiler cannot see through (volatile): no
 * builtin, no vectorised copy, no cos and sin fused into one sincos call. */
static double (*volatile libm_log)(double) = log;
static double (*volatile libm_cos)(double) = cos;
static double (*volatile libm_sin)(double) = sin;
static double (*volatile libm_sqrt)(double) = sqrt;
static double (*volatile libm_pow)(double, double) = pow;
static double (*volatile libm_exp)(double) = exp;

typedef struct {
    double (*log)(double);
    double (*cos)(double);
    double (*sin)(double);
    double (*sqrt)(double);
    double (*pow)(double, double);
    double (*exp)(double);
} libm_t;

/* math.log(x) for a float: m_log under math_1 (can_overflow 0).  Returns CPY_OK or
 * CPY_MATH_DOMAIN; math_1's last check (errno set with a finite result) cannot arise
 * for log of a positive finite x. */
static int py_log(const libm_t *m, double x, double *r)
{
    if (isfinite(x)) {
        if (x > 0.0) {
            *r = m->log(x);
            return CPY_OK;
        }
        return CPY_MATH_DOMAIN; /* log(0) = -inf (a singularity), log(-x) = nan */
    }
    if (isnan(x) || x > 0.0) {
        *r = x;
        return CPY_OK;
    }
    return CPY_MATH_DOMAIN;
}

/* math.sqrt(x): math_1 over libm's sqrt (a nan from a non-nan is a domain error). */
static int py_sqrt(const libm_t *m, double x, double *r)
{
    double y = m->sqrt(x);
    if (isnan(y) && !isnan(x)) return CPY_MATH_DOMAIN;
    *r = y;
    return CPY_OK;
}

/* math.exp(x): math_1 over libm's exp (can_overflow 1): an infinite result of a finite x
 * is OverflowError; an underflow (errno ERANGE, |result| < 1.5) is no error. */
static int py_exp(const libm_t *m, double x, double *r)
{
    double y = m->exp(x);
    if (isnan(y) && !isnan(x)) return CPY_MATH_DOMAIN;
    if (isinf(y) && isfinite(x)) return CPY_MATH_RANGE;
    *r = y;
    return CPY_OK;
}

static int is_odd_integer(double x) { return fmod(fabs(x), 2.0) == 1.0; }

/* iv ** iw for floats: float_pow. */
static int py_pow(const libm_t *m, double iv, double iw, double *r, int *errnum)
{
    int negate = 0;
    if (iw == 0.0) {
        *r = 1.0;
        return CPY_OK;
    }
    if (isnan(iv)) {
        *r = iv;
        return CPY_OK;
    }
    if (isnan(iw)) {
        *r = iv == 1.0 ? 1.0 : iw;
        return CPY_OK;
    }
    if (isinf(iw)) {
        iv = fabs(iv);
        if (iv == 1.0)
            *r = 1.0;
        else if ((iw > 0.0) == (iv > 1.0))
            *r = fabs(iw);
        else
            *r = 0.0;
        return CPY_OK;
    }
    if (isinf(iv)) {
        int odd = is_odd_integer(iw);
        if (iw > 0.0)
            *r = odd ? iv : fabs(iv);
        else
            *r = odd ? copysign(0.0, iv) : 0.0;
        return CPY_OK;
    }
    if (iv == 0.0) {
        int odd = is_odd_integer(iw);
        if (iw < 0.0) return CPY_POW_ZERO_NEGATIVE;
        *r = odd ? iv : 0.0;
        return CPY_OK;
    }
    if (iv < 0.0) {
        if (iw != floor(iw)) return CPY_POW_COMPLEX;
        iv = -iv;
        negate = is_odd_integer(iw);
    }
    if (iv == 1.0) {
        *r = negate ? -1.0 : 1.0;
        return CPY_OK;
    }
    errno = 0;
    double ix = m->pow(iv, iw);
    if (errno == 0) { /* _Py_ADJUST_ERANGE1 */
        if (ix == HUGE_VAL || ix == -HUGE_VAL) errno = ERANGE;
    }
    else if (errno == ERANGE && ix == 0.0) {
        errno = 0;
    }
    if (negate) ix = -ix;
    if (errno != 0) {
        *errnum = errno;
        return CPY_POW_ERRNO;
    }
    *r = ix;
    return CPY_OK;
}

void cpython_random_apply(int formula, const double *u, double *out, size_t n,
                          const double *p, cpy_error_t *err)
{
    const libm_t m = {libm_log, libm_cos, libm_sin, libm_sqrt, libm_pow, libm_exp};
    int code = CPY_OK, errnum = 0;
    size_t i = 0;
    switch (formula) {
    case CPY_EXPOVARIATE:
        for (; i < n; i++) {
            double l;
            if ((code = py_log(&m, 1.0 - u[i], &l))) break;
            out[i] = -l / p[0];
        }
        break;
    case CPY_PARETOVARIATE:
        for (; i < n; i++) {
            if ((code = py_pow(&m, 1.0 - u[i], p[0], &out[i], &errnum))) break;
        }
        break;
    case CPY_WEIBULLVARIATE:
        for (; i < n; i++) {
            double l, w;
            if ((code = py_log(&m, 1.0 - u[i], &l))) break;
            if ((code = py_pow(&m, -l, p[1], &w, &errnum))) break;
            out[i] = p[0] * w;
        }
        break;
    case CPY_TRIANGULAR:
        for (; i < n; i++) {
            double v = u[i], c = p[0], low = p[1], span = p[2], s;
            if (v > c) {
                v = 1.0 - v;
                c = 1.0 - c;
                low = p[3];
                span = p[4];
            }
            if ((code = py_sqrt(&m, v * c, &s))) break;
            out[i] = low + span * s;
        }
        break;
    case CPY_GAUSS:
        for (; i + 1 < n; i += 2) {
            double x2pi = u[i] * p[0], l, g2rad;
            if ((code = py_log(&m, 1.0 - u[i + 1], &l))) break;
            if ((code = py_sqrt(&m, -2.0 * l, &g2rad))) break;
            double z = m.cos(x2pi) * g2rad; /* math.cos / math.sin of a finite x: no error */
            out[i + 1] = m.sin(x2pi) * g2rad;
            out[i] = z;
        }
        break;
    case CPY_EXP:
        for (; i < n; i++) {
            if ((code = py_exp(&m, u[i], &out[i]))) break;
        }
        break;
    default:
        code = CPY_MATH_DOMAIN;
    }
    err->index = i;
    err->code = code;
    err->errnum = errnum;
}
