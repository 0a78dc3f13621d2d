"""Random Xtensa test programs for the differential test against QEMU.

Each case is a windowed function ``case<i>(record)``: it loads a2-a14, SAR, the booleans, the FP
registers, the MAC16 accumulator and M registers from the init part of its record, runs random
instructions (ALU, shifts, multiplies, guarded divides, forward branches, zero-overhead loops,
recursive windowed calls deep enough to overflow and underflow, FP on numbers, zeros,
infinities, NaNs and denormals, booleans, MAC16, loads and stores into the record's 64-byte data
buffer), then stores the architectural state into the record. a15 holds the record pointer and
is never an operand (its value depends on where the image is linked, which differs between the
QEMU and the ESP32 link), nor are a0/a1.

The instruction set is the intersection of the ESP32's LX6 configuration and QEMU's de233_fpu
core (``-cpu de233_fpu``): de233_fpu has no MUL32_HIGH (MULUH/MULSH), 32 physical address
registers instead of 64 (so it spills more, which the results must not show), and its FPU is the
newer DFPU; LITBASE, S32C1I and the FP divide/sqrt sequences (compared in test_qemu_diff.py on
their own) are left out.

QEMU 7.2 quirks kept out of the comparison (the translation-block ones checked to go away when
the block is split): UTRUNC.S of a negative number (QEMU drops the earlier sticky FSR flags; not
generated), several instructions writing booleans in one translation block (QEMU loses some
results; each boolean writer gets a block of its own), M registers read in the block that loaded
them (MAC16 loads get a block of their own), SRL/SRA after an SSL of 0 in the same block (QEMU
shifts by 0, not 32; SSL gets a block of its own), and RSR BR in the block that changed a
boolean (the dump starts a new block).
"""

from __future__ import annotations

import random
import struct

REC = 368  # record size
DATA, DUMP_A, DUMP_SAR, DUMP_BR, DUMP_FSR, DUMP_F, DUMP_ACC, DUMP_M = 0, 64, 116, 120, 124, 128, 192, 200
INIT_A, INIT_SAR, INIT_BR, INIT_F, INIT_ACC, INIT_M = 216, 268, 272, 276, 340, 348
RECORD_FIELDS = (("data", DATA, 64), ("a2-a14", DUMP_A, 52), ("sar", DUMP_SAR, 4), ("br", DUMP_BR, 4),
                 ("fsr", DUMP_FSR, 4), ("f0-f15", DUMP_F, 64), ("acc", DUMP_ACC, 8), ("m0-m3", DUMP_M, 16))  # fmt: skip

REGS = [f"a{i}" for i in range(2, 15)]
B4CONST = [-1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256]
B4CONSTU = [32768, 65536, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256]

HELPERS = """
# r8(n, x), r12(n, x), r4(n, x): a recursion that rotates through call8, call12 and call4 and
# uses only registers its callers do not own, so the caller keeps everything the ABI promises.
    .p2align 2
r8: entry a1, 48
    beqz a2, 1f
    addi a10, a2, -1
    addx2 a11, a3, a2
    call8 r12
    xor a2, a10, a3
    retw
1:  mov a2, a3
    retw
    .p2align 2
r12: entry a1, 64
    beqz a2, 1f
    addi a14, a2, -1
    add a15, a3, a2
    call12 r4
    sub a2, a14, a3
    retw
1:  addi a2, a3, 1
    retw
    .p2align 2
r4: entry a1, 32
    beqz a2, 1f
    addi a6, a2, -1
    addi a7, a3, 7
    call4 r8
    add a2, a6, a3
    retw
1:  mov a2, a3
    retw
"""


SPECIAL_FLOATS = (0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7FA00002, 0x00000001,
                  0x807FFFFF, 0x7F7FFFFF)  # fmt: skip


def _float(rng: random.Random) -> bytes:
    """An FP register's initial bits: mostly moderate numbers, sometimes zeros, infinities,
    NaNs (quiet and signalling) and denormals."""
    kind = rng.random()
    if kind < 0.08:
        return struct.pack("<I", rng.choice(SPECIAL_FLOATS))
    if kind < 0.2:
        return struct.pack("<f", float(rng.randint(-8, 8)))
    mag = 2.0 ** rng.uniform(-4, 8)
    return struct.pack("<f", rng.choice((-1, 1)) * mag)


class Gen:
    def __init__(self, rng: random.Random, case: int):
        self.rng = rng
        self.case = case
        self.labels = 0

    def label(self) -> str:
        self.labels += 1
        return f".Lc{self.case}_{self.labels}"

    def r(self) -> str:
        return self.rng.choice(REGS)

    def f(self) -> str:
        return f"f{self.rng.randrange(16)}"

    def b(self) -> str:
        return f"b{self.rng.randrange(16)}"

    def own_block(self, line: str) -> str:
        """``line`` in a translation block of its own on QEMU: QEMU 7.2 loses boolean results
        when several instructions writing BR share a block (a jump to the next instruction ends
        one). The emulated core needs no such thing; the jumps are ordinary code to it."""
        before, after = self.label(), self.label()
        return f"j {before}\n{before}:\n{line}\nj {after}\n{after}:"

    def simple(self) -> str:
        """One straight-line instruction (no control transfer)."""
        g, r = self.rng, self.r
        kind = g.randrange(100)
        if kind < 30:
            op = g.choice(["add", "sub", "and", "or", "xor", "addx2", "addx4", "addx8", "subx2", "subx4", "subx8",
                           "min", "max", "minu", "maxu", "mull", "mul16u", "mul16s", "moveqz", "movnez", "movltz",
                           "movgez", "src", "add.n"])  # fmt: skip
            return f"{op} {r()}, {r()}, {r()}"
        if kind < 55:
            choice = g.randrange(17)
            if choice == 0:
                return f"addi {r()}, {r()}, {g.randint(-128, 127)}"
            if choice == 1:
                return f"addmi {r()}, {r()}, {g.randint(-128, 127) * 256}"
            if choice == 2:
                return f"movi {r()}, {g.randint(-2048, 2047)}"
            if choice == 3:
                return f"movi.n {r()}, {g.randint(-32, 95)}"
            if choice == 4:
                return f"addi.n {r()}, {r()}, {g.choice([-1] + list(range(1, 16)))}"
            if choice == 5:
                return f"mov.n {r()}, {r()}"
            if choice == 6:
                return f"slli {r()}, {r()}, {g.randint(1, 31)}"
            if choice == 7:
                return f"srli {r()}, {r()}, {g.randint(0, 15)}"
            if choice == 8:
                return f"srai {r()}, {r()}, {g.randint(0, 31)}"
            if choice == 9:
                shift = g.randint(0, 31)
                return f"extui {r()}, {r()}, {shift}, {g.randint(1, min(16, 32 - shift))}"
            if choice == 10:
                return f"{g.choice(['sext', 'clamps'])} {r()}, {r()}, {g.randint(7, 22)}"
            if choice == 11:
                return f"{g.choice(['nsa', 'nsau'])} {r()}, {r()}"
            if choice == 12:
                return f"{g.choice(['neg', 'abs'])} {r()}, {r()}"
            if choice == 13:
                # SSL in a block of its own: after SSL of 0 (SAR = 32), QEMU 7.2 shifts by 0 in
                # the same translation block's SRL/SRA
                op = g.choice(["ssr", "ssl", "ssa8l"])
                return self.own_block(f"ssl {r()}") if op == "ssl" else f"{op} {r()}"
            if choice == 14:
                return f"ssai {g.randint(0, 31)}"
            if choice == 15:
                return f"{g.choice(['srl', 'sra'])} {r()}, {r()}"
            return f"sll {r()}, {r()}"
        if kind < 63:
            op = g.choice(["andb", "andbc", "orb", "orbc", "xorb", "any4", "all4", "any8", "all8", "movt", "movf"])
            if op in ("movt", "movf"):
                return f"{op} {r()}, {r()}, {self.b()}"
            if op in ("any4", "all4"):
                line = f"{op} {self.b()}, b{4 * g.randrange(4)}"
            elif op in ("any8", "all8"):
                line = f"{op} {self.b()}, b{8 * g.randrange(2)}"
            else:
                line = f"{op} {self.b()}, {self.b()}, {self.b()}"
            return self.own_block(line)
        if kind < 72:
            op = g.choice(["l32i", "s32i", "l16ui", "l16si", "s16i", "l8ui", "s8i", "l32i.n", "s32i.n"])
            size = 4 if "32" in op else 2 if "16" in op else 1
            return f"{op} {r()}, a15, {size * g.randrange(64 // size)}"
        if kind < 92:
            choice = g.randrange(12)
            f = self.f
            if choice < 3:
                return f"{g.choice(['add.s', 'sub.s', 'mul.s', 'madd.s', 'msub.s'])} {f()}, {f()}, {f()}"
            if choice == 3:
                return f"{g.choice(['neg.s', 'abs.s', 'mov.s'])} {f()}, {f()}"
            if choice == 4:
                return f"{g.choice(['float.s', 'ufloat.s'])} {f()}, {r()}, {g.randint(0, 3)}"
            if choice == 5:
                # no utrunc.s: for a negative operand QEMU 7.2 replaces the sticky FSR flags with
                # Invalid instead of adding it (tests/xtensa/cases.py covers utrunc.s)
                op = g.choice(["trunc.s", "round.s", "floor.s", "ceil.s"])
                return f"{op} {r()}, {f()}, {g.randint(0, 3)}"
            if choice == 6:
                op = g.choice(["oeq.s", "olt.s", "ole.s", "ueq.s", "ult.s", "ule.s", "un.s"])
                return self.own_block(f"{op} {self.b()}, {f()}, {f()}")
            if choice == 7:
                return f"{g.choice(['moveqz.s', 'movnez.s', 'movltz.s', 'movgez.s'])} {f()}, {f()}, {r()}"
            if choice == 8:
                return f"{g.choice(['movt.s', 'movf.s'])} {f()}, {f()}, {self.b()}"
            if choice == 9:
                return f"{g.choice(['lsi', 'ssi'])} {f()}, a15, {4 * g.randrange(16)}"
            if choice == 10:
                return f"rfr {r()}, {f()}"
            return f"add.s {f()}, {f()}, {f()}"
        # MAC16
        half = g.choice(["ll", "hl", "lh", "hh"])
        form = g.choice(["aa", "aa", "ad", "da", "dd"])
        op = g.choice(["mul", "mula", "muls"] + (["umul"] if form == "aa" else []))
        x = f"m{g.randrange(2)}" if form[0] == "d" else r()
        y = f"m{2 + g.randrange(2)}" if form[1] == "d" else r()
        if form in ("aa", "ad") or g.random() < 0.6:  # only .DA and .DD have the load forms
            return f"{op}.{form}.{half} {x}, {y}"
        # a load of M[w] with the pointer updated: the pointer is made from a15 (the buffer) and
        # gets a constant afterwards, since its value depends on the link; in a translation block
        # of its own, as QEMU 7.2 reads a stale M register in the block that loaded it
        ptr = g.choice([reg for reg in REGS if reg != y])
        step = g.choice(["ldinc", "lddec"])
        off = 4 * g.randrange(15) + (4 if step == "lddec" else 0)
        w = f"m{g.randrange(4)}"
        load = f"{step} {w}, {ptr}" if g.random() < 0.3 else f"mula.{form}.{half}.{step} {w}, {ptr}, {x}, {y}"
        return f"addi {ptr}, a15, {off}\n{self.own_block(load)}\nmovi {ptr}, {g.randint(-2048, 2047)}"

    def block(self) -> list[str]:
        g = self.rng
        kind = g.randrange(100)
        if kind < 70:
            return [self.simple()]
        if kind < 80:  # a forward branch over 1-3 instructions
            end = self.label()
            cond = g.randrange(6)
            if cond == 0:
                op = g.choice(
                    ["beq", "bne", "blt", "bge", "bltu", "bgeu", "bany", "bnone", "ball", "bnall", "bbc", "bbs"]
                )
                head = f"{op} {self.r()}, {self.r()}, {end}"
            elif cond == 1:
                head = f"{g.choice(['bbci', 'bbsi'])} {self.r()}, {g.randint(0, 31)}, {end}"
            elif cond == 2:
                head = f"{g.choice(['beqz', 'bnez', 'bltz', 'bgez', 'beqz.n', 'bnez.n'])} {self.r()}, {end}"
            elif cond == 3:
                head = f"{g.choice(['beqi', 'bnei', 'blti', 'bgei'])} {self.r()}, {g.choice(B4CONST)}, {end}"
            elif cond == 4:
                head = f"{g.choice(['bltui', 'bgeui'])} {self.r()}, {g.choice(B4CONSTU)}, {end}"
            else:
                head = f"{g.choice(['bt', 'bf'])} {self.b()}, {end}"
            return [head] + [self.simple() for _ in range(g.randint(1, 3))] + [f"{end}:"]
        if kind < 87:  # a zero-overhead loop of 1-3 straight-line instructions
            end, counter = self.label(), self.r()
            op = g.choice(["loop", "loopnez", "loopgtz"])
            count = {"loop": g.randint(1, 4), "loopnez": g.randint(0, 4), "loopgtz": g.randint(-1, 4)}[op]
            body = [self.simple() for _ in range(g.randint(1, 3))]
            return [f"movi {counter}, {count}", f"{op} {counter}, {end}", *body, f"{end}:"]
        if kind < 93:  # a divide whose divisor is made non-zero first
            d, skip = self.r(), self.label()
            op = g.choice(["quou", "quos", "remu", "rems"])
            return [f"bnez {d}, {skip}", f"movi {d}, 1", f"{skip}:", f"{op} {self.r()}, {self.r()}, {d}"]
        # windowed recursion: call8 clobbers a8 (return address) and a9 (stack pointer), which
        # depend on the link, so they get constants after the call
        return [f"movi a10, {g.randint(0, 14)}", f"mov a11, {self.r()}", "call8 r8", f"mov {self.r()}, a10",
                f"movi a8, {g.randint(-2048, 2047)}", f"movi a9, {g.randint(-2048, 2047)}"]  # fmt: skip


def case_source(rng: random.Random, i: int, length: int) -> str:
    gen = Gen(rng, i)
    lines = ["    .p2align 2", f"case{i}:", "    entry a1, 64", "    mov a15, a2"]
    lines += [f"    l32i a3, a15, {INIT_SAR}", "    wsr a3, sar", f"    l32i a3, a15, {INIT_BR}", "    wsr a3, br"]
    lines += [
        f"    l32i a3, a15, {INIT_ACC}",
        "    wsr a3, acclo",
        f"    l32i a3, a15, {INIT_ACC + 4}",
        "    wsr a3, acchi",
    ]
    lines += ["    movi a3, 0", "    wur a3, fsr", "    wur a3, fcr"]
    lines += [f"    l32i a3, a15, {INIT_M + 4 * k}\n    wsr a3, m{k}" for k in range(4)]
    lines += [f"    lsi f{k}, a15, {INIT_F + 4 * k}" for k in range(16)]
    lines += [f"    l32i a{k}, a15, {INIT_A + 4 * (k - 2)}" for k in range(2, 15)]
    body: list[str] = []
    while len(body) < length:
        body += gen.block()
    body = [part.strip() for line in body for part in line.split("\n")]
    lines += [f"    {line}" if not line.endswith(":") else line for line in body]
    lines += [f"    s32i a{k}, a15, {DUMP_A + 4 * (k - 2)}" for k in range(2, 15)]
    # QEMU 7.2 reads a stale BR with RSR in the translation block that changed a boolean: end
    # the block first (a jump to the next instruction)
    lines += [f"    j .Lc{i}_dump", f".Lc{i}_dump:"]
    lines += ["    rsr a2, sar", f"    s32i a2, a15, {DUMP_SAR}", "    rsr a2, br", f"    s32i a2, a15, {DUMP_BR}",
              "    rur a2, fsr", f"    s32i a2, a15, {DUMP_FSR}", "    rsr a2, acclo", f"    s32i a2, a15, {DUMP_ACC}",
              "    rsr a2, acchi", f"    s32i a2, a15, {DUMP_ACC + 4}"]  # fmt: skip
    lines += [f"    rsr a2, m{k}\n    s32i a2, a15, {DUMP_M + 4 * k}" for k in range(4)]
    lines += [f"    ssi f{k}, a15, {DUMP_F + 4 * k}" for k in range(16)]
    lines += ["    retw"]
    return "\n".join(lines)


def record_init(rng: random.Random) -> bytes:
    rec = bytearray(REC)
    rec[DATA : DATA + 64] = rng.randbytes(64)
    special = [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 31, 32, 255, 0x8000, 0xFFFF]
    for k in range(13):
        v = rng.choice(special) if rng.random() < 0.3 else rng.getrandbits(rng.choice((4, 8, 16, 32)))
        rec[INIT_A + 4 * k : INIT_A + 4 * k + 4] = v.to_bytes(4, "little")
    rec[INIT_SAR : INIT_SAR + 4] = rng.randrange(33).to_bytes(4, "little")
    rec[INIT_BR : INIT_BR + 4] = rng.getrandbits(16).to_bytes(4, "little")
    for k in range(16):
        rec[INIT_F + 4 * k : INIT_F + 4 * k + 4] = _float(rng)
    acc = rng.getrandbits(40)
    rec[INIT_ACC : INIT_ACC + 8] = (acc & 0xFFFFFFFF).to_bytes(4, "little") + (acc >> 32).to_bytes(4, "little")
    rec[INIT_M : INIT_M + 16] = rng.randbytes(16)
    return bytes(rec)


def program(seed: int, first: int, count: int, length: int = 24) -> tuple[str, list[bytes]]:
    """Assembly for cases first..first+count-1 and their initial records."""
    rng = random.Random(seed * 1_000_003 + first)
    records = [record_init(rng) for _ in range(count)]
    data = ["    .data", "    .p2align 2", "    .global hsk_results", "hsk_results:"]
    data += ["    .byte " + ",".join(str(b) for b in rec) for rec in records]
    data += ["    .global hsk_results_size", f"    .set hsk_results_size, {REC * count}"]
    text = ["    .text", "    .literal_position"]
    text += [f"    .literal .Lrec{i}, hsk_results + {REC * i}" for i in range(count)]
    text += ["    .global main", "    .p2align 2", "main:", "    entry a1, 32"]
    for i in range(count):
        text += [f"    l32r a10, .Lrec{i}", f"    call8 case{first + i}"]
    text += ["    retw", HELPERS]
    text += [case_source(rng, first + i, length) for i in range(count)]
    return "\n".join(data + text) + "\n", records


# libgcc's __divsf3 for the ESP32 (as its disassembly shows it): the divide sequence, dividend in
# f1, divisor in f2, the quotient in f0
DIVIDE_SEQUENCE = """
    div0.s f3, f2
    nexp01.s f4, f2
    const.s f5, 1
    maddn.s f5, f4, f3
    mov.s f6, f3
    mov.s f7, f2
    nexp01.s f2, f1
    maddn.s f6, f5, f6
    const.s f5, 1
    const.s f0, 0
    neg.s f8, f2
    maddn.s f5, f4, f6
    maddn.s f0, f8, f3
    mkdadj.s f7, f1
    maddn.s f6, f5, f6
    maddn.s f8, f4, f0
    const.s f3, 1
    maddn.s f3, f4, f6
    maddn.s f0, f8, f6
    neg.s f2, f2
    maddn.s f6, f3, f6
    maddn.s f2, f4, f0
    addexpm.s f0, f7
    addexp.s f6, f7
    divn.s f0, f2, f6
"""


def division_program(pairs: list[tuple[int, int]]) -> str:
    """Each (dividend, divisor) bit pattern through DIVIDE_SEQUENCE, then a NaN-producing add and
    a square root (MKSADJ.S) of the dividend; per pair 16 bytes: quotient, FSR, sum, root."""
    data = ["    .data", "    .p2align 2", "    .global hsk_results", "hsk_results:"]
    data += [f"    .long {a}, {b}, 0, 0" for a, b in pairs]
    data += ["    .global hsk_results_size", f"    .set hsk_results_size, {16 * len(pairs)}"]
    text = [
        "    .text",
        "    .literal_position",
        "    .literal .Lres, hsk_results",
        "    .global main",
        "    .p2align 2",
    ]
    text += ["main:", "    entry a1, 32", "    l32r a4, .Lres", f"    movi a5, {len(pairs)}", "1:"]
    text += ["    movi a6, 0", "    wur a6, fsr", "    lsi f1, a4, 0", "    lsi f2, a4, 4", "    lsi f9, a4, 0"]
    text += [DIVIDE_SEQUENCE, "    rur a6, fsr", "    ssi f0, a4, 0", "    s32i a6, a4, 4"]
    text += [
        "    lsi f10, a4, 4",
        "    add.s f11, f9, f10",
        "    ssi f11, a4, 8",
        "    mksadj.s f12, f9",
        "    ssi f12, a4, 12",
    ]
    text += ["    addi a4, a4, 16", "    addi a5, a5, -1", "    bnez a5, 1b", "    retw"]
    return "\n".join(data + text) + "\n"
