"""Firmware for the unicorn-core tests, built with the project's own flags (hasaki_hil.toolchain).

Model firmware is the generated header with the real emulator harness; test programs are a few
lines of C that follow the same convention (``PRELUDE``), for the faults and the cycle tests.
"""

from __future__ import annotations

from pathlib import Path

from hasaki_hil import boards
from hasaki_hil.build import toolchain
from hasaki_hil.codegen import cheader as codegen

TARGETS = {"esp32c3": "rv32imc", "rp2040": "cortex-m0plus", "stm32f446re": "cortex-m4f"}


def memory(chip: str):
    """The memory map of the board that carries ``chip`` (the registry's, as builds link it)."""
    return next(b.memory for b in boards.BOARDS if b.emulator and b.emulator.chip == chip)


PRELUDE = """#include <stdint.h>
volatile uint32_t hsk_emu_marker;
uint32_t hsk_emu_input[4] __attribute__((section(".noinit")));
uint32_t hsk_emu_output[4];
void hsk_emu_done(void) __attribute__((noreturn, noinline));
void hsk_emu_done(void)
{
    for (;;)
        __asm__ volatile("" ::: "memory");
}
"""


def model_firmware(variant, chip: str, workdir: Path, extra: tuple[str, ...] = ()) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "hsk_model.h").write_text(codegen.generate(variant))
    return toolchain.compile_harness(TARGETS[chip], workdir, workdir / "firmware.elf", extra=extra, memory=memory(chip))


def program(body: str, chip: str, workdir: Path, link_script: Path | None = None) -> Path:
    """``body`` (C that defines main) after ``PRELUDE``, linked like the model firmware (or with
    ``link_script`` in place of the target's)."""
    workdir.mkdir(parents=True, exist_ok=True)
    src, elf = workdir / "prog.c", workdir / "prog.elf"
    src.write_text(PRELUDE + body)
    target = toolchain.TARGETS[TARGETS[chip]]
    link = toolchain.link_flags(target, memory(chip))
    if link_script is not None:
        link[link.index("-T") + 1] = str(link_script)
    cmd = [toolchain.compiler(target), *target.flags, *toolchain.COMMON, *link, str(src), "-o", str(elf)]
    toolchain.run([*cmd, "-lm"], f"test program for {chip}")
    return toolchain.finish(elf)
