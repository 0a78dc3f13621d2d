"""The ATtiny85's serial firmware (a software UART on PB1/PB2) on the AVR core, its pins bridged
to a pseudo-terminal by emulator/avr/softuart.py: `hasaki-hil test --port` gets the host
reference's outputs and --emulate's verdict; and the bridge itself, bit by bit."""

import functools
import json
import shutil
import subprocess

import numpy as np
import pytest

from emulator.avr.core import AvrCore
from emulator.avr.softuart import SoftUart
from emulator.core import StopReason
from hasaki_hil.build import builder as build
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .test_quantize import pathology_data, pathology_model

CLOCK, BAUD = 8_000_000, 9600


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("serial85")
    data = pathology_data(d / "vectors.csv", n=150, seed=9)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    path = d / "int8.variant"
    variant_mod.save(quantize.build(pathology_model(), ["int8", "int8"], X, "int8"), path)
    report = build.build(path, "attiny85", harness="serial", toolchain_choice="system", out_dir=d / "fw")
    return d, data, path, report


def test_the_serial_firmware_fits_the_attiny85(setup):
    fit = setup[3]["fit"]
    assert fit["passed"] and fit["flash_used"] <= 8192 and fit["ram_static"] + fit["stack"] <= 512


def test_serial_firmware_over_the_soft_uart_matches_the_emulated_run(setup, cli):
    d, data, path, report = setup
    code, out, _ = cli("test", path, "--board", "attiny85", "--emulate", "--vectors", data, "--json")
    emulated = json.loads(out)
    board = EmulatedSerialBoard(report["firmware"]["elf"], "attiny85")
    with board as port:
        code, out, err = cli("test", path, "--board", "attiny85", "--port", port, "--vectors", data, "--json")
    assert board.error is None, board.error
    serial = json.loads(out)
    assert serial["target"].startswith("serial:/dev/pts/") and serial["rows"] == 150
    assert serial["host_reference_mismatches"] == 0 == emulated["host_reference_mismatches"]
    assert serial["metrics"]["flips"] == emulated["metrics"]["flips"]
    assert serial["metrics"]["max_abs_error"] == emulated["metrics"]["max_abs_error"]
    assert serial["verdict"] == emulated["verdict"] and code == (0 if serial["verdict"] == "PASSED" else 1)
    assert serial["cycles"] == {"provenance": "none"}  # no counter on this board's serial firmware
    assert serial["link_retries"] == 0


ECHO = r"""
#include <avr/io.h>
#include <util/delay_basic.h>
/* Read four bytes, echo each plus one; the bit timing of serial_soft_avr.c (8 MHz, 9600 baud). */
static void putc_(unsigned char b)
{
    unsigned int frame = (unsigned int)b << 1 | 0x200;
    for (unsigned char i = 0; i < 10; i++) {
        if (frame & 1) PORTB |= _BV(PB1); else PORTB &= (unsigned char)~_BV(PB1);
        frame >>= 1;
        _delay_loop_2(205);
    }
}
static unsigned char getc_(void)
{
    unsigned char b = 0;
    while (PINB & _BV(PB2)) {}
    _delay_loop_2(104);
    for (unsigned char i = 0; i < 8; i++) {
        _delay_loop_2(207);
        b >>= 1;
        if (PINB & _BV(PB2)) b |= 0x80;
    }
    _delay_loop_2(207);
    return b;
}
int main(void)
{
    unsigned char buf[4], i;
    PORTB = _BV(PB1) | _BV(PB2);
    DDRB = _BV(PB1);
    for (;;) {
        for (i = 0; i < 4; i++) buf[i] = getc_();
        for (i = 0; i < 4; i++) putc_((unsigned char)(buf[i] + 1));
    }
}
"""


@pytest.fixture(scope="module")
def echo_elf(tmp_path_factory):
    if shutil.which("avr-gcc") is None:
        pytest.skip("avr-gcc not installed")
    d = tmp_path_factory.mktemp("echo85")
    (d / "echo.c").write_text(ECHO)
    elf = d / "echo.elf"
    subprocess.run(["avr-gcc", "-mmcu=attiny85", "-Os", "-std=c99", "-o", str(elf), str(d / "echo.c")], check=True)
    return elf


def _bridged(elf):
    core = AvrCore("attiny85")
    uart = SoftUart(core, tx_bit=1, rx_bit=2, clock_hz=CLOCK, baud=BAUD)
    core.load(elf)
    return core, uart


def test_the_bridge_drives_rx_and_decodes_tx_bit_by_bit(echo_elf):
    core, uart = _bridged(echo_elf)
    assert core.run(max_cycles=100_000).reason is StopReason.PERIPHERAL  # idle: waiting for a start bit
    assert uart.take() == b"" and uart.pending_rx == 0
    for sent in (bytes([0x00, 0x55, 0xAA, 0x7E]), bytes([0xFE, 0x01, 0x80, 0xFF])):
        start = core.cycles
        uart.feed(sent)  # back to back, ten bits a byte
        assert uart.pending_rx == 4
        stop = core.run(max_cycles=10_000_000)
        assert stop.reason is StopReason.PERIPHERAL and uart.pending_rx == 0
        assert uart.take() == bytes((b + 1) & 0xFF for b in sent) and uart.framing_errors == 0
        assert stop.cycles - start < 9 * 10 * CLOCK / BAUD  # received and answered at the baud rate


def test_the_bridge_resets_with_the_core(echo_elf):
    core, uart = _bridged(echo_elf)
    core.run(max_cycles=100_000)
    uart.feed(b"\x10\x20")
    core.reset()
    assert uart.pending_rx == 0
    core.run(max_cycles=100_000)
    uart.feed(b"\x30\x31\x32\x33")
    core.run(max_cycles=10_000_000)
    assert uart.take() == b"\x31\x32\x33\x34"


def test_run_core_drives_rx_edge_to_edge_like_the_pin_hook(echo_elf):
    """SoftUart.run_core (the pty bridge's fast path: PIN hook off while bytes are queued, the
    core run from edge to edge of the RX line) receives and answers what the hook path does,
    within a few cycles of it (a level change is seen at the next instruction boundary)."""
    finished = []
    for fast in (False, True):
        core, uart = _bridged(echo_elf)
        run = uart.run_core if fast else functools.partial(lambda c, n: c.run(max_cycles=n), core)
        assert run(100_000).reason is StopReason.PERIPHERAL
        ends = []
        for sent in (bytes([0x00, 0x55, 0xAA, 0x7E]), bytes([0xFE, 0x01, 0x80, 0xFF])):
            uart.feed(sent)
            stop = run(10_000_000)
            assert stop.reason is StopReason.PERIPHERAL and uart.pending_rx == 0
            assert uart.take() == bytes((b + 1) & 0xFF for b in sent) and uart.framing_errors == 0
            ends.append(stop.cycles)
        finished.append(ends)
    assert all(abs(a - b) <= 16 for a, b in zip(*finished)), finished
