"""Per-instruction tests: assemble a line with avr-as, step once, assert every register,
every SREG bit, the memory touched, the next PC and the cycle count (instruction_cases.py)."""

import pytest

from emulator.avr import MCUS, AvrCore
from emulator.avr.isa import TABLE, decode

from .avrbuild import assemble
from .instruction_cases import CASES, Case

FLAG_BITS = {letter: 1 << (7 - i) for i, letter in enumerate("ITHSVNZC")}
PORTB = {"attiny85": 0x38, "atmega328p": 0x25}
PAIRS = ("x", "y", "z")


def _flags(letters: str) -> int:
    return sum(FLAG_BITS[c] for c in letters)


def _program(mcu: str) -> str:
    """Every case for the MCU at its own label, with room around it for branch targets."""
    lines = ["#include <avr/io.h>", "#define PORTB_IO _SFR_IO_ADDR(PORTB)", ".rept 16", "nop", ".endr"]
    for i, case in enumerate(CASES):
        if mcu in case.mcus:
            lines += [f"case_{i}:", *case.asm.split("\n"), ".rept 8", "nop", ".endr"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cores():
    """(core, {case index: byte address}) per MCU, the core loaded with all its cases."""
    out = {}
    for mcu in MCUS:
        core = AvrCore(mcu)
        core.load(assemble(_program(mcu), mcu))
        out[mcu] = core, {i: core.symbol(f"case_{i}").address for i, c in enumerate(CASES) if mcu in c.mcus}
    return out


def _value(expr, here: int, mcu: str) -> int:
    if isinstance(expr, int):
        return expr
    return eval(expr, {}, {"here": here, "RAMEND": MCUS[mcu].ramend, "PORTB": PORTB[mcu]})


def _registers(core: AvrCore) -> dict[str, int]:
    return {f"r{i}": core.reg_read(f"r{i}") for i in range(32)} | {"sp": core.reg_read("sp")}


PARAMS = [pytest.param(mcu, i, case, id=f"{mcu}:{case.id}") for i, case in enumerate(CASES) for mcu in case.mcus]


@pytest.mark.parametrize("mcu,index,case", PARAMS)
def test_instruction(cores, mcu: str, index: int, case: Case):
    core, addresses = cores[mcu]
    here = addresses[index]
    core.reset()
    for name, expr in case.before.items():
        core.reg_write(name, _value(expr, here, mcu))
    for addr, expr in case.mem.items():
        core.mem_write(_value(addr, here, mcu), bytes([_value(expr, here, mcu)]))
    core.reg_write("sreg", _flags(case.sreg))
    core.reg_write("pc", here)
    expected = _registers(core)
    for name, expr in case.after.items():
        if name in PAIRS:
            lo = {"x": 26, "y": 28, "z": 30}[name]
            value = _value(expr, here, mcu)
            expected[f"r{lo}"], expected[f"r{lo + 1}"] = value & 0xFF, value >> 8
        else:
            expected[name] = _value(expr, here, mcu)

    stop = core.step()

    assert stop.reason is case.stop
    assert core.cycles == case.cycles
    assert core.instructions == 1
    assert _registers(core) == expected
    flags = case.sreg if case.flags is None else case.flags
    assert f"{core.reg_read('sreg'):08b}" == f"{_flags(flags):08b}", "SREG bits ITHSVNZC"
    first = decode(int.from_bytes(core.flash[here : here + 2], "little"))
    size = 2 * first[0].words
    if case.pc_abs is not None:
        assert stop.pc == _value(case.pc_abs, here, mcu)
    else:
        assert stop.pc == here + (size if case.pc is None else case.pc)
    for addr, expr in case.after_mem.items():
        assert core.mem_read(_value(addr, here, mcu), 1)[0] == _value(expr, here, mcu), f"memory {addr}"


def test_every_instruction_has_a_case(cores):
    covered = set()
    for core, addresses in cores.values():
        for here in addresses.values():
            covered.add(decode(int.from_bytes(core.flash[here : here + 2], "little"))[0].name)
    assert covered == {ins.name for ins in TABLE}
