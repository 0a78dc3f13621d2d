"""The real Xtensa tools these tests drive: llvm-mc/llvm-objdump (LLVM 22, -mcpu=esp32),
clang for C, GNU ld from binutils-xtensa-lx106, and QEMU's xtensa system emulator.

They come from Debian packages listed in .ci/apt-packages, so CI has them; a developer
machine without them skips with the install command.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LLVM_MC = "llvm-mc-22"
OBJDUMP = "llvm-objdump-22"
CLANG = "clang-22"
LD = "xtensa-lx106-elf-ld"
QEMU = "qemu-system-xtensa"
HERE = Path(__file__).parent

# clang rejects -mcpu=esp32; these target features are the ESP32's LX6 configuration.
CLANG_FEATURES = ("+windowed", "+fp", "+mul32", "+mul32high", "+div32", "+sext", "+bool", "+density",
                  "+loop", "+mac16", "+timers1")  # fmt: skip


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        packages = "clang-22 llvm-22 binutils-xtensa-lx106 qemu-system-misc"
        pytest.skip(f"{', '.join(missing)} not installed: apt-get install {packages}")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr}{proc.stdout}")
    return proc


def assemble(source: str, out: Path) -> Path:
    """Assemble Xtensa source (ESP32 configuration) to an object file."""
    need(LLVM_MC)
    src = out.with_suffix(".s")
    src.write_text(source)
    run([LLVM_MC, "-triple=xtensa", "-mcpu=esp32", "-filetype=obj", str(src), "-o", str(out)])
    return out


def link(objects: list[Path], script: Path, out: Path) -> Path:
    need(LD)
    run([LD, "-T", str(script), "-o", str(out), *map(str, objects)])
    return out


def compile_c(source: Path, out: Path, *flags: str) -> Path:
    """C to an object via clang -S then llvm-mc (clang's integrated assembler has no -mcpu=esp32)."""
    need(CLANG, LLVM_MC)
    asm = out.with_suffix(".s")
    feats = [arg for f in CLANG_FEATURES for arg in ("-Xclang", "-target-feature", "-Xclang", f)]
    run([CLANG, "--target=xtensa", "-ffreestanding", "-O2", "-S", *feats, *flags, str(source), "-o", str(asm)])
    run([LLVM_MC, "-triple=xtensa", "-mcpu=esp32", "-filetype=obj", str(asm), "-o", str(out)])
    return out


def disassemble_words(words: list[tuple[int, int]], tmp: Path) -> list[str]:
    """llvm-objdump's mnemonic for each (word, length), one instruction per 4-byte slot."""
    need(LLVM_MC, OBJDUMP)
    lines = []
    for i, (w, n) in enumerate(words):
        body = ",".join(str((w >> (8 * k)) & 0xFF) for k in range(n)) + ",0" * (4 - n)
        lines.append(f"w{i}: .byte {body}\n")  # a symbol per slot: objdump restarts decoding there
    obj = assemble(".text\n" + "".join(lines), tmp / "words.o")
    out = run([OBJDUMP, "-d", "--mcpu=esp32", "--no-show-raw-insn", str(obj)]).stdout
    names = {}
    for line in out.splitlines():
        parts = line.strip().split(None, 2)
        if len(parts) >= 2 and parts[0].endswith(":") and all(c in "0123456789abcdef" for c in parts[0][:-1]):
            names[int(parts[0][:-1], 16)] = parts[1]
    return [names.get(4 * i, "<none>") for i in range(len(words))]
