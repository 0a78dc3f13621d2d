"""Each fault class ends the run cleanly, with its named error, the PC, and within its bound;
the harness convention (markers, hsk_emu_done) and UART0 work on the ESP32 core."""

from __future__ import annotations

import pytest

from emulator.core import StopReason
from emulator.errors import (
    CycleLimitExceeded,
    DivideByZero,
    IllegalInstruction,
    MemoryFault,
    StackCollision,
    UnalignedAccess,
)
from emulator.harness import run_vector
from emulator.xtensa import XtensaCore

from .build import image

FAULTS = {
    "illegal": (".byte 0xff, 0xff, 0xff", IllegalInstruction, "no instruction"),
    "not_emulated": ("recip0.s f1, f2", IllegalInstruction, "RECIP0.S .* not emulated"),
    "jump_outside_code": ("movi a2, 0x100\n    jx a2", MemoryFault, "code address"),
    "call_into_rom": ("l32r a2, .Lrom\n    callx8 a2", MemoryFault, "internal ROM, not emulated"),
    "load_outside_memory": ("movi a2, 0x100\n    l32i a3, a2, 0", MemoryFault, "data address"),
    "byte_load_from_iram": ("l32r a2, .Lhere\n    l8ui a3, a2, 0", MemoryFault, "32-bit accesses only"),
    "store_to_drom": ("l32r a2, .Ldrom\n    s32i a3, a2, 0", MemoryFault, "read-only"),
    "unaligned": ("l32r a2, .Ldram\n    l32i a3, a2, 0", UnalignedAccess, "unaligned"),
    "divide_by_zero": ("movi a2, 0\n    quos a3, a3, a2", DivideByZero, "divide by zero"),
    "fpu_disabled": ("movi a2, 0\n    wsr a2, cpenable\n    add.s f0, f1, f2", IllegalInstruction, "CPENABLE"),
    "bad_retw": ("movi a0, 0\n    retw", IllegalInstruction, "RETW"),  # a0[31:30] = 0: no CALLn made this frame
    "runaway_loop": ("1:  j 1b", CycleLimitExceeded, "runaway"),
    "stack_into_data": ("l32r a2, .Lrec\n    callx8 a2", StackCollision, "stack collision"),
}

PRELUDE = """
    .data
    .p2align 2
    .global hsk_results
hsk_results: .long 0
    .set hsk_results_size, 4
    .global hsk_results_size
    .text
    .literal_position
    .literal .Lhere, main
    .literal .Ldrom, 0x3F400000
    .literal .Lrom, 0x40000400
    .literal .Ldram, hsk_results + 2
    .literal .Lrec, recurse
    .p2align 2
recurse:
    entry a1, 4096
    l32r a2, .Lrec
    callx8 a2
    retw
    .global main
    .p2align 2
main:
    entry a1, 32
"""


@pytest.mark.parametrize("name", FAULTS)
def test_fault_ends_the_run_with_its_named_error(tmp_path, name):
    body, error, words = FAULTS[name]
    core = XtensaCore()
    core.load(image(tmp_path, {"f": PRELUDE + f"    {body}\n    retw\n"}))
    bound = 2_000_000
    with pytest.raises(error, match=words) as info:
        core.run(max_cycles=bound)
    assert info.value.cycles < bound + 8  # the last instruction may finish a few cycles past the bound
    fault_pc = info.value.pc
    if name == "jump_outside_code":
        assert fault_pc == 0x100
    elif name == "call_into_rom":
        assert fault_pc == 0x40000400
    elif name not in ("runaway_loop", "stack_into_data"):
        assert core.chip.region("iram").contains(fault_pc)
        assert core.reg_read("pc") == fault_pc  # the PC stays at the faulting instruction
    if name == "stack_into_data":
        assert info.value.sp < core.stack_limit
    if name == "runaway_loop":
        assert core.cycles >= bound


HARNESS = """
    .data
    .p2align 2
    .global hsk_emu_input, hsk_emu_output, hsk_emu_marker, hsk_results
hsk_emu_input: .space 8
    .size hsk_emu_input, 8
hsk_emu_output: .space 4
    .size hsk_emu_output, 4
hsk_emu_marker: .long 0
    .size hsk_emu_marker, 4
hsk_results: .long 0
    .set hsk_results_size, 4
    .global hsk_results_size
    .text
    .literal_position
    .literal .Lin, hsk_emu_input
    .literal .Lout, hsk_emu_output
    .literal .Lmark, hsk_emu_marker
    .literal .Ldone, hsk_emu_done
    .global main
    .p2align 2
main:
    entry a1, 32
    l32r a2, .Lin
    l32r a3, .Lmark
    movi a4, 1
    s32i a4, a3, 0      # marker 1: the inference starts
    l32i a5, a2, 0
    l32i a6, a2, 4
    mull a7, a5, a6     # the "inference": a product
    movi a4, 2
    s32i a4, a3, 0      # marker 2
    l32r a2, .Lout
    s32i a7, a2, 0
    l32r a8, .Ldone
    callx8 a8
    retw
    .global hsk_emu_done
    .p2align 2
hsk_emu_done:
    entry a1, 32
1:  j 1b
"""


def test_markers_and_done_drive_the_emulator_harness(tmp_path):
    core = XtensaCore()
    core.load(image(tmp_path, {"h": HARNESS}))
    for a, b in ((6, 7), (123456, 1000)):
        run = run_vector(core, a.to_bytes(4, "little") + b.to_bytes(4, "little"), max_cycles=10_000)
        assert int.from_bytes(run.output, "little") == a * b
        # between the markers: s32i (marker 1 starts) l32i l32i mull movi = 5 instructions, with
        # the l32i -> mull load-use interlock (1 cycle)
        assert run.cycles == 6
        assert [m.value for m in core.markers] == [1, 2]


UART = """
    .data
    .global hsk_results
hsk_results: .long 0
    .set hsk_results_size, 4
    .global hsk_results_size
    .text
    .literal_position
    .literal .Luart, 0x3FF40000
    .global main
    .p2align 2
main:
    entry a1, 32
    l32r a2, .Luart
    movi a3, 0x48       # 'H'
    s32i a3, a2, 0
    movi a3, 0x69       # 'i'
    s32i a3, a2, 0
1:  l32i a4, a2, 0x1c   # STATUS: RXFIFO_CNT
    extui a4, a4, 0, 8
    beqz a4, 1b
    l32i a5, a2, 0      # echo the byte + 1
    addi a5, a5, 1
    s32i a5, a2, 0
    j 1b
"""


def test_uart0_sends_receives_and_stops_when_idle(tmp_path):
    core = XtensaCore()
    core.load(image(tmp_path, {"u": UART}))
    stop = core.run(max_cycles=10_000)
    assert stop.reason is StopReason.PERIPHERAL  # the second empty receive poll
    assert core.io.uart.take() == b"Hi"
    core.io.uart.feed(b"AB")
    stop = core.run(max_cycles=10_000)
    assert stop.reason is StopReason.PERIPHERAL
    assert core.io.uart.take() == b"BC"
