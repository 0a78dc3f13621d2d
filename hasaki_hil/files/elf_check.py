"""Is this file an ELF for this board's architecture? Checked from the 20-byte ELF header
before an emulated core is started on it, so a missing file, a HEX image or another
architecture's build is a user error at once, not a core that sits silent for an hour."""

import os

from hasaki_hil.errors import UserError

# e_machine values (System V ABI and the processor supplements)
MACHINES = {"avr": 83, "arm": 40, "riscv": 243, "xtensa": 94}
NAMES = {**{v: k for k, v in MACHINES.items()}, 62: "x86-64", 3: "x86", 183: "aarch64"}
HINT = "give the firmware.elf of a build for this board: hasaki-hil build VARIANT --board BOARD --harness serial"


def check(path, arch: str, option: str = "FIRMWARE") -> None:
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except IsADirectoryError:
        raise UserError(f"{option} {path} is a folder, not an ELF file", hint=HINT) from None
    except OSError as e:
        raise UserError(f"cannot read {option} {path}: {e.strerror}", hint=HINT) from None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        raise UserError(f"{option} {path} is not an ELF file", hint=HINT)
    order = "little" if head[5] == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    if arch in MACHINES and machine != MACHINES[arch]:
        found = NAMES.get(machine, f"machine {machine}")
        raise UserError(f"{option} {path} is an ELF for {found}, not for {arch}", hint=HINT)
