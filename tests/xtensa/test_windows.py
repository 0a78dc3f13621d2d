"""The register window, step by step and under load: CALLn/ENTRY/RETW rotate it, a deep
recursion mixing call4/8/12 spills and reloads frames through the overflow and underflow
vectors (support/vectors.s) and still computes the right result; and the stops."""

from __future__ import annotations

import pytest

from emulator.core import StopReason
from emulator.errors import IllegalInstruction
from emulator.xtensa import XtensaCore

from .build import image

PROGRAM = """
    .data
    .p2align 2
    .global hsk_results
hsk_results: .space 16
    .global hsk_results_size
    .set hsk_results_size, 16

    .text
    .literal_position
    .literal .Lres, hsk_results
    .literal .Lr4, rec4
    .literal .Lr8, rec8
    .literal .Lr12, rec12

    .global main
    .p2align 2
main:
    entry a1, 32
    movi a10, 30        # depth
    movi a11, 1
    l32r a8, .Lr8
    callx8 a8
    l32r a2, .Lres
    s32i a10, a2, 0
    retw

# rec4(n, x) = n == 0 ? x : rec8(n - 1, 3x + n) + 1, and so on round the three call sizes,
# each frame keeping live values in high registers across its call so spills must restore them.
    .global rec4
    .p2align 2
rec4:
    entry a1, 32
    beqz a2, 1f
    mov a7, a2
    addi a10, a2, -1
    addx2 a11, a3, a3
    add a11, a11, a2
    l32r a8, .Lr8
    callx8 a8
    add a2, a10, a7
    retw
1:  mov a2, a3
    retw.n

    .global rec8
    .p2align 2
rec8:
    entry a1, 48
    beqz a2, 1f
    mov a9, a2
    addi a14, a2, -1
    xor a15, a3, a2
    l32r a8, .Lr12
    callx12 a8
    sub a2, a14, a9
    retw
1:  mov a2, a3
    retw

    .global rec12
    .p2align 2
rec12:
    entry a1, 64
    beqz a2, 1f
    addi a6, a2, -1
    addi a7, a3, 5
    mov a3, a2          # a4 and up belong to the call4 callee
    l32r a8, .Lr4
    callx4 a8
    mull a2, a6, a3
    retw
1:  mov a2, a3
    retw
"""


def model(n: int, x: int, kind: int) -> int:
    m = 0xFFFFFFFF
    if n == 0:
        return x
    if kind == 4:
        return (model(n - 1, (3 * x + n) & m, 8) + n) & m
    if kind == 8:
        return (model(n - 1, x ^ n, 12) - n) & m
    return (model(n - 1, (x + 5) & m, 4) * n) & m


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    core = XtensaCore()
    core.load(image(tmp_path_factory.mktemp("xt-win"), {"rec": PROGRAM}))
    return core


def test_deep_recursion_spills_and_reloads_frames(core):
    core.reset()
    vectors = core.symbol("_vectors").address
    seen = set()
    while True:  # run vector to vector to see which exceptions the recursion took
        stop = core.run(max_cycles=100_000, max_instructions=1)
        pc = core.reg_read("pc")
        if vectors <= pc < vectors + 0x180:
            seen.add((pc - vectors) & ~0x3F)  # which handler (each fits its 64-byte slot)
        if stop.reason is StopReason.HALT:
            break
    got = int.from_bytes(core.read_symbol("hsk_results", 4), "little")
    assert got == model(30, 1, 8)
    # overflow 4/8/12 and underflow 4/8/12 all taken (64 physical registers, 30 frames)
    assert {0x00, 0x40, 0x80, 0xC0, 0x100, 0x140} <= seen, sorted(hex(s) for s in seen)


def _at(core, label):
    core.reset()
    core.reg_write("ps", 0x40020)
    core.reg_write("a1", 0x3FFF0000)
    core.reg_write("pc", core.symbol(label).address)


def test_call_entry_retw_step_by_step(core):
    _at(core, "main")
    core.step()  # entry a1, 32 (CALLINC 0 at reset: no rotation)
    for _ in range(3):
        core.step()  # movi, movi, l32r
    call = core.reg_read("pc")
    core.step()  # callx8 a8
    assert core.reg_read("pc") == core.symbol("rec8").address
    assert core.reg_read("a8") == (2 << 30) | ((call + 3) & 0x3FFFFFFF)
    assert (core.reg_read("ps") >> 16) & 3 == 2
    sp = core.reg_read("a1")
    core.step()  # entry a1, 48 in rec8
    assert core.reg_read("windowbase") == 2
    assert core.reg_read("windowstart") == 0b101
    assert core.reg_read("a1") == sp - 48
    assert core.cycles > 0


def test_retw_returns_and_frees_the_frame(tmp_path):
    src = """
    .text
    .global _start
    .p2align 2
_start:
    call8 f
    .byte 0x00, 0x51, 0x00
    .p2align 2
f:  entry a1, 16
    movi a2, 9
    retw.n
    """
    core = XtensaCore()
    core.load(image(tmp_path, {"r": src}, startup=False))
    core.reg_write("ps", 0x40020)
    core.reg_write("a1", 0x3FFF0000)
    stop = core.run(max_cycles=100)
    assert stop.reason is StopReason.HALT
    assert core.reg_read("windowbase") == 0 and core.reg_read("windowstart") == 1
    assert core.reg_read("a10") == 9
    assert core.instructions == 5  # call8, entry, movi, retw.n, simcall


@pytest.mark.parametrize(
    "line, check",
    [
        ("rotw 2", {"windowbase": 2}),
        ("rotw -1", {"windowbase": 15}),
        ("ret.n", {"pc": "a0"}),
        ("esync", {}),
        ("rsync", {}),
        ("dsync", {}),
        ("excw", {}),
    ],
)
def test_single_window_and_sync_instructions(tmp_path, line, check):
    src = f".text\n.global _start\n.p2align 2\n_start:\n    {line}\n    nop\n"
    core = XtensaCore()
    core.load(image(tmp_path, {"l": src}, startup=False))
    core.reg_write("ps", 0x40020)
    core.reg_write("a0", core.symbol("_start").address + 40)
    core.step()
    for name, want in check.items():
        want = core.symbol("_start").address + 40 if want == "a0" else want
        assert core.reg_read(name) == want


def test_movsp_needs_a_live_caller_frame(tmp_path):
    src = ".text\n.global _start\n.p2align 2\n_start:\n    movsp a1, a2\n    nop\n"
    core = XtensaCore()
    core.load(image(tmp_path, {"m": src}, startup=False))
    core.reg_write("ps", 0x40020)
    core.reg_write("windowbase", 3)
    core.reg_write("windowstart", 0b1001)  # frames 0 (= WB-3) and 3 (ours) live
    core.reg_write("a2", 0x3FFF0000)
    core.step()
    assert core.reg_read("a1") == 0x3FFF0000
    core.reset()
    core.reg_write("ps", 0x40020)
    core.reg_write("a2", 0x3FFF0000)  # only frame 0 live: MOVSP needs an alloca exception
    with pytest.raises(IllegalInstruction, match="MOVSP"):
        core.step()


def test_rfwo_rfwu_rfe_return_to_epc1(tmp_path):
    src = ".text\n.global _start\n.p2align 2\n_start:\n    rfwo\n    rfwu\n    rfe\n"
    core = XtensaCore()
    core.load(image(tmp_path, {"m": src}, startup=False))
    start = core.symbol("_start").address
    core.reg_write("windowbase", 5)
    core.reg_write("windowstart", 0b100001)
    core.reg_write("ps", 0x40000 | 0x10 | (2 << 8))  # EXCM, OWB = 2
    core.reg_write("epc1", start + 3)
    core.step()  # rfwo: frame 5's bit cleared, WB = OWB, EXCM off
    assert core.reg_read("windowstart") == 0b000001
    assert core.reg_read("windowbase") == 2 and core.reg_read("pc") == start + 3
    assert core.reg_read("ps") & 0x10 == 0
    core.reg_write("ps", 0x40000 | 0x10 | (0 << 8))
    core.reg_write("epc1", start + 6)
    core.step()  # rfwu: frame 2's bit set, WB = 0
    assert core.reg_read("windowstart") == 0b000101 and core.reg_read("windowbase") == 0
    core.reg_write("ps", 0x40010)
    core.reg_write("epc1", start)
    core.step()  # rfe
    assert core.reg_read("pc") == start and core.reg_read("ps") == 0x40000


@pytest.mark.parametrize(
    "line, reason",
    [
        ("break 1, 2", StopReason.BREAK),
        ("break.n 3", StopReason.BREAK),
        ("waiti 0", StopReason.HALT),
        (".byte 0x00, 0x51, 0x00", StopReason.HALT),  # simcall
    ],
)
def test_stops(tmp_path, line, reason):
    src = f".text\n.global _start\n.p2align 2\n_start:\n    nop\n    {line}\n    nop\n"
    core = XtensaCore()
    core.load(image(tmp_path, {"s": src}, startup=False))
    stop = core.run(max_cycles=100)
    assert stop.reason is reason
    assert core.instructions == 2


def test_syscall_is_not_emulated(tmp_path):
    src = ".text\n.global _start\n.p2align 2\n_start:\n    syscall\n"
    core = XtensaCore()
    core.load(image(tmp_path, {"s": src}, startup=False))
    with pytest.raises(IllegalInstruction):
        core.run(max_cycles=100)
