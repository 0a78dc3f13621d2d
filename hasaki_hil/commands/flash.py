"""The ``flash`` command: upload only a firmware whose exact sha256 has a PASSED validation
record, then check that the board reports the variant's model hash.

The upload is what PlatformIO runs: avrdude (uno, attiny85), esptool (esp32, esp32c3: only an
ESP-IDF image built by PlatformIO), openocd over the ST-LINK (nucleo_f446re), picotool over
the RP2040 boot ROM (pico).

Where the board's serial firmware runs on an emulated core (the system builds for the uno,
the attiny85, the pico, the nucleo_f446re), the emulator gate runs first on that exact
firmware behind a pty; otherwise (PlatformIO's ESP-IDF images) an on-board ``test`` record
is required.
``--force`` uploads anyway, loudly, and says so in the flash record.
"""

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

from hasaki_hil import __version__
from hasaki_hil.boards import registry as boards
from hasaki_hil.build import builder as build
from hasaki_hil.build import firmware
from hasaki_hil.build import rp2040_boot2 as boot2
from hasaki_hil.commands.options import add_build_dir, add_json
from hasaki_hil.errors import GateFailed, UserError
from hasaki_hil.files import docfile, elf_check
from hasaki_hil.model import variant as variant_mod

FLASH_FORMAT = "hasaki-hil-flash"


# What PlatformIO runs to upload, per board (see the module's docstring).
AVRDUDE = {
    "uno": ("-p", "atmega328p", "-c", "arduino", "-P", "{port}", "-b", "115200", "-D"),  # serial bootloader
    "attiny85": ("-p", "attiny85", "-c", "usbasp", "-e"),  # ISP programmer: no port
}
# esptool write_flash as PlatformIO's espressif32 platform runs it for an ESP-IDF build: the
# second-stage bootloader (its offset differs per chip), the partition table and the app.
ESPTOOL = {
    "esp32": {"chip": "esp32", "baud": 921600, "flash_freq": "40m", "bootloader": "0x1000"},
    "esp32c3": {"chip": "esp32c3", "baud": 460800, "flash_freq": "80m", "bootloader": "0x0"},
}
ESP_IMAGES = (("bootloader", "bootloader.bin"), ("0x8000", "partitions.bin"), ("0x10000", "firmware.bin"))
# openocd as PlatformIO's "stlink" upload protocol runs it (the ELF carries its load addresses).
OPENOCD = {"nucleo_f446re": ("interface/stlink.cfg", "hla_swd", "target/stm32f4x.cfg")}
# picotool over the RP2040 boot ROM's USB interface (the board held in BOOTSEL): load the ELF,
# verify it, run it. The image carries boot2 with its checksum (hasaki_hil/boot2.py).
PICOTOOL = {"pico": ("load", "-v", "-x")}
INSTALL_HINT = {
    "avrdude": "install avrdude (Debian: apt-get install avrdude)",
    "esptool": "install esptool: pip install esptool",
    "openocd": "install openocd (Debian: apt-get install openocd)",
    "picotool": "install picotool (Raspberry Pi's tool; build it from its sources if your distribution has no "
    "package), or copy firmware.uf2 from the build folder onto the RPI-RP2 drive of the board held in BOOTSEL",
}


def esptool_executable() -> str:
    """esptool's command: ``esptool.py`` (pip's script, what PlatformIO runs) or ``esptool`` (v5)."""
    for name in ("esptool.py", "esptool"):
        if shutil.which(name):
            return name
    return "esptool.py"


def uploader_command(board: boards.Board, fw: dict, port: str | None) -> list[str]:
    """What PlatformIO runs to upload this board's firmware (``fw``: the firmware record)."""
    if board.name in AVRDUDE:
        if board.name == "uno" and not port:
            raise UserError("the uno uploads through its serial bootloader: give --port")
        opts = [opt.format(port=port) for opt in AVRDUDE[board.name]]
        return ["avrdude", *opts, "-U", f"flash:w:{fw['image']}:i"]
    if board.name in ESPTOOL:
        if fw.get("toolchain") != "pio":
            raise UserError(
                f"{fw['elf']} is the bare-metal {board.name} build (toolchain {fw.get('toolchain')}), which "
                f"runs on the emulated core only: a real {board.name} boots an ESP-IDF image (second-stage "
                "bootloader, partition table, app), which only PlatformIO builds",
                hint=f"on a machine with PlatformIO and its espressif32 platform: hasaki-hil build VARIANT --board "
                f"{board.name} --harness serial --toolchain pio; hasaki-hil test VARIANT --board {board.name} "
                f"--port PORT --vectors DATA.csv on the board; then "
                f"hasaki-hil flash VARIANT --board {board.name} --port PORT",
            )
        if not port:
            raise UserError(f"esptool uploads to the {board.name} over its serial port: give --port")
        esp, folder = ESPTOOL[board.name], Path(fw["elf"]).parent
        images = []
        for offset, name in ESP_IMAGES:
            path = folder / name
            if not path.is_file():
                raise UserError(f"{path} not found: the ESP-IDF build writes it next to {Path(fw['elf']).name}")
            images += [esp["bootloader"] if offset == "bootloader" else offset, str(path)]
        return [
            esptool_executable(),
            "--chip",
            esp["chip"],
            "--port",
            port,
            "--baud",
            str(esp["baud"]),
            "--before",
            "default_reset",
            "--after",
            "hard_reset",
            "write_flash",
            "-z",
            "--flash_mode",
            "dio",
            "--flash_freq",
            esp["flash_freq"],
            "--flash_size",
            "detect",
            *images,
        ]
    if board.name in PICOTOOL:
        if not boot2.valid(boot2.read_block(fw["elf"])):
            raise UserError(
                f"{fw['elf']} has no valid boot2 stage (the RP2040 boot ROM would not start it)",
                hint="build it with hasaki-hil build ... --board pico (firmware/system/rp2040_boot2.S)",
            )
        return ["picotool", *PICOTOOL[board.name], fw["elf"]]
    if board.name not in OPENOCD:
        raise UserError(f"no uploader for {board.name} here yet", hint="PlatformIO: pio run -e ENV -t upload")
    interface, transport, target = OPENOCD[board.name]
    return [
        "openocd",
        "-f",
        interface,
        "-c",
        f"transport select {transport}",
        "-f",
        target,
        "-c",
        f"program {{{fw['elf']}}} verify reset; shutdown;",
    ]


def passing_record(fw_sha: str, variant_sha: str, folder: Path, explicit=None) -> tuple[Path | None, list[str]]:
    """The first PASSED validation record for exactly this firmware and variant, and why others were not."""
    candidates = [Path(explicit)] if explicit else sorted(folder.glob("validation-*.json"))
    why = []
    for path in candidates:
        try:
            rec = docfile.read(path, "hasaki-hil-validation", 1, "validation record")
        except UserError as e:
            why.append(str(e))
            continue
        if rec.get("firmware_sha256") != fw_sha:
            why.append(f"{path.name}: for firmware {str(rec.get('firmware_sha256'))[:12]}, not {fw_sha[:12]}")
        elif rec.get("variant_sha256") != variant_sha:
            why.append(f"{path.name}: for another variant")
        elif rec.get("verdict") != "PASSED":
            why.append(f"{path.name}: verdict {rec.get('verdict')}")
        else:
            return path, why
    return None, why


def emulator_gate(
    variant_path, board: boards.Board, fw: dict, vectors, record: Path, show_progress: bool = False
) -> dict:
    """Run ``test --port`` against this exact serial firmware on the emulated core."""
    from hasaki_hil.commands import test as hil_test
    from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

    served = EmulatedSerialBoard(fw["elf"], board.mcu)
    with served as port:
        return hil_test.run_test(
            variant_path,
            board.name,
            vectors,
            port=port,
            record_path=record,
            show_progress=show_progress,
            firmware_elf=fw["elf"],
        )


def flash(
    variant_path,
    board_name: str,
    *,
    port: str | None = None,
    vectors=None,
    firmware_elf=None,
    record=None,
    force: bool = False,
    dry_run: bool = False,
    build_dir=None,
    show_progress: bool = False,
) -> dict:
    board = boards.get(board_name)
    v = variant_mod.load(variant_path)
    if firmware_elf is None:
        fw = build.build(variant_path, board.name, harness="serial", out_dir=build_dir)["firmware"]
    else:
        elf_check.check(firmware_elf, board.arch, "--firmware")  # before its record beside it is looked for
        fw = firmware.load(Path(firmware_elf).parent / "firmware.json").as_dict()
        fw["sha256"] = firmware.sha256_file(firmware_elf)  # what is on disk now, not what was built
    cmd = uploader_command(board, fw, port)  # an image this board cannot boot is refused before any gate
    folder = Path(fw["elf"]).parent
    found, why = passing_record(fw["sha256"], v.sha256, folder, record)
    gate = None
    emulated = board.emulator is not None and fw.get("toolchain") == "system"  # the image the core runs
    if found is None and vectors is not None and emulated and not force:
        gate_record = folder / "validation-serial-emulated.json"
        gate = emulator_gate(variant_path, board, fw, vectors, gate_record, show_progress=show_progress)
        found, why = passing_record(fw["sha256"], v.sha256, folder)
    if found is None and not force:
        hint = (
            f"run the gate first: hasaki-hil flash ... --vectors DATA.csv (emulated), or hasaki-hil test "
            f"{variant_path} --board {board.name} --port PORT --vectors DATA.csv on the board"
        )
        raise GateFailed(
            f"no PASSED validation record for firmware {fw['sha256'][:12]} of variant {v.sha256[:12]}"
            + (": " + "; ".join(why[:3]) if why else "")
            + f"\nhint: {hint}"
        )
    if force:
        print("WARNING: --force: uploading firmware WITHOUT a passing validation record", file=sys.stderr)
    result = {
        "board": board.name,
        "firmware_sha256": fw["sha256"],
        "variant_sha256": v.sha256,
        "record": str(found) if found else None,
        "forced": force,
        "command": cmd,
        "dry_run": dry_run,
        "gate": gate and {"verdict": gate["verdict"], "record": gate["record"]},
        "tool_version": __version__,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if not dry_run:
        if shutil.which(cmd[0]) is None:
            raise UserError(f"{cmd[0]} not found", hint=INSTALL_HINT[cmd[0].removesuffix(".py")])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise UserError(f"upload failed:\n{done.stderr.strip()[-600:]}", hint=" ".join(cmd))
        if port:
            result["handshake"] = verify_model(port, board, v.sha256)
    docfile.write(folder / "flash.json", {"format": FLASH_FORMAT, "version": 1, **result})
    return result


def verify_model(port: str, board: boards.Board, variant_sha: str) -> dict:
    from hasaki_hil.targets.serial import DeviceError, SerialTarget
    from hasaki_hil.targets.transport import Transport, open_port

    t = Transport(open_port(port, board.baud))
    try:
        hello = SerialTarget(port, board.baud).handshake(t, [])
    finally:
        t.close()
    if hello.model_hash != variant_sha:
        raise DeviceError(f"after the upload the board reports model {hello.model_hash[:12]}, not {variant_sha[:12]}")
    return json.loads(json.dumps(hello.__dict__))


def add_parser(sub) -> None:
    p = sub.add_parser("flash", help="upload firmware only if its exact sha256 passed validation")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--port", help="serial port of the board (upload and the model-hash check)")
    p.add_argument("--vectors", metavar="CSV", help="run the emulator gate on the exact firmware first")
    p.add_argument("--firmware", help="upload this already-built ELF (its firmware.json beside it)")
    p.add_argument("--record", help="the validation record to rely on (default: search beside the firmware)")
    p.add_argument("--force", action="store_true", help="upload without a passing record (written into the record)")
    p.add_argument("--dry-run", action="store_true", help="check the gate and print the upload command only")
    add_build_dir(p, "BOARD/VARIANT-serial")
    add_json(p)
    p.set_defaults(run=run, render="flash")


def run(args) -> dict:
    return flash(
        args.variant,
        args.board,
        port=args.port,
        vectors=args.vectors,
        firmware_elf=args.firmware,
        record=args.record,
        force=args.force,
        dry_run=args.dry_run,
        build_dir=args.build_dir,
        show_progress=not args.json,
    )
