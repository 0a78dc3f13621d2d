"""The pattern table, the generated C header and the cycle tables are consistent, and the
table decodes every 16-bit word the way binutils' avr-objdump does."""

import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from emulator.avr import cheader, isa
from emulator.avr.cycles import AVRE, AVRE_PLUS
from emulator.avr.mcu import MCUS

# objdump mnemonics that are aliases of one table entry
BRANCH_SET = {"brcs", "breq", "brmi", "brvs", "brlt", "brhs", "brts", "brie"}
BRANCH_CLEAR = {"brcc", "brne", "brpl", "brvc", "brge", "brhc", "brtc", "brid"}
FLAG_SET = {"sec", "sez", "sen", "sev", "ses", "seh", "set", "sei"}
FLAG_CLEAR = {"clc", "clz", "cln", "clv", "cls", "clh", "clt", "cli"}
INDIRECT = {  # (mnemonic, operand shape) for the pointer forms
    ("ld", "X"): "LD_X", ("ld", "X+"): "LD_XP", ("ld", "-X"): "LD_MX",
    ("ld", "Y"): "LDD_Y", ("ld", "Y+"): "LD_YP", ("ld", "-Y"): "LD_MY", ("ldd", "Y+q"): "LDD_Y",
    ("ld", "Z"): "LDD_Z", ("ld", "Z+"): "LD_ZP", ("ld", "-Z"): "LD_MZ", ("ldd", "Z+q"): "LDD_Z",
    ("st", "X"): "ST_X", ("st", "X+"): "ST_XP", ("st", "-X"): "ST_MX",
    ("st", "Y"): "STD_Y", ("st", "Y+"): "ST_YP", ("st", "-Y"): "ST_MY", ("std", "Y+q"): "STD_Y",
    ("st", "Z"): "STD_Z", ("st", "Z+"): "ST_ZP", ("st", "-Z"): "ST_MZ", ("std", "Z+q"): "STD_Z",
    ("lpm", "Z"): "LPM_Z", ("lpm", "Z+"): "LPM_ZP",
}  # fmt: skip
# In binutils but in neither core: XMEGA/extended-memory instructions, SPM (self-programming)
NOT_IMPLEMENTED = {"elpm", "spm", "xch", "las", "lac", "lat", "des", "eijmp", "eicall"}


def _objdump_name(mnemonic: str, operands: str) -> str | None:
    if mnemonic == ".word" or mnemonic in NOT_IMPLEMENTED:
        return None
    if mnemonic in BRANCH_SET:
        return "BRBS"
    if mnemonic in BRANCH_CLEAR:
        return "BRBC"
    if mnemonic in FLAG_SET:
        return "BSET"
    if mnemonic in FLAG_CLEAR:
        return "BCLR"
    if mnemonic in ("ld", "ldd", "st", "std") or (mnemonic == "lpm" and operands):
        pointer = next(p.strip() for p in operands.split(",") if not re.fullmatch(r"\s*r\d+\s*", p))
        return INDIRECT[(mnemonic, re.sub(r"\+\d+", "+q", pointer))]
    return mnemonic.upper()


@pytest.fixture(scope="module")
def objdump_names() -> dict[int, str | None]:
    """avr-objdump's reading of every 16-bit word (each followed by a zero word)."""
    words = np.zeros((1 << 16, 2), dtype="<u2")
    words[:, 0] = np.arange(1 << 16)
    with tempfile.TemporaryDirectory() as tmp:
        blob = Path(tmp) / "all.bin"
        blob.write_bytes(words.tobytes())
        text = subprocess.run(
            ["avr-objdump", "-D", "-b", "binary", "-m", "avr:5", str(blob)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    names = {}
    for line in text.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t[0-9a-f ]+\t([^\t]+)\t?([^;]*)", line)
        if m and int(m.group(1), 16) % 4 == 0:
            names[int(m.group(1), 16) // 4] = _objdump_name(m.group(2).strip(), m.group(3).strip())
    assert len(names) == 1 << 16
    return names


def test_every_word_decodes_like_objdump(objdump_names):
    table = isa.decode_table()
    ours = {w: (isa.TABLE[table[w] - 1].name if table[w] else None) for w in range(1 << 16)}
    mismatches = {f"{w:04x}": (ours[w], objdump_names[w]) for w in range(1 << 16) if ours[w] != objdump_names[w]}
    assert not mismatches, dict(list(mismatches.items())[:20])


def test_patterns_do_not_overlap():
    words = np.arange(1 << 16, dtype=np.uint32)
    hits = sum(((words & ins.mask) == ins.value).astype(int) for ins in isa.TABLE)
    assert hits.max() == 1


def test_patterns_are_well_formed():
    for ins in isa.TABLE:
        assert re.fullmatch(r"[01a-zA-Z]{4}( [01a-zA-Z]{4}){3}", ins.pattern), ins.name
        for letter in ins.letters():
            assert letter in isa.DEFAULT_KINDS, (ins.name, letter)
    assert len({ins.name for ins in isa.TABLE}) == len(isa.TABLE)


def test_generated_header_is_up_to_date():
    assert cheader.HEADER.read_text() == cheader.render(), "run: python -m emulator.avr.cheader"


def test_cycle_tables_cover_the_cores():
    names = {ins.name for ins in isa.TABLE}
    assert set(AVRE_PLUS) == names
    assert set(AVRE) == names - {"MUL", "MULS", "MULSU", "FMUL", "FMULS", "FMULSU", "JMP", "CALL"}
    assert MCUS["attiny85"].cycles is AVRE and MCUS["atmega328p"].cycles is AVRE_PLUS


def test_operands_follow_the_kinds():
    ins, ops = isa.decode(0xEF0F)  # ldi r16, 0xff
    assert (ins.name, ops) == ("LDI", {"K": 0xFF, "d": 16})
    ins, ops = isa.decode(0x9601)  # adiw r24, 1
    assert (ins.name, ops) == ("ADIW", {"K": 1, "d": 24})
    ins, ops = isa.decode(0xF3F9)  # brbs 1, .-2
    assert (ins.name, ops) == ("BRBS", {"k": -1, "s": 1})
    ins, ops = isa.decode(0x940E, 0x1234)  # call 0x2468 (word 0x1234)
    assert (ins.name, ops) == ("CALL", {"k": 0x1234})
    ins, ops = isa.decode(0xB70F)  # in r16, 0x3f
    assert (ins.name, ops) == ("IN", {"A": 0x5F, "d": 16})
    assert isa.decode(0xFFFF) is None  # erased flash
