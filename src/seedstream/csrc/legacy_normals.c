/*
 * legacy_normals.c -- RandomState's polar normals and exponentials from drawn
 * uniforms (see legacy_normals.h).
 */
#include "legacy_normals.h"

#include <math.h>

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
