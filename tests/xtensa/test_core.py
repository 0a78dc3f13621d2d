"""XtensaCore as a Core: the protocol, loading, registers by name, memory and symbols, CCOUNT."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from emulator.core import Core, CycleProvenance, StopReason
from emulator.errors import ElfLoadError, EmulatorError, SymbolNotFound
from emulator.xtensa import CHIPS, XtensaCore

from .build import image
from .tools import assemble, link

SRC = """
    .data
    .p2align 2
    .global counter
counter: .long 5
    .size counter, 4
    .section .rodata
    .global table
table: .long 1, 2, 3
    .size table, 12
    .text
    .global _start
    .p2align 2
_start:
    rsr a2, ccount
    nop
    nop
    rsr a3, ccount
    movi a4, 100
    wsr a4, ccount
    nop
    rsr a5, ccount
    waiti 0
"""


@pytest.fixture
def core(tmp_path):
    core = XtensaCore("esp32")
    core.load(image(tmp_path, {"c": SRC}, startup=False))
    return core


def test_is_a_core_with_estimated_cycles(core):
    assert isinstance(core, Core)
    assert core.arch == "xtensa" and core.cycle_provenance is CycleProvenance.ESTIMATE
    assert "esp32" in CHIPS


def test_ccount_reads_the_estimated_cycles(core):
    stop = core.run(max_cycles=100)
    assert stop.reason is StopReason.HALT
    a2, a3, a5 = (core.reg_read(r) for r in ("a2", "a3", "a5"))
    assert a3 - a2 == 3  # rsr, nop, nop issued in between
    assert a5 == 100 + 2  # written at the WSR's cycle, read two instructions later
    core.reg_write("ccount", 1000)
    assert core.reg_read("ccount") == 1000


def test_registers_by_name(core):
    core.reg_write("a5", 0x12345678)
    assert core.reg_read("a5") == 0x12345678 and core.reg_read("ar5") == 0x12345678
    core.reg_write("windowbase", 1)
    assert core.reg_read("a1") == 0x12345678 and core.reg_read("ar5") == 0x12345678
    core.reg_write("f3", 0x3F800000)
    assert core.reg_read("f3") == 0x3F800000
    core.reg_write("b7", 1)
    assert core.reg_read("br") == 0x80
    core.reg_write("acc", 0x12_3456_789A)
    assert core.reg_read("acclo") == 0x3456789A and core.reg_read("acchi") == 0x12
    with pytest.raises(EmulatorError, match="unknown Xtensa register"):
        core.reg_read("x9")


def test_memory_and_symbols(core):
    counter = core.symbol("counter")
    assert counter.space == "data" and counter.size == 4
    assert core.read_symbol("counter") == (5).to_bytes(4, "little")
    core.write_symbol("counter", (9).to_bytes(4, "little"))
    assert core.mem_read(counter.address, 4) == (9).to_bytes(4, "little")
    assert core.symbol("_start").space == "code"
    core.reset()
    assert core.read_symbol("counter") == (5).to_bytes(4, "little")  # RAM segments come back
    with pytest.raises(SymbolNotFound):
        core.symbol("nope")
    with pytest.raises(EmulatorError, match="not memory"):
        core.mem_read(0x10, 4)


def test_code_written_at_run_time_is_decoded_again(core):
    start = core.symbol("_start").address
    core.mem_write(start, bytes([0x00, 0x71, 0x00]))  # waiti 1 over the first instruction
    stop = core.run(max_cycles=100)
    assert stop.reason is StopReason.HALT and core.instructions == 1
    core.reset()  # the image as loaded comes back, and is decoded again
    stop = core.run(max_cycles=100)
    assert stop.reason is StopReason.HALT and core.instructions == 9


def test_load_refuses_other_machines_and_maps(tmp_path):
    core = XtensaCore()
    gcc = shutil.which("gcc")
    if gcc:
        host = tmp_path / "host.elf"
        (tmp_path / "m.c").write_text("int main(void) { return 0; }\n")
        subprocess.run([gcc, str(tmp_path / "m.c"), "-o", str(host)], check=True)
        with pytest.raises(ElfLoadError, match="not an Xtensa ELF"):
            core.load(host)
    ld = tmp_path / "low.ld"  # a link at 0x1000, where the ESP32 has nothing
    ld.write_text("ENTRY(_start)\nSECTIONS { . = 0x1000; .text : { *(.text) } }\n")
    obj = assemble(".text\n.global _start\n_start: nop\n", tmp_path / "low.o")
    with pytest.raises(ElfLoadError, match="outside the esp32's memory map"):
        core.load(link([obj], ld, tmp_path / "low.elf"))
    with pytest.raises(EmulatorError, match="no firmware loaded"):
        XtensaCore().reset()


def test_run_until_needs_a_code_address(core):
    with pytest.raises(EmulatorError, match="not in executable memory"):
        core.run("counter", max_cycles=10)


def test_l32r_with_litbase_enabled(tmp_path):
    """LITBASE off (reset): L32R is PC-relative; LITBASE[0] set: the same negative offset from
    LITBASE[31:12] (Xtensa ISA, L32R)."""
    src = """
    .data
    .p2align 12
    .global pool
pool: .space 8192
    .text
    .literal_position
    .literal .Llit, 0x12345678
    .global _start
    .p2align 2
_start:
    l32r a2, .Llit
    waiti 0
"""
    core = XtensaCore()
    core.load(image(tmp_path, {"l": src}, startup=False))
    core.step()
    assert core.reg_read("a2") == 0x12345678
    start = core.symbol("_start").address
    word = int.from_bytes(core.mem_read(start, 3), "little")
    offset = (((0xFFFF0000 | (word >> 8)) << 2) & 0xFFFFFFFF) - (1 << 32)  # the encoded (negative) offset
    assert -4096 < offset < 0
    base = core.symbol("pool").address + 4096  # 4 KB aligned; base + offset is inside the pool
    core.reset()
    core.mem_write(base + offset, (0xCAFEF00D).to_bytes(4, "little"))
    core.reg_write("litbase", base | 1)
    core.step()
    assert core.reg_read("a2") == 0xCAFEF00D
