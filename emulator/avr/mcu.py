"""Per-MCU memory maps, peripherals and interrupt timing as data (from the ATtiny85 and
ATmega328P datasheets).

Addresses are data-space addresses (I/O address + 0x20). Chip differences are data here,
never a subclass: a new MCU is one more ``Mcu(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .cycles import AVRE, AVRE_PLUS, Cost


@dataclass(frozen=True)
class UsartMap:
    ucsra: int
    ucsrb: int
    ucsrc: int
    ubrrl: int
    ubrrh: int
    udr: int


@dataclass(frozen=True)
class PortMap:
    """A general-purpose I/O port: its input pins, data direction and output registers."""

    pin: int
    ddr: int
    port: int


@dataclass(frozen=True)
class Timer16Map:
    """A 16-bit Timer/Counter, emulated in normal mode (WGM = 0) on the internal clock.

    Its high count byte sits at ``tcntl + 1`` and is the TEMP register as the CPU sees it:
    reading TCNTnL latches the high byte there, writing TCNTnL takes the high byte from there.
    """

    tcntl: int
    tccra: int  # WGMn1:0 in bits 1:0
    tccrb: int  # WGMn3:2 in bits 4:3, CSn2:0 in bits 2:0
    tifr: int  # write one to clear
    timsk: int
    tov: int  # the TOVn bit in TIFRn, and TOIEn at the same place in TIMSKn
    overflow_vector: int  # vector number of TIMERn_OVF
    prescalers: tuple[int, ...]  # CPU cycles per count for CSn = 0..7; 0: stopped or an external clock

    @property
    def registers(self) -> tuple[int, ...]:
        return self.tcntl, self.tcntl + 1, self.tccra, self.tccrb, self.tifr, self.timsk


@dataclass(frozen=True)
class InterruptTiming:
    entry_cycles: int  # from the end of the interrupted instruction to the vector's first instruction
    after_i_set: int  # instructions run after I goes 0 -> 1 (SEI, RETI, a SREG write) before a pending interrupt
    wake_cycles: int  # added to the response when the interrupt wakes the CPU from sleep


# The ATmega328P datasheet ("Reset and Interrupt Handling", "Interrupt Response Time"): four
# cycles to push the 2-byte PC and clear I, one more instruction after SEI or RETI, four more
# cycles out of sleep (idle mode: no oscillator start-up).
DATASHEET_TIMING = InterruptTiming(entry_cycles=4, after_i_set=1, wake_cycles=4)

# simavr 1.6 (the oracle; measured, and read from its interrupt code): the vector's first
# instruction starts at the boundary where the interrupt is taken, two instructions run after
# I is set, and a wake-up lands one cycle after the waking event.
SIMAVR_TIMING = InterruptTiming(entry_cycles=0, after_i_set=2, wake_cycles=1)


@dataclass(frozen=True)
class Mcu:
    name: str
    arch: str  # avr-gcc's architecture name
    elf_arch: int  # the architecture number avr-ld stores in e_flags (EF_AVR_ARCH)
    cycles: Mapping[str, Cost]  # the core's cycle table; its keys are its instruction set
    flash_size: int  # bytes; a power of two, so the PC wraps around like the hardware's
    sram_start: int
    ramend: int
    gpior0: int  # marker register
    sreg: int = 0x5F
    sph: int = 0x5E
    spl: int = 0x5D
    usart0: UsartMap | None = None
    portb: PortMap | None = None  # for pin-level peripherals (softuart.py)
    timers16: tuple[Timer16Map, ...] = ()  # the emulated interrupt sources are their overflows
    vector_words: int = 1  # flash words per interrupt vector: vector n is at word n * vector_words
    interrupt_timing: InterruptTiming = DATASHEET_TIMING

    @property
    def io_end(self) -> int:
        """First address past the register file and I/O space."""
        return self.sram_start


ATTINY85 = Mcu(
    name="attiny85",
    arch="avr25",
    elf_arch=25,
    cycles=AVRE,
    flash_size=8 * 1024,
    sram_start=0x60,
    ramend=0x25F,
    gpior0=0x31,  # I/O 0x11
    portb=PortMap(pin=0x36, ddr=0x37, port=0x38),  # I/O 0x16, 0x17, 0x18
)

TIMER1_328P = Timer16Map(
    tcntl=0x84,
    tccra=0x80,
    tccrb=0x81,
    tifr=0x36,  # I/O 0x16
    timsk=0x6F,
    tov=0x01,
    overflow_vector=13,  # TIMER1_OVF, word 0x001A
    prescalers=(0, 1, 8, 64, 256, 1024, 0, 0),  # CS1 = 6, 7: the T1 pin, which is not emulated
)

ATMEGA328P = Mcu(
    name="atmega328p",
    arch="avr5",
    elf_arch=5,
    cycles=AVRE_PLUS,
    flash_size=32 * 1024,
    sram_start=0x100,
    ramend=0x8FF,
    gpior0=0x3E,  # I/O 0x1E
    usart0=UsartMap(ucsra=0xC0, ucsrb=0xC1, ucsrc=0xC2, ubrrl=0xC4, ubrrh=0xC5, udr=0xC6),
    timers16=(TIMER1_328P,),
    vector_words=2,  # JMP-sized vectors
)

MCUS: Mapping[str, Mcu] = {m.name: m for m in (ATTINY85, ATMEGA328P)}
