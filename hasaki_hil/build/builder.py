"""The ``build`` command: a variant (or a foreign C model header) into firmware for a board.

Two drivers, the same sources and flags: PlatformIO where its platform for the board is
installed, and the system cross-compiler (hasaki_hil/toolchain.py) otherwise. Every build
is fit-checked; one that does not fit is a user error (exit 2) with the reason.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hasaki_hil import boards
from hasaki_hil.build import firmware, toolchain, uf2, xtensa_toolchain
from hasaki_hil.build import memory_fit as fit
from hasaki_hil.build import stack_depth as stack
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.resources import FIRMWARE

BUILD_ROOT = Path("build")  # relative: under the folder the command runs in, never inside the package
HARNESSES = {"emu": "emu_main.c", "serial": None}  # serial: per board, see serial_harness()


def serial_harness(board: boards.Board, driver: str = "system") -> tuple[str, tuple[str, ...]]:
    """The serial firmware's source for a board and driver (the board's entry names it: the
    system builds are bare metal and run on the emulated cores too; PlatformIO may build another,
    such as the ESP boards' ESP-IDF firmware), and its defines (clock, baud, name)."""
    source = board.serial.harness
    if driver == "pio" and board.serial.pio_harness:
        source = board.serial.pio_harness
    if source is None:
        raise UserError(
            f"there is no serial firmware for {board.name} built by {driver} yet",
            hint=f"prove it on the emulated core instead: hasaki-hil test VARIANT --board {board.name} --emulate",
        )
    clock = (f"-DF_CPU={board.clock_hz}UL",) if board.arch == "avr" else ()  # the others set up their own clock
    return source, (*clock, f"-DHSK_BAUD={board.baud}UL", f'-DHSK_BOARD_NAME="{board.name}"')


# The AVR linker scripts take their region sizes from these symbols. Linking with roomy
# regions lets an oversized build finish, so the fit check can say by how much it is over;
# the layout, and so the image, is the same as with the board's own sizes.
ANALYSIS_LINK = {"avr": ("-Wl,--defsym=__TEXT_REGION_LENGTH__=0x100000", "-Wl,--defsym=__DATA_REGION_LENGTH__=0xff00")}
OBJDUMP = {"avr": "avr-objdump", "riscv": "riscv64-unknown-elf-objdump", "arm": "arm-none-eabi-objdump"}
OBJCOPY = {
    "avr": ("avr-objcopy", "ihex", ".hex"),
    "riscv": ("riscv64-unknown-elf-objcopy", "binary", ".bin"),
    "arm": ("arm-none-eabi-objcopy", "binary", ".bin"),
}


def pio_executable() -> str | None:
    """``pio`` on PATH, or the one installed beside this Python (an unactivated virtualenv)."""
    beside = Path(sys.executable).parent / "pio"
    return shutil.which("pio") or (str(beside) if beside.is_file() else None)


def pio_platform_installed(platform: str) -> bool:
    core = Path(os.environ.get("PLATFORMIO_CORE_DIR", Path.home() / ".platformio"))
    return pio_executable() is not None and (core / "platforms" / platform).is_dir()


def choose_driver(board: boards.Board, requested: str) -> str:
    if requested not in ("auto", "pio", "system"):
        raise UserError(f"--toolchain {requested!r}: choose auto, pio or system")
    has_pio = pio_platform_installed(board.pio.platform)
    if requested == "pio" or (requested == "auto" and has_pio):
        if not has_pio:
            raise UserError(
                f"PlatformIO's {board.pio.platform} platform is not installed",
                hint=f"pip install platformio && pio pkg install -g -p {board.pio.platform} "
                f"(needs internet), or --toolchain system",
            )
        return "pio"
    if board.toolchain_target is None:
        raise UserError(
            f"{board.name} ({board.core}) has no system cross-compiler here and PlatformIO's "
            f"{board.pio.platform} platform is not installed",
            hint=f"on a machine with internet: pip install platformio && pio pkg install -g -p {board.pio.platform}; "
            f"then hasaki-hil build ... --board {board.name} --toolchain pio",
        )
    return "system"


def _analyse_stack(board: boards.Board, elf: Path, su_dir: Path) -> dict:
    if board.arch == "xtensa":  # windowed calls through literals: build/xtensa_stack.py
        from hasaki_hil.build import xtensa_stack

        return xtensa_stack.analyse(elf)
    if board.arch not in OBJDUMP:  # the stack analysis reads avr, riscv and arm code
        return {"bytes": None, "path": [], "note": f"no stack analysis for {board.arch} code"}
    tool = shutil.which(OBJDUMP[board.arch])
    if tool is None:
        return {"bytes": None, "path": [], "note": f"{OBJDUMP[board.arch]} not found"}
    dis = subprocess.run([tool, "-d", str(elf)], capture_output=True, text=True, timeout=120).stdout
    frames = {}
    for su in su_dir.glob("*.su"):
        frames.update(stack.parse_su(su.read_text()))
    bound = stack.analyse(board.arch, dis, frames)
    return {"bytes": bound.bytes, "path": list(bound.path), "note": bound.note}


def _system_build(board, model_dir: Path, out_dir: Path, harness: str, defines=()) -> tuple[Path, list]:
    elf = out_dir / "firmware.elf"
    if board.arch == "xtensa":  # clang, llvm-mc and GNU ld: build/xtensa_toolchain.py
        elf, cmds = xtensa_toolchain.harness(model_dir, out_dir, harness, defines)
        return elf, xtensa_toolchain.flat_command(cmds)
    extra = ("-fstack-usage", *defines, *ANALYSIS_LINK.get(board.arch, ()))
    cmd = toolchain.harness_command(
        board.toolchain_target, model_dir, elf, harness=harness, extra=extra, memory=board.memory
    )
    toolchain.run(cmd, f"building for {board.name}", cwd=out_dir)
    return toolchain.finish(elf), cmd


PIO_BUILD_DIR = "pio"
PIO_OUTPUTS = ("firmware.elf", "firmware.hex", "firmware.bin", "bootloader.bin", "partitions.bin")


def _pio_project(out_dir: Path) -> Path:
    """A PlatformIO project folder beside the build output whose envs are the package's
    (platformio-envs.ini) and whose sources are the package's firmware folder, so PlatformIO
    writes its .pio workspace here and never into the installed package."""
    project = out_dir / "pio-project"
    project.mkdir(parents=True, exist_ok=True)
    ini = (
        "; written by hasaki-hil build --toolchain pio\n[platformio]\n"
        f"src_dir = {FIRMWARE}\nextra_configs = {FIRMWARE / 'platformio-envs.ini'}\n"
    )
    atomic.write_text(project / "platformio.ini", ini)
    return project


def _pio_build(board, model_dir: Path, out_dir: Path, harness: str, defines=()) -> tuple[Path, list]:
    """PlatformIO's build, its outputs copied into ``out_dir`` beside the firmware record (the
    ESP boards' uploads need bootloader.bin and partitions.bin next to the ELF). F_CPU comes
    from platformio.ini and the board name from the harness default, so only the rest is passed."""
    passed = [d for d in defines if not d.startswith(("-DF_CPU=", "-DHSK_BOARD_NAME="))]
    # PlatformIO's build folder inside out_dir: concurrent builds of one env do not share it,
    # and `pio run -t nobuild -t upload` finds this build's image there (pio_upload.py). The
    # variables are part of the recorded command: PlatformIO cleans a build folder whose
    # configuration (these values included) changed, so the upload must repeat them exactly.
    sysenv = {
        "HSK_MODEL_DIR": str(model_dir),
        "HSK_HARNESS": harness,
        "HSK_DEFINES": " ".join(passed),
        "PLATFORMIO_BUILD_DIR": str(out_dir / PIO_BUILD_DIR),
    }
    cmd = ["env", *(f"{k}={v}" for k, v in sysenv.items())]
    cmd += [pio_executable() or "pio", "run", "-d", str(_pio_project(out_dir)), "-e", board.pio_env]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        raise UserError("PlatformIO did not finish within 30 minutes") from None
    if result.returncode != 0:
        lines = [ln for ln in (result.stdout + result.stderr).splitlines() if "error" in ln.lower()]
        raise UserError("PlatformIO build failed:\n" + "\n".join(lines[:8]), hint=" ".join(cmd))
    built = out_dir / PIO_BUILD_DIR / board.pio_env
    for name in PIO_OUTPUTS:  # copied, not linked: finishing the ELF must not touch PlatformIO's
        if (built / name).is_file():
            shutil.copyfile(built / name, out_dir / name)
    for su in (built / "src").rglob("*.su"):  # the compiler's frame sizes, for the stack bound
        shutil.copyfile(su, out_dir / su.name)
    return out_dir / "firmware.elf", cmd


def build(
    source, board_name: str, harness: str = "emu", toolchain_choice: str = "auto", out_dir=None, check_fit: bool = True
) -> dict:
    """Build ``source`` (a variant file, or a Hasaki-style C header) for a board; returns the
    Firmware record, its fit and its size report. A build that does not fit raises UserError."""
    board = boards.get(board_name)
    if harness not in HARNESSES:
        raise UserError(f"--harness {harness!r}: choose " + " or ".join(HARNESSES))
    source = Path(source)
    driver = choose_driver(board, toolchain_choice)
    if source.suffix == ".h":
        model_dir, name, variant_sha, model_sha, harness_file, defines = _foreign_header(source)
    else:
        v = variant_mod.load(source)
        name, variant_sha, model_sha = v.sha256[:12], v.sha256, v.parent_sha256
        harness_file, defines = (HARNESSES[harness], ()) if harness == "emu" else serial_harness(board, driver)
        if harness == "serial":
            from hasaki_hil.build import link_frames

            link_frames.check(v, board.name)  # before compiling: a frame over the protocol's limit
    out_dir = Path(out_dir or BUILD_ROOT / board.name / f"{name}-{harness}").resolve()  # the compiler runs in it
    out_dir.mkdir(parents=True, exist_ok=True)
    if source.suffix != ".h":
        (out_dir / "hsk_model.h").write_text(codegen.generate(v))
        model_dir = out_dir
    for old in out_dir.glob("*.su"):
        old.unlink()
    if driver == "system":
        elf, cmd = _system_build(board, model_dir, out_dir, harness_file, defines)
    else:
        elf, cmd = _pio_build(board, model_dir, out_dir, harness_file, defines)
        toolchain.finish(elf)
    # the image to upload, from the finished ELF; an ESP-IDF build's firmware.bin is an ESP app
    # image (segments, checksum), which PlatformIO makes and a plain objcopy does not
    tool, fmt, ext = OBJCOPY.get(board.arch, (None, None, ".bin"))
    image = out_dir / f"firmware{ext}"
    if tool and shutil.which(tool) and not (driver == "pio" and board.pio.platform == "espressif32"):
        toolchain.run(
            [shutil.which(tool), "-O", fmt, "-R", ".noinit", "-R", ".eeprom", str(elf), str(image)], f"{tool}"
        )
    if board.arch == "xtensa" and driver == "system":  # the ROM bootloader's image format, by esptool
        xtensa_toolchain.elf2image(elf, image, board.uploader.setting("chip"), board.uploader.setting("flash_freq"))
    if board.uf2_family is not None and image.is_file():  # the boot drive's format, for drag and drop
        atomic.write_bytes(out_dir / "firmware.uf2", uf2.encode(image.read_bytes(), _image_base(elf), board.uf2_family))
    sections, symbols, memory = firmware.read_elf(elf)
    fw = firmware.Firmware(
        board=board.name,
        harness=harness if source.suffix != ".h" else "hasaki-header",
        toolchain=driver,
        elf=str(elf),
        image=str(image),
        sha256=firmware.sha256_file(elf),
        variant_sha256=variant_sha,
        model_sha256=model_sha,
        sections=sections,
        symbols=symbols,
        flash_bytes=memory["flash"],
        ram_bytes=memory["ram"],
        stack=_analyse_stack(board, elf, out_dir),
        command=[str(c) for c in cmd],
    )
    result = fit.check(board, fw)
    firmware.save(fw, out_dir / "firmware.json")
    report = {
        "firmware": fw.as_dict(),
        "fit": result.as_dict(),
        "sizes": firmware.size_report(fw),
        "record": str(out_dir / "firmware.json"),
    }
    if board.arch == "xtensa" and driver == "system":  # where the image goes in flash
        report["image"] = {"path": str(image), "address": board.uploader.setting("system_image")}
    if check_fit and not result.passed:
        raise UserError(f"{source.name} does not fit {board.name}:\n  " + "\n  ".join(result.reasons))
    return report


def _image_base(elf: Path) -> int:
    """Where objcopy's binary image starts: the lowest load address of the loaded contents."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        return min(
            seg["p_paddr"] for seg in ELFFile(f).iter_segments() if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]
        )


def _foreign_header(header: Path):
    """A Hasaki-exported header, built as it is (its own layout) with a harness calling predict()."""
    text = header.read_text(errors="replace")
    m = re.search(r"//\s*Architecture\s*:\s*([\d\s-]+)", text)
    if not m:
        raise UserError(f"{header}: no '// Architecture: ...' comment; is this a Hasaki header?")
    dims = [int(d) for d in m.group(1).split("-") if d.strip()]
    defines = (f"-DHSK_N_IN={dims[0]}", f"-DHSK_N_OUT={dims[-1]}", f'-DHSK_HEADER="{header.resolve()}"')
    return header.resolve().parent, header.stem, None, None, "hasaki_main.c", defines
