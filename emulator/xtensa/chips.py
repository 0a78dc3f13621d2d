"""Xtensa chips as data: the memory map the core emulates, and the reset values it needs.

ESP32 figures from the ESP32 Technical Reference Manual (v5.x), chapter 1 "System and Memory",
table "Address Mapping": internal SRAM2 + SRAM1 on the data bus 0x3FFA_E000-0x3FFF_FFFF,
SRAM0's IRAM part on the instruction bus 0x4008_0000-0x4009_FFFF, RTC FAST memory 0x3FF8_0000
(data bus, 8 KB), RTC SLOW memory 0x5000_0000 (8 KB), peripherals 0x3FF0_0000-0x3FF7_FFFF
(UART0 at 0x3FF4_0000, chapter 13 "UART Controller"; its FIFO also at 0x6000_0000 on the AHB).
External flash is mapped through the MMU; ESP-IDF's application linker script
(components/esp_system/ld/esp32/memory.ld.in) maps the code at IROM 0x400D_0000 (len 0x330000)
and constant data at DROM 0x3F40_0000 (4 MB), the windows used here. The instruction-bus
memories (IRAM, IROM) only take word-aligned 32-bit data accesses (TRM chapter 1; a byte access
there raises LoadStoreError), hence ``word_only``. Not emulated: the internal ROMs, the cache,
PSRAM, the SRAM1 instruction-bus alias, the APP CPU (``not_emulated`` names the ROMs and PSRAM
in faults).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    base: int
    size: int
    perms: str  # "r", "rw", "rx", "rwx", or "io" (answered by the chip's peripheral model)
    word_only: bool = False

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, address: int, size: int = 1) -> bool:
        return self.base <= address and address + size <= self.end


@dataclass(frozen=True)
class Chip:
    name: str
    regions: tuple[Region, ...]  # the first is the loop's fast data region
    vecbase: int  # VECBASE at reset
    clock_hz: int
    prid: int = 0xCDCD
    not_emulated: tuple[Region, ...] = ()  # memories the chip has that the core does not model

    def region(self, name: str) -> Region:
        return next(r for r in self.regions if r.name == name)

    def region_at(self, address: int, size: int = 1) -> Region | None:
        return next((r for r in self.regions if r.contains(address, size)), None)


ESP32 = Chip(
    name="esp32",
    regions=(
        Region("dram", 0x3FFAE000, 0x52000, "rw"),
        Region("iram", 0x40080000, 0x20000, "rwx", word_only=True),
        Region("irom", 0x400D0000, 0x330000, "rx", word_only=True),
        Region("drom", 0x3F400000, 0x400000, "r"),
        Region("rtc_fast", 0x3FF80000, 0x2000, "rw"),
        Region("rtc_slow", 0x50000000, 0x2000, "rw"),
        Region("peripherals", 0x3FF00000, 0x80000, "io"),
        Region("uart_fifo_ahb", 0x60000000, 0x1000, "io"),
    ),
    vecbase=0x40000000,  # the ROM's vectors until the application sets its own
    clock_hz=240_000_000,
    not_emulated=(
        Region("internal ROM", 0x40000000, 0x60000, "rx"),  # ROM0: the boot ROM, its libc and vectors
        Region("internal ROM", 0x3FF90000, 0x10000, "r"),  # ROM1 on the data bus
        Region("external RAM", 0x3F800000, 0x400000, "rw"),  # PSRAM
    ),
)

CHIPS = {"esp32": ESP32}
