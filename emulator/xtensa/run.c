/* The Xtensa LX6 execution loop.
 *
 * It never matches bit patterns itself: the opcode id, length and register group of every
 * code address come from a decode cache filled from the generated decode list (_isa.h), and
 * every cycle count from the cost table Python packs from emulator/xtensa/cycles.py (issue
 * cycles, result latency for the interlock model, extra cycles when control transfers).
 * Semantics follow the Xtensa Instruction Set Architecture Reference Manual; the register
 * window follows its WindowCheck/ENTRY/RETW pseudo-code (as QEMU's target/xtensa does).
 * Dispatch jumps through a table of handler labels (computed goto).
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
static uint32_t f_to_int(float f, unsigned scale, unsigned op)
{
    double x = (double)f * (double)(1u << scale); /* exact */
    if (isnan(x)) {
        feraiseexcept(FE_INVALID);
        return op == OP_UTRUNC_S ? 0xffffffffu : 0x7fffffffu;
    }
    double r;
    fexcept_t flags; /* libm's trunc/floor/ceil may raise inexact: the flags are decided below */
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    switch (op) {
    case OP_ROUND_S: { /* to nearest, ties to even, whatever FCR says */
        double fl = floor(x), d = x - fl;
        r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : (fmod(fl, 2.0) == 0 ? fl : fl + 1);
        break;
    }
    case OP_FLOOR_S: r = floor(x); break;
    case OP_CEIL_S: r = ceil(x); break;
    default: r = trunc(x);
    }
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
    if (op == OP_UTRUNC_S) {
        if (r < 0) { /* -1 or less: invalid, and the signed conversion's (saturated) result */
            feraiseexcept(FE_INVALID);
            return r < -2147483648.0 ? 0x80000000u : (uint32_t)(int32_t)r;
        }
        if (r > 4294967295.0) {
            feraiseexcept(FE_INVALID);
            return 0xffffffffu;
        }
        if (r != x)
            feraiseexcept(FE_INEXACT);
        return (uint32_t)r;
    }
    if (r > 2147483647.0 || r < -2147483648.0) {
        feraiseexcept(FE_INVALID);
        return r > 0 ? 0x7fffffffu : 0x80000000u;
    }
    if (r != x)
        feraiseexcept(FE_INEXACT);
    return (uint32_t)(int32_t)r;
}

/* The cycle at which an instruction reading its sources may issue (load-use and other result
 * latencies: ready[] holds when each register's pending result arrives). */
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

    /* ---- calls, returns, window ---------------------------------------------------- */
H_RET:
    JUMP(AR(0));
H_JX:
    JUMP(AR(FS_));
H_CALLX: {
    uint32_t target = AR(FS_), k = (w >> 4) & 3;
    if (k == 0) {
        AR(0) = npc;
    } else {
        AR(4 * k) = (k << 30) | (npc & 0x3fffffff);
        c->sr[SR_PS] = (c->sr[SR_PS] & ~(uint32_t)PS_CALLINC) | (k << PS_CALLINC_SHIFT);
    }
    JUMP(target);
}
H_CALL: {
    uint32_t target = (pc & ~3u) + ((uint32_t)sext(w >> 6, 18) << 2) + 4, k = (w >> 4) & 3;
    if (k == 0) {
        AR(0) = npc;
    } else {
        AR(4 * k) = (k << 30) | (npc & 0x3fffffff);
        c->sr[SR_PS] = (c->sr[SR_PS] & ~(uint32_t)PS_CALLINC) | (k << PS_CALLINC_SHIFT);
    }
    JUMP(target);
}
H_J:
    JUMP(TARGET_REL(18, 6));
H_ENTRY: {
    uint32_t ps = c->sr[SR_PS], k = (ps & PS_CALLINC) >> PS_CALLINC_SHIFT, s = FS_;
    if (s > 3 || (ps & (PS_WOE | PS_EXCM)) != PS_WOE)
        FAULT(STOP_WINDOW, w);
    uint32_t ws = c->sr[SR_WINDOWSTART], wb = c->sr[SR_WINDOWBASE];
    if (((ws | ws << 16) >> (wb + 1)) & ((1u << k) - 1)) { /* the callee's registers hold a live frame */
        n--;
        cyc = cyc_i + c->exception_cost;
        pc = window_overflow(c, pc, k);
        WREFRESH();
        goto top;
    }
    uint32_t sp = AR(s) - (((w >> 12) & 0xfff) << 3);
    if (s == 1 && sp < c->stack_limit && c->stack_limit)
        FAULT(STOP_STACK, sp);
    if (s == 1 && sp < c->sp_min)
        c->sp_min = sp;
    AR(4 * k + s) = sp;
    rotate_window(c, (int)k);
    c->sr[SR_WINDOWSTART] |= 1u << c->sr[SR_WINDOWBASE];
    WREFRESH();
    NEXT;
}
H_RETW: {
    uint32_t a0 = AR(0), k = a0 >> 30, wb = c->sr[SR_WINDOWBASE], ws = c->sr[SR_WINDOWSTART];
    unsigned m = ws & (1u << ((wb - 1) & 15)) ? 1 : ws & (1u << ((wb - 2) & 15)) ? 2 : ws & (1u << ((wb - 3) & 15)) ? 3 : 0;
    if (k == 0 || (m && m != k) || (c->sr[SR_PS] & (PS_WOE | PS_EXCM)) != PS_WOE)
        FAULT(STOP_WINDOW, w);
    uint32_t target = (pc & 0xc0000000u) | (a0 & 0x3fffffffu);
    rotate_window(c, -(int)k);
    if (ws & (1u << c->sr[SR_WINDOWBASE])) {
        c->sr[SR_WINDOWSTART] &= ~(1u << wb);
        WREFRESH();
        JUMP(target);
    }
    /* window underflow: the caller's frame was spilled; its handler reloads it, then RFWU */
    c->sr[SR_PS] = (c->sr[SR_PS] & ~(uint32_t)PS_OWB) | (wb << PS_OWB_SHIFT) | PS_EXCM;
    c->sr[SR_EPC1] = pc;
    WREFRESH();
    pc = c->sr[SR_VECBASE] + (k == 1 ? 0x40 : k == 2 ? 0xc0 : 0x140);
    cyc += c->exception_cost;
    goto top;
}
H_RFW: {
    uint32_t wb = c->sr[SR_WINDOWBASE];
    if (op == OP_RFWO)
        c->sr[SR_WINDOWSTART] &= ~(1u << wb);
    else
        c->sr[SR_WINDOWSTART] |= 1u << wb;
    c->sr[SR_WINDOWBASE] = (c->sr[SR_PS] & PS_OWB) >> PS_OWB_SHIFT;
    c->sr[SR_PS] &= ~(uint32_t)PS_EXCM;
    WREFRESH();
    pc = c->sr[SR_EPC1];
    cyc += c->exception_cost;
    goto top;
}
H_RFE:
    c->sr[SR_PS] &= ~(uint32_t)PS_EXCM;
    WREFRESH();
    JUMP(c->sr[SR_EPC1]);
H_ROTW:
    rotate_window(c, sext(FT_, 4));
    WREFRESH();
    NEXT;
H_MOVSP: {
    uint32_t wb = c->sr[SR_WINDOWBASE], ws = c->sr[SR_WINDOWSTART];
    if (!(ws & ((1u << ((wb - 1) & 15)) | (1u << ((wb - 2) & 15)) | (1u << ((wb - 3) & 15)))))
        FAULT(STOP_WINDOW, w); /* an alloca exception: not modelled */
    uint32_t v = AR(FS_);
    if (FT_ == 1 && v < c->stack_limit)
        FAULT(STOP_STACK, v);
    if (FT_ == 1 && v < c->sp_min)
        c->sp_min = v;
    AR(FT_) = v;
    NEXT;
}

    /* ---- special registers, booleans -------------------------------------------------- */
H_RSIL:
    AR(FT_) = c->sr[SR_PS];
    c->sr[SR_PS] = (c->sr[SR_PS] & ~(uint32_t)PS_INTLEVEL) | FS_;
    NEXT;
H_RSR: {
    uint32_t v;
    if (sr_read(c, (w >> 8) & 255, &v, cyc_i))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    AR(FT_) = v;
    NEXT;
}
H_WSR:
    if (sr_write(c, (w >> 8) & 255, AR(FT_), cyc_i))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    WREFRESH();
    lend = c->sr[SR_LEND];
    NEXT;
H_XSR: {
    uint32_t v, sr = (w >> 8) & 255;
    if (sr_read(c, sr, &v, cyc_i) || sr_write(c, sr, AR(FT_), cyc_i))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    AR(FT_) = v;
    WREFRESH();
    lend = c->sr[SR_LEND];
    NEXT;
}
H_RUR: {
    uint32_t v;
    if (ur_read(c, (w >> 4) & 255, &v))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    AR(FR_) = v;
    NEXT;
}
H_WUR:
    if (ur_write(c, (w >> 8) & 255, AR(FT_)))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    NEXT;
H_ANYALL: {
    unsigned eight = op == OP_ANY8 || op == OP_ALL8, mask = eight ? 0xff : 0xf, bits = (BR >> FS_) & mask;
    unsigned v = (op == OP_ANY4 || op == OP_ANY8) ? bits != 0 : bits == mask;
    BR = (BR & ~(1u << FT_)) | (v << FT_);
    NEXT;
}
H_BOOL2: {
    unsigned a = (BR >> FS_) & 1, b = (BR >> FT_) & 1, v;
    switch (op) {
    case OP_ANDB: v = a & b; break;
    case OP_ANDBC: v = a & !b; break;
    case OP_ORB: v = a | b; break;
    case OP_ORBC: v = a | !b; break;
    default: v = a ^ b;
    }
    BR = (BR & ~(1u << FR_)) | (v << FR_);
    NEXT;
}

    /* ---- arithmetic and logic --------------------------------------------------------- */
H_AND: AR(FR_) = AR(FS_) & AR(FT_); NEXT;
H_OR: AR(FR_) = AR(FS_) | AR(FT_); NEXT;
H_XOR: AR(FR_) = AR(FS_) ^ AR(FT_); NEXT;
H_ADD: AR(FR_) = AR(FS_) + AR(FT_); NEXT;
H_SUB: AR(FR_) = AR(FS_) - AR(FT_); NEXT;
H_ADDX: AR(FR_) = (AR(FS_) << (op - OP_ADDX2 + 1)) + AR(FT_); NEXT;
H_SUBX: AR(FR_) = (AR(FS_) << (op - OP_SUBX2 + 1)) - AR(FT_); NEXT;
H_NEG: AR(FR_) = 0u - AR(FT_); NEXT;
H_ABS: { int32_t v = (int32_t)AR(FT_); AR(FR_) = v < 0 ? 0u - (uint32_t)v : (uint32_t)v; NEXT; }
H_ADDI: {
    uint32_t imm = (uint32_t)sext(IMM8, 8);
    AR(FT_) = AR(FS_) + (op == OP_ADDMI ? imm << 8 : imm);
    NEXT;
}
H_ADDI_N: AR(FR_) = AR(FS_) + (FT_ ? FT_ : 0xffffffffu); NEXT;
H_MOVI: AR(FT_) = (uint32_t)sext(((w >> 8) & 15) << 8 | IMM8, 12); NEXT;
H_MOVI_N: { uint32_t imm = ((FT_ & 7) << 4) | FR_; AR(FS_) = imm >= 96 ? imm - 128 : imm; NEXT; }
H_MOV_N: AR(FT_) = AR(FS_); NEXT;
H_SSA: {
    uint32_t s = AR(FS_), sar;
    switch (op) {
    case OP_SSR: sar = s & 31; break;
    case OP_SSL: sar = 32 - (s & 31); break;
    case OP_SSA8L: sar = (s & 3) * 8; break;
    case OP_SSA8B: sar = 32 - (s & 3) * 8; break;
    default: sar = FS_ | ((FT_ & 1) << 4); /* SSAI */
    }
    c->sr[SR_SAR] = sar;
    NEXT;
}
H_NSA: { uint32_t v = AR(FS_); AR(FT_) = (v == 0 || v == 0xffffffffu) ? 31 : (uint32_t)__builtin_clz(v ^ (uint32_t)((int32_t)v >> 31)) - 1; NEXT; }
H_NSAU: { uint32_t v = AR(FS_); AR(FT_) = v ? (uint32_t)__builtin_clz(v) : 32; NEXT; }
H_SLLI: AR(FR_) = (uint32_t)((uint64_t)AR(FS_) << (32 - ((((w >> 20) & 1) << 4) | FT_))); NEXT;
H_SRAI: AR(FR_) = (uint32_t)((int32_t)AR(FT_) >> ((((w >> 20) & 1) << 4) | FS_)); NEXT;
H_SRLI: AR(FR_) = AR(FT_) >> FS_; NEXT;
H_SRC: AR(FR_) = (uint32_t)((((uint64_t)AR(FS_) << 32) | AR(FT_)) >> c->sr[SR_SAR]); NEXT;
H_SRL: AR(FR_) = (uint32_t)((uint64_t)AR(FT_) >> c->sr[SR_SAR]); NEXT;
H_SLL: AR(FR_) = (uint32_t)(((uint64_t)AR(FS_) << 32) >> c->sr[SR_SAR]); NEXT;
H_SRA: AR(FR_) = (uint32_t)((int64_t)(int32_t)AR(FT_) >> c->sr[SR_SAR]); NEXT;
H_EXTUI: {
    unsigned shift = (((w >> 16) & 1) << 4) | FS_, bits = ((w >> 20) & 15) + 1;
    AR(FR_) = (AR(FT_) >> shift) & ((1u << bits) - 1);
    NEXT;
}
H_MUL16:
    AR(FR_) = op == OP_MUL16U ? (AR(FS_) & 0xffff) * (AR(FT_) & 0xffff)
                              : (uint32_t)((int32_t)(int16_t)AR(FS_) * (int32_t)(int16_t)AR(FT_));
    NEXT;
H_MUL32: {
    uint32_t a = AR(FS_), b = AR(FT_);
    AR(FR_) = op == OP_MULL ? a * b
            : op == OP_MULUH ? (uint32_t)(((uint64_t)a * b) >> 32)
                             : (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int32_t)b) >> 32);
    NEXT;
}
H_DIV: {
    uint32_t a = AR(FS_), b = AR(FT_);
    if (UNLIKELY(b == 0))
        FAULT(STOP_DIVZERO, pc);
    int overflow = a == 0x80000000u && b == 0xffffffffu;
    switch (op) {
    case OP_QUOU: AR(FR_) = a / b; break;
    case OP_REMU: AR(FR_) = a % b; break;
    case OP_QUOS: AR(FR_) = overflow ? a : (uint32_t)((int32_t)a / (int32_t)b); break;
    default: AR(FR_) = overflow ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
    }
    NEXT;
}
H_SEXT: { unsigned b = FT_ + 8; AR(FR_) = (uint32_t)sext(AR(FS_), b); NEXT; }
H_CLAMPS: {
    unsigned b = FT_ + 7;
    int32_t v = (int32_t)AR(FS_), hi = (int32_t)((1u << b) - 1), lo = -hi - 1;
    AR(FR_) = (uint32_t)(v < lo ? lo : v > hi ? hi : v);
    NEXT;
}
H_MINMAX: {
    uint32_t a = AR(FS_), b = AR(FT_);
    switch (op) {
    case OP_MIN: AR(FR_) = (int32_t)a < (int32_t)b ? a : b; break;
    case OP_MAX: AR(FR_) = (int32_t)a > (int32_t)b ? a : b; break;
    case OP_MINU: AR(FR_) = a < b ? a : b; break;
    default: AR(FR_) = a > b ? a : b;
    }
    NEXT;
}
H_MOVCOND: {
    int32_t t = (int32_t)AR(FT_);
    int move = op == OP_MOVEQZ ? t == 0 : op == OP_MOVNEZ ? t != 0 : op == OP_MOVLTZ ? t < 0 : t >= 0;
    if (move)
        AR(FR_) = AR(FS_);
    NEXT;
}
H_MOVBOOL:
    if (((BR >> FT_) & 1) == (op == OP_MOVT))
        AR(FR_) = AR(FS_);
    NEXT;

    /* ---- loads and stores -------------------------------------------------------------- */
H_L32R: {
    uint32_t lit = c->sr[SR_LITBASE] & 1 ? (c->sr[SR_LITBASE] & ~0xfffu) + ((0xffff0000u | (w >> 8)) << 2)
                                          : ((pc + 3) & ~3u) + ((0xffff0000u | (w >> 8)) << 2);
    uint32_t o = lit - cr->base, v;
    if (LIKELY(o < cr->size - 3)) {
        v = ld32(cr->mem + o);
    } else {
        int r = mem_load(c, lit, 4, &v, cyc_i);
        if (r)
            MEMERR(r);
    }
    AR(FT_) = v;
    NEXT;
}
H_LOAD: {
    uint32_t base = AR(FS_), v = 0;
    switch (op) {
    case OP_L8UI: LOAD(base + IMM8, 1, v); break;
    case OP_L16UI: LOAD(base + IMM8 * 2, 2, v); break;
    case OP_L16SI: LOAD(base + IMM8 * 2, 2, v); v = (uint32_t)(int32_t)(int16_t)v; break;
    default: LOAD(base + IMM8 * 4, 4, v); /* L32I, L32AI */
    }
    AR(FT_) = v;
    NEXT;
}
H_S32C1I: { /* compare and swap with SCOMPARE1 (ESP-IDF's spinlocks and atomics) */
    uint32_t a = AR(FS_) + IMM8 * 4, old = 0;
    LOAD(a, 4, old);
    if (old == c->sr[SR_SCOMPARE1])
        STORE(a, 4, AR(FT_));
    AR(FT_) = old;
    NEXT;
}
H_L32I_N: { uint32_t v = 0; LOAD(AR(FS_) + FR_ * 4, 4, v); AR(FT_) = v; NEXT; }
H_STORE: {
    uint32_t base = AR(FS_), v = AR(FT_);
    switch (op) {
    case OP_S8I: STORE(base + IMM8, 1, v); break;
    case OP_S16I: STORE(base + IMM8 * 2, 2, v); break;
    default: STORE(base + IMM8 * 4, 4, v); /* S32I, S32RI */
    }
    NEXT;
}
H_S32I_N: STORE(AR(FS_) + FR_ * 4, 4, AR(FT_)); NEXT;
H_L32E: { uint32_t v = 0; LOAD(AR(FS_) + (FR_ << 2) - 64, 4, v); AR(FT_) = v; NEXT; }
H_S32E: STORE(AR(FS_) + (FR_ << 2) - 64, 4, AR(FT_)); NEXT;

    /* ---- branches and loops -------------------------------------------------------------- */
H_BZ: {
    int32_t s = (int32_t)AR(FS_);
    int cond = op == OP_BEQZ ? s == 0 : op == OP_BNEZ ? s != 0 : op == OP_BLTZ ? s < 0 : s >= 0;
    BRANCH(cond, TARGET_REL(12, 12));
}
H_BZ_N: {
    uint32_t s = AR(FS_), target = pc + 4 + (((FT_ & 3) << 4) | FR_);
    BRANCH(op == OP_BEQZ_N ? s == 0 : s != 0, target);
}
H_BI: {
    uint32_t s = AR(FS_);
    int cond;
    switch (op) {
    case OP_BEQI: cond = (int32_t)s == B4CONST[FR_]; break;
    case OP_BNEI: cond = (int32_t)s != B4CONST[FR_]; break;
    case OP_BLTI: cond = (int32_t)s < B4CONST[FR_]; break;
    case OP_BGEI: cond = (int32_t)s >= B4CONST[FR_]; break;
    case OP_BLTUI: cond = s < B4CONSTU[FR_]; break;
    default: cond = s >= B4CONSTU[FR_];
    }
    BRANCH(cond, TARGET_REL(8, 16));
}
H_B2: {
    uint32_t s = AR(FS_), t = AR(FT_);
    int cond;
    switch (op) {
    case OP_BNONE: cond = (s & t) == 0; break;
    case OP_BEQ: cond = s == t; break;
    case OP_BLT: cond = (int32_t)s < (int32_t)t; break;
    case OP_BLTU: cond = s < t; break;
    case OP_BALL: cond = (~s & t) == 0; break;
    case OP_BBC: cond = !((s >> (t & 31)) & 1); break;
    case OP_BANY: cond = (s & t) != 0; break;
    case OP_BNE: cond = s != t; break;
    case OP_BGE: cond = (int32_t)s >= (int32_t)t; break;
    case OP_BGEU: cond = s >= t; break;
    case OP_BNALL: cond = (~s & t) != 0; break;
    default: cond = (s >> (t & 31)) & 1; /* BBS */
    }
    BRANCH(cond, TARGET_REL(8, 16));
}
H_BBI: {
    unsigned bit = (((w >> 12) & 1) << 4) | FT_, set = (AR(FS_) >> bit) & 1;
    BRANCH(op == OP_BBSI ? set : !set, TARGET_REL(8, 16));
}
H_BBOOL:
    BRANCH(((BR >> FS_) & 1) == (op == OP_BT), TARGET_REL(8, 16));
H_LOOP: {
    uint32_t s = AR(FS_);
    c->sr[SR_LCOUNT] = s - 1;
    c->sr[SR_LBEG] = npc;
    c->sr[SR_LEND] = lend = pc + 4 + IMM8;
    if ((op == OP_LOOPNEZ && s == 0) || (op == OP_LOOPGTZ && (int32_t)s <= 0))
        JUMP(lend);
    NEXT;
}

    /* ---- FPU ------------------------------------------------------------------------------ */
H_FARITH:
    NEED_FPU();
    SETF(FR_, op == OP_ADD_S ? F(FS_) + F(FT_) : op == OP_SUB_S ? F(FS_) - F(FT_) : F(FS_) * F(FT_));
    NEXT;
H_FMADD: /* fused: one rounding */
    NEED_FPU();
    SETF(FR_, fmaf(op == OP_MADD_S ? F(FS_) : -F(FS_), F(FT_), F(FR_)));
    NEXT;
H_FTOI:
    NEED_FPU();
    AR(FR_) = f_to_int(F(FS_), FT_, op);
    NEXT;
H_ITOF:
    NEED_FPU();
    SETF(FR_, ldexpf(op == OP_FLOAT_S ? (float)(int32_t)AR(FS_) : (float)AR(FS_), -(int)FT_));
    NEXT;
H_FUNARY: {
    NEED_FPU();
    uint32_t v = c->fr[FS_];
    c->fr[FR_] = op == OP_MOV_S ? v : op == OP_ABS_S ? v & 0x7fffffffu : v ^ 0x80000000u;
    NEXT;
}
H_RFR: NEED_FPU(); AR(FR_) = c->fr[FS_]; NEXT;
H_WFR: NEED_FPU(); c->fr[FR_] = AR(FS_); NEXT;
H_FCMP: {
    NEED_FPU();
    float a = F(FS_), b = F(FT_);
    int un = isunordered(a, b), v;
    if (un) { /* the ordered-less predicates signal on any NaN, the others on a signalling one */
        int snan = (isnan(a) && !(c->fr[FS_] & 0x400000)) || (isnan(b) && !(c->fr[FT_] & 0x400000));
        if (snan || op == OP_OLT_S || op == OP_ULT_S || op == OP_OLE_S || op == OP_ULE_S)
            feraiseexcept(FE_INVALID);
    }
    switch (op) {
    case OP_UN_S: v = un; break;
    case OP_OEQ_S: v = !un && a == b; break;
    case OP_UEQ_S: v = un || a == b; break;
    case OP_OLT_S: v = !un && a < b; break;
    case OP_ULT_S: v = un || a < b; break;
    case OP_OLE_S: v = !un && a <= b; break;
    default: v = un || a <= b; /* ULE */
    }
    BR = (BR & ~(1u << FR_)) | ((unsigned)v << FR_);
    NEXT;
}
H_FMOVCOND: {
    NEED_FPU();
    int32_t t = (int32_t)AR(FT_);
    int move = op == OP_MOVEQZ_S ? t == 0 : op == OP_MOVNEZ_S ? t != 0 : op == OP_MOVLTZ_S ? t < 0 : t >= 0;
    if (move)
        c->fr[FR_] = c->fr[FS_];
    NEXT;
}
H_FMOVBOOL:
    NEED_FPU();
    if (((BR >> FT_) & 1) == (op == OP_MOVT_S))
        c->fr[FR_] = c->fr[FS_];
    NEXT;
H_LSI: {
    NEED_FPU();
    uint32_t a = AR(FS_) + IMM8 * 4, v = 0;
    LOAD(a, 4, v);
    c->fr[FT_] = v;
    if (op == OP_LSIU)
        AR(FS_) = a;
    NEXT;
}
H_SSI: {
    NEED_FPU();
    uint32_t a = AR(FS_) + IMM8 * 4;
    STORE(a, 4, c->fr[FT_]);
    if (op == OP_SSIU)
        AR(FS_) = a;
    NEXT;
}
H_LSX: {
    NEED_FPU();
    uint32_t a = AR(FS_) + AR(FT_), v = 0;
    LOAD(a, 4, v);
    c->fr[FR_] = v;
    if (op == OP_LSXU)
        AR(FS_) = a;
    NEXT;
}
H_SSX: {
    NEED_FPU();
    uint32_t a = AR(FS_) + AR(FT_);
    STORE(a, 4, c->fr[FR_]);
    if (op == OP_SSXU)
        AR(FS_) = a;
    NEXT;
}

    /* ---- MAC16 ------------------------------------------------------------------------------ */
H_MAC16: {
    unsigned op2 = (w >> 20) & 15, op1 = (w >> 16) & 15, kind = op1 >> 2;
    unsigned mx = (w >> 14) & 1, my = 2 + ((w >> 6) & 1);
    int dx = op2 == 0 || op2 == 1 || op2 == 2 || op2 == 4 || op2 == 5 || op2 == 6; /* x from m0/m1 */
    int dy = op2 == 0 || op2 == 1 || op2 == 2 || op2 == 3;                         /* y from m2/m3 */
    uint32_t x = dx ? c->sr[SR_M0 + mx] : AR(FS_), y = dy ? c->sr[SR_M0 + my] : AR(FT_);
    uint32_t xh = op1 & 1 ? x >> 16 : x & 0xffff, yh = op1 & 2 ? y >> 16 : y & 0xffff;
    int64_t p = kind == 0 ? (int64_t)((uint64_t)xh * yh) : (int64_t)(int16_t)xh * (int16_t)yh;
    int64_t acc = kind <= 1 ? p : kind == 2 ? c->acc + p : c->acc - p;
    if (op2 <= 1 || op2 == 4 || op2 == 5) { /* with a load of M[w] from as +/- 4 (old M values used above) */
        uint32_t a = AR(FS_) + (op2 & 1 ? (uint32_t)-4 : 4u), v = 0;
        LOAD(a, 4, v);
        c->sr[SR_M0 + ((w >> 12) & 3)] = v;
        AR(FS_) = a;
    }
    c->acc = (int64_t)((uint64_t)acc << 24) >> 24; /* 40 bits */
    NEXT;
}
H_MAC16_LD: {
    uint32_t a = AR(FS_) + (op == OP_LDDEC ? (uint32_t)-4 : 4u), v = 0;
    LOAD(a, 4, v);
    c->sr[SR_M0 + ((w >> 12) & 3)] = v;
    AR(FS_) = a;
    NEXT;
}

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
