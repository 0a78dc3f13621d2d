"""The RP2040's boot2 checksum: the boot ROM runs the first 256 bytes of flash only when the
CRC-32 in their last four bytes matches the first 252 (CRC-32/MPEG-2: polynomial 0x04C11DB7,
initial value 0xFFFFFFFF, no reflection, no final XOR). ``seal`` writes it into a linked ELF
(firmware/system/rp2040_boot2.S leaves a zero word there); ``valid`` checks an image.
"""

from pathlib import Path

from elftools.elf.elffile import ELFFile

from hasaki_hil.errors import UserError

SECTION = ".boot2"
SIZE = 256


def crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def valid(block: bytes) -> bool:
    """Would the boot ROM run this 256-byte block?"""
    return len(block) == SIZE and crc32_mpeg2(block[:252]) == int.from_bytes(block[252:], "little")


def read_block(elf: Path) -> bytes:
    """The ELF's boot2 block as linked (empty when it has none)."""
    with open(elf, "rb") as f:
        section = ELFFile(f).get_section_by_name(SECTION)
        return section.data() if section is not None else b""


def seal(elf: Path) -> bool:
    """Write the checksum into the ELF's boot2 block; False when the ELF has none (other chips)."""
    with open(elf, "r+b") as f:
        section = ELFFile(f).get_section_by_name(SECTION)
        if section is None:
            return False
        if section["sh_size"] != SIZE:
            raise UserError(f"{elf}: {SECTION} is {section['sh_size']} bytes; the RP2040 boot ROM reads {SIZE}")
        f.seek(section["sh_offset"])
        block = f.read(252)
        f.seek(section["sh_offset"] + 252)
        f.write(crc32_mpeg2(block).to_bytes(4, "little"))
    return True
