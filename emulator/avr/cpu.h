/* State shared by the execution loop (run.c), the peripherals (timer.c, irq.c) and the
 * Python type (_avrcore.c). */
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

enum { F_C = 0x01, F_Z = 0x02, F_N = 0x04, F_V = 0x08, F_S = 0x10, F_H = 0x20, F_T = 0x40, F_I = 0x80 };

/* hooked[address] bits: a Python peripheral wants to see reads and/or writes there, or the
 * address is a register of a peripheral emulated in C (timer.c). */
enum { HOOK_READ = 1, HOOK_WRITE = 2, HOOK_NATIVE = 4 };

/* Why a run returned; exported to Python as STOP_* constants. From STOP_ILLEGAL on, the
 * run stopped inside an instruction (a fault) and the PC still points at it. */
enum {
    STOP_UNTIL = 1, STOP_HALT, STOP_SLEEP, STOP_BREAK, STOP_COUNT, STOP_PERIPHERAL,
    STOP_CYCLES, STOP_ILLEGAL, STOP_STACK, STOP_DATA_FAULT, STOP_FLASH_FAULT, STOP_UNSUPPORTED, STOP_ERROR
};

#define NEVER (~0ULL)
enum { MAX_TIMERS = 4 };

/* A 16-bit timer/counter in normal mode. The count is derived from the cycle counter when
 * the firmware reads it, so a running timer costs nothing per instruction; only its
 * overflows are events. Register addresses come from emulator/avr/mcu.py. */
typedef struct {
    unsigned tcntl, tccra, tccrb, tifr, timsk; /* data addresses; TCNTnH (TEMP) is tcntl + 1 */
    uint8_t tov, vector;     /* TOVn/TOIEn bit, and the overflow vector number */
    unsigned prescale[8];    /* cycles per count by CSn; 0: stopped or a clock that is not emulated */
    unsigned ps;             /* cycles per count now; 0 while stopped */
    unsigned count;          /* the count at cycle `base` (held while stopped) */
    unsigned long long base;
} Timer16;

typedef struct {
    unsigned pc, sp, sp_min;
    uint8_t sreg;
    unsigned long long cyc;
} Regs; /* the loop's registers, handed to the interrupt logic at a boundary */

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
    /* Timers and interrupts (irq.c). The timers are sorted by overflow vector, so the first
     * pending one is the interrupt with the highest priority. */
    Timer16 timers[MAX_TIMERS];
    unsigned n_timers, vector_words;
    unsigned irq_entry, irq_wake; /* cycles, from the MCU's interrupt timing */
    unsigned irq_hold_init;     /* 1 + instructions run after I is set; 0 without interrupt sources */
    unsigned irq_hold;          /* boundaries left before a pending interrupt may be taken */
    int sleeping;
    int recheck;                /* an I/O access changed timer or interrupt state */
    unsigned long long next_event; /* cycle of the next timer overflow, or NEVER */
} Cpu;

/* Runs until a stop; returns a STOP_* code, or STOP_ERROR with a Python exception set. */
int cpu_run(Cpu *c, unsigned long long cycle_limit, unsigned long long insn_limit, unsigned until);

/* timer.c: the registers of an emulated timer (HOOK_NATIVE addresses), at the cycle the
 * accessing instruction began (c->cycles); a write returns 0 or -STOP_UNSUPPORTED. */
int timer_read(Cpu *c, unsigned address);
int timer_write(Cpu *c, unsigned address, uint8_t value);
/* Flag every overflow due by cycle `now` and set c->next_event. */
void timers_advance(Cpu *c, unsigned long long now);
/* The cycle at which a timer overflow next raises an enabled interrupt, or NEVER. */
unsigned long long timers_next_wake(const Cpu *c);
void timers_reset(Cpu *c);

/* irq.c: at an instruction boundary, bring the timers up to date, wake from sleep and take
 * a pending interrupt; returns 0 or a STOP_* code (a stack fault, or a sleep nothing can end). */
int irq_boundary(Cpu *c, Regs *r, unsigned long long cycle_limit);

#endif
