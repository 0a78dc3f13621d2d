"""System cross-compilers: the flags per target and compile/link calls (argument lists, no shell).

PlatformIO builds the same sources with the same flags on users' machines; these direct
calls are for where PlatformIO cannot run (no platform packages). For the AVR boards CI builds
with both and finds the same firmware.hex (tests/test_pio_build.py).
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hasaki_hil.errors import UserError
from hasaki_hil.resources import FIRMWARE, RUNTIME_DIR

COMMON = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-Os"]


@dataclass(frozen=True)
class Target:
    name: str
    cc: str
    flags: tuple[str, ...]
    debian_packages: str
    link_flags: tuple[str, ...] = ()
    regions: bool = False  # the linker script reads __flash/__ram and their sizes from the board's memory map


# PlatformIO's atmelavr builder (builder/frameworks/_bare.py) compiles with per-function and
# per-object sections and links with --gc-sections; so do we, and the two drivers write
# byte-identical firmware.hex (tests/test_pio_build.py). Its -flto is unflagged in
# platformio.ini instead: under LTO the compile step emits no code, so -fstack-usage writes
# empty .su files and the fit check's stack bound would lose the compiler's frame sizes.
AVR_SECTIONS = ("-ffunction-sections", "-fdata-sections")
AVR_LINK = ("-Wl,--gc-sections",)

# The bare-metal startup and linker script of firmware/system, placed in the board's flash and RAM
# (``regions``): what every Cortex-M target links.
CORTEX_M_LINK = (
    "-nostartfiles",
    "--specs=nano.specs",
    "--specs=nosys.specs",
    "-T",
    str(FIRMWARE / "system" / "cortex_m.ld"),
    str(FIRMWARE / "system" / "cortex_m_startup.c"),
)

TARGETS = {
    # named by architecture and -mmcu, as a board's entry names its target
    "avr-attiny85": Target(
        "avr-attiny85", "avr-gcc", ("-mmcu=attiny85", *AVR_SECTIONS), "gcc-avr avr-libc binutils-avr", AVR_LINK
    ),
    "avr-atmega328p": Target(
        "avr-atmega328p", "avr-gcc", ("-mmcu=atmega328p", *AVR_SECTIONS), "gcc-avr avr-libc binutils-avr", AVR_LINK
    ),
    "rv32imc": Target(
        "rv32imc",
        "riscv64-unknown-elf-gcc",
        ("-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs"),
        "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
        # picolibc's crt0 and picolibc.ld, placed in the board's flash and RAM regions
        regions=True,
    ),
    "cortex-m0plus": Target(
        "cortex-m0plus",
        "arm-none-eabi-gcc",
        ("-mcpu=cortex-m0plus", "-mthumb"),
        "gcc-arm-none-eabi libnewlib-arm-none-eabi",
        # the bare-metal startup and linker script, and the RP2040 boot ROM's second stage (a bootable image)
        link_flags=(*CORTEX_M_LINK, str(FIRMWARE / "system" / "rp2040_boot2.S")),
        regions=True,
    ),
    "cortex-m4f": Target(
        "cortex-m4f",
        "arm-none-eabi-gcc",
        ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
        "gcc-arm-none-eabi libnewlib-arm-none-eabi",
        link_flags=CORTEX_M_LINK,
        regions=True,
    ),
}


def compiler(target: Target) -> str:
    path = shutil.which(target.cc)
    if path is None:
        raise UserError(
            f"{target.cc} not found (needed for {target.name})",
            hint=f"on Debian/Ubuntu: apt-get install {target.debian_packages}",
        )
    return path


def run(cmd: list[str], what: str, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run a build command; a failure surfaces the first error lines, not a traceback."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise UserError(f"{what}: the compiler did not finish within {timeout:.0f} s") from None
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        first = [ln for ln in lines if any(w in ln for w in ("error", "overflow", "will not fit"))] or lines
        raise UserError(f"{what} failed:\n" + "\n".join(first[:8]), hint="the full command: " + " ".join(cmd))
    return result


def link_flags(target: Target, memory=None) -> list[str]:
    """The target's link flags, with the board's flash and RAM regions (a boards.MemoryMap) where
    its linker script reads them: the image lands where the board, and its emulator, has memory."""
    flags = list(target.link_flags)
    if target.regions:
        if memory is None:
            raise ValueError(f"linking for {target.name} needs the board's memory map")
        flash, ram = memory.region("flash"), memory.region("ram")
        flags.append(
            f"-Wl,--defsym=__flash={flash.base:#x},--defsym=__flash_size={flash.size:#x},"
            f"--defsym=__ram={ram.base:#x},--defsym=__ram_size={ram.size:#x}"
        )
    return flags


def harness_command(
    target_name: str,
    model_dir: Path,
    out: Path,
    harness: str = "emu_main.c",
    extra: tuple[str, ...] = (),
    link: bool = True,
    memory=None,
) -> list[str]:
    """The compiler call for a firmware harness against the model header in ``model_dir``."""
    target = TARGETS[target_name]
    cmd = [compiler(target), *target.flags, *COMMON, "-I", str(model_dir), "-I", str(RUNTIME_DIR), *extra]
    if link:
        return cmd + [*link_flags(target, memory), str(FIRMWARE / "harness" / harness), "-o", str(out), "-lm"]
    return cmd + ["-c", str(FIRMWARE / "harness" / harness), "-o", str(out)]


def finish(elf: Path) -> Path:
    """After the link: the RP2040 boot2 checksum, where the image has a boot2 stage."""
    from hasaki_hil.build import rp2040_boot2 as boot2

    boot2.seal(elf)
    return elf


def compile_harness(
    target_name: str,
    model_dir: Path,
    out: Path,
    harness: str = "emu_main.c",
    extra: tuple[str, ...] = (),
    link: bool = True,
    cwd: Path | None = None,
    memory=None,
) -> Path:
    """Compile (and link) a firmware harness; ``cwd`` is where side outputs (.su files) land."""
    run(
        harness_command(target_name, model_dir, out, harness, extra, link, memory),
        f"{TARGETS[target_name].cc} for {target_name}",
        cwd=cwd,
    )
    return finish(out) if link else out
