/*
 * small_call.c -- plain small calls straight to numpy's method (see small_call.h).
 *
 * Why C: numpy draws a scalar in well under a microsecond, and a Python
 * function call that only tests its arguments before calling numpy costs
 * about as much again.  Here a plain call costs numpy's call plus a few
 * dictionary and attribute reads.
 */
#include "small_call.h"

#include <structmember.h> /* T_OBJECT_EX, READONLY */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { RULE_WORDS, RULE_LOSE, RULE_KNOWN, RULE_BITS };

/* ------------------------------------------------------------------------ */
/* Track: a position that a small call moves without making Python ints     */

typedef struct {
    PyObject_HEAD
    int known;             /* whether `words` is */
    long long words;       /* the position, when known and below 2**63 */
    PyObject *big;         /* NULL, or the position when it is not (a Python int) */
    PyObject *lost_by;     /* str or None */
    long long double_words; /* native words per float64 of this stream (2 or 1) */
} track_t;

static PyObject *track_get_words(track_t *t, void *Py_UNUSED(closure))
{
    if (!t->known) Py_RETURN_NONE;
    if (t->big) {
        Py_INCREF(t->big);
        return t->big;
    }
    return PyLong_FromLongLong(t->words);
}

static int track_set_words(track_t *t, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL || value == Py_None) {
        t->known = 0;
        Py_CLEAR(t->big);
        return 0;
    }
    if (!PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "Track.words must be an int or None, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    int overflow;
    long long w = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (w == -1 && PyErr_Occurred()) return -1;
    Py_CLEAR(t->big);
    if (overflow || w < 0) { /* kept as it is: beyond 2**63 (jumps reach 2**128) */
        Py_INCREF(value);
        t->big = value;
    }
    else
        t->words = w;
    t->known = 1;
    return 0;
}

/* Move a known position by `delta` words: 0, or -1 with an exception set. */
static int track_move(track_t *t, long long delta)
{
    if (!t->known) return 0;
    if (!t->big && t->words <= LLONG_MAX - delta) {
        t->words += delta;
        return 0;
    }
    PyObject *now = track_get_words(t, NULL), *d = PyLong_FromLongLong(delta), *sum = NULL;
    if (now && d) sum = PyNumber_Add(now, d);
    int failed = !sum || track_set_words(t, sum, NULL) < 0;
    Py_XDECREF(now);
    Py_XDECREF(d);
    Py_XDECREF(sum);
    return failed ? -1 : 0;
}

static PyObject *track_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    track_t *t = (track_t *)type->tp_alloc(type, 0);
    if (!t) return NULL;
    t->known = 1;
    t->double_words = 1;
    Py_INCREF(Py_None);
    t->lost_by = Py_None;
    return (PyObject *)t;
}

static int track_init(track_t *t, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"words", "lost_by", "double_words", NULL};
    PyObject *words = NULL, *lost_by = NULL;
    long long double_words = t->double_words;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOL:Track", kwlist, &words, &lost_by,
                                     &double_words))
        return -1;
    if (words && track_set_words(t, words, NULL) < 0) return -1;
    if (lost_by) {
        Py_INCREF(lost_by);
        Py_SETREF(t->lost_by, lost_by);
    }
    t->double_words = double_words;
    return 0;
}

static int track_traverse(track_t *t, visitproc visit, void *arg)
{
    Py_VISIT(t->big);
    Py_VISIT(t->lost_by);
    return 0;
}

static int track_clear(track_t *t)
{
    Py_CLEAR(t->big);
    Py_CLEAR(t->lost_by);
    return 0;
}

static void track_dealloc(track_t *t)
{
    PyObject_GC_UnTrack(t);
    track_clear(t);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static PyObject *track_repr(track_t *t)
{
    PyObject *words = track_get_words(t, NULL);
    if (!words) return NULL;
    PyObject *repr = PyUnicode_FromFormat("Track(words=%R, lost_by=%R, double_words=%lld)", words,
                                          t->lost_by ? t->lost_by : Py_None, t->double_words);
    Py_DECREF(words);
    return repr;
}

static PyMemberDef track_members[] = {
    {"lost_by", T_OBJECT, offsetof(track_t, lost_by), 0, "what made the position unknown"},
    {"double_words", T_LONGLONG, offsetof(track_t, double_words), 0,
     "native words per float64 of this stream: 2 for MT19937, 1 for 64-bit generators"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef track_getset[] = {
    {"words", (getter)track_get_words, (setter)track_set_words,
     "native words consumed since position 0, or None when unknown", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ss_track_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "seedstream._fastcall.Track",
    .tp_basicsize = sizeof(track_t),
    .tp_dealloc = (destructor)track_dealloc,
    .tp_repr = (reprfunc)track_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_doc = PyDoc_STR(
        "Track(words=0, lost_by=None, double_words=1)\n"
        "--\n\n"
        "An object's position: `words` consumed (None: unknown), what lost it, and\n"
        "the stream's native words per float64.  Plain attributes; small calls move\n"
        "`words` in C without making a Python int."),
    .tp_traverse = (traverseproc)track_traverse,
    .tp_clear = (inquiry)track_clear,
    .tp_members = track_members,
    .tp_getset = track_getset,
    .tp_init = (initproc)track_init,
    .tp_new = track_new,
};

/* ------------------------------------------------------------------------ */
/* small_call                                                                */

typedef struct {
    PyObject_HEAD
    PyObject *numpy;      /* numpy's unbound method: what a plain call runs */
    PyObject *fallback;   /* the full Python method: every other call */
    PyObject *core;       /* NULL, or numpy's signature, for sizes from core_min on */
    PyObject *names;      /* numpy's parameter names a plain call may give, by position */
    int keywords;         /* whether they may also be given by keyword */
    Py_ssize_t size_at;   /* where size comes in `names`, or -1 */
    long long max_size;   /* the largest int size served; -1: any size (numpy checks) */
    long long core_min;
    int rule;
    long long per_value;  /* RULE_WORDS: words per value, unless per_name */
    PyObject *per_name;   /* RULE_WORDS: NULL, or the int's key in the object's __dict__ */
    PyObject *label;      /* RULE_LOSE: the new lost_by */
    PyObject *dict;       /* __name__, __doc__, __wrapped__, ... (functools.update_wrapper) */
    vectorcallfunc vectorcall;
#if PY_VERSION_HEX < 0x030C0000
    PyDictObject *seen_dict; /* the last instance dict read (see get_track), not held */
    uint64_t seen_version;
    PyObject *seen_track;
#endif
} small_call_t;

static PyObject *str_track, *str_words, *str_lost_by, *str_size, *str_qualname,
    *str_double_words;

/* Where `key` is in sc->names, or -1 (with an exception set only on failure).
 * Keyword names at call sites are interned, as are ours: the identity test finds them. */
static Py_ssize_t name_index(small_call_t *sc, PyObject *key)
{
    Py_ssize_t n = PyTuple_GET_SIZE(sc->names);
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyTuple_GET_ITEM(sc->names, i) == key) return i;
    for (Py_ssize_t i = 0; i < n; i++) {
        int cmp = PyUnicode_Compare(PyTuple_GET_ITEM(sc->names, i), key);
        if (cmp == 0) return i;
        if (cmp == -1 && PyErr_Occurred()) return -1;
    }
    return -1;
}

/* How many values numpy returned: 1 for a Python scalar, else the result's .size. */
static long long values_in(PyObject *out)
{
    if (PyFloat_CheckExact(out) || PyLong_Check(out) || PyComplex_CheckExact(out)) return 1;
    PyObject *size = PyObject_GetAttr(out, str_size);
    if (!size) {
        PyErr_Clear();
        return 1;
    }
    long long n = PyLong_AsLongLong(size);
    Py_DECREF(size);
    return n; /* -1 with an exception set on failure */
}

/* words + per * values, as a new int. */
static PyObject *moved(PyObject *words, long long per, long long values)
{
    if (per >= 0 && values >= 0 && (per == 0 || values <= LLONG_MAX / per)) {
        long long delta = per * values;
        if (PyLong_CheckExact(words)) {
            int overflow;
            long long w = PyLong_AsLongLongAndOverflow(words, &overflow);
            if (w == -1 && PyErr_Occurred()) return NULL;
            if (!overflow && w >= 0 && delta <= LLONG_MAX - w) return PyLong_FromLongLong(w + delta);
        }
        PyObject *d = PyLong_FromLongLong(delta);
        if (!d) return NULL;
        PyObject *sum = PyNumber_Add(words, d);
        Py_DECREF(d);
        return sum;
    }
    PyObject *p = PyLong_FromLongLong(per), *v = PyLong_FromLongLong(values), *d = NULL;
    PyObject *sum = NULL;
    if (p && v && (d = PyNumber_Multiply(p, v))) sum = PyNumber_Add(words, d);
    Py_XDECREF(p);
    Py_XDECREF(v);
    Py_XDECREF(d);
    return sum;
}

/* The words per value of a "words" rule: sc->per_value, or the track's attribute sc->per_name
 * (a Track's double_words read directly).  -1 with an exception set on failure. */
static long long per_value(small_call_t *sc, PyObject *track, int fast)
{
    if (!sc->per_name) return sc->per_value;
    if (fast && sc->per_name == str_double_words) return ((track_t *)track)->double_words;
    PyObject *p = PyObject_GetAttr(track, sc->per_name);
    if (!p) return -1;
    long long per = PyLong_AsLongLong(p);
    Py_DECREF(p);
    if (per < 0 && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "the track's %S must not be negative", sc->per_name);
    return per;
}

/* Add per * values words to a known position: 0, or -1 with an exception set. */
static int move_words(PyObject *track, int fast, long long per, long long values)
{
    if (fast && (per == 0 || values <= LLONG_MAX / per))
        return track_move((track_t *)track, per * values);
    PyObject *words = fast ? track_get_words((track_t *)track, NULL)
                           : PyObject_GetAttr(track, str_words);
    if (!words) return -1;
    int failed = 0;
    if (words != Py_None) {
        PyObject *now = moved(words, per, values);
        failed = !now || (fast ? track_set_words((track_t *)track, now, NULL)
                               : PyObject_SetAttr(track, str_words, now)) < 0;
        Py_XDECREF(now);
    }
    Py_DECREF(words);
    return failed ? -1 : 0;
}

/* Whether the position is known: 1, 0, or -1 with an exception set. */
static int is_known(PyObject *track, int fast)
{
    if (fast) return ((track_t *)track)->known;
    PyObject *words = PyObject_GetAttr(track, str_words);
    if (!words) return -1;
    int known = words != Py_None;
    Py_DECREF(words);
    return known;
}

static int lose(PyObject *track, int fast, PyObject *label)
{
    if (fast) {
        track_t *t = (track_t *)track;
        t->known = 0;
        Py_CLEAR(t->big);
        Py_INCREF(label);
        Py_XSETREF(t->lost_by, label);
        return 0;
    }
    if (PyObject_SetAttr(track, str_words, Py_None) < 0) return -1;
    return PyObject_SetAttr(track, str_lost_by, label);
}

/* obj._track, a new reference; NULL with no exception set if obj has none.
 *
 * On CPython 3.11 the instances of a Python subclass of numpy's classes have a
 * real __dict__ from their first attribute on (numpy's tp_new does not set up
 * 3.11's inline attribute values), so the dict is read directly, skipping the
 * class-attribute lookup of a generic getattr.  And the last dict read is
 * remembered with its version tag: CPython gives a dict a new tag, unique in the
 * process, at every change (and a new dict a new one), so an equal tag at the
 * same address is the same, unchanged dict, and the track found there is still
 * in it.  The tracks are moved in place, so a loop of small calls on one object
 * finds it without a dictionary lookup.  Later versions deprecate the tag and may
 * keep inline values, which asking for the dict would undo: a getattr there. */
static PyObject *get_track(small_call_t *sc, PyObject *obj)
{
    PyObject *track;
#if PY_VERSION_HEX < 0x030C0000
    PyObject **dictptr = _PyObject_GetDictPtr(obj);
    if (dictptr && *dictptr) {
        PyDictObject *dict = (PyDictObject *)*dictptr;
        if (dict == sc->seen_dict && dict->ma_version_tag == sc->seen_version) {
            track = sc->seen_track;
        }
        else {
            track = PyDict_GetItemWithError((PyObject *)dict, str_track);
            if (!track) return NULL;
            sc->seen_dict = dict; /* not held: the tag alone tells whether it is the same */
            sc->seen_version = dict->ma_version_tag;
            sc->seen_track = track; /* borrowed from that dict, valid while its tag is */
        }
        Py_INCREF(track);
        return track;
    }
#else
    (void)sc;
#endif
    track = PyObject_GetAttr(obj, str_track);
    if (!track && PyErr_ExceptionMatches(PyExc_AttributeError)) PyErr_Clear();
    return track;
}

static PyObject *small_call_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
                                       PyObject *kwnames)
{
    small_call_t *sc = (small_call_t *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *size = NULL, *track, *out;
    long long n = -1;

    /* Plain: the object, then numpy's parameters only, each given once. */
    if (nargs < 1 || nargs - 1 > PyTuple_GET_SIZE(sc->names)) goto fallback;
    if (sc->size_at >= 0 && nargs - 1 > sc->size_at) size = args[1 + sc->size_at];
    if (kwnames && PyTuple_GET_SIZE(kwnames)) {
        if (!sc->keywords) goto fallback;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
            Py_ssize_t at = name_index(sc, PyTuple_GET_ITEM(kwnames, i));
            if (at < 0 && PyErr_Occurred()) return NULL;
            if (at < nargs - 1) goto fallback; /* not numpy's, or given twice: numpy's error */
            if (at == sc->size_at) size = args[nargs + i];
        }
    }
    /* Small: None or an int up to max_size (bools, numpy ints, tuples: the fallback). */
    PyObject *target = sc->numpy;
    if (sc->max_size >= 0 && size && size != Py_None) {
        if (!PyLong_CheckExact(size)) goto fallback;
        int overflow;
        n = PyLong_AsLongLongAndOverflow(size, &overflow);
        if (n == -1 && PyErr_Occurred()) return NULL;
        if (overflow || n < 0 || n > sc->max_size) goto fallback;
        if (sc->core && n >= sc->core_min) target = sc->core;
    }

    /* Nothing to count (a CPython method whose own calls count their words): just the call. */
    if (sc->rule == RULE_WORDS && !sc->per_name && sc->per_value == 0)
        return PyObject_Vectorcall(target, args, nargsf, kwnames);

    /* The position: obj._track (the fallback's business if it has none). */
    track = get_track(sc, args[0]);
    if (!track) {
        if (PyErr_Occurred()) return NULL;
        goto fallback;
    }
    int fast = PyObject_TypeCheck(track, &ss_track_type);
    if (sc->rule == RULE_KNOWN) {
        int known = is_known(track, fast);
        if (known < 0) goto error;
        if (known) {
            Py_DECREF(track);
            goto fallback;
        }
    }

    out = PyObject_Vectorcall(target, args, nargsf, kwnames);
    if (!out) goto error;
    /* After numpy's call, as the Python methods do: it may itself have moved the position. */
    if (sc->rule == RULE_WORDS) {
        int known = is_known(track, fast);
        if (known < 0) goto error_out;
        if (known) {
            long long per = per_value(sc, track, fast);
            /* no size parameter: one value a call, whatever it returned (choice(seq)) */
            long long values = per < 0              ? -1
                               : n >= 0             ? n
                               : sc->size_at < 0    ? 1
                                                    : values_in(out);
            if (values < 0 || move_words(track, fast, per, values) < 0) goto error_out;
        }
    }
    else if (sc->rule == RULE_LOSE) {
        if (lose(track, fast, sc->label) < 0) goto error_out;
    }
    else if (sc->rule == RULE_BITS) {
        int known = is_known(track, fast);
        if (known < 0) goto error_out;
        if (known) {
            /* The call succeeded, so its bit count (the first parameter) is a valid int. */
            PyObject *bits = nargs > 1 ? args[1] : NULL;
            for (Py_ssize_t i = 0; !bits && kwnames && i < PyTuple_GET_SIZE(kwnames); i++)
                if (name_index(sc, PyTuple_GET_ITEM(kwnames, i)) == 0) bits = args[nargs + i];
            Py_ssize_t k = bits ? PyNumber_AsSsize_t(bits, PyExc_OverflowError) : -1;
            if (k == -1 && PyErr_Occurred()) goto error_out;
            if (move_words(track, fast, 1, k > 0 ? (k - 1) / 32 + 1 : 0) < 0) goto error_out;
        }
    }
    Py_DECREF(track);
    return out;

error_out:
    Py_DECREF(out);
error:
    Py_DECREF(track);
    return NULL;

fallback:
    return PyObject_Vectorcall(sc->fallback, args, nargsf, kwnames);
}

static PyObject *small_call_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"numpy", "fallback", "names", "size_at", "max_size", "keywords",
                             "rule", "per", "label", "core", "core_min", NULL};
    PyObject *numpy, *fallback, *names, *per = Py_None, *label = Py_None, *core = Py_None;
    Py_ssize_t size_at = -1;
    long long max_size = -1, core_min = -1;
    int keywords = 1;
    const char *rule = "words";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!|$nLpsOOOL:small_call", kwlist, &numpy,
                                     &fallback, &PyTuple_Type, &names, &size_at, &max_size,
                                     &keywords, &rule, &per, &label, &core, &core_min))
        return NULL;
    if (!PyCallable_Check(numpy) || !PyCallable_Check(fallback) ||
        (core != Py_None && !PyCallable_Check(core))) {
        PyErr_SetString(PyExc_TypeError, "small_call: numpy, fallback and core must be callables");
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(names);
    if (size_at < -1 || size_at >= count) {
        PyErr_SetString(PyExc_ValueError, "small_call: size_at must index names, or be -1");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(names, i))) {
            PyErr_SetString(PyExc_TypeError, "small_call: names must be strs");
            return NULL;
        }
    int code;
    if (!strcmp(rule, "words")) {
        code = RULE_WORDS;
        if (!PyLong_CheckExact(per) && !PyUnicode_CheckExact(per)) {
            PyErr_SetString(PyExc_TypeError,
                            "small_call: rule 'words' needs per=, an int or a __dict__ key");
            return NULL;
        }
        if (size_at >= 0 && max_size < 0) {
            PyErr_SetString(PyExc_ValueError,
                            "small_call: rule 'words' with size_at needs max_size");
            return NULL;
        }
    }
    else if (!strcmp(rule, "lose")) {
        code = RULE_LOSE;
        if (!PyUnicode_CheckExact(label)) {
            PyErr_SetString(PyExc_TypeError, "small_call: rule 'lose' needs label=, a str");
            return NULL;
        }
    }
    else if (!strcmp(rule, "known"))
        code = RULE_KNOWN;
    else if (!strcmp(rule, "bits")) {
        code = RULE_BITS;
        if (count < 1) {
            PyErr_SetString(PyExc_ValueError,
                            "small_call: rule 'bits' needs names, the bit count first");
            return NULL;
        }
    }
    else {
        PyErr_Format(PyExc_ValueError,
                     "small_call: rule must be 'words', 'lose', 'known' or 'bits', not '%s'",
                     rule);
        return NULL;
    }
    if (core != Py_None && (size_at < 0 || max_size < 0 || core_min < 0)) {
        PyErr_SetString(PyExc_ValueError, "small_call: core needs size_at, max_size and core_min");
        return NULL;
    }

    small_call_t *sc = (small_call_t *)type->tp_alloc(type, 0);
    if (!sc) return NULL;
    sc->names = PyTuple_New(count);
    if (!sc->names) {
        Py_DECREF(sc);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) { /* interned, for name_index's identity test */
        PyObject *name = PyTuple_GET_ITEM(names, i);
        Py_INCREF(name);
        PyUnicode_InternInPlace(&name);
        PyTuple_SET_ITEM(sc->names, i, name);
    }
    Py_INCREF(numpy);
    sc->numpy = numpy;
    Py_INCREF(fallback);
    sc->fallback = fallback;
    if (core != Py_None) {
        Py_INCREF(core);
        sc->core = core;
    }
    sc->keywords = keywords;
    sc->size_at = size_at;
    sc->max_size = max_size;
    sc->core_min = core_min;
    sc->rule = code;
    if (code == RULE_WORDS) {
        if (PyLong_CheckExact(per)) {
            sc->per_value = PyLong_AsLongLong(per);
            if (sc->per_value == -1 && PyErr_Occurred()) {
                Py_DECREF(sc);
                return NULL;
            }
        }
        else {
            Py_INCREF(per);
            PyUnicode_InternInPlace(&per);
            sc->per_name = per;
        }
    }
    if (code == RULE_LOSE) {
        Py_INCREF(label);
        sc->label = label;
    }
    sc->vectorcall = small_call_vectorcall;
    return (PyObject *)sc;
}

/* Reached from the class: the object itself; from an instance: a bound method. */
static PyObject *small_call_get(PyObject *self, PyObject *obj, PyObject *type)
{
    (void)type;
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return PyMethod_New(self, obj);
}

static int small_call_traverse(small_call_t *sc, visitproc visit, void *arg)
{
    Py_VISIT(sc->numpy);
    Py_VISIT(sc->fallback);
    Py_VISIT(sc->core);
    Py_VISIT(sc->names);
    Py_VISIT(sc->per_name);
    Py_VISIT(sc->label);
    Py_VISIT(sc->dict);
    return 0;
}

static int small_call_clear(small_call_t *sc)
{
    Py_CLEAR(sc->numpy);
    Py_CLEAR(sc->fallback);
    Py_CLEAR(sc->core);
    Py_CLEAR(sc->names);
    Py_CLEAR(sc->per_name);
    Py_CLEAR(sc->label);
    Py_CLEAR(sc->dict);
    return 0;
}

static void small_call_dealloc(small_call_t *sc)
{
    PyObject_GC_UnTrack(sc);
    small_call_clear(sc);
    Py_TYPE(sc)->tp_free((PyObject *)sc);
}

static PyObject *small_call_repr(PyObject *self)
{
    PyObject *name = PyObject_GetAttr(self, str_qualname);
    if (!name) {
        PyErr_Clear();
        return PyUnicode_FromFormat("<small call at %p>", self);
    }
    PyObject *repr = PyUnicode_FromFormat("<small call %S>", name);
    Py_DECREF(name);
    return repr;
}

/* Pickled by name, as a function is: the class attribute it is. */
static PyObject *small_call_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyObject_GetAttr(self, str_qualname);
}

static PyMethodDef small_call_methods[] = {
    {"__reduce__", small_call_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef small_call_members[] = {
    {"_numpy", T_OBJECT_EX, offsetof(small_call_t, numpy), READONLY,
     "numpy's method, which serves plain small calls"},
    {"_fallback", T_OBJECT_EX, offsetof(small_call_t, fallback), READONLY,
     "the Python method, which serves every other call"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef small_call_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ss_small_call_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "seedstream._fastcall.small_call",
    .tp_basicsize = sizeof(small_call_t),
    .tp_dealloc = (destructor)small_call_dealloc,
    .tp_vectorcall_offset = offsetof(small_call_t, vectorcall),
    .tp_repr = small_call_repr,
    .tp_call = PyVectorcall_Call,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_setattro = PyObject_GenericSetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = PyDoc_STR(
        "small_call(numpy, fallback, names, *, size_at=-1, max_size=-1, keywords=True,\n"
        "           rule='words', per=None, label=None, core=None, core_min=-1)\n"
        "--\n\n"
        "A method that serves plain small calls by numpy's method `numpy` and\n"
        "moves the position by `rule`; every other call goes to `fallback`."),
    .tp_traverse = (traverseproc)small_call_traverse,
    .tp_clear = (inquiry)small_call_clear,
    .tp_methods = small_call_methods,
    .tp_members = small_call_members,
    .tp_getset = small_call_getset,
    .tp_descr_get = small_call_get,
    .tp_dictoffset = offsetof(small_call_t, dict),
    .tp_new = small_call_new,
};

int ss_small_call_init(void)
{
    if (!(str_track = PyUnicode_InternFromString("_track")) ||
        !(str_words = PyUnicode_InternFromString("words")) ||
        !(str_lost_by = PyUnicode_InternFromString("lost_by")) ||
        !(str_size = PyUnicode_InternFromString("size")) ||
        !(str_qualname = PyUnicode_InternFromString("__qualname__")) ||
        !(str_double_words = PyUnicode_InternFromString("double_words")))
        return -1;
    if (PyType_Ready(&ss_track_type) < 0) return -1;
    return PyType_Ready(&ss_small_call_type);
}
