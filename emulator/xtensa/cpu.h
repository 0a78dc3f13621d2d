/* State shared by the execution loop (run.c), the slow paths (state.c) and the Python type
 * (_xtcore.c) of the Xtensa LX6 core. */
#ifndef HSK_XTENSA_CPU_H
#define HSK_XTENSA_CPU_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <fenv.h>
#include <stdint.h>

enum { MAX_REGIONS = 12 };

/* A memory region over a Python-owned buffer (size + 4 bytes, so a 3-byte fetch at the last
 * byte stays inside). Executable regions get a decode cache: one entry per byte address. */
enum { R_READ = 1, R_WRITE = 2, R_EXEC = 4, R_IO = 8, R_WORD = 16 /* 32-bit accesses only */ };

typedef struct {
    uint32_t base, size;
    uint8_t *mem;
    uint32_t *dec; /* decode cache (R_EXEC), calloc'ed; 0 = not decoded yet */
    unsigned flags;
} Region;

/* A decode-cache entry: opcode id, length, the highest register group (a0-a3 = 0 ... a12-a15 = 3)
 * the instruction names (window check), valid bit. TRAP marks an address a run stops at. */
#define E_OP(e) ((e) & 0x3ffu)
#define E_LEN(e) (((e) >> 10) & 3u)
#define E_GROUP(e) (((e) >> 12) & 3u)
#define E_VALID (1u << 15)
#define E_TRAP (1u << 16)

/* Special register numbers (Xtensa ISA reference, "Special Registers"). */
enum {
    SR_LBEG = 0, SR_LEND = 1, SR_LCOUNT = 2, SR_SAR = 3, SR_BR = 4, SR_LITBASE = 5, SR_SCOMPARE1 = 12,
    SR_ACCLO = 16, SR_ACCHI = 17, SR_M0 = 32, SR_WINDOWBASE = 72, SR_WINDOWSTART = 73,
    SR_IBREAKENABLE = 96, SR_MEMCTL = 97, SR_ATOMCTL = 99, SR_DDR = 104, SR_IBREAKA0 = 128,
    SR_DBREAKA0 = 144, SR_DBREAKC0 = 160, SR_EPC1 = 177, SR_DEPC = 192, SR_EPS2 = 194,
    SR_EXCSAVE1 = 209, SR_CPENABLE = 224, SR_INTSET = 226, SR_INTCLEAR = 227, SR_INTENABLE = 228,
    SR_PS = 230, SR_VECBASE = 231, SR_EXCCAUSE = 232, SR_DEBUGCAUSE = 233, SR_CCOUNT = 234,
    SR_PRID = 235, SR_ICOUNT = 236, SR_ICOUNTLEVEL = 237, SR_EXCVADDR = 238, SR_CCOMPARE0 = 240,
    SR_MISC0 = 244,
};
enum { UR_THREADPTR = 231, UR_FCR = 232, UR_FSR = 233 };
enum { PS_INTLEVEL = 0xf, PS_EXCM = 0x10, PS_UM = 0x20, PS_RING = 0xc0, PS_OWB_SHIFT = 8,
       PS_OWB = 0xf00, PS_CALLINC_SHIFT = 16, PS_CALLINC = 0x30000, PS_WOE = 0x40000 };

/* Why a run returned; exported to Python as STOP_* constants. From STOP_ILLEGAL on, the run
 * stopped inside an instruction (a fault) and the PC still points at it. */
enum {
    STOP_UNTIL = 1, STOP_HALT, STOP_BREAK, STOP_COUNT, STOP_PERIPHERAL, STOP_CYCLES,
    STOP_ILLEGAL, STOP_DATA_FAULT, STOP_CODE_FAULT, STOP_ALIGN, STOP_STACK, STOP_DIVZERO,
    STOP_COPROC, STOP_WINDOW, STOP_ERROR
};

typedef struct {
    PyObject_HEAD
    Region regions[MAX_REGIONS];
    Py_buffer views[MAX_REGIONS];
    unsigned nregions;
    uint8_t costs[3][1024];     /* per opcode id: issue cycles, result latency, taken extra */
    unsigned exception_cost;
    PyObject *hook;             /* hook(address, size, value or -1 for a read, cycle) -> value */
    PyThreadState *thread;
    /* architectural state */
    uint32_t ar[64];
    uint32_t pc;
    uint32_t sr[256];
    uint32_t ur[256];
    uint32_t fr[16];            /* FP registers, as IEEE-754 bit patterns */
    int64_t acc;                /* MAC16 accumulator, 40 bits sign-extended */
    uint32_t ccount_base;       /* CCOUNT = cycles + ccount_base (mod 2^32) */
    /* run bookkeeping */
    unsigned long long cycles, instructions;
    uint32_t marker, done;      /* hsk_emu_marker, hsk_emu_done addresses (0: none) */
    uint32_t stack_limit, sp_min;
    uint32_t fault;             /* faulting address or instruction word */
    int stop_request;
    int running;
    unsigned long long ready[80]; /* cycle at which AR (physical 0..63) and FR (64..79) results are ready */
    unsigned long long hazard;  /* max of ready[]: no interlock check needed past it */
    fenv_t host_fenv;           /* the host's FP environment, restored when a run ends */
} Cpu;

int cpu_run(Cpu *c, unsigned long long cycle_limit, unsigned long long insn_limit, uint32_t until);

/* state.c */
Region *find_region(Cpu *c, uint32_t a, unsigned size);
uint32_t decode_at(Cpu *c, Region *r, uint32_t off);
/* Slow memory paths: regions other than the cached one, word-only regions, peripherals. 0 or -STOP_*. */
int mem_load(Cpu *c, uint32_t a, unsigned size, uint32_t *out, unsigned long long cycle);
int mem_store(Cpu *c, uint32_t a, unsigned size, uint32_t v, unsigned long long cycle);
/* RSR/WSR/RUR/WUR: 0, or -STOP_ILLEGAL for a register the configuration lacks. */
int sr_read(Cpu *c, unsigned sr, uint32_t *out, unsigned long long cycle);
int sr_write(Cpu *c, unsigned sr, uint32_t v, unsigned long long cycle);
int ur_read(Cpu *c, unsigned ur, uint32_t *out);
int ur_write(Cpu *c, unsigned ur, uint32_t v);
/* Register groups usable without a window overflow: 0..3 (3 when windows are not checked). */
unsigned window_avail(const Cpu *c);
/* Take a window overflow for a reference to register group `group` at pc; returns the vector. */
uint32_t window_overflow(Cpu *c, uint32_t pc, unsigned group);
void rotate_window(Cpu *c, int n);
/* FP environment: the FCR rounding mode in, sticky flags out to FSR. */
void fp_enter(Cpu *c);
void fp_sync_flags(Cpu *c);
void fp_leave(Cpu *c);
/* fpu.c: ROUND.S/TRUNC.S/FLOOR.S/CEIL.S/UTRUNC.S (op) of f * 2^scale, saturating, flags raised. */
uint32_t f_to_int(float f, unsigned scale, unsigned op);

#endif
