"""An ELF checked against a chip's memory map, and that map made into unicorn memory.

Segments go where they live at reset (their load address): code and constants in flash, and the
initial values of ``.data`` in flash too, from where the startup code copies them into RAM, as
on the chip. Allocated sections must run inside the map as well (``.bss``, ``.noinit`` and the
stack in RAM). Writable regions are host buffers mapped into the engine, so a reset clears them
with one memset and the host reads and writes them without a call into unicorn.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
from unicorn import Uc

from ..elf import ElfImage, read_elf
from ..errors import ElfLoadError
from .chips import EXEC, WRITE, Chip, Region
from .cores import CoreModel


@dataclass(frozen=True)
class Image:
    elf: ElfImage
    functions: frozenset[str]  # names of STT_FUNC symbols (Thumb: their value carries bit 0)
    code_start: int  # the extent of the segments in executable regions
    code_end: int


def load_image(path: str | Path, core: CoreModel, chip: Chip) -> Image:
    elf = read_elf(path)
    if elf.machine != core.elf_machine:
        raise ElfLoadError(f"{elf.path}: a {elf.machine} ELF, but {chip.name} is {core.name} ({core.elf_machine})")
    code = []
    for seg in elf.segments:
        region = region_of(chip, seg.load_address, len(seg.data))
        if region is None:
            raise ElfLoadError(
                f"{elf.path}: {len(seg.data)} bytes at 0x{seg.load_address:08x} lie outside {chip.name}'s memory "
                f"({_describe(chip)}); was it linked for another chip?"
            )
        if region.perms & EXEC:
            code.append((seg.load_address, seg.load_address + len(seg.data)))
    for sec in elf.sections:
        if sec.size and region_of(chip, sec.address, sec.size) is None:
            raise ElfLoadError(f"{elf.path}: section {sec.name} at 0x{sec.address:08x} ({sec.size} bytes) "
                               f"lies outside {chip.name}'s memory ({_describe(chip)})")  # fmt: skip
    if not code:
        raise ElfLoadError(f"{elf.path}: no code in an executable region of {chip.name}")
    return Image(elf, _functions(elf.path), min(s for s, _ in code), max(e for _, e in code))


def map_memory(uc: Uc, chip: Chip, image: Image) -> dict[str, ctypes.Array]:
    """Map every region; returns the host buffers behind the writable ones, by region name."""
    buffers = {}
    for region in chip.regions:
        if region.perms & WRITE:
            buffers[region.name] = buf = (ctypes.c_ubyte * region.size)()
            uc.mem_map_ptr(region.base, region.size, region.perms, ctypes.addressof(buf))
        else:
            uc.mem_map(region.base, region.size, region.perms)
    for seg in image.elf.segments:
        uc.mem_write(seg.load_address, seg.data)  # the host may write to read-only regions
    return buffers


def region_of(chip: Chip, address: int, size: int = 1) -> Region | None:
    """The region holding all of [address, address + size), if one does."""
    return next((r for r in chip.regions if r.base <= address and address + size <= r.base + r.size), None)


def _describe(chip: Chip) -> str:
    return ", ".join(f"{r.name} 0x{r.base:08x}+0x{r.size:x}" for r in chip.regions)


def _functions(path: Path) -> frozenset[str]:
    with path.open("rb") as f:
        elf = ELFFile(f)
        return frozenset(
            sym.name
            for sec in elf.iter_sections()
            if isinstance(sec, SymbolTableSection)
            for sym in sec.iter_symbols()
            if sym["st_info"]["type"] == "STT_FUNC"
        )
