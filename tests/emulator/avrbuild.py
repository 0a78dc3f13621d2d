"""Build AVR programs for the emulator tests with the system avr-gcc, cached by content.

C programs live in ``programs/`` and follow the emulator harness convention
(``programs/harness.h``); assembly snippets are linked bare, without C startup code.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

PROGRAMS = Path(__file__).with_name("programs")
CACHE = Path(tempfile.gettempdir()) / f"hasaki-avr-build-{os.getuid()}"
CFLAGS = ("-Os", "-std=gnu99", "-Wall", "-Wextra", "-Werror")


class BuildError(RuntimeError):
    pass


@cache
def _compiler_version() -> str:
    try:
        return subprocess.run(["avr-gcc", "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise BuildError("avr-gcc not found: install gcc-avr, avr-libc and binutils-avr") from e


def _build(name: str, sources: dict[str, bytes], args: list[str]) -> Path:
    h = hashlib.sha256(_compiler_version().encode() + repr(args).encode())
    for fname in sorted(sources):
        h.update(fname.encode() + b"\0" + sources[fname])
    elf = CACHE / h.hexdigest()[:20] / f"{name}.elf"
    if elf.exists():
        return elf
    with tempfile.TemporaryDirectory() as tmp:
        for fname, text in sources.items():
            (Path(tmp) / fname).write_bytes(text)
        out = Path(tmp) / f"{name}.elf"
        result = subprocess.run(
            ["avr-gcc", *args, "-o", str(out)], cwd=tmp, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise BuildError(f"avr-gcc {' '.join(args)} failed:\n{result.stderr}")
        elf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out, elf)
    return elf


def build_c(program: str, mcu: str) -> Path:
    """Compile ``programs/<program>.c`` with the harness for ``mcu`` (-Os, warnings as errors)."""
    sources = {name: (PROGRAMS / name).read_bytes() for name in (f"{program}.c", "harness.h")}
    args = [f"-mmcu={mcu}", *CFLAGS, f"{program}.c", "-lm"]
    return _build(f"{program}-{mcu}", sources, args)


def assemble(source: str, mcu: str, *, bare: bool = True) -> Path:
    """Assemble (through the C preprocessor) and link; ``bare``: no vectors, no C startup,
    code at address 0; otherwise linked like a C program (startup code calls ``main``)."""
    args = [f"-mmcu={mcu}", *(["-nostdlib", "-nostartfiles"] if bare else []), "prog.S"]
    return _build(f"asm-{mcu}", {"prog.S": source.encode()}, args)
