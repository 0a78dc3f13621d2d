"""The Xtensa LX6 (ESP32) instruction encodings: the single source of truth for decoding.

Each entry is an opcode pattern written most significant bit first in the Xtensa ISA
Reference Manual's field order: 24-bit instructions as ``op2 op1 r s t op0`` (four bits each,
little-endian in memory, op0 in the first byte's low nibble), 16-bit density forms as
``r s t op0``. ``0``/``1`` are fixed bits; any letter is an operand bit. The C execution loop
gets its opcode ids, the handler each id runs, the decode list (mask, value, id, most specific
first) and the per-opcode metadata from ``_isa.h``, which ``emulator.xtensa.cheader`` renders
from this table; Python decodes with the same list (disassembly names, tests).

Handlers read operands from the standard fields themselves (r = bits 15:12, s = 11:8,
t = 7:4, op1 = 19:16, op2 = 23:20, imm8 = 23:16, ...), so one handler serves a family (the
MAC16 forms, the B4CONST branches). ``ar`` lists the fields that name address registers:
the window check (an access to a register beyond the current call frame raises a window
overflow, as the ISA's WindowCheck does) and the interlock model read it. ``src``/``dst``
split them by direction; ``fdst`` names the FP register field an instruction writes.
``klass`` is the instruction's row in the cycle table (``emulator.xtensa.cycles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Instr:
    name: str  # upper case mnemonic; also the C opcode id OP_<NAME with . -> _>
    pattern: str
    handler: str  # C handler label (several ids may share one)
    klass: str  # cycle-table row
    src: str = ""  # fields read as address registers
    dst: str = ""  # fields written as address registers
    fdst: str = ""  # field written as an FP register
    fsrc: str = ""  # fields read as FP registers
    llvm: str = ""  # the mnemonic llvm-objdump prints, where it differs from name.lower()

    @property
    def bits(self) -> str:
        bits = self.pattern.replace(" ", "")
        assert len(bits) in (16, 24), self.name
        return bits

    @property
    def length(self) -> int:
        return len(self.bits) // 8

    @property
    def mask(self) -> int:
        return int("".join("1" if c in "01" else "0" for c in self.bits), 2)

    @property
    def value(self) -> int:
        return int("".join(c if c in "01" else "0" for c in self.bits), 2)

    @property
    def cname(self) -> str:
        return self.name.replace(".", "_")

    @property
    def mnemonic(self) -> str:
        return self.llvm or self.name.lower()

    @property
    def ar(self) -> str:
        return "".join(sorted(set(self.src + self.dst)))


def I(name, pattern, handler=None, klass="alu", src="", dst="", fdst="", fsrc="", llvm=""):  # noqa: E743
    return Instr(name, pattern, handler or name.replace(".", "_"), klass, src, dst, fdst, fsrc, llvm)


def _rrr(op1: str, op2: str) -> str:
    return f"{op2} {op1} rrrr ssss tttt 0000"


B = "0111"  # op0 of the two-register branches
_MAC_OPS = (("UMUL", "00"), ("MUL", "01"), ("MULA", "10"), ("MULS", "11"))
_HALVES = (("LL", "00"), ("HL", "01"), ("LH", "10"), ("HH", "11"))


def _mac16() -> list[Instr]:
    """MAC16: op0 = 0100; op2 picks the operand form, op1 = (operation, halves)."""
    out = []
    # (form, op2, operations, fields read as AR, fields written as AR)
    # fields: r holds mx in bit 14 (and mw in 13:12 for the loads), t holds my in bit 6
    forms = (
        ("AA", "0111", _MAC_OPS, "st", "0000 ssss tttt"),
        ("AD", "0011", _MAC_OPS[1:], "s", "0000 ssss 0y00"),
        ("DA", "0110", _MAC_OPS[1:], "t", "0x00 0000 tttt"),
        ("DD", "0010", _MAC_OPS[1:], "", "0x00 0000 0y00"),
    )
    for form, op2, ops, src, fields in forms:
        for op, opbits in ops:
            for half, hbits in _HALVES:
                pattern = f"{op2} {opbits}{hbits} {fields} 0100"
                out.append(I(f"{op}.{form}.{half}", pattern, "MAC16", "mac16", src=src))
    # MULA with a load of M[w] from as +/- 4, as updated
    for form, op2s, src, fields in (
        ("DA", ("0100", "0101"), "st", "0xww ssss tttt"),
        ("DD", ("0000", "0001"), "s", "0xww ssss 0y00"),
    ):
        for suffix, op2 in zip(("LDINC", "LDDEC"), op2s):
            for half, hbits in _HALVES:
                pattern = f"{op2} 10{hbits} {fields} 0100"
                out.append(I(f"MULA.{form}.{half}.{suffix}", pattern, "MAC16", "mac16_ld", src=src, dst="s"))
    out.append(I("LDINC", "1000 0000 00ww ssss 0000 0100", "MAC16_LD", "mac16_ld", src="s", dst="s"))
    out.append(I("LDDEC", "1001 0000 00ww ssss 0000 0100", "MAC16_LD", "mac16_ld", src="s", dst="s"))
    return out


TABLE: tuple[Instr, ...] = (
    # ---- QRST / RST0 / ST0: calls, returns, syncs, exceptions ------------------------
    I("ILL", "0000 0000 0000 0000 0000 0000", "ILLEGAL"),
    I("RET", "0000 0000 0000 0000 1000 0000", klass="jump"),
    I("RETW", "0000 0000 0000 0000 1001 0000", klass="jump"),
    I("JX", "0000 0000 0000 ssss 1010 0000", klass="jump", src="s"),
    I("CALLX0", "0000 0000 0000 ssss 1100 0000", "CALLX", "call", src="s"),
    I("CALLX4", "0000 0000 0000 ssss 1101 0000", "CALLX", "call", src="s"),
    I("CALLX8", "0000 0000 0000 ssss 1110 0000", "CALLX", "call", src="s"),
    I("CALLX12", "0000 0000 0000 ssss 1111 0000", "CALLX", "call", src="s"),
    I("MOVSP", "0000 0000 0001 ssss tttt 0000", src="s", dst="t"),
    I("ISYNC", "0000 0000 0010 0000 0000 0000", "NOP", "sync"),
    I("RSYNC", "0000 0000 0010 0000 0001 0000", "NOP", "sync"),
    I("ESYNC", "0000 0000 0010 0000 0010 0000", "NOP", "sync"),
    I("DSYNC", "0000 0000 0010 0000 0011 0000", "NOP", "sync"),
    I("EXCW", "0000 0000 0010 0000 1000 0000", "NOP", "sync"),
    I("MEMW", "0000 0000 0010 0000 1100 0000", "NOP", "sync"),
    I("EXTW", "0000 0000 0010 0000 1101 0000", "NOP", "sync"),
    I("NOP", "0000 0000 0010 0000 1111 0000"),
    I("RFE", "0000 0000 0011 0000 0000 0000", "RFE", "jump"),
    I("RFWO", "0000 0000 0011 0100 0000 0000", "RFW", "jump"),
    I("RFWU", "0000 0000 0011 0101 0000 0000", "RFW", "jump"),
    I("BREAK", "0000 0000 0100 ssss tttt 0000", "BREAK"),
    I("SYSCALL", "0000 0000 0101 0000 0000 0000", "ILLEGAL"),  # needs an exception handler: not modelled
    I("SIMCALL", "0000 0000 0101 0001 0000 0000", "BREAK", llvm="-"),  # llvm-mc 22 has no simcall
    I("RSIL", "0000 0000 0110 ssss tttt 0000", "RSIL", "rsr", dst="t"),
    I("WAITI", "0000 0000 0111 ssss 0000 0000", "BREAK"),
    I("ANY4", "0000 0000 1000 ssss tttt 0000", "ANYALL"),
    I("ALL4", "0000 0000 1001 ssss tttt 0000", "ANYALL"),
    I("ANY8", "0000 0000 1010 ssss tttt 0000", "ANYALL"),
    I("ALL8", "0000 0000 1011 ssss tttt 0000", "ANYALL"),
    # ---- RST0: logic and add/sub --------------------------------------------------
    I("AND", _rrr("0000", "0001"), src="st", dst="r"),
    I("OR", _rrr("0000", "0010"), src="st", dst="r"),
    I("XOR", _rrr("0000", "0011"), src="st", dst="r"),
    I("SSR", "0100 0000 0000 ssss 0000 0000", "SSA", src="s"),
    I("SSL", "0100 0000 0001 ssss 0000 0000", "SSA", src="s"),
    I("SSA8L", "0100 0000 0010 ssss 0000 0000", "SSA", src="s"),
    I("SSA8B", "0100 0000 0011 ssss 0000 0000", "SSA", src="s", llvm="-"),  # llvm-mc 22 lacks it
    I("SSAI", "0100 0000 0100 ssss 000t 0000", "SSA"),
    I("ROTW", "0100 0000 1000 0000 tttt 0000"),
    I("NSA", "0100 0000 1110 ssss tttt 0000", src="s", dst="t"),
    I("NSAU", "0100 0000 1111 ssss tttt 0000", src="s", dst="t"),
    I("NEG", "0110 0000 rrrr 0000 tttt 0000", src="t", dst="r"),
    I("ABS", "0110 0000 rrrr 0001 tttt 0000", src="t", dst="r"),
    I("ADD", _rrr("0000", "1000"), src="st", dst="r"),
    I("ADDX2", _rrr("0000", "1001"), "ADDX", src="st", dst="r"),
    I("ADDX4", _rrr("0000", "1010"), "ADDX", src="st", dst="r"),
    I("ADDX8", _rrr("0000", "1011"), "ADDX", src="st", dst="r"),
    I("SUB", _rrr("0000", "1100"), src="st", dst="r"),
    I("SUBX2", _rrr("0000", "1101"), "SUBX", src="st", dst="r"),
    I("SUBX4", _rrr("0000", "1110"), "SUBX", src="st", dst="r"),
    I("SUBX8", _rrr("0000", "1111"), "SUBX", src="st", dst="r"),
    # ---- RST1: shifts, 16-bit multiplies, XSR --------------------------------------
    I("SLLI", "000i 0001 rrrr ssss tttt 0000", src="s", dst="r"),
    I("SRAI", "001i 0001 rrrr ssss tttt 0000", src="t", dst="r"),
    I("SRLI", "0100 0001 rrrr ssss tttt 0000", src="t", dst="r"),
    I("XSR", "0110 0001 ssss ssss tttt 0000", "XSR", "rsr", src="t", dst="t"),
    I("SRC", _rrr("0001", "1000"), src="st", dst="r"),
    I("SRL", "1001 0001 rrrr 0000 tttt 0000", src="t", dst="r"),
    I("SLL", "1010 0001 rrrr ssss 0000 0000", src="s", dst="r"),
    I("SRA", "1011 0001 rrrr 0000 tttt 0000", src="t", dst="r"),
    I("MUL16U", _rrr("0001", "1100"), "MUL16", "mul16", src="st", dst="r"),
    I("MUL16S", _rrr("0001", "1101"), "MUL16", "mul16", src="st", dst="r"),
    # ---- RST2: booleans, 32-bit multiplies and divides --------------------------------
    I("ANDB", _rrr("0010", "0000"), "BOOL2"),
    I("ANDBC", _rrr("0010", "0001"), "BOOL2"),
    I("ORB", _rrr("0010", "0010"), "BOOL2"),
    I("ORBC", _rrr("0010", "0011"), "BOOL2"),
    I("XORB", _rrr("0010", "0100"), "BOOL2"),
    I("MULL", _rrr("0010", "1000"), "MUL32", "mul32", src="st", dst="r"),
    I("MULUH", _rrr("0010", "1010"), "MUL32", "mul32", src="st", dst="r"),
    I("MULSH", _rrr("0010", "1011"), "MUL32", "mul32", src="st", dst="r"),
    I("QUOU", _rrr("0010", "1100"), "DIV", "div", src="st", dst="r"),
    I("QUOS", _rrr("0010", "1101"), "DIV", "div", src="st", dst="r"),
    I("REMU", _rrr("0010", "1110"), "DIV", "div", src="st", dst="r"),
    I("REMS", _rrr("0010", "1111"), "DIV", "div", src="st", dst="r"),
    # ---- RST3: special and user registers, min/max, conditional moves ---------------
    I("RSR", "0000 0011 ssss ssss tttt 0000", "RSR", "rsr", dst="t"),
    I("WSR", "0001 0011 ssss ssss tttt 0000", "WSR", "wsr", src="t"),
    I("SEXT", _rrr("0011", "0010"), src="s", dst="r"),
    I("CLAMPS", _rrr("0011", "0011"), src="s", dst="r"),
    I("MIN", _rrr("0011", "0100"), "MINMAX", src="st", dst="r"),
    I("MAX", _rrr("0011", "0101"), "MINMAX", src="st", dst="r"),
    I("MINU", _rrr("0011", "0110"), "MINMAX", src="st", dst="r"),
    I("MAXU", _rrr("0011", "0111"), "MINMAX", src="st", dst="r"),
    I("MOVEQZ", _rrr("0011", "1000"), "MOVCOND", src="rst", dst="r"),
    I("MOVNEZ", _rrr("0011", "1001"), "MOVCOND", src="rst", dst="r"),
    I("MOVLTZ", _rrr("0011", "1010"), "MOVCOND", src="rst", dst="r"),
    I("MOVGEZ", _rrr("0011", "1011"), "MOVCOND", src="rst", dst="r"),
    I("MOVF", _rrr("0011", "1100"), "MOVBOOL", src="rs", dst="r"),
    I("MOVT", _rrr("0011", "1101"), "MOVBOOL", src="rs", dst="r"),
    I("RUR", "1110 0011 rrrr ssss tttt 0000", "RUR", "rsr", dst="r"),
    I("WUR", "1111 0011 ssss ssss tttt 0000", "WUR", "wsr", src="t"),
    I("EXTUI", "mmmm 010i rrrr ssss tttt 0000", src="t", dst="r"),
    # ---- LSCX, LSC4: indexed FP loads/stores, L32E/S32E -----------------------------
    I("LSX", _rrr("1000", "0000"), "LSX", "fload", src="st", fdst="r"),
    I("LSXU", _rrr("1000", "0001"), "LSX", "fload", src="st", dst="s", fdst="r", llvm="lsxp"),
    I("SSX", _rrr("1000", "0100"), "SSX", "store", src="st", fsrc="r"),
    I("SSXU", _rrr("1000", "0101"), "SSX", "store", src="st", dst="s", fsrc="r", llvm="ssxp"),
    I("L32E", "0000 1001 rrrr ssss tttt 0000", "L32E", "load", src="s", dst="t"),
    I("S32E", "0100 1001 rrrr ssss tttt 0000", "S32E", "store", src="st"),
    # ---- FP0 / FP1: the single-precision FPU ----------------------------------------
    I("ADD.S", _rrr("1010", "0000"), "FARITH", "fadd", fdst="r", fsrc="st"),
    I("SUB.S", _rrr("1010", "0001"), "FARITH", "fadd", fdst="r", fsrc="st"),
    I("MUL.S", _rrr("1010", "0010"), "FARITH", "fmul", fdst="r", fsrc="st"),
    I("MADD.S", _rrr("1010", "0100"), "FMADD", "fmadd", fdst="r", fsrc="rst"),
    I("MSUB.S", _rrr("1010", "0101"), "FMADD", "fmadd", fdst="r", fsrc="rst"),
    I("ROUND.S", _rrr("1010", "1000"), "FTOI", "fconv", dst="r", fsrc="s"),
    I("TRUNC.S", _rrr("1010", "1001"), "FTOI", "fconv", dst="r", fsrc="s"),
    I("FLOOR.S", _rrr("1010", "1010"), "FTOI", "fconv", dst="r", fsrc="s"),
    I("CEIL.S", _rrr("1010", "1011"), "FTOI", "fconv", dst="r", fsrc="s"),
    I("FLOAT.S", _rrr("1010", "1100"), "ITOF", "fconv", src="s", fdst="r"),
    I("UFLOAT.S", _rrr("1010", "1101"), "ITOF", "fconv", src="s", fdst="r"),
    I("UTRUNC.S", _rrr("1010", "1110"), "FTOI", "fconv", dst="r", fsrc="s"),
    I("MOV.S", "1111 1010 rrrr ssss 0000 0000", "FUNARY", "fmov", fdst="r", fsrc="s"),
    I("ABS.S", "1111 1010 rrrr ssss 0001 0000", "FUNARY", "fmov", fdst="r", fsrc="s"),
    I("RFR", "1111 1010 rrrr ssss 0100 0000", "RFR", "fmov", dst="r", fsrc="s"),
    I("WFR", "1111 1010 rrrr ssss 0101 0000", "WFR", "fmov", src="s", fdst="r"),
    I("NEG.S", "1111 1010 rrrr ssss 0110 0000", "FUNARY", "fmov", fdst="r", fsrc="s"),
    # CONST.S, and the steps of the divide and square-root sequences (libgcc's __divsf3 and
    # __ieee754_sqrtf for the ESP32). The steps run as QEMU's xtensa FPU runs them: MKDADJ.S
    # computes the IEEE quotient fs / fr, MKSADJ.S the root, ADDEXPM.S moves it into the result
    # register, the refinement steps change nothing. The sequences' results (and flags) are the
    # correctly rounded ones the hardware's sequences produce; their scratch registers are not.
    # RECIP0.S/RSQRT0.S (approximations used alone) are decoded and not emulated.
    *(
        I(name, f"1111 1010 rrrr ssss {t} 0000", handler, "fmov", fdst=fdst, fsrc=fsrc)
        for name, t, handler, fdst, fsrc in (
            ("CONST.S", "0011", "FSEQ", "r", ""),
            ("DIV0.S", "0111", "FSEQ", "", ""),
            ("RECIP0.S", "1000", "UNEMULATED", "", ""),
            ("SQRT0.S", "1001", "FSEQ", "", ""),
            ("RSQRT0.S", "1010", "UNEMULATED", "", ""),
            ("NEXP01.S", "1011", "FSEQ", "", ""),
            ("MKSADJ.S", "1100", "FSEQ", "r", "s"),
            ("MKDADJ.S", "1101", "FSEQ", "r", "rs"),
            ("ADDEXP.S", "1110", "FSEQ", "", ""),
            ("ADDEXPM.S", "1111", "FSEQ", "r", "s"),
        )
    ),
    I("MADDN.S", _rrr("1010", "0110"), "FSEQ", "fmadd"),
    I("DIVN.S", _rrr("1010", "0111"), "FSEQ", "fmadd"),
    I("UN.S", _rrr("1011", "0001"), "FCMP", "fcmp", fsrc="st"),
    I("OEQ.S", _rrr("1011", "0010"), "FCMP", "fcmp", fsrc="st"),
    I("UEQ.S", _rrr("1011", "0011"), "FCMP", "fcmp", fsrc="st"),
    I("OLT.S", _rrr("1011", "0100"), "FCMP", "fcmp", fsrc="st"),
    I("ULT.S", _rrr("1011", "0101"), "FCMP", "fcmp", fsrc="st"),
    I("OLE.S", _rrr("1011", "0110"), "FCMP", "fcmp", fsrc="st"),
    I("ULE.S", _rrr("1011", "0111"), "FCMP", "fcmp", fsrc="st"),
    I("MOVEQZ.S", _rrr("1011", "1000"), "FMOVCOND", "fmov", src="t", fdst="r", fsrc="rs"),
    I("MOVNEZ.S", _rrr("1011", "1001"), "FMOVCOND", "fmov", src="t", fdst="r", fsrc="rs"),
    I("MOVLTZ.S", _rrr("1011", "1010"), "FMOVCOND", "fmov", src="t", fdst="r", fsrc="rs"),
    I("MOVGEZ.S", _rrr("1011", "1011"), "FMOVCOND", "fmov", src="t", fdst="r", fsrc="rs"),
    I("MOVF.S", _rrr("1011", "1100"), "FMOVBOOL", "fmov", fdst="r", fsrc="rs"),
    I("MOVT.S", _rrr("1011", "1101"), "FMOVBOOL", "fmov", fdst="r", fsrc="rs"),
    # ---- L32R, LSAI: loads, stores, MOVI, ADDI ---------------------------------------
    I("L32R", "iiii iiii iiii iiii tttt 0001", klass="l32r", dst="t"),
    I("L8UI", "iiii iiii 0000 ssss tttt 0010", "LOAD", "load", src="s", dst="t"),
    I("L16UI", "iiii iiii 0001 ssss tttt 0010", "LOAD", "load", src="s", dst="t"),
    I("L32I", "iiii iiii 0010 ssss tttt 0010", "LOAD", "load", src="s", dst="t"),
    I("S8I", "iiii iiii 0100 ssss tttt 0010", "STORE", "store", src="st"),
    I("S16I", "iiii iiii 0101 ssss tttt 0010", "STORE", "store", src="st"),
    I("S32I", "iiii iiii 0110 ssss tttt 0010", "STORE", "store", src="st"),
    I("L16SI", "iiii iiii 1001 ssss tttt 0010", "LOAD", "load", src="s", dst="t"),
    I("MOVI", "iiii iiii 1010 iiii tttt 0010", dst="t"),
    I("L32AI", "iiii iiii 1011 ssss tttt 0010", "LOAD", "load", src="s", dst="t", llvm="-"),
    I("ADDI", "iiii iiii 1100 ssss tttt 0010", src="s", dst="t"),
    I("ADDMI", "iiii iiii 1101 ssss tttt 0010", "ADDI", src="s", dst="t"),
    I("S32RI", "iiii iiii 1111 ssss tttt 0010", "STORE", "store", src="st", llvm="-"),
    I("S32C1I", "iiii iiii 1110 ssss tttt 0010", "S32C1I", "load", src="st", dst="t"),
    # ---- LSCI: FP loads and stores with an immediate offset --------------------------
    I("LSI", "iiii iiii 0000 ssss tttt 0011", "LSI", "fload", src="s", fdst="t"),
    I("SSI", "iiii iiii 0100 ssss tttt 0011", "SSI", "store", src="s", fsrc="t"),
    I("LSIU", "iiii iiii 1000 ssss tttt 0011", "LSI", "fload", src="s", dst="s", fdst="t", llvm="lsip"),
    I("SSIU", "iiii iiii 1100 ssss tttt 0011", "SSI", "store", src="s", dst="s", fsrc="t", llvm="ssip"),
    # ---- CALLN, SI: calls, jumps, branches on one register, ENTRY, loops -------------
    I("CALL0", "iiii iiii iiii iiii ii00 0101", "CALL", "call"),
    I("CALL4", "iiii iiii iiii iiii ii01 0101", "CALL", "call"),
    I("CALL8", "iiii iiii iiii iiii ii10 0101", "CALL", "call"),
    I("CALL12", "iiii iiii iiii iiii ii11 0101", "CALL", "call"),
    I("J", "iiii iiii iiii iiii ii00 0110", klass="jump"),
    I("BEQZ", "iiii iiii iiii ssss 0001 0110", "BZ", "branch", src="s"),
    I("BNEZ", "iiii iiii iiii ssss 0101 0110", "BZ", "branch", src="s"),
    I("BLTZ", "iiii iiii iiii ssss 1001 0110", "BZ", "branch", src="s"),
    I("BGEZ", "iiii iiii iiii ssss 1101 0110", "BZ", "branch", src="s"),
    I("BEQI", "iiii iiii rrrr ssss 0010 0110", "BI", "branch", src="s"),
    I("BNEI", "iiii iiii rrrr ssss 0110 0110", "BI", "branch", src="s"),
    I("BLTI", "iiii iiii rrrr ssss 1010 0110", "BI", "branch", src="s"),
    I("BGEI", "iiii iiii rrrr ssss 1110 0110", "BI", "branch", src="s"),
    I("ENTRY", "iiii iiii iiii ssss 0011 0110", "ENTRY", "entry", src="s"),
    I("BF", "iiii iiii 0000 ssss 0111 0110", "BBOOL", "branch"),
    I("BT", "iiii iiii 0001 ssss 0111 0110", "BBOOL", "branch"),
    I("LOOP", "iiii iiii 1000 ssss 0111 0110", "LOOP", "loop", src="s"),
    I("LOOPNEZ", "iiii iiii 1001 ssss 0111 0110", "LOOP", "loop", src="s"),
    I("LOOPGTZ", "iiii iiii 1010 ssss 0111 0110", "LOOP", "loop", src="s"),
    I("BLTUI", "iiii iiii rrrr ssss 1011 0110", "BI", "branch", src="s"),
    I("BGEUI", "iiii iiii rrrr ssss 1111 0110", "BI", "branch", src="s"),
    # ---- B: branches on two registers, bit tests --------------------------------------
    I("BNONE", f"iiii iiii 0000 ssss tttt {B}", "B2", "branch", src="st"),
    I("BEQ", f"iiii iiii 0001 ssss tttt {B}", "B2", "branch", src="st"),
    I("BLT", f"iiii iiii 0010 ssss tttt {B}", "B2", "branch", src="st"),
    I("BLTU", f"iiii iiii 0011 ssss tttt {B}", "B2", "branch", src="st"),
    I("BALL", f"iiii iiii 0100 ssss tttt {B}", "B2", "branch", src="st"),
    I("BBC", f"iiii iiii 0101 ssss tttt {B}", "B2", "branch", src="st"),
    I("BBCI", f"iiii iiii 011b ssss bbbb {B}", "BBI", "branch", src="s"),
    I("BANY", f"iiii iiii 1000 ssss tttt {B}", "B2", "branch", src="st"),
    I("BNE", f"iiii iiii 1001 ssss tttt {B}", "B2", "branch", src="st"),
    I("BGE", f"iiii iiii 1010 ssss tttt {B}", "B2", "branch", src="st"),
    I("BGEU", f"iiii iiii 1011 ssss tttt {B}", "B2", "branch", src="st"),
    I("BNALL", f"iiii iiii 1100 ssss tttt {B}", "B2", "branch", src="st"),
    I("BBS", f"iiii iiii 1101 ssss tttt {B}", "B2", "branch", src="st"),
    I("BBSI", f"iiii iiii 111b ssss bbbb {B}", "BBI", "branch", src="s"),
    # ---- density option: 16-bit forms ----------------------------------------------
    I("L32I.N", "rrrr ssss tttt 1000", "L32I_N", "load", src="s", dst="t"),
    I("S32I.N", "rrrr ssss tttt 1001", "S32I_N", "store", src="st"),
    I("ADD.N", "rrrr ssss tttt 1010", "ADD", src="st", dst="r"),
    I("ADDI.N", "rrrr ssss tttt 1011", "ADDI_N", src="s", dst="r"),
    I("MOVI.N", "iiii ssss 0iii 1100", "MOVI_N", dst="s"),
    I("BEQZ.N", "iiii ssss 10ii 1100", "BZ_N", "branch", src="s"),
    I("BNEZ.N", "iiii ssss 11ii 1100", "BZ_N", "branch", src="s"),
    I("MOV.N", "0000 ssss tttt 1101", "MOV_N", src="s", dst="t"),
    I("RET.N", "1111 0000 0000 1101", "RET", "jump"),
    I("RETW.N", "1111 0000 0001 1101", "RETW", "jump"),
    I("BREAK.N", "1111 ssss 0010 1101", "BREAK"),
    I("NOP.N", "1111 0000 0011 1101", "NOP"),
    I("ILL.N", "1111 0000 0110 1101", "ILLEGAL"),
    *_mac16(),
)

BY_NAME = {ins.name: ins for ins in TABLE}
OP_ID = {ins.name: i + 1 for i, ins in enumerate(TABLE)}  # 0 is "illegal"
HANDLERS = tuple(sorted({ins.handler for ins in TABLE} | {"ILLEGAL"}))


def decode_order() -> list[Instr]:
    """The table most specific first (more fixed bits), so a family's special cases (RET
    before the other ST0 forms, NOP before the syncs) win over general patterns."""
    return sorted(TABLE, key=lambda ins: (-bin(ins.mask).count("1"), OP_ID[ins.name]))


def length(first_byte: int) -> int:
    """Instruction length from op0: 8..13 are the density option's 16-bit forms; 14 and 15
    are reserved (decoded as 3-byte illegal instructions)."""
    return 2 if 8 <= (first_byte & 0xF) <= 13 else 3


@cache
def _ordered() -> tuple[tuple[int, int, int, Instr], ...]:
    return tuple((ins.length, ins.mask, ins.value, ins) for ins in decode_order())


def decode(word: int) -> Instr | None:
    """The instruction for the bytes at an address read as a little-endian 24-bit word (the
    third byte is ignored for 16-bit forms), or None if the configuration lacks it."""
    n = length(word & 0xFF)
    w = word & (0xFFFF if n == 2 else 0xFFFFFF)
    for ln, mask, value, ins in _ordered():
        if ln == n and w & mask == value:
            return ins
    return None
