/*
 * simd_paths.h -- one build of the hot loops per instruction set, and choosing
 * among them at run time.
 *
 * A compiled module of seedstream builds its hot loops once per instruction set,
 * side by side in one binary: portable C always, and AVX2 / AVX-512 builds where
 * the compiler can make them.  One set, a "path", is in use at a time: the widest
 * this CPU runs, or the one named by the environment variable SEEDSTREAM_SIMD, read
 * at import, and select_path() switches it.  Choosing explicitly, rather than with
 * target_clones, lets the tests run every path this CPU has.
 *
 * What this header gives:
 *
 *   SS_HAVE_AVX2, SS_HAVE_AVX512, SS_HAVE_AVX512VBMI2, SS_HAVE_AVX512CLMUL
 *       1 if this build has that path (the last: VBMI2 with VPCLMULQDQ).  setup.py compiles a probe for each (the
 *       target attribute, its intrinsics, the run-time CPU check) and passes
 *       -DSS_HAVE_...=1 or 0; left undefined they are 0.  -DSS_NO_AVX512 (e.g. in
 *       CFLAGS) turns the AVX-512 ones off and -DSS_NO_SIMD all three, to check
 *       that a build without them compiles and passes.
 *   SS_TARGET(isa), SS_INLINE
 *       a function compiled for `isa`; a body inlined into each of its builds.
 *   SS_EACH_TARGET(BUILD)
 *       BUILD(suffix, attribute) for portable, avx2 (target "avx2") and avx512
 *       (target "avx512f"), each only if this build has it: a loop written once in
 *       portable C, compiled (and auto-vectorised) per path.
 *   ss_runs_*()
 *       whether this CPU has the instructions of a path (for ss_path_head_t).
 *   ss_path_head_t, ss_path_table_t, SS_PATH_TABLE, ss_find_path,
 *   ss_available_paths, ss_cannot_run
 *       a module's path table and select_path / available_paths on it, with the
 *       same messages in every module.  They raise Python exceptions, so they are
 *       declared only where <Python.h> was included before this header.
 *
 * A module's path is a struct whose first member is an ss_path_head_t, e.g.
 *
 *     typedef struct { ss_path_head_t head; fill_fn fill; } my_path_t;
 *     static const my_path_t paths[] = {{{"portable", ss_runs_anywhere}, fill_portable}, ...};
 *     static const char *const known[] = {"portable", "avx2", "avx512"};
 *     static const ss_path_table_t table = SS_PATH_TABLE(paths, known);
 *     const my_path_t *p = ss_find_path(&table, name, "path ");  // NULL: ValueError set
 */
#ifndef SEEDSTREAM_SIMD_PATHS_H
#define SEEDSTREAM_SIMD_PATHS_H

#include <stddef.h>
#include <string.h>

#if defined(SS_NO_SIMD) || !defined(SS_HAVE_AVX2)
#undef SS_HAVE_AVX2
#define SS_HAVE_AVX2 0
#endif
#if defined(SS_NO_SIMD) || defined(SS_NO_AVX512) || !defined(SS_HAVE_AVX512)
#undef SS_HAVE_AVX512
#define SS_HAVE_AVX512 0
#endif
#if !SS_HAVE_AVX512 || !defined(SS_HAVE_AVX512VBMI2) /* it is AVX-512 with more */
#undef SS_HAVE_AVX512VBMI2
#define SS_HAVE_AVX512VBMI2 0
#endif
#if !SS_HAVE_AVX512VBMI2 || !defined(SS_HAVE_AVX512CLMUL) /* VBMI2 with more */
#undef SS_HAVE_AVX512CLMUL
#define SS_HAVE_AVX512CLMUL 0
#endif

#if SS_HAVE_AVX2 || SS_HAVE_AVX512
#include <immintrin.h> /* the probes compiled it */
#endif

#define SS_TARGET(isa) __attribute__((target(isa)))
#define SS_INLINE static inline __attribute__((always_inline))

#if SS_HAVE_AVX2
#define SS_IF_AVX2(...) __VA_ARGS__
#else
#define SS_IF_AVX2(...)
#endif
#if SS_HAVE_AVX512
#define SS_IF_AVX512(...) __VA_ARGS__
#else
#define SS_IF_AVX512(...)
#endif
#define SS_EACH_TARGET(BUILD)                                                                   \
    BUILD(portable, )                                                                           \
    SS_IF_AVX2(BUILD(avx2, SS_TARGET("avx2")))                                                  \
    SS_IF_AVX512(BUILD(avx512, SS_TARGET("avx512f")))

/* ------------------------------------------------------------------------ */
/* Whether this CPU runs a path                                              */

static inline int ss_runs_anywhere(void) { return 1; }

#if SS_HAVE_AVX2
static inline int ss_runs_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#endif

#if SS_HAVE_AVX512
static inline int ss_runs_avx512f(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/* AVX-512 with the byte/word, doubleword/quadword and 128/256-bit forms, which
 * hand-written AVX-512 code (as in _mtfill.c) tends to use besides F. */
static inline int ss_runs_avx512bwdqvl(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#endif

#if SS_HAVE_AVX512VBMI2
static inline int ss_runs_avx512vbmi2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vbmi2");
}
#endif

#if SS_HAVE_AVX512CLMUL
static inline int ss_runs_avx512clmul(void)
{
    __builtin_cpu_init();
    return ss_runs_avx512vbmi2() && __builtin_cpu_supports("vpclmulqdq");
}
#endif

/* ------------------------------------------------------------------------ */
/* A module's table of paths                                                 */

typedef struct {
    const char *name;       /* as select_path() and SEEDSTREAM_SIMD take it */
    int (*runs_here)(void); /* whether this CPU has the instructions */
} ss_path_head_t;

typedef struct {
    const void *paths;        /* the module's path structs, narrowest first, each */
    size_t stride;            /* sizeof one; each starts with an ss_path_head_t */
    int npaths;
    const char *const *known; /* every name any build of the module can have, */
    int nknown;               /* narrowest first: to tell "not built" from "unknown" */
} ss_path_table_t;

#define SS_PATH_TABLE(paths, known)                                                             \
    {(paths), sizeof(paths)[0], (int)(sizeof(paths) / sizeof(paths)[0]), (known),              \
     (int)(sizeof(known) / sizeof(known)[0])}

static inline const ss_path_head_t *ss_path_at(const ss_path_table_t *t, int i)
{
    return (const ss_path_head_t *)((const char *)t->paths + (size_t)i * t->stride);
}

#ifdef Py_PYTHON_H

/* The names of the paths this build has and this CPU runs, narrowest first. */
static inline PyObject *ss_available_paths(const ss_path_table_t *t)
{
    PyObject *names = PyList_New(0);
    for (int i = 0; names && i < t->npaths; i++) {
        if (!ss_path_at(t, i)->runs_here()) continue;
        PyObject *name = PyUnicode_FromString(ss_path_at(t, i)->name);
        if (!name || PyList_Append(names, name) < 0) Py_CLEAR(names);
        Py_XDECREF(name);
    }
    if (!names) return NULL;
    PyObject *result = PyList_AsTuple(names);
    Py_DECREF(names);
    return result;
}

/* Set ValueError: this CPU cannot run path `name`, and the paths it can.  For a
 * module's own checks too (e.g. a name it takes as another path's alias). */
static inline void ss_cannot_run(const ss_path_table_t *t, const char *name, const char *what)
{
    PyObject *runs = ss_available_paths(t);
    PyObject *sep = runs ? PyUnicode_FromString(", ") : NULL;
    PyObject *joined = sep ? PyUnicode_Join(sep, runs) : NULL;
    if (joined)
        PyErr_Format(PyExc_ValueError, "%s%s: this CPU cannot run it; choose one it runs: %U",
                     what, name, joined);
    Py_XDECREF(joined);
    Py_XDECREF(sep);
    Py_XDECREF(runs);
}

/* The path called `name` ("best": the widest this CPU runs), or NULL with
 * ValueError set saying what to choose instead; `what` starts the message
 * ("path ", "SEEDSTREAM_SIMD="). */
static inline const void *ss_find_path(const ss_path_table_t *t, const char *name,
                                       const char *what)
{
    if (strcmp(name, "best") == 0) {
        for (int i = t->npaths - 1; i >= 0; i--)
            if (ss_path_at(t, i)->runs_here()) return ss_path_at(t, i);
    }
    for (int i = 0; i < t->npaths; i++) {
        const ss_path_head_t *p = ss_path_at(t, i);
        if (strcmp(name, p->name) != 0) continue;
        if (p->runs_here()) return p;
        ss_cannot_run(t, name, what);
        return NULL;
    }
    for (int i = 0; i < t->nknown; i++) {
        if (strcmp(name, t->known[i]) == 0) {
            PyErr_Format(PyExc_ValueError,
                         "%s%s: this build of seedstream has no such path (its compiler could "
                         "not make it); rebuild with a newer compiler or choose another",
                         what, name);
            return NULL;
        }
    }
    /* "choose best, a, b or c" */
    PyObject *choices = PyUnicode_FromString("best");
    for (int i = 0; choices && i < t->nknown; i++)
        Py_SETREF(choices, PyUnicode_FromFormat("%U%s%s", choices,
                                                i == t->nknown - 1 ? " or " : ", ", t->known[i]));
    if (choices)
        PyErr_Format(PyExc_ValueError, "%s%s: unknown path; choose %U", what, name, choices);
    Py_XDECREF(choices);
    return NULL;
}

#endif /* Py_PYTHON_H */

#endif /* SEEDSTREAM_SIMD_PATHS_H */
