"""What a decoder tells the cost tables about one instruction: its class and a few facts.

The classes are the vocabulary of every cost table (emulator/unicorn/costs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

# The instruction classes the decoders sort instructions into.
ALU = "alu"  # data processing, moves, shifts, compares, extends, address forming, IT, NOP
MUL = "mul"  # multiplies and multiply-accumulates, including long (64-bit result) forms
DIV = "div"  # integer divide and remainder
LOAD, STORE = "load", "store"  # one register from or to memory
LOAD_MULTIPLE, STORE_MULTIPLE = "load_multiple", "store_multiple"  # LDM/POP/LDRD, STM/PUSH/STRD
POP_PC = "pop_pc"  # a load multiple that includes PC: a return
LOAD_PC = "load_pc"  # LDR PC
BRANCH = "branch"  # conditional, falls through
BRANCH_TAKEN = "branch_taken"  # the same, taken
JUMP = "jump"  # unconditional direct
JUMP_INDIRECT = "jump_indirect"  # to a register (BX Rm, MOV PC, jr), other than a return
CALL = "call"  # direct, with link
CALL_INDIRECT = "call_indirect"  # to a register, with link
RETURN = "return"  # BX LR, ret
SYSTEM = "system"  # special/CSR registers
BARRIER = "barrier"  # DMB/DSB/ISB, fences
FPU = "fpu"  # single-cycle float ops: add, sub, mul, compare, convert, move, abs, neg
FPU_MAC = "fpu_mac"  # multiply-accumulate (chained or fused)
FPU_DIV = "fpu_div"  # divide, square root
FPU_LOAD, FPU_STORE = "fpu_load", "fpu_store"
FPU_MULTIPLE = "fpu_multiple"  # VLDM/VSTM/VPUSH/VPOP
FPU_MOVE2 = "fpu_move2"  # two core registers to or from the FPU
UNKNOWN = "unknown"  # not decodable, or not in this core's instruction set: the CPU model faults on it


@dataclass(frozen=True)
class Insn:
    address: int
    size: int
    klass: str
    registers: int = 0  # 32-bit words moved by a load/store multiple
    conditional: bool = False  # a control transfer that may fall through instead
    reads: frozenset[str] = frozenset()  # registers read (RISC-V only: for the load-use stall)
    writes: frozenset[str] = frozenset()  # registers a load writes (RISC-V only)
