"""Cycle cost tables, one per core, each entry with its source: the basis of every ``estimate``.

An instruction's cost is ``base + per * N`` for its class, N being the registers (32-bit words)
a load/store multiple moves. A conditional branch costs ``branch`` when it falls through and
``branch_taken`` when taken (the block hook charges the difference when execution does not
fall through). All tables assume zero-wait memory, as the manuals' own tables do: flash wait
states, caches and bus contention are not modelled, so real code from flash can only be slower.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .insn import (
    ALU,
    BARRIER,
    BRANCH,
    BRANCH_TAKEN,
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
)


@dataclass(frozen=True)
class CostTable:
    core: str
    cycles: dict[str, tuple[int, int]]  # class -> (base, per register moved)
    pipelined_loads: bool = False  # a single load/store right after a single load takes one cycle less
    load_use_stall: int = 0  # extra cycles when the next instruction reads a loaded register
    assumptions: tuple[str, ...] = field(default=())

    def cost(self, klass: str, registers: int = 0) -> int:
        """Cycles for one instruction; classes a core does not have cost 1 (the CPU faults on them)."""
        base, per = self.cycles.get(klass, (1, 0))
        return base + per * registers


# ARM Cortex-M0+ Technical Reference Manual (DDI 0484C), 3.3 "Instruction set summary" (zero wait states).
CORTEX_M0PLUS = CostTable(
    "cortex-m0plus",
    {
        ALU: (1, 0),  # MOVS/ADDS/SUBS/ADCS/CMP/ANDS/.../LSLS/SXTB/UXTH/REV/ADR: 1
        MUL: (1, 0),  # MULS: 1 with the fast multiplier, which the RP2040 has (RP2040 datasheet 2.4.1), else 32
        LOAD: (2, 0),  # LDR/LDRH/LDRB/LDRSH/LDRSB, any addressing, and LDR literal: 2
        STORE: (2, 0),  # STR/STRH/STRB: 2
        LOAD_MULTIPLE: (1, 1),  # LDM, POP: 1 + N
        STORE_MULTIPLE: (1, 1),  # STM, PUSH: 1 + N
        POP_PC: (2, 1),  # POP {reglist, PC}: 3 + N with N excluding PC; here N counts PC, hence 2 + N
        BRANCH: (1, 0),  # B<cond> not taken: 1
        BRANCH_TAKEN: (2, 0),  # B<cond> taken: 2
        JUMP: (2, 0),  # B: 2
        JUMP_INDIRECT: (2, 0),  # BX Rm, MOV PC,Rm, ADD PC,PC,Rm: 2
        CALL: (3, 0),  # BL: 3
        CALL_INDIRECT: (2, 0),  # BLX Rm: 2
        RETURN: (2, 0),  # BX LR: 2
        SYSTEM: (3, 0),  # MRS, MSR: 3 (CPSID/CPSIE: 1, counted as alu)
        BARRIER: (3, 0),  # DMB, DSB, ISB: 3
    },
    assumptions=("code runs from the RP2040's XIP cache or SRAM without wait states (a cache miss costs more)",),
)

# ARM Cortex-M4 Technical Reference Manual (DDI 0439B), 3.3.1 "Cortex-M4 instructions and their
# cycle counts" (Table 3-1) and 7.2.3 "FPU instruction set" (Table 7-1), zero wait states.
# P (pipeline refill) is 1 to 3 with the target's alignment and width and whether the branch was
# speculated; the table takes P = 2 throughout.
_P = 2
CORTEX_M4F = CostTable(
    "cortex-m4f",
    {
        ALU: (1, 0),  # MOV/ADD/SUB/logic/shift/CMP/extend/bitfield/SSAT/USAT/IT: 1 (IT may also fold to 0)
        MUL: (1, 0),  # MUL, MLA, MLS, SMULL, UMULL, SMLAL, UMLAL and the DSP multiplies: 1
        DIV: (12, 0),  # SDIV/UDIV: 2 to 12 with early termination on the operands; the upper bound
        LOAD: (2, 0),  # LDR/LDRH/LDRB/LDRSH/LDRSB: 2 (1 when pipelined after a load, see pipelined_loads)
        STORE: (2, 0),  # STR/STRH/STRB: 2 (1 when pipelined after a load)
        LOAD_MULTIPLE: (1, 1),  # LDM, POP, LDRD: 1 + N
        STORE_MULTIPLE: (1, 1),  # STM, PUSH, STRD: 1 + N
        POP_PC: (1 + _P, 1),  # POP {reglist, PC}, LDM with PC: 1 + N + P, N counting PC
        LOAD_PC: (2 + _P, 0),  # LDR PC,[...]: 2 + P
        BRANCH: (1, 0),  # B<cond>, CBZ/CBNZ not taken: 1
        BRANCH_TAKEN: (1 + _P, 0),  # taken: 1 + P
        JUMP: (1 + _P, 0),  # B: 1 + P
        JUMP_INDIRECT: (1 + _P, 0),  # BX Rm, MOV PC,Rm, ADD PC,PC,Rm, TBB/TBH (2 + P, rare): 1 + P
        CALL: (1 + _P, 0),  # BL: 1 + P
        CALL_INDIRECT: (1 + _P, 0),  # BLX Rm: 1 + P
        RETURN: (1 + _P, 0),  # BX LR: 1 + P
        SYSTEM: (1, 0),  # MRS, MSR, CPSID/CPSIE: 1 (MSR to a register that needs a barrier: more, not modelled)
        BARRIER: (1 + _P, 0),  # DMB/DSB: 1 + B with B >= 0; ISB: 1 + P; the ISB figure for all three
        FPU: (1, 0),  # VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT/VMOV/VMRS/VMSR: 1
        FPU_MAC: (3, 0),  # VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS: 3
        FPU_DIV: (14, 0),  # VDIV, VSQRT: 14
        FPU_LOAD: (2, 0),  # VLDR single: 2 (double: 3, counted as a two-word VLDM)
        FPU_STORE: (2, 0),  # VSTR single: 2
        FPU_MULTIPLE: (1, 1),  # VLDM/VSTM/VPUSH/VPOP: 1 + N, N in 32-bit words (a D register is 2)
        FPU_MOVE2: (2, 0),  # VMOV of two core registers to/from two singles or a double: 2
    },
    # 3.3.2 "Load/store timings": neighbouring load and store single instructions pipeline their
    # address and data phases (STR only after an LDR; nothing pipelines after a store).
    pipelined_loads=True,
    assumptions=(
        "P = 2 for every pipeline refill (the manual gives 1 to 3)",
        "SDIV/UDIV at their upper bound of 12",
        "code runs from flash without wait states (the STM32F446 ART accelerator hits; at 180 MHz a miss costs 5)",
    ),
)

# ESP32-C3 (ESP-RV32 core). Espressif publishes no per-instruction timing. The ESP32-C3 TRM
# (chapter 1, "ESP-RISC-V CPU") states a 4-stage in-order scalar pipeline with zero-wait access
# to SRAM and cache, and lists load hazards, jump hazards and taken branches among its
# performance-counter events. The figures below ASSUME the timing of a documented RV32IMC core
# with the same 4-stage shape, the OpenHW CV32E40P (user manual, "Pipeline Details", "Cycle
# counts per instruction type"): jumps resolve in decode, branches in execute.
ESP32C3 = CostTable(
    "esp32c3",
    {
        ALU: (1, 0),  # integer computational (CV32E40P: 1)
        MUL: (1, 0),  # mul: 1 (CV32E40P); mulh/mulhsu/mulhu ASSUMED 1 too (CV32E40P: 5): the C3 TRM does not say
        DIV: (32, 0),  # div/divu/rem/remu: CV32E40P 3..35 with the divisor; ASSUMED 32, near measured C3 rates
        # (about 4.6 M divisions/s at 160 MHz in third-party loop benchmarks, loop overhead included)
        LOAD: (1, 0),  # lw/lh/lhu/lb/lbu: 1 (+ load_use_stall)
        STORE: (1, 0),  # sw/sh/sb: 1
        BRANCH: (1, 0),  # branch not taken: 1
        BRANCH_TAKEN: (3, 0),  # branch taken: 3 (decided in execute; fetch and decode are flushed)
        JUMP: (2, 0),  # jal, c.j: 2 (taken in decode)
        JUMP_INDIRECT: (2, 0),  # jalr: 2
        CALL: (2, 0),  # jal ra, c.jal: 2
        CALL_INDIRECT: (2, 0),  # jalr ra, c.jalr: 2
        RETURN: (2, 0),  # ret (jalr zero, 0(ra)): 2
        SYSTEM: (4, 0),  # csrr*/csrw* on mstatus, mcycle, ...: 4 (CV32E40P); ecall/ebreak: not modelled
        BARRIER: (2, 0),  # fence.i: 2 (a jump to the next instruction); fence counted the same
    },
    load_use_stall=1,  # CV32E40P: a 1-cycle bubble when the next instruction uses the loaded value
    assumptions=(
        "no per-instruction timing is published for the ESP32-C3: CV32E40P-like 4-stage timing assumed",
        "mulh/mulhsu/mulhu cost 1 like mul",
        "div/rem cost 32 regardless of the operands",
        "code and constants hit the 16 KB flash cache (a miss costs tens of cycles)",
    ),
)

TABLES = {t.core: t for t in (CORTEX_M0PLUS, CORTEX_M4F, ESP32C3)}
