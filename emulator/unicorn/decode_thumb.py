"""Thumb (ARMv6-M, ARMv7E-M with FPv4-SP) blocks into instruction classes, with capstone.

Capstone's ``insn_name`` is the canonical name without condition or width suffix (``bne`` and
``b.w`` are both ``b``); the condition code, the registers written (is PC among them: a
control transfer) and the register lists come from its details.
"""

from __future__ import annotations

import capstone
from capstone import arm as cs_arm

from .insn import (
    ALU,
    BARRIER,
    BRANCH,
    CALL,
    CALL_INDIRECT,
    DIV,
    FPU,
    FPU_DIV,
    FPU_LOAD,
    FPU_MAC,
    FPU_MOVE2,
    FPU_MULTIPLE,
    FPU_STORE,
    JUMP,
    JUMP_INDIRECT,
    LOAD,
    LOAD_MULTIPLE,
    LOAD_PC,
    MUL,
    POP_PC,
    RETURN,
    STORE,
    STORE_MULTIPLE,
    SYSTEM,
    UNKNOWN,
    Insn,
)

_BY_NAME = {
    **dict.fromkeys(("cbz", "cbnz"), BRANCH),
    "bl": CALL,
    "blx": CALL_INDIRECT,
    **dict.fromkeys(("tbb", "tbh"), JUMP_INDIRECT),
    **dict.fromkeys(("sdiv", "udiv"), DIV),
    **dict.fromkeys(("mul", "mla", "mls"), MUL),
    **dict.fromkeys(("mrs", "msr"), SYSTEM),
    **dict.fromkeys(("dmb", "dsb", "isb"), BARRIER),
    **dict.fromkeys(("svc", "bkpt", "udf", "wfi", "wfe"), UNKNOWN),
    **dict.fromkeys(
        ("mcr", "mcr2", "mrc", "mrc2", "mcrr", "mrrc", "ldc", "ldc2", "stc", "stc2", "cdp", "cdp2"), UNKNOWN
    ),
    **dict.fromkeys(("vdiv", "vsqrt"), FPU_DIV),
    **dict.fromkeys(("vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"), FPU_MAC),
}
_MUL_PREFIXES = ("smul", "smla", "smls", "smmul", "smmla", "smmls", "smuad", "smusd", "umul", "umla", "umaal")
_LOAD_MULTIPLE = ("pop", "ldm", "ldmdb", "ldmia", "ldrd")
_STORE_MULTIPLE = ("push", "stm", "stmdb", "stmia", "strd")
_FPU_MULTIPLE = ("vpush", "vpop", "vldmia", "vldmdb", "vstmia", "vstmdb")


class ThumbDecoder:
    def __init__(self):
        self._cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        self._cs.detail = True

    def decode(self, code: bytes, address: int) -> list[Insn]:
        return [self._insn(i) for i in self._cs.disasm(code, address)]

    def _insn(self, i) -> Insn:
        name = i.insn_name()
        written = {i.reg_name(r) for r in i.regs_access()[1]}
        regs = [op.reg for op in i.operands if op.type == cs_arm.ARM_OP_REG]
        words = sum(2 if i.reg_name(r).startswith("d") else 1 for r in regs)
        klass, count = _classify(name, i, "pc" in written, regs, words)
        transfer = klass in (BRANCH, JUMP, JUMP_INDIRECT, CALL, CALL_INDIRECT, RETURN, POP_PC, LOAD_PC)
        conditional = klass == BRANCH or (transfer and i.cc not in (cs_arm.ARM_CC_AL, cs_arm.ARM_CC_INVALID))
        return Insn(i.address, i.size, klass, registers=count, conditional=conditional)


def _classify(name: str, i, writes_pc: bool, regs: list[int], words: int) -> tuple[str, int]:
    """(class, registers moved) of one decoded instruction."""
    if name == "b":
        return (JUMP if i.cc in (cs_arm.ARM_CC_AL, cs_arm.ARM_CC_INVALID) else BRANCH), 0
    if name == "bx":
        return (RETURN if i.reg_name(regs[0]) == "lr" else JUMP_INDIRECT), 0
    if name in _BY_NAME:
        return _BY_NAME[name], 0
    if name in _LOAD_MULTIPLE:
        listed = len(regs) - (name.startswith("ldm"))  # LDM's first register operand is the base
        return (POP_PC if writes_pc else LOAD_MULTIPLE), listed
    if name in _STORE_MULTIPLE:
        return STORE_MULTIPLE, len(regs) - (name.startswith("stm"))
    if name.startswith("ldr"):
        return (LOAD_PC if writes_pc else LOAD), 0
    if name.startswith("str"):
        return STORE, 0
    if writes_pc:  # MOV PC / ADD PC: a computed jump
        return JUMP_INDIRECT, 0
    if name.startswith(_MUL_PREFIXES):
        return MUL, 0
    return _fpu_class(name, regs, words, i)


def _fpu_class(name: str, regs: list[int], words: int, i) -> tuple[str, int]:
    if name in _FPU_MULTIPLE:
        base = 0 if name in ("vpush", "vpop") else 1  # VLDM/VSTM name their base register first
        return FPU_MULTIPLE, words - base
    if name in ("vldr", "vstr"):
        if words > 1:  # a D register: two words, timed like a two-word VLDM/VSTM
            return FPU_MULTIPLE, 2
        return (FPU_LOAD if name == "vldr" else FPU_STORE), 0
    if name == "vmov" and sum(i.reg_name(r).startswith("r") for r in regs) == 2:
        return FPU_MOVE2, 0
    if name.startswith("v") or name in ("fconsts", "fconstd", "fmstat"):
        return FPU, 0
    return ALU, 0
