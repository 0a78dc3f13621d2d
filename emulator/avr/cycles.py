"""Cycle tables, one per AVR core, to be read against the Microchip AVR Instruction Set
Manual (DS40002198, the "AVRe" column, which covers AVRe and AVRe+; 16-bit PC devices,
data accesses to internal SRAM).

An entry is either a fixed count or, for instructions whose time depends on the
outcome, a tuple:
  branches (BRBS/BRBC):        (not taken, taken)
  skips (CPSE/SBRC/SBRS/SBIC/SBIS): (no skip, skip a 1-word instruction, skip a 2-word instruction)

The keys are also the core's instruction set: an instruction missing from a core's
table is illegal on that core (the ATtiny85's avr25 has no MUL family, JMP or CALL).
"""

from __future__ import annotations

from collections.abc import Mapping

Cost = int | tuple[int, ...]

AVRE: Mapping[str, Cost] = {
    # arithmetic and logic
    "ADD": 1, "ADC": 1, "ADIW": 2, "SUB": 1, "SUBI": 1, "SBC": 1, "SBCI": 1, "SBIW": 2,
    "AND": 1, "ANDI": 1, "OR": 1, "ORI": 1, "EOR": 1, "COM": 1, "NEG": 1, "INC": 1, "DEC": 1,
    # branches (RCALL/ICALL/RET/RETI with a 2-byte PC)
    "RJMP": 2, "IJMP": 2, "RCALL": 3, "ICALL": 3, "RET": 4, "RETI": 4,
    "CPSE": (1, 2, 3), "CP": 1, "CPC": 1, "CPI": 1,
    "SBRC": (1, 2, 3), "SBRS": (1, 2, 3), "SBIC": (1, 2, 3), "SBIS": (1, 2, 3),
    "BRBS": (1, 2), "BRBC": (1, 2),
    # data transfer
    "MOV": 1, "MOVW": 1, "LDI": 1, "LDS": 2,
    "LD_X": 2, "LD_XP": 2, "LD_MX": 2, "LD_YP": 2, "LD_MY": 2, "LDD_Y": 2,
    "LD_ZP": 2, "LD_MZ": 2, "LDD_Z": 2,
    "STS": 2,
    "ST_X": 2, "ST_XP": 2, "ST_MX": 2, "ST_YP": 2, "ST_MY": 2, "STD_Y": 2,
    "ST_ZP": 2, "ST_MZ": 2, "STD_Z": 2,
    "LPM": 3, "LPM_Z": 3, "LPM_ZP": 3,
    "IN": 1, "OUT": 1, "PUSH": 2, "POP": 2,
    # bit and bit-test
    "LSR": 1, "ROR": 1, "ASR": 1, "SWAP": 1, "BSET": 1, "BCLR": 1,
    "SBI": 2, "CBI": 2, "BST": 1, "BLD": 1,
    # MCU control
    "NOP": 1, "SLEEP": 1, "BREAK": 1, "WDR": 1,
}  # fmt: skip

AVRE_PLUS: Mapping[str, Cost] = {
    **AVRE,
    "MUL": 2, "MULS": 2, "MULSU": 2, "FMUL": 2, "FMULS": 2, "FMULSU": 2,
    "JMP": 3, "CALL": 4,
}  # fmt: skip


def expand(cost: Cost) -> tuple[int, int, int]:
    """(base, taken or skip-one, skip-two) as the execution loop consumes them."""
    if isinstance(cost, int):
        return cost, cost, cost
    if len(cost) == 2:
        return cost[0], cost[1], cost[1]
    return cost[0], cost[1], cost[2]
