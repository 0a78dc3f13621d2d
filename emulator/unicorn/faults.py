"""How a unicorn run that did not reach its address becomes an ``EmulatorError`` with PC and cause.

Causes come from three places: the error ``uc_emu_start`` returns (unmapped or protected
memory, an instruction the CPU model cannot decode), the interrupt hook (a CPU exception such
as RISC-V's illegal instruction or an ARM UsageFault), and the bounds (instructions, cycles,
wall-clock time, execution leaving the loaded code).
"""

from __future__ import annotations

from dataclasses import dataclass

from unicorn import unicorn_const as uc

from ..errors import CpuFault, IllegalInstruction, MemoryFault


class ProtectionFault(CpuFault):
    """An access the region does not allow: a store to flash, executing RAM."""

    def __init__(self, pc: int, cycles: int, address: int, access: str, region: str):
        super().__init__(f"{access} at 0x{address:08x} in {region}, which does not allow it", pc, cycles)
        self.address = address
        self.access = access
        self.region = region


class CpuException(CpuFault):
    """A CPU exception the firmware raised (illegal instructions are ``IllegalInstruction``)."""

    def __init__(self, pc: int, cycles: int, number: int, cause: str):
        super().__init__(f"CPU exception {number}: {cause}", pc, cycles)
        self.number = number
        self.cause = cause


class InstructionLimitExceeded(CpuFault):
    def __init__(self, pc: int, cycles: int, limit: int):
        super().__init__(f"instruction limit of {limit} reached without finishing (runaway loop?)", pc, cycles)
        self.limit = limit


class RunTimeout(CpuFault):
    def __init__(self, pc: int, cycles: int, seconds: float):
        super().__init__(f"wall-clock timeout of {seconds:g} s reached without finishing", pc, cycles)
        self.seconds = seconds


class OutsideCode(CpuFault):
    """Execution reached flash beyond the loaded image (erased flash on a real chip)."""

    def __init__(self, pc: int, cycles: int, start: int, end: int):
        super().__init__(f"execution left the firmware's code (0x{start:08x}..0x{end:08x})", pc, cycles)


@dataclass(frozen=True)
class Access:
    """What the invalid-memory hook saw."""

    kind: int  # UC_MEM_*
    address: int


_ACCESS = {
    uc.UC_MEM_READ_UNMAPPED: "read",
    uc.UC_MEM_WRITE_UNMAPPED: "write",
    uc.UC_MEM_FETCH_UNMAPPED: "fetch",
    uc.UC_MEM_READ_PROT: "read",
    uc.UC_MEM_WRITE_PROT: "store",
    uc.UC_MEM_FETCH_PROT: "instruction fetch",
}
_UNMAPPED = (uc.UC_MEM_READ_UNMAPPED, uc.UC_MEM_WRITE_UNMAPPED, uc.UC_MEM_FETCH_UNMAPPED)


def memory_fault(access: Access, pc: int, cycles: int, region: str | None) -> CpuFault:
    if access.kind in _UNMAPPED or region is None:
        space = "code" if access.kind == uc.UC_MEM_FETCH_UNMAPPED else "data"
        return MemoryFault(pc, cycles, access.address, space)
    return ProtectionFault(pc, cycles, access.address, _ACCESS[access.kind], region)


def exception_fault(number: int, pc: int, cycles: int, core, opcode: int) -> CpuFault:
    """``core`` is the CoreModel; ``opcode`` the instruction word at ``pc``."""
    if number in core.illegal:
        return IllegalInstruction(pc, opcode, cycles, core.name, core.exceptions[number])
    return CpuException(pc, cycles, number, core.exceptions.get(number, "unknown exception"))


def error_fault(code: int, pc: int, cycles: int, core, opcode: int) -> CpuFault:
    """A unicorn error without a more specific hook report."""
    if code == uc.UC_ERR_INSN_INVALID:
        return IllegalInstruction(pc, opcode, cycles, core.name, "not in its instruction set")
    return CpuFault(f"unicorn stopped with error {code}", pc, cycles)
