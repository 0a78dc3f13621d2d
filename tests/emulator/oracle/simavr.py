"""simavr as the oracle: a small C driver around libsimavr, compiled once and cached,
that runs one harness ELF over many input vectors in one process.

Independent of the ``emulator`` package on purpose: symbol addresses come from the ELF
via pyelftools, marker addresses and clocks from the table below.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

SOURCE = Path(__file__).with_name("simavr_driver.c")
GPIOR0 = {"attiny85": 0x31, "atmega328p": 0x3E}  # datasheets: I/O 0x11 and 0x1E
CLOCK_HZ = {"attiny85": 8_000_000, "atmega328p": 16_000_000}
DATA_BASE = 0x800000


class OracleError(RuntimeError):
    pass


@dataclass(frozen=True)
class OracleRun:
    status: str  # done, limit or crashed
    cycles: int  # since reset
    output: bytes
    markers: tuple[tuple[int, int], ...]  # (value, cycle)


@dataclass(frozen=True)
class OracleBatch:
    runs: list[OracleRun]
    vector_seconds: float  # reset, input and run of every vector, as the driver measured it
    wall_seconds: float  # the whole subprocess, start to exit


def _flags() -> list[str]:
    try:
        out = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "simavr"], check=True, capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise OracleError("pkg-config cannot find simavr; install libsimavr-dev, libelf-dev and pkg-config") from e
    return out.split() + ["-lelf"]


@cache
def driver() -> Path:
    """The compiled driver, rebuilt only when its source or the simavr flags change."""
    flags = _flags()
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join(flags).encode()).hexdigest()[:16]
    exe = Path(tempfile.gettempdir()) / f"hasaki-simavr-oracle-{os.getuid()}" / key / "simavr_driver"
    if not exe.exists():
        exe.parent.mkdir(parents=True, exist_ok=True)
        tmp = exe.with_suffix(f".{os.getpid()}")
        cmd = ["gcc", "-O2", "-Wall", "-Wextra", "-o", str(tmp), str(SOURCE), *flags]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise OracleError(f"building the simavr driver failed:\n{result.stderr}")
        shutil.move(tmp, exe)
    return exe


def data_symbol(elf: Path, name: str) -> tuple[int, int]:
    """(data-space address, size) of a variable in an AVR ELF."""
    with open(elf, "rb") as f:
        for sec in ELFFile(f).iter_sections():
            if isinstance(sec, SymbolTableSection):
                for sym in sec.get_symbol_by_name(name) or []:
                    return sym["st_value"] - DATA_BASE, sym["st_size"]
    raise OracleError(f"{elf}: no symbol {name}")


def run_vectors(
    elf: Path,
    mcu: str,
    vectors: Sequence[bytes],
    *,
    max_cycles: int,
    input_symbol: str = "hsk_emu_input",
    output_symbol: str = "hsk_emu_output",
    timeout: float = 120.0,
) -> OracleBatch:
    input_addr, input_size = data_symbol(elf, input_symbol)
    output_addr, output_size = data_symbol(elf, output_symbol)
    if any(len(v) > input_size for v in vectors):
        raise OracleError(f"a vector is longer than {input_symbol} ({input_size} bytes)")
    cmd = [
        str(driver()), mcu, str(CLOCK_HZ[mcu]), str(elf), hex(GPIOR0[mcu]),
        hex(input_addr), hex(output_addr), str(output_size), str(max_cycles),
    ]  # fmt: skip
    stdin = "".join(v.hex() + "\n" for v in vectors)
    t0 = time.perf_counter()
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines or not lines[-1].startswith("end "):
        raise OracleError(f"simavr driver failed ({result.returncode}): {result.stderr.strip()}")
    runs = []
    for line in lines[:-1]:
        status, cycles, output, markers = (line.split(" ") + [""] * 4)[:4]
        pairs = tuple(tuple(int(x) for x in m.split("@")) for m in markers.split(",") if m)
        runs.append(OracleRun(status, int(cycles), bytes.fromhex(output), pairs))
    if len(runs) != len(vectors):
        raise OracleError(f"simavr driver answered {len(runs)} of {len(vectors)} vectors")
    return OracleBatch(runs, float(lines[-1].split()[1]), wall)
