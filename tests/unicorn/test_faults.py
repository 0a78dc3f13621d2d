"""Every way a run can end other than at its address becomes an error with PC and cause."""

import time

import pytest

from emulator import CpuFault, CycleLimitExceeded, IllegalInstruction, MemoryFault
from emulator.unicorn import (
    CHIPS,
    Chip,
    InstructionLimitExceeded,
    OutsideCode,
    ProtectionFault,
    RunTimeout,
    UnicornCore,
)

from .conftest import CHIPS as TESTED
from .firmware import model_firmware, program

STORE_TO_FLASH = """
static const uint32_t table[4] = {1, 2, 3, 4};
int main(void)
{
    *(volatile uint32_t *)(uintptr_t)&table[1] = 5;
    hsk_emu_done();
}
"""
UNMAPPED = """
int main(void)
{
    *(volatile uint32_t *)0x50000000u = 1;
    hsk_emu_done();
}
"""
EXECUTE_RAM = """
int main(void)
{
    uintptr_t thumb = 0;
#if defined(__thumb__)
    thumb = 1; /* a BLX to an even address would be an ARM-state fault instead */
#endif
    void (*volatile ram)(void) = (void (*)(void))((uintptr_t)hsk_emu_output | thumb);
    ram();
    hsk_emu_done();
}
"""
FOREVER = """
int main(void)
{
    while (hsk_emu_input[0] != 12345u)
        hsk_emu_output[0] = hsk_emu_input[1];
    hsk_emu_done();
}
"""
OUTSIDE_CODE = """
int main(void)
{
    uintptr_t thumb = 0;
#if defined(__thumb__)
    thumb = 1;
#endif
    void (*volatile erased)(void) = (void (*)(void))(((uintptr_t)&hsk_emu_done + 0x10000u) | thumb);
    erased();
    hsk_emu_done();
}
"""
# fadd.s ft0, ft0, ft0 as a raw word: rv32imc code cannot name it, but a hard-float build would.
FLOAT_ON_C3 = """
int main(void)
{
    __asm__ volatile(".word 0x00000053");
    hsk_emu_done();
}
"""


def _core(chip, elf, **options):
    core = UnicornCore(chip, **options)
    core.load(elf)
    core.reset()
    return core


def _pc_in(core, function, pc):
    sym = core.symbol(function)
    return sym.address <= pc < sym.address + sym.size


@pytest.mark.parametrize("chip", TESTED)
def test_a_store_to_flash_faults(tmp_path, chip):
    core = _core(chip, program(STORE_TO_FLASH, chip, tmp_path))
    with pytest.raises(ProtectionFault, match="store at 0x.* in flash") as e:
        core.run(max_cycles=100_000)
    assert e.value.address == core.symbol("table").address + 4
    assert _pc_in(core, "main", e.value.pc)


@pytest.mark.parametrize("chip", TESTED)
def test_unmapped_access_and_executing_ram_fault(tmp_path, chip):
    core = _core(chip, program(UNMAPPED, chip, tmp_path / "a"))
    with pytest.raises(MemoryFault, match="data address 0x50000000") as e:
        core.run(max_cycles=100_000)
    assert _pc_in(core, "main", e.value.pc)
    core = _core(chip, program(EXECUTE_RAM, chip, tmp_path / "b"))
    with pytest.raises(ProtectionFault, match="instruction fetch at .* in ram"):
        core.run(max_cycles=100_000)


@pytest.mark.parametrize("chip", TESTED)
def test_jumping_past_the_image_faults(tmp_path, chip):
    """Flash beyond the image is erased on the chip; here it would decode as zeros (on Thumb, a
    slide of MOVS r0, r0), so the block hook stops at the first block outside the code."""
    core = _core(chip, program(OUTSIDE_CODE, chip, tmp_path))
    with pytest.raises(OutsideCode, match="left the firmware's code") as e:
        core.run(max_cycles=100_000)
    assert e.value.pc == core.symbol("hsk_emu_done").address + 0x10000


@pytest.mark.parametrize("chip", TESTED)
def test_an_infinite_loop_stops_at_its_bounds(tmp_path, chip):
    elf = program(FOREVER, chip, tmp_path)
    core = _core(chip, elf)
    with pytest.raises(CycleLimitExceeded, match="cycle limit of 100000") as e:
        core.run(max_cycles=100_000)
    assert abs(core.cycles - 100_000) < 100 and _pc_in(core, "main", e.value.pc)
    core = _core(chip, elf, instruction_limit=50_000)
    with pytest.raises(InstructionLimitExceeded):
        core.run(max_cycles=10**9)
    # unicorn's count skips Thumb IT instructions, which the core counts like the CPU does
    assert 50_000 <= core.instructions <= 50_010
    core = _core(chip, elf, timeout=0.05)
    t = time.perf_counter()
    with pytest.raises(RunTimeout):
        core.run(max_cycles=10**12)
    assert time.perf_counter() - t < 5


def test_m4f_code_on_the_m0_model_faults(small_variants, tmp_path):
    """The STM32F446's memory with a Cortex-M0+ core: the M4F build's first Thumb-2
    instruction (in the startup code, before any float) is undefined on ARMv6-M."""
    stm = CHIPS["stm32f446re"]
    on_m0 = Chip("stm32f446re-with-m0", "cortex-m0plus", stm.regions)
    for scheme in ("f32", "int8"):
        core = _core(on_m0, model_firmware(small_variants[scheme], "stm32f446re", tmp_path / scheme))
        with pytest.raises(IllegalInstruction, match="cortex-m0plus") as e:
            core.run(max_cycles=1_000_000)
        assert _pc_in(core, "hsk_reset", e.value.pc)


def test_a_float_instruction_on_the_esp32c3_faults(small_variants, tmp_path):
    core = _core("esp32c3", program(FLOAT_ON_C3, "esp32c3", tmp_path / "word"))
    with pytest.raises(IllegalInstruction, match="illegal instruction") as e:
        core.run(max_cycles=100_000)
    assert e.value.opcode & 0xFFFFFFFF == 0x00000053 and _pc_in(core, "main", e.value.pc)
    hard_float = ("-march=rv32imafc", "-mabi=ilp32f")  # the f32 model built for an FPU the C3 lacks
    core = _core("esp32c3", model_firmware(small_variants["f32"], "esp32c3", tmp_path / "hf", hard_float))
    core.write_symbol("hsk_emu_input", bytes(48))
    with pytest.raises(IllegalInstruction):
        core.run(max_cycles=10_000_000)


def test_faults_are_cpu_faults_with_pc_and_cycles(tmp_path):
    core = _core("rp2040", program(UNMAPPED, "rp2040", tmp_path))
    with pytest.raises(CpuFault) as e:
        core.run(max_cycles=100_000)
    assert e.value.cycles == core.cycles > 0 and f"pc=0x{e.value.pc:04x}" in str(e.value)
