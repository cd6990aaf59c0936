/*
 * seedstream._kernel -- the compiled core's Python bindings.
 *
 * The arithmetic lives in csrc/, one concern a file, in plain C:
 *
 *   gf2poly.c     x^e mod phi over GF(2), phi sparse             xpow_mod
 *   mt_jump.c     g(F) applied to an MT19937 window              mt19937_jump,
 *                 (both, on numpy's own state struct)            mt19937_advance_state,
 *                                                                mt19937_bind, jump_cache
 *   polar_scan.c  accepted attempts of numpy's legacy polar      polar_scan, mt19937_polar_scan,
 *                 method, over raw words or an MT19937 state     mt19937_polar_flags
 *   counting.c    a bit generator that counts numpy's draws      counting_capsule, counted
 *   cpython_random.c  CPython's random.Random formulas after      cpython_random
 *                 random(), with libm's math as CPython calls it
 *   simd_paths.h  the hot loops' builds per instruction set      select_path, current_path,
 *                 and choosing one                               available_paths
 *
 * This file only parses arguments, allocates, releases the GIL around the
 * arithmetic and raises errors; seeding, state and validation of meaning live
 * in Python (seedstream._jump, seedstream._variable).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csrc/simd_paths.h" /* after Python.h: with its path-table helpers */
#include "csrc/counting.h"
#include "csrc/cpython_random.h"
#include "csrc/gf2poly.h"
#include "csrc/mt_jump.h"
#include "csrc/polar_scan.h"
#include "csrc/numpy_mt19937.h" /* after counting.h, which brings bitgen.h */

/* ------------------------------------------------------------------------ */
/* The paths                                                                 */

/* One build of every hot loop. */
typedef struct {
    ss_path_head_t head;
    const gf2_loops_t *gf2;
    const mt_jump_loops_t *jump;
    const polar_loops_t *polar;
} kernel_path_t;

/* Narrowest first; "best" is the last one this CPU runs. */
static const kernel_path_t paths[] = {
    {{"portable", ss_runs_anywhere}, &gf2_loops_portable, &mt_jump_loops_portable,
     &polar_loops_portable},
#if SS_HAVE_AVX2
    {{"avx2", ss_runs_avx2}, &gf2_loops_avx2, &mt_jump_loops_avx2, &polar_loops_avx2},
#endif
#if SS_HAVE_AVX512
    {{"avx512", ss_runs_avx512f}, &gf2_loops_avx512, &mt_jump_loops_avx512, &polar_loops_avx512},
#endif
#if SS_HAVE_AVX512VBMI2
    /* AVX-512, with the reduction's funnel shifts in VBMI2 */
    {{"avx512vbmi2", ss_runs_avx512vbmi2}, &gf2_loops_avx512vbmi2, &mt_jump_loops_avx512,
     &polar_loops_avx512},
#endif
#if SS_HAVE_AVX512CLMUL
    /* and x**P as a product from a table of powers, multiplied with VPCLMULQDQ */
    {{"avx512clmul", ss_runs_avx512clmul}, &gf2_loops_avx512clmul, &mt_jump_loops_avx512,
     &polar_loops_avx512},
#endif
};
static const char *const path_names[] = {"portable", "avx2", "avx512", "avx512vbmi2",
                                         "avx512clmul"};
static const ss_path_table_t path_table = SS_PATH_TABLE(paths, path_names);

/* The path in use (set at import).  A caller reads it once per call, with the
 * GIL held, so that a switch from another thread cannot mix two paths within
 * one computation. */
static const kernel_path_t *path;

/* Make `name` the path in use; 0, or -1 with ValueError set (`what` starts the message). */
static int set_path(const char *name, const char *what)
{
    const kernel_path_t *p = ss_find_path(&path_table, name, what);
    if (!p) return -1;
    path = p;
    return 0;
}

PyDoc_STRVAR(select_path_doc,
"select_path(name) -> str\n\n"
"Choose the compiled code path: 'best' (the widest this CPU runs), 'portable',\n"
"'avx2', 'avx512' or 'avx512vbmi2' (AVX-512 with VBMI2 funnel shifts in the\n"
"reduction).  Returns the name of the path now in use.  Every path gives the\n"
"same bits; the choice is for tests and benchmarks.  At import the path is\n"
"'best', or the one named by the environment variable SEEDSTREAM_SIMD.");

static PyObject *py_select_path(PyObject *Py_UNUSED(self), PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    if (set_path(name, "path ") < 0) return NULL;
    return PyUnicode_FromString(path->head.name);
}

PyDoc_STRVAR(current_path_doc,
"current_path() -> str\n\n"
"The name of the compiled code path in use (see select_path).");

static PyObject *py_current_path(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    return PyUnicode_FromString(path->head.name);
}

PyDoc_STRVAR(available_paths_doc,
"available_paths() -> tuple[str, ...]\n\n"
"The paths this build has and this CPU runs, narrowest first.");

static PyObject *py_available_paths(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    return ss_available_paths(&path_table);
}

/* ------------------------------------------------------------------------ */
/* GF(2) polynomials                                                         */

/* One table of powers (gf2poly.h), for the last modulus it was asked for (MT19937's
 * in practice), on paths with a carry-less multiply.  Its storage is allocated
 * on first use (calloc: pages are touched only as entries are made); the lock
 * serialises its users, which run without the GIL. */
static struct {
    gf2_powers_t powers;
    int ready;                  /* powers set up for the modulus below */
    int32_t *storage;           /* the modulus's (GF2_MODULUS_STORAGE) */
    int32_t *given;             /* the lower exponents it was set up with */
    int nterms, degree;
    PyThread_type_lock lock;
} table;

/* The table for this modulus, set up (or emptied and set up again for another
 * modulus) if need be: the caller holds the GIL and table.lock.  NULL if the table
 * does not apply to m (not chunked, or over GF2_POWERS_MAX_WORDS words), or its
 * storage cannot be had: then square and multiply, which needs none of it. */
#define GF2_POWERS_MAX_WORDS 1024 /* 31 MB of address space for the entries */
static gf2_powers_t *powers_for(const gf2_modulus_t *m, const int32_t *given, int nterms)
{
    if (!m->chunked || m->nwords > GF2_POWERS_MAX_WORDS) return NULL;
    if (table.ready && table.degree == m->degree && table.nterms == nterms &&
        !memcmp(table.given, given, sizeof(int32_t) * (size_t)nterms))
        return &table.powers;
    const size_t nw = (size_t)m->nwords;
    PyMem_RawFree(table.powers.entries);
    PyMem_RawFree(table.powers.ready);
    PyMem_RawFree(table.powers.work);
    PyMem_RawFree(table.storage);
    PyMem_RawFree(table.given);
    memset(&table.powers, 0, sizeof table.powers);
    table.storage = table.given = NULL;
    table.ready = 0;
    uint64_t *entries = PyMem_RawCalloc(GF2_POWERS_ENTRY_WORDS(nw), sizeof(uint64_t));
    unsigned char *ready = PyMem_RawCalloc((size_t)GF2_POW_WINDOWS * 256, 1);
    uint64_t *work = PyMem_RawCalloc(GF2_POWERS_WORK_WORDS(nw), sizeof(uint64_t));
    table.storage = PyMem_RawMalloc(sizeof(int32_t) * GF2_MODULUS_STORAGE(nterms));
    table.given = PyMem_RawMalloc(sizeof(int32_t) * (size_t)(nterms ? nterms : 1));
    gf2_modulus_t own;
    if (!entries || !ready || !work || !table.storage || !table.given ||
        gf2_modulus_init(&own, m->degree, given, nterms, table.storage) < 0 ||
        gf2_powers_init(&table.powers, &own, entries, ready, work) < 0) {
        PyMem_RawFree(entries);
        PyMem_RawFree(ready);
        PyMem_RawFree(work);
        memset(&table.powers, 0, sizeof table.powers);
        return NULL;
    }
    memcpy(table.given, given, sizeof(int32_t) * (size_t)nterms);
    table.nterms = nterms;
    table.degree = m->degree;
    table.ready = 1;
    return &table.powers;
}

/* r = x**e mod m on path p: by the table where it applies, else square and multiply.
 * Called with the GIL held; releases it for the arithmetic. */
static void xpow_on_path(uint64_t *r, const unsigned char *e, size_t nbytes,
                         const gf2_modulus_t *m, const int32_t *given, int nterms,
                         uint64_t *work, const kernel_path_t *p)
{
    if (p->gf2->mul) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(table.lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
        gf2_powers_t *powers = powers_for(m, given, nterms);
        int done = -1;
        if (powers) {
            Py_BEGIN_ALLOW_THREADS
            done = gf2_xpow_powers(r, e, nbytes, powers, p->gf2);
            Py_END_ALLOW_THREADS
        }
        PyThread_release_lock(table.lock);
        if (done == 0) return;
    }
    Py_BEGIN_ALLOW_THREADS
    gf2_xpow(r, e, nbytes, m, work, p->gf2);
    Py_END_ALLOW_THREADS
}

PyDoc_STRVAR(xpow_mod_doc,
"xpow_mod(exponent, degree, psi) -> bytes\n\n"
"x**exponent mod (x**degree + sum(x**k for k in psi)) over GF(2).\n"
"exponent: little-endian bytes; psi: int32 buffer of the lower exponents.\n"
"Returns ceil(degree / 64) little-endian 64-bit words.  On a path with a\n"
"carry-less multiply (avx512clmul) by the table of powers of the last modulus\n"
"asked for (set up again for another), else by square and multiply.");

static PyObject *py_xpow_mod(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer e_buf, psi_buf;
    PyObject *degree_obj;
    if (!PyArg_ParseTuple(args, "y*Oy*", &e_buf, &degree_obj, &psi_buf)) return NULL;
    PyObject *result = NULL;
    int32_t *psi = NULL;
    uint64_t *work = NULL;
    gf2_modulus_t m;

    long n = PyLong_AsLong(degree_obj);
    if (n == -1 && PyErr_Occurred()) goto done;
    if (n < 1 || n > (1L << 24)) {
        PyErr_SetString(PyExc_ValueError, "modulus degree out of range");
        goto done;
    }
    if (psi_buf.len % 4) {
        PyErr_SetString(PyExc_TypeError, "modulus exponents must be native int32 values");
        goto done;
    }
    const int nterms = (int)(psi_buf.len / 4);
    psi = PyMem_Malloc(sizeof(int32_t) * GF2_MODULUS_STORAGE(nterms));
    if (!psi) { PyErr_NoMemory(); goto done; }
    if (gf2_modulus_init(&m, (int)n, (const int32_t *)psi_buf.buf, nterms, psi) < 0) {
        PyErr_SetString(PyExc_ValueError, "modulus exponents must lie in [0, degree)");
        goto done;
    }

    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)m.nwords * 8);
    if (!result) goto done;
    uint64_t *r = (uint64_t *)PyBytes_AS_STRING(result);
    memset(r, 0, (size_t)m.nwords * 8);
    work = PyMem_Calloc(GF2_XPOW_WORK_WORDS(m.nwords), sizeof(uint64_t));
    if (!work) { Py_CLEAR(result); PyErr_NoMemory(); goto done; }

    xpow_on_path(r, e_buf.buf, (size_t)e_buf.len, &m, psi_buf.buf, nterms, work, path);

done:
    PyMem_Free(work);
    PyMem_Free(psi);
    PyBuffer_Release(&e_buf);
    PyBuffer_Release(&psi_buf);
    return result;
}

/* ------------------------------------------------------------------------ */
/* The MT19937 jump                                                          */

PyDoc_STRVAR(mt19937_jump_doc,
"mt19937_jump(key, g) -> bytes\n\n"
"Apply g(F) to the MT19937 window `key` (624 uint32 words, the state with pos = 624).\n"
"g: little-endian 64-bit words of a polynomial of degree < 19937.\n"
"The lower 31 bits of word 0 of the result are not meaningful (as in any window).");

static PyObject *py_mt19937_jump(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer key_buf, g_buf;
    if (!PyArg_ParseTuple(args, "y*y*", &key_buf, &g_buf)) return NULL;
    PyObject *result = NULL;
    uint32_t *work = NULL;
    if (key_buf.len != MT_N * 4) {
        PyErr_SetString(PyExc_ValueError, "key must be 624 uint32 words");
        goto done;
    }
    const Py_ssize_t gw = g_buf.len / 8;
    if (g_buf.len % 8 || gw * 64 < MT_DEGREE || gw > (MT_DEGREE + 63) / 64) {
        PyErr_SetString(PyExc_ValueError, "g must be 312 uint64 words");
        goto done;
    }
    work = PyMem_Malloc(sizeof(uint32_t) * MT_JUMP_WORK_WORDS);
    result = PyBytes_FromStringAndSize(NULL, MT_N * 4);
    if (!work || !result) { Py_CLEAR(result); PyErr_NoMemory(); goto done; }
    uint32_t *acc = (uint32_t *)PyBytes_AS_STRING(result);

    const mt_jump_loops_t *loops = path->jump; /* read with the GIL held */
    Py_BEGIN_ALLOW_THREADS
    mt_jump(key_buf.buf, g_buf.buf, (int)gw, acc, work, loops);
    Py_END_ALLOW_THREADS

done:
    PyMem_Free(work);
    PyBuffer_Release(&key_buf);
    PyBuffer_Release(&g_buf);
    return result;
}

PyDoc_STRVAR(mt19937_bind_doc,
"mt19937_bind(src, src_capsule, dst, dst_capsule) -> None\n\n"
"Point the bitgen_t behind `dst_capsule` at `dst`'s own MT19937 state struct, with\n"
"the functions of `src`'s, as numpy.random.MT19937.__init__ would: for a `dst` made\n"
"by MT19937.__new__ and BitGenerator.__init__ only, which skips the seeding (a\n"
"SeedSequence's 624 words, or OS entropy) that the caller overwrites anyway.  The\n"
"struct's place in the object is read off `src` (same exact type, checked), and\n"
"the layout is checked to hold for both objects.");

static PyObject *py_mt19937_bind(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *src, *src_capsule, *dst, *dst_capsule;
    if (!PyArg_ParseTuple(args, "OOOO", &src, &src_capsule, &dst, &dst_capsule)) return NULL;
    bitgen_t *sb = PyCapsule_GetPointer(src_capsule, "BitGenerator");
    bitgen_t *db = sb ? PyCapsule_GetPointer(dst_capsule, "BitGenerator") : NULL;
    if (!db) return NULL;
    const Py_ssize_t size = Py_TYPE(src)->tp_basicsize;
    const Py_ssize_t state_at = (char *)sb->state - (char *)src;
    const Py_ssize_t bitgen_at = (char *)sb - (char *)src;
    /* Both structs inside the object, the bitgen_t at the same place in both:
     * otherwise this is not the layout numpy's MT19937 has, and nothing is written. */
    if (Py_TYPE(dst) != Py_TYPE(src) || dst == src || sb->state == NULL ||
        state_at < (Py_ssize_t)sizeof(PyObject) ||
        state_at + (Py_ssize_t)sizeof(mt19937_state_t) > size ||
        bitgen_at < (Py_ssize_t)sizeof(PyObject) || bitgen_at + (Py_ssize_t)sizeof(bitgen_t) > size ||
        (char *)db - (char *)dst != bitgen_at) {
        PyErr_SetString(PyExc_ValueError,
                        "mt19937_bind needs two MT19937 objects of the same type with numpy's "
                        "layout; build the new one with its constructor instead");
        return NULL;
    }
    db->state = (char *)dst + state_at;
    db->next_uint64 = sb->next_uint64;
    db->next_uint32 = sb->next_uint32;
    db->next_double = sb->next_double;
    db->next_raw = sb->next_raw;
    Py_RETURN_NONE;
}

/* The last few x**P mod phi that mt19937_advance_state made, per path and modulus:
 * the same P recurs when a chunk grid is walked again (a count pass, then the
 * values; a recomputed task) or laid over several streams, and x**P is about
 * three quarters of a jump.  Read and written with the GIL held only. */
#define G_CACHE_SIZE 16
#define G_CACHE_TERMS 256 /* a modulus with more lower terms is not cached */
#define G_CACHE_WORDS ((MT_DEGREE + 63) / 64)
typedef struct {
    int used, nterms;
    unsigned __int128 power;
    const kernel_path_t *path;
    int32_t psi[G_CACHE_TERMS];
    uint64_t g[G_CACHE_WORDS];
} g_cache_entry_t;
static g_cache_entry_t g_cache[G_CACHE_SIZE];
static int g_cache_next;
static long long g_cache_hits, g_cache_misses;

static int g_cache_get(unsigned __int128 power, const kernel_path_t *p, const void *psi, int nterms,
                       uint64_t *g)
{
    for (int i = 0; i < G_CACHE_SIZE; i++) {
        const g_cache_entry_t *c = &g_cache[i];
        if (c->used && c->power == power && c->path == p && c->nterms == nterms &&
            !memcmp(c->psi, psi, sizeof(int32_t) * (size_t)nterms)) {
            memcpy(g, c->g, sizeof c->g);
            g_cache_hits++;
            return 1;
        }
    }
    g_cache_misses++;
    return 0;
}

static void g_cache_put(unsigned __int128 power, const kernel_path_t *p, const void *psi, int nterms,
                        const uint64_t *g)
{
    if (nterms > G_CACHE_TERMS) return;
    g_cache_entry_t *c = &g_cache[g_cache_next];
    g_cache_next = (g_cache_next + 1) % G_CACHE_SIZE;
    c->used = 1;
    c->nterms = nterms;
    c->power = power;
    c->path = p;
    memcpy(c->psi, psi, sizeof(int32_t) * (size_t)nterms);
    memcpy(c->g, g, sizeof c->g);
}

PyDoc_STRVAR(jump_cache_doc,
"jump_cache(clear=False) -> (hits, misses)\n\n"
"Counts of mt19937_advance_state's lookups of x**P mod phi among the last 16 it\n"
"made (per kernel path and modulus) since import; with `clear` true the cache\n"
"is emptied (the counts are kept), and so is the table of powers (its entries\n"
"are made again, on the path then in use).");

static PyObject *py_jump_cache(PyObject *Py_UNUSED(self), PyObject *args)
{
    int clear = 0;
    if (!PyArg_ParseTuple(args, "|p", &clear)) return NULL;
    if (clear) {
        for (int i = 0; i < G_CACHE_SIZE; i++) g_cache[i].used = 0;
        g_cache_next = 0;
        /* and the table of powers: its entries are made again on the path in use */
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(table.lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
        if (table.ready) memset(table.powers.ready, 0, (size_t)GF2_POW_WINDOWS * 256);
        PyThread_release_lock(table.lock);
    }
    return Py_BuildValue("(LL)", g_cache_hits, g_cache_misses);
}

PyDoc_STRVAR(mt19937_advance_state_doc,
"mt19937_advance_state(src, dst, steps, psi) -> None\n\n"
"Set the MT19937 state behind capsule `dst` to the one behind capsule `src` after\n"
"`steps` outputs (little-endian bytes, < 2**128), as numpy's own generation would\n"
"leave it: the rest of the block skipped by moving the position, whole blocks by\n"
"x**P mod phi (phi: degree 19937, lower exponents `psi`, int32) applied to the\n"
"window, the last block made by the recurrence.  Both capsules must be\n"
"numpy.random.MT19937's (checked by the caller); hold src's lock.");

static PyObject *py_mt19937_advance_state(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *src_capsule, *dst_capsule;
    Py_buffer steps_buf, psi_buf;
    if (!PyArg_ParseTuple(args, "OOy*y*", &src_capsule, &dst_capsule, &steps_buf, &psi_buf))
        return NULL;
    PyObject *result = NULL;
    int32_t *storage = NULL;
    uint64_t *gwork = NULL, *g = NULL;
    uint32_t *jwork = NULL;
    mt19937_state_t *src = state_of(src_capsule), *dst = src ? state_of(dst_capsule) : NULL;
    if (!dst) goto done;
    if (steps_buf.len > 16 || psi_buf.len % 4) {
        PyErr_SetString(PyExc_ValueError, "steps must be below 2**128 and psi int32 values");
        goto done;
    }
    unsigned __int128 steps = 0;
    for (Py_ssize_t i = steps_buf.len - 1; i >= 0; i--)
        steps = steps << 8 | ((const unsigned char *)steps_buf.buf)[i];
    uint32_t key[2 * MT_N];
    memcpy(key, src->key, sizeof src->key);
    const int pos = src->pos;
    if (pos < 0 || pos > MT_N) {
        PyErr_SetString(PyExc_ValueError, "the MT19937 state's position is outside 0..624");
        goto done;
    }
    const unsigned left = (unsigned)(MT_N - pos); /* outputs left in the current block */
    if (steps <= left) {
        memcpy(dst->key, key, sizeof dst->key);
        dst->pos = pos + (int)steps;
        result = Py_None;
        goto done;
    }
    /* After the block is used up the state is the window (key, pos = 624); numpy
     * would then make `blocks` more blocks and stand at `tail` in the last. */
    const unsigned __int128 rest = steps - left;
    const unsigned __int128 blocks = rest / MT_N + (rest % MT_N != 0); /* no overflow near 2**128 */
    const int tail = (int)(rest - MT_N * (blocks - 1));
    unsigned __int128 words = MT_N * (blocks - 1);
    if (words) {
        const int nterms = (int)(psi_buf.len / 4);
        gf2_modulus_t m;
        storage = PyMem_Malloc(sizeof(int32_t) * GF2_MODULUS_STORAGE(nterms));
        if (!storage) { PyErr_NoMemory(); goto done; }
        if (gf2_modulus_init(&m, MT_DEGREE, psi_buf.buf, nterms, storage) < 0) {
            PyErr_SetString(PyExc_ValueError, "modulus exponents must lie in [0, 19937)");
            goto done;
        }
        const unsigned __int128 power = words;
        unsigned char e[16];
        for (int i = 0; i < 16; i++, words >>= 8) e[i] = (unsigned char)words;
        g = PyMem_Calloc((size_t)m.nwords, sizeof(uint64_t));
        gwork = PyMem_Calloc(GF2_XPOW_WORK_WORDS(m.nwords), sizeof(uint64_t));
        jwork = PyMem_Malloc(sizeof(uint32_t) * MT_JUMP_WORK_WORDS);
        if (!g || !gwork || !jwork) { PyErr_NoMemory(); goto done; }
        const kernel_path_t *p = path; /* read with the GIL held */
        const int cached = m.nwords == G_CACHE_WORDS && g_cache_get(power, p, psi_buf.buf, nterms, g);
        if (!cached) xpow_on_path(g, e, sizeof e, &m, psi_buf.buf, nterms, gwork, p);
        Py_BEGIN_ALLOW_THREADS
        mt_jump(key, g, m.nwords, key, jwork, p->jump);
        Py_END_ALLOW_THREADS
        if (!cached && m.nwords == G_CACHE_WORDS) g_cache_put(power, p, psi_buf.buf, nterms, g);
    }
    /* numpy's next block from the window, as its mt19937_gen makes it */
    for (int i = 0; i < MT_N; i++) key[i + MT_N] = mt_twist(key[i], key[i + 1], key[i + MT_M]);
    memcpy(dst->key, key + MT_N, sizeof dst->key);
    dst->pos = tail;
    result = Py_None;

done:
    PyMem_Free(jwork);
    PyMem_Free(gwork);
    PyMem_Free(g);
    PyMem_Free(storage);
    PyBuffer_Release(&steps_buf);
    PyBuffer_Release(&psi_buf);
    Py_XINCREF(result);
    return result;
}

/* ------------------------------------------------------------------------ */
/* The legacy polar method's acceptance test, for counting                   */

PyDoc_STRVAR(polar_scan_doc,
"polar_scan(raw, mt, want) -> (accepted, index)\n\n"
"Count the accepted attempts of numpy's legacy polar method (legacy_gauss) in\n"
"`raw` (random_raw output: uint64 values; on MT19937 each holds one 32-bit word,\n"
"`mt` true).  An attempt is two doubles; it is accepted when\n"
"0 < x1*x1 + x2*x2 < 1 with x = 2u - 1.  `index` is the attempt number of the\n"
"accepted attempt number `want` (0-based), or -1 if there is none in `raw`.");

static PyObject *py_polar_scan(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer raw_buf;
    int mt;
    long long want, accepted, index;
    if (!PyArg_ParseTuple(args, "y*pL", &raw_buf, &mt, &want)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    polar_scan(raw_buf.buf, (size_t)(raw_buf.len / 8), mt, want, &accepted, &index);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&raw_buf);
    return Py_BuildValue("LL", accepted, index);
}

PyDoc_STRVAR(mt19937_polar_scan_doc,
"mt19937_polar_scan(key, pos, attempts, want) -> (accepted, index)\n\n"
"polar_scan over the next 4 * attempts words of the MT19937 state (key, pos),\n"
"generated here (numpy's recurrence and tempering) instead of read from an array.");

static PyObject *py_mt19937_polar_scan(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer key_buf;
    int pos;
    long long attempts, want, accepted, index;
    if (!PyArg_ParseTuple(args, "y*iLL", &key_buf, &pos, &attempts, &want)) return NULL;
    if (key_buf.len != MT_N * 4 || pos < 0 || pos > MT_N) {
        PyBuffer_Release(&key_buf);
        PyErr_SetString(PyExc_ValueError, "key must be 624 uint32 words and 0 <= pos <= 624");
        return NULL;
    }
    polar_work_t *work = PyMem_Malloc(sizeof *work);
    if (!work) {
        PyBuffer_Release(&key_buf);
        return PyErr_NoMemory();
    }
    const polar_loops_t *loops = path->polar; /* read with the GIL held */
    Py_BEGIN_ALLOW_THREADS
    polar_scan_mt19937(key_buf.buf, pos, attempts, want, &accepted, &index, work, loops);
    Py_END_ALLOW_THREADS
    PyMem_Free(work);
    PyBuffer_Release(&key_buf);
    return Py_BuildValue("LL", accepted, index);
}

PyDoc_STRVAR(mt19937_polar_flags_doc,
"mt19937_polar_flags(key, pos, attempts) -> bytes\n\n"
"One byte per attempt (1 accepted, 0 rejected), as mt19937_polar_scan counts them.");

static PyObject *py_mt19937_polar_flags(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer key_buf;
    int pos;
    long long attempts;
    if (!PyArg_ParseTuple(args, "y*iL", &key_buf, &pos, &attempts)) return NULL;
    if (key_buf.len != MT_N * 4 || pos < 0 || pos > MT_N || attempts < 0) {
        PyBuffer_Release(&key_buf);
        PyErr_SetString(PyExc_ValueError, "key must be 624 uint32 words, 0 <= pos <= 624");
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)attempts);
    polar_work_t *work = PyMem_Malloc(sizeof *work);
    if (!result || !work) {
        Py_XDECREF(result);
        PyMem_Free(work);
        PyBuffer_Release(&key_buf);
        return PyErr_NoMemory();
    }
    unsigned char *flags = (unsigned char *)PyBytes_AS_STRING(result);
    const polar_loops_t *loops = path->polar; /* read with the GIL held */
    Py_BEGIN_ALLOW_THREADS
    polar_flags_mt19937(key_buf.buf, pos, attempts, flags, work, loops);
    Py_END_ALLOW_THREADS
    PyMem_Free(work);
    PyBuffer_Release(&key_buf);
    return result;
}

/* ------------------------------------------------------------------------ */
/* The counting bit generator, as a capsule numpy's Generator accepts        */

typedef struct {
    counter_t counter; /* first: numpy reads the capsule's pointer as a bitgen_t */
    PyObject *owner;   /* keeps the real bit generator (counter.inner) alive */
} counting_t;

static const char bitgen_name[] = "BitGenerator"; /* numpy's capsule name for a bitgen_t */

static void counting_free(PyObject *capsule)
{
    counting_t *c = PyCapsule_GetPointer(capsule, bitgen_name);
    if (!c) return;
    Py_XDECREF(c->owner);
    PyMem_Free(c);
}

PyDoc_STRVAR(counting_capsule_doc,
"counting_capsule(capsule, owner) -> capsule\n\n"
"A bit generator capsule that forwards every draw to the bit generator in\n"
"`capsule` (numpy's, which `owner` keeps alive) and counts the draws.");

static PyObject *py_counting_capsule(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *inner_capsule, *owner;
    if (!PyArg_ParseTuple(args, "OO", &inner_capsule, &owner)) return NULL;
    bitgen_t *inner = PyCapsule_GetPointer(inner_capsule, bitgen_name);
    if (!inner) return NULL;
    counting_t *c = PyMem_Calloc(1, sizeof *c);
    if (!c) return PyErr_NoMemory();
    counter_init(&c->counter, inner);
    Py_INCREF(owner);
    c->owner = owner;
    PyObject *capsule = PyCapsule_New(c, bitgen_name, counting_free);
    if (!capsule) {
        Py_DECREF(owner);
        PyMem_Free(c);
    }
    return capsule;
}

PyDoc_STRVAR(counted_doc,
"counted(capsule) -> (n32, n64, nraw)\n\n"
"The draws made so far through a counting capsule: 32-bit, 64-bit (doubles\n"
"included) and raw.");

static PyObject *py_counted(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "O", &capsule)) return NULL;
    counting_t *c = PyCapsule_GetPointer(capsule, bitgen_name);
    if (!c) return NULL;
    if (PyCapsule_GetDestructor(capsule) != counting_free) {
        PyErr_SetString(PyExc_TypeError, "not a counting capsule");
        return NULL;
    }
    return Py_BuildValue("(LLL)", c->counter.n32, c->counter.n64, c->counter.nraw);
}

/* ------------------------------------------------------------------------ */
/* CPython's random.Random formulas after random()                          */

PyDoc_STRVAR(cpython_random_doc,
"cpython_random(formula, u, out, p0, p1, p2, p3, p4) -> (index, code, errno)\n\n"
"out[i] from random()'s doubles u[i] by CPython's formula `formula` (see\n"
"csrc/cpython_random.h), with the parameters p0..p4; u and out are float64\n"
"buffers of the same length (out may be u).  Returns (len(u), 0, 0), or where\n"
"CPython would raise: the index, the code (1 ZeroDivisionError from **, 2 an\n"
"errno from ** (ERANGE: OverflowError), 3 math domain error, 4 a complex\n"
"power) and errno.");

static PyObject *py_cpython_random(PyObject *Py_UNUSED(self), PyObject *args)
{
    int formula;
    Py_buffer u_buf, out_buf;
    double p[5];
    if (!PyArg_ParseTuple(args, "iy*w*ddddd", &formula, &u_buf, &out_buf, &p[0], &p[1], &p[2],
                          &p[3], &p[4]))
        return NULL;
    if (u_buf.len != out_buf.len || u_buf.len % 8 ||
        (formula == CPY_GAUSS && u_buf.len % 16)) {
        PyBuffer_Release(&u_buf);
        PyBuffer_Release(&out_buf);
        PyErr_SetString(PyExc_ValueError,
                        "u and out must be float64 buffers of one length (even for gauss)");
        return NULL;
    }
    cpy_error_t err;
    Py_BEGIN_ALLOW_THREADS
    cpython_random_apply(formula, u_buf.buf, out_buf.buf, (size_t)(u_buf.len / 8), p, &err);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&u_buf);
    PyBuffer_Release(&out_buf);
    return Py_BuildValue("nii", (Py_ssize_t)err.index, err.code, err.errnum);
}

/* ------------------------------------------------------------------------ */
/* The module                                                                */

static PyMethodDef kernel_methods[] = {
    {"polar_scan", py_polar_scan, METH_VARARGS, polar_scan_doc},
    {"mt19937_polar_scan", py_mt19937_polar_scan, METH_VARARGS, mt19937_polar_scan_doc},
    {"mt19937_polar_flags", py_mt19937_polar_flags, METH_VARARGS, mt19937_polar_flags_doc},
    {"counting_capsule", py_counting_capsule, METH_VARARGS, counting_capsule_doc},
    {"counted", py_counted, METH_VARARGS, counted_doc},
    {"cpython_random", py_cpython_random, METH_VARARGS, cpython_random_doc},
    {"select_path", py_select_path, METH_VARARGS, select_path_doc},
    {"current_path", py_current_path, METH_NOARGS, current_path_doc},
    {"available_paths", py_available_paths, METH_NOARGS, available_paths_doc},
    {"xpow_mod", py_xpow_mod, METH_VARARGS, xpow_mod_doc},
    {"mt19937_jump", py_mt19937_jump, METH_VARARGS, mt19937_jump_doc},
    {"mt19937_advance_state", py_mt19937_advance_state, METH_VARARGS, mt19937_advance_state_doc},
    {"mt19937_bind", py_mt19937_bind, METH_VARARGS, mt19937_bind_doc},
    {"jump_cache", py_jump_cache, METH_VARARGS, jump_cache_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_kernel",
    "GF(2) polynomial powers, the MT19937 jump, the legacy polar method's acceptance\n"
    "count, a counting bit generator and CPython's random formulas, compiled per\n"
    "instruction set (see _kernel.c).",
    -1, kernel_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void)
{
    gf2_init();
    if (!table.lock && !(table.lock = PyThread_allocate_lock())) return PyErr_NoMemory();
    PyObject *module = PyModule_Create(&kernel_module);
    if (!module) return NULL;
    const char *forced = getenv("SEEDSTREAM_SIMD");
    if (set_path(forced && *forced ? forced : "best", "SEEDSTREAM_SIMD=") < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
