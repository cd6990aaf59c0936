/*
 * cpython_random.h -- CPython's random.Random formulas after random(): the
 * values of triangular, expovariate, paretovariate, weibullvariate and gauss,
 * applied to doubles the MT19937 core has drawn (random()'s, numpy's
 * random_sample formula), and math.exp (lognormvariate's, over normalvariate's values).
 *
 * Each is CPython's Lib/random.py expression (3.11), in the same order, in IEEE
 * doubles without contraction (-ffp-contract=off in setup.py).  Its math is the
 * platform libm's log, cos, sin, sqrt, pow and exp -- the functions CPython's math
 * module and float ** call, reached through pointers the compiler cannot see
 * through, so that it neither vectorises them nor fuses cos and sin into
 * sincos -- with CPython's own checks around them: math.log's and math.sqrt's
 * (math_1, m_log in Modules/mathmodule.c) and float ** (float_pow in
 * Objects/floatobject.c: its special cases, errno and _Py_ADJUST_ERANGE1).  So
 * the bits, and where CPython would raise, are CPython's on the platform it
 * runs on.  Plain C: no Python, no state.
 */
#ifndef SEEDSTREAM_CPYTHON_RANDOM_H
#define SEEDSTREAM_CPYTHON_RANDOM_H

#include <stddef.h>

/* The formulas (p: the parameters, as CPython has them after its own scalar steps). */
enum {
    CPY_EXPOVARIATE = 0,    /* -log(1.0 - u) / p[0]                           (lambd) */
    CPY_PARETOVARIATE = 1,  /* (1.0 - u) ** p[0]                        (-1.0 / alpha) */
    CPY_WEIBULLVARIATE = 2, /* p[0] * (-log(1.0 - u)) ** p[1]      (alpha, 1.0 / beta) */
    CPY_TRIANGULAR = 3,     /* u <= c: p[1] + p[2] * sqrt(u * c); else u, c = 1 - u, 1 - c
                               and p[3] + p[4] * sqrt(u * c)      (c, low, high - low,
                                                                   high, low - high) */
    CPY_GAUSS = 4,          /* pairs (u0, u1): x2pi = u0 * p[0], g2rad =
                               sqrt(-2.0 * log(1.0 - u1)); cos(x2pi) * g2rad, then
                               sin(x2pi) * g2rad (gauss_next)               (TWOPI) */
    CPY_EXP = 5,            /* math.exp(u): lognormvariate's, u a normalvariate value */
};

/* Where CPython raises instead of returning a value. */
enum {
    CPY_OK = 0,
    CPY_POW_ZERO_NEGATIVE = 1, /* ZeroDivisionError: 0.0 cannot be raised to a negative power */
    CPY_POW_ERRNO = 2,         /* OverflowError (errno ERANGE) or ValueError (another errno) */
    CPY_MATH_DOMAIN = 3,       /* ValueError: math domain error */
    CPY_POW_COMPLEX = 4,       /* a negative float to a fractional power: a complex result */
    CPY_MATH_RANGE = 5,        /* OverflowError: math range error */
};

typedef struct {
    size_t index; /* the value that raised */
    int code;     /* CPY_*, CPY_OK if none did */
    int errnum;   /* errno, for CPY_POW_ERRNO */
} cpy_error_t;

/* out[i] for u[i], i < n, by `formula` (for CPY_GAUSS n is even: out[2 j], out[2 j + 1]
 * from u[2 j], u[2 j + 1]).  Stops at the first value CPython would raise for, and says
 * which in *err.  out may be u. */
void cpython_random_apply(int formula, const double *u, double *out, size_t n,
                          const double *p, cpy_error_t *err);

#endif /* SEEDSTREAM_CPYTHON_RANDOM_H */
