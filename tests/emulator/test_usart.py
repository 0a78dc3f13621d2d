"""USART0 on the uno (ATmega328P): polled serial firmware talks to byte queues."""

import pytest

from emulator import StopReason
from emulator.avr import AvrCore

from .avrbuild import build_c


@pytest.fixture
def echo():
    core = AvrCore("atmega328p")
    core.load(build_c("usart_echo", "atmega328p"))
    return core


def test_echo_firmware_round_trip(echo):
    echo.usart.feed(b"abc")
    stop = echo.run(max_cycles=100_000)
    assert stop.reason is StopReason.PERIPHERAL  # polling UCSR0A with nothing to receive
    assert echo.usart.take() == b"bcd"
    assert echo.usart.pending_rx == 0
    echo.usart.feed(b"\x00\xff")
    echo.run(max_cycles=100_000)
    assert echo.usart.take() == b"\x01\x00"
    assert echo.mem_read(0xC4, 2) == b"\x67\x00"  # UBRR0 = 103, as the firmware set it


def test_waiting_without_input_stops_quickly(echo):
    stop = echo.run(max_cycles=100_000)
    assert stop.reason is StopReason.PERIPHERAL and stop.cycles < 200
    assert echo.usart.take() == b""


def test_reset_clears_the_queues(echo):
    echo.usart.feed(b"xyz")
    echo.reset()
    echo.run(max_cycles=100_000)
    assert echo.usart.take() == b""


def test_attiny85_has_no_usart():
    assert AvrCore("attiny85").usart is None
