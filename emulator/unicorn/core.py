"""UnicornCore: the Core interface (emulator/core.py) over unicorn, with estimated cycles.

One load serves many input vectors: ``reset`` restores the CPU context saved at load, clears
RAM, the counters and the peripherals, and keeps flash, the translated code and the block
costs. The chip's UART and cycle counter (peripherals.py) are mapped as MMIO; a run also
ends (StopReason.PERIPHERAL) when the firmware polls an empty receiver. Every
``emu_start`` gets the same non-zero instruction ``count`` and the same exits; unicorn 2.1
bakes both into translated code, so the translation cache is flushed when either changes
(single-stepping, a run to another address). All hooks are added at load, before any run.
"""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path

from unicorn import (
    UC_ARCH_RISCV,
    UC_HOOK_INTR,
    UC_HOOK_MEM_INVALID,
    UC_QUERY_TIMEOUT,
    Uc,
    UcError,
)

from ..core import CycleProvenance, Marker, Stop, StopReason, Symbol
from ..errors import CycleLimitExceeded, EmulatorError, SymbolNotFound
from ..harness import DONE_SYMBOL
from . import faults, native
from .blocks import BlockCost, BlockCosts
from .chips import CHIPS, WRITE, Chip
from .cores import CORES
from .loader import load_image, map_memory, region_of
from .peripherals import IO_MODELS, ChipIO

MARKER_SYMBOL = "hsk_emu_marker"  # emu_main.c: the word written 1 and 2 around the inference
BOOT2_SYMBOL = "hsk_boot2"  # firmware/system/rp2040_boot2.S: the RP2040's second boot stage


class UnicornCore:
    """An emulated RISC-V or Cortex-M chip (see ``emulator.unicorn.chips.CHIPS``)."""

    cycle_provenance = CycleProvenance.ESTIMATE

    def __init__(self, chip: Chip | str, *, instruction_limit: int = 10**9, timeout: float | None = None):
        """``instruction_limit`` bounds every run (unicorn's ``count``); ``timeout`` adds a wall-clock
        bound in seconds, off by default because unicorn starts a timer thread per run (about
        0.7 ms, more than an inference)."""
        if isinstance(chip, str):
            if chip not in CHIPS:
                raise EmulatorError(f"unknown chip {chip!r}; known: {', '.join(CHIPS)}")
            chip = CHIPS[chip]
        self.chip = chip
        self.model = CORES[chip.core]
        self.arch = "riscv" if self.model.arch == UC_ARCH_RISCV else "arm"
        self.instruction_limit = instruction_limit
        self.timeout = timeout
        self._uc: Uc | None = None
        self._markers: list[Marker] = []
        self.io: ChipIO | None = None  # the chip's UART and cycle counter, where modelled
        self._io_pc = 0

    # What callers of every core may ask (emulator.core.Core): unicorn tracks no stack pointer.
    stack_low_water = None
    stack_top = None

    def serial_link(self, **_link_options) -> _SerialLink:
        """The firmware's UART (``feed``/``take``/``pending_rx``), valid across loads: the chip's
        peripherals are created when a firmware is loaded. Options for soft UARTs do not apply."""
        if self.chip.name not in IO_MODELS:
            raise EmulatorError(f"no UART is modelled for {self.chip.name}")
        return _SerialLink(self)

    # -- loading -------------------------------------------------------------------

    def load(self, elf: str | Path) -> None:
        image = load_image(elf, self.model, self.chip)
        uc = Uc(self.model.arch, self.model.mode, self.model.cpu)
        self._buffers = map_memory(uc, self.chip, image)
        self._image = image
        # segments that load straight into RAM (no startup copy from flash) come back at every reset
        self._ram_segments = [s for s in image.elf.segments if region_of(self.chip, s.load_address).perms & WRITE]
        self._blocks = BlockCosts(self.model.decoder(), self.model.costs, lambda a, n: bytes(uc.mem_read(a, n)))
        marker = image.elf.symbols[MARKER_SYMBOL][0] if MARKER_SYMBOL in image.elf.symbols else None
        code = (image.code_start, image.code_end)
        self._counter = native.attach(uc, code, self._blocks.classify, self.model.pc, marker)
        uc.hook_add(UC_HOOK_INTR, self._on_exception)
        uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid)
        self._map_io(uc)
        uc.ctl_exits_enabled(True)  # a run ends at hsk_emu_done or at the address asked for, whichever comes first
        self._uc = uc
        self._done = self.symbol(DONE_SYMBOL).address if DONE_SYMBOL in image.elf.symbols else None
        self._context = uc.context_save()
        self._compiled_for: tuple[int, tuple[int, ...]] | None = None
        self.reset()

    def _require(self) -> Uc:
        if self._uc is None:
            raise EmulatorError("no firmware loaded: call load(elf) first")
        return self._uc

    # -- state ---------------------------------------------------------------------

    def reset(self) -> None:
        uc = self._require()
        uc.context_restore(self._context)
        for buf in self._buffers.values():
            ctypes.memset(buf, 0, len(buf))
        for seg in self._ram_segments:
            self.mem_write(seg.load_address, seg.data)
        self._counter.reset()
        self._markers.clear()
        if self.io is not None:
            self.io.reset()
        if self.model.thumb and self._boots_via_boot2():
            # as the RP2040's boot ROM does: run the boot2 block at the start of flash (it sets up
            # the flash interface and enters the application through its vector table)
            pc = self._image.code_start
            ram = self.chip.region("ram")
            uc.reg_write(self.model.sp, ram.base + ram.size)
        elif self.model.thumb:  # the vector table at the start of the image: initial SP, reset handler
            sp, pc = struct.unpack("<II", uc.mem_read(self._image.code_start, 8))
            uc.reg_write(self.model.sp, sp)
        else:
            pc = self._image.elf.entry
        uc.reg_write(self.model.pc, pc)

    def _boots_via_boot2(self) -> bool:
        found = self._image.elf.symbols.get(BOOT2_SYMBOL)
        return found is not None and found[0] & ~1 == self._image.code_start

    @property
    def cycles(self) -> int:
        return self._counter.cycles if self._uc else 0

    @property
    def instructions(self) -> int:
        return self._counter.instructions if self._uc else 0

    @property
    def markers(self) -> list[Marker]:
        return list(self._markers)

    @property
    def blocks_costed(self) -> int:
        """Basic blocks disassembled and costed since load (each once)."""
        return len(self._blocks) if self._uc else 0

    def mem_read(self, address: int, size: int) -> bytes:
        region = self._region(address, size)
        if region.name in self._buffers:
            offset = address - region.base
            return bytes(self._buffers[region.name][offset : offset + size])
        return bytes(self._require().mem_read(address, size))

    def mem_write(self, address: int, data: bytes) -> None:
        region = self._region(address, len(data))
        if not region.perms & WRITE:
            raise EmulatorError(f"0x{address:08x} is in {region.name}, which is read-only; load another image instead")
        offset = address - region.base
        self._buffers[region.name][offset : offset + len(data)] = data

    def _region(self, address: int, size: int):
        self._require()
        region = region_of(self.chip, address, size)
        if region is None or size < 0:
            raise EmulatorError(f"0x{address:08x}+{size} is not mapped on {self.chip.name}")
        return region

    def reg_read(self, name: str) -> int:
        return self._require().reg_read(self._register(name))

    def reg_write(self, name: str, value: int) -> None:
        self._require().reg_write(self._register(name), value)

    def _register(self, name: str) -> int:
        reg = self.model.registers.get(name.lower())
        if reg is None:
            raise EmulatorError(f"unknown {self.model.name} register {name!r}")
        return reg

    # -- symbols -------------------------------------------------------------------

    def symbol(self, name: str) -> Symbol:
        image = self._image if self._uc else None
        if image is None or name not in image.elf.symbols:
            raise SymbolNotFound(name)
        value, size = image.elf.symbols[name]
        if name in image.functions:
            return Symbol(name, value & ~1 if self.model.thumb else value, size, "code")
        return Symbol(name, value, size, "data")

    def read_symbol(self, name: str, size: int | None = None) -> bytes:
        sym = self.symbol(name)
        return self.mem_read(sym.address, sym.size if size is None else size)

    def write_symbol(self, name: str, data: bytes) -> None:
        sym = self.symbol(name)
        if len(data) > sym.size:
            raise EmulatorError(f"{len(data)} bytes do not fit {name} ({sym.size} bytes)")
        self.mem_write(sym.address, data)

    # -- running -------------------------------------------------------------------

    def run(self, until: str | int | None = None, *, max_cycles: int, max_instructions: int | None = None) -> Stop:
        """Run to ``until`` (a symbol or address) or to ``hsk_emu_done`` (StopReason.HALT), whichever
        comes first. Raises ``CycleLimitExceeded`` after ``max_cycles`` estimated cycles (checked
        per basic block), and a ``CpuFault`` for anything else that ends the run."""
        uc = self._require()
        done = self._done
        target = self.symbol(until).address if isinstance(until, str) else until
        if target is not None and self.model.thumb:
            target &= ~1  # a Thumb function pointer names the same instruction
        exits = tuple(sorted({a for a in (done, target) if a is not None}))
        if not exits and self.io is None:
            raise EmulatorError(f"the firmware has no {DONE_SYMBOL}; name where to stop with until=")
        count = self.instruction_limit if max_instructions is None else max_instructions
        if self.io is not None:
            self.io.idle = False
        if (count, exits) != self._compiled_for:
            uc.ctl_set_exits(list(exits))
            uc.ctl_flush_tb()
            self._compiled_for = (count, exits)
        self._counter.cycle_limit = self._counter.cycles + max_cycles
        self._counter.stop = native.STOP_NONE
        self._exception = self._access = None
        error = None
        try:
            uc.emu_start(self._pc(), 0, timeout=int((self.timeout or 0) * 1e6), count=count)
        except UcError as e:
            error = e
        self._take_markers()
        pc = uc.reg_read(self.model.pc)
        if self._exception is not None and self.model.exception_pc_after:
            pc = self._current_block().previous(pc)
            uc.reg_write(self.model.pc, pc)
        self._settle(pc)
        self._raise_fault(pc, error)
        if self.io is not None and self.io.idle and pc not in exits:
            return Stop(StopReason.PERIPHERAL, pc, self.cycles, self.instructions)
        if pc not in exits:
            if self._counter.stop == native.STOP_CYCLES:
                raise CycleLimitExceeded(pc, self.cycles, max_cycles)
            if uc.query(UC_QUERY_TIMEOUT):
                raise faults.RunTimeout(pc, self.cycles, self.timeout)
            if max_instructions is None:
                raise faults.InstructionLimitExceeded(pc, self.cycles, count)
        if self._counter.dropped:
            raise EmulatorError(
                f"the firmware wrote {MARKER_SYMBOL} more than {len(self._markers)} times since reset; "
                "it marks the start and end of one inference"
            )
        reason = StopReason.HALT if pc == done else StopReason.UNTIL if pc in exits else StopReason.COUNT
        return Stop(reason, pc, self.cycles, self.instructions)

    def step(self) -> Stop:
        """Execute exactly one instruction."""
        return self.run(max_cycles=1 << 20, max_instructions=1)

    def _pc(self) -> int:
        pc = self._require().reg_read(self.model.pc)
        return pc | 1 if self.model.thumb else pc

    def _settle(self, pc: int) -> None:
        """Counters as of ``pc`` when the run stopped inside the block the hook charged in full."""
        c = self._counter
        if c.stop == native.STOP_OUTSIDE or not c.block_address <= pc < c.prev_end:
            return
        k, before = self._current_block().position(pc)
        c.instructions, c.cycles = c.block_instructions + k, c.block_cycles + before
        c.prev_end, c.pending = pc, 0  # resuming at pc continues this block, no branch taken

    def _take_markers(self) -> None:
        """Marker writes at the cycle count when the writing instruction began, like the AVR core's."""
        for value, pc, start, end, cycles in self._counter.take_marks():
            self._markers.append(Marker(value, cycles + self._blocks.block(start, end - start).position(pc)[1]))

    def _current_block(self) -> BlockCost:
        """The block the native hook charged last."""
        c = self._counter
        return self._blocks.block(c.block_address, c.prev_end - c.block_address)

    def _raise_fault(self, pc: int, error: UcError | None) -> None:
        c, model = self._counter, self.model
        if c.stop == native.STOP_ERROR:
            raise c.take_error()
        if c.stop == native.STOP_OUTSIDE:
            raise faults.OutsideCode(c.block_address, c.cycles, self._image.code_start, self._image.code_end)
        if self._access is not None:
            region = region_of(self.chip, self._access.address)
            raise faults.memory_fault(self._access, pc, c.cycles, region.name if region else None)
        if self._exception is not None:
            raise faults.exception_fault(self._exception, pc, c.cycles, model, self._opcode(pc))
        if error is not None:
            raise faults.error_fault(error.errno, pc, c.cycles, model, self._opcode(pc))

    def _opcode(self, pc: int) -> int:
        try:
            return int.from_bytes(self._require().mem_read(pc, 4), "little")
        except UcError:
            return 0

    # -- peripherals -----------------------------------------------------------------

    def _map_io(self, uc: Uc) -> None:
        model = IO_MODELS.get(self.chip.name)
        if model is None:
            return
        self.io = io = model(self._cycles_at_io)

        def read(uc, offset, _size, base):
            self._io_pc = uc.reg_read(self.model.pc)
            value = io.read(base + offset)
            if io.idle:
                uc.emu_stop()  # polled an empty receiver: the host has to send first
            return value & 0xFFFFFFFF

        def write(uc, offset, _size, value, base):
            self._io_pc = uc.reg_read(self.model.pc)
            io.write(base + offset, value)

        for base, size in io.windows:
            uc.mmio_map(base, size, read, base, write, base)

    def _cycles_at_io(self) -> int:
        """Estimated cycles when the instruction at ``_io_pc`` (in the running block) began."""
        c = self._counter
        if c.block_address <= self._io_pc < c.prev_end:
            return c.block_cycles + self._current_block().position(self._io_pc)[1]
        return c.cycles

    def _csr(self, uc: Uc) -> bool:
        """Execute a CSR instruction the CPU model lacks but the chip has (the ESP32-C3's
        performance counter); unicorn reports it as illegal with the PC of the next instruction."""
        pc = uc.reg_read(self.model.pc) - 4
        insn = int.from_bytes(uc.mem_read(pc, 4), "little")
        funct3, rd, rs1, csr = (insn >> 12) & 7, (insn >> 7) & 31, (insn >> 15) & 31, insn >> 20
        if insn & 0x7F != 0x73 or funct3 in (0, 4):  # not csrrw/s/c(i)
            return False
        self._io_pc = pc
        old = self.io.csr_read(csr)
        if old is None:
            return False
        operand = rs1 if funct3 >= 5 else uc.reg_read(self.model.registers[f"x{rs1}"])
        op = funct3 & 3  # 1 write, 2 set bits, 3 clear bits; set/clear with x0 or 0 write nothing
        if op == 1 or rs1:
            new = operand if op == 1 else old | operand if op == 2 else old & ~operand
            if not self.io.csr_write(csr, new & 0xFFFFFFFF):
                return False
        if rd:
            uc.reg_write(self.model.registers[f"x{rd}"], old)
        return True

    # -- hooks (Python: they fire when a run ends in a fault, or on a CSR the CPU model lacks) --

    def _on_exception(self, uc: Uc, number: int, _user) -> None:
        if number == 2 and self.io is not None and not self.model.thumb and self._csr(uc):
            return  # handled: execution goes on at the next instruction
        self._exception = number
        uc.emu_stop()

    def _on_invalid(self, uc: Uc, kind: int, address: int, _size, _value, _user) -> bool:
        self._access = faults.Access(kind, address)
        return False  # not handled: unicorn stops with the error


class _SerialLink:
    """The UART of whatever firmware the core has loaded (see ``UnicornCore.serial_link``)."""

    def __init__(self, core: UnicornCore):
        self._core = core

    def _uart(self):
        if self._core.io is None:
            raise EmulatorError("load a firmware before using the serial link")
        return self._core.io.uart

    def feed(self, data: bytes) -> None:
        self._uart().feed(data)

    def take(self) -> bytes:
        return self._uart().take()

    @property
    def pending_rx(self) -> int:
        return self._uart().pending_rx
