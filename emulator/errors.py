"""One exception hierarchy for every core (AVR now, unicorn cores later).

Load problems (a file that is not firmware for this core, a missing symbol) are
``EmulatorError``; anything the firmware does wrong while running is a ``CpuFault``
that carries the program counter and the cycle count where it happened.
"""


class EmulatorError(Exception):
    """Base class: anything the emulator refuses or cannot do."""


class ElfLoadError(EmulatorError):
    """The file is not an ELF for this core, or does not fit its memory."""


class SymbolNotFound(EmulatorError):
    def __init__(self, name: str):
        super().__init__(f"symbol {name!r} not found in the loaded ELF")
        self.name = name


class CpuFault(EmulatorError):
    """The firmware did something the core stops for. ``pc`` is a byte address."""

    def __init__(self, message: str, pc: int, cycles: int):
        super().__init__(f"{message} (pc=0x{pc:04x}, cycle {cycles})")
        self.pc = pc
        self.cycles = cycles


class IllegalInstruction(CpuFault):
    def __init__(self, pc: int, opcode: int, cycles: int, core: str, reason: str):
        super().__init__(f"illegal instruction 0x{opcode:04x} on {core}: {reason}", pc, cycles)
        self.opcode = opcode
        self.core = core


class CycleLimitExceeded(CpuFault):
    def __init__(self, pc: int, cycles: int, limit: int):
        super().__init__(f"cycle limit of {limit} reached without finishing (runaway loop?)", pc, cycles)
        self.limit = limit


class StackCollision(CpuFault):
    """The stack grew into static data (.data/.bss/.noinit) or below the start of SRAM."""

    def __init__(self, pc: int, cycles: int, sp: int, limit: int):
        super().__init__(
            f"stack collision: SP=0x{sp:04x} reaches below 0x{limit:04x}, the end of static data"
            " (.data/.bss/.noinit); the firmware needs more RAM than the MCU has",
            pc,
            cycles,
        )
        self.sp = sp
        self.limit = limit


class MemoryFault(CpuFault):
    """An access outside the memory the MCU has (data space or program flash)."""

    def __init__(self, pc: int, cycles: int, address: int, space: str):
        super().__init__(f"access to {space} address 0x{address:04x}, which does not exist", pc, cycles)
        self.address = address
        self.space = space


class UnsupportedPeripheral(CpuFault):
    """The firmware set a peripheral up in a way the core does not emulate (it would compute wrong)."""

    def __init__(self, pc: int, cycles: int, what: str):
        super().__init__(f"not emulated: {what}", pc, cycles)
        self.what = what


class UnalignedAccess(MemoryFault):
    """A load or store whose address is not a multiple of its size (the ESP32 raises
    LoadStoreAlignmentCause; the emulator stops)."""

    def __init__(self, pc: int, cycles: int, address: int):
        CpuFault.__init__(self, f"unaligned access to 0x{address:08x}", pc, cycles)
        self.address = address
        self.space = "data"


class DivideByZero(CpuFault):
    """An integer divide or remainder by zero (Xtensa IntegerDivideByZeroCause)."""

    def __init__(self, pc: int, cycles: int):
        super().__init__("integer divide by zero", pc, cycles)
