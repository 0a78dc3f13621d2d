/* Calls, returns and the register window; special registers and booleans: handlers of the execution loop, included into cpu_run() by run.c (a header
 * only by name, so that ./dev rebuilds on a change: the handlers are labels of that one function
 * that its computed goto dispatches to). */

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
H_RUR: { /* FCR and FSR belong to the FPU (coprocessor 0) */
    uint32_t v, ur = (w >> 4) & 255;
    if (ur == UR_FCR || ur == UR_FSR)
        NEED_FPU();
    if (ur_read(c, ur, &v))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    AR(FR_) = v;
    NEXT;
}
H_WUR: {
    uint32_t ur = (w >> 8) & 255;
    if (ur == UR_FCR || ur == UR_FSR)
        NEED_FPU();
    if (ur_write(c, ur, AR(FT_)))
        FAULT(STOP_ILLEGAL, w & 0xffffff);
    NEXT;
}
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

