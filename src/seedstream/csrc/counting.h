/*
 * counting.h -- a counting bit generator.
 *
 * numpy's own methods run on it: it forwards every draw to a real bit generator
 * and counts the draws by width, so a caller learns exactly how many units
 * numpy's method consumed.  Plain C on numpy's public C interface to bit
 * generators, bitgen_t from numpy/random/bitgen.h (setup.py puts
 * numpy.get_include() on the include path; the header needs nothing else of
 * numpy).  Wrapping it in a capsule is the bindings' business (_kernel.c).
 */
#ifndef SEEDSTREAM_COUNTING_H
#define SEEDSTREAM_COUNTING_H

#include <numpy/random/bitgen.h>

typedef struct {
    bitgen_t outer;           /* first: a pointer to the counter is one to its bitgen_t */
    bitgen_t *inner;          /* the real bit generator's (kept alive by the caller) */
    long long n32, n64, nraw; /* draws so far; a double is a 64-bit draw */
} counter_t;

/* A counter forwarding to `inner`, with all counts 0. */
void counter_init(counter_t *c, bitgen_t *inner);

#endif /* SEEDSTREAM_COUNTING_H */
