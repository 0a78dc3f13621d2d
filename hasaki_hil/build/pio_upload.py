"""The upload as PlatformIO runs it, for a firmware that PlatformIO built (``--toolchain pio``).

``pio run -t nobuild -t upload`` uploads the image already in the env's build folder without
building again; hasaki-hil builds with PLATFORMIO_BUILD_DIR inside the firmware's own folder
(hasaki_hil/build.py), so the command names exactly the build that was gated. Before handing
it out we check that PlatformIO's image there is, byte for byte, the image of the gated ELF.
"""

from pathlib import Path

from hasaki_hil import boards
from hasaki_hil.build import builder as build
from hasaki_hil.errors import UserError

# what `pio run -t nobuild` takes as the image per platform (atmelavr: builder/main.py's target_firm)
PIO_IMAGE = {"atmelavr": "firmware.hex"}


def upload_command(board: boards.Board, fw: dict, port: str | None) -> list[str]:
    """The build's ``env HSK_...=... PLATFORMIO_BUILD_DIR=... pio run -d ROOT -e ENV`` with
    ``-t nobuild -t upload [--upload-port PORT]``."""
    if board.pio.platform not in PIO_IMAGE:
        raise UserError(
            f"no PlatformIO upload through hasaki-hil for {board.name} ({board.pio.platform}) yet",
            hint=f"flash it without --toolchain pio, or by hand: pio run -e {board.pio_env} -t upload",
        )
    folder = Path(fw["elf"]).parent
    build_dir = folder / build.PIO_BUILD_DIR
    theirs = build_dir / board.pio_env / PIO_IMAGE[board.pio.platform]
    if fw.get("toolchain") != "pio" or not theirs.is_file():
        raise UserError(
            f"{fw['elf']} was not built by PlatformIO (no {theirs})",
            hint=f"hasaki-hil build VARIANT --board {board.name} --harness serial --toolchain pio, "
            "or flash without --toolchain pio",
        )
    if theirs.read_bytes() != Path(fw["image"]).read_bytes():
        raise UserError(
            f"PlatformIO's image {theirs} is not the image of the gated firmware {fw['image']}",
            hint="build again (hasaki-hil build ... --toolchain pio) and gate the new firmware",
        )
    made = list(fw.get("command", []))
    if made[:1] != ["env"] or f"PLATFORMIO_BUILD_DIR={build_dir}" not in made or "run" not in made:
        raise UserError(
            f"{folder / 'firmware.json'} does not record the PlatformIO build command",
            hint=f"build again: hasaki-hil build VARIANT --board {board.name} --harness serial --toolchain pio",
        )
    # the build's own command and variables: PlatformIO would clean the build folder otherwise
    return made + ["-t", "nobuild", "-t", "upload"] + (["--upload-port", port] if port else [])
