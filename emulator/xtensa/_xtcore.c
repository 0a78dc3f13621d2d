/* The Python type around the Xtensa execution loop (run.c, state.c).
 *
 * Python owns the memories (one buffer per region of the chip's map, see
 * emulator/xtensa/chips.py) and the cost table; the Cpu holds the architectural state and a
 * decode cache per executable region. Registers are read and written through small methods
 * by physical index or special/user register number; emulator/xtensa/core.py gives them names.
 */
#include "cpu.h"
#include "_isa.h"
#include <structmember.h>

static PyObject *Cpu_run(Cpu *c, PyObject *args)
{
    unsigned long long cycle_limit, insn_limit;
    long long until;
    if (!PyArg_ParseTuple(args, "KKL", &cycle_limit, &insn_limit, &until))
        return NULL;
    if (c->running) {
        PyErr_SetString(PyExc_RuntimeError, "this Cpu is already running (a hook cannot run it again)");
        return NULL;
    }
    c->running = 1;
    int stop = cpu_run(c, cycle_limit, insn_limit, until < 0 ? 0 : (uint32_t)until);
    c->running = 0;
    return stop == STOP_ERROR ? NULL : PyLong_FromLong(stop);
}

static PyObject *Cpu_request_stop(Cpu *c, PyObject *Py_UNUSED(ignored))
{
    c->stop_request = 1;
    Py_RETURN_NONE;
}

/* Back to the reset state (Xtensa ISA, "Reset"): PS.INTLEVEL = 15 with EXCM, window base 0
 * with only frame 0 live, counters and pipeline state cleared. */
static PyObject *Cpu_reset(Cpu *c, PyObject *args)
{
    unsigned pc, vecbase;
    if (!PyArg_ParseTuple(args, "II", &pc, &vecbase))
        return NULL;
    memset(c->ar, 0, sizeof c->ar);
    memset(c->sr, 0, sizeof c->sr);
    memset(c->ur, 0, sizeof c->ur);
    memset(c->fr, 0, sizeof c->fr);
    memset(c->ready, 0, sizeof c->ready);
    c->acc = 0;
    c->hazard = 0;
    c->ccount_base = 0;
    c->sr[SR_PS] = PS_EXCM | PS_INTLEVEL;
    c->sr[SR_WINDOWSTART] = 1;
    c->sr[SR_VECBASE] = vecbase;
    c->pc = pc;
    c->cycles = c->instructions = 0;
    c->sp_min = 0xffffffffu;
    Py_RETURN_NONE; /* the decode caches stay: Python invalidates code that changed */
}

static PyObject *Cpu_invalidate(Cpu *c, PyObject *args)
{
    unsigned a, size;
    if (!PyArg_ParseTuple(args, "II", &a, &size))
        return NULL;
    for (unsigned i = 0; i < c->nregions; i++) {
        Region *r = &c->regions[i];
        if (r->dec && a < r->base + r->size && a + size > r->base) {
            uint32_t lo = a > r->base + 2 ? a - r->base - 2 : 0, hi = a + size - r->base;
            for (uint32_t k = lo; k < hi && k < r->size; k++)
                r->dec[k] = 0;
        }
    }
    Py_RETURN_NONE;
}

/* get(kind, index) / set(kind, index, value): kind "a" (physical AR 0..63), "sr", "ur", "f",
 * "acc" (40-bit accumulator, index ignored). */
static uint32_t *slot(Cpu *c, const char *kind, unsigned i)
{
    if (!strcmp(kind, "a") && i < 64) return &c->ar[i];
    if (!strcmp(kind, "sr") && i < 256) return &c->sr[i];
    if (!strcmp(kind, "ur") && i < 256) return &c->ur[i];
    if (!strcmp(kind, "f") && i < 16) return &c->fr[i];
    PyErr_Format(PyExc_ValueError, "no register %s[%u]", kind, i);
    return NULL;
}

static PyObject *Cpu_get(Cpu *c, PyObject *args)
{
    const char *kind;
    unsigned i;
    if (!PyArg_ParseTuple(args, "sI", &kind, &i))
        return NULL;
    if (!strcmp(kind, "acc"))
        return PyLong_FromLongLong(c->acc);
    if (!strcmp(kind, "sr") && i == SR_CCOUNT)
        return PyLong_FromUnsignedLong((uint32_t)c->cycles + c->ccount_base);
    uint32_t *p = slot(c, kind, i);
    return p ? PyLong_FromUnsignedLong(*p) : NULL;
}

static PyObject *Cpu_set(Cpu *c, PyObject *args)
{
    const char *kind;
    unsigned i;
    long long v;
    if (!PyArg_ParseTuple(args, "sIL", &kind, &i, &v))
        return NULL;
    if (!strcmp(kind, "acc")) {
        c->acc = (int64_t)((uint64_t)v << 24) >> 24;
        Py_RETURN_NONE;
    }
    if (!strcmp(kind, "sr") && i == SR_CCOUNT) { /* counts on from the value written */
        c->ccount_base = (uint32_t)v - (uint32_t)c->cycles;
        Py_RETURN_NONE;
    }
    uint32_t *p = slot(c, kind, i);
    if (!p)
        return NULL;
    *p = (uint32_t)v;
    Py_RETURN_NONE;
}

static int Cpu_init(Cpu *c, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"regions", "costs", "exception_cost", "hook", NULL};
    PyObject *regions, *hook;
    Py_buffer costs;
    unsigned exception_cost;
    if (c->hook) {
        PyErr_SetString(PyExc_TypeError, "Cpu is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Oy*IO", kwlist, &regions, &costs, &exception_cost, &hook))
        return -1;
    int ok = costs.len == 3 * OP_COUNT;
    if (ok)
        for (int row = 0; row < 3; row++)
            memcpy(c->costs[row], (uint8_t *)costs.buf + row * OP_COUNT, OP_COUNT);
    PyBuffer_Release(&costs);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "costs: need 3 x %d bytes", OP_COUNT);
        return -1;
    }
    if (!PyCallable_Check(hook)) {
        PyErr_SetString(PyExc_TypeError, "hook must be callable");
        return -1;
    }
    PyObject *seq = PySequence_Fast(regions, "regions must be a sequence");
    if (!seq)
        return -1;
    Py_ssize_t nr = PySequence_Fast_GET_SIZE(seq);
    if (nr < 1 || nr > MAX_REGIONS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "1 to %d regions (the first is the fast data region)", MAX_REGIONS);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nr; i++) {
        Region *r = &c->regions[i];
        PyObject *buf;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "IIOI", &r->base, &r->size, &buf, &r->flags) ||
            PyObject_GetBuffer(buf, &c->views[i], PyBUF_WRITABLE) < 0) {
            Py_DECREF(seq);
            return -1;
        }
        c->nregions = (unsigned)i + 1;
        if (c->views[i].len < (Py_ssize_t)r->size + 4 || r->size < 4) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError, "region 0x%x: the buffer needs size + 4 bytes", r->base);
            return -1;
        }
        r->mem = c->views[i].buf;
        if (r->flags & R_EXEC) {
            r->dec = calloc(r->size + 4, sizeof(uint32_t));
            if (!r->dec) {
                Py_DECREF(seq);
                PyErr_NoMemory();
                return -1;
            }
        }
    }
    Py_DECREF(seq);
    c->exception_cost = exception_cost;
    Py_INCREF(hook);
    c->hook = hook;
    c->sp_min = 0xffffffffu;
    c->sr[SR_WINDOWSTART] = 1;
    c->sr[SR_PS] = PS_EXCM | PS_INTLEVEL;
    return 0;
}

static void Cpu_dealloc(Cpu *c)
{
    for (unsigned i = 0; i < c->nregions; i++) {
        if (c->views[i].obj)
            PyBuffer_Release(&c->views[i]);
        free(c->regions[i].dec);
    }
    Py_XDECREF(c->hook);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyMemberDef Cpu_members[] = {
    {"pc", T_UINT, offsetof(Cpu, pc), 0, "program counter"},
    {"cycles", T_ULONGLONG, offsetof(Cpu, cycles), 0, "estimated cycles since reset"},
    {"instructions", T_ULONGLONG, offsetof(Cpu, instructions), 0, "instructions since reset"},
    {"marker", T_UINT, offsetof(Cpu, marker), 0, "address of hsk_emu_marker (0: none)"},
    {"done", T_UINT, offsetof(Cpu, done), 0, "address of hsk_emu_done (0: none)"},
    {"stack_limit", T_UINT, offsetof(Cpu, stack_limit), 0, "the stack pointer may not go below this"},
    {"sp_min", T_UINT, offsetof(Cpu, sp_min), 0, "lowest stack pointer set by ENTRY/MOVSP"},
    {"fault", T_UINT, offsetof(Cpu, fault), READONLY, "faulting address or instruction word"},
    {NULL},
};

static PyMethodDef Cpu_methods[] = {
    {"run", (PyCFunction)Cpu_run, METH_VARARGS,
     "run(cycle_limit, instruction_limit, until_pc) -> STOP_* code; limits are absolute, until_pc -1 for none"},
    {"request_stop", (PyCFunction)Cpu_request_stop, METH_NOARGS, "stop after the current instruction (for hooks)"},
    {"reset", (PyCFunction)Cpu_reset, METH_VARARGS, "reset(pc, vecbase): registers to their reset values"},
    {"invalidate", (PyCFunction)Cpu_invalidate, METH_VARARGS, "invalidate(address, size): code changed there"},
    {"get", (PyCFunction)Cpu_get, METH_VARARGS, "get(kind, index): kind a (physical), sr, ur, f, acc"},
    {"set", (PyCFunction)Cpu_set, METH_VARARGS, "set(kind, index, value)"},
    {NULL},
};

static PyTypeObject CpuType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "emulator.xtensa._xtcore.Cpu",
    .tp_basicsize = sizeof(Cpu),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Xtensa LX6 execution state over Python-owned memory regions",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Cpu_init,
    .tp_dealloc = (destructor)Cpu_dealloc,
    .tp_members = Cpu_members,
    .tp_methods = Cpu_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_xtcore", .m_doc = "Xtensa LX6 execution loop", .m_size = -1,
};

PyMODINIT_FUNC PyInit__xtcore(void)
{
    if (PyType_Ready(&CpuType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&CpuType);
    if (PyModule_AddObject(m, "Cpu", (PyObject *)&CpuType) < 0)
        return NULL;
    static const struct { const char *name; int value; } consts[] = {
        {"STOP_UNTIL", STOP_UNTIL}, {"STOP_HALT", STOP_HALT}, {"STOP_BREAK", STOP_BREAK},
        {"STOP_COUNT", STOP_COUNT}, {"STOP_PERIPHERAL", STOP_PERIPHERAL}, {"STOP_CYCLES", STOP_CYCLES},
        {"STOP_ILLEGAL", STOP_ILLEGAL}, {"STOP_DATA_FAULT", STOP_DATA_FAULT}, {"STOP_CODE_FAULT", STOP_CODE_FAULT},
        {"STOP_ALIGN", STOP_ALIGN}, {"STOP_STACK", STOP_STACK}, {"STOP_DIVZERO", STOP_DIVZERO},
        {"STOP_COPROC", STOP_COPROC}, {"STOP_WINDOW", STOP_WINDOW},
        {"R_READ", R_READ}, {"R_WRITE", R_WRITE}, {"R_EXEC", R_EXEC}, {"R_IO", R_IO}, {"R_WORD", R_WORD},
        {"OP_COUNT", OP_COUNT},
    };
    for (size_t i = 0; i < sizeof consts / sizeof *consts; i++)
        if (PyModule_AddIntConstant(m, consts[i].name, consts[i].value) < 0)
            return NULL;
    return m;
}
