"""The AVR instruction encodings: the single source of truth for decoding.

Each entry is an opcode pattern exactly as the Microchip AVR Instruction Set Manual
prints it ("0000 11rd dddd rrrr"); letters are operand bits, most significant first.
The C execution loop gets its opcode ids and operand extractors from a header that
``emulator.avr.cheader`` renders from this table; Python builds the 64K-entry decode
table from it. Aliases (LSL = ADD Rd,Rd, BREQ = BRBS 1, SEC = BSET 0, ...) are not
separate entries: they are the same machine instruction.

Operand kinds turn raw bit fields into what the instruction means:
``reg`` 0..31, ``hi`` 16 + field (r16..r31 or r16..r23), ``pair`` 2 * field (MOVW),
``word`` 24 + 2 * field (ADIW/SBIW), ``io`` 0x20 + field (data address of an I/O
register), ``rel`` a signed word offset, ``imm`` the field as is. Stores and PUSH name
their source register ``r`` where the manual's pattern says ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

DEFAULT_KINDS = {"d": "reg", "r": "reg", "K": "imm", "k": "imm", "q": "imm", "A": "io", "b": "imm", "s": "imm"}


@dataclass(frozen=True)
class Instr:
    name: str  # also the C opcode id: OP_<name>
    pattern: str
    syntax: str
    words: int = 1  # 2: a 16-bit address/constant follows (LDS, STS, JMP, CALL)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def bits(self) -> str:
        bits = self.pattern.replace(" ", "")
        assert len(bits) == 16, self.name
        return bits

    @property
    def mask(self) -> int:
        return int("".join("1" if c in "01" else "0" for c in self.bits), 2)

    @property
    def value(self) -> int:
        return int("".join(c if c in "01" else "0" for c in self.bits), 2)

    def kind(self, letter: str) -> str:
        return self.kinds.get(letter, DEFAULT_KINDS[letter])

    def letters(self) -> list[str]:
        return sorted({c for c in self.bits if c not in "01"}, key=self.bits.index)

    def runs(self, letter: str) -> list[tuple[int, int, int]]:
        """Contiguous bit runs of ``letter`` as (opcode low bit, width, field low bit)."""
        positions = [15 - i for i, c in enumerate(self.bits) if c == letter]  # descending
        runs: list[list[int]] = []
        for p in positions:
            if runs and runs[-1][-1] == p + 1:
                runs[-1].append(p)
            else:
                runs.append([p])
        out, shift = [], 0
        for run in reversed(runs):  # least significant run first
            out.append((run[-1], len(run), shift))
            shift += len(run)
        return out

    def width(self, letter: str) -> int:
        return self.bits.count(letter)


HI = {"d": "hi", "r": "hi"}
REL = {"k": "rel"}

TABLE: tuple[Instr, ...] = (
    # arithmetic and logic
    Instr("ADD", "0000 11rd dddd rrrr", "add Rd, Rr"),
    Instr("ADC", "0001 11rd dddd rrrr", "adc Rd, Rr"),
    Instr("ADIW", "1001 0110 KKdd KKKK", "adiw Rd, K", kinds={"d": "word"}),
    Instr("SUB", "0001 10rd dddd rrrr", "sub Rd, Rr"),
    Instr("SUBI", "0101 KKKK dddd KKKK", "subi Rd, K", kinds=HI),
    Instr("SBC", "0000 10rd dddd rrrr", "sbc Rd, Rr"),
    Instr("SBCI", "0100 KKKK dddd KKKK", "sbci Rd, K", kinds=HI),
    Instr("SBIW", "1001 0111 KKdd KKKK", "sbiw Rd, K", kinds={"d": "word"}),
    Instr("AND", "0010 00rd dddd rrrr", "and Rd, Rr"),
    Instr("ANDI", "0111 KKKK dddd KKKK", "andi Rd, K", kinds=HI),
    Instr("OR", "0010 10rd dddd rrrr", "or Rd, Rr"),
    Instr("ORI", "0110 KKKK dddd KKKK", "ori Rd, K", kinds=HI),
    Instr("EOR", "0010 01rd dddd rrrr", "eor Rd, Rr"),
    Instr("COM", "1001 010d dddd 0000", "com Rd"),
    Instr("NEG", "1001 010d dddd 0001", "neg Rd"),
    Instr("INC", "1001 010d dddd 0011", "inc Rd"),
    Instr("DEC", "1001 010d dddd 1010", "dec Rd"),
    Instr("MUL", "1001 11rd dddd rrrr", "mul Rd, Rr"),
    Instr("MULS", "0000 0010 dddd rrrr", "muls Rd, Rr", kinds=HI),
    Instr("MULSU", "0000 0011 0ddd 0rrr", "mulsu Rd, Rr", kinds=HI),
    Instr("FMUL", "0000 0011 0ddd 1rrr", "fmul Rd, Rr", kinds=HI),
    Instr("FMULS", "0000 0011 1ddd 0rrr", "fmuls Rd, Rr", kinds=HI),
    Instr("FMULSU", "0000 0011 1ddd 1rrr", "fmulsu Rd, Rr", kinds=HI),
    # branches
    Instr("RJMP", "1100 kkkk kkkk kkkk", "rjmp k", kinds=REL),
    Instr("IJMP", "1001 0100 0000 1001", "ijmp"),
    Instr("JMP", "1001 010k kkkk 110k", "jmp k", words=2),
    Instr("RCALL", "1101 kkkk kkkk kkkk", "rcall k", kinds=REL),
    Instr("ICALL", "1001 0101 0000 1001", "icall"),
    Instr("CALL", "1001 010k kkkk 111k", "call k", words=2),
    Instr("RET", "1001 0101 0000 1000", "ret"),
    Instr("RETI", "1001 0101 0001 1000", "reti"),
    Instr("CPSE", "0001 00rd dddd rrrr", "cpse Rd, Rr"),
    Instr("CP", "0001 01rd dddd rrrr", "cp Rd, Rr"),
    Instr("CPC", "0000 01rd dddd rrrr", "cpc Rd, Rr"),
    Instr("CPI", "0011 KKKK dddd KKKK", "cpi Rd, K", kinds=HI),
    Instr("SBRC", "1111 110r rrrr 0bbb", "sbrc Rr, b"),
    Instr("SBRS", "1111 111r rrrr 0bbb", "sbrs Rr, b"),
    Instr("SBIC", "1001 1001 AAAA Abbb", "sbic A, b"),
    Instr("SBIS", "1001 1011 AAAA Abbb", "sbis A, b"),
    Instr("BRBS", "1111 00kk kkkk ksss", "brbs s, k", kinds=REL),
    Instr("BRBC", "1111 01kk kkkk ksss", "brbc s, k", kinds=REL),
    # data transfer
    Instr("MOV", "0010 11rd dddd rrrr", "mov Rd, Rr"),
    Instr("MOVW", "0000 0001 dddd rrrr", "movw Rd, Rr", kinds={"d": "pair", "r": "pair"}),
    Instr("LDI", "1110 KKKK dddd KKKK", "ldi Rd, K", kinds=HI),
    Instr("LDS", "1001 000d dddd 0000", "lds Rd, k", words=2),
    Instr("LD_X", "1001 000d dddd 1100", "ld Rd, X"),
    Instr("LD_XP", "1001 000d dddd 1101", "ld Rd, X+"),
    Instr("LD_MX", "1001 000d dddd 1110", "ld Rd, -X"),
    Instr("LD_YP", "1001 000d dddd 1001", "ld Rd, Y+"),
    Instr("LD_MY", "1001 000d dddd 1010", "ld Rd, -Y"),
    Instr("LDD_Y", "10q0 qq0d dddd 1qqq", "ldd Rd, Y+q"),  # LD Rd, Y is q = 0
    Instr("LD_ZP", "1001 000d dddd 0001", "ld Rd, Z+"),
    Instr("LD_MZ", "1001 000d dddd 0010", "ld Rd, -Z"),
    Instr("LDD_Z", "10q0 qq0d dddd 0qqq", "ldd Rd, Z+q"),  # LD Rd, Z is q = 0
    Instr("STS", "1001 001r rrrr 0000", "sts k, Rr", words=2),
    Instr("ST_X", "1001 001r rrrr 1100", "st X, Rr"),
    Instr("ST_XP", "1001 001r rrrr 1101", "st X+, Rr"),
    Instr("ST_MX", "1001 001r rrrr 1110", "st -X, Rr"),
    Instr("ST_YP", "1001 001r rrrr 1001", "st Y+, Rr"),
    Instr("ST_MY", "1001 001r rrrr 1010", "st -Y, Rr"),
    Instr("STD_Y", "10q0 qq1r rrrr 1qqq", "std Y+q, Rr"),
    Instr("ST_ZP", "1001 001r rrrr 0001", "st Z+, Rr"),
    Instr("ST_MZ", "1001 001r rrrr 0010", "st -Z, Rr"),
    Instr("STD_Z", "10q0 qq1r rrrr 0qqq", "std Z+q, Rr"),
    Instr("LPM", "1001 0101 1100 1000", "lpm"),
    Instr("LPM_Z", "1001 000d dddd 0100", "lpm Rd, Z"),
    Instr("LPM_ZP", "1001 000d dddd 0101", "lpm Rd, Z+"),
    Instr("IN", "1011 0AAd dddd AAAA", "in Rd, A"),
    Instr("OUT", "1011 1AAr rrrr AAAA", "out A, Rr"),
    Instr("PUSH", "1001 001r rrrr 1111", "push Rr"),
    Instr("POP", "1001 000d dddd 1111", "pop Rd"),
    # bit and bit-test
    Instr("LSR", "1001 010d dddd 0110", "lsr Rd"),
    Instr("ROR", "1001 010d dddd 0111", "ror Rd"),
    Instr("ASR", "1001 010d dddd 0101", "asr Rd"),
    Instr("SWAP", "1001 010d dddd 0010", "swap Rd"),
    Instr("BSET", "1001 0100 0sss 1000", "bset s"),
    Instr("BCLR", "1001 0100 1sss 1000", "bclr s"),
    Instr("SBI", "1001 1010 AAAA Abbb", "sbi A, b"),
    Instr("CBI", "1001 1000 AAAA Abbb", "cbi A, b"),
    Instr("BST", "1111 101d dddd 0bbb", "bst Rd, b"),
    Instr("BLD", "1111 100d dddd 0bbb", "bld Rd, b"),
    # MCU control
    Instr("NOP", "0000 0000 0000 0000", "nop"),
    Instr("SLEEP", "1001 0101 1000 1000", "sleep"),
    Instr("BREAK", "1001 0101 1001 1000", "break"),
    Instr("WDR", "1001 0101 1010 1000", "wdr"),
)

BY_NAME = {ins.name: ins for ins in TABLE}
OP_ID = {ins.name: i + 1 for i, ins in enumerate(TABLE)}  # 0 is "illegal"


def operand(ins: Instr, letter: str, word: int) -> int:
    raw = 0
    for low, width, shift in ins.runs(letter):
        raw |= ((word >> low) & ((1 << width) - 1)) << shift
    kind = ins.kind(letter)
    if kind == "hi":
        return 16 + raw
    if kind == "pair":
        return 2 * raw
    if kind == "word":
        return 24 + 2 * raw
    if kind == "io":
        return 0x20 + raw
    if kind == "rel":
        width = ins.width(letter)
        return raw - (1 << width) if raw >> (width - 1) else raw
    return raw


@cache
def decode_table() -> np.ndarray:
    """Opcode id (0 = illegal) for every 16-bit first word, over the whole table."""
    words = np.arange(1 << 16, dtype=np.uint32)
    table = np.zeros(1 << 16, dtype=np.uint8)
    for ins in TABLE:
        hit = (words & ins.mask) == ins.value
        table[hit] = OP_ID[ins.name]
    return table


def decode(word: int, next_word: int = 0) -> tuple[Instr, dict[str, int]] | None:
    """(instruction, operands) for one opcode, or None if no pattern matches.

    For two-word instructions the 16-bit second word is merged into ``k``.
    """
    op = int(decode_table()[word & 0xFFFF])
    if op == 0:
        return None
    ins = TABLE[op - 1]
    ops = {c: operand(ins, c, word) for c in ins.letters()}
    if ins.words == 2:
        ops["k"] = (ops.get("k", 0) << 16) | next_word
    return ins, ops
