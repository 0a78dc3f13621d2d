"""The decode table agrees with llvm-objdump (LLVM's Xtensa disassembler, -mcpu=esp32) on
which instruction an encoding is: every entry with random operand bits, and random words."""

from __future__ import annotations

import random

from emulator.xtensa.isa import TABLE, decode, length

from .tools import disassemble_words


def _instance(ins, rng: random.Random) -> int:
    w = 0
    for i, c in enumerate(reversed(ins.bits)):
        bit = int(c) if c in "01" else rng.getrandbits(1)
        w |= bit << i
    return w


def test_every_entry_is_the_instruction_llvm_sees(tmp_path):
    rng = random.Random(1)
    # special and user register numbers are sparse: more samples to hit ones LLVM names
    samples = {"RSR": 60, "WSR": 60, "XSR": 60, "RUR": 200, "WUR": 200}
    cases = [(ins, _instance(ins, rng)) for ins in TABLE if ins.llvm != "-" for _ in range(samples.get(ins.name, 6))]
    names = disassemble_words([(w, ins.length) for ins, w in cases], tmp_path)
    wrong = []
    for (ins, w), name in zip(cases, names):
        ours = decode(w)
        if name in ("<unknown>", "<none>"):
            continue  # an operand value LLVM refuses (an unknown special register, say)
        if ours is not ins or name != ins.mnemonic:
            wrong.append(f"{w:06x}: table {ins.name} decodes as {ours and ours.name}, llvm says {name}")
    assert not wrong, "\n".join(wrong[:40])
    seen = {ins.name for (ins, _), name in zip(cases, names) if name == ins.mnemonic}
    missed = [ins.name for ins in TABLE if ins.llvm != "-" and ins.name not in seen]
    assert not missed, f"llvm-objdump never recognised: {missed}"


def test_random_words_decode_as_llvm_does(tmp_path):
    rng = random.Random(2)
    words = [rng.getrandbits(24) for _ in range(3000)]
    names = disassemble_words([(w, length(w)) for w in words], tmp_path)
    wrong = []
    known = {ins.mnemonic for ins in TABLE}
    for w, name in zip(words, names):
        ours = decode(w)
        if name in known and (ours is None or ours.mnemonic != name):
            wrong.append(f"{w:06x}: llvm {name}, table {ours and ours.name}")
        elif ours is not None and name not in ("<unknown>", "<none>") and name != ours.mnemonic:
            wrong.append(f"{w:06x}: table {ours.name}, llvm {name}")
    assert not wrong, "\n".join(wrong[:40])
