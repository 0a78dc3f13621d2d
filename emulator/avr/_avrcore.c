/* The Python type around the AVR execution loop (run.c).
 *
 * Python owns every table and memory: the packed code words (flash word, opcode id,
 * base cost, two-word flag), the flash bytes for LPM, the data space, the cost table
 * for taken branches and skips, and the map of I/O addresses that peripherals hook.
 * The buffers are held for the object's life, so Python cannot resize them under it.
 * The timers' registers and the interrupt timing come from the MCU's data as tuples.
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

static PyObject *Cpu_reset_peripherals(Cpu *c, PyObject *Py_UNUSED(ignored))
{
    timers_reset(c);
    c->irq_hold = 0;
    c->sleeping = c->recheck = 0;
    Py_RETURN_NONE;
}

/* timers: a sequence of (tcntl, tccra, tccrb, tifr, timsk, tov, vector, (8 prescalers)),
 * sorted by vector number; all addresses in the I/O space. */
static int parse_timers(Cpu *c, PyObject *timers)
{
    PyObject *seq = PySequence_Fast(timers, "timers must be a sequence");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int ok = n <= MAX_TIMERS;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        Timer16 *t = &c->timers[i];
        unsigned *ps = t->prescale;
        ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "IIIIIbb(IIIIIIII)", &t->tcntl, &t->tccra,
                              &t->tccrb, &t->tifr, &t->timsk, &t->tov, &t->vector, &ps[0], &ps[1], &ps[2],
                              &ps[3], &ps[4], &ps[5], &ps[6], &ps[7]);
        ok = ok && t->tcntl + 1 < c->io_end && t->tccra < c->io_end && t->tccrb < c->io_end &&
             t->tifr < c->io_end && t->timsk < c->io_end && (i == 0 || t->vector > t[-1].vector);
    }
    Py_DECREF(seq);
    if (!ok) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "timers: at most %d, registers in the I/O space, sorted by vector",
                         MAX_TIMERS);
        return -1;
    }
    c->n_timers = (unsigned)n;
    timers_reset(c);
    return 0;
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
    static char *kwlist[] = {"code", "flash", "data", "costs", "hooked", "hook", "layout", "timers", "interrupts",
                             NULL};
    PyObject *code, *flash, *data, *costs, *hooked, *hook, *timers = NULL;
    unsigned sreg, sph, spl, io_end, ramend, stack_limit, vector_words = 1, entry = 0, after = 0, wake = 0;
    if (c->hook) {
        PyErr_SetString(PyExc_TypeError, "Cpu is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOO(IIIIII)|O(IIII)", kwlist, &code, &flash, &data, &costs,
                                     &hooked, &hook, &sreg, &sph, &spl, &io_end, &ramend, &stack_limit, &timers,
                                     &vector_words, &entry, &after, &wake))
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
    if (timers && parse_timers(c, timers) < 0)
        return -1;
    c->vector_words = vector_words;
    c->irq_entry = entry;
    c->irq_wake = wake;
    c->irq_hold_init = c->n_timers ? after + 1 : 0; /* no interrupt sources: SEI need not be watched */
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
    {"reset_peripherals", (PyCFunction)Cpu_reset_peripherals, METH_NOARGS,
     "timers stopped at 0, no sleep, no interrupt hold (with the data space cleared by the caller)"},
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
        {"STOP_UNSUPPORTED", STOP_UNSUPPORTED}, {"HOOK_READ", HOOK_READ}, {"HOOK_WRITE", HOOK_WRITE},
        {"HOOK_NATIVE", HOOK_NATIVE},
    };
    for (size_t i = 0; i < sizeof consts / sizeof *consts; i++)
        if (PyModule_AddIntConstant(m, consts[i].name, consts[i].value) < 0)
            return NULL;
    return m;
}
