/* The native hooks that make cycle estimation cheap (registered by emulator/unicorn/native.py).
 *
 * unicorn calls on_block at the start of every basic block it executes. A Python block hook
 * costs a GIL round trip per block (5-10 M instructions/s); this one adds a cached per-block
 * cost and runs at close to unicorn's own speed. The cost of a block is asked from a Python
 * classifier once, the first time the block runs (under the GIL: ctypes released it around
 * uc_emu_start), and kept in a table indexed by the block's halfword offset in the code.
 *
 * A block is charged as if its last instruction falls through; when the next block does not
 * start where the previous one ended, that block's last branch was taken and its taken
 * penalty is charged then.
 *
 * on_write records writes to the marker word (the start and end of an inference) with the PC
 * and the running block, from which Python places each at the cycle its store began. A Python
 * memory hook costs about 15 us a call, a quarter of a short inference.
 *
 * Nothing here links against unicorn: uc_emu_stop and uc_reg_read come in as addresses from the
 * Python binding.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <structmember.h>

enum { STOP_NONE = 0, STOP_CYCLES = 1, STOP_OUTSIDE = 2, STOP_ERROR = 3 };

typedef struct {
    uint32_t size; /* block bytes as unicorn translated them; 0 = not filled yet */
    uint32_t insns;
    uint32_t cost;  /* cycles when the block falls through (or ends in an unconditional transfer) */
    uint32_t taken; /* extra cycles when its final conditional branch is taken */
} Entry;

typedef int (*uc_emu_stop_fn)(void *uc);
typedef int (*uc_reg_read_fn)(void *uc, int regid, void *value);

#define MAX_MARKS 256

typedef struct {
    uint64_t value, pc, block_address, block_end, block_cycles;
} Mark;

typedef struct {
    PyObject_HEAD unsigned long long cycles, instructions, cycle_limit;
    unsigned long long block_address, block_cycles, block_instructions; /* the block running now */
    unsigned long long prev_end;                                        /* 0: no block yet in this run */
    unsigned int pending;                                               /* taken penalty of the previous block */
    int stop;                                                           /* STOP_*: why the hook stopped the run */
    unsigned long long base;                                            /* code address of table[0] */
    Py_ssize_t slots;
    Entry *table;
    PyObject *classify; /* (address, size) -> (instructions, cycles, taken extra) */
    PyObject *error;    /* what classify raised, for the caller to re-raise */
    uc_emu_stop_fn emu_stop;
    uc_reg_read_fn reg_read;
    int pc_reg;
    unsigned long long marker; /* address of the marker word */
    int marks, dropped;
    Mark mark[MAX_MARKS];
} Counter;

static int fill(Counter *c, Entry *e, uint64_t address, uint32_t size)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    unsigned int insns, cost, taken;
    PyObject *r = PyObject_CallFunction(c->classify, "KI", (unsigned long long)address, (unsigned int)size);
    int ok = r != NULL && PyArg_ParseTuple(r, "III", &insns, &cost, &taken);
    Py_XDECREF(r);
    if (ok) {
        e->size = size;
        e->insns = insns;
        e->cost = cost;
        e->taken = taken;
    } else {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (tb != NULL)
            PyException_SetTraceback(value, tb);
        Py_XDECREF(type);
        Py_XDECREF(tb);
        Py_XSETREF(c->error, value);
    }
    PyGILState_Release(gil);
    return ok;
}

static void on_block(void *uc, uint64_t address, uint32_t size, void *user)
{
    Counter *c = user;
    uint64_t offset = address - c->base; /* wraps for addresses below base */
    Entry *e;
    if (c->prev_end != 0 && address != c->prev_end)
        c->cycles += c->pending;
    c->block_address = address;
    c->block_cycles = c->cycles;
    c->block_instructions = c->instructions;
    if (offset >= (uint64_t)c->slots * 2) {
        c->stop = STOP_OUTSIDE;
        c->emu_stop(uc);
        return;
    }
    e = &c->table[offset >> 1];
    if (e->size != size || size == 0) {
        if (!fill(c, e, address, size)) {
            c->stop = STOP_ERROR;
            c->emu_stop(uc);
            return;
        }
    }
    c->cycles += e->cost;
    c->instructions += e->insns;
    c->prev_end = address + size;
    c->pending = e->taken;
    if (c->cycles > c->cycle_limit) {
        c->stop = STOP_CYCLES;
        c->emu_stop(uc);
    }
}

static void on_write(void *uc, int type, uint64_t address, int size, int64_t value, void *user)
{
    Counter *c = user;
    Mark *m;
    uint64_t pc = 0; /* the engine writes a 32-bit PC into the low bytes (little-endian host) */
    (void)type;
    if (address != c->marker)
        return;
    if (c->marks == MAX_MARKS) {
        c->dropped++;
        return;
    }
    c->reg_read(uc, c->pc_reg, &pc);
    m = &c->mark[c->marks++];
    m->value = (uint64_t)value & (size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
    m->pc = pc & 0xffffffffu;
    m->block_address = c->block_address;
    m->block_end = c->prev_end;
    m->block_cycles = c->block_cycles;
}

static int Counter_init(Counter *c, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"base", "size", "classify", "emu_stop", "reg_read", "pc_reg", "marker", NULL};
    unsigned long long base, emu_stop, reg_read, marker;
    int pc_reg;
    Py_ssize_t size;
    PyObject *classify;
    if (c->table != NULL) {
        PyErr_SetString(PyExc_TypeError, "Counter is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "KnOKKiK", kwlist, &base, &size, &classify, &emu_stop, &reg_read,
                                     &pc_reg, &marker))
        return -1;
    if (!PyCallable_Check(classify) || emu_stop == 0 || reg_read == 0 || size <= 0) {
        PyErr_SetString(PyExc_ValueError, "need a callable classify, uc_emu_stop and uc_reg_read, and a code size > 0");
        return -1;
    }
    c->slots = (size + 1) / 2;
    c->table = PyMem_Calloc((size_t)c->slots, sizeof(Entry));
    if (c->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(classify);
    c->classify = classify;
    c->base = base;
    c->emu_stop = (uc_emu_stop_fn)(uintptr_t)emu_stop;
    c->reg_read = (uc_reg_read_fn)(uintptr_t)reg_read;
    c->pc_reg = pc_reg;
    c->marker = marker;
    c->cycle_limit = ~0ULL;
    return 0;
}

static void Counter_dealloc(Counter *c)
{
    PyMem_Free(c->table);
    Py_XDECREF(c->classify);
    Py_XDECREF(c->error);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyObject *Counter_reset(Counter *c, PyObject *Py_UNUSED(ignored))
{
    c->cycles = c->instructions = c->prev_end = 0;
    c->block_address = c->block_cycles = c->block_instructions = 0;
    c->pending = 0;
    c->stop = STOP_NONE;
    c->marks = c->dropped = 0;
    Py_CLEAR(c->error);
    Py_RETURN_NONE;
}

static PyObject *Counter_take_marks(Counter *c, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(c->marks);
    int k;
    if (list == NULL)
        return NULL;
    for (k = 0; k < c->marks; k++) {
        Mark *m = &c->mark[k];
        PyObject *t = Py_BuildValue("(KKKKK)", (unsigned long long)m->value, (unsigned long long)m->pc,
                                    (unsigned long long)m->block_address, (unsigned long long)m->block_end,
                                    (unsigned long long)m->block_cycles);
        if (t == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, t);
    }
    c->marks = 0;
    return list;
}

static PyObject *Counter_take_error(Counter *c, PyObject *Py_UNUSED(ignored))
{
    PyObject *e = c->error ? c->error : Py_None;
    Py_INCREF(e);
    Py_CLEAR(c->error);
    return e;
}

static PyObject *Counter_get_address(Counter *c, void *Py_UNUSED(closure))
{
    return PyLong_FromVoidPtr(c);
}

static PyMemberDef Counter_members[] = {
    {"cycles", T_ULONGLONG, offsetof(Counter, cycles), 0, "estimated cycles since reset"},
    {"instructions", T_ULONGLONG, offsetof(Counter, instructions), 0, "instructions since reset (whole blocks)"},
    {"cycle_limit", T_ULONGLONG, offsetof(Counter, cycle_limit), 0, "stop once cycles exceed this"},
    {"block_address", T_ULONGLONG, offsetof(Counter, block_address), READONLY, "start of the block running now"},
    {"block_cycles", T_ULONGLONG, offsetof(Counter, block_cycles), READONLY, "cycles when that block began"},
    {"block_instructions", T_ULONGLONG, offsetof(Counter, block_instructions), READONLY,
     "instructions when that block began"},
    {"prev_end", T_ULONGLONG, offsetof(Counter, prev_end), 0, "where the last block ended; 0: none yet"},
    {"pending", T_UINT, offsetof(Counter, pending), 0, "taken penalty of the last block, charged if not followed"},
    {"stop", T_INT, offsetof(Counter, stop), 0, "why the hook stopped the run (STOP_*)"},
    {"dropped", T_INT, offsetof(Counter, dropped), READONLY, "marker writes not recorded since reset (full)"},
    {NULL},
};

static PyMethodDef Counter_methods[] = {
    {"reset", (PyCFunction)Counter_reset, METH_NOARGS, "zero the counters for a new run from reset"},
    {"take_error", (PyCFunction)Counter_take_error, METH_NOARGS, "the exception classify raised, or None"},
    {"take_marks", (PyCFunction)Counter_take_marks, METH_NOARGS,
     "marker writes since the last call: (value, pc, block address, block end, block cycles)"},
    {NULL},
};

static PyGetSetDef Counter_getset[] = {
    {"address", (getter)Counter_get_address, NULL, "the user_data pointer to register with the hook", NULL},
    {NULL},
};

static PyTypeObject CounterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "emulator.unicorn._blockhook.Counter",
    .tp_basicsize = sizeof(Counter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "per-block instruction and cycle counters, and marker writes, for native unicorn hooks",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Counter_init,
    .tp_dealloc = (destructor)Counter_dealloc,
    .tp_members = Counter_members,
    .tp_methods = Counter_methods,
    .tp_getset = Counter_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_blockhook", .m_doc = "native unicorn block hook for cycle estimates",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__blockhook(void)
{
    PyObject *m;
    if (PyType_Ready(&CounterType) < 0)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CounterType);
    if (PyModule_AddObject(m, "Counter", (PyObject *)&CounterType) < 0 ||
        PyModule_AddObject(m, "HOOK", PyLong_FromVoidPtr((void *)(uintptr_t)on_block)) < 0 ||
        PyModule_AddObject(m, "WRITE_HOOK", PyLong_FromVoidPtr((void *)(uintptr_t)on_write)) < 0 ||
        PyModule_AddIntConstant(m, "STOP_NONE", STOP_NONE) < 0 ||
        PyModule_AddIntConstant(m, "STOP_CYCLES", STOP_CYCLES) < 0 ||
        PyModule_AddIntConstant(m, "STOP_OUTSIDE", STOP_OUTSIDE) < 0 ||
        PyModule_AddIntConstant(m, "STOP_ERROR", STOP_ERROR) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
