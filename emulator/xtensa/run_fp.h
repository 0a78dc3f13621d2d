/* The FPU and MAC16: handlers of the execution loop, included into cpu_run() by run.c (a header
 * only by name, so that ./dev rebuilds on a change: the handlers are labels of that one function
 * that its computed goto dispatches to). */

    /* ---- FPU ------------------------------------------------------------------------------ */
H_FARITH: {
    NEED_FPU();
    float r = op == OP_ADD_S ? F(FS_) + F(FT_) : op == OP_SUB_S ? F(FS_) - F(FT_) : F(FS_) * F(FT_);
    c->fr[FR_] = UNLIKELY(isnan(r)) ? nan_result(c->fr[FT_], c->fr[FS_], 0x7fc00000u) : asu(r);
    NEXT;
}
H_FMADD: { /* fused: one rounding */
    NEED_FPU();
    uint32_t acc = c->fr[FR_];
    float r = fmaf(op == OP_MADD_S ? F(FS_) : -F(FS_), F(FT_), asf(acc));
    if (UNLIKELY(isnan(r)))
        r = asf(madd_nan(acc, c->fr[FS_], c->fr[FT_]));
    SETF(FR_, r);
    NEXT;
}
H_FSEQ: { /* the divide/square-root sequence steps, as QEMU runs them (see isa.py) */
    NEED_FPU();
    static const uint32_t consts[4] = {0x00000000u, 0x3f800000u, 0x40000000u, 0x3f000000u}; /* 0, 1, 2, 0.5 */
    switch (op) {
    case OP_CONST_S: c->fr[FR_] = consts[FS_ & 3]; break;
    case OP_MKDADJ_S: { /* the quotient fs / fr */
        float r = F(FS_) / F(FR_);
        c->fr[FR_] = UNLIKELY(isnan(r)) ? nan_result(c->fr[FR_], c->fr[FS_], 0x7fc00000u) : asu(r);
        break;
    }
    case OP_MKSADJ_S: { /* the root of fs */
        float r = sqrtf(F(FS_));
        c->fr[FR_] = UNLIKELY(isnan(r)) ? nan_result(c->fr[FS_], c->fr[FS_], 0x7fc00000u) : asu(r);
        break;
    }
    case OP_ADDEXPM_S: c->fr[FR_] = c->fr[FS_]; break;
    default: break; /* DIV0.S, NEXP01.S, SQRT0.S, ADDEXP.S, MADDN.S, DIVN.S */
    }
    NEXT;
}
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
    if (un) { /* OLT/OLE signal on any NaN, the others on a signalling one (as QEMU's FPU) */
        int snan = (isnan(a) && !(c->fr[FS_] & 0x400000)) || (isnan(b) && !(c->fr[FT_] & 0x400000));
        if (snan || op == OP_OLT_S || op == OP_OLE_S)
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

