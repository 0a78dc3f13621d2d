"""The Core interface on the AVR core: loading, reset, memory, registers, symbols, runs,
markers; and the package boundary (emulator never imports hasaki_hil)."""

import ast
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import emulator
from emulator import Core, CycleProvenance, ElfLoadError, EmulatorError, Marker, StopReason, SymbolNotFound
from emulator.avr import AvrCore
from emulator.harness import run_vector

from .avrbuild import assemble, build_c
from .oracle import run_vectors

# Markers at known cycles: ldi (1) before the first OUT; then 3 cycles per loop pass
# but the last (2), ldi (1) before the second OUT; then out, cli, sleep.
COUNTDOWN = """#include <avr/io.h>
.section .noinit
.global hsk_emu_input
.type hsk_emu_input, @object
.size hsk_emu_input, 1
hsk_emu_input: .skip 1
.section .bss
.global hsk_emu_output
.type hsk_emu_output, @object
.size hsk_emu_output, 1
hsk_emu_output: .skip 1
.text
.global main
main:
    lds r17, hsk_emu_input
    ldi r16, 1
    out _SFR_IO_ADDR(GPIOR0), r16
loop:
    dec r17
    brne loop
    ldi r16, 2
    out _SFR_IO_ADDR(GPIOR0), r16
    sts hsk_emu_output, r16
.global hsk_emu_done
hsk_emu_done:
    cli
    sleep
    rjmp hsk_emu_done
"""


@pytest.fixture
def countdown():
    def make(mcu):
        core = AvrCore(mcu)
        core.load(assemble(COUNTDOWN, mcu, bare=False))
        return core

    return make


@pytest.mark.parametrize("mcu", ["attiny85", "atmega328p"])
def test_marker_cycles_are_defined_like_simavr(countdown, mcu):
    """A marker's cycle is the count when the OUT begins, as avr->cycle reads inside simavr's
    write callback; absolute values after the C startup agree, not only their difference."""
    core = countdown(mcu)
    elf = core._image.path
    for n in (1, 2, 200):
        run = run_vector(core, bytes([n]), max_cycles=10_000)
        markers = core.markers
        start = markers[0].cycle
        assert [m.value for m in markers] == [1, 2]
        assert run.cycles == 1 + (3 * n - 1) + 1  # out, the loop, ldi
        ref = run_vectors(elf, mcu, [bytes([n])], max_cycles=10_000).runs[0]
        assert ref.markers == ((1, start), (2, start + run.cycles))
        assert ref.cycles == run.total_cycles


def test_reset_keeps_the_image_and_clears_the_rest(countdown):
    core = countdown("atmega328p")
    first = run_vector(core, b"\x05", max_cycles=10_000)
    core.mem_write(0x500, b"\xaa")
    second = run_vector(core, b"\x05", max_cycles=10_000)
    assert first == second
    core.reset()
    assert (core.cycles, core.instructions, core.markers, core.reg_read("pc")) == (0, 0, [], 0)
    assert core.mem_read(0x500, 1) == b"\x00" and core.reg_read("sp") == 0x8FF
    assert core.stack_low_water == 0x8FF


def test_input_in_noinit_survives_the_c_startup(countdown):
    core = countdown("attiny85")
    core.reset()
    core.write_symbol("hsk_emu_input", b"\x07")
    core.run(max_cycles=10_000)
    assert core.read_symbol("hsk_emu_input") == b"\x07"  # .bss was cleared around it
    assert core.symbol("hsk_emu_input").space == "data"


def test_run_until_a_symbol_then_on_to_the_halt(countdown):
    core = countdown("atmega328p")
    core.reset()
    core.write_symbol("hsk_emu_input", b"\x03")
    done = core.symbol("hsk_emu_done")
    assert done.space == "code"
    stop = core.run("hsk_emu_done", max_cycles=10_000)
    assert (stop.reason, stop.pc) == (StopReason.UNTIL, done.address)
    assert [m.value for m in core.markers] == [1, 2]
    stop = core.run("hsk_emu_done", max_cycles=10_000)  # leaving the address first, it halts
    assert (stop.reason, stop.pc, stop.cycles) == (StopReason.HALT, done.address + 4, core.cycles)


def test_step_and_instruction_budget(countdown):
    core = countdown("attiny85")
    core.reset()
    stop = core.step()
    assert (stop.reason, stop.instructions) == (StopReason.COUNT, 1)
    stop = core.run(max_cycles=10_000, max_instructions=5)
    assert (stop.reason, stop.instructions) == (StopReason.COUNT, 6)


def test_registers_by_name(countdown):
    core = countdown("attiny85")
    core.reg_write("z", 0x1234)
    assert (core.reg_read("r30"), core.reg_read("r31"), core.reg_read("Z")) == (0x34, 0x12, 0x1234)
    core.reg_write("sp", 0x200)
    assert core.mem_read(0x5D, 2) == b"\x00\x02"
    core.reg_write("pc", 0x10)
    assert core.reg_read("pc") == 0x10
    with pytest.raises(EmulatorError, match="unknown AVR register"):
        core.reg_read("r32")


def test_symbol_and_memory_errors(countdown):
    core = countdown("attiny85")
    with pytest.raises(SymbolNotFound):
        core.symbol("nope")
    with pytest.raises(EmulatorError, match="do not fit"):
        core.write_symbol("hsk_emu_input", b"\x00\x00")
    with pytest.raises(EmulatorError, match="flash"):
        core.write_symbol("hsk_emu_done", b"\x00")
    with pytest.raises(EmulatorError, match="outside"):
        core.mem_read(0x25F, 2)
    with pytest.raises(EmulatorError, match="it is data, not code"):
        core.run("hsk_emu_input", max_cycles=10)
    assert core.read_symbol("hsk_emu_done", 2) == core.flash[core.symbol("hsk_emu_done").address :][:2]


def test_load_errors(tmp_path):
    bad = tmp_path / "x.elf"
    bad.write_text("not an elf")
    with pytest.raises(ElfLoadError, match="cannot read as ELF"):
        AvrCore("attiny85").load(bad)
    with pytest.raises(ElfLoadError, match="not an AVR ELF"):
        AvrCore("attiny85").load(sys.executable)
    with pytest.raises(EmulatorError, match="no firmware loaded"):
        AvrCore("attiny85").reset()
    with pytest.raises(EmulatorError, match="unknown AVR MCU"):
        AvrCore("atmega2560")


def test_it_is_a_core_from_the_one_registry():
    core = emulator.open_core("avr", "attiny85")
    assert isinstance(core, Core)
    assert core.cycle_provenance is CycleProvenance.EXACT
    assert core.stack_top == core.mcu.ramend
    with pytest.raises(EmulatorError, match="has no chip 'esp32'"):
        emulator.open_core("avr", "esp32")
    with pytest.raises(EmulatorError, match="no emulator backend named 'xyz'"):
        emulator.open_core("xyz", "attiny85")
    assert {"avr", "unicorn"} <= set(emulator.registry.backends())
    assert "rp2040" in emulator.registry.chips("unicorn")


def test_runs_in_threads_in_parallel():
    """The loop releases the GIL, so vectors can be spread over cores with threads."""
    elf = build_c("dense_int8", "attiny85")
    vectors = [bytes([i] * 16) for i in range(40)]
    serial = [run_vector(_loaded(elf), v, max_cycles=10**6) for v in vectors]
    results: dict[int, object] = {}

    def work(part):
        core = _loaded(elf)
        for i in part:
            results[i] = run_vector(core, vectors[i], max_cycles=10**6)

    threads = [threading.Thread(target=work, args=(range(k, 40, 2),)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(40)] == serial


def _loaded(elf):
    core = AvrCore("attiny85")
    core.load(elf)
    return core


def test_markers_are_values_with_cycles(countdown):
    core = countdown("attiny85")
    run_vector(core, b"\x01", max_cycles=1000)
    assert all(isinstance(m, Marker) for m in core.markers)


def test_emulator_never_imports_hasaki_hil():
    root = Path(emulator.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "hasaki_hil" for n in names), path
    code = "import sys, emulator.avr, emulator.harness; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "'hasaki_hil'" not in loaded


def test_a_hook_error_stops_the_run_and_reaches_the_caller():
    core = AvrCore("attiny85")

    def broken(value, cycle):
        raise ValueError(f"peripheral broke at cycle {cycle}")

    def reentrant(value, cycle):
        core.run(max_cycles=10)

    core.attach(0x32, write=broken)  # GPIOR1
    core.attach(0x33, write=reentrant)  # GPIOR2
    core.load(assemble("out 0x12, r16\nbreak\nout 0x13, r16\n", "attiny85"))
    with pytest.raises(ValueError, match="peripheral broke at cycle 0"):
        core.run(max_cycles=100)
    assert core.reg_read("pc") == 0  # a fault leaves the PC on the instruction
    core.reg_write("pc", 2)
    assert core.run(max_cycles=100).reason is StopReason.BREAK  # the core stays usable
    with pytest.raises(RuntimeError, match="already running"):
        core.run(max_cycles=100)
    with pytest.raises(EmulatorError, match="attach peripherals before load"):
        core.attach(0x34, write=broken)
