/*
 * small_call.h -- a method that serves plain small calls by numpy's own method.
 *
 * A small_call object sits in a class's namespace in place of a Python method
 * (seedstream.RandomState.random_sample, ...).  It is a method descriptor
 * (Py_TPFLAGS_METHOD_DESCRIPTOR) with vectorcall, so `rs.random_sample(10)`
 * reaches it with `rs` as the first argument and no bound method is made.
 * A plain call -- numpy's own parameters only, and a size that is None or a
 * small int -- runs numpy's method with the same arguments and then moves the
 * object's position by a fixed rule; any other call goes, untouched, to the
 * Python method it stands for (the fallback), which knows start=, chunks=,
 * store= and everything else.
 *
 * The position lives in the object's attribute `_track`: an object with the
 * attributes `words` (an int, or None when unknown) and `lost_by` (what made it
 * unknown).  A Track (this file's other type) is read and moved directly, with
 * no Python int made; any other object through its attributes.  The rules:
 *
 *   words  fixed consumption: `words` += per-value words x values returned
 *          (size, or 1 for a scalar, or the result's .size when size is None
 *          and numpy broadcast array parameters); the per-value words are a
 *          constant or an int attribute of the track (e.g. "double_words").
 *   lose   variable or uncounted consumption: `words` = None, `lost_by` = label.
 *   known  consumption depends on the parameters: while the position is known
 *          the fallback works it out; once it is unknown numpy's call is all
 *          there is to do (the position stays unknown, `lost_by` unchanged).
 *   bits   CPython's getrandbits(k): ceil(k / 32) 32-bit words a call, k being
 *          the first parameter.
 *
 * Without a size parameter (size_at -1) a plain call makes one value, whatever it
 * returns: the "words" rule with per=0 serves a CPython method (random.Random's
 * randint, gauss, ...) whose own calls of random()/getrandbits() move the position;
 * such a call does not even look up the track.
 *
 * Plain C on CPython's public API (3.9+); the module around it is _fastcall.c.
 */
#ifndef SEEDSTREAM_SMALL_CALL_H
#define SEEDSTREAM_SMALL_CALL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyTypeObject ss_small_call_type;
extern PyTypeObject ss_track_type;

/* Ready the types and intern their strings: 0, or -1 with an exception set. */
int ss_small_call_init(void);

#endif /* SEEDSTREAM_SMALL_CALL_H */
