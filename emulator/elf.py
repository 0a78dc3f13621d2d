"""Read what a core needs from an ELF file: loadable bytes, symbols, section extents.

Arch-agnostic; each core maps addresses into its own memories.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from .errors import ElfLoadError


@dataclass(frozen=True)
class Segment:
    load_address: int  # where the bytes live at reset (LMA, p_paddr)
    data: bytes


@dataclass(frozen=True)
class Section:
    name: str
    address: int  # VMA
    size: int


@dataclass(frozen=True)
class ElfImage:
    path: Path
    machine: str  # pyelftools' e_machine name, e.g. "EM_AVR"
    flags: int
    entry: int
    segments: tuple[Segment, ...]
    sections: tuple[Section, ...]  # allocated sections only
    symbols: dict[str, tuple[int, int]]  # name -> (value, size)


def read_elf(path: str | Path) -> ElfImage:
    path = Path(path)
    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            segments = tuple(
                Segment(seg["p_paddr"], seg.data()[: seg["p_filesz"]])
                for seg in elf.iter_segments()
                if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] > 0
            )
            sections = tuple(
                Section(sec.name, sec["sh_addr"], sec["sh_size"])
                for sec in elf.iter_sections()
                if sec["sh_flags"] & 0x2  # SHF_ALLOC
            )
            symbols: dict[str, tuple[int, int]] = {}
            for sec in elf.iter_sections():
                if isinstance(sec, SymbolTableSection):
                    for sym in sec.iter_symbols():
                        if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                            symbols.setdefault(sym.name, (sym["st_value"], sym["st_size"]))
            return ElfImage(path, elf["e_machine"], elf["e_flags"], elf["e_entry"], segments, sections, symbols)
    except (OSError, ELFError) as e:
        raise ElfLoadError(f"{path}: cannot read as ELF: {e}") from e
