/* Build frozen pydantic models from values that are valid by construction, in C.
 *
 * Why hand-written: the tagger builds ~80 Mention and ~26 Tag models per story from
 * spans and knowledge-base entries that need no validation. Pydantic's model_construct
 * costs ~3 us each; the fastest Python route (object.__new__ and the four slot setters of
 * BaseModel, see processors/tagger.py) still pays a tuple and a method-wrapper call per
 * slot, ~15% of tagging. No library builds models without validation faster; this does
 * what model_construct does for a model whose values name every field: allocate the
 * instance, set __dict__, and fill the three slots BaseModel declares (the set of field
 * names, shared by the caller's models; no extra; no private attributes). The slots are found by their descriptors at
 * set-up, never by hard-coded offsets, and processors/tagger.py compares what this builds
 * with pydantic's own models at import (falling back to Python on any difference).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

static PyTypeObject *base_type = NULL;
static Py_ssize_t fields_offset = -1, extra_offset = -1, private_offset = -1;

static int
slot_offset(PyObject *base, const char *name, Py_ssize_t *offset)
{
    PyObject *descr = PyDict_GetItemString(((PyTypeObject *)base)->tp_dict, name);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", ((PyTypeObject *)base)->tp_name, name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    /* A plain __slots__ entry: an object, no flags (not read-only, not relative), in the instance. */
    if (member->type != T_OBJECT_EX || member->flags != 0 || member->offset < (Py_ssize_t)sizeof(PyObject)
        || member->offset + (Py_ssize_t)sizeof(PyObject *) > ((PyTypeObject *)base)->tp_basicsize) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not a plain object slot",
                     ((PyTypeObject *)base)->tp_name, name);
        return -1;
    }
    *offset = member->offset;
    return 0;
}

PyDoc_STRVAR(setup_doc, "setup(base)\n--\n\nRead the slots of pydantic's BaseModel (once).");

static PyObject *
setup(PyObject *module, PyObject *base)
{
    Py_ssize_t fields, extra, private;
    if (!PyType_Check(base)) {
        PyErr_SetString(PyExc_TypeError, "setup() takes pydantic.BaseModel");
        return NULL;
    }
    if (((PyTypeObject *)base)->tp_dictoffset == 0) { /* negative when managed (3.11: -64, 3.12+: -1) */
        PyErr_SetString(PyExc_TypeError, "the base model has no __dict__ slot");
        return NULL;
    }
    if (slot_offset(base, "__pydantic_fields_set__", &fields) < 0
        || slot_offset(base, "__pydantic_extra__", &extra) < 0
        || slot_offset(base, "__pydantic_private__", &private) < 0) {
        return NULL;
    }
    Py_INCREF(base);
    Py_XSETREF(base_type, (PyTypeObject *)base);
    fields_offset = fields;
    extra_offset = extra;
    private_offset = private;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(construct_doc,
             "construct(cls, values, fields)\n--\n\n"
             "A ``cls`` whose __dict__ is ``values`` and whose fields set is ``fields`` (neither\n"
             "copied): ``cls.model_construct(**values)`` for values naming every field.");

static PyObject *
construct(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "construct() takes (cls, values, fields)");
        return NULL;
    }
    PyObject *cls = args[0], *values = args[1], *fields = args[2];
    if (base_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "construct() before setup()");
        return NULL;
    }
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, base_type)) {
        PyErr_SetString(PyExc_TypeError, "construct() takes a pydantic model class");
        return NULL;
    }
    if (!PyDict_CheckExact(values) || !PySet_CheckExact(fields)) {
        PyErr_SetString(PyExc_TypeError, "construct() takes a dict of values and a set of names");
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)cls;
    PyObject *obj = type->tp_alloc(type, 0); /* what object.__new__ does: slots start NULL */
    if (obj == NULL) {
        return NULL;
    }
    if (PyObject_GenericSetDict(obj, values, NULL) < 0) {
        Py_DECREF(obj);
        return NULL;
    }
    char *base = (char *)obj;
    *(PyObject **)(base + fields_offset) = Py_NewRef(fields);
    *(PyObject **)(base + extra_offset) = Py_NewRef(Py_None);
    *(PyObject **)(base + private_offset) = Py_NewRef(Py_None);
    return obj;
}

static PyMethodDef methods[] = {
    {"setup", (PyCFunction)setup, METH_O, setup_doc},
    {"construct", (PyCFunction)(void (*)(void))construct, METH_FASTCALL, construct_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "processors._models",
    .m_doc = "Pydantic models built without validation, for values valid by construction.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__models(void)
{
    return PyModule_Create(&module_def);
}
