/*
 * seedstream._kernel -- the compiled core.
 *
 * Two pieces of arithmetic, nothing else (seeding, state and validation live
 * in Python, in seedstream._jump):
 *
 *   xpow_mod(e, modulus)  x^e mod phi over GF(2), phi sparse (a list of exponents).
 *   mt19937_jump(key, g)  g(F) applied to an MT19937 window of 624 untempered words.
 *
 * Polynomials are little-endian arrays of 64-bit words: bit i of word w is the
 * coefficient of x^(64 w + i).
 *
 * Reference: H. Haramoto, M. Matsumoto, T. Nishimura, F. Panneton, P. L'Ecuyer,
 * "Efficient Jump Ahead for F2-Linear Random Number Generators",
 * INFORMS Journal on Computing 20(3), 385-390, 2008.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Vector units.  Each hot loop is compiled once per instruction set: a portable
 * build, and AVX2 / AVX-512 builds where the compiler can make them (setup.py
 * probes it and defines SS_HAVE_AVX2, SS_HAVE_AVX512, SS_HAVE_AVX512VBMI2;
 * without them only the portable build exists).  One set, a "path", is chosen
 * at import: the widest this CPU runs, or the one named by $SEEDSTREAM_SIMD, and
 * select_path() switches it.  Choosing explicitly, rather than with
 * target_clones, lets the tests run every path this CPU has. */
#ifndef SS_HAVE_AVX2
#define SS_HAVE_AVX2 0
#endif
#ifndef SS_HAVE_AVX512
#define SS_HAVE_AVX512 0
#endif
#if !defined(SS_HAVE_AVX512VBMI2) || !SS_HAVE_AVX512 /* it reuses the AVX-512 loops */
#undef SS_HAVE_AVX512VBMI2
#define SS_HAVE_AVX512VBMI2 0
#endif
#if SS_HAVE_AVX512VBMI2
#include <immintrin.h>
#endif
#define SS_TARGET(isa) __attribute__((target(isa)))

/* ------------------------------------------------------------------------ */
/* Sparse modulus phi = x^n + sum_k x^psi[k]                                 */

typedef struct {
    int degree;       /* n */
    int nterms;       /* number of lower terms psi[] */
    int32_t *psi;     /* exponents of the lower terms, each < n (owned) */
    int block_bits;   /* n - max(psi): bits that can be reduced in one sweep */
    int nwords;       /* words of a reduced polynomial: ceil(n / 64) */
} modulus_t;

#define SS_INLINE static inline __attribute__((always_inline))

/* One reduction block: v[0..k) holds bits [lo, lo + 64 k) of the polynomial,
 * already cleared from t; add v * x^(lo - n) * (phi - x^n) to t.  v[-1] and
 * v[k] are zero words, and t is padded so that a zero word may be XORed at
 * t[d + k]. */
typedef void (*xor_terms_fn)(uint64_t *t, const uint64_t *v, int k, int lo, const modulus_t *m);

/* A path: one build of every hot loop (they are defined further down). */
typedef struct {
    const char *name;
    int (*runs_here)(void);  /* whether this CPU has the instructions */
    xor_terms_fn xor_terms;
    int max_block_bits;      /* the longest block xor_terms takes */
    void (*xor_window)(uint32_t *restrict acc, const uint32_t *restrict x);
    void (*temper_block)(const uint32_t *key, uint32_t *out);
    long long (*polar_flags)(const uint32_t *restrict w, unsigned char *restrict flags, int k);
} simd_path_t;

/* The path in use (set at import).  A caller reads it once per call, with the
 * GIL held, so that a switch from another thread cannot mix two paths within
 * one computation. */
static const simd_path_t *ss_path;

SS_INLINE void xor_terms_body(uint64_t *t, const uint64_t *v, int k, int lo, const modulus_t *m)
{
    for (int i = 0; i < m->nterms; i++) {
        int pos = lo - m->degree + m->psi[i];
        uint64_t *out = t + (pos >> 6);
        int s = pos & 63;
        if (s == 0) {
            for (int j = 0; j < k; j++) out[j] ^= v[j];
        } else {
            for (int j = 0; j <= k; j++) out[j] ^= (v[j] << s) | (v[j - 1] >> (64 - s));
        }
    }
}

#if SS_HAVE_AVX512VBMI2
/* The same for k <= 15: the shifted block is two 512-bit registers, and the
 * funnel shift (v[j] : v[j-1]) << s is one VPSHLDVQ. */
SS_TARGET("avx512f,avx512vbmi2")
static void xor_terms_vbmi2(uint64_t *t, const uint64_t *v, int k, int lo, const modulus_t *m)
{
    const __m512i zero = _mm512_setzero_si512();
    const __mmask8 lo_mask = (__mmask8)((k + 1 >= 8) ? 0xff : ((1u << (k + 1)) - 1));
    const __mmask8 hi_mask = (__mmask8)((k + 1 > 8) ? ((1u << (k + 1 - 8)) - 1) : 0);
    const __m512i v0 = _mm512_maskz_loadu_epi64(lo_mask, v);
    const __m512i v1 = _mm512_maskz_loadu_epi64(hi_mask, v + 8);
    const __m512i p0 = _mm512_alignr_epi64(v0, zero, 7); /* v[j - 1] */
    const __m512i p1 = _mm512_alignr_epi64(v1, v0, 7);
    for (int i = 0; i < m->nterms; i++) {
        int pos = lo - m->degree + m->psi[i];
        uint64_t *out = t + (pos >> 6);
        const __m512i s = _mm512_set1_epi64(pos & 63);
        __m512i a = _mm512_maskz_loadu_epi64(lo_mask, out);
        a = _mm512_xor_si512(a, _mm512_shldv_epi64(v0, p0, s));
        _mm512_mask_storeu_epi64(out, lo_mask, a);
        if (hi_mask) {
            __m512i b = _mm512_maskz_loadu_epi64(hi_mask, out + 8);
            b = _mm512_xor_si512(b, _mm512_shldv_epi64(v1, p1, s));
            _mm512_mask_storeu_epi64(out + 8, hi_mask, b);
        }
    }
}
#endif

/* Reduce t (tw words, any degree) modulo phi, in place.
 *
 * Bits at positions p >= n are replaced by x^(p-n) * (phi - x^n), whose highest
 * term lies at p - block_bits.  So the high part can be taken from the top in
 * blocks of at most block_bits bits: what one block adds lands strictly below
 * it, and each block is complete when it is reached.  t must have one word of
 * padding beyond tw; scratch holds >= 2 + tw words. */
SS_INLINE void reduce(uint64_t *t, int tw, const modulus_t *m, uint64_t *scratch,
                      int max_block_bits, xor_terms_fn xor_terms)
{
    const int n = m->degree;
    const int block_bits = m->block_bits < max_block_bits ? m->block_bits : max_block_bits;
    uint64_t *v = scratch + 1; /* v[-1] must be readable */
    int hi = 64 * tw;
    while (hi > n) {
        int lo = hi - block_bits;
        if (lo < n) lo = n;
        /* word-align the block start (upwards: blocks may only shrink) */
        if (lo > n && (lo & 63) && ((lo + 63) & ~63) < hi) lo = (lo + 63) & ~63;
        int nbits = hi - lo;
        int k = (nbits + 63) / 64;
        /* extract bits [lo, hi) of t into v[0..k), clearing them in t */
        int w0 = lo >> 6, s0 = lo & 63;
        scratch[0] = 0;
        for (int j = 0; j <= k; j++) v[j] = 0;
        for (int j = 0; j < k; j++) {
            uint64_t a = t[w0 + j] >> s0;
            if (s0 && w0 + j + 1 < tw) a |= t[w0 + j + 1] << (64 - s0);
            v[j] = a;
        }
        if (nbits & 63) v[k - 1] &= (~(uint64_t)0) >> (64 - (nbits & 63));
        for (int p = lo; p < hi;) {
            int w = p >> 6, b = p & 63;
            int len = 64 - b;
            if (len > hi - p) len = hi - p;
            uint64_t mask = (len == 64) ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1) << b;
            t[w] &= ~mask;
            p += len;
        }
        xor_terms(t, v, k, lo, m);
        hi = lo;
    }
}

/* 16-bit -> 32-bit bit spreading, for squaring (a(x)^2 = a(x^2) over GF(2)). */
static uint32_t spread_table[256];

static void init_spread_table(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t r = 0;
        for (int i = 0; i < 8; i++) r |= ((b >> i) & 1u) << (2 * i);
        spread_table[b] = r;
    }
}

SS_INLINE uint64_t spread32(uint32_t x)
{
    return (uint64_t)spread_table[x & 255] | ((uint64_t)spread_table[(x >> 8) & 255] << 16) |
           ((uint64_t)spread_table[(x >> 16) & 255] << 32) |
           ((uint64_t)spread_table[x >> 24] << 48);
}

/* r = r^2 mod phi.  t: 2 * nwords + 1 words, scratch: 2 + 2 * nwords words. */
SS_INLINE void sqr_mod(uint64_t *r, const modulus_t *m, uint64_t *t, uint64_t *scratch,
                       const simd_path_t *path)
{
    const int nw = m->nwords;
    for (int i = 0; i < nw; i++) {
        t[2 * i] = spread32((uint32_t)r[i]);
        t[2 * i + 1] = spread32((uint32_t)(r[i] >> 32));
    }
    reduce(t, 2 * nw, m, scratch, path->max_block_bits, path->xor_terms);
    memcpy(r, t, (size_t)nw * sizeof(uint64_t));
}

/* r = r * x mod phi */
SS_INLINE void mulx_mod(uint64_t *r, const modulus_t *m)
{
    const int nw = m->nwords, n = m->degree;
    uint64_t carry = 0;
    for (int i = 0; i < nw; i++) {
        uint64_t c = r[i] >> 63;
        r[i] = (r[i] << 1) | carry;
        carry = c;
    }
    /* bit n is set only if it was bit n - 1 before the shift */
    int w = n >> 6, b = n & 63;
    int top = (w < nw) ? (int)((r[w] >> b) & 1) : (int)carry;
    if (top) {
        if (w < nw) r[w] &= ~((uint64_t)1 << b);
        for (int i = 0; i < m->nterms; i++) r[m->psi[i] >> 6] ^= (uint64_t)1 << (m->psi[i] & 63);
    }
}

/* r = x^e mod phi, r zeroed on entry; e: little-endian bytes, nbits significant. */
static void xpow(uint64_t *r, const unsigned char *e, Py_ssize_t nbits, const modulus_t *m,
                 uint64_t *t, uint64_t *scratch, const simd_path_t *path)
{
    /* Left to right.  The leading bits form a value v < degree: x^v is a monomial. */
    Py_ssize_t i = nbits;
    uint64_t v = 0;
    while (i > 0) {
        int bit = (e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1;
        if (((v << 1) | (uint64_t)bit) >= (uint64_t)m->degree) break;
        v = (v << 1) | (uint64_t)bit;
        i--;
    }
    r[v >> 6] = (uint64_t)1 << (v & 63);
    for (; i > 0; i--) {
        sqr_mod(r, m, t, scratch, path);
        if ((e[(i - 1) >> 3] >> ((i - 1) & 7)) & 1) mulx_mod(r, m);
    }
}

/* ------------------------------------------------------------------------ */
/* Python entry points                                                        */

static int get_modulus(PyObject *degree_obj, Py_buffer *psi_buf, modulus_t *m)
{
    long n = PyLong_AsLong(degree_obj);
    if (n == -1 && PyErr_Occurred()) return -1;
    if (n < 1 || n > (1L << 24)) {
        PyErr_SetString(PyExc_ValueError, "modulus degree out of range");
        return -1;
    }
    if (psi_buf->len % 4) {
        PyErr_SetString(PyExc_TypeError, "modulus exponents must be native int32 values");
        return -1;
    }
    const int32_t *given = (const int32_t *)psi_buf->buf;
    const int nterms = (int)(psi_buf->len / 4);
    int32_t *psi = PyMem_Malloc(sizeof(int32_t) * (size_t)(nterms + 1));
    if (!psi) {
        PyErr_NoMemory();
        return -1;
    }
    /* Visit the terms 16 apart in sorted order: consecutive XORs of one block
     * then land far apart in memory instead of on top of each other, which
     * keeps loads from waiting on the stores just before them (1.6x here). */
    int top = -1, j = 0;
    for (int g = 0; g < 16; g++)
        for (int i = g; i < nterms; i += 16) psi[j++] = given[i];
    for (int i = 0; i < nterms; i++) {
        if (psi[i] < 0 || psi[i] >= n) {
            PyMem_Free(psi);
            PyErr_SetString(PyExc_ValueError, "modulus exponents must lie in [0, degree)");
            return -1;
        }
        if (psi[i] > top) top = psi[i];
    }
    m->degree = (int)n;
    m->nterms = nterms;
    m->psi = psi;
    m->block_bits = (int)n - top;
    m->nwords = (int)((n + 63) / 64);
    return 0;
}

PyDoc_STRVAR(xpow_mod_doc,
"xpow_mod(exponent, degree, psi) -> bytes\n\n"
"x**exponent mod (x**degree + sum(x**k for k in psi)) over GF(2).\n"
"exponent: little-endian bytes; psi: int32 buffer of the lower exponents.\n"
"Returns ceil(degree / 64) little-endian 64-bit words.");

static PyObject *py_xpow_mod(PyObject *self, PyObject *args)
{
    Py_buffer e_buf, psi_buf;
    PyObject *degree_obj;
    if (!PyArg_ParseTuple(args, "y*Oy*", &e_buf, &degree_obj, &psi_buf)) return NULL;
    PyObject *result = NULL;
    uint64_t *mem = NULL;
    modulus_t m = {0};
    if (get_modulus(degree_obj, &psi_buf, &m) < 0) goto done;

    const int nw = m.nwords;
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)nw * 8);
    if (!result) goto done;
    uint64_t *r = (uint64_t *)PyBytes_AS_STRING(result);
    memset(r, 0, (size_t)nw * 8);
    mem = PyMem_Calloc((size_t)(4 * nw + 4), sizeof(uint64_t));
    if (!mem) { Py_CLEAR(result); PyErr_NoMemory(); goto done; }
    uint64_t *t = mem, *scratch = mem + 2 * nw + 1;

    const unsigned char *e = (const unsigned char *)e_buf.buf;
    Py_ssize_t nbits = e_buf.len * 8;
    while (nbits > 0 && !((e[(nbits - 1) >> 3] >> ((nbits - 1) & 7)) & 1)) nbits--;

    const simd_path_t *path = ss_path; /* read with the GIL held */
    Py_BEGIN_ALLOW_THREADS
    xpow(r, e, nbits, &m, t, scratch, path);
    Py_END_ALLOW_THREADS

done:
    PyMem_Free(mem);
    PyMem_Free(m.psi);
    PyBuffer_Release(&e_buf);
    PyBuffer_Release(&psi_buf);
    return result;
}

/* ------------------------------------------------------------------------ */
/* MT19937                                                                   */

#define MT_N 624
#define MT_M 397
#define MT_DEGREE 19937
#define MT_MATRIX_A 0x9908b0dfU
#define MT_UPPER 0x80000000U
#define MT_LOWER 0x7fffffffU

/* acc[0..624) ^= x[0..624) */
SS_INLINE void xor_window_body(uint32_t *restrict acc, const uint32_t *restrict x)
{
    for (int j = 0; j < MT_N; j++) acc[j] ^= x[j];
}

PyDoc_STRVAR(mt19937_jump_doc,
"mt19937_jump(key, g) -> bytes\n\n"
"Apply g(F) to the MT19937 window `key` (624 uint32 words, the state with pos = 624).\n"
"g: little-endian 64-bit words of a polynomial of degree < 19937.\n"
"The lower 31 bits of word 0 of the result are not meaningful (as in any window).");

static PyObject *py_mt19937_jump(PyObject *self, PyObject *args)
{
    Py_buffer key_buf, g_buf;
    if (!PyArg_ParseTuple(args, "y*y*", &key_buf, &g_buf)) return NULL;
    PyObject *result = NULL;
    uint32_t *x = NULL;
    if (key_buf.len != MT_N * 4) {
        PyErr_SetString(PyExc_ValueError, "key must be 624 uint32 words");
        goto done;
    }
    const Py_ssize_t gw = g_buf.len / 8;
    if (g_buf.len % 8 || gw * 64 < MT_DEGREE || gw > (MT_DEGREE + 63) / 64) {
        PyErr_SetString(PyExc_ValueError, "g must be 312 uint64 words");
        goto done;
    }
    const int nx = MT_DEGREE + MT_N; /* windows x[i : i + 624] for i < 19937 */
    x = PyMem_Malloc(sizeof(uint32_t) * (size_t)nx);
    result = PyBytes_FromStringAndSize(NULL, MT_N * 4);
    if (!x || !result) { Py_CLEAR(result); PyErr_NoMemory(); goto done; }
    uint32_t *acc = (uint32_t *)PyBytes_AS_STRING(result);
    const uint64_t *g = (const uint64_t *)g_buf.buf;
    void (*xor_window)(uint32_t *restrict, const uint32_t *restrict) = ss_path->xor_window;

    Py_BEGIN_ALLOW_THREADS
    memcpy(x, key_buf.buf, MT_N * 4);
    /* the untempered words that follow, by the MT recurrence itself */
    for (int i = 0; i + MT_N < nx; i++) {
        uint32_t y = (x[i] & MT_UPPER) | (x[i + 1] & MT_LOWER);
        x[i + MT_N] = x[i + MT_M] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    memset(acc, 0, MT_N * 4);
    for (int w = 0; w < (int)gw; w++) {
        uint64_t bits = g[w];
        while (bits) {
            int b = __builtin_ctzll(bits);
            int i = 64 * w + b;
            if (i < MT_DEGREE) xor_window(acc, x + i);
            bits &= bits - 1;
        }
    }
    Py_END_ALLOW_THREADS

done:
    PyMem_Free(x);
    PyBuffer_Release(&key_buf);
    PyBuffer_Release(&g_buf);
    return result;
}

/* ------------------------------------------------------------------------ */
/* The legacy polar method's acceptance test, for counting                   */

/* numpy's legacy double from two 32-bit MT19937 words, or next_double of a
 * 64-bit generator.  Exact in IEEE double arithmetic (integers below 2**53,
 * division by a power of two), as numpy's own C code computes it. */
static inline double polar_double(const uint64_t *raw, Py_ssize_t *i, int mt)
{
    if (mt) {
        uint64_t a = (raw[*i] & 0xffffffffu) >> 5, b = (raw[*i + 1] & 0xffffffffu) >> 6;
        *i += 2;
        return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
    }
    uint64_t w = raw[*i];
    *i += 1;
    return (double)(w >> 11) * (1.0 / 9007199254740992.0);
}

PyDoc_STRVAR(polar_scan_doc,
"polar_scan(raw, mt, want) -> (accepted, index)\n\n"
"Count the accepted attempts of numpy's legacy polar method (legacy_gauss) in\n"
"`raw` (random_raw output: uint64 values; on MT19937 each holds one 32-bit word,\n"
"`mt` true).  An attempt is two doubles; it is accepted when\n"
"0 < x1*x1 + x2*x2 < 1 with x = 2u - 1.  `index` is the attempt number of the\n"
"accepted attempt number `want` (0-based), or -1 if there is none in `raw`.");

static PyObject *py_polar_scan(PyObject *self, PyObject *args)
{
    Py_buffer raw_buf;
    int mt;
    long long want;
    if (!PyArg_ParseTuple(args, "y*pL", &raw_buf, &mt, &want)) return NULL;
    const uint64_t *raw = (const uint64_t *)raw_buf.buf;
    const Py_ssize_t n = raw_buf.len / 8, per = mt ? 4 : 2;
    long long accepted = 0, index = -1;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t i = 0;
    for (long long attempt = 0; i + per <= n; attempt++) {
        /* x1 * x1 + x2 * x2 without contraction: see -ffp-contract=off in setup.py */
        double x1 = 2.0 * polar_double(raw, &i, mt) - 1.0;
        double x2 = 2.0 * polar_double(raw, &i, mt) - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        if (r2 < 1.0 && r2 != 0.0) {
            if (accepted == want) index = attempt;
            accepted++;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&raw_buf);
    return Py_BuildValue("LL", accepted, index);
}

/* MT19937 itself, for counting without materialising its words: the state is
 * numpy's (key, pos); a new block is made when pos reaches 624, and outputs
 * are tempered, exactly as numpy's mt19937_next32. */
static inline uint32_t mt_twist(uint32_t a, uint32_t b, uint32_t m)
{
    uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);
    return m ^ (y >> 1) ^ ((uint32_t)(-(int32_t)(y & 1u)) & MT_MATRIX_A);
}

static void mt_next_block(uint32_t *key)
{
    int i = 0;
    for (; i < MT_N - MT_M; i++) key[i] = mt_twist(key[i], key[i + 1], key[i + MT_M]);
    for (; i < MT_N - 1; i++) key[i] = mt_twist(key[i], key[i + 1], key[i + MT_M - MT_N]);
    key[MT_N - 1] = mt_twist(key[MT_N - 1], key[0], key[MT_M - 1]);
}

SS_INLINE void temper_block_body(const uint32_t *key, uint32_t *out)
{
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = key[i];
        y ^= (y >> 11);
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= (y >> 18);
        out[i] = y;
    }
}

/* Tempered outputs of an MT19937 state, a block at a time. */
typedef struct {
    uint32_t key[MT_N];
    uint32_t out[MT_N];
    int pos;
    void (*temper_block)(const uint32_t *key, uint32_t *out);
} mt_stream_t;

static void mt_stream_init(mt_stream_t *st, const uint32_t *key, int pos)
{
    memcpy(st->key, key, sizeof st->key);
    st->temper_block = ss_path->temper_block;
    st->temper_block(st->key, st->out);
    st->pos = pos;
}

static inline uint32_t mt_stream_next(mt_stream_t *st)
{
    if (st->pos >= MT_N) {
        mt_next_block(st->key);
        st->temper_block(st->key, st->out);
        st->pos = 0;
    }
    return st->out[st->pos++];
}

/* Accept flags of `k` polar attempts whose 4 * k words are in w: branch-free,
 * so that the compiler vectorises it. */
SS_INLINE long long polar_flags_body(const uint32_t *restrict w, unsigned char *restrict flags,
                                   int k)
{
    long long accepted = 0;
    for (int j = 0; j < k; j++) {
        double u1 = ((double)(w[4 * j] >> 5) * 67108864.0 + (double)(w[4 * j + 1] >> 6)) *
                    (1.0 / 9007199254740992.0);
        double u2 = ((double)(w[4 * j + 2] >> 5) * 67108864.0 + (double)(w[4 * j + 3] >> 6)) *
                    (1.0 / 9007199254740992.0);
        double x1 = 2.0 * u1 - 1.0, x2 = 2.0 * u2 - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        unsigned char ok = (unsigned char)((r2 < 1.0) & (r2 != 0.0));
        flags[j] = ok;
        accepted += ok;
    }
    return accepted;
}

PyDoc_STRVAR(mt19937_polar_scan_doc,
"mt19937_polar_scan(key, pos, attempts, want) -> (accepted, index)\n\n"
"polar_scan over the next 4 * attempts words of the MT19937 state (key, pos),\n"
"generated here (numpy's recurrence and tempering) instead of read from an array.");

static PyObject *py_mt19937_polar_scan(PyObject *self, PyObject *args)
{
    Py_buffer key_buf;
    int pos;
    long long attempts, want;
    if (!PyArg_ParseTuple(args, "y*iLL", &key_buf, &pos, &attempts, &want)) return NULL;
    if (key_buf.len != MT_N * 4 || pos < 0 || pos > MT_N) {
        PyBuffer_Release(&key_buf);
        PyErr_SetString(PyExc_ValueError, "key must be 624 uint32 words and 0 <= pos <= 624");
        return NULL;
    }
    enum { BATCH = 1024 };
    mt_stream_t *st = PyMem_Malloc(sizeof *st);
    uint32_t *words = PyMem_Malloc(4 * BATCH * sizeof(uint32_t));
    unsigned char *flags = PyMem_Malloc(BATCH);
    if (!st || !words || !flags) {
        PyMem_Free(st);
        PyMem_Free(words);
        PyMem_Free(flags);
        PyBuffer_Release(&key_buf);
        return PyErr_NoMemory();
    }
    mt_stream_init(st, (const uint32_t *)key_buf.buf, pos);
    PyBuffer_Release(&key_buf);
    long long (*polar_flags)(const uint32_t *restrict, unsigned char *restrict, int) =
        ss_path->polar_flags;
    long long accepted = 0, index = -1;
    Py_BEGIN_ALLOW_THREADS
    for (long long done = 0; done < attempts;) {
        int k = (int)((attempts - done < BATCH) ? attempts - done : BATCH);
        for (int i = 0; i < 4 * k; i++) words[i] = mt_stream_next(st);
        long long got = polar_flags(words, flags, k);
        if (index < 0 && want >= accepted && want < accepted + got) {
            long long seen = accepted;
            for (int j = 0; j < k; j++) {
                if (flags[j] && seen++ == want) {
                    index = done + j;
                    break;
                }
            }
        }
        accepted += got;
        done += k;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(words);
    PyMem_Free(flags);
    PyMem_Free(st);
    return Py_BuildValue("LL", accepted, index);
}

PyDoc_STRVAR(mt19937_polar_flags_doc,
"mt19937_polar_flags(key, pos, attempts) -> bytes\n\n"
"One byte per attempt (1 accepted, 0 rejected), as mt19937_polar_scan counts them.");

static PyObject *py_mt19937_polar_flags(PyObject *self, PyObject *args)
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
    enum { BATCH = 1024 };
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)attempts);
    mt_stream_t *st = PyMem_Malloc(sizeof *st);
    uint32_t *words = PyMem_Malloc(4 * BATCH * sizeof(uint32_t));
    if (!result || !st || !words) {
        Py_XDECREF(result);
        PyMem_Free(st);
        PyMem_Free(words);
        PyBuffer_Release(&key_buf);
        return PyErr_NoMemory();
    }
    unsigned char *flags = (unsigned char *)PyBytes_AS_STRING(result);
    mt_stream_init(st, (const uint32_t *)key_buf.buf, pos);
    PyBuffer_Release(&key_buf);
    long long (*polar_flags)(const uint32_t *restrict, unsigned char *restrict, int) =
        ss_path->polar_flags;
    Py_BEGIN_ALLOW_THREADS
    for (long long done = 0; done < attempts;) {
        int k = (int)((attempts - done < BATCH) ? attempts - done : BATCH);
        for (int i = 0; i < 4 * k; i++) words[i] = mt_stream_next(st);
        polar_flags(words, flags + done, k);
        done += k;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(words);
    PyMem_Free(st);
    return result;
}

/* ------------------------------------------------------------------------ */
/* A counting bit generator.  numpy's own methods run on it; it forwards     */
/* every draw to a real bit generator and counts the draws by width, so a    */
/* caller learns exactly how many units numpy's method consumed.            */

typedef struct {  /* numpy's bitgen_t (numpy/random/bitgen.h), its public C ABI */
    void *state;
    uint64_t (*next_uint64)(void *st);
    uint32_t (*next_uint32)(void *st);
    double (*next_double)(void *st);
    uint64_t (*next_raw)(void *st);
} bitgen_t;

typedef struct {
    bitgen_t outer;     /* first: the capsule's pointer is this struct's */
    bitgen_t *inner;    /* the real bit generator's, owned by `owner` */
    PyObject *owner;
    long long n32, n64, nraw;  /* a double is a 64-bit draw */
} counter_t;

static const char bitgen_name[] = "BitGenerator";

static uint64_t counter_next_uint64(void *st)
{
    counter_t *c = st;
    c->n64++;
    return c->inner->next_uint64(c->inner->state);
}

static uint32_t counter_next_uint32(void *st)
{
    counter_t *c = st;
    c->n32++;
    return c->inner->next_uint32(c->inner->state);
}

static double counter_next_double(void *st)
{
    counter_t *c = st;
    c->n64++;
    return c->inner->next_double(c->inner->state);
}

static uint64_t counter_next_raw(void *st)
{
    counter_t *c = st;
    c->nraw++;
    return c->inner->next_raw(c->inner->state);
}

static void counter_free(PyObject *capsule)
{
    counter_t *c = PyCapsule_GetPointer(capsule, bitgen_name);
    if (!c) return;
    Py_XDECREF(c->owner);
    PyMem_Free(c);
}

PyDoc_STRVAR(counting_capsule_doc,
"counting_capsule(capsule, owner) -> capsule\n\n"
"A bit generator capsule that forwards every draw to the bit generator in\n"
"`capsule` (numpy's, which `owner` keeps alive) and counts the draws.");

static PyObject *py_counting_capsule(PyObject *self, PyObject *args)
{
    PyObject *inner_capsule, *owner;
    if (!PyArg_ParseTuple(args, "OO", &inner_capsule, &owner)) return NULL;
    bitgen_t *inner = PyCapsule_GetPointer(inner_capsule, bitgen_name);
    if (!inner) return NULL;
    counter_t *c = PyMem_Calloc(1, sizeof *c);
    if (!c) return PyErr_NoMemory();
    c->outer.state = c;
    c->outer.next_uint64 = counter_next_uint64;
    c->outer.next_uint32 = counter_next_uint32;
    c->outer.next_double = counter_next_double;
    c->outer.next_raw = counter_next_raw;
    c->inner = inner;
    Py_INCREF(owner);
    c->owner = owner;
    PyObject *capsule = PyCapsule_New(c, bitgen_name, counter_free);
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

static PyObject *py_counted(PyObject *self, PyObject *args)
{
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "O", &capsule)) return NULL;
    counter_t *c = PyCapsule_GetPointer(capsule, bitgen_name);
    if (!c) return NULL;
    if (PyCapsule_GetDestructor(capsule) != counter_free) {
        PyErr_SetString(PyExc_TypeError, "not a counting capsule");
        return NULL;
    }
    return Py_BuildValue("(LLL)", c->n32, c->n64, c->nraw);
}

/* ------------------------------------------------------------------------ */
/* The paths: every hot loop built for each instruction set                 */

/* The bodies above are inlined into each wrapper and compiled for its target. */
#define SS_BUILD_PATH(suffix, attr)                                                          \
    attr static void xor_terms_##suffix(uint64_t *t, const uint64_t *v, int k, int lo,       \
                                        const modulus_t *m)                                  \
    {                                                                                        \
        xor_terms_body(t, v, k, lo, m);                                                      \
    }                                                                                        \
    attr static void xor_window_##suffix(uint32_t *restrict acc, const uint32_t *restrict x) \
    {                                                                                        \
        xor_window_body(acc, x);                                                             \
    }                                                                                        \
    attr static void temper_block_##suffix(const uint32_t *key, uint32_t *out)              \
    {                                                                                        \
        temper_block_body(key, out);                                                         \
    }                                                                                        \
    attr static long long polar_flags_##suffix(const uint32_t *restrict w,                   \
                                               unsigned char *restrict flags, int k)         \
    {                                                                                        \
        return polar_flags_body(w, flags, k);                                                \
    }

static int runs_anywhere(void) { return 1; }
SS_BUILD_PATH(portable, )

#if SS_HAVE_AVX2
static int runs_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
SS_BUILD_PATH(avx2, SS_TARGET("avx2"))
#endif

#if SS_HAVE_AVX512
static int runs_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
SS_BUILD_PATH(avx512, SS_TARGET("avx512f"))
#endif

#if SS_HAVE_AVX512VBMI2
static int runs_vbmi2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vbmi2");
}
#endif

#define SS_NO_BLOCK_LIMIT (1 << 30)

/* Narrowest first; "best" is the last one this CPU runs. */
static const simd_path_t ss_paths[] = {
    {"portable", runs_anywhere, xor_terms_portable, SS_NO_BLOCK_LIMIT, xor_window_portable,
     temper_block_portable, polar_flags_portable},
#if SS_HAVE_AVX2
    {"avx2", runs_avx2, xor_terms_avx2, SS_NO_BLOCK_LIMIT, xor_window_avx2, temper_block_avx2,
     polar_flags_avx2},
#endif
#if SS_HAVE_AVX512
    {"avx512", runs_avx512, xor_terms_avx512, SS_NO_BLOCK_LIMIT, xor_window_avx512,
     temper_block_avx512, polar_flags_avx512},
#endif
#if SS_HAVE_AVX512VBMI2
    /* AVX-512, with the reduction's funnel shifts in VBMI2: k <= 15 words, two registers */
    {"avx512vbmi2", runs_vbmi2, xor_terms_vbmi2, 15 * 64, xor_window_avx512,
     temper_block_avx512, polar_flags_avx512},
#endif
};
#define SS_NPATHS ((int)(sizeof ss_paths / sizeof ss_paths[0]))
static const char *const ss_path_names[] = {"portable", "avx2", "avx512", "avx512vbmi2"};

/* The names of the paths this build has and this CPU runs, for messages. */
static PyObject *runnable_names(void)
{
    PyObject *names = PyUnicode_FromString("");
    for (int i = 0; names && i < SS_NPATHS; i++) {
        if (!ss_paths[i].runs_here()) continue;
        PyObject *joined = PyUnicode_FromFormat("%U%s%s", names, i ? ", " : "", ss_paths[i].name);
        Py_SETREF(names, joined);
    }
    return names;
}

/* Make `name` the path in use; 0, or -1 with ValueError set (`what` names the setting). */
static int set_path(const char *name, const char *what)
{
    if (strcmp(name, "best") == 0) {
        for (int i = SS_NPATHS - 1; i >= 0; i--) {
            if (ss_paths[i].runs_here()) {
                ss_path = &ss_paths[i];
                return 0;
            }
        }
    }
    for (int i = 0; i < SS_NPATHS; i++) {
        if (strcmp(name, ss_paths[i].name) != 0) continue;
        if (ss_paths[i].runs_here()) {
            ss_path = &ss_paths[i];
            return 0;
        }
        PyObject *runs = runnable_names();
        if (runs)
            PyErr_Format(PyExc_ValueError, "%s%s: this CPU cannot run it; choose one it runs: %U",
                         what, name, runs);
        Py_XDECREF(runs);
        return -1;
    }
    for (size_t i = 0; i < sizeof ss_path_names / sizeof ss_path_names[0]; i++) {
        if (strcmp(name, ss_path_names[i]) == 0) {
            PyErr_Format(PyExc_ValueError,
                         "%s%s: this build of seedstream has no such path (its compiler could "
                         "not make it); rebuild with a newer compiler or choose another",
                         what, name);
            return -1;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "%s%s: unknown path; choose best, portable, avx2, avx512 or avx512vbmi2",
                 what, name);
    return -1;
}

PyDoc_STRVAR(select_path_doc,
"select_path(name) -> str\n\n"
"Choose the compiled code path: 'best' (the widest this CPU runs), 'portable',\n"
"'avx2', 'avx512' or 'avx512vbmi2' (AVX-512 with VBMI2 funnel shifts in the\n"
"reduction).  Returns the name of the path now in use.  Every path gives the\n"
"same bits; the choice is for tests and benchmarks.  At import the path is\n"
"'best', or the one named by the environment variable SEEDSTREAM_SIMD.");

static PyObject *py_select_path(PyObject *self, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    if (set_path(name, "path ") < 0) return NULL;
    return PyUnicode_FromString(ss_path->name);
}

PyDoc_STRVAR(current_path_doc,
"current_path() -> str\n\n"
"The name of the compiled code path in use (see select_path).");

static PyObject *py_current_path(PyObject *self, PyObject *args)
{
    return PyUnicode_FromString(ss_path->name);
}

PyDoc_STRVAR(available_paths_doc,
"available_paths() -> tuple[str, ...]\n\n"
"The paths this build has and this CPU runs, narrowest first.");

static PyObject *py_available_paths(PyObject *self, PyObject *args)
{
    PyObject *names = PyList_New(0);
    for (int i = 0; names && i < SS_NPATHS; i++) {
        if (!ss_paths[i].runs_here()) continue;
        PyObject *name = PyUnicode_FromString(ss_paths[i].name);
        if (!name || PyList_Append(names, name) < 0) Py_CLEAR(names);
        Py_XDECREF(name);
    }
    if (!names) return NULL;
    PyObject *result = PyList_AsTuple(names);
    Py_DECREF(names);
    return result;
}

static PyMethodDef kernel_methods[] = {
    {"polar_scan", py_polar_scan, METH_VARARGS, polar_scan_doc},
    {"mt19937_polar_scan", py_mt19937_polar_scan, METH_VARARGS, mt19937_polar_scan_doc},
    {"mt19937_polar_flags", py_mt19937_polar_flags, METH_VARARGS, mt19937_polar_flags_doc},
    {"counting_capsule", py_counting_capsule, METH_VARARGS, counting_capsule_doc},
    {"counted", py_counted, METH_VARARGS, counted_doc},
    {"select_path", py_select_path, METH_VARARGS, select_path_doc},
    {"current_path", py_current_path, METH_NOARGS, current_path_doc},
    {"available_paths", py_available_paths, METH_NOARGS, available_paths_doc},
    {"xpow_mod", py_xpow_mod, METH_VARARGS, xpow_mod_doc},
    {"mt19937_jump", py_mt19937_jump, METH_VARARGS, mt19937_jump_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_kernel",
    "GF(2) polynomial arithmetic and the MT19937 window XOR (see _kernel.c).", -1,
    kernel_methods,
};

PyMODINIT_FUNC PyInit__kernel(void)
{
    init_spread_table();
    PyObject *module = PyModule_Create(&kernel_module);
    if (!module) return NULL;
    const char *forced = getenv("SEEDSTREAM_SIMD");
    if (set_path(forced && *forced ? forced : "best", "SEEDSTREAM_SIMD=") < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
