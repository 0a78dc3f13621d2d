"""AvrCore: the Core interface over the C execution loop for one AVR MCU.

Python owns the memories (flash image, data space) and the tables (opcode id per flash
word, cycle costs, hooked I/O addresses); ``_avrcore.Cpu`` only executes, with the MCU's
16-bit timers and its interrupts (emulated in C, from the data in ``mcu.py``). One loaded
image runs over many input vectors: ``reset()`` clears RAM, counters and peripherals and
keeps flash.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

from ..core import CycleProvenance, Marker, Stop, StopReason, Symbol
from ..elf import ElfImage, read_elf
from ..errors import (
    CycleLimitExceeded,
    ElfLoadError,
    EmulatorError,
    IllegalInstruction,
    MemoryFault,
    StackCollision,
    SymbolNotFound,
    UnsupportedPeripheral,
)
from . import _avrcore
from .bus import ReadHook, WriteHook
from .cycles import Cost, expand
from .isa import BY_NAME, OP_ID, decode, decode_table
from .mcu import MCUS, Mcu
from .usart import Usart

DATA_BASE = 0x800000  # avr-ld puts the data space at this offset in ELF addresses
DATA_END = 0x810000  # EEPROM, fuses and lock bits come after it

_STOPS = {
    _avrcore.STOP_UNTIL: StopReason.UNTIL,
    _avrcore.STOP_HALT: StopReason.HALT,
    _avrcore.STOP_SLEEP: StopReason.SLEEP,
    _avrcore.STOP_BREAK: StopReason.BREAK,
    _avrcore.STOP_COUNT: StopReason.COUNT,
    _avrcore.STOP_PERIPHERAL: StopReason.PERIPHERAL,
}
_REGISTER_PAIRS = {"x": 26, "y": 28, "z": 30}


@cache
def _core_tables(cycles: tuple[tuple[str, Cost], ...]) -> tuple[np.ndarray, np.ndarray]:
    """The decode table restricted to this core's instruction set, and its cost table
    (rows: base, taken branch or one-word skip, two-word skip; columns: opcode id)."""
    supported = np.zeros(256, dtype=bool)
    costs = np.zeros((3, 256), dtype=np.uint8)
    for name, cost in cycles:
        supported[OP_ID[name]] = True
        costs[:, OP_ID[name]] = expand(cost)
    full = decode_table()
    return np.where(supported[full], full, 0).astype(np.uint8), costs


@cache
def _two_word_table() -> np.ndarray:
    """1 for the first word of every two-word instruction, on any core (skips jump over them)."""
    wide = np.zeros(256, dtype=np.uint8)
    for ins in BY_NAME.values():
        wide[OP_ID[ins.name]] = ins.words == 2
    return wide[decode_table()]


class AvrCore:
    """A cycle-exact AVR core for one MCU (see ``emulator.avr.mcu.MCUS``).

    Interrupts follow the MCU's ``interrupt_timing``: the datasheet's by default;
    ``dataclasses.replace(mcu, interrupt_timing=SIMAVR_TIMING)`` gives simavr's, to compare
    cycle for cycle with it.
    """

    arch = "avr"
    cycle_provenance = CycleProvenance.EXACT

    def __init__(self, mcu: Mcu | str):
        if isinstance(mcu, str):
            if mcu not in MCUS:
                raise EmulatorError(f"unknown AVR MCU {mcu!r}; known: {', '.join(MCUS)}")
            mcu = MCUS[mcu]
        self.mcu = mcu
        self._data = bytearray(mcu.ramend + 1)
        self._blank = bytes(len(self._data))
        self._ops, self._costs = _core_tables(tuple(sorted(mcu.cycles.items())))
        self._cpu: _avrcore.Cpu | None = None
        self._image: ElfImage | None = None
        self._symbols: dict[str, Symbol] = {}
        self._flash = b""
        self._read_hooks: dict[int, ReadHook] = {}
        self._write_hooks: dict[int, WriteHook] = {}
        self._marks: list[tuple[int, int]] = []  # (value, cycle); Marker objects only when asked for
        self._resets: list[Callable[[], None]] = []
        self.attach(mcu.gpior0, write=lambda value, cycle: self._marks.append((value, cycle)))
        self.usart = Usart(self, mcu.usart0, self._data) if mcu.usart0 else None

    # -- peripherals ---------------------------------------------------------------

    def attach(self, address: int, *, read: ReadHook | None = None, write: WriteHook | None = None) -> None:
        """Hook a peripheral onto an I/O data address; the hooks are wired into the loop by ``load``."""
        if self._cpu is not None:
            raise EmulatorError("attach peripherals before load()")
        if not 0x20 <= address < self.mcu.io_end or address in (self.mcu.sreg, self.mcu.spl, self.mcu.sph):
            raise EmulatorError(f"0x{address:02x} is not a peripheral I/O address on {self.mcu.name}")
        if any(address in timer.registers for timer in self.mcu.timers16):
            raise EmulatorError(f"0x{address:02x} is a timer register, which the core emulates itself")
        if read:
            self._read_hooks[address] = read
        if write:
            self._write_hooks[address] = write

    def on_reset(self, callback: Callable[[], None]) -> None:
        """For peripherals: ``callback`` runs at every ``reset()`` (and so at ``load``)."""
        self._resets.append(callback)

    def read_hook_enabled(self, address: int, enabled: bool) -> None:
        """For peripherals, after ``load``: switch an attached read hook off (reads then return the
        data space's byte, which the peripheral keeps up to date) and on again. A soft UART feeding
        bytes does this, so that a firmware polling its pin costs no call into Python per read."""
        if address not in self._read_hooks:
            raise EmulatorError(f"no read hook attached at 0x{address:02x}")
        self._require()
        if enabled:
            self._hooked[address] |= _avrcore.HOOK_READ
        else:
            self._hooked[address] &= ~_avrcore.HOOK_READ & 0xFF

    def run_to_cycle(self, cycle: int) -> Stop | None:
        """Run until the cycle count reaches ``cycle`` (at the instruction boundary at or just after
        it): None when it got there, else the Stop that came first. Faults raise as in ``run``."""
        cpu = self._require()
        code = cpu.run(max(cycle, cpu.cycles), 2**64 - 1, -1)
        if code == _avrcore.STOP_CYCLES:
            return None
        return self._stop(code, cycle - cpu.cycles)

    def request_stop(self) -> None:
        """For peripherals: end the run after the current instruction (StopReason.PERIPHERAL)."""
        self._require().request_stop()

    def _hook(self, address: int, value: int, cycle: int) -> int | None:
        if value < 0:
            return self._read_hooks[address](cycle)
        self._write_hooks[address](value, cycle)
        return None

    # -- loading -------------------------------------------------------------------

    def load(self, elf: str | Path) -> None:
        image = read_elf(elf)
        if image.machine != "EM_AVR":
            raise ElfLoadError(f"{image.path}: not an AVR ELF ({image.machine})")
        arch = image.flags & 0x7F
        if arch != self.mcu.elf_arch:
            raise ElfLoadError(
                f"{image.path}: built for AVR architecture {arch}, but {self.mcu.name} is "
                f"{self.mcu.arch} ({self.mcu.elf_arch}); rebuild with -mmcu={self.mcu.name}"
            )
        flash = bytearray(b"\xff" * self.mcu.flash_size)  # erased flash decodes as illegal
        for seg in image.segments:
            if seg.load_address >= DATA_BASE:
                continue  # EEPROM, fuses, signature: not program memory
            end = seg.load_address + len(seg.data)
            if end > len(flash):
                raise ElfLoadError(f"{image.path}: {end} bytes of program do not fit {self.mcu.name}'s {len(flash)}")
            flash[seg.load_address : end] = seg.data
        hooked = bytearray(self.mcu.io_end)
        for address in self._read_hooks:
            hooked[address] |= _avrcore.HOOK_READ
        for address in self._write_hooks:
            hooked[address] |= _avrcore.HOOK_WRITE
        timers = sorted(self.mcu.timers16, key=lambda t: t.overflow_vector)  # the first pending wins
        for timer in timers:
            for address in timer.registers[:1] + timer.registers[2:]:  # TCNTnH is plain memory: TEMP
                hooked[address] |= _avrcore.HOOK_NATIVE
        timing = self.mcu.interrupt_timing
        self._flash = bytes(flash)
        self._cpu = _avrcore.Cpu(
            code=self._pack(self._flash),
            flash=self._flash,
            data=self._data,
            costs=self._costs.tobytes(),
            hooked=hooked,  # live: read_hook_enabled() switches a read hook off and on
            hook=self._hook,
            layout=(self.mcu.sreg, self.mcu.sph, self.mcu.spl, self.mcu.io_end, self.mcu.ramend,
                    self._stack_limit(image)),
            timers=[(t.tcntl, t.tccra, t.tccrb, t.tifr, t.timsk, t.tov, t.overflow_vector, t.prescalers)
                    for t in timers],
            interrupts=(self.mcu.vector_words, timing.entry_cycles, timing.after_i_set, timing.wake_cycles),
        )  # fmt: skip
        self._hooked = hooked
        self._image = image
        self._symbols = {}
        self.reset()

    def _pack(self, flash: bytes) -> bytes:
        """One 32-bit entry per flash word: the word, its opcode id on this core, the base
        cycle count and a two-word flag (the layout the loop reads, see cpu.h)."""
        words = np.frombuffer(flash, dtype="<u2").astype(np.uint32)
        ops = self._ops[words].astype(np.uint32)
        base = self._costs[0][ops].astype(np.uint32)
        wide = _two_word_table()[words].astype(np.uint32)
        return (words | ops << 16 | base << 24 | wide << 28).astype("<u4").tobytes()

    def _stack_limit(self, image: ElfImage) -> int:
        """End of static data (.data, .bss, .noinit): avr-ld's ``_end``, else the sections' ends."""
        if "_end" in image.symbols:
            end = image.symbols["_end"][0] - DATA_BASE
        else:
            ends = [s.address + s.size - DATA_BASE for s in image.sections if DATA_BASE <= s.address < DATA_END]
            end = max(ends, default=0)
        return max(end, self.mcu.sram_start)

    def _require(self) -> _avrcore.Cpu:
        if self._cpu is None:
            raise EmulatorError("no firmware loaded: call load(elf) first")
        return self._cpu

    # -- state ---------------------------------------------------------------------

    def reset(self) -> None:
        cpu = self._require()
        self._data[:] = self._blank
        ramend = self.mcu.ramend
        self._data[self.mcu.spl], self._data[self.mcu.sph] = ramend & 0xFF, ramend >> 8
        cpu.pc = cpu.cycles = cpu.instructions = 0
        cpu.sp_min = ramend
        cpu.reset_peripherals()
        self._marks.clear()
        if self.usart:
            self.usart.reset()
        for callback in self._resets:
            callback()

    @property
    def cycles(self) -> int:
        return self._cpu.cycles if self._cpu else 0

    @property
    def instructions(self) -> int:
        return self._cpu.instructions if self._cpu else 0

    @property
    def markers(self) -> list[Marker]:
        return [Marker(value, cycle) for value, cycle in self._marks]

    @property
    def stack_low_water(self) -> int:
        """The lowest stack pointer seen since reset (after pushes, calls and SPL writes)."""
        return self._cpu.sp_min if self._cpu else self.mcu.ramend

    @property
    def stack_top(self) -> int:
        """Where the stack starts (RAMEND; it grows down), so the measured depth is top - low water."""
        return self.mcu.ramend

    def serial_link(self, *, clock_hz: int | None = None, baud: int | None = None, soft_uart_pins=None):
        """The firmware's serial link (``feed``/``take``/``pending_rx``): the USART where the MCU has
        one, else a UART bit-banged on the PORTB pins ``soft_uart_pins`` = (TX bit, RX bit) at
        ``baud`` on a ``clock_hz`` clock. Call before ``load``: the soft UART hooks the port."""
        if self.usart is not None:
            return self.usart
        if soft_uart_pins is None or clock_hz is None or baud is None:
            raise EmulatorError(
                f"{self.mcu.name} has no USART: a software UART needs its pins, the clock and the baud rate"
            )
        from .softuart import SoftUart

        tx, rx = soft_uart_pins
        return SoftUart(self, tx_bit=tx, rx_bit=rx, clock_hz=clock_hz, baud=baud)

    @property
    def stack_limit(self) -> int:
        """Stack bytes must lie at or above this address: the end of static data."""
        return self._cpu.stack_limit if self._cpu else self.mcu.sram_start

    @property
    def flash(self) -> bytes:
        return self._flash

    def mem_read(self, address: int, size: int) -> bytes:
        self._check_data(address, size)
        return bytes(self._data[address : address + size])

    def mem_write(self, address: int, data: bytes) -> None:
        self._check_data(address, len(data))
        self._data[address : address + len(data)] = data

    def _check_data(self, address: int, size: int) -> None:
        if address < 0 or size < 0 or address + size > len(self._data):
            raise EmulatorError(f"data range 0x{address:x}+{size} outside 0..0x{len(self._data) - 1:x}")

    def reg_read(self, name: str) -> int:
        name, cpu, d = name.lower(), self._require(), self._data
        if name == "pc":
            return cpu.pc * 2
        if name == "sp":
            return d[self.mcu.spl] | d[self.mcu.sph] << 8
        if name == "sreg":
            return d[self.mcu.sreg]
        if name in _REGISTER_PAIRS:
            lo = _REGISTER_PAIRS[name]
            return d[lo] | d[lo + 1] << 8
        return d[self._register_index(name)]

    def reg_write(self, name: str, value: int) -> None:
        name, cpu, d = name.lower(), self._require(), self._data
        if name == "pc":
            cpu.pc = (value // 2) & (self.mcu.flash_size // 2 - 1)
        elif name == "sp":
            d[self.mcu.spl], d[self.mcu.sph] = value & 0xFF, (value >> 8) & 0xFF
        elif name == "sreg":
            d[self.mcu.sreg] = value & 0xFF
        elif name in _REGISTER_PAIRS:
            lo = _REGISTER_PAIRS[name]
            d[lo], d[lo + 1] = value & 0xFF, (value >> 8) & 0xFF
        else:
            d[self._register_index(name)] = value & 0xFF

    @staticmethod
    def _register_index(name: str) -> int:
        if name.startswith("r") and name[1:].isdigit() and int(name[1:]) < 32:
            return int(name[1:])
        raise EmulatorError(f"unknown AVR register {name!r} (r0..r31, x, y, z, sp, sreg, pc)")

    # -- symbols -------------------------------------------------------------------

    def symbol(self, name: str) -> Symbol:
        if name not in self._symbols:
            if self._image is None or name not in self._image.symbols:
                raise SymbolNotFound(name)
            value, size = self._image.symbols[name]
            if DATA_BASE <= value < DATA_END:
                self._symbols[name] = Symbol(name, value - DATA_BASE, size, "data")
            else:
                self._symbols[name] = Symbol(name, value, size, "code")
        return self._symbols[name]

    def read_symbol(self, name: str, size: int | None = None) -> bytes:
        sym = self.symbol(name)
        size = sym.size if size is None else size
        if sym.space == "code":
            return self._flash[sym.address : sym.address + size]
        return self.mem_read(sym.address, size)

    def write_symbol(self, name: str, data: bytes) -> None:
        sym = self.symbol(name)
        if sym.space == "code":
            raise EmulatorError(f"{name} is in flash, which the core does not write")
        if len(data) > sym.size:
            raise EmulatorError(f"{len(data)} bytes do not fit {name} ({sym.size} bytes)")
        self.mem_write(sym.address, data)

    # -- running -------------------------------------------------------------------

    def run(self, until: str | int | None = None, *, max_cycles: int, max_instructions: int | None = None) -> Stop:
        cpu = self._require()
        if isinstance(until, str):
            target = self.symbol(until)
            if target.space != "code":
                raise EmulatorError(f"cannot run until {until}: it is data, not code")
            until = target.address
        until_word = -1 if until is None else until // 2
        insn_limit = 2**64 - 1 if max_instructions is None else cpu.instructions + max_instructions
        code = cpu.run(cpu.cycles + max_cycles, insn_limit, until_word)
        return self._stop(code, max_cycles)

    def _stop(self, code: int, max_cycles: int) -> Stop:
        cpu = self._require()
        pc, cycles = cpu.pc * 2, cpu.cycles
        if code in _STOPS:
            return Stop(_STOPS[code], pc, cycles, cpu.instructions)
        if code == _avrcore.STOP_CYCLES:
            raise CycleLimitExceeded(pc, cycles, max_cycles)
        if code == _avrcore.STOP_ILLEGAL:
            raise IllegalInstruction(pc, cpu.fault, cycles, self.mcu.name, self._why_illegal(cpu.fault))
        if code == _avrcore.STOP_STACK:
            raise StackCollision(pc, cycles, cpu.fault, cpu.stack_limit)
        if code == _avrcore.STOP_UNSUPPORTED:
            raise UnsupportedPeripheral(pc, cycles, self._timer_setup(cpu.fault))
        space = "data" if code == _avrcore.STOP_DATA_FAULT else "flash"
        raise MemoryFault(pc, cycles, cpu.fault, space)

    def step(self) -> Stop:
        """Execute exactly one instruction."""
        return self.run(max_cycles=16, max_instructions=1)

    def _timer_setup(self, tccrb: int) -> str:
        timer = next(t for t in self.mcu.timers16 if t.tccrb == tccrb)
        a, b = self._data[timer.tccra], self._data[tccrb]
        wgm, cs = (a & 3) | (b >> 1 & 0xC), b & 7
        return (
            f"timer with TCCRnB at 0x{tccrb:02x} started with WGM={wgm}, CS={cs}; only normal mode (WGM=0)"
            " on the internal clock (CS=1..5) is emulated"
        )

    def _why_illegal(self, opcode: int) -> str:
        hit = decode(opcode)
        if hit is None:
            return "no instruction this core implements has this encoding (erased flash reads 0xffff)"
        return f"{hit[0].name} is not in the {self.mcu.arch} instruction set"
