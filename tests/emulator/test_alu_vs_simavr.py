"""Instruction results cross-checked against simavr: random register-to-register, immediate,
word, multiply and bit instructions with random operands, run over random register files
and SREG values; all 32 registers and SREG after each instruction, and the cycles, agree."""

import random

import numpy as np
import pytest

from .avrbuild import assemble
from .differential import assert_matches_simavr

STATE = 33  # r0..r31 and SREG
VECTORS = 250


def _reg(rng, lo=0, hi=31):
    return f"r{rng.randint(lo, hi)}"


def _k(rng):
    return f"0x{rng.randint(0, 255):02x}"


GENERATORS = {
    "rr": lambda rng, op: f"{op} {_reg(rng)}, {_reg(rng)}",
    "ri": lambda rng, op: f"{op} {_reg(rng, 16)}, {_k(rng)}",
    "r": lambda rng, op: f"{op} {_reg(rng)}",
    "word": lambda rng, op: f"{op} r{rng.choice((24, 26, 28, 30))}, {rng.randint(0, 63)}",
    "movw": lambda rng, op: f"movw r{2 * rng.randint(0, 15)}, r{2 * rng.randint(0, 15)}",
    "bit": lambda rng, op: f"{op} {_reg(rng)}, {rng.randint(0, 7)}",
    "flag": lambda rng, op: f"{op} {rng.randint(0, 7)}",
    "mul_hi": lambda rng, op: f"{op} {_reg(rng, 16)}, {_reg(rng, 16)}",
    "mul_frac": lambda rng, op: f"{op} {_reg(rng, 16, 23)}, {_reg(rng, 16, 23)}",
}
AVRE_OPS = {
    "rr": ["add", "adc", "sub", "sbc", "and", "or", "eor", "cp", "cpc", "mov"],
    "ri": ["subi", "sbci", "andi", "ori", "cpi", "ldi"],
    "r": ["com", "neg", "inc", "dec", "lsr", "ror", "asr", "swap"],
    "word": ["adiw", "sbiw"],
    "movw": ["movw"],
    "bit": ["bst", "bld"],
    "flag": ["bset", "bclr"],
}
MUL_OPS = {"rr": ["mul"], "mul_hi": ["muls"], "mul_frac": ["mulsu", "fmul", "fmuls", "fmulsu"]}


def _instructions(rng: random.Random, ops: dict, n: int) -> list[str]:
    pool = [(shape, op) for shape, names in ops.items() for op in names]
    return [GENERATORS[shape](rng, op) for shape, op in (rng.choice(pool) for _ in range(n))]


def _program(instructions: list[str]) -> str:
    """Harness program: per block, load the register file and SREG from the input, execute
    one instruction, store all registers and SREG into the block's slot of the output."""
    out = STATE * len(instructions)
    lines = [
        "#include <avr/io.h>",
        ".section .noinit", ".global hsk_emu_input", ".type hsk_emu_input, @object",
        f".size hsk_emu_input, {STATE}", f"hsk_emu_input: .skip {STATE}",
        ".section .bss", ".global hsk_emu_output", ".type hsk_emu_output, @object",
        f".size hsk_emu_output, {out}", f"hsk_emu_output: .skip {out}",
        ".text", ".global main", "main:",
        "ldi r16, 1", "out _SFR_IO_ADDR(GPIOR0), r16",
    ]  # fmt: skip
    for i, ins in enumerate(instructions):
        base = i * STATE
        lines += ["lds r16, hsk_emu_input+32", "out _SFR_IO_ADDR(SREG), r16"]
        lines += [f"lds r{r}, hsk_emu_input+{r}" for r in range(32)]
        lines.append(ins)
        lines += [f"sts hsk_emu_output+{base + r}, r{r}" for r in range(32)]
        lines += ["in r16, _SFR_IO_ADDR(SREG)", f"sts hsk_emu_output+{base + 32}, r16"]
    lines += ["ldi r16, 2", "out _SFR_IO_ADDR(GPIOR0), r16", ".global hsk_emu_done", "hsk_emu_done:", "cli", "sleep",
              "rjmp hsk_emu_done"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _states(rng) -> np.ndarray:
    """Random register files and SREGs, a third of the bytes edge values (carries, overflows, zeros)."""
    states = rng.integers(0, 256, (VECTORS, STATE), dtype=np.uint8)
    edge = rng.random(states.shape) < 0.33
    states[edge] = rng.choice(np.array([0x00, 0x01, 0x0F, 0x10, 0x7F, 0x80, 0xFF], dtype=np.uint8), edge.sum())
    return states


# (mcu, instruction set, blocks per program: the output must fit the RAM, programs)
SETUPS = [("attiny85", AVRE_OPS, 12, 4), ("atmega328p", AVRE_OPS | MUL_OPS, 40, 2)]


@pytest.mark.parametrize("mcu,ops,blocks,programs", SETUPS, ids=[s[0] for s in SETUPS])
def test_instruction_results_match_simavr(mcu, ops, blocks, programs):
    rng = random.Random(f"alu:{mcu}")
    vectors = [v.tobytes() for v in _states(np.random.default_rng(66))]
    for _ in range(programs):
        elf = assemble(_program(_instructions(rng, ops, blocks)), mcu, bare=False)
        assert_matches_simavr(elf, mcu, vectors, max_cycles=1_000_000)
