"""Memory maps and cores of the chips the unicorn cores emulate: plain data, as the caller may pass its own.

Only what a firmware built for emulation touches is mapped: one flash region that holds code,
constants and the initial values of ``.data`` (read and execute only, so a store to flash is a
fault) and the data RAM (read and write, never execute). The peripheral windows the serial
firmware uses (its UART, its cycle counter and on Cortex-M the System Control Space, which
the startup code also writes to grant the FPU access) are modelled in peripherals.py.
Everything else is unmapped, so a stray access faults instead of reading zeros. Whole SoCs
(caches, ROM, the other peripherals) are out of scope.

The firmware's linker flags (from the board registry's memory map in hasaki_hil/boards) place
the image in the same regions; the loader refuses an ELF with a segment outside them.
"""

from __future__ import annotations

from dataclasses import dataclass

READ, WRITE, EXEC = 1, 2, 4  # the UC_PROT_* bits


@dataclass(frozen=True)
class Region:
    name: str
    base: int
    size: int
    perms: int  # READ | WRITE | EXEC


@dataclass(frozen=True)
class Chip:
    name: str
    core: str  # a key of emulator.unicorn.cores.CORES
    regions: tuple[Region, ...]

    def region(self, name: str) -> Region:
        return next(r for r in self.regions if r.name == name)


CHIPS = {
    chip.name: chip
    for chip in (
        # ESP32-C3 TRM, 3.3 "System and Memory": external flash mapped for instructions at
        # 0x42000000 (IROM, 8 MB window; the DevKitM-1 has 4 MB); internal SRAM1 as data RAM at
        # 0x3FC80000-0x3FCDFFFF (384 KB; the other 16 KB of the 400 KB serve the cache).
        # The chip reads constants through a second window (DROM, 0x3C000000); the emulation
        # build keeps them beside the code in one region.
        Chip(
            "esp32c3",
            "esp32c3",
            (Region("flash", 0x42000000, 4 << 20, READ | EXEC), Region("ram", 0x3FC80000, 384 << 10, READ | WRITE)),
        ),
        # RP2040 datasheet, 2.2 "Address map": XIP flash at 0x10000000 (2 MB on the Pico),
        # SRAM at 0x20000000 (264 KB striped + banks). An image that starts with the boot2
        # stage (symbol hsk_boot2) boots through it, as the boot ROM runs it; else the vector
        # table sits at the start of flash.
        Chip(
            "rp2040",
            "cortex-m0plus",
            (
                Region("flash", 0x10000000, 2 << 20, READ | EXEC),
                Region("ram", 0x20000000, 264 << 10, READ | WRITE),
            ),
        ),
        # STM32F446xx datasheet, 5 "Memory mapping": flash at 0x08000000 (512 KB), SRAM1+SRAM2
        # at 0x20000000 (128 KB).
        Chip(
            "stm32f446re",
            "cortex-m4f",
            (
                Region("flash", 0x08000000, 512 << 10, READ | EXEC),
                Region("ram", 0x20000000, 128 << 10, READ | WRITE),
            ),
        ),
    )
}
