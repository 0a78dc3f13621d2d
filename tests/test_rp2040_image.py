"""The RP2040 image: boot2 with the checksum the boot ROM checks, and the UF2 of the BOOTSEL drive."""

import struct

import pytest
from elftools.elf.elffile import ELFFile

from hasaki_hil.build import builder as build
from hasaki_hil.build import rp2040_boot2 as boot2
from hasaki_hil.build import uf2

from .test_flash import setup  # noqa: F401  (the fixture: variants and vectors)


def test_the_boot2_checksum_is_crc32_mpeg2():
    assert boot2.crc32_mpeg2(b"123456789") == 0x0376E6E7  # the catalogued check value
    assert boot2.crc32_mpeg2(b"") == 0xFFFFFFFF
    block = bytes(range(252))
    assert boot2.valid(block + boot2.crc32_mpeg2(block).to_bytes(4, "little"))
    assert not boot2.valid(block + b"\0\0\0\0") and not boot2.valid(b"\0" * 255)


def test_a_pico_build_is_bootable_and_its_uf2_holds_the_image(setup):  # noqa: F811
    d, _, good, _ = setup
    fw = build.build(good, "pico", harness="serial", toolchain_choice="system", out_dir=d / "pico")["firmware"]
    with open(fw["elf"], "rb") as f:
        elf = ELFFile(f)
        block = elf.get_section_by_name(".boot2").data()
        vectors = elf.get_section_by_name(".vectors")
        assert vectors["sh_addr"] == 0x10000100  # where boot2 enters the application
        sp, reset = struct.unpack_from("<II", vectors.data())
    assert boot2.valid(block)
    assert sp == 0x20042000 and reset & 1  # top of SRAM; a Thumb reset handler
    image = (d / "pico" / "firmware.bin").read_bytes()
    assert image[:256] == block
    blocks = uf2.decode((d / "pico" / "firmware.uf2").read_bytes())
    assert sorted(blocks) == [0x10000000 + 256 * k for k in range(len(blocks))]
    assert b"".join(blocks[a] for a in sorted(blocks))[: len(image)] == image
    raw = (d / "pico" / "firmware.uf2").read_bytes()
    assert struct.unpack_from("<I", raw, 28)[0] == 0xE48BFF56  # the RP2040 family id


def test_other_boards_get_neither_boot2_nor_uf2(setup):  # noqa: F811
    d, _, good, _ = setup
    fw = build.build(good, "nucleo_f446re", harness="serial", toolchain_choice="system", out_dir=d / "n")["firmware"]
    with open(fw["elf"], "rb") as f:
        section = ELFFile(f).get_section_by_name(".boot2")
    assert section is None or section["sh_size"] == 0
    assert not (d / "n" / "firmware.uf2").exists()
    assert not boot2.seal(fw["elf"]) or section is not None


def test_uf2_rejects_a_misaligned_base_and_a_damaged_block():
    with pytest.raises(ValueError, match="multiple of 256"):
        uf2.encode(b"x", 0x10000001, 0xE48BFF56)
    data = bytearray(uf2.encode(b"abc", 0x10000000, 0xE48BFF56))
    assert uf2.decode(bytes(data)) == {0x10000000: b"abc" + b"\0" * 253}
    data[0] ^= 1
    with pytest.raises(ValueError, match="bad UF2 magic"):
        uf2.decode(bytes(data))
