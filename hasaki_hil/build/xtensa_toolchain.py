"""The system driver for the ESP32 (Xtensa LX6): clang -> llvm-mc -> GNU ld, and the flash image.

Debian has no Xtensa GCC. What it has: clang 22's Xtensa back end, llvm-mc to assemble
(clang's own ``-c`` stops on a fixup it cannot encode), and the ESP8266's GNU binutils
(binutils-xtensa-lx106), whose ld links any Xtensa LX objects (ld.lld has no Xtensa). The
calls are argument lists, no shell; a failing step surfaces the tool's first error lines
(toolchain.run). ``-mcpu=esp32`` is not accepted by clang here, so the ESP32's ISA options
are spelt as target features, options the LX6 in the ESP32 has (ESP32 TRM, 1.3 / Xtensa
configuration): windowed registers, single-precision FPU, 32-bit multiply and divide,
SEXT, booleans, the 16-bit density forms, zero-overhead loops, MAC16, timers, debug, NSA,
MIN/MAX, CLAMPS, MUL16; not MUL32_HIGH (see FEATURES), so a 64-bit product calls __muldi3.

Differences from GNU's xtensa-esp32-elf toolchain (what PlatformIO uses): llvm-mc neither
relaxes wide instructions to their 16-bit forms nor aligns loop bodies as GNU as does (clang
writes the .n forms it wants itself), so the code differs from a GCC build's; there is no C
library, so firmware/system/esp32_rt.c supplies memcpy/memset, __muldi3, __divsf3 and the
libm functions the runtime calls (newlib's and libgcc's on PlatformIO); the stack bound
reads llvm-objdump's disassembly (hasaki_hil/build/xtensa_stack.py), not GNU objdump's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from hasaki_hil.build.toolchain import COMMON, run
from hasaki_hil.errors import UserError
from hasaki_hil.resources import FIRMWARE, RUNTIME_DIR

SYSTEM = FIRMWARE / "system"
INCLUDE = SYSTEM / "esp32_include"  # math.h for the freestanding build
STARTUP = SYSTEM / "esp32_startup.S"
RUNTIME = SYSTEM / "esp32_rt.c"
LINK_SCRIPTS = {"chip": "esp32.ld", "qemu": "esp32_qemu.ld"}
TOOLS = {"cc": "clang-22", "mc": "llvm-mc-22", "ld": "xtensa-lx106-elf-ld", "objdump": "llvm-objdump-22"}
DEBIAN_PACKAGES = "clang-22 llvm-22 binutils-xtensa-lx106"
# The LX6 options of the ESP32 that QEMU's de233_fpu core (the oracle) shares: MUL32_HIGH
# (MULSH/MULUH) is left out, the oracle core lacks it and must run the chip's instructions.
FEATURES = tuple("windowed fp mul32 div32 sext bool density loop mac16 timers1 debug nsa minmax clamps mul16".split())
TARGET_FLAGS = ("--target=xtensa", *(a for f in FEATURES for a in ("-Xclang", "-target-feature", "-Xclang", f"+{f}")))
# freestanding: no C library headers but clang's own (stdint.h, stddef.h) and our math.h
C_FLAGS = (*TARGET_FLAGS, "-ffreestanding", "-nostdlibinc", "-isystem", str(INCLUDE))
MC_FLAGS = ("-triple=xtensa", "-mcpu=esp32", "-filetype=obj")


def tool(name: str) -> str:
    path = shutil.which(TOOLS[name])
    if path is None:
        raise UserError(
            f"{TOOLS[name]} not found (the ESP32's system toolchain)",
            hint=f"on Debian/Ubuntu: apt-get install {DEBIAN_PACKAGES}",
        )
    return path


def compile_c(src: Path, obj: Path, includes=(), extra=(), cwd: Path | None = None) -> list[list[str]]:
    """C to an object: clang emits assembly, llvm-mc assembles it. Returns both commands."""
    asm = obj.with_suffix(".s")
    incs = [a for d in includes for a in ("-I", str(d))]
    cc = [tool("cc"), *C_FLAGS, *COMMON, *incs, *extra, "-S", str(src), "-o", str(asm)]
    run(cc, f"clang for esp32 ({Path(src).name})", cwd=cwd)
    mc = [tool("mc"), *MC_FLAGS, str(asm), "-o", str(obj)]
    run(mc, f"llvm-mc for esp32 ({Path(src).name})", cwd=cwd)
    return [cc, mc]


def assemble(src: Path, obj: Path, cwd: Path | None = None) -> list[list[str]]:
    """Preprocessed assembly (.S) to an object: clang's preprocessor, then llvm-mc."""
    pre = obj.with_suffix(".s")
    cpp = [tool("cc"), *TARGET_FLAGS, "-E", "-P", "-x", "assembler-with-cpp", str(src), "-o", str(pre)]
    run(cpp, f"preprocessing {Path(src).name}", cwd=cwd)
    mc = [tool("mc"), *MC_FLAGS, str(pre), "-o", str(obj)]
    run(mc, f"llvm-mc for esp32 ({Path(src).name})", cwd=cwd)
    return [cpp, mc]


def link(objs, elf: Path, layout: str = "chip") -> list[str]:
    """Link with the ESP32 layout (``chip``) or the same sections in QEMU's RAM (``qemu``)."""
    cmd = [tool("ld"), "-L", str(SYSTEM), "-T", LINK_SCRIPTS[layout], "-z", "noexecstack"]
    cmd += ["-Map", str(elf.with_suffix(".map")), *map(str, objs), "-o", str(elf)]
    run(cmd, f"linking for esp32 ({layout})")
    return cmd


def build(
    sources,
    out_dir: Path,
    includes=(),
    extra=(),
    layout: str = "chip",
    elf_name: str = "firmware.elf",
) -> tuple[Path, list[list[str]]]:
    """C (and .S) ``sources``, with the start-up and the runtime, into ``out_dir/elf_name``; side
    outputs (.s, .o, .su, .map) land in ``out_dir``. Returns the ELF and every command run."""
    out_dir = Path(out_dir)
    commands: list[list[str]] = []
    objs = []
    for src in (*map(Path, sources), RUNTIME):
        obj = out_dir / f"{src.stem}.o"
        if src.suffix == ".S":
            commands += assemble(src, obj, cwd=out_dir)
        else:
            commands += compile_c(src, obj, (*includes, RUNTIME_DIR), extra, cwd=out_dir)
        objs.append(obj)
    start = out_dir / "esp32_startup.o"
    commands += assemble(STARTUP, start, cwd=out_dir)
    elf = out_dir / elf_name
    commands.append(link([start, *objs], elf, layout))
    return elf, commands


def harness(model_dir: Path, out_dir: Path, harness_file: str = "emu_main.c", defines=(), layout: str = "chip"):
    """A firmware harness of firmware/harness against the model header in ``model_dir``."""
    return build([FIRMWARE / "harness" / harness_file], out_dir, (model_dir,), ("-fstack-usage", *defines), layout)


def flat_command(commands: list[list[str]]) -> list[str]:
    """The build's commands as one list for the firmware record (``&&`` between them)."""
    flat: list[str] = []
    for cmd in commands:
        flat += (["&&"] if flat else []) + [str(c) for c in cmd]
    return flat


def elf2image(elf: Path, image: Path, chip: str, flash_freq: str) -> list[str]:
    """The ESP32 ROM's image format (header, segments, checksum, SHA-256) from the ELF, with
    esptool: every loadable section of the ELF, byte for byte, and nothing else."""
    cmd = [sys.executable, "-m", "esptool", "--chip", chip, "elf2image", "--flash-mode", "dio"]
    cmd += ["--flash-freq", flash_freq, "--flash-size", "4MB", "--output", str(image), str(elf)]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise UserError("esptool elf2image did not finish within 120 s") from None
    if result.returncode != 0:
        lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
        raise UserError("esptool elf2image failed:\n" + "\n".join(lines[-8:]), hint="pip install 'esptool>=5'")
    return cmd
