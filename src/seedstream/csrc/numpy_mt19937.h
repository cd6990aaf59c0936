/*
 * numpy_mt19937.h -- numpy's MT19937 state struct, reached through a bit generator's
 * capsule; shared by _kernel.c (the jump, in place) and _mtfill.c (the core, in place).
 *
 * numpy's bit generators hand out their C interface as a PyCapsule named "BitGenerator"
 * holding a bitgen_t (numpy/random/bitgen.h, its public C ABI; setup.py puts
 * numpy.get_include() on the include path).  For MT19937 `state` points at numpy's
 * mt19937_state (numpy/random/src/mt19937/mt19937.h, not a public header, so declared
 * here): the 624 words, then the position.  seedstream._mtstate.struct_layout_ok()
 * checks that layout once per process before either module is let loose on a generator.
 *
 * Include after Python.h and numpy/random/bitgen.h.
 */
#ifndef SEEDSTREAM_NUMPY_MT19937_H
#define SEEDSTREAM_NUMPY_MT19937_H

#include <stdint.h>

typedef struct {
    uint32_t key[624];
    int pos;
} mt19937_state_t;

/* The state behind `capsule`, or NULL with Python's exception set. */
static inline mt19937_state_t *state_of(PyObject *capsule)
{
    bitgen_t *bitgen = PyCapsule_GetPointer(capsule, "BitGenerator");
    return bitgen ? (mt19937_state_t *)bitgen->state : NULL;
}

#endif /* SEEDSTREAM_NUMPY_MT19937_H */
