"""Every implemented opcode, one step at a time: assemble the line with llvm-mc, link it into
IRAM, set registers and memory, step once, and assert registers, FP results and flags, and the
cycles from the cycle table (emulator/xtensa/cycles.py)."""

from __future__ import annotations

import random

import pytest

import emulator.errors as errors
from emulator.core import StopReason
from emulator.xtensa import XtensaCore
from emulator.xtensa.cycles import CLASSES
from emulator.xtensa.isa import BY_NAME, TABLE

from .build import image
from .cases import CASES, Case

PS_WOE_UM = 0x40020  # window exceptions on, EXCM off


def _mac16_cases() -> list[Case]:
    """Every MAC16 opcode against a Python model of the 40-bit accumulator."""
    rng = random.Random(5)
    out = []
    for ins in TABLE:
        if ins.handler != "MAC16":
            continue
        parts = ins.name.lower().split(".")
        op, form, half = parts[0], parts[1], parts[2]
        load = parts[3] if len(parts) > 3 else None
        x_m, y_m = form[0] == "d", form[1] == "d"
        xs = "m1" if x_m else "a2"
        ys = "m3" if y_m else "a4"
        before = {"acc": rng.getrandbits(39), "m1": rng.getrandbits(32), "m3": rng.getrandbits(32),
                  "a2": rng.getrandbits(32), "a4": rng.getrandbits(32)}  # fmt: skip
        x, y = before[xs], before[ys]
        xh = x >> 16 if half[0] == "h" else x & 0xFFFF
        yh = y >> 16 if half[1] == "h" else y & 0xFFFF
        if op == "umul":
            p = xh * yh
        else:
            p = (xh - (xh >> 15 << 16)) * (yh - (yh >> 15 << 16))
        acc = {"umul": p, "mul": p, "mula": before["acc"] + p, "muls": before["acc"] - p}[op] & (2**40 - 1)
        after = {"acc": acc}
        if load:
            asm = f"{ins.name.lower()} m0, a3, {xs}, {ys}"
            before["mem+4"] = 0x600DF00D
            after.update({"m0": 0x600DF00D, "a3": "mem+4"} if load == "ldinc" else {"m0": 0x600DF00D, "a3": "mem+4"})
            if load == "lddec":
                before["a3"] = "mem+8"
        else:
            asm = f"{ins.name.lower()} {xs}, {ys}"
        out.append(Case(asm, before, after))
    return out


# encodings llvm-mc 22 does not assemble, as bytes
RAW = [  # (bytes, before, after) for the instructions LLVM lacks
    Case(".byte 0x00, 0x33, 0x40", {"a3": 1}, {"sar": 24}),  # ssa8b a3
    Case(".byte 0x22, 0xb3, 0x02", {"mem+8": 0x1234}, {"a2": 0x1234}, cycles=1),  # l32ai a2, a3, 8
    Case(".byte 0x22, 0xf3, 0x02", {"a2": 0x4321}, {"mem+8": 0x4321}),  # s32ri a2, a3, 8
]
ALL = CASES + _mac16_cases() + RAW


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    lines = [
        "    .data", "    .p2align 2", "    .global testmem", "testmem: .space 256",
        "    .text", "    .literal_position", "    .literal .Llit, 0xDEADBEEF",
        "    .global _start", "_start: nop",
    ]  # fmt: skip
    for i, case in enumerate(ALL):
        lines += ["    .p2align 2", f"    .global case{i}", f"case{i}:", f"    {case.asm}", "    nop", "    nop"]
    elf = image(tmp_path_factory.mktemp("xt-insn"), {"cases": "\n".join(lines) + "\n"}, startup=False)
    core = XtensaCore()
    core.load(elf)
    return core


def _value(core: XtensaCore, case_addr: int, v):
    if isinstance(v, str):
        base, off = v.split("+")
        return (core.symbol("testmem").address if base == "mem" else case_addr) + int(off)
    return v


def _setup(core: XtensaCore, i: int, case: Case) -> int:
    core.reset()
    addr = core.symbol(f"case{i}").address
    mem = core.symbol("testmem").address
    core.reg_write("ps", PS_WOE_UM)
    core.reg_write("cpenable", 1)
    core.reg_write("a1", core.symbol("testmem").address + 256)
    core.reg_write("a3", mem)
    for name, v in case.before.items():
        if name.startswith("mem"):
            core.mem_write(mem + int(name.split("+")[1]), int(v).to_bytes(4, "little"))
        else:
            core.reg_write(name, _value(core, addr, v))
    core.reg_write("pc", addr)
    return addr


@pytest.mark.parametrize("i", range(len(ALL)), ids=[c.asm.split("#")[0].strip() for c in ALL])
def test_instruction(rig, i):
    case = ALL[i]
    core = rig
    addr = _setup(core, i, case)
    if case.fault:
        with pytest.raises(getattr(errors, case.fault)) as info:
            core.step()
        assert info.value.pc == addr and core.cycles == 0 and core.instructions == 0
        return
    stop = core.step()
    assert stop.reason is StopReason.COUNT
    mem = core.symbol("testmem").address
    for name, want in case.after.items():
        want = _value(core, addr, want)
        if name.startswith("mem"):
            width = {"mem": 4, "mem16": 2, "mem8": 1}[name.split("+")[0]]
            got = int.from_bytes(core.mem_read(mem + int(name.split("+")[1]), width), "little")
        else:
            got = core.reg_read(name)
        assert got == want, f"{case.asm}: {name} = 0x{got:x}, want 0x{want:x}"
    assert core.cycles == case.cycles, f"{case.asm}: {core.cycles} cycles, want {case.cycles}"
    assert core.instructions == 1
    if case.pc is not None:
        assert core.reg_read("pc") == (addr + case.pc) & 0xFFFFFFFF


def test_every_opcode_has_a_case_or_a_dedicated_test():
    """The cases here plus test_windows.py / test_faults.py cover every table entry."""
    covered = set()
    for case in ALL:
        word = case.asm.split()[0].upper()
        covered.add(word)
    llvm_names = {ins.mnemonic.upper(): ins.name for ins in TABLE}
    covered = {llvm_names.get(w, w) for w in covered}
    covered |= {"SSA8B", "L32AI", "S32RI"}
    elsewhere = {  # tests/xtensa/test_windows.py and test_faults.py
        "CALL4", "CALL8", "CALL12", "CALLX4", "CALLX8", "CALLX12", "ENTRY", "RETW", "RETW.N", "RET.N",
        "ROTW", "MOVSP", "RFWO", "RFWU", "RFE", "BREAK", "BREAK.N", "SIMCALL", "WAITI", "SYSCALL",
        "ESYNC", "RSYNC", "DSYNC", "EXCW",
    }  # fmt: skip
    missing = [ins.name for ins in TABLE if ins.name not in covered | elsewhere]
    assert not missing, missing


def test_cycle_classes_are_all_in_the_table():
    assert {ins.klass for ins in TABLE} <= set(CLASSES)
    assert BY_NAME["MADD.S"].klass == "fmadd" and CLASSES["fmadd"].latency == 4
