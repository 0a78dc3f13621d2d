"""One line of assembly, the state before, and what the manual says afterwards.

Flags are written as the set of SREG bits that are one ("ITHSVNZC" letters); every other
bit must be zero, so each case asserts all eight. Values may be expressions of ``here``
(the case's byte address), ``RAMEND`` and ``PORTB`` (its data address), which differ by MCU.
Cycle counts are typed in from the AVR Instruction Set Manual, not taken from our table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator import StopReason

BOTH = ("attiny85", "atmega328p")
MEGA = ("atmega328p",)


@dataclass(frozen=True)
class Case:
    asm: str
    cycles: int
    before: dict = field(default_factory=dict)  # registers (r0..r31, x, y, z, sp)
    sreg: str = ""
    after: dict = field(default_factory=dict)  # registers that change
    flags: str | None = None  # None: SREG unchanged
    mem: dict = field(default_factory=dict)  # data address -> byte, before
    after_mem: dict = field(default_factory=dict)
    pc: int | None = None  # next pc relative to the case; default: the instruction's size
    pc_abs: int | str | None = None
    mcus: tuple = BOTH
    stop: StopReason = StopReason.COUNT

    @property
    def id(self) -> str:
        return self.asm.replace("\n", " / ")


C = Case
RET = {"sp": "RAMEND - 2"}
RETURN_TO = {"RAMEND - 1": 0x01, "RAMEND": 0x23}  # word 0x0123, high byte first from SP+1


def pushed_return(offset: int) -> dict:
    """Stack bytes after a call from ``here`` whose return address is ``here + offset``."""
    return {"RAMEND": f"((here + {offset}) // 2) & 0xff", "RAMEND - 1": f"(here + {offset}) // 512"}


CASES = [
    # arithmetic and logic
    C("add r1, r2", 1, {"r1": 0x0F, "r2": 0x01}, after={"r1": 0x10}, flags="H"),
    C("add r1, r2", 1, {"r1": 0x80, "r2": 0x80}, after={"r1": 0x00}, flags="SVZC"),
    C("add r1, r2", 1, {"r1": 0x7F, "r2": 0x01}, after={"r1": 0x80}, flags="HVN"),
    C("adc r1, r2", 1, {"r1": 0xFF, "r2": 0x00}, "C", after={"r1": 0x00}, flags="HZC"),
    C("adc r3, r3", 1, {"r3": 0x80}, "C", after={"r3": 0x01}, flags="SVC"),
    C("adiw r24, 1", 2, {"r24": 0xFF, "r25": 0xFF}, after={"r24": 0, "r25": 0}, flags="ZC"),
    C("adiw r28, 63", 2, {"y": 0x7FFF}, after={"y": 0x803E}, flags="VN"),
    C("sub r1, r2", 1, {"r1": 0x10, "r2": 0x01}, after={"r1": 0x0F}, flags="H"),
    C("sub r1, r2", 1, {"r1": 0x00, "r2": 0x01}, after={"r1": 0xFF}, flags="HSNC"),
    C("sub r1, r2", 1, {"r1": 0x80, "r2": 0x01}, after={"r1": 0x7F}, flags="HSV"),
    C("subi r16, 1", 1, {"r16": 0x01}, after={"r16": 0x00}, flags="Z"),
    C("sbc r1, r2", 1, {"r1": 5, "r2": 5}, "Z", after={"r1": 0}, flags="Z"),
    C("sbc r1, r2", 1, {"r1": 5, "r2": 5}, "", after={"r1": 0}, flags=""),
    C("sbc r1, r2", 1, {"r1": 0, "r2": 0}, "C", after={"r1": 0xFF}, flags="HSNC"),
    C("sbci r17, 0x10", 1, {"r17": 0x20}, "C", after={"r17": 0x0F}, flags="H"),
    C("sbiw r26, 1", 2, {"x": 0x0000}, after={"x": 0xFFFF}, flags="SNC"),
    C("sbiw r30, 63", 2, {"z": 0x8000}, after={"z": 0x7FC1}, flags="SV"),
    C("and r1, r2", 1, {"r1": 0xF0, "r2": 0x0F}, "VC", after={"r1": 0}, flags="ZC"),
    C("andi r16, 0x80", 1, {"r16": 0xFF}, after={"r16": 0x80}, flags="SN"),
    C("or r1, r2", 1, {"r1": 0x80, "r2": 0x01}, after={"r1": 0x81}, flags="SN"),
    C("ori r16, 0", 1, {"r16": 0}, "V", flags="Z"),
    C("eor r1, r1", 1, {"r1": 0x55}, "SN", after={"r1": 0}, flags="Z"),
    C("com r5", 1, {"r5": 0x0F}, after={"r5": 0xF0}, flags="SNC"),
    C("com r5", 1, {"r5": 0xFF}, "V", after={"r5": 0x00}, flags="ZC"),
    C("neg r5", 1, {"r5": 0x01}, after={"r5": 0xFF}, flags="HSNC"),
    C("neg r5", 1, {"r5": 0x80}, flags="VNC"),
    C("neg r5", 1, {"r5": 0x00}, "C", flags="Z"),
    C("inc r5", 1, {"r5": 0x7F}, after={"r5": 0x80}, flags="VN"),
    C("inc r5", 1, {"r5": 0xFF}, "C", after={"r5": 0x00}, flags="ZC"),
    C("dec r5", 1, {"r5": 0x80}, after={"r5": 0x7F}, flags="SV"),
    C("dec r5", 1, {"r5": 0x01}, "H", after={"r5": 0x00}, flags="HZ"),
    C("mul r2, r3", 2, {"r2": 0xFF, "r3": 0xFF}, after={"r0": 0x01, "r1": 0xFE}, flags="C", mcus=MEGA),
    C("mul r2, r3", 2, {"r2": 0x00, "r3": 0x55, "r0": 7, "r1": 7}, "C", after={"r0": 0, "r1": 0}, flags="Z", mcus=MEGA),
    C("muls r16, r17", 2, {"r16": 0x80, "r17": 0x7F}, after={"r0": 0x80, "r1": 0xC0}, flags="C", mcus=MEGA),
    C("mulsu r16, r17", 2, {"r16": 0xFF, "r17": 0xFF}, after={"r0": 0x01, "r1": 0xFF}, flags="C", mcus=MEGA),
    C("fmul r16, r17", 2, {"r16": 0x80, "r17": 0x80}, after={"r0": 0x00, "r1": 0x80}, flags="", mcus=MEGA),
    C("fmul r16, r17", 2, {"r16": 0xFF, "r17": 0xFF}, after={"r0": 0x02, "r1": 0xFC}, flags="C", mcus=MEGA),
    C("fmuls r16, r17", 2, {"r16": 0x80, "r17": 0x80}, after={"r0": 0x00, "r1": 0x80}, flags="", mcus=MEGA),
    C("fmuls r23, r22", 2, {"r23": 0x40, "r22": 0x00, "r1": 9}, after={"r1": 0}, flags="Z", mcus=MEGA),
    C("fmulsu r16, r17", 2, {"r16": 0x80, "r17": 0xFF}, after={"r0": 0x00, "r1": 0x01}, flags="C", mcus=MEGA),
    # branches, calls and skips
    C("rjmp .+4", 2, pc=6),
    C("rjmp .-2", 2, pc=0),
    C("ijmp", 2, {"z": 0x0123}, pc_abs=0x246),
    C("jmp 0x1234", 3, pc_abs=0x1234, mcus=MEGA),
    C("rcall .+4", 3, pc=6, after={"sp": "RAMEND - 2"}, after_mem=pushed_return(2)),
    C("icall", 3, {"z": 0x0100}, pc_abs=0x200, after={"sp": "RAMEND - 2"}, after_mem=pushed_return(2)),
    C("call 0x0200", 4, pc_abs=0x200, after={"sp": "RAMEND - 2"}, after_mem=pushed_return(4), mcus=MEGA),
    C("ret", 4, RET, mem=RETURN_TO, pc_abs=0x246, after={"sp": "RAMEND"}),
    C("reti", 4, RET, mem=RETURN_TO, pc_abs=0x246, after={"sp": "RAMEND"}, flags="I"),
    C("cpse r1, r2\nnop", 2, {"r1": 7, "r2": 7}, pc=4),
    C("cpse r1, r2\nlds r3, 0x200", 3, {"r1": 7, "r2": 7}, pc=6),
    C("cpse r1, r2\nnop", 1, {"r1": 1, "r2": 2}, pc=2),
    C("cp r1, r2", 1, {"r1": 1, "r2": 2}, flags="HSNC"),
    C("cpc r1, r2", 1, {"r1": 9, "r2": 9}, "Z", flags="Z"),
    C("cpc r1, r2", 1, {"r1": 0x10, "r2": 0x0F}, "C", flags="H"),
    C("cpi r16, 0x80", 1, {"r16": 0x7F}, flags="VNC"),
    C("sbrc r1, 0\nnop", 2, {"r1": 0xFE}, pc=4),
    C("sbrc r1, 0\nnop", 1, {"r1": 0x01}, pc=2),
    C("sbrs r1, 7\nsts 0x200, r0", 3, {"r1": 0x80}, pc=6),
    C("sbrs r1, 7\nnop", 1, {"r1": 0x7F}, pc=2),
    C("sbic PORTB_IO, 2\nnop", 2, mem={"PORTB": 0x00}, pc=4),
    C("sbic PORTB_IO, 2\nnop", 1, mem={"PORTB": 0x04}, pc=2),
    C("sbis PORTB_IO, 2\nlds r1, 0x200", 3, mem={"PORTB": 0x04}, pc=6),
    C("sbis PORTB_IO, 2\njmp 0", 3, mem={"PORTB": 0x04}, pc=6, mcus=MEGA),
    C("sbis PORTB_IO, 2\nnop", 1, mem={"PORTB": 0x00}, pc=2),
    C("breq .+4", 2, sreg="Z", pc=6),
    C("breq .+4", 1, sreg="", pc=2),
    C("brcs .-8", 2, sreg="C", pc=-6),
    C("brne .+2", 2, sreg="", pc=4),
    C("brne .+2", 1, sreg="Z", pc=2),
    C("brlt .+10", 2, sreg="S", pc=12),
    C("brid .+6", 2, sreg="", pc=8),
    C("brbs 6, .+4", 2, sreg="T", pc=6),
    # data transfer
    C("mov r1, r2", 1, {"r2": 0x5A}, after={"r1": 0x5A}),
    C("movw r4, r2", 1, {"r2": 0x11, "r3": 0x22}, after={"r4": 0x11, "r5": 0x22}),
    C("ldi r31, 0xAB", 1, after={"r31": 0xAB}),
    C("lds r5, 0x0200", 2, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("ld r5, X", 2, {"x": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("ld r5, X+", 2, {"x": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77, "x": 0x201}),
    C("ld r5, -X", 2, {"x": 0x201}, mem={0x200: 0x77}, after={"r5": 0x77, "x": 0x200}),
    C("ld r5, Y", 2, {"y": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("ld r5, Y+", 2, {"y": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77, "y": 0x201}),
    C("ld r5, -Y", 2, {"y": 0x201}, mem={0x200: 0x77}, after={"r5": 0x77, "y": 0x200}),
    C("ldd r5, Y+63", 2, {"y": 0x1C1}, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("ld r5, Z", 2, {"z": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("ld r5, Z+", 2, {"z": 0x200}, mem={0x200: 0x77}, after={"r5": 0x77, "z": 0x201}),
    C("ld r5, -Z", 2, {"z": 0x201}, mem={0x200: 0x77}, after={"r5": 0x77, "z": 0x200}),
    C("ldd r5, Z+10", 2, {"z": 0x1F6}, mem={0x200: 0x77}, after={"r5": 0x77}),
    C("sts 0x0200, r5", 2, {"r5": 0x99}, after_mem={0x200: 0x99}),
    C("st X, r5", 2, {"r5": 0x99, "x": 0x200}, after_mem={0x200: 0x99}),
    C("st X+, r5", 2, {"r5": 0x99, "x": 0x200}, after={"x": 0x201}, after_mem={0x200: 0x99}),
    C("st -X, r5", 2, {"r5": 0x99, "x": 0x201}, after={"x": 0x200}, after_mem={0x200: 0x99}),
    C("st Y, r5", 2, {"r5": 0x99, "y": 0x200}, after_mem={0x200: 0x99}),
    C("st Y+, r5", 2, {"r5": 0x99, "y": 0x200}, after={"y": 0x201}, after_mem={0x200: 0x99}),
    C("st -Y, r5", 2, {"r5": 0x99, "y": 0x201}, after={"y": 0x200}, after_mem={0x200: 0x99}),
    C("std Y+5, r5", 2, {"r5": 0x99, "y": 0x1FB}, after_mem={0x200: 0x99}),
    C("st Z, r5", 2, {"r5": 0x99, "z": 0x200}, after_mem={0x200: 0x99}),
    C("st Z+, r5", 2, {"r5": 0x99, "z": 0x200}, after={"z": 0x201}, after_mem={0x200: 0x99}),
    C("st -Z, r5", 2, {"r5": 0x99, "z": 0x201}, after={"z": 0x200}, after_mem={0x200: 0x99}),
    C("std Z+63, r5", 2, {"r5": 0x99, "z": 0x1C1}, after_mem={0x200: 0x99}),
    C("lpm", 3, {"z": "here"}, after={"r0": 0xC8}),  # its own opcode 0x95c8, low byte
    C("lpm r5, Z", 3, {"z": "here + 1"}, after={"r5": 0x90}),  # 0x9054, high byte
    C("lpm r5, Z+", 3, {"z": "here"}, after={"r5": 0x55, "z": "here + 1"}),  # 0x9055
    C("in r16, 0x3f", 1, sreg="HC", after={"r16": 0x21}),
    C("out 0x3f, r16", 1, {"r16": 0x82}, flags="IZ"),
    C("in r16, 0x3d", 1, after={"r16": "RAMEND & 0xff"}),
    C("out 0x3e, r16", 1, {"r16": 0x01}, after={"sp": "RAMEND & 0xff | 0x100"}),
    C("push r5", 2, {"r5": 0x42}, after={"sp": "RAMEND - 1"}, after_mem={"RAMEND": 0x42}),
    C("pop r5", 2, {"sp": "RAMEND - 1"}, mem={"RAMEND": 0x42}, after={"r5": 0x42, "sp": "RAMEND"}),
    # bit and bit-test
    C("lsr r5", 1, {"r5": 0x01}, after={"r5": 0x00}, flags="SVZC"),
    C("lsr r5", 1, {"r5": 0x80}, "N", after={"r5": 0x40}, flags=""),
    C("ror r5", 1, {"r5": 0x02}, "C", after={"r5": 0x81}, flags="VN"),
    C("asr r5", 1, {"r5": 0x81}, after={"r5": 0xC0}, flags="SNC"),
    C("swap r5", 1, {"r5": 0x12}, after={"r5": 0x21}),
    C("bset 6", 1, flags="T"),
    C("sec", 1, sreg="Z", flags="ZC"),
    C("sei", 1, flags="I"),
    C("bclr 0", 1, sreg="ZC", flags="Z"),
    C("cli", 1, sreg="IC", flags="C"),
    C("sbi PORTB_IO, 3", 2, mem={"PORTB": 0x01}, after_mem={"PORTB": 0x09}),
    C("cbi PORTB_IO, 0", 2, mem={"PORTB": 0x09}, after_mem={"PORTB": 0x08}),
    C("bst r5, 3", 1, {"r5": 0x08}, flags="T"),
    C("bst r5, 3", 1, {"r5": 0xF7}, "TC", flags="C"),
    C("bld r6, 7", 1, {"r6": 0x00}, "T", after={"r6": 0x80}),
    C("bld r6, 0", 1, {"r6": 0xFF}, "", after={"r6": 0xFE}),
    # MCU control
    C("nop", 1),
    C("wdr", 1),
    C("sleep", 1, stop=StopReason.HALT),
    C("sleep", 1, sreg="I", stop=StopReason.SLEEP),
    C("break", 1, stop=StopReason.BREAK),
]
