"""How each emulated core maps onto unicorn and capstone: CPU model, decoder, cost table, registers.

Cortex-M: ``UC_MODE_THUMB`` with the CPU model set explicitly. ``UC_MODE_MCLASS`` would silently
become a Cortex-M33 and run M4F code on an "M0"; unicorn has no M0+, and the M0 has the same
ARMv6-M instruction set. RISC-V: the SiFive E31 model, whose misa is RV32IMAC (+U) without F or
D, so a float instruction on the FPU-less ESP32-C3 raises an illegal-instruction exception in
the CPU model itself (the RV32 "any" and "base" models execute F instructions even with
mstatus.FS off). The E31 does execute the A extension, which the ESP32-C3 lacks; rv32imc code
contains none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from unicorn import UC_ARCH_ARM, UC_ARCH_RISCV, UC_MODE_RISCV32, UC_MODE_THUMB, arm_const, riscv_const

from .blocks import Decoder
from .costs import CORTEX_M0PLUS, CORTEX_M4F, ESP32C3, CostTable
from .decode_riscv import RiscvDecoder
from .decode_thumb import ThumbDecoder


def _registers(module: ModuleType, prefix: str) -> dict[str, int]:
    """Register ids by lower-case name (``UC_RISCV_REG_A0`` -> ``"a0"``), from unicorn's constants."""
    return {k[len(prefix) :].lower(): v for k, v in vars(module).items() if k.startswith(prefix) and k[-6:] != "ENDING"}


_RISCV_REGS = _registers(riscv_const, "UC_RISCV_REG_")
_ARM_REGS = _registers(arm_const, "UC_ARM_REG_")

# What unicorn's interrupt hook reports: RISC-V exception causes (privileged spec, mcause) and
# QEMU's ARM exception numbers (target/arm/cpu.h EXCP_*).
_RISCV_EXCEPTIONS = {
    0: "misaligned instruction fetch",
    1: "instruction access fault",
    2: "illegal-instruction exception: not in rv32imc (a float instruction, say)",
    3: "breakpoint (ebreak)",
    4: "misaligned load",
    5: "load access fault",
    6: "misaligned store",
    7: "store access fault",
    8: "environment call (ecall)",  # unicorn reports every ecall as 8, whatever the privilege
}
_ARM_EXCEPTIONS = {
    1: "undefined instruction (UsageFault UNDEFINSTR)",
    2: "supervisor call (SVC)",
    3: "prefetch abort (BusFault on fetch)",
    4: "data abort (BusFault)",
    7: "breakpoint (BKPT)",
    8: "exception return",
    17: "no coprocessor (UsageFault NOCP): an FPU instruction on a core without one, or before CPACR grants it",
    18: "invalid state (UsageFault INVSTATE): ARM state or an even branch target",
    22: "unaligned access (UsageFault UNALIGNED)",
}


@dataclass(frozen=True)
class CoreModel:
    name: str
    arch: int  # UC_ARCH_*
    mode: int  # UC_MODE_*
    cpu: int  # UC_CPU_*
    elf_machine: str  # pyelftools' e_machine name
    decoder: Callable[[], Decoder]
    costs: CostTable
    registers: dict[str, int]
    exceptions: dict[int, str]
    illegal: frozenset[int]  # the exception numbers that mean an instruction this core cannot execute
    thumb: bool  # code addresses carry the Thumb bit; reset takes SP and PC from the vector table
    exception_pc_after: bool = False  # unicorn reports an exception with the PC of the next instruction

    @property
    def pc(self) -> int:
        return self.registers["pc"]

    @property
    def sp(self) -> int:
        return self.registers["sp"]


CORES = {
    core.name: core
    for core in (
        CoreModel(
            "esp32c3",
            UC_ARCH_RISCV,
            UC_MODE_RISCV32,
            riscv_const.UC_CPU_RISCV32_SIFIVE_E31,
            "EM_RISCV",
            RiscvDecoder,
            ESP32C3,
            _RISCV_REGS,
            _RISCV_EXCEPTIONS,
            frozenset({2}),
            thumb=False,
            exception_pc_after=True,  # unicorn 2.1.4 RISC-V: illegal instruction, ecall
        ),
        CoreModel(
            "cortex-m0plus",
            UC_ARCH_ARM,
            UC_MODE_THUMB,
            arm_const.UC_CPU_ARM_CORTEX_M0,
            "EM_ARM",
            ThumbDecoder,
            CORTEX_M0PLUS,
            _ARM_REGS,
            _ARM_EXCEPTIONS,
            frozenset({1, 17, 18}),
            thumb=True,
        ),
        CoreModel(
            "cortex-m4f",
            UC_ARCH_ARM,
            UC_MODE_THUMB,
            arm_const.UC_CPU_ARM_CORTEX_M4,
            "EM_ARM",
            ThumbDecoder,
            CORTEX_M4F,
            _ARM_REGS,
            _ARM_EXCEPTIONS,
            frozenset({1, 17, 18}),
            thumb=True,
        ),
    )
}
