"""Builds the C extensions (the AVR and Xtensa cores' execution loops, the unicorn cores' block hook);
all package metadata lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "emulator.avr._avrcore",
            sources=["emulator/avr/_avrcore.c", "emulator/avr/run.c", "emulator/avr/timer.c", "emulator/avr/irq.c"],
            depends=["emulator/avr/cpu.h", "emulator/avr/_isa.h"],
            extra_compile_args=["-O2"],  # the speed requirement assumes an optimised loop
        ),
        Extension(
            "emulator.xtensa._xtcore",
            sources=[
                "emulator/xtensa/_xtcore.c",
                "emulator/xtensa/run.c",
                "emulator/xtensa/state.c",
                "emulator/xtensa/fpu.c",
            ],
            depends=[
                "emulator/xtensa/cpu.h",
                "emulator/xtensa/_isa.h",
                "emulator/xtensa/run_window.h",
                "emulator/xtensa/run_int.h",
                "emulator/xtensa/run_fp.h",
            ],
            # -frounding-math: the loop runs FP instructions under the FCR rounding mode it sets
            extra_compile_args=["-O2", "-frounding-math"],
            libraries=["m"],
        ),
        Extension(
            "emulator.unicorn._blockhook",
            sources=["emulator/unicorn/_blockhook.c"],
            extra_compile_args=["-O2"],  # called once per emulated basic block
        ),
    ]
)
