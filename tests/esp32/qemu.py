"""QEMU as the functional oracle for the ESP32 firmware: the same objects as the chip image,
linked by firmware/system/esp32_qemu.ld into the sim machine's RAM, run on the de233_fpu
core (an LX7 with the ESP32's ISA options but MUL32_HIGH, which the builds leave out).

Functional only: QEMU's CCOUNT is not a cycle count. Input goes in through QEMU's loader
device (raw bytes at a symbol's address, before reset); output comes back through
semihosting writes on standard output; the exit status is the firmware's (a fault exits
with its EXCCAUSE, see esp32_startup.S)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile

QEMU = "qemu-system-xtensa"
BASE = ["-M", "sim", "-cpu", "de233_fpu", "-semihosting", "-display", "none", "-monitor", "none", "-serial", "none"]


def symbols(elf: Path) -> dict[str, int]:
    with open(elf, "rb") as f:
        return {s.name: s["st_value"] for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols() if s.name}


def run(elf: Path, loads=(), timeout: float = 60, log_interrupts: bool = False) -> subprocess.CompletedProcess:
    """Run ``elf`` to its exit; ``loads`` are (file, address) pairs QEMU writes before reset."""
    qemu = shutil.which(QEMU)
    assert qemu, f"{QEMU} not found: apt-get install qemu-system-misc (.ci/apt-packages lists it)"
    cmd = [qemu, *BASE, "-kernel", str(elf)]
    for path, addr in loads:
        cmd += ["-device", f"loader,file={path},addr={addr:#x},force-raw=on"]
    if log_interrupts:
        cmd += ["-d", "int"]
    return subprocess.run(cmd, capture_output=True, timeout=timeout)
