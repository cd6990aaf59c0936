/*
 * seedstream._fastcall -- the small_call and Track types (csrc/small_call.c), nothing else.
 *
 * seedstream._small builds one for each public method it speeds up.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "csrc/small_call.h"

static struct PyModuleDef fastcall_module = {
    PyModuleDef_HEAD_INIT, "_fastcall",
    "Plain small calls of seedstream's methods, straight to numpy's (see seedstream._small).",
    -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastcall(void)
{
    if (ss_small_call_init() < 0) return NULL;
    PyObject *module = PyModule_Create(&fastcall_module);
    if (!module) return NULL;
    if (PyModule_AddType(module, &ss_small_call_type) < 0 ||
        PyModule_AddType(module, &ss_track_type) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
