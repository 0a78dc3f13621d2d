"""Interrupts on the ATmega328P, from Timer1's overflow: response time, the instruction after
SEI and RETI, waking from sleep, priority, and a C program timed like the serial harness times
hsk_predict, against simavr on a few hundred vectors."""

import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest

from emulator import StackCollision, StopReason
from emulator.avr import ATMEGA328P, AvrCore
from emulator.avr.isa import decode
from emulator.avr.mcu import DATASHEET_TIMING, TIMER1_328P
from emulator.harness import run_vector

from .avrbuild import assemble, build_c
from .differential import assert_matches_simavr, simavr_like
from .irqprog import DELAY, ENABLE_OVERFLOW_IRQ, build, loaded, mark, run

ISR_MARK = 3  # the handler's first instruction writes it: its cycle is when the vector began
HANDLER = "out _SFR_IO_ADDR(GPIOR0), r25\nreti"
START = f"ldi r25, {ISR_MARK}\n{ENABLE_OVERFLOW_IRQ}\nldi r16, 1\n{mark(10)}\nsts TCCR1B, r16"  # T0 = marker 10 + 1
# With interrupts on, to T0 + 65233 + d: code after it sees the overflow 303 - d cycles in.
NEAR_THE_OVERFLOW = (
    f"{START}\nsei\nldi r24, lo8(16305)\nldi r25, hi8(16305)\n1: sbiw r24, 1\nbrne 1b\nldi r25, {ISR_MARK}\n{DELAY}"
)


def _both(elf, d=0):
    """(datasheet, simavr-timed) runs of one vector on our core."""
    return run(loaded(elf), d), run(_simavr_like(elf), d)


def _simavr_like(elf):
    core = simavr_like("atmega328p")
    core.load(elf)
    return core


def test_response_is_four_cycles_after_the_instruction_completes():
    """The overflow at T0 + 65536 falls in a run of 1- to 4-cycle instructions (moved one
    cycle at a time by d): the vector starts 4 cycles after the instruction in progress ends,
    simavr's 0 cycles after it; TOV1 is cleared by then."""
    block = ".rept 40\nnop\nlds r0, 0x700\nmul r2, r3\nlpm\ncall 7f\n.endr\nrjmp finish\n7: ret"
    # TIFR1 as the handler sees it, TOV1 only: the compare-match flags are not emulated
    isr = (
        "out _SFR_IO_ADDR(GPIOR0), r25\nin r20, _SFR_IO_ADDR(TIFR1)\nandi r20, 1 << TOV1\nsts hsk_emu_output, r20\nreti"
    )
    elf = build(NEAR_THE_OVERFLOW + block, isr)
    for d in range(0, 256, 5):
        (out, ds), (_, sim) = _both(elf, d)
        overflow = ds[10][0] + 1 + 0x10000
        assert ds[ISR_MARK][0] == sim[ISR_MARK][0] + DATASHEET_TIMING.entry_cycles, d
        assert 0 <= sim[ISR_MARK][0] - overflow < 4  # the longest instruction in the block takes 4
        assert out[0] & 1 == 0
    assert_matches_simavr(elf, "atmega328p", [bytes([d]) for d in range(256)], max_cycles=200_000)


def test_an_interrupt_never_splits_a_two_word_instruction():
    """The overflow lands in every cycle of a run of LDS, STS, JMP and CALL: the address the
    handler finds on the stack is always the start of an instruction, as in simavr."""
    block = "blk:\n.rept 30\nlds r0, 0x700\nsts 0x700, r0\njmp 6f\n6: call sub\n.endr\nrjmp finish\nsub: ret"
    isr = ("out _SFR_IO_ADDR(GPIOR0), r25\nin r28, _SFR_IO_ADDR(SPL)\nin r29, _SFR_IO_ADDR(SPH)\n"
           "ldd r20, Y+1\nldd r21, Y+2\nsts hsk_emu_output, r21\nsts hsk_emu_output+1, r20\nreti")  # fmt: skip
    elf = build(NEAR_THE_OVERFLOW + block, isr)
    core = loaded(elf)
    start = core.symbol("blk").address
    starts, pc = {core.symbol("sub").address}, start
    while pc < start + 30 * 14:
        starts.add(pc)
        pc += 2 * decode(int.from_bytes(core.flash[pc : pc + 2], "little"))[0].words
    returns = set()
    for d in range(256):
        out, _ = run(core, d)
        returns.add(2 * int.from_bytes(out[:2], "little"))
    assert returns <= starts and len(returns) > 8
    assert_matches_simavr(elf, "atmega328p", [bytes([d]) for d in range(256)], max_cycles=200_000)


WAIT_FOR_TOV1 = "1: sbis _SFR_IO_ADDR(TIFR1), TOV1\nrjmp 1b"


@pytest.mark.parametrize("enable", ["sei", "ldi r23, 0x80\nout _SFR_IO_ADDR(SREG), r23"], ids=["sei", "sreg"])
def test_one_instruction_runs_after_i_is_set(enable):
    """With TOV1 pending, the instruction after SEI (or a SREG write that sets I) runs first;
    simavr runs two."""
    outs = "\n".join(f"out _SFR_IO_ADDR(GPIOR0), r{20 + i}" for i in range(3))
    main = f"{START}\nldi r20, 5\nldi r21, 6\nldi r22, 7\n{WAIT_FOR_TOV1}\n{enable}\n{outs}"
    elf = build(main, isr=HANDLER)
    (_, ds), (_, sim) = _both(elf)
    for marks, first in ((ds, [5]), (sim, [5, 6])):
        order = [v for _, v in sorted((c, v) for v in (5, 6, 7, ISR_MARK) for c in marks[v])]
        assert order == first + [ISR_MARK] + [7, 6, 5][: 3 - len(first)][::-1]
    assert_matches_simavr(elf, "atmega328p", [b"\x00"], max_cycles=300_000)


def test_one_instruction_runs_after_reti():
    """The handler waits for the next overflow before RETI, so an interrupt is pending when it
    returns: one INC of the main program runs in between (simavr: two). The handler's marker
    is the INC count."""
    main = f"{START}\nsei\n1:\n.rept 2000\ninc r20\n.endr\nrjmp 1b"
    isr = ("out _SFR_IO_ADDR(GPIOR0), r20\ninc r24\ncpi r24, 2\nbreq 9f\n"
           "3: sbis _SFR_IO_ADDR(TIFR1), TOV1\nrjmp 3b\nreti\n9: rjmp finish")  # fmt: skip
    elf = build(main, isr)
    for core, between in ((loaded(elf), 1), (_simavr_like(elf), 2)):
        run_vector(core, b"\x00", max_cycles=300_000)
        first, second = (m.value for m in core.markers[2:4])  # after markers 1 and 10
        assert (second - first) % 256 == between
    assert_matches_simavr(elf, "atmega328p", [b"\x00"], max_cycles=300_000)


def test_sleep_wakes_on_the_overflow():
    """SLEEP with the overflow interrupt enabled: the vector starts 4 + 4 cycles after the
    overflow (wake-up and response), simavr's 1; the program goes on after SLEEP."""
    main = f"{START}\nsei\nsleep\n{mark(6)}"
    elf = build(main, isr=HANDLER)
    (_, ds), (_, sim) = _both(elf)
    overflow = ds[10][0] + 1 + 0x10000
    assert ds[ISR_MARK][0] == overflow + 8
    assert sim[ISR_MARK][0] == overflow + 1
    assert ds[6][0] == ds[ISR_MARK][0] + 1 + 4 + 1  # the OUT, RETI, then the LDI before the marker
    assert_matches_simavr(elf, "atmega328p", [b"\x00"], max_cycles=300_000)


@pytest.mark.parametrize("setup", ["", ENABLE_OVERFLOW_IRQ.replace("ldi r16, 1", "ldi r16, 0")])
def test_sleep_that_nothing_can_end_stops_the_run(setup):
    core = loaded(build(f"{setup}\nldi r16, 1\nsts TCCR1B, r16\nsei\nsleep"))
    core.reset()
    stop = core.run(max_cycles=1_000_000)
    assert stop.reason is StopReason.SLEEP and stop.cycles < 100


def test_enabling_toie1_with_tov1_set_interrupts():
    """Pending is the flag and the enable bit together (the datasheet); simavr only raises on
    the overflow itself, so this runs on our core alone."""
    main = f"ldi r25, {ISR_MARK}\nsei\nldi r16, 1\nsts TCCR1B, r16\n{WAIT_FOR_TOV1}\n{mark(5)}\n{ENABLE_OVERFLOW_IRQ}"
    _, marks = run(loaded(build(main, isr=HANDLER)))
    assert marks[ISR_MARK][0] == marks[5][0] + 1 + 1 + 2 + 4  # OUT, LDI, STS, response


def test_the_lower_vector_number_goes_first():
    """Two 16-bit timers (a made-up second one at free I/O addresses, vector 10) overflow while
    I is clear; after SEI, vector 10 is taken before vector 13."""
    other = replace(TIMER1_328P, tcntl=0x94, tccra=0x90, tccrb=0x91, tifr=0x38, timsk=0x71, overflow_vector=10)
    mcu = replace(ATMEGA328P, timers16=(TIMER1_328P, other))
    source = """#include <avr/io.h>
.org 0
    jmp main
.org 0x28
    out _SFR_IO_ADDR(GPIOR0), r24
    reti
.org 0x34
    out _SFR_IO_ADDR(GPIOR0), r25
    reti
main:
    ldi r24, 10
    ldi r25, 13
    ldi r16, 1
    sts TIMSK1, r16
    sts 0x71, r16
    sts 0x91, r16
    sts TCCR1B, r16
1:  sbis _SFR_IO_ADDR(TIFR1), TOV1
    rjmp 1b
    sei
    nop
    nop
    nop
    cli
    sleep
"""
    core = AvrCore(mcu)
    core.load(assemble(source, "atmega328p"))
    assert core.run(max_cycles=200_000).reason is StopReason.HALT
    assert [m.value for m in core.markers] == [10, 13]


# -- the serial harness's way of timing, in C ---------------------------------------------

VECTORS = 300


def _timing_vectors(n):
    rng = np.random.default_rng(zlib.crc32(b"timer1_measure"))
    rounds, delays, seeds = (
        rng.integers(240, 480, n),
        rng.integers(0, 256, n),
        rng.integers(0, 2**32, n, dtype=np.uint64),
    )
    return [struct.pack("<HBI", int(r), int(d), int(s)) for r, d, s in zip(rounds, delays, seeds)]


@pytest.fixture(scope="module")
def timed():
    return build_c("timer1_measure", "atmega328p")


def test_timing_with_timer1_matches_simavr(timed):
    """Over 200,000 cycles and 3 to 6 overflows per vector: the measured counts, the raw
    readings, the results and the cycle of every marker (one per interrupt) agree."""
    vectors = _timing_vectors(VECTORS)
    agreement = assert_matches_simavr(timed, "atmega328p", vectors, max_cycles=2_000_000)
    assert agreement.inference_cycles[0] > 200_000
    core = _simavr_like(timed)
    for vector in vectors[:20]:
        measured, t0, t1, _, overflows = struct.unpack("<IIIIH", run_vector(core, vector, max_cycles=2_000_000).output)
        assert measured > 200_000 and overflows >= 3 and measured == t1 - t0


def test_the_datasheet_adds_four_cycles_per_interrupt(timed):
    """The same vectors on the datasheet's timing: every interrupt costs 4 more cycles, in the
    total and in the measured count (whose high words count the interrupts before each read)."""
    ds, sim = loaded(timed), _simavr_like(timed)
    for vector in _timing_vectors(50):
        a, b = run_vector(ds, vector, max_cycles=2_000_000), run_vector(sim, vector, max_cycles=2_000_000)
        entries = sum(m.value == ISR_MARK for m in ds.markers)
        assert a.total_cycles == b.total_cycles + 4 * entries
        measured, t0, t1, _, _ = struct.unpack("<IIIIH", a.output)
        assert measured == struct.unpack("<I", b.output[:4])[0] + 4 * ((t1 >> 16) - (t0 >> 16))


def test_no_room_for_the_return_address_is_a_stack_collision():
    """Taking the interrupt with SP at the end of static data: the fault names the interrupted
    instruction and the boundary's cycle, like a fault in CALL would."""
    sp = "ldi r16, hi8(_end)\nout _SFR_IO_ADDR(SPH), r16\nldi r16, lo8(_end)\nout _SFR_IO_ADDR(SPL), r16"
    core = loaded(build(f"{START}\nsei\n{sp}\nloop:\nnop\nrjmp loop", isr=HANDLER))
    core.reset()
    with pytest.raises(StackCollision) as err:
        core.run(max_cycles=200_000)
    marks = {m.value: m.cycle for m in core.markers}
    overflow = marks[10] + 1 + 0x10000
    assert err.value.pc in (core.symbol("loop").address, core.symbol("loop").address + 2)
    assert overflow <= err.value.cycles < overflow + 2 and err.value.sp < err.value.limit
