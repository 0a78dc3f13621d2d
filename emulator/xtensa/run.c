/* The Xtensa LX6 execution loop.
 *
 * It never matches bit patterns itself: the opcode id, length and register group of every
 * code address come from a decode cache filled from the generated decode list (_isa.h), and
 * every cycle count from the cost table Python packs from emulator/xtensa/cycles.py (issue
 * cycles, result latency for the interlock model, extra cycles when control transfers).
 * Semantics follow the Xtensa Instruction Set Architecture Reference Manual; the register
 * window follows its WindowCheck/ENTRY/RETW pseudo-code (as QEMU's target/xtensa does).
 * Dispatch jumps through a table of handler labels (computed goto); the handlers live in
 * run_window.h, run_int.h and run_fp.h, by responsibility.
 */
#include "cpu.h"
#include "_isa.h"
#include <math.h>
#include <string.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static const int32_t B4CONST[16] = {-1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256};
static const uint32_t B4CONSTU[16] = {32768, 65536, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256};

static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint32_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st16(uint8_t *p, uint32_t v) { uint16_t h = (uint16_t)v; memcpy(p, &h, 2); }
static inline float asf(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t asu(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline int32_t sext(uint32_t v, unsigned bits) { return (int32_t)(v << (32 - bits)) >> (32 - bits); }

/* ROUND.S/TRUNC.S/FLOOR.S/CEIL.S/UTRUNC.S: f * 2^scale to an integer, saturating, with the
 * invalid and inexact flags raised the way IEEE-754 conversions do. */
/* A NaN result as QEMU's xtensa FPU gives it: the second operand's NaN (quieted) if it is one,
 * else the first's, else (an invalid operation on numbers) the default NaN. */
static inline uint32_t nan_result(uint32_t second, uint32_t first, uint32_t dflt)
{
    if ((second & 0x7fffffffu) > 0x7f800000u)
        return second | 0x400000u;
    if ((first & 0x7fffffffu) > 0x7f800000u)
        return first | 0x400000u;
    return dflt;
}

/* MADD.S/MSUB.S: the addend's NaN first, then the second and the first factor's; infinity times
 * zero signals invalid even with a quiet NaN addend. */
static inline uint32_t madd_nan(uint32_t acc, uint32_t s, uint32_t t)
{
    uint32_t as = s & 0x7fffffffu, at = t & 0x7fffffffu;
    if ((as == 0x7f800000u && at == 0) || (at == 0x7f800000u && as == 0))
        feraiseexcept(FE_INVALID);
    if ((acc & 0x7fffffffu) > 0x7f800000u)
        return acc | 0x400000u;
    return nan_result(t, s, 0x7fc00000u);
}

static inline __attribute__((always_inline)) unsigned long long
interlock(const Cpu *c, unsigned op, uint32_t w, unsigned wb4, unsigned long long cyc)
{
    unsigned src = XT_SRC[op], fsrc = XT_FSRC[op];
    unsigned long long r;
#define WAIT(mask, field, index) \
    if (mask & field) { r = c->ready[index]; cyc = r > cyc ? r : cyc; }
    WAIT(src, 1, (wb4 + ((w >> 12) & 15)) & 63)
    WAIT(src, 2, (wb4 + ((w >> 8) & 15)) & 63)
    WAIT(src, 4, (wb4 + ((w >> 4) & 15)) & 63)
    WAIT(fsrc, 1, 64 + ((w >> 12) & 15))
    WAIT(fsrc, 2, 64 + ((w >> 8) & 15))
    WAIT(fsrc, 4, 64 + ((w >> 4) & 15))
#undef WAIT
    return cyc;
}

static Region *code_region(Cpu *c, uint32_t pc)
{
    Region *r = find_region(c, pc, 2);
    return r && (r->flags & R_EXEC) ? r : NULL;
}

static void set_trap(Cpu *c, uint32_t a, int on)
{
    Region *r = a ? code_region(c, a) : NULL;
    if (r) {
        uint32_t *e = &r->dec[a - r->base];
        *e = on ? (*e | E_TRAP) : (*e & ~E_TRAP);
    }
}

int cpu_run(Cpu *c, unsigned long long cycle_limit, unsigned long long insn_limit, uint32_t until)
{
    fegetenv(&c->host_fenv);
    feclearexcept(FE_ALL_EXCEPT);
    fp_enter(c);
    set_trap(c, until, 1);
    set_trap(c, c->done, 1);

    const uint8_t *issue = c->costs[0], *latency = c->costs[1], *taken = c->costs[2];
    Region *cr = code_region(c, c->pc);
    Region *dr = &c->regions[0]; /* the fast data region (DRAM) */
    uint8_t *dmem = dr->mem;
    const uint32_t dbase = dr->base, dsize = dr->size - 3, marker = c->marker;
    uint32_t pc = c->pc, npc = 0, w = 0, e = 0, lend = c->sr[SR_LEND];
    unsigned wb4 = c->sr[SR_WINDOWBASE] * 4, wavail = window_avail(c), op = 0;
    unsigned long long cyc = c->cycles, cyc_i = cyc, n = c->instructions, n0 = n, check_at = 0;
    unsigned long long hazard = c->hazard;
    int stop = 0, stop_after = 0;
    c->stop_request = 0;
    c->thread = PyEval_SaveThread();

#define LABEL(name, handler) [OP_##name] = &&H_##handler,
    static const void *const dispatch[OP_COUNT] = {[OP_ILLEGAL] = &&H_ILLEGAL, XT_OPS(LABEL)};
#undef LABEL

#define AR(i) c->ar[(wb4 + (i)) & 63]
#define FR_ ((w >> 12) & 15)
#define FS_ ((w >> 8) & 15)
#define FT_ ((w >> 4) & 15)
#define IMM8 ((w >> 16) & 255)
#define F(i) asf(c->fr[i])
#define SETF(i, v) (c->fr[i] = asu(v))
#define BR c->sr[SR_BR]
#define NEXT goto next
#define JUMP(target) do { pc = (target); cyc += taken[op]; goto top; } while (0)
#define BRANCH(cond, target) do { if (cond) JUMP(target); NEXT; } while (0)
#define STOP_NOW(code) do { stop = (code); goto out; } while (0)
    /* a fault: the instruction did not happen; the PC and counters stay at it */
#define FAULT(code, x) do { c->fault = (x); cyc = cyc_i; n--; STOP_NOW(code); } while (0)
#define MEMERR(r) do { if ((r) == -STOP_PERIPHERAL) { stop_after = STOP_PERIPHERAL; check_at = 0; } \
        else FAULT(-(r), c->fault); } while (0)
#define LOAD(addr, sz, out) do { uint32_t a_ = (addr); \
        if (UNLIKELY(a_ & ((sz) - 1))) FAULT(STOP_ALIGN, a_); \
        uint32_t o_ = a_ - dbase; \
        if (LIKELY(o_ < dsize)) (out) = (sz) == 4 ? ld32(dmem + o_) : (sz) == 2 ? ld16(dmem + o_) : dmem[o_]; \
        else { uint32_t v_ = 0; int r_ = mem_load(c, a_, (sz), &v_, cyc_i); if (r_) MEMERR(r_); (out) = v_; } \
    } while (0)
#define STORE(addr, sz, val) do { uint32_t a_ = (addr), v_ = (val); \
        if (UNLIKELY(a_ & ((sz) - 1))) FAULT(STOP_ALIGN, a_); \
        uint32_t o_ = a_ - dbase; \
        if (LIKELY(o_ < dsize && a_ != marker)) { \
            if ((sz) == 4) st32(dmem + o_, v_); else if ((sz) == 2) st16(dmem + o_, v_); else dmem[o_] = (uint8_t)v_; } \
        else { int r_ = mem_store(c, a_, (sz), v_, cyc_i); if (r_) MEMERR(r_); } \
    } while (0)
#define WREFRESH() do { wb4 = c->sr[SR_WINDOWBASE] * 4; wavail = window_avail(c); } while (0)
#define NEED_FPU() do { if (UNLIKELY(!(c->sr[SR_CPENABLE] & 1))) FAULT(STOP_COPROC, pc); } while (0)
#define TARGET_REL(bits, shift) (pc + 4 + (uint32_t)sext(w >> (shift), (bits)))

top:
    if (UNLIKELY(cyc >= check_at)) {
        if (stop_after)
            STOP_NOW(stop_after);
        if (cyc >= cycle_limit)
            STOP_NOW(STOP_CYCLES);
        if (n >= insn_limit)
            STOP_NOW(STOP_COUNT);
        check_at = insn_limit - n < cycle_limit - cyc ? cyc + (insn_limit - n) : cycle_limit;
    }
    if (UNLIKELY(!cr || pc - cr->base >= cr->size)) {
        cr = code_region(c, pc);
        if (!cr) {
            c->fault = pc;
            STOP_NOW(STOP_CODE_FAULT);
        }
    }
    e = cr->dec[pc - cr->base];
    if (UNLIKELY((e & (E_VALID | E_TRAP)) != E_VALID)) {
        if (e & E_TRAP) {
            if (pc == c->done)
                STOP_NOW(STOP_HALT);
            if (pc == until && n != n0)
                STOP_NOW(STOP_UNTIL);
        }
        if (!(e & E_VALID)) {
            e = decode_at(c, cr, pc - cr->base) | (e & E_TRAP);
            cr->dec[pc - cr->base] = e;
        }
    }
    w = ld32(cr->mem + (pc - cr->base));
    op = E_OP(e);
    npc = pc + E_LEN(e);
    if (UNLIKELY(E_GROUP(e) > wavail)) {
        pc = window_overflow(c, pc, E_GROUP(e));
        WREFRESH();
        cyc += c->exception_cost;
        goto top;
    }
    if (UNLIKELY(cyc < hazard))
        cyc = interlock(c, op, w, wb4, cyc);
    cyc_i = cyc;
    cyc += issue[op];
    n++;
    if (UNLIKELY(latency[op] > 1)) {
        unsigned idx = XT_FDST[op] ? 64 + ((w >> (16 - 4 * XT_FDST[op])) & 15)
                                   : (wb4 + ((w >> (16 - 4 * XT_DST[op])) & 15)) & 63;
        c->ready[idx] = cyc_i + latency[op];
        if (c->ready[idx] > hazard)
            hazard = c->ready[idx];
    }
    goto *dispatch[op];

next:
    pc = npc;
    if (UNLIKELY(pc == lend) && c->sr[SR_LCOUNT] && !(c->sr[SR_PS] & PS_EXCM)) {
        c->sr[SR_LCOUNT]--; /* zero-overhead loop back edge: free */
        pc = c->sr[SR_LBEG];
    }
    goto top;

H_ILLEGAL:
H_UNEMULATED:
    FAULT(STOP_ILLEGAL, w & (E_LEN(e) == 2 ? 0xffffu : 0xffffffu));
H_NOP:
    NEXT;
H_BREAK:
    pc = npc;
    c->instructions = n;
    STOP_NOW(op == OP_BREAK || op == OP_BREAK_N ? STOP_BREAK : STOP_HALT); /* SIMCALL, WAITI: halt */

#include "run_window.h"
#include "run_int.h"
#include "run_fp.h"

out:
    c->hazard = hazard;
    c->pc = pc;
    c->cycles = cyc;
    c->instructions = n;
    PyEval_RestoreThread(c->thread);
    fp_leave(c);
    set_trap(c, until, 0);
    set_trap(c, c->done, 0);
    return stop;
}
