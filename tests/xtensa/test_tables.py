"""The generated C header matches the decode table; the cycle table covers every class."""

from emulator.xtensa import cheader
from emulator.xtensa.cycles import CLASSES
from emulator.xtensa.isa import TABLE, decode, decode_order


def test_header_is_up_to_date():
    assert cheader.HEADER.read_text() == cheader.render(), "run: python -m emulator.xtensa.cheader"


def test_every_instruction_has_a_cycle_class():
    assert {ins.klass for ins in TABLE} <= set(CLASSES)


def test_each_pattern_decodes_to_itself():
    for ins in decode_order():
        assert decode(ins.value) is ins, ins.name
