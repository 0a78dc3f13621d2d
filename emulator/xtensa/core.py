"""XtensaCore: the Core interface (emulator/core.py) over the C execution loop for an ESP32.

Python owns the memories (one buffer per region of the chip's map, chips.py) and the cost
table packed from cycles.py; ``_xtcore.Cpu`` executes. One load serves many input vectors:
``reset()`` puts the RAMs back as loaded (code in IRAM is RAM too, and keeps its decoded form
unless the run changed it), resets registers and counters, and keeps flash (IROM, DROM).
Cycles are estimates from one documented table (provenance ``estimate``).

The emulator-harness convention of the 32-bit cores: a write to ``hsk_emu_marker`` records a
marker with the cycle count when the writing instruction began; reaching ``hsk_emu_done``, a
``waiti`` or a ``simcall`` halts; a ``break`` stops with StopReason.BREAK.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import CycleProvenance, Marker, Stop, StopReason, Symbol
from ..elf import read_elf
from ..errors import (
    CycleLimitExceeded,
    DivideByZero,
    ElfLoadError,
    EmulatorError,
    IllegalInstruction,
    MemoryFault,
    StackCollision,
    SymbolNotFound,
    UnalignedAccess,
)
from ..harness import DONE_SYMBOL
from . import _xtcore
from .chips import CHIPS, Chip, Region
from .cycles import CLASSES, EXCEPTION
from .isa import OP_ID, TABLE, decode
from .peripherals import Esp32IO
from .registers import SPECIAL, parse

MARKER_SYMBOL = "hsk_emu_marker"

_STOPS = {
    _xtcore.STOP_UNTIL: StopReason.UNTIL,
    _xtcore.STOP_HALT: StopReason.HALT,
    _xtcore.STOP_BREAK: StopReason.BREAK,
    _xtcore.STOP_COUNT: StopReason.COUNT,
    _xtcore.STOP_PERIPHERAL: StopReason.PERIPHERAL,
}


def cost_table() -> bytes:
    """Per opcode id: issue cycles, result latency, extra cycles when control transfers."""
    costs = np.zeros((3, _xtcore.OP_COUNT), dtype=np.uint8)
    for ins in TABLE:
        cost = CLASSES[ins.klass]
        costs[:, OP_ID[ins.name]] = (cost.issue, cost.latency, cost.taken)
    costs[0, 0] = 1  # an illegal instruction is not executed; the run stops at it
    return costs.tobytes()


def _flags(region: Region) -> int:
    if region.perms == "io":
        return _xtcore.R_IO
    flags = (_xtcore.R_READ if "r" in region.perms else 0) | (_xtcore.R_WRITE if "w" in region.perms else 0)
    flags |= _xtcore.R_EXEC if "x" in region.perms else 0
    return flags | (_xtcore.R_WORD if region.word_only else 0)


class XtensaCore:
    """An emulated Xtensa LX6 chip (see ``emulator.xtensa.chips.CHIPS``) with estimated cycles."""

    arch = "xtensa"
    cycle_provenance = CycleProvenance.ESTIMATE

    def __init__(self, chip: Chip | str = "esp32"):
        if isinstance(chip, str):
            if chip not in CHIPS:
                raise EmulatorError(f"unknown Xtensa chip {chip!r}; known: {', '.join(CHIPS)}")
            chip = CHIPS[chip]
        self.chip = chip
        self._mem = {r.name: bytearray(r.size + 4) for r in chip.regions}
        self._cpu = _xtcore.Cpu(
            regions=[(r.base, r.size, self._mem[r.name], _flags(r)) for r in chip.regions],
            costs=cost_table(),
            exception_cost=EXCEPTION,
            hook=self._hook,
        )
        self.io = Esp32IO(self._cpu.request_stop)
        self._marks: list[tuple[int, int]] = []
        self._image = None
        self._reset_images: dict[str, bytes] = {}
        self._symbols: dict[str, Symbol] = {}

    # -- peripherals ---------------------------------------------------------------

    def _hook(self, address: int, size: int, value: int, cycle: int) -> int:
        if value > 0xFFFFFFFF:  # a read
            return self.io.read(address, size)
        if address == self._cpu.marker and self._cpu.marker:
            self._marks.append((value, cycle))
        else:
            self.io.write(address, size, value)
        return 0

    def request_stop(self) -> None:
        self._cpu.request_stop()

    # -- loading -------------------------------------------------------------------

    def load(self, elf: str | Path) -> None:
        image = read_elf(elf)
        if image.machine != "EM_XTENSA":
            raise ElfLoadError(f"{image.path}: not an Xtensa ELF ({image.machine})")
        for mem in self._mem.values():  # flash from an earlier image goes too
            mem[:] = bytes(len(mem))
        for seg in image.segments:
            region = self.chip.region_at(seg.load_address, len(seg.data))
            if region is None or region.perms == "io":
                raise ElfLoadError(
                    f"{image.path}: segment at 0x{seg.load_address:08x} ({len(seg.data)} bytes) is outside "
                    f"the {self.chip.name}'s memory map; link for its IRAM/DRAM/IROM/DROM"
                )
            off = seg.load_address - region.base
            self._mem[region.name][off : off + len(seg.data)] = seg.data
        for region in self.chip.regions:
            if "x" in region.perms:
                self._cpu.invalidate(region.base, region.size)
        # what every reset puts back: RAM as loaded (code in IRAM included), zeros elsewhere
        self._reset_images = {r.name: bytes(self._mem[r.name]) for r in self.chip.regions if "w" in r.perms}
        self._image = image
        self._symbols = {}
        syms = image.symbols
        self._cpu.marker = syms[MARKER_SYMBOL][0] if MARKER_SYMBOL in syms else 0
        self._cpu.done = syms[DONE_SYMBOL][0] if DONE_SYMBOL in syms else 0
        self._cpu.stack_limit = self._stack_limit(image)
        self.reset()

    def _stack_limit(self, image) -> int:
        """End of static data in DRAM: the linker's ``_end``/``_heap_start``, else the sections' ends."""
        for name in ("_heap_start", "_end"):
            if name in image.symbols:
                return image.symbols[name][0]
        dram = self.chip.regions[0]
        ends = [s.address + s.size for s in image.sections if dram.contains(s.address)]
        return max(ends, default=dram.base)

    def _require(self) -> None:
        if self._image is None:
            raise EmulatorError("no firmware loaded: call load(elf) first")

    # -- state ---------------------------------------------------------------------

    def reset(self) -> None:
        self._require()
        for region in self.chip.regions:
            if "w" in region.perms:
                mem, image = self._mem[region.name], self._reset_images[region.name]
                if "x" in region.perms and mem != image:  # code changed during the run: decode again
                    self._cpu.invalidate(region.base, region.size)
                mem[:] = image
        self._cpu.reset(self._image.entry, self.chip.vecbase)
        self._marks.clear()
        self.io.reset()

    @property
    def cycles(self) -> int:
        return self._cpu.cycles

    @property
    def instructions(self) -> int:
        return self._cpu.instructions

    @property
    def markers(self) -> list[Marker]:
        return [Marker(value, cycle) for value, cycle in self._marks]

    @property
    def stack_low_water(self) -> int | None:
        """The lowest stack pointer an ENTRY or MOVSP set since reset, if any did."""
        return None if self._cpu.sp_min == 0xFFFFFFFF else self._cpu.sp_min

    @property
    def stack_top(self) -> int | None:
        """Where the start-up puts the stack (the linker's ``__stack``), if the image says."""
        if self._image is None or "__stack" not in self._image.symbols:
            return None
        return self._image.symbols["__stack"][0]

    def serial_link(self, **_link_options):
        """UART0 as byte queues (``feed``/``take``/``pending_rx``); a run stops when the firmware
        polls it empty twice in a row. Soft-UART options do not apply."""
        return self.io.uart

    @property
    def stack_limit(self) -> int:
        return self._cpu.stack_limit

    def _locate(self, address: int, size: int) -> tuple[Region, int]:
        region = self.chip.region_at(address, max(size, 1))
        if region is None or region.perms == "io":
            raise EmulatorError(f"0x{address:08x}+{size} is not memory of the {self.chip.name}")
        return region, address - region.base

    def _write_raw(self, address: int, data: bytes) -> None:
        region, off = self._locate(address, len(data))
        self._mem[region.name][off : off + len(data)] = data
        if "x" in region.perms:
            self._cpu.invalidate(address, len(data))

    def mem_read(self, address: int, size: int) -> bytes:
        region, off = self._locate(address, size)
        return bytes(self._mem[region.name][off : off + size])

    def mem_write(self, address: int, data: bytes) -> None:
        self._write_raw(address, bytes(data))

    def reg_read(self, name: str) -> int:
        kind, index = parse(name)
        cpu = self._cpu
        if kind == "pc":
            return cpu.pc
        if kind == "a":  # logical: through the current window
            return cpu.get("a", (cpu.get("sr", SPECIAL["windowbase"]) * 4 + index) % 64)
        if kind == "a_phys":
            return cpu.get("a", index)
        if kind == "b":
            return (cpu.get("sr", SPECIAL["br"]) >> index) & 1
        if kind == "acc":
            return cpu.get("acc", 0) & (2**40 - 1)
        if kind == "sr" and index == SPECIAL["acclo"]:
            return cpu.get("acc", 0) & 0xFFFFFFFF
        if kind == "sr" and index == SPECIAL["acchi"]:
            return (cpu.get("acc", 0) >> 32) & 0xFFFFFFFF
        return cpu.get(kind, index)

    def reg_write(self, name: str, value: int) -> None:
        kind, index = parse(name)
        cpu, value = self._cpu, value & 0xFFFFFFFF if name.lower() != "acc" else value
        if kind == "pc":
            cpu.pc = value
        elif kind == "a":
            cpu.set("a", (cpu.get("sr", SPECIAL["windowbase"]) * 4 + index) % 64, value)
        elif kind == "a_phys":
            cpu.set("a", index, value)
        elif kind == "b":
            br = cpu.get("sr", SPECIAL["br"])
            cpu.set("sr", SPECIAL["br"], (br & ~(1 << index)) | ((value & 1) << index))
        elif kind == "acc":
            cpu.set("acc", 0, value)
        elif kind == "sr" and index in (SPECIAL["acclo"], SPECIAL["acchi"]):
            acc = cpu.get("acc", 0) & (2**40 - 1)
            acc = (
                (acc & ~0xFFFFFFFF) | value if index == SPECIAL["acclo"] else (acc & 0xFFFFFFFF) | (value & 0xFF) << 32
            )
            cpu.set("acc", 0, acc)
        else:
            cpu.set(kind, index, value)

    # -- symbols -------------------------------------------------------------------

    def symbol(self, name: str) -> Symbol:
        if name not in self._symbols:
            if self._image is None or name not in self._image.symbols:
                raise SymbolNotFound(name)
            value, size = self._image.symbols[name]
            region = self.chip.region_at(value)
            space = "code" if region is not None and "x" in region.perms else "data"
            self._symbols[name] = Symbol(name, value, size, space)
        return self._symbols[name]

    def read_symbol(self, name: str, size: int | None = None) -> bytes:
        sym = self.symbol(name)
        return self.mem_read(sym.address, sym.size if size is None else size)

    def write_symbol(self, name: str, data: bytes) -> None:
        sym = self.symbol(name)
        region, _ = self._locate(sym.address, max(len(data), 1))
        if "w" not in region.perms:
            raise EmulatorError(f"{name} is in {region.name}, which the firmware cannot write either")
        if len(data) > sym.size:
            raise EmulatorError(f"{len(data)} bytes do not fit {name} ({sym.size} bytes)")
        self.mem_write(sym.address, data)

    # -- running -------------------------------------------------------------------

    def run(self, until: str | int | None = None, *, max_cycles: int, max_instructions: int | None = None) -> Stop:
        self._require()
        cpu = self._cpu
        if isinstance(until, str):
            until = self.symbol(until).address
        if until is not None:
            region = self.chip.region_at(until)
            if region is None or "x" not in region.perms:
                raise EmulatorError(f"cannot run until 0x{until:08x}: it is not in executable memory (IRAM/IROM)")
        insn_limit = 2**64 - 1 if max_instructions is None else cpu.instructions + max_instructions
        code = cpu.run(cpu.cycles + max_cycles, insn_limit, -1 if until is None else until)
        pc, cycles = cpu.pc, cpu.cycles
        if code in _STOPS:
            return Stop(_STOPS[code], pc, cycles, cpu.instructions)
        if code == _xtcore.STOP_CYCLES:
            raise CycleLimitExceeded(pc, cycles, max_cycles)
        if code in (_xtcore.STOP_ILLEGAL, _xtcore.STOP_WINDOW, _xtcore.STOP_COPROC):
            raise IllegalInstruction(pc, cpu.fault, cycles, self.chip.name, self._why_illegal(code, cpu.fault))
        if code == _xtcore.STOP_STACK:
            raise StackCollision(pc, cycles, cpu.fault, cpu.stack_limit)
        if code == _xtcore.STOP_DIVZERO:
            raise DivideByZero(pc, cycles)
        if code == _xtcore.STOP_ALIGN:
            raise UnalignedAccess(pc, cycles, cpu.fault)
        if code == _xtcore.STOP_CODE_FAULT:
            raise MemoryFault(pc, cycles, cpu.fault, "code" + self._missing(cpu.fault))
        raise MemoryFault(pc, cycles, cpu.fault, self._data_space(cpu.fault))

    def step(self) -> Stop:
        """Execute exactly one instruction."""
        return self.run(max_cycles=64, max_instructions=1)

    def _missing(self, address: int) -> str:
        """What the chip has at an address the core does not model, for the fault message."""
        region = next((r for r in self.chip.not_emulated if r.contains(address)), None)
        return f" (the {self.chip.name}'s {region.name}, not emulated)" if region else ""

    def _data_space(self, address: int) -> str:
        region = self.chip.region_at(address)
        if region is None:
            return "data" + self._missing(address)
        if region.word_only:
            return f"{region.name} (32-bit accesses only)"
        return f"{region.name} (read-only)"

    def _why_illegal(self, code: int, word: int) -> str:
        if code == _xtcore.STOP_COPROC:
            return "an FPU instruction with CPENABLE.CP0 clear (the coprocessor-disabled exception is not emulated)"
        ins = decode(word)
        if code == _xtcore.STOP_WINDOW:
            what = ins.name if ins else "a window instruction"
            return (
                f"{what} in a state the ISA forbids (PS.WOE/EXCM, frame sizes, or a MOVSP needing an alloca exception)"
            )
        if ins is None:
            return "no instruction of the ESP32's LX6 configuration has this encoding"
        if ins.handler == "UNEMULATED":
            return f"{ins.name} (an FP reciprocal approximation) is not emulated yet"
        if ins.name in ("ILL", "ILL.N"):
            return f"{ins.name}, the illegal instruction"
        if ins.handler == "ILLEGAL":
            return f"{ins.name} raises an exception the emulator does not vector"
        return f"{ins.name} names a special or user register the configuration lacks, or is not emulated"
