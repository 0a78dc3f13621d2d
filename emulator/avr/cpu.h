/* State shared by the execution loop (run.c) and the Python type (_avrcore.c). */
#ifndef HSK_AVR_CPU_H
#define HSK_AVR_CPU_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* One 32-bit entry per flash word, packed by emulator/avr/core.py. */
#define CODE_WORD(e) ((e) & 0xffffu)   /* the flash word itself */
#define CODE_OP(e) (((e) >> 16) & 0xffu) /* opcode id from _isa.h, 0 if illegal on this core */
#define CODE_COST(e) (((e) >> 24) & 0xfu) /* base cycle count from the core's cycle table */
#define CODE_WIDE(e) (((e) >> 28) & 1u)  /* first word of a two-word instruction */

/* hooked[address] bits: a peripheral wants to see reads and/or writes there. */
enum { HOOK_READ = 1, HOOK_WRITE = 2 };

/* Why a run returned; exported to Python as STOP_* constants. From STOP_ILLEGAL on, the
 * run stopped inside an instruction (a fault) and the PC still points at it. */
enum {
    STOP_UNTIL = 1, STOP_HALT, STOP_SLEEP, STOP_BREAK, STOP_COUNT, STOP_PERIPHERAL,
    STOP_CYCLES, STOP_ILLEGAL, STOP_STACK, STOP_DATA_FAULT, STOP_FLASH_FAULT, STOP_ERROR
};

typedef struct {
    PyObject_HEAD
    Py_buffer code, flash, data, costs, hooked;
    PyObject *hook;             /* hook(address, value or -1 for a read, cycle) */
    PyThreadState *thread;      /* saved while the loop runs without the GIL */
    unsigned sreg_addr, sph_addr, spl_addr, io_end, ramend, stack_limit, pc_mask;
    /* State kept between runs; SREG and SP live in the data space then. */
    unsigned pc;                /* word address */
    unsigned long long cycles, instructions;
    unsigned sp_min;
    unsigned fault;             /* faulting address, opcode or stack pointer */
    int stop_request;
    int running;                /* a hook may not start another run on the same Cpu */
    /* Mirrors of the loop's locals while an I/O access is handled out of line. */
    unsigned sp;
    uint8_t sreg;
} Cpu;

/* Runs until a stop; returns a STOP_* code, or STOP_ERROR with a Python exception set. */
int cpu_run(Cpu *c, unsigned long long cycle_limit, unsigned long long insn_limit, unsigned until);

#endif
