"""The peripheral models behind the serial firmware (emulator/unicorn/peripherals.py), register by register."""

import pytest

from emulator import IllegalInstruction
from emulator.unicorn import UnicornCore
from emulator.unicorn.peripherals import Esp32c3IO, Rp2040IO, Stm32f4IO

from .firmware import program


class Clock:
    def __init__(self):
        self.t = 0

    def __call__(self):
        return self.t


def test_systick_counts_down_from_the_reload_once_per_cycle_and_wraps():
    clock = Clock()
    io = Rp2040IO(clock)
    io.reset()
    io.write(io.SYST_RVR, 9)
    clock.t = 100
    io.write(io.SYST_CVR, 123)  # any write clears the count
    assert io.read(io.SYST_CVR) == 0  # not enabled yet: the written value (cleared)
    io.write(io.SYST_CSR, 5)
    seen = []
    for t in range(100, 113):
        clock.t = t
        seen.append(io.read(io.SYST_CVR))
    assert seen == [0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8]  # reload at the first tick, period 10


def test_dwt_cyccnt_runs_only_when_enabled_and_can_be_set():
    clock = Clock()
    io = Stm32f4IO(clock)
    io.reset()
    clock.t = 50
    assert io.read(io.DWT_CYCCNT) == 0
    io.write(io.DWT_CYCCNT, 7)
    io.write(io.DWT_CTRL, 1)
    clock.t = 60
    assert io.read(io.DWT_CYCCNT) == 17
    clock.t = 50 + (1 << 32)
    assert io.read(io.DWT_CYCCNT) == 7  # 32 bits wrap


def test_the_uart_stops_the_core_on_the_second_empty_poll_only():
    """The status register carries the transmit flags too: one read per byte sent must not stop."""
    io = Stm32f4IO(Clock())
    io.reset()
    for b in b"hi":
        assert io.read(io.USART2) & 0x80  # TXE
        io.write(io.USART2 + 4, b)
        assert not io.idle
    assert io.uart.take() == b"hi" and io.uart.take() == b""
    assert not io.read(io.USART2) & 0x20 and not io.idle
    assert not io.read(io.USART2) & 0x20 and io.idle
    io.idle = False
    io.uart.feed(b"\x00\x07")
    assert io.uart.pending_rx == 2 and io.read(io.USART2) & 0x20
    assert io.read(io.USART2 + 4) == 0 and io.read(io.USART2 + 4) == 7 and not io.idle


def test_rp2040_atomic_aliases_resets_xosc_and_clock_selects():
    io = Rp2040IO(Clock())
    io.reset()
    assert io.read(io.RESETS_DONE) == 0  # everything held in reset at boot
    io.write(io.RESETS_RESET + 0x3000, (1 << 5) | (1 << 22))  # CLR alias
    assert io.read(io.RESETS_DONE) == (1 << 5) | (1 << 22)
    io.write(io.RESETS_RESET + 0x2000, 1 << 5)  # SET alias
    io.write(io.RESETS_RESET + 0x1000, 1 << 22)  # XOR alias
    assert io.read(io.RESETS_DONE) == 0
    assert io.read(io.XOSC_STATUS) == 0
    io.write(io.XOSC_CTRL, 0xAA0 | 0xFAB << 12)
    assert io.read(io.XOSC_STATUS) >> 31 == 1
    io.write(io.CLK_REF_CTRL, 2)
    assert io.read(io.CLK_REF_SELECTED) == 4
    io.write(io.UART0 + 0x2000, 0x41)  # an alias write to the data register sends nothing
    io.write(io.UART0, 0x42)
    assert io.uart.take() == b"B"
    assert io.read(io.UART0 + 0x18) & 0x10  # RXFE


def test_esp32c3_performance_counter_counts_cycles_once_selected_and_enabled():
    clock = Clock()
    io = Esp32c3IO(clock)
    io.reset()
    clock.t = 40
    assert io.csr_read(io.MPCCR) == 0
    assert io.csr_write(io.MPCER, 1) and io.csr_write(io.MPCMR, 1)
    assert io.csr_write(io.MPCCR, 0)
    clock.t = 45
    assert io.csr_read(io.MPCCR) == 5
    assert io.csr_read(0x300) is None and not io.csr_write(0x300, 1)  # mstatus is the CPU model's
    io.uart.feed(b"ab")
    assert io.read(io.UART0 + 0x1C) == 2 and io.read(io.UART0) == ord("a")


COUNTER_PROGRAM = """
static inline uint32_t pccr(void)
{
    uint32_t v;
    __asm__ volatile(".insn i SYSTEM, 2, %0, x0, 0x7E2" : "=r"(v));
    return v;
}
int main(void)
{
    __asm__ volatile(".insn i SYSTEM, 5, x0, x1, 0x7E0" ::: "memory");
    __asm__ volatile(".insn i SYSTEM, 5, x0, x1, 0x7E1" ::: "memory");
    hsk_emu_output[0] = pccr();
    for (volatile int i = 0; i < 10; i++) {
    }
    hsk_emu_output[1] = pccr();
#if UNKNOWN_CSR
    __asm__ volatile(".insn i SYSTEM, 2, %0, x0, 0x7E3" : "=r"(hsk_emu_output[2]));
#endif
    hsk_emu_done();
}
"""


def test_the_esp32c3_counter_csrs_run_on_the_core_and_other_missing_csrs_still_fault(tmp_path):
    core = UnicornCore("esp32c3")
    core.load(program(COUNTER_PROGRAM.replace("UNKNOWN_CSR", "0"), "esp32c3", tmp_path / "ok"))
    core.run(max_cycles=100_000)
    start, end = (int.from_bytes(core.read_symbol("hsk_emu_output")[i : i + 4], "little") for i in (0, 4))
    assert 0 < start < end and end - start > 10 * 5  # ten loop rounds counted, in estimated cycles
    assert end < core.cycles
    core = UnicornCore("esp32c3")
    core.load(program(COUNTER_PROGRAM.replace("UNKNOWN_CSR", "1"), "esp32c3", tmp_path / "bad"))
    with pytest.raises(IllegalInstruction):
        core.run(max_cycles=100_000)
