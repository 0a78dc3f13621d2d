"""Timer/Counter1 on the ATmega328P: the count at every cycle (read through TEMP), TOV1, the
prescalers, stopping, and what is refused; against simavr where it agrees with the datasheet."""

import pytest

from emulator import EmulatorError, UnsupportedPeripheral
from emulator.avr import AvrCore

from .differential import assert_matches_simavr
from .irqprog import DELAY, build, loaded, mark, run

STORE = "\n".join(f"sts hsk_emu_output+{i}, r{20 + i}" for i in range(4))

# The timer starts at the STS after marker 10 (T0 = marker + 1); the LDS of TCNT1L after
# marker 11 begins at T0 + 65408 + d, so d = 0..255 reads from 128 cycles before the first
# overflow to 127 after it, the overflow itself included. Only TOV1 of TIFR1 is kept: the
# compare-match flags (OCF1A/B, which simavr sets) are not emulated.
ACROSS_THE_OVERFLOW = f"""
    ldi r16, 1
    {mark(10)}
    sts TCCR1B, r16
    ldi r24, lo8(16348)
    ldi r25, hi8(16348)
1:  sbiw r24, 1
    brne 1b
    nop
    nop
    nop
    {DELAY}
    {mark(11)}
    lds r20, TCNT1L
    lds r21, TCNT1H
    in r22, _SFR_IO_ADDR(TIFR1)
    andi r22, 1 << TOV1
    lds r23, TCNT1H
    {STORE}
"""


@pytest.fixture(scope="module")
def across():
    return build(ACROSS_THE_OVERFLOW)


def test_reading_across_the_overflow(across):
    """TCNT1 is the count when the reading instruction begins, TCNT1H the byte latched by the
    TCNT1L read (TEMP) even cycles later, and TOV1 is set from the cycle the count wraps."""
    core = loaded(across)
    wraps = 0
    for d in range(256):
        out, marks = run(core, d)
        t0, read = marks[10][0] + 1, marks[11][0] + 1
        count = (read - t0) & 0xFFFF
        tov = read + 4 - t0 >= 0x10000  # IN TIFR1 comes after two 2-cycle LDS
        assert list(out[:4]) == [count & 0xFF, count >> 8, int(tov), count >> 8], d
        wraps += count == 0
    assert wraps == 1  # one d reads exactly at the overflow


def test_reading_across_the_overflow_matches_simavr(across):
    assert_matches_simavr(across, "atmega328p", [bytes([d]) for d in range(256)], max_cycles=200_000)


TEMP_AND_FLAGS = f"""
    ldi r16, 1
    sts TCCR1B, r16
    ldi r16, 0x12
    sts TCNT1H, r16
    ldi r16, 0x34
    {mark(12)}
    sts TCNT1L, r16
    lds r20, TCNT1L
    ldi r16, 0x77
    sts TCNT1H, r16
    lds r21, TCNT1H
    ldi r16, 0xff
    sts TCNT1H, r16
    ldi r16, 0xf0
    sts TCNT1L, r16
1:  sbis _SFR_IO_ADDR(TIFR1), TOV1
    rjmp 1b
    {{write}}
    in r22, _SFR_IO_ADDR(TIFR1)
    andi r22, 1 << TOV1
    ldi r16, 1 << TOV1
    out _SFR_IO_ADDR(TIFR1), r16
    in r23, _SFR_IO_ADDR(TIFR1)
    andi r23, 1 << TOV1
    {STORE}
"""


def test_temp_on_writes_and_tov1_cleared_by_a_one():
    """Writing TCNT1H goes to TEMP and lands with the TCNT1L write, which sets the count at
    the cycle the writing instruction begins; writing TCNT1H again only changes TEMP. TOV1
    clears when a one is written to it."""
    elf = build(TEMP_AND_FLAGS.format(write="nop"))
    out, _ = run(loaded(elf))
    assert list(out[:4]) == [0x34 + 2, 0x77, 1, 0]  # the LDS begins 2 cycles after the STS
    assert_matches_simavr(elf, "atmega328p", [b"\x00"], max_cycles=100_000)


def test_writing_zero_leaves_tov1_set():
    """The datasheet's behaviour; simavr clears every set flag on any write to TIFR1."""
    out, _ = run(loaded(build(TEMP_AND_FLAGS.format(write="out _SFR_IO_ADDR(TIFR1), r1"))))
    assert list(out[2:4]) == [1, 0]


PRESCALED = f"""
    lds r16, hsk_emu_input+1
    {mark(10)}
    sts TCCR1B, r16
    ldi r24, lo8(10000)
    ldi r25, hi8(10000)
1:  sbiw r24, 1
    brne 1b
    {DELAY}
    {mark(11)}
    lds r20, TCNT1L
    lds r21, TCNT1H
    {STORE}
"""


def test_prescalers_and_reset():
    """clk/1 to clk/1024 count from the cycle the timer starts; a vector with the timer off,
    run after the others on the same core, reads 0: reset stops the timer (simavr's reset
    leaves it running, so those vectors are not compared with it)."""
    elf = build(PRESCALED)
    vectors = [bytes([d, cs]) for cs in (1, 2, 3, 4, 5, 0) for d in (0, 1, 7, 100, 255)]
    core = loaded(elf)
    for vector in vectors:
        core.reset()
        core.write_symbol("hsk_emu_input", vector)
        core.run(max_cycles=100_000)
        marks = {m.value: m.cycle for m in core.markers}
        ps = (0, 1, 8, 64, 256, 1024)[vector[1]]
        expected = (marks[11] + 1 - marks[10] - 1) // ps if ps else 0
        assert int.from_bytes(core.read_symbol("hsk_emu_output")[:2], "little") == expected, vector
    assert_matches_simavr(elf, "atmega328p", [v for v in vectors if v[1]], max_cycles=100_000)


STOP_AND_GO = f"""
    ldi r16, 1
    {mark(10)}
    sts TCCR1B, r16
    {DELAY}
    {mark(11)}
    sts TCCR1B, r1
    {DELAY}
    lds r20, TCNT1L
    lds r21, TCNT1H
    ldi r16, 2
    {mark(12)}
    sts TCCR1B, r16
    {DELAY}
    {mark(13)}
    lds r22, TCNT1L
    lds r23, TCNT1H
    {STORE}
"""


def test_a_stopped_timer_holds_its_count():
    """The datasheet's behaviour; simavr reads 0 while stopped and restarts from 0, so this is
    checked on our core alone."""
    core = loaded(build(STOP_AND_GO))
    out, marks = run(core, 40)
    held = marks[11][0] + 1 - marks[10][0] - 1
    go_on = held + (marks[13][0] + 1 - marks[12][0] - 1) // 8
    assert int.from_bytes(out[:2], "little") == held
    assert int.from_bytes(out[2:4], "little") == go_on


@pytest.mark.parametrize(
    "setup",
    ["ldi r16, 0x09\nsts TCCR1B, r16", "ldi r16, 0x01\nsts TCCR1A, r16\nsts TCCR1B, r16",
     "ldi r16, 0x06\nsts TCCR1B, r16"],
    ids=["ctc", "pwm", "t1-pin"],
)  # fmt: skip
def test_other_modes_are_refused(setup):
    core = loaded(build(setup))
    with pytest.raises(UnsupportedPeripheral, match="only normal mode"):
        core.run(max_cycles=1000)


def test_setting_a_mode_up_while_stopped_is_allowed():
    core = loaded(build("ldi r16, 0x03\nsts TCCR1A, r16\nsts TCCR1A, r1\nldi r16, 1\nsts TCCR1B, r16"))
    run(core)


@pytest.mark.parametrize("address", [0x84, 0x85, 0x81, 0x36, 0x6F])
def test_timer_registers_cannot_be_hooked(address):
    with pytest.raises(EmulatorError, match="timer register"):
        AvrCore("atmega328p").attach(address, write=lambda value, cycle: None)
