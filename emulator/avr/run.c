/* The AVR execution loop.
 *
 * It never decodes bit patterns (opcode ids come packed with each flash word, operand
 * extractors from the generated _isa.h) and never hard-codes a cycle count (the base
 * cost comes packed too; taken branches and skips add the difference the core's cost
 * table gives).
 * Semantics follow the Microchip AVR Instruction Set Manual (AVRe/AVRe+, 16-bit PC).
 *
 * Dispatch jumps through a table of handler labels (GCC/Clang computed goto), which also
 * makes the compiler check that every opcode id in _isa.h has a handler.
 */
#include "cpu.h"
#include "_isa.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- flags ---------------------------------------------------------------- */

static inline uint8_t zns(uint8_t r, unsigned v)
{
    unsigned n = r >> 7;
    return (uint8_t)((r == 0 ? F_Z : 0) | (n << 2) | (v << 3) | ((n ^ v) << 4));
}

/* ADD/ADC/SUB/SBC and compares, from the 9-bit result r9 = (a +/- b +/- carry) & 0x1ff:
 * r9 bit 8 is the carry (or borrow) out of bit 7, and a ^ b ^ r9 holds the carry (or
 * borrow) into every bit, so H is its bit 4 and V = carry into bit 7 ^ carry out of it. */
static inline uint8_t f_arith(uint8_t s, unsigned a, unsigned b, unsigned r9)
{
    unsigned x = a ^ b ^ r9, c = (r9 >> 8) & 1;
    return (uint8_t)((s & (F_I | F_T)) | c | ((x & 0x10) << 1) | zns((uint8_t)r9, ((x >> 7) ^ c) & 1));
}

/* SBC/SBCI/CPC: Z stays set only if it was set and the result is zero. */
static inline uint8_t f_arith_keep_z(uint8_t s, unsigned a, unsigned b, unsigned r9)
{
    return f_arith(s, a, b, r9) & (uint8_t)(s | ~F_Z);
}

static inline uint8_t f_logic(uint8_t s, uint8_t r)
{
    return (uint8_t)((s & (F_I | F_T | F_H | F_C)) | zns(r, 0));
}

/* LSR/ROR/ASR: C is the bit shifted out, V = N ^ C. */
static inline uint8_t f_shift(uint8_t s, uint8_t a, uint8_t r)
{
    unsigned c = a & 1, v = (r >> 7) ^ c;
    return (uint8_t)((s & (F_I | F_T | F_H)) | c | zns(r, v));
}

/* ADIW/SBIW on a 16-bit result r. */
static inline uint8_t f_word(uint8_t s, unsigned r, unsigned v, unsigned c)
{
    unsigned n = (r >> 15) & 1;
    return (uint8_t)((s & (F_I | F_T | F_H)) | c | (r == 0 ? F_Z : 0) | (n << 2) | (v << 3) | ((n ^ v) << 4));
}

/* MUL family: C is bit 15 of the product before the fractional shift, Z tests R1:R0. */
static inline uint8_t f_mul(uint8_t s, unsigned product, unsigned result)
{
    return (uint8_t)((s & ~(F_C | F_Z)) | ((product >> 15) & 1) | ((result & 0xffff) == 0 ? F_Z : 0));
}

/* ---- I/O space, out of line: SREG and SP, the C peripherals, then Python hooks ---- */

static int call_hook(Cpu *c, unsigned a, int value, long *result)
{
    PyEval_RestoreThread(c->thread);
    PyObject *r = PyObject_CallFunction(c->hook, "iiK", (int)a, value, c->cycles);
    int ok = r != NULL;
    if (ok && result) {
        *result = PyLong_AsLong(r);
        ok = !(*result == -1 && PyErr_Occurred());
    }
    Py_XDECREF(r);
    c->thread = PyEval_SaveThread();
    return ok;
}

static int io_read(Cpu *c, unsigned a)
{
    uint8_t *data = c->data.buf;
    if (a == c->sreg_addr)
        return c->sreg;
    if (a == c->spl_addr)
        return c->sp & 0xff;
    if (a == c->sph_addr)
        return (c->sp >> 8) & 0xff;
    uint8_t hooked = ((uint8_t *)c->hooked.buf)[a];
    if (hooked & HOOK_NATIVE)
        return timer_read(c, a);
    if (!(hooked & HOOK_READ))
        return data[a];
    long v;
    if (!call_hook(c, a, -1, &v))
        return -STOP_ERROR;
    data[a] = (uint8_t)v;
    return (uint8_t)v;
}

static int io_write(Cpu *c, unsigned a, uint8_t v)
{
    if (((uint8_t *)c->hooked.buf)[a] & HOOK_NATIVE)
        return timer_write(c, a, v);
    ((uint8_t *)c->data.buf)[a] = v;
    if (a == c->sreg_addr) {
        if ((v & F_I) && !(c->sreg & F_I)) { /* like SEI: see irq_hold */
            c->irq_hold = c->irq_hold_init;
            c->recheck = 1;
        }
        c->sreg = v;
    } else if (a == c->sph_addr) {
        c->sp = (c->sp & 0xff) | ((unsigned)v << 8);
    } else if (a == c->spl_addr) {
        /* avr-gcc writes SPH first and SPL last, so SP is final here: check the new frame. */
        c->sp = (c->sp & 0xff00) | v;
        if (c->sp < c->sp_min)
            c->sp_min = c->sp;
        if (c->sp + 1 < c->stack_limit) {
            c->fault = c->sp;
            return -STOP_STACK;
        }
    } else if (((uint8_t *)c->hooked.buf)[a] & HOOK_WRITE) {
        if (!call_hook(c, a, v, NULL))
            return -STOP_ERROR;
    }
    return 0;
}

/* ---- the loop ---------------------------------------------------------------- */

int cpu_run(Cpu *c, unsigned long long cycle_limit, unsigned long long insn_limit, unsigned until)
{
    const uint32_t *code = c->code.buf;
    const uint8_t *flash = c->flash.buf, *cost0 = c->costs.buf, *cost1 = cost0 + 256, *cost2 = cost1 + 256;
    uint8_t *data = c->data.buf;
    const unsigned io_end = c->io_end, ramend = c->ramend, stack_limit = c->stack_limit;
    const unsigned pc_mask = c->pc_mask, flash_bytes = (unsigned)c->flash.len;

    unsigned pc = c->pc, sp = data[c->spl_addr] | (data[c->sph_addr] << 8), sp_min = c->sp_min;
    uint8_t sreg = data[c->sreg_addr];
    unsigned long long cyc = c->cycles, n = c->instructions;
    int stop = 0;
    /* The limits, stops, timer events and interrupts are looked at out of line once cyc reaches
     * check_at (a stop, or a change to timer or interrupt state, sets it to 0); every instruction
     * takes at least one cycle, so the instruction limit is never missed. */
    unsigned long long check_at = 0;
    uint32_t entry;
    unsigned w, npc;
    c->stop_request = 0;
    c->thread = PyEval_SaveThread();

#define LABEL(name) [OP_##name] = &&L_##name,
    static const void *const dispatch[OP_COUNT] = {[OP_ILLEGAL] = &&L_ILLEGAL, AVR_OPS(LABEL)};
#undef LABEL

#define OP(name) L_##name:
    /* cyc counts the instruction's base cost from its fetch on; hooks get its start. */
#define DISPATCH() do { entry = code[pc]; w = CODE_WORD(entry); npc = (pc + 1) & pc_mask; \
        cyc += CODE_COST(entry); goto *dispatch[CODE_OP(entry)]; } while (0)
#define EXTRA(row, name) ((unsigned)(row[OP_##name] - cost0[OP_##name]))
#define NEXT goto next
#define R(i) data[i]
#define PTR(lo) ((unsigned)data[lo] | ((unsigned)data[(lo) + 1] << 8))
#define SET_PTR(lo, v) (data[lo] = (uint8_t)(v), data[(lo) + 1] = (uint8_t)((v) >> 8))
#define STOP_NOW(code) do { stop = (code); goto out; } while (0)
#define STOP_AFTER(code) (stop = (code), check_at = 0)
#define FAULT(code, addr) do { c->fault = (addr); STOP_NOW(code); } while (0)
    /* Hand the loop's locals to io_read/io_write and take them back. */
#define SPILL() (c->sreg = sreg, c->sp = sp, c->sp_min = sp_min, c->cycles = cyc - CODE_COST(code[pc]))
#define FILL() do { sreg = c->sreg; sp = c->sp; sp_min = c->sp_min; \
        if (UNLIKELY(c->recheck)) { c->recheck = 0; check_at = 0; } \
        if (c->stop_request) { c->stop_request = 0; STOP_AFTER(STOP_PERIPHERAL); } } while (0)
    /* I going from 0 to 1 lets irq_hold_init - 1 more instructions run before an interrupt. */
#define I_RISES() do { if (!(sreg & F_I) && c->irq_hold_init) { c->irq_hold = c->irq_hold_init; \
        check_at = 0; } } while (0)
#define READ(addr, out) do { unsigned a_ = (addr); \
        if (LIKELY(a_ >= io_end)) { if (UNLIKELY(a_ > ramend)) FAULT(STOP_DATA_FAULT, a_); (out) = data[a_]; } \
        else if (a_ < 32) (out) = data[a_]; \
        else { SPILL(); int v_ = io_read(c, a_); FILL(); if (v_ < 0) STOP_NOW(-v_); (out) = (uint8_t)v_; } \
    } while (0)
#define WRITE(addr, val) do { unsigned a_ = (addr); uint8_t v_ = (uint8_t)(val); \
        if (LIKELY(a_ >= io_end)) { if (UNLIKELY(a_ > ramend)) FAULT(STOP_DATA_FAULT, a_); data[a_] = v_; } \
        else if (a_ < 32) data[a_] = v_; \
        else { SPILL(); int r_ = io_write(c, a_, v_); FILL(); if (r_ < 0) STOP_NOW(-r_); } \
    } while (0)
    /* The stack may not grow into static data (below stack_limit) nor leave the RAM. */
#define PUSH_ROOM(nbytes) do { \
        if (UNLIKELY(sp > ramend)) FAULT(STOP_DATA_FAULT, sp); \
        if (UNLIKELY(sp < stack_limit + (nbytes) - 1)) FAULT(STOP_STACK, sp - (nbytes)); } while (0)
#define PUSHED() do { if (sp < sp_min) sp_min = sp; } while (0)
#define POP_ROOM(nbytes) do { if (UNLIKELY(sp + (nbytes) > ramend)) FAULT(STOP_DATA_FAULT, sp + 1); } while (0)
    /* The return address goes low byte first, so it reads big-endian from SP+1. */
#define PUSH_PC(ret) do { PUSH_ROOM(2); data[sp] = (uint8_t)(ret); data[sp - 1] = (uint8_t)((ret) >> 8); \
        sp -= 2; PUSHED(); } while (0)
#define POP_PC(dst) do { POP_ROOM(2); (dst) = (((unsigned)data[sp + 1] << 8) | data[sp + 2]) & pc_mask; \
        sp += 2; } while (0)
#define SKIP_IF(name, cond) do { if (cond) { \
        if (CODE_WIDE(code[npc])) { npc = (npc + 2) & pc_mask; cyc += EXTRA(cost2, name); } \
        else { npc = (npc + 1) & pc_mask; cyc += EXTRA(cost1, name); } } } while (0)
#define BRANCH_IF(name, cond, k) do { if (cond) { npc = (npc + (k)) & pc_mask; cyc += EXTRA(cost1, name); } } while (0)
#define NEXT_WORD() CODE_WORD(code[npc])
#define LPM_Z(z) do { if ((z) >= flash_bytes) FAULT(STOP_FLASH_FAULT, z); } while (0)

    goto limits;

    /* arithmetic and logic */
    OP(ADD) { unsigned d = F_ADD_d(w), a = R(d), b = R(F_ADD_r(w));
        unsigned r9 = a + b; R(d) = (uint8_t)r9; sreg = f_arith(sreg, a, b, r9); } NEXT;
    OP(ADC) { unsigned d = F_ADC_d(w), a = R(d), b = R(F_ADC_r(w));
        unsigned r9 = a + b + (sreg & F_C); R(d) = (uint8_t)r9; sreg = f_arith(sreg, a, b, r9); } NEXT;
    OP(ADIW) { unsigned d = F_ADIW_d(w), a = PTR(d), r = (a + F_ADIW_K(w)) & 0xffff;
        SET_PTR(d, r); sreg = f_word(sreg, r, ((~a & r) >> 15) & 1, ((~r & a) >> 15) & 1); } NEXT;
    OP(SUB) { unsigned d = F_SUB_d(w), a = R(d), b = R(F_SUB_r(w));
        unsigned r9 = (a - b) & 0x1ff; R(d) = (uint8_t)r9; sreg = f_arith(sreg, a, b, r9); } NEXT;
    OP(SUBI) { unsigned d = F_SUBI_d(w), a = R(d), b = F_SUBI_K(w);
        unsigned r9 = (a - b) & 0x1ff; R(d) = (uint8_t)r9; sreg = f_arith(sreg, a, b, r9); } NEXT;
    OP(SBC) { unsigned d = F_SBC_d(w), a = R(d), b = R(F_SBC_r(w));
        unsigned r9 = (a - b - (sreg & F_C)) & 0x1ff; R(d) = (uint8_t)r9; sreg = f_arith_keep_z(sreg, a, b, r9); }
        NEXT;
    OP(SBCI) { unsigned d = F_SBCI_d(w), a = R(d), b = F_SBCI_K(w);
        unsigned r9 = (a - b - (sreg & F_C)) & 0x1ff; R(d) = (uint8_t)r9; sreg = f_arith_keep_z(sreg, a, b, r9); }
        NEXT;
    OP(SBIW) { unsigned d = F_SBIW_d(w), a = PTR(d), r = (a - F_SBIW_K(w)) & 0xffff;
        SET_PTR(d, r); sreg = f_word(sreg, r, ((a & ~r) >> 15) & 1, ((r & ~a) >> 15) & 1); } NEXT;
    OP(AND) { unsigned d = F_AND_d(w); R(d) &= R(F_AND_r(w)); sreg = f_logic(sreg, R(d)); } NEXT;
    OP(ANDI) { unsigned d = F_ANDI_d(w); R(d) &= F_ANDI_K(w); sreg = f_logic(sreg, R(d)); } NEXT;
    OP(OR) { unsigned d = F_OR_d(w); R(d) |= R(F_OR_r(w)); sreg = f_logic(sreg, R(d)); } NEXT;
    OP(ORI) { unsigned d = F_ORI_d(w); R(d) |= F_ORI_K(w); sreg = f_logic(sreg, R(d)); } NEXT;
    OP(EOR) { unsigned d = F_EOR_d(w); R(d) ^= R(F_EOR_r(w)); sreg = f_logic(sreg, R(d)); } NEXT;
    OP(COM) { unsigned d = F_COM_d(w); R(d) = (uint8_t)~R(d);
        sreg = (uint8_t)((sreg & (F_I | F_T | F_H)) | F_C | zns(R(d), 0)); } NEXT;
    OP(NEG) { unsigned d = F_NEG_d(w), a = R(d); uint8_t r = (uint8_t)(0 - a); R(d) = r;
        sreg = (uint8_t)((sreg & (F_I | F_T)) | (r != 0) | ((((r | a) >> 3) & 1) << 5) | zns(r, r == 0x80)); } NEXT;
    OP(INC) { unsigned d = F_INC_d(w); uint8_t r = (uint8_t)(R(d) + 1); R(d) = r;
        sreg = (uint8_t)((sreg & (F_I | F_T | F_H | F_C)) | zns(r, r == 0x80)); } NEXT;
    OP(DEC) { unsigned d = F_DEC_d(w); uint8_t r = (uint8_t)(R(d) - 1); R(d) = r;
        sreg = (uint8_t)((sreg & (F_I | F_T | F_H | F_C)) | zns(r, r == 0x7f)); } NEXT;
    OP(MUL) { unsigned p = R(F_MUL_d(w)) * R(F_MUL_r(w));
        R(0) = (uint8_t)p; R(1) = (uint8_t)(p >> 8); sreg = f_mul(sreg, p, p); } NEXT;
    OP(MULS) { unsigned p = (unsigned)((int8_t)R(F_MULS_d(w)) * (int8_t)R(F_MULS_r(w))) & 0xffff;
        R(0) = (uint8_t)p; R(1) = (uint8_t)(p >> 8); sreg = f_mul(sreg, p, p); } NEXT;
    OP(MULSU) { unsigned p = (unsigned)((int8_t)R(F_MULSU_d(w)) * (int)R(F_MULSU_r(w))) & 0xffff;
        R(0) = (uint8_t)p; R(1) = (uint8_t)(p >> 8); sreg = f_mul(sreg, p, p); } NEXT;
    OP(FMUL) { unsigned p = R(F_FMUL_d(w)) * R(F_FMUL_r(w)), q = (p << 1) & 0xffff;
        R(0) = (uint8_t)q; R(1) = (uint8_t)(q >> 8); sreg = f_mul(sreg, p, q); } NEXT;
    OP(FMULS) { unsigned p = (unsigned)((int8_t)R(F_FMULS_d(w)) * (int8_t)R(F_FMULS_r(w))) & 0xffff;
        unsigned q = (p << 1) & 0xffff;
        R(0) = (uint8_t)q; R(1) = (uint8_t)(q >> 8); sreg = f_mul(sreg, p, q); } NEXT;
    OP(FMULSU) { unsigned p = (unsigned)((int8_t)R(F_FMULSU_d(w)) * (int)R(F_FMULSU_r(w))) & 0xffff;
        unsigned q = (p << 1) & 0xffff;
        R(0) = (uint8_t)q; R(1) = (uint8_t)(q >> 8); sreg = f_mul(sreg, p, q); } NEXT;

    /* branches */
    OP(RJMP) npc = (pc + 1 + F_RJMP_k(w)) & pc_mask; NEXT;
    OP(IJMP) npc = PTR(30) & pc_mask; NEXT;
    OP(JMP) npc = ((F_JMP_k(w) << 16) | NEXT_WORD()) & pc_mask; NEXT;
    OP(RCALL) PUSH_PC(npc); npc = (pc + 1 + F_RCALL_k(w)) & pc_mask; NEXT;
    OP(ICALL) PUSH_PC(npc); npc = PTR(30) & pc_mask; NEXT;
    OP(CALL) { unsigned target = ((F_CALL_k(w) << 16) | NEXT_WORD()) & pc_mask;
        PUSH_PC((npc + 1) & pc_mask); npc = target; } NEXT;
    OP(RET) POP_PC(npc); NEXT;
    OP(RETI) POP_PC(npc); I_RISES(); sreg |= F_I; NEXT;
    OP(CPSE) SKIP_IF(CPSE, R(F_CPSE_d(w)) == R(F_CPSE_r(w))); NEXT;
    OP(CP) { unsigned a = R(F_CP_d(w)), b = R(F_CP_r(w)); sreg = f_arith(sreg, a, b, (a - b) & 0x1ff); } NEXT;
    OP(CPC) { unsigned a = R(F_CPC_d(w)), b = R(F_CPC_r(w));
        sreg = f_arith_keep_z(sreg, a, b, (a - b - (sreg & F_C)) & 0x1ff); } NEXT;
    OP(CPI) { unsigned a = R(F_CPI_d(w)), b = F_CPI_K(w); sreg = f_arith(sreg, a, b, (a - b) & 0x1ff); } NEXT;
    OP(SBRC) SKIP_IF(SBRC, !((R(F_SBRC_r(w)) >> F_SBRC_b(w)) & 1)); NEXT;
    OP(SBRS) SKIP_IF(SBRS, (R(F_SBRS_r(w)) >> F_SBRS_b(w)) & 1); NEXT;
    OP(SBIC) { uint8_t v; READ(F_SBIC_A(w), v); SKIP_IF(SBIC, !((v >> F_SBIC_b(w)) & 1)); } NEXT;
    OP(SBIS) { uint8_t v; READ(F_SBIS_A(w), v); SKIP_IF(SBIS, (v >> F_SBIS_b(w)) & 1); } NEXT;
    OP(BRBS) BRANCH_IF(BRBS, (sreg >> F_BRBS_s(w)) & 1, F_BRBS_k(w)); NEXT;
    OP(BRBC) BRANCH_IF(BRBC, !((sreg >> F_BRBC_s(w)) & 1), F_BRBC_k(w)); NEXT;

    /* data transfer; LD/ST update the pointer before the destination register, like simavr */
    OP(MOV) R(F_MOV_d(w)) = R(F_MOV_r(w)); NEXT;
    OP(MOVW) { unsigned d = F_MOVW_d(w), r = F_MOVW_r(w); R(d) = R(r); R(d + 1) = R(r + 1); } NEXT;
    OP(LDI) R(F_LDI_d(w)) = (uint8_t)F_LDI_K(w); NEXT;
    OP(LDS) { uint8_t v; READ(NEXT_WORD(), v); R(F_LDS_d(w)) = v; npc = (npc + 1) & pc_mask; } NEXT;
    OP(LD_X) { uint8_t v; READ(PTR(26), v); R(F_LD_X_d(w)) = v; } NEXT;
    OP(LD_XP) { unsigned p = PTR(26); uint8_t v; READ(p, v); SET_PTR(26, p + 1); R(F_LD_XP_d(w)) = v; } NEXT;
    OP(LD_MX) { unsigned p = (PTR(26) - 1) & 0xffff; uint8_t v; READ(p, v); SET_PTR(26, p);
        R(F_LD_MX_d(w)) = v; } NEXT;
    OP(LD_YP) { unsigned p = PTR(28); uint8_t v; READ(p, v); SET_PTR(28, p + 1); R(F_LD_YP_d(w)) = v; } NEXT;
    OP(LD_MY) { unsigned p = (PTR(28) - 1) & 0xffff; uint8_t v; READ(p, v); SET_PTR(28, p);
        R(F_LD_MY_d(w)) = v; } NEXT;
    OP(LDD_Y) { uint8_t v; READ((PTR(28) + F_LDD_Y_q(w)) & 0xffff, v); R(F_LDD_Y_d(w)) = v; } NEXT;
    OP(LD_ZP) { unsigned p = PTR(30); uint8_t v; READ(p, v); SET_PTR(30, p + 1); R(F_LD_ZP_d(w)) = v; } NEXT;
    OP(LD_MZ) { unsigned p = (PTR(30) - 1) & 0xffff; uint8_t v; READ(p, v); SET_PTR(30, p);
        R(F_LD_MZ_d(w)) = v; } NEXT;
    OP(LDD_Z) { uint8_t v; READ((PTR(30) + F_LDD_Z_q(w)) & 0xffff, v); R(F_LDD_Z_d(w)) = v; } NEXT;
    OP(STS) WRITE(NEXT_WORD(), R(F_STS_r(w))); npc = (npc + 1) & pc_mask; NEXT;
    OP(ST_X) WRITE(PTR(26), R(F_ST_X_r(w))); NEXT;
    OP(ST_XP) { unsigned p = PTR(26); WRITE(p, R(F_ST_XP_r(w))); SET_PTR(26, p + 1); } NEXT;
    OP(ST_MX) { unsigned p = (PTR(26) - 1) & 0xffff; WRITE(p, R(F_ST_MX_r(w))); SET_PTR(26, p); } NEXT;
    OP(ST_YP) { unsigned p = PTR(28); WRITE(p, R(F_ST_YP_r(w))); SET_PTR(28, p + 1); } NEXT;
    OP(ST_MY) { unsigned p = (PTR(28) - 1) & 0xffff; WRITE(p, R(F_ST_MY_r(w))); SET_PTR(28, p); } NEXT;
    OP(STD_Y) WRITE((PTR(28) + F_STD_Y_q(w)) & 0xffff, R(F_STD_Y_r(w))); NEXT;
    OP(ST_ZP) { unsigned p = PTR(30); WRITE(p, R(F_ST_ZP_r(w))); SET_PTR(30, p + 1); } NEXT;
    OP(ST_MZ) { unsigned p = (PTR(30) - 1) & 0xffff; WRITE(p, R(F_ST_MZ_r(w))); SET_PTR(30, p); } NEXT;
    OP(STD_Z) WRITE((PTR(30) + F_STD_Z_q(w)) & 0xffff, R(F_STD_Z_r(w))); NEXT;
    OP(LPM) { unsigned z = PTR(30); LPM_Z(z); R(0) = flash[z]; } NEXT;
    OP(LPM_Z) { unsigned z = PTR(30); LPM_Z(z); R(F_LPM_Z_d(w)) = flash[z]; } NEXT;
    OP(LPM_ZP) { unsigned z = PTR(30); LPM_Z(z); SET_PTR(30, z + 1); R(F_LPM_ZP_d(w)) = flash[z]; } NEXT;
    OP(IN) { uint8_t v; READ(F_IN_A(w), v); R(F_IN_d(w)) = v; } NEXT;
    OP(OUT) WRITE(F_OUT_A(w), R(F_OUT_r(w))); NEXT;
    OP(PUSH) PUSH_ROOM(1); data[sp] = R(F_PUSH_r(w)); sp -= 1; PUSHED(); NEXT;
    OP(POP) POP_ROOM(1); sp += 1; R(F_POP_d(w)) = data[sp]; NEXT;

    /* bit and bit-test */
    OP(LSR) { unsigned d = F_LSR_d(w); uint8_t a = R(d); R(d) = a >> 1; sreg = f_shift(sreg, a, R(d)); } NEXT;
    OP(ROR) { unsigned d = F_ROR_d(w); uint8_t a = R(d); R(d) = (uint8_t)((a >> 1) | ((sreg & F_C) << 7));
        sreg = f_shift(sreg, a, R(d)); } NEXT;
    OP(ASR) { unsigned d = F_ASR_d(w); uint8_t a = R(d); R(d) = (uint8_t)((a >> 1) | (a & 0x80));
        sreg = f_shift(sreg, a, R(d)); } NEXT;
    OP(SWAP) { unsigned d = F_SWAP_d(w); R(d) = (uint8_t)((R(d) >> 4) | (R(d) << 4)); } NEXT;
    OP(BSET) { unsigned s = F_BSET_s(w); if (s == 7) I_RISES(); sreg |= (uint8_t)(1u << s); } NEXT;
    OP(BCLR) sreg &= (uint8_t)~(1u << F_BCLR_s(w)); NEXT;
    OP(SBI) { uint8_t v; READ(F_SBI_A(w), v); WRITE(F_SBI_A(w), v | (1u << F_SBI_b(w))); } NEXT;
    OP(CBI) { uint8_t v; READ(F_CBI_A(w), v); WRITE(F_CBI_A(w), v & ~(1u << F_CBI_b(w))); } NEXT;
    OP(BST) sreg = (uint8_t)((sreg & ~F_T) | (((R(F_BST_d(w)) >> F_BST_b(w)) & 1) << 6)); NEXT;
    OP(BLD) { unsigned d = F_BLD_d(w), m = 1u << F_BLD_b(w);
        R(d) = (uint8_t)((sreg & F_T) ? (R(d) | m) : (R(d) & ~m)); } NEXT;

    /* MCU control; irq_boundary sleeps until an interrupt, or stops the run if none can come */
    OP(NOP) NEXT;
    OP(WDR) NEXT;
    OP(SLEEP) if (sreg & F_I) { c->sleeping = 1; check_at = 0; } else STOP_AFTER(STOP_HALT); NEXT;
    OP(BREAK) STOP_AFTER(STOP_BREAK); NEXT;
    OP(ILLEGAL) FAULT(STOP_ILLEGAL, w);

next: /* retire the instruction, then dispatch the next one */
    pc = npc;
    n++;
    if (UNLIKELY(cyc >= check_at || pc == until)) {
        if (stop)
            goto out;
        if (pc == until)
            STOP_NOW(STOP_UNTIL);
    limits:;
        Regs r = {pc, sp, sp_min, sreg, cyc};
        stop = irq_boundary(c, &r, cycle_limit);
        pc = r.pc, sp = r.sp, sp_min = r.sp_min, sreg = r.sreg, cyc = r.cyc;
        if (stop >= STOP_ILLEGAL) /* a fault between instructions: `out` reports the boundary */
            cyc += CODE_COST(code[pc]);
        if (stop)
            goto out;
        if (n >= insn_limit)
            STOP_NOW(STOP_COUNT);
        if (cyc >= cycle_limit)
            STOP_NOW(STOP_CYCLES);
        check_at = cyc + (insn_limit - n < cycle_limit - cyc ? insn_limit - n : cycle_limit - cyc);
        if (c->next_event < check_at) /* timer overflows are events too */
            check_at = c->next_event;
        if (c->irq_hold || c->sleeping)
            check_at = 0;
    }
    DISPATCH();
out:
    if (stop >= STOP_ILLEGAL) /* a fault inside an instruction: report the cycle it began */
        cyc -= CODE_COST(code[pc]);
    PyEval_RestoreThread(c->thread);
    c->pc = pc;
    c->cycles = cyc;
    c->instructions = n;
    c->sp_min = sp_min;
    data[c->sreg_addr] = sreg;
    data[c->spl_addr] = (uint8_t)sp;
    data[c->sph_addr] = (uint8_t)(sp >> 8);
    return stop;
}
