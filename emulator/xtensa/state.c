/* The Xtensa core's slow paths: memory regions other than the loop's cached ones and the
 * peripherals behind the Python hook, the decode of a new code address, special and user
 * registers, the register window, and the FP environment. */
#include "cpu.h"
#include "_isa.h"

/* ---- memory ------------------------------------------------------------------ */

Region *find_region(Cpu *c, uint32_t a, unsigned size)
{
    for (unsigned i = 0; i < c->nregions; i++) {
        Region *r = &c->regions[i];
        if (a - r->base < r->size && r->size - (a - r->base) >= size)
            return r;
    }
    return NULL;
}

uint32_t decode_at(Cpu *c, Region *r, uint32_t off)
{
    (void)c;
    const uint8_t *p = r->mem + off;
    uint32_t w = p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16);
    unsigned op0 = w & 15, len = (op0 >= 8 && op0 <= 13) ? 2 : 3, op = 0;
    if (len == 2)
        w &= 0xffff;
    for (unsigned i = 0; i < XT_NPATTERNS; i++) {
        const xt_pattern *pt = &XT_PATTERNS[i];
        if (pt->len == len && (w & pt->mask) == pt->value) {
            op = pt->op;
            break;
        }
    }
    /* the highest register group the instruction names, for the window check */
    unsigned group = 0, ar = XT_AR[op];
    if (ar & 1)
        group = ((w >> 12) & 15) >> 2;
    if ((ar & 2) && ((w >> 8) & 15) >> 2 > group)
        group = ((w >> 8) & 15) >> 2;
    if ((ar & 4) && ((w >> 4) & 15) >> 2 > group)
        group = ((w >> 4) & 15) >> 2;
    if (op == OP_CALL4 || op == OP_CALL8 || op == OP_CALL12 || op == OP_CALLX4 || op == OP_CALLX8 ||
        op == OP_CALLX12) {
        unsigned n = (w >> 4) & 3; /* CALLn writes a(4n) */
        if (n > group)
            group = n;
    }
    return op | (len << 10) | (group << 12) | E_VALID;
}

static int call_hook(Cpu *c, uint32_t a, unsigned size, long long value, unsigned long long cycle, uint32_t *out)
{
    /* Python runs in the host's FP environment: its float arithmetic must not raise the
     * emulated FSR flags, nor run under the emulated rounding mode */
    fenv_t emulated;
    fegetenv(&emulated);
    fesetenv(&c->host_fenv);
    PyEval_RestoreThread(c->thread);
    PyObject *r = PyObject_CallFunction(c->hook, "kIKK", (unsigned long)a, size, (unsigned long long)value, cycle);
    int ok = r != NULL;
    if (ok && out) {
        unsigned long v = PyLong_AsUnsignedLongMask(r);
        ok = !PyErr_Occurred();
        *out = (uint32_t)v;
    }
    Py_XDECREF(r);
    c->thread = PyEval_SaveThread();
    fesetenv(&emulated);
    if (ok && c->stop_request)
        return -STOP_PERIPHERAL; /* the access completes; the run stops after this instruction */
    return ok ? 0 : -STOP_ERROR;
}

int mem_load(Cpu *c, uint32_t a, unsigned size, uint32_t *out, unsigned long long cycle)
{
    Region *r = find_region(c, a, size);
    if (!r || !(r->flags & (R_READ | R_IO)) || ((r->flags & R_WORD) && size != 4)) {
        c->fault = a;
        return -STOP_DATA_FAULT;
    }
    if (r->flags & R_IO)
        return call_hook(c, a, size, -1LL, cycle, out);
    const uint8_t *p = r->mem + (a - r->base);
    *out = size == 1 ? p[0] : size == 2 ? (uint32_t)(p[0] | p[1] << 8)
                                        : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
    return 0;
}

int mem_store(Cpu *c, uint32_t a, unsigned size, uint32_t v, unsigned long long cycle)
{
    Region *r = find_region(c, a, size);
    if (!r || !(r->flags & (R_WRITE | R_IO)) || ((r->flags & R_WORD) && size != 4)) {
        c->fault = a;
        return -STOP_DATA_FAULT;
    }
    if (r->flags & R_IO)
        return call_hook(c, a, size, v, cycle, NULL);
    uint32_t off = a - r->base;
    uint8_t *p = r->mem + off;
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    if (r->dec) /* code written at run time: decode it again (an instruction may start 2 bytes before) */
        for (uint32_t i = off >= 2 ? off - 2 : 0; i < off + size && i < r->size; i++)
            r->dec[i] = 0;
    if (a == c->marker && c->marker)
        return call_hook(c, a, size, v, cycle, NULL);
    return 0;
}

/* ---- special and user registers ------------------------------------------------ */

static int sr_exists(unsigned sr)
{
    switch (sr) {
    case SR_LBEG: case SR_LEND: case SR_LCOUNT: case SR_SAR: case SR_BR: case SR_LITBASE: case SR_SCOMPARE1:
    case SR_ACCLO: case SR_ACCHI: case SR_WINDOWBASE: case SR_WINDOWSTART: case SR_IBREAKENABLE:
    case SR_MEMCTL: case SR_ATOMCTL: case SR_DDR: case SR_DEPC: case SR_CPENABLE: case SR_INTSET:
    case SR_INTCLEAR: case SR_INTENABLE: case SR_PS: case SR_VECBASE: case SR_EXCCAUSE: case SR_DEBUGCAUSE:
    case SR_CCOUNT: case SR_PRID: case SR_ICOUNT: case SR_ICOUNTLEVEL: case SR_EXCVADDR:
        return 1;
    default:
        return (sr >= SR_M0 && sr < SR_M0 + 4) || sr == SR_IBREAKA0 || sr == SR_IBREAKA0 + 1 ||
               sr == SR_DBREAKA0 || sr == SR_DBREAKA0 + 1 || sr == SR_DBREAKC0 || sr == SR_DBREAKC0 + 1 ||
               (sr >= SR_EPC1 && sr < SR_EPC1 + 7) || (sr >= SR_EPS2 && sr < SR_EPS2 + 6) ||
               (sr >= SR_EXCSAVE1 && sr < SR_EXCSAVE1 + 7) || (sr >= SR_CCOMPARE0 && sr < SR_CCOMPARE0 + 3) ||
               (sr >= SR_MISC0 && sr < SR_MISC0 + 4);
    }
}

int sr_read(Cpu *c, unsigned sr, uint32_t *out, unsigned long long cycle)
{
    if (!sr_exists(sr) || sr == SR_INTCLEAR)
        return -STOP_ILLEGAL;
    switch (sr) {
    case SR_ACCLO: *out = (uint32_t)c->acc; break;
    case SR_ACCHI: *out = (uint32_t)(int32_t)(int8_t)(c->acc >> 32); break;
    case SR_CCOUNT: *out = (uint32_t)cycle + c->ccount_base; break;
    case SR_PRID: *out = 0xcdcd; break; /* the ESP32's PRO CPU */
    default: *out = c->sr[sr];
    }
    return 0;
}

int sr_write(Cpu *c, unsigned sr, uint32_t v, unsigned long long cycle)
{
    if (!sr_exists(sr) || sr == SR_PRID)
        return -STOP_ILLEGAL;
    switch (sr) {
    case SR_SAR: v &= 63; break;
    case SR_BR: case SR_WINDOWSTART: v &= 0xffff; break;
    case SR_WINDOWBASE: v &= 15; break;
    case SR_PS: v &= 0x7ffff; break;
    case SR_LITBASE: v &= 0xfffff001; break;
    case SR_VECBASE: v &= ~0x3ffu; break;
    case SR_ACCLO: c->acc = (c->acc & ~0xffffffffLL) | v; return 0;
    case SR_ACCHI: c->acc = (int64_t)((uint64_t)(int64_t)(int8_t)v << 32) | (uint32_t)c->acc; return 0;
    case SR_CCOUNT: c->ccount_base = v - (uint32_t)cycle; return 0;
    case SR_INTSET: c->sr[SR_INTSET] |= v; return 0;
    case SR_INTCLEAR: c->sr[SR_INTSET] &= ~v; return 0;
    }
    c->sr[sr] = v;
    return 0;
}

int ur_read(Cpu *c, unsigned ur, uint32_t *out)
{
    if (ur == UR_FSR)
        fp_sync_flags(c);
    if (ur != UR_THREADPTR && ur != UR_FCR && ur != UR_FSR)
        return -STOP_ILLEGAL;
    *out = c->ur[ur];
    return 0;
}

int ur_write(Cpu *c, unsigned ur, uint32_t v)
{
    switch (ur) {
    case UR_THREADPTR: c->ur[ur] = v; return 0;
    case UR_FCR: c->ur[ur] = v & 0x7f; fp_enter(c); return 0; /* RM[1:0], enables[6:2] */
    case UR_FSR: fp_sync_flags(c); c->ur[ur] = v & 0xf80; return 0; /* flags[11:7] */
    }
    return -STOP_ILLEGAL;
}

/* ---- the register window ---------------------------------------------------------- */

static uint32_t ws_above(const Cpu *c)
{
    uint32_t ws = c->sr[SR_WINDOWSTART] & 0xffff;
    return (ws | ws << 16) >> (c->sr[SR_WINDOWBASE] + 1);
}

unsigned window_avail(const Cpu *c)
{
    if ((c->sr[SR_PS] & (PS_WOE | PS_EXCM)) != PS_WOE)
        return 3;
    return (unsigned)__builtin_ctz(ws_above(c) | 8);
}

void rotate_window(Cpu *c, int n)
{
    c->sr[SR_WINDOWBASE] = (c->sr[SR_WINDOWBASE] + (unsigned)n) & 15;
}

uint32_t window_overflow(Cpu *c, uint32_t pc, unsigned group)
{
    (void)group;
    uint32_t above = ws_above(c), wb = c->sr[SR_WINDOWBASE];
    int n = __builtin_ctz(above) + 1; /* the first live frame above ours: spill it */
    rotate_window(c, n);
    c->sr[SR_PS] = (c->sr[SR_PS] & ~(uint32_t)PS_OWB) | (wb << PS_OWB_SHIFT) | PS_EXCM;
    c->sr[SR_EPC1] = pc;
    unsigned size = (unsigned)__builtin_ctz((above >> n) | 0x80000000u); /* 0: 4 registers, 1: 8, else 12 */
    return c->sr[SR_VECBASE] + (size == 0 ? 0x00 : size == 1 ? 0x80 : 0x100);
}

/* ---- FP environment ---------------------------------------------------------------- */

void fp_enter(Cpu *c)
{
    static const int modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD};
    fesetround(modes[c->ur[UR_FCR] & 3]);
}

void fp_sync_flags(Cpu *c)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    uint32_t x = (f & FE_INEXACT ? 1 : 0) | (f & FE_UNDERFLOW ? 2 : 0) | (f & FE_OVERFLOW ? 4 : 0) |
                 (f & FE_DIVBYZERO ? 8 : 0) | (f & FE_INVALID ? 16 : 0);
    c->ur[UR_FSR] |= x << 7;
    feclearexcept(FE_ALL_EXCEPT);
}

void fp_leave(Cpu *c)
{
    fp_sync_flags(c);
    fesetenv(&c->host_fenv);
}
