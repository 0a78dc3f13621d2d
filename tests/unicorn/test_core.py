"""The Core interface on the unicorn cores: load, reset, memory, registers, symbols, runs, markers."""

import subprocess
import sys

import pytest

import emulator
from emulator import Core, CycleProvenance, ElfLoadError, EmulatorError, StopReason, SymbolNotFound
from emulator.harness import run_vector
from emulator.unicorn import CHIPS, Chip, UnicornCore

from ..conftest import ROOT
from .conftest import CHIPS as TESTED
from .firmware import program

INPUT = bytes(range(12))
BOUND = 10_000_000


@pytest.fixture(params=TESTED)
def core(request, model_elf):
    c = UnicornCore(request.param)
    c.load(model_elf(request.param, "int8"))
    return c


def test_is_a_core_with_estimated_cycles(core):
    assert isinstance(core, Core)
    assert core.cycle_provenance is CycleProvenance.ESTIMATE
    assert core.arch in ("riscv", "arm")


def test_vectors_run_without_reloading(core):
    first = run_vector(core, INPUT, max_cycles=BOUND)
    core.write_symbol("hsk_emu_output", b"\x55")  # left over from a previous vector: reset clears it
    second = run_vector(core, INPUT, max_cycles=BOUND)
    assert first == second
    assert 0 < first.cycles < first.total_cycles == core.cycles
    assert [m.value for m in core.markers if m.value] == [1, 2]  # the C startup also clears the word: value 0
    assert core.instructions <= core.cycles


def test_reset_clears_ram_counters_and_markers(core):
    run_vector(core, INPUT, max_cycles=BOUND)
    ram = core.chip.region("ram")
    core.mem_write(ram.base + 0x100, b"\xaa\xbb")
    core.reset()
    assert (core.cycles, core.instructions, core.markers) == (0, 0, [])
    assert core.mem_read(ram.base + 0x100, 2) == b"\x00\x00"
    assert core.read_symbol("hsk_emu_input") == bytes(12)


def test_a_run_split_anywhere_counts_the_same_as_one_run(core):
    whole = run_vector(core, INPUT, max_cycles=BOUND)
    core.reset()
    core.write_symbol("hsk_emu_input", INPUT)
    step = core.step()
    assert (step.reason, step.instructions) == (StopReason.COUNT, 1)
    assert core.run(max_cycles=BOUND, max_instructions=5).instructions == 6
    stop = core.run("main", max_cycles=BOUND)
    assert (stop.reason, stop.pc) == (StopReason.UNTIL, core.symbol("main").address)
    stop = core.run(max_cycles=BOUND)
    assert (stop.reason, stop.pc) == (StopReason.HALT, core.symbol("hsk_emu_done").address)
    assert core.read_symbol("hsk_emu_output") == whole.output
    assert core.cycles == whole.total_cycles
    assert core.markers[-1].cycle - core.markers[-2].cycle == whole.cycles


def test_symbols_registers_and_memory(core):
    done, out = core.symbol("hsk_emu_done"), core.symbol("hsk_emu_output")
    assert done.space == "code" and done.address % 2 == 0  # no Thumb bit on code addresses
    assert out.space == "data" and core.chip.region("ram").base <= out.address
    reg = "a0" if core.arch == "riscv" else "r0"
    core.reg_write(reg, 0x1234)
    assert core.reg_read(reg.upper()) == 0x1234
    with pytest.raises(EmulatorError, match="unknown .* register"):
        core.reg_read("r99")
    with pytest.raises(SymbolNotFound):
        core.symbol("nope")
    with pytest.raises(EmulatorError, match="do not fit"):
        core.write_symbol("hsk_emu_input", bytes(13))
    with pytest.raises(EmulatorError, match="read-only"):
        core.write_symbol("hsk_emu_done", b"\x00")
    with pytest.raises(EmulatorError, match="not mapped"):
        core.mem_read(0x50000000, 4)
    flash = core.chip.region("flash")
    assert core.mem_read(flash.base, 4) != bytes(4)  # the image is in flash


def test_load_errors(tmp_path, model_elf):
    bad = tmp_path / "x.elf"
    bad.write_text("not an elf")
    with pytest.raises(ElfLoadError, match="cannot read as ELF"):
        UnicornCore("esp32c3").load(bad)
    with pytest.raises(ElfLoadError, match="EM_ARM ELF, but esp32c3"):
        UnicornCore("esp32c3").load(model_elf("rp2040", "int8"))
    with pytest.raises(ElfLoadError, match="outside rp2040's memory"):
        UnicornCore("rp2040").load(model_elf("stm32f446re", "int8"))
    with pytest.raises(EmulatorError, match="no firmware loaded"):
        UnicornCore("rp2040").reset()
    with pytest.raises(EmulatorError, match="unknown chip"):
        UnicornCore("z80")


DATA_IN_RAM = """
static uint32_t initialised = 0x12345678u;
int main(void)
{
    hsk_emu_output[0] = initialised;
    initialised = 0;
    hsk_emu_done();
}
"""


def test_segments_loaded_straight_into_ram_come_back_at_reset(tmp_path):
    """An image whose .data loads at its run address (no copy from flash): the loader puts it in
    RAM, and every reset puts it back, as a chip's loader would before each run."""
    script = (ROOT / "firmware" / "system" / "cortex_m.ld").read_text().replace(">ram AT>flash", ">ram")
    (tmp_path / "ram_data.ld").write_text(script)
    elf = program(DATA_IN_RAM, "rp2040", tmp_path, link_script=tmp_path / "ram_data.ld")
    core = UnicornCore("rp2040")
    core.load(elf)
    for _ in range(2):  # the run clears the variable; the reset brings it back
        core.reset()
        assert core.run(max_cycles=BOUND).reason is StopReason.HALT
        assert core.read_symbol("hsk_emu_output", 4) == (0x12345678).to_bytes(4, "little")


def test_an_error_while_costing_a_block_surfaces_after_the_run(model_elf):
    """The native hook asks Python to cost each new block; what that raises is raised by run."""
    core = UnicornCore("esp32c3")
    core.load(model_elf("esp32c3", "int8"))

    def broken(code, address):
        raise ValueError(f"cannot decode 0x{address:x}")

    core._blocks._decoder.decode = broken
    with pytest.raises(ValueError, match="cannot decode 0x42000000"):
        core.run(max_cycles=BOUND)


def test_boards_name_their_chips_and_are_linked_where_the_emulator_maps_memory():
    """The board registry's memory map is what the firmware is linked into and what the chip
    maps: one set of figures (the esp32c3's RAM was 400 KB in one place and 384 KB in another)."""
    from hasaki_hil import boards

    seen = set()
    for board in boards.BOARDS:
        if board.emulator is None or board.emulator.backend != "unicorn":
            continue
        core = emulator.open_core("unicorn", board.emulator.chip)
        assert core.chip is CHIPS[board.emulator.chip]
        for name in ("flash", "ram"):
            ours, theirs = board.memory.region(name), core.chip.region(name)
            assert (ours.base, ours.size) == (theirs.base, theirs.size), (board.name, name)
        seen.add(board.name)
    assert seen == {"esp32c3", "pico", "nucleo_f446re"}
    assert emulator.open_core("unicorn", "stm32f446re").model.name == "cortex-m4f"


def test_a_caller_can_pass_its_own_memory_map(model_elf):
    """Memory maps are data: the same chip with its RAM moved is refused by the image's sections."""
    stm = CHIPS["stm32f446re"]
    moved = Chip("moved", "cortex-m4f", (stm.region("flash"),))
    with pytest.raises(ElfLoadError, match="section .* outside moved's memory"):
        UnicornCore(moved).load(model_elf("stm32f446re", "int8"))


def test_the_unicorn_cores_never_import_hasaki_hil():
    code = "import sys, emulator.unicorn; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'hasaki_hil'" not in loaded
