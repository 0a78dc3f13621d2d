/* Integer arithmetic and logic, loads and stores, branches and loops: handlers of the execution loop, included into cpu_run() by run.c (a header
 * only by name, so that ./dev rebuilds on a change: the handlers are labels of that one function
 * that its computed goto dispatches to). */

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

