"""The ``flash`` command: upload only a firmware whose exact sha256 has a PASSED validation
record, then check that the board reports the variant's model hash.

Where the board's serial firmware runs on an emulated core (the uno, the attiny85), the
emulator gate runs first on that exact firmware behind a pty; otherwise an on-board ``test``
record is required. ``--force`` uploads anyway, loudly, and says so in the flash record.
"""

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

from . import __version__, boards, build, docfile, firmware
from . import variant as variant_mod
from .errors import GateFailed, UserError

FLASH_FORMAT = "hasaki-hil-flash"


def uploader_command(board: boards.Board, image: str, port: str | None) -> list[str]:
    """What PlatformIO runs to upload this board's image (avrdude for the AVR boards)."""
    if board.name == "uno":
        if not port:
            raise UserError("the uno uploads through its serial bootloader: give --port")
        return [
            "avrdude",
            "-p",
            "atmega328p",
            "-c",
            "arduino",
            "-P",
            port,
            "-b",
            "115200",
            "-D",
            "-U",
            f"flash:w:{image}:i",
        ]
    if board.name == "attiny85":
        return ["avrdude", "-p", "attiny85", "-c", "usbasp", "-e", "-U", f"flash:w:{image}:i"]
    raise UserError(f"no uploader for {board.name} here yet", hint="PlatformIO: pio run -e ENV -t upload")


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


def emulator_gate(variant_path, board: boards.Board, fw: dict, vectors, record: Path) -> dict:
    """Run ``test --port`` against this exact serial firmware on the emulated core."""
    from . import hil_test
    from .emu_serial import EmulatedSerialBoard

    served = EmulatedSerialBoard(fw["elf"], board.mcu)
    with served as port:
        return hil_test.run_test(
            variant_path,
            board.name,
            vectors,
            port=port,
            record_path=record,
            show_progress=False,
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
) -> dict:
    board = boards.get(board_name)
    v = variant_mod.load(variant_path)
    if firmware_elf is None:
        fw = build.build(variant_path, board.name, harness="serial", out_dir=build_dir)["firmware"]
    else:
        fw = firmware.load(Path(firmware_elf).parent / "firmware.json").as_dict()
        fw["sha256"] = firmware.sha256_file(firmware_elf)  # what is on disk now, not what was built
    folder = Path(fw["elf"]).parent
    found, why = passing_record(fw["sha256"], v.sha256, folder, record)
    gate = None
    if found is None and vectors is not None and board.emulator == "avr" and not force:
        gate = emulator_gate(variant_path, board, fw, vectors, folder / "validation-serial-emulated.json")
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
    cmd = uploader_command(board, fw["image"], port)
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
            raise UserError(f"{cmd[0]} not found", hint="install avrdude (Debian: apt-get install avrdude)")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise UserError(f"upload failed:\n{done.stderr.strip()[-600:]}", hint=" ".join(cmd))
        if port:
            result["handshake"] = verify_model(port, board, v.sha256)
    docfile.write(folder / "flash.json", {"format": FLASH_FORMAT, "version": 1, **result})
    return result


def verify_model(port: str, board: boards.Board, variant_sha: str) -> dict:
    from .targets import DeviceError, SerialTarget
    from .transport import Transport, open_port

    t = Transport(open_port(port, board.baud))
    try:
        hello = SerialTarget(port, board.baud).handshake(t, [])
    finally:
        t.close()
    if hello.model_hash != variant_sha:
        raise DeviceError(f"after the upload the board reports model {hello.model_hash[:12]}, not {variant_sha[:12]}")
    return json.loads(json.dumps(hello.__dict__))
