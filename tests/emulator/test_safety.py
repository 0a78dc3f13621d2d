"""Faults stop the run with an error that says where: missing instructions, runaway loops,
stack collisions, accesses outside the memories."""

import pytest

from emulator import CycleLimitExceeded, ElfLoadError, IllegalInstruction, MemoryFault, StackCollision
from emulator.avr import AvrCore
from emulator.harness import run_vector

from .avrbuild import assemble, build_c
from .oracle import run_vectors


def _core(mcu, elf):
    core = AvrCore(mcu)
    core.load(elf)
    return core


def test_mul_on_attiny85_raises_with_pc_and_opcode():
    core = _core("attiny85", assemble("nop\nnop\n.word 0x9c12\n", "attiny85"))  # mul r1, r2
    with pytest.raises(IllegalInstruction) as err:
        core.run(max_cycles=100)
    assert (err.value.pc, err.value.opcode, err.value.cycles) == (4, 0x9C12, 2)
    assert "MUL is not in the avr25 instruction set" in str(err.value)
    assert core.instructions == 2


def test_the_same_mul_runs_on_atmega328p():
    core = _core("atmega328p", assemble("nop\nnop\n.word 0x9c12\nbreak\n", "atmega328p"))
    assert core.run(max_cycles=100).cycles == 5


@pytest.mark.parametrize("mcu", ["attiny85", "atmega328p"])
def test_erased_flash_is_illegal(mcu):
    core = _core(mcu, assemble("rjmp .+64\n", mcu))
    with pytest.raises(IllegalInstruction) as err:
        core.run(max_cycles=100)
    assert (err.value.pc, err.value.opcode) == (66, 0xFFFF)
    assert "has this encoding" in str(err.value)


def test_firmware_for_another_mcu_is_refused():
    with pytest.raises(ElfLoadError, match="rebuild with -mmcu=attiny85"):
        AvrCore("attiny85").load(build_c("dense_int8", "atmega328p"))


@pytest.mark.parametrize("mcu", ["attiny85", "atmega328p"])
def test_runaway_loop_stops_at_its_bound(mcu):
    core = _core(mcu, build_c("runaway", mcu))
    with pytest.raises(CycleLimitExceeded) as err:
        run_vector(core, b"\x00", max_cycles=200_000)
    assert 200_000 <= err.value.cycles < 200_004
    assert "cycle limit of 200000" in str(err.value)
    assert run_vector(core, b"\xa5", max_cycles=200_000).output == b"\x01"  # the same image still works


def test_stack_collision_on_a_bad_attiny85_build():
    """400 bytes of const floats in .data leave about 100 bytes of stack; recursion takes 15 per level."""
    elf = build_c("stack_smash", "attiny85")
    core = _core("attiny85", elf)
    shallow = run_vector(core, b"\x03", max_cycles=1_000_000)
    assert shallow.stack_low_water >= core.stack_limit
    with pytest.raises(StackCollision) as err:
        run_vector(core, b"\x0a", max_cycles=1_000_000)
    assert err.value.sp < err.value.limit == core.stack_limit
    assert core.stack_limit == core.symbol("_end").address  # the end of .noinit, where the input lives
    # simavr runs the same vector to the end without a word, on corrupted constants
    assert run_vectors(elf, "attiny85", [b"\x0a"], max_cycles=1_000_000).runs[0].status == "done"


def test_stack_watermark_follows_the_recursion_depth():
    core = _core("atmega328p", build_c("recursion", "atmega328p"))
    marks = [run_vector(core, bytes([depth, 0]) + bytes(8), max_cycles=1_000_000).stack_low_water for depth in range(8)]
    assert marks == sorted(marks, reverse=True) and len(set(marks)) == 8
    assert core.mcu.ramend - marks[-1] < 400


@pytest.mark.parametrize(
    "source,space,address",
    [
        ("ldi r26, 0xff\nldi r27, 0xff\nld r0, X\n", "data", 0xFFFF),  # past RAMEND
        ("ret\n", "data", 0x900),  # return with an empty stack: pops past RAMEND
        ("ldi r30, 0x00\nldi r31, 0x80\nlpm\n", "flash", 0x8000),  # past the 32 KB of flash
    ],
    ids=["load", "stack-underflow", "lpm"],
)
def test_memory_faults(source, space, address):
    core = _core("atmega328p", assemble(source, "atmega328p"))
    with pytest.raises(MemoryFault) as err:
        core.run(max_cycles=100)
    assert (err.value.space, err.value.address) == (space, address)


def test_pushing_below_sram_is_a_collision():
    core = _core("attiny85", assemble("ldi r16, 0x60\nout 0x3e, r1\nout 0x3d, r16\npush r0\npush r0\n", "attiny85"))
    with pytest.raises(StackCollision) as err:
        core.run(max_cycles=100)
    assert err.value.pc == 8 and err.value.sp == 0x5E  # the first push fits at 0x60; the second does not
