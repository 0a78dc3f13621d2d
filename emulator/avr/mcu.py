"""Per-MCU memory maps as data (from the ATtiny85 and ATmega328P datasheets).

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
)

MCUS: Mapping[str, Mcu] = {m.name: m for m in (ATTINY85, ATMEGA328P)}
