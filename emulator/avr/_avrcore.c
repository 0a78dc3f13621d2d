/* The Python type around the AVR execution loop (run.c).
 *
 * Python owns every table and memory: the packed code words (flash word, opcode id,
 * base cost, two-word flag), the flash bytes for LPM, the data space, the cost table
 * for taken branches and skips, and the map of I/O addresses that peripherals hook.
 * The buffers are held for the object's life, so Python cannot resize them under it.
 */
#include "cpu.h"
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
    int stop = cpu_run(c, cycle_limit, insn_limit, until < 0 ? 0xffffffffu : (unsigned)until);
    c->running = 0;
    return stop == STOP_ERROR ? NULL : PyLong_FromLong(stop);
}

static PyObject *Cpu_request_stop(Cpu *c, PyObject *Py_UNUSED(ignored))
{
    c->stop_request = 1;
    Py_RETURN_NONE;
}

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *what, Py_ssize_t min_len)
{
    if (PyObject_GetBuffer(obj, view, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) < 0)
        return -1;
    if (view->len < min_len) {
        PyErr_Format(PyExc_ValueError, "%s: need at least %zd bytes, got %zd", what, min_len, view->len);
        return -1;
    }
    return 0;
}

static int Cpu_init(Cpu *c, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"code", "flash", "data", "costs", "hooked", "hook", "layout", NULL};
    PyObject *code, *flash, *data, *costs, *hooked, *hook;
    unsigned sreg, sph, spl, io_end, ramend, stack_limit;
    if (c->hook) {
        PyErr_SetString(PyExc_TypeError, "Cpu is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOO(IIIIII)", kwlist, &code, &flash, &data, &costs, &hooked,
                                     &hook, &sreg, &sph, &spl, &io_end, &ramend, &stack_limit))
        return -1;
    if (!PyCallable_Check(hook)) {
        PyErr_SetString(PyExc_TypeError, "hook must be callable");
        return -1;
    }
    if (get_buffer(flash, &c->flash, 0, "flash", 2) < 0)
        return -1;
    Py_ssize_t words = c->flash.len / 2;
    if (words & (words - 1)) {
        PyErr_SetString(PyExc_ValueError, "flash size must be a power of two");
        return -1;
    }
    if (io_end < 0x60 || io_end > 0x100 || sreg >= io_end || sph >= io_end || spl >= io_end) {
        PyErr_SetString(PyExc_ValueError, "layout: SREG/SP must lie in the I/O space, which ends at 0x60..0x100");
        return -1;
    }
    if (get_buffer(code, &c->code, 0, "code", 4 * words) < 0 ||
        get_buffer(data, &c->data, 1, "data", (Py_ssize_t)ramend + 1) < 0 ||
        get_buffer(costs, &c->costs, 0, "costs", 3 * 256) < 0 || get_buffer(hooked, &c->hooked, 0, "hooked", io_end) < 0)
        return -1;
    Py_INCREF(hook);
    c->hook = hook;
    c->sreg_addr = sreg;
    c->sph_addr = sph;
    c->spl_addr = spl;
    c->io_end = io_end;
    c->ramend = ramend;
    c->stack_limit = stack_limit;
    c->pc_mask = (unsigned)words - 1;
    c->sp_min = ramend;
    return 0;
}

static void Cpu_dealloc(Cpu *c)
{
    Py_buffer *views[] = {&c->code, &c->flash, &c->data, &c->costs, &c->hooked};
    for (size_t i = 0; i < sizeof views / sizeof *views; i++)
        if (views[i]->obj)
            PyBuffer_Release(views[i]);
    Py_XDECREF(c->hook);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyMemberDef Cpu_members[] = {
    {"pc", T_UINT, offsetof(Cpu, pc), 0, "program counter (word address)"},
    {"cycles", T_ULONGLONG, offsetof(Cpu, cycles), 0, "cycles since reset"},
    {"instructions", T_ULONGLONG, offsetof(Cpu, instructions), 0, "instructions since reset"},
    {"sp_min", T_UINT, offsetof(Cpu, sp_min), 0, "lowest stack pointer seen (stack watermark)"},
    {"stack_limit", T_UINT, offsetof(Cpu, stack_limit), 0, "first address the stack may not reach"},
    {"fault", T_UINT, offsetof(Cpu, fault), READONLY, "faulting address, opcode or stack pointer"},
    {NULL},
};

static PyMethodDef Cpu_methods[] = {
    {"run", (PyCFunction)Cpu_run, METH_VARARGS,
     "run(cycle_limit, instruction_limit, until_pc) -> STOP_* code; limits are absolute, until_pc -1 for none"},
    {"request_stop", (PyCFunction)Cpu_request_stop, METH_NOARGS, "stop after the current instruction (for hooks)"},
    {NULL},
};

static PyTypeObject CpuType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "emulator.avr._avrcore.Cpu",
    .tp_basicsize = sizeof(Cpu),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "AVR execution state over Python-owned code, flash and data space",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Cpu_init,
    .tp_dealloc = (destructor)Cpu_dealloc,
    .tp_members = Cpu_members,
    .tp_methods = Cpu_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_avrcore", .m_doc = "AVR execution loop", .m_size = -1,
};

PyMODINIT_FUNC PyInit__avrcore(void)
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
        {"STOP_UNTIL", STOP_UNTIL}, {"STOP_HALT", STOP_HALT}, {"STOP_SLEEP", STOP_SLEEP},
        {"STOP_BREAK", STOP_BREAK}, {"STOP_COUNT", STOP_COUNT}, {"STOP_PERIPHERAL", STOP_PERIPHERAL},
        {"STOP_CYCLES", STOP_CYCLES}, {"STOP_ILLEGAL", STOP_ILLEGAL}, {"STOP_STACK", STOP_STACK},
        {"STOP_DATA_FAULT", STOP_DATA_FAULT}, {"STOP_FLASH_FAULT", STOP_FLASH_FAULT},
        {"HOOK_READ", HOOK_READ}, {"HOOK_WRITE", HOOK_WRITE},
    };
    for (size_t i = 0; i < sizeof consts / sizeof *consts; i++)
        if (PyModule_AddIntConstant(m, consts[i].name, consts[i].value) < 0)
            return NULL;
    return m;
}
