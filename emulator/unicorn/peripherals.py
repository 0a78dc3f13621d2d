"""The few peripherals the serial firmware touches, per chip: its UART and its cycle counter.

Each model answers memory-mapped reads and writes in its windows (unicorn ``mmio_map``) and
holds every other register as plain storage, so the clock and pin set-up the firmware does
reads back what it wrote. What the firmware waits on reads as done (the RP2040's resets, its
crystal oscillator and clock selects). The UART's host side has the interface of the AVR
core's USART: ``feed(bytes)``, ``take() -> bytes``, ``pending_rx``. A firmware polling the
receive status with nothing to receive asks the core to stop (``idle``), so a host can wait
for bytes without burning emulated cycles. The status register also carries the transmit
flags, which a firmware reads once per byte it sends, so the stop comes on the second empty
poll in a row, with no byte sent or taken between.

Cycle counters read the core's estimated count at the reading instruction (``now``):
DWT CYCCNT on the Cortex-M4F, SysTick (24-bit down-counter on the processor clock) on the
Cortex-M0+, the ESP32-C3's machine performance counter (CSRs 0x7E0-0x7E2, handled by the
core's illegal-instruction hook because the emulated RISC-V CPU lacks them).

Register maps: ESP32-C3 TRM ch. 26 (UART: FIFO 0x00, STATUS 0x1C with RXFIFO_CNT[9:0],
TXFIFO_CNT[25:16]) and 1.14 (performance counters); RP2040 datasheet 4.2 (PL011 UART0 at
0x40034000: DR 0x000, FR 0x018), 2.14 (resets), 2.15 (clocks), 2.16 (XOSC), 2.1.2 (atomic
register aliases); STM32F446 RM0390 ch. 25 (USART2 at 0x40004400: SR 0x00, DR 0x04);
ARMv7-M ARM C1.8 (DWT at 0xE0001000) and B3.3 (SysTick at 0xE000E010).
"""

from __future__ import annotations

from collections.abc import Callable

from ..uart import Uart

SCS = (0xE000E000, 0x1000)  # System Control Space: SysTick, NVIC, SCB (CPACR, DEMCR)


class ChipIO:
    """Register storage over a chip's windows; subclasses give registers behaviour."""

    windows: tuple[tuple[int, int], ...] = ()

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now  # estimated cycles at the instruction doing the access
        self.uart = Uart()
        self.idle = False  # set when the firmware polls an empty receiver; the core stops
        self.regs: dict[int, int] = {}
        self._empty_polls = 0

    def reset(self) -> None:
        self.regs.clear()
        self.idle = False  # bytes in flight stay in flight, as on a wire
        self._empty_polls = 0

    def read(self, address: int) -> int:
        return self.regs.get(address, 0)

    def write(self, address: int, value: int) -> None:
        self.regs[address] = value

    def csr_read(self, csr: int) -> int | None:
        """A CSR the CPU model lacks but the chip has; None: not one of them."""
        return None

    def csr_write(self, csr: int, value: int) -> bool:
        return False

    def _rx_byte(self) -> int:
        self._empty_polls = 0
        return self.uart.rx.popleft() if self.uart.rx else 0

    def _tx_byte(self, value: int) -> None:
        self._empty_polls = 0
        self.uart.tx.append(value & 0xFF)

    def _rx_empty(self) -> bool:
        if self.uart.rx:
            return False
        self._empty_polls += 1
        self.idle = self._empty_polls >= 2
        return True


class _CortexM(ChipIO):
    """SysTick in the System Control Space; the rest of the SCS is storage."""

    SYST_CSR, SYST_RVR, SYST_CVR = 0xE000E010, 0xE000E014, 0xE000E018

    def reset(self) -> None:
        super().reset()
        self._systick_origin = 0  # cycle count at which CVR was last written

    def read(self, address: int) -> int:
        if address == self.SYST_CVR:
            csr, reload = self.regs.get(self.SYST_CSR, 0), self.regs.get(self.SYST_RVR, 0) & 0xFFFFFF
            if not csr & 1 or reload == 0:
                return self.regs.get(address, 0)
            # CVR counts down from the reload value once per processor cycle (CLKSOURCE=1)
            # and wraps from 0 back to the reload: period reload + 1
            elapsed = self.now() - self._systick_origin
            return reload - (elapsed - 1) % (reload + 1) if elapsed else 0
        return super().read(address)

    def write(self, address: int, value: int) -> None:
        if address == self.SYST_CVR:  # any write clears it
            self._systick_origin = self.now()
            value = 0
        super().write(address, value)


class Stm32f4IO(_CortexM):
    """STM32F446: USART2, DWT CYCCNT, SysTick; RCC and GPIO as storage."""

    windows = ((0x40000000, 0x80000), (0xE0001000, 0x1000), SCS)
    USART2 = 0x40004400
    DWT_CTRL, DWT_CYCCNT = 0xE0001000, 0xE0001004

    def reset(self) -> None:
        super().reset()
        self._cyccnt_origin = 0

    def read(self, address: int) -> int:
        if address == self.USART2:  # SR: TXE and TC always (the host drains at once); RXNE
            return 0xC0 | (0 if self._rx_empty() else 0x20)
        if address == self.USART2 + 4:
            return self._rx_byte()
        if address == self.DWT_CYCCNT:
            if self.regs.get(self.DWT_CTRL, 0) & 1:
                return (self.now() - self._cyccnt_origin) & 0xFFFFFFFF
            return self.regs.get(address, 0)
        return super().read(address)

    def write(self, address: int, value: int) -> None:
        if address == self.USART2 + 4:
            self._tx_byte(value)
            return
        if address == self.DWT_CYCCNT:
            self._cyccnt_origin = self.now() - value
        super().write(address, value)


class Rp2040IO(_CortexM):
    """RP2040: UART0 (PL011), SysTick; resets, clocks, XOSC, pads and the flash interface
    (SSI, which boot2 sets up; flash reads need nothing from it here) as storage with status."""

    windows = ((0x18000000, 0x1000), (0x40000000, 0x80000), SCS)  # unicorn maps whole 4 KB pages
    UART0 = 0x40034000
    RESETS_RESET, RESETS_DONE = 0x4000C000, 0x4000C008
    XOSC_CTRL, XOSC_STATUS = 0x40024000, 0x40024004
    CLK_REF_CTRL, CLK_REF_SELECTED = 0x40008030, 0x40008038
    CLK_SYS_CTRL, CLK_SYS_SELECTED = 0x4000803C, 0x40008044
    RESET_AT_BOOT = 0x01FFFFFF  # every block held in reset, as the bootrom leaves most of them

    def reset(self) -> None:
        super().reset()
        self.regs[self.RESETS_RESET] = self.RESET_AT_BOOT

    @staticmethod
    def _alias(address: int) -> tuple[int, int]:
        """(alias, register): bits 13:12 of a peripheral address pick XOR, SET or CLR (not in the SCS)."""
        return (address & 0x3000, address & ~0x3000) if address < 0xE0000000 else (0, address)

    def read(self, address: int) -> int:
        address = self._alias(address)[1]  # the atomic aliases read the register itself
        if address == self.UART0:  # DR: data in bits 7:0, no error flags
            return self._rx_byte()
        if address == self.UART0 + 0x18:  # FR: TXFE (bit 7) always; RXFE (bit 4) when empty
            return 0x80 | (0x10 if self._rx_empty() else 0)
        if address == self.RESETS_DONE:
            return ~self.regs.get(self.RESETS_RESET, 0) & self.RESET_AT_BOOT
        if address == self.XOSC_STATUS:  # STABLE once ENABLE holds its magic 0xFAB
            return 0x80001000 if (self.regs.get(self.XOSC_CTRL, 0) >> 12) & 0xFFF == 0xFAB else 0
        if address == self.CLK_REF_SELECTED:
            return 1 << (self.regs.get(self.CLK_REF_CTRL, 0) & 3)
        if address == self.CLK_SYS_SELECTED:
            return 1 << (self.regs.get(self.CLK_SYS_CTRL, 0) & 1)
        return super().read(address)

    def write(self, address: int, value: int) -> None:
        alias, address = self._alias(address)
        if address == self.UART0:
            if not alias:
                self._tx_byte(value)
            return
        if alias:
            old = self.regs.get(address, 0)
            value = {0x1000: old ^ value, 0x2000: old | value, 0x3000: old & ~value}[alias]
        super().write(address, value)


class Esp32c3IO(ChipIO):
    """ESP32-C3: UART0 and the machine performance counter (mpcer, mpcmr, mpccr)."""

    windows = ((0x60000000, 0x1000),)
    UART0 = 0x60000000
    MPCER, MPCMR, MPCCR = 0x7E0, 0x7E1, 0x7E2

    def reset(self) -> None:
        super().reset()
        self._csr = {self.MPCER: 0, self.MPCMR: 0}
        self._pccr_origin = 0

    def read(self, address: int) -> int:
        if address == self.UART0:
            return self._rx_byte()
        if address == self.UART0 + 0x1C:  # STATUS: RXFIFO_CNT[9:0]; TXFIFO_CNT[25:16] stays 0
            return 0 if self._rx_empty() else min(len(self.uart.rx), 0x3FF)
        return super().read(address)

    def write(self, address: int, value: int) -> None:
        if address == self.UART0:
            self._tx_byte(value)
            return
        super().write(address, value)

    def _counting(self) -> bool:
        return self._csr[self.MPCER] & 1 and self._csr[self.MPCMR] & 1  # cycles selected, counting on

    def csr_read(self, csr: int) -> int | None:
        if csr == self.MPCCR:
            return (self.now() - self._pccr_origin) & 0xFFFFFFFF if self._counting() else 0
        return self._csr.get(csr)

    def csr_write(self, csr: int, value: int) -> bool:
        if csr == self.MPCCR:
            self._pccr_origin = self.now() - value
            return True
        if csr in self._csr:
            self._csr[csr] = value
            return True
        return False


IO_MODELS = {"stm32f446re": Stm32f4IO, "rp2040": Rp2040IO, "esp32c3": Esp32c3IO}
