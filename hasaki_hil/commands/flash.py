"""The ``flash`` command: upload only a firmware that a PASSED validation record binds (every
file the uploader writes, the variant, the board, the vectors, thresholds at least as strict
as asked; signed when a record key is set: commands/flash_policy.py, gate/binding.py), then
check that the board reports the variant's model hash.

The upload is what PlatformIO runs: avrdude (uno, attiny85), esptool (esp32, esp32c3: an
ESP-IDF image built by PlatformIO; for the esp32 also the system build's bare-metal image at
0x1000), openocd over the ST-LINK (nucleo_f446re), picotool over
the RP2040 boot ROM (pico).

Where the board's serial firmware runs on an emulated core (the system builds for the uno,
the attiny85, the pico, the nucleo_f446re), ``--vectors`` always runs the emulator gate on that
exact firmware behind a pty, and its verdict decides; otherwise (PlatformIO's ESP-IDF images)
an on-board ``test`` record is required.
``--force`` uploads anyway, loudly, and says so (and what failed) in the flash record.
"""

import datetime
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from hasaki_hil import __version__, boards
from hasaki_hil.build import builder as build
from hasaki_hil.build import firmware, pio_upload
from hasaki_hil.build import rp2040_boot2 as boot2
from hasaki_hil.commands.options import (
    add_build_dir,
    add_gate_flags,
    add_json,
    add_place,
    add_toolchain,
    gate_thresholds,
)
from hasaki_hil.errors import GateFailed, UserError
from hasaki_hil.files import docfile, elf_check
from hasaki_hil.gate import binding, flash_policy, signing
from hasaki_hil.gate import verdict as gate_verdict
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.targets.transport import rfc2217_url

FLASH_FORMAT = "hasaki-hil-flash"


# The ESP-IDF images esptool writes, as PlatformIO's espressif32 platform runs it: the
# second-stage bootloader (at the board's offset), the partition table and the app.
ESP_IMAGES = (("bootloader", "bootloader.bin"), ("0x8000", "partitions.bin"), ("0x10000", "firmware.bin"))
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


def avrdude_port(port: str | None) -> str | None:
    """avrdude needs the board's local port: it has no RFC 2217 client, and the uno's bootloader
    needs the DTR pulse that resets it, which a raw TCP port (avrdude's net:HOST:PORT) does not carry."""
    if port and port.startswith(("rfc2217://", "socket://")):
        raise UserError(
            f"avrdude cannot upload over the network ({port})",
            hint="run hasaki-hil flash on the machine the board is plugged into; test, bench and the "
            "post-upload check work over the network URL or --place",
        )
    return port


def uploader_command(board: boards.Board, fw: dict, port: str | None) -> list[str]:
    """What PlatformIO runs to upload this board's firmware (``fw``: the firmware record), from
    the uploader in the board's entry."""
    up = board.uploader
    if up is None:
        raise UserError(f"no uploader for {board.name} here yet", hint="PlatformIO: pio run -e ENV -t upload")
    if up.needs_port and not port:
        raise UserError(f"{up.tool} uploads to the {board.name} over its serial port: give --port")
    if up.tool == "esptool":
        return _esptool_command(board, fw, port)
    if up.tool == "picotool" and not boot2.valid(boot2.read_block(fw["elf"])):
        raise UserError(
            f"{fw['elf']} has no valid boot2 stage (the RP2040 boot ROM would not start it)",
            hint=f"build it with hasaki-hil build ... --board {board.name} (firmware/system/rp2040_boot2.S)",
        )
    if up.tool == "avrdude":
        avrdude_port(port)
    # avrdude writes the Intel HEX image; picotool and openocd take the ELF (it carries its addresses)
    uploaded = fw["image"] if up.tool == "avrdude" else fw["elf"]
    args = [a.format(port=port, image=uploaded) for a in up.args]
    if up.tool == "avrdude":
        args += ["-U", f"flash:w:{uploaded}:i"]
    return [up.tool, *args]


def _esptool_system_image(board: boards.Board, fw: dict, port: str) -> list[str]:
    """The system build's bare-metal image, in the second-stage bootloader's place (docs/esp32.md),
    written as it is: ``keep`` stops esptool rewriting the header's flash parameters, so the
    bytes in flash are the gated ones."""
    up = board.uploader
    image = Path(fw["image"])
    if not image.is_file():
        raise UserError(
            f"{image} not found", hint=f"hasaki-hil build VARIANT --board {board.name} --toolchain system makes it"
        )
    return [
        esptool_executable(), "--chip", up.setting("chip"), "--port", rfc2217_url(port), "--baud", up.setting("baud"),
        "--before", "default_reset", "--after", "hard_reset", "write_flash",
        "--flash_mode", "keep", "--flash_freq", "keep", "--flash_size", "keep", up.setting("system_image"), str(image),
    ]  # fmt: skip


def _esptool_command(board: boards.Board, fw: dict, port: str) -> list[str]:
    up = board.uploader
    settings = dict(up.settings)
    if fw.get("toolchain") == "system" and "system_image" in settings:
        return _esptool_system_image(board, fw, port)
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
    folder = Path(fw["elf"]).parent
    images = []
    for offset, name in ESP_IMAGES:
        path = folder / name
        if not path.is_file():
            raise UserError(f"{path} not found: the ESP-IDF build writes it next to {Path(fw['elf']).name}")
        images += [up.setting("bootloader") if offset == "bootloader" else offset, str(path)]
    return [
        esptool_executable(),
        "--chip",
        up.setting("chip"),
        "--port",
        rfc2217_url(port),  # esptool opens it with pyserial: rfc2217:// works as for test
        "--baud",
        up.setting("baud"),
        "--before",
        "default_reset",
        "--after",
        "hard_reset",
        "write_flash",
        "-z",
        "--flash_mode",
        "dio",
        "--flash_freq",
        up.setting("flash_freq"),
        "--flash_size",
        "detect",
        *images,
    ]


def emulator_gate(
    variant_path,
    board: boards.Board,
    fw: firmware.Firmware,
    vectors,
    record: Path,
    thresholds,
    decision_threshold,
    show_progress: bool = False,
) -> dict:
    """Run ``test --port`` against this exact serial firmware on the emulated core."""
    from hasaki_hil.commands import test as hil_test
    from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

    served = EmulatedSerialBoard(fw.elf, board)
    with served as port:
        return hil_test.run_test(
            variant_path,
            board,
            vectors,
            port=port,
            record_path=record,
            show_progress=show_progress,
            firmware_elf=fw.elf,
            thresholds=thresholds,
            threshold=decision_threshold,
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
    thresholds: gate_verdict.Thresholds | None = None,
    threshold: float = 0.5,
    min_rows: int = binding.DEFAULT_MIN_ROWS,
    toolchain: str = "auto",
    show_progress: bool = False,
) -> dict:
    board = boards.get(board_name)
    v = variant_mod.load(variant_path)
    asked = flash_policy.policy(v, thresholds or gate_verdict.Thresholds(), threshold, vectors, min_rows)
    thresholds = asked.thresholds  # resolved for this model, as the gate and the records hold them
    key = signing.key()
    if firmware_elf is None:
        built = build.build(variant_path, board, harness="serial", toolchain_choice=toolchain, out_dir=build_dir)
        fw = firmware.load(built["record"])
    else:
        elf_check.check(firmware_elf, board.arch, "--firmware")  # before its record beside it is looked for
        fw = firmware.load(Path(firmware_elf).parent / "firmware.json")
        fw = replace(
            fw, elf=str(Path(firmware_elf).resolve()), sha256=firmware.sha256_file(firmware_elf)
        )  # what is on disk now, not what was built
    if toolchain == "pio" and board.pio.platform in pio_upload.PIO_IMAGE:  # PlatformIO's own upload
        cmd = pio_upload.upload_command(board, fw.as_dict(), port)
    else:  # an image this board cannot boot is refused before any gate
        cmd = uploader_command(board, fw.as_dict(), port)
    uploaded = flash_policy.uploaded_paths(cmd)
    folder = Path(fw.elf).parent
    gate = None
    # the image the core runs: the system builds, and PlatformIO's bare-metal AVR builds (the same image)
    emulated = board.emulator is not None and (fw.toolchain == "system" or board.arch == "avr")
    if vectors is not None and emulated and not force:
        # always a fresh run: an older PASSED record never outvotes what this firmware does now
        gate = emulator_gate(
            variant_path,
            board,
            fw,
            vectors,
            folder / "validation-serial-emulated.json",
            thresholds,
            threshold,
            show_progress=show_progress,
        )
        if not gate["passed"]:
            raise GateFailed(
                f"the emulator gate just run on this exact firmware gave verdict FAILED ({gate['reasons'][0]}); "
                f"no older record counts against it (record: {gate['record']})"
            )
        candidates = [Path(gate["record"])]
    else:
        candidates = [Path(record)] if record else sorted(folder.glob("validation-*.json"))
    found, rec, why = flash_policy.relying_record(
        candidates, fw=fw, board=board.name, variant=v, uploaded=uploaded, policy=asked, key=key
    )
    if found is None and not force:
        raise GateFailed(
            f"no PASSED validation record for firmware {fw.sha256[:12]} of variant {v.sha256[:12]} that this "
            "upload can rely on" + (":\n  " + "\n  ".join(why[:4]) if why else ""),
            hint=f"run the gate on this firmware: hasaki-hil flash ... --vectors DATA.csv (emulated), or hasaki-hil "
            f"test {variant_path} --board {board.name} --port PORT --vectors DATA.csv on the board",
        )
    if force:
        print("WARNING: --force: uploading firmware WITHOUT a passing validation record", file=sys.stderr)
    if key is None:
        print(
            f"note: no record key ({signing.ENV_KEY} or {signing.ENV_KEY_FILE}): records are unsigned and checked "
            "only for consistency, not for who wrote them",
            file=sys.stderr,
        )
    result = {
        "board": board.name,
        "firmware_sha256": fw.sha256,
        "variant_sha256": v.sha256,
        "record": str(found) if found else None,
        "signed": rec is not None and key is not None,  # the record's signature verified with the key set
        "forced": force,
        "refused_because": why if force and found is None else [],
        "uploaded": [{"path": p, "sha256": binding.sha256_file(p)} for p in uploaded if Path(p).is_file()],
        "command": cmd,
        "dry_run": dry_run,
        "gate": gate and {"verdict": gate["verdict"], "record": gate["record"]},
        "thresholds": thresholds.as_dict(),
        "tool_version": __version__,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if not dry_run:
        if shutil.which(cmd[0]) is None:
            raise UserError(f"{cmd[0]} not found", hint=INSTALL_HINT[cmd[0].removesuffix(".py")])
        with tempfile.TemporaryDirectory(prefix="hsk-upload-") as private:
            staged = flash_policy.stage(cmd, uploaded, private, rec)
            done = subprocess.run(staged, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip())[-600:]  # PlatformIO reports on stdout
            raise UserError(f"upload failed:\n{said}", hint=shlex.join(cmd))
        if port:
            result["handshake"] = verify_model(port, board, v.sha256)
    docfile.write(folder / "flash.json", {"format": FLASH_FORMAT, "version": 1, **result})
    return result


def verify_model(port: str, board: boards.Board, variant_sha: str) -> dict:
    from hasaki_hil.targets.serial import DeviceError, SerialTarget
    from hasaki_hil.targets.transport import Transport, open_port

    t = Transport(open_port(port, board.baud))
    try:
        hello = SerialTarget(port, board.baud, board=board.name).handshake(t, [])  # refuses another board
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
    p.add_argument(
        "--vectors",
        metavar="CSV",
        help="the full test vectors: the gate re-runs on the exact firmware where the board is emulated, "
        "otherwise a record must have judged exactly these",
    )
    add_gate_flags(p)
    p.add_argument(
        "--min-rows",
        type=int,
        default=binding.DEFAULT_MIN_ROWS,
        help=f"without --vectors, the fewest rows a record must have judged ({binding.DEFAULT_MIN_ROWS})",
    )
    p.add_argument("--firmware", help="upload this already-built ELF (its firmware.json beside it)")
    p.add_argument("--record", help="the validation record to rely on (default: search beside the firmware)")
    p.add_argument("--force", action="store_true", help="upload without a passing record (written into the record)")
    p.add_argument("--dry-run", action="store_true", help="check the gate and print the upload command only")
    add_build_dir(p, "BOARD/VARIANT-serial")
    add_place(p)
    add_toolchain(p)
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
        toolchain=args.toolchain,
        thresholds=gate_thresholds(args),
        threshold=args.threshold,
        min_rows=args.min_rows,
        show_progress=not args.json,
    )
