"""RV32IMC blocks into instruction classes, with capstone.

Capstone names the instruction (``insn_name`` is the canonical name, alias-free: ``ret`` is
``jalr``); the link and source registers of jumps come from the encoding itself, because
capstone's aliases drop them from the operands. Register reads and load destinations feed
the load-use stall of the cost table.
"""

from __future__ import annotations

import capstone
from capstone import riscv as cs_riscv

from .insn import (
    ALU,
    BARRIER,
    BRANCH,
    CALL,
    CALL_INDIRECT,
    DIV,
    FPU,
    JUMP,
    JUMP_INDIRECT,
    LOAD,
    MUL,
    RETURN,
    STORE,
    SYSTEM,
    UNKNOWN,
    Insn,
)

_BY_NAME = {
    **dict.fromkeys(("beq", "bne", "blt", "bge", "bltu", "bgeu", "c.beqz", "c.bnez"), BRANCH),
    **dict.fromkeys(("lb", "lh", "lw", "lbu", "lhu", "c.lw", "c.lwsp"), LOAD),
    **dict.fromkeys(("sb", "sh", "sw", "c.sw", "c.swsp"), STORE),
    **dict.fromkeys(("mul", "mulh", "mulhsu", "mulhu"), MUL),
    **dict.fromkeys(("div", "divu", "rem", "remu"), DIV),
    **dict.fromkeys(("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "ecall", "ebreak", "c.ebreak"), SYSTEM),
    **dict.fromkeys(("mret", "wfi"), SYSTEM),
    **dict.fromkeys(("fence", "fence.i", "fence.tso"), BARRIER),
    **dict.fromkeys(("c.j",), JUMP),
    **dict.fromkeys(("c.jal",), CALL),
}
# RV32I and C computational instructions; anything else (A extension, unknown) is UNKNOWN.
_ALU = frozenset(
    "add addi sub and andi or ori xor xori sll slli srl srli sra srai slt slti sltu sltiu lui auipc "
    "c.add c.addi c.addi16sp c.addi4spn c.li c.lui c.mv c.and c.andi c.or c.xor c.sub c.slli c.srli c.srai "
    "c.nop".split()
)
# Compressed two-address forms: the destination is a source too.
_TWO_ADDRESS = frozenset("c.add c.addi c.addi16sp c.and c.andi c.or c.xor c.sub c.slli c.srli c.srai".split())
_RA = 1
_ABI = (
    "zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6".split()
)  # capstone's register names for x0..x31


class RiscvDecoder:
    def __init__(self):
        self._cs = capstone.Cs(capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV32 | capstone.CS_MODE_RISCVC)
        self._cs.detail = True

    def decode(self, code: bytes, address: int) -> list[Insn]:
        return [self._insn(i) for i in self._cs.disasm(code, address)]

    def _insn(self, i) -> Insn:
        name = i.insn_name()
        jump = _jump(name, int.from_bytes(i.bytes, "little"))
        if jump is not None:
            return Insn(i.address, i.size, jump[0], reads=jump[1])
        klass = _BY_NAME.get(name) or (ALU if name in _ALU else FPU if name.startswith(("f", "c.f")) else UNKNOWN)
        regs = [_register(i, op) for op in i.operands]
        destination_only = klass in (ALU, MUL, DIV, LOAD) and name not in _TWO_ADDRESS
        return Insn(
            i.address,
            i.size,
            klass,
            conditional=klass == BRANCH,
            reads=frozenset(regs[1:] if destination_only else regs) - {None},
            writes=frozenset(regs[:1]) if klass == LOAD else frozenset(),
        )


def _register(i, op) -> str | None:
    """The register an operand names (a memory operand: its base); None for immediates."""
    if op.type == cs_riscv.RISCV_OP_REG:
        return i.reg_name(op.reg)
    if op.type == cs_riscv.RISCV_OP_MEM:
        return i.reg_name(op.mem.base)
    return None


def _jump(name: str, word: int) -> tuple[str, frozenset[str]] | None:
    """jal/jalr/c.jr/c.jalr: class and source register, from the encoding's rd and rs1."""
    if name == "jal":
        return (JUMP if (word >> 7) & 31 == 0 else CALL), frozenset()
    if name == "jalr":
        rd, rs1 = (word >> 7) & 31, (word >> 15) & 31
        klass = CALL_INDIRECT if rd != 0 else RETURN if rs1 == _RA else JUMP_INDIRECT
        return klass, frozenset({_ABI[rs1]})
    if name in ("c.jr", "c.jalr"):
        rs1 = (word >> 7) & 31
        klass = CALL_INDIRECT if name == "c.jalr" else RETURN if rs1 == _RA else JUMP_INDIRECT
        return klass, frozenset({_ABI[rs1]})
    return None
