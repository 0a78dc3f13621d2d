"""The board registry is the one place a board is described: a new board is one entry, and the
rest of the tool builds, emulates and serves it without another module knowing its name."""

import dataclasses
import json
import re

import numpy as np
import pytest

from hasaki_hil import boards
from hasaki_hil.boards import Registry
from hasaki_hil.boards.registry import PlatformIO
from hasaki_hil.build import builder
from hasaki_hil.commands import test as hil_test
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize, reference
from hasaki_hil.targets import serial as serial_target
from hasaki_hil.targets.base import FirmwareRef, Vectors
from hasaki_hil.targets.emulated import EmulatorTarget
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .conftest import ROOT
from .test_quantize import pathology_model

BOARD_NAMES = [b.name for b in boards.BOARDS]


def test_no_module_outside_the_registry_keys_on_a_board_name():
    """grep over the package: a board's name appears only in its registry entry (tests aside)."""
    pattern = re.compile(r"""["']({})["']""".format("|".join(BOARD_NAMES)))
    offenders = []
    for path in sorted((ROOT / "hasaki_hil").rglob("*.py")):
        if path.name == "registry.py" and path.parent.name == "boards":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    # the demo's choice of boards and serve-emulated's default are choices, not board facts
    allowed = ("commands/demo.py", "commands/serve.py")
    assert [o for o in offenders if not o.startswith(tuple(f"hasaki_hil/{a}" for a in allowed))] == []


def test_one_esp32c3_ram_figure():
    board = boards.get("esp32c3")
    assert board.ram_bytes == board.memory.region("ram").size == 384 * 1024
    assert boards.listing()["boards"][3]["ram_bytes"] == 384 * 1024


def test_a_private_board_is_built_emulated_and_served_without_touching_another_module(tmp_path):
    """An ATmega328P at 8 MHz (a 3.3 V Pro Mini, say) as one entry in a private registry."""
    uno = boards.get("uno")
    mine = Registry()
    pro_mini = mine.add(
        dataclasses.replace(
            uno,
            name="pro_mini_8mhz",
            description="ATmega328P at 8 MHz, 3.3 V",
            clock_hz=8_000_000,
            serial=dataclasses.replace(uno.serial, baud=38400),
            pio=PlatformIO("pro8MHzatmega328", "pro8MHzatmega328", "atmelavr"),
        )
    )
    assert mine.get("pro_mini_8mhz") is pro_mini and "pro_mini_8mhz" not in BOARD_NAMES
    rng = np.random.default_rng(1)
    X = rng.random((40, 4)) * [1, 1e-3, 1e-3, 1]
    v = quantize.build(pathology_model(), ["int8", "int8"], X, "int8")
    path = tmp_path / "v.variant"
    variant_mod.save(v, path)
    csv = tmp_path / "vectors.csv"
    labels = (rng.random(40) > 0.5).astype(int)
    np.savetxt(csv, np.column_stack([X, labels]), delimiter=",", fmt="%.9g")
    emulated = hil_test.run_test(
        path, pro_mini, csv, emulate=True, show_progress=False, record_path=tmp_path / "r.json"
    )
    assert emulated["board"] == "pro_mini_8mhz" and emulated["host_reference_mismatches"] == 0
    assert emulated["cycles"]["provenance"] == "exact"
    # the serial firmware for it is built with its clock and baud and says so in its handshake;
    # its Timer1 count equals the emulator's exact count on every vector
    vectors = Vectors.for_variant(v, reference.native_inputs(v, X))
    emu_fw = builder.build(path, pro_mini, harness="emu", toolchain_choice="system", out_dir=tmp_path / "emu")
    exact = EmulatorTarget(pro_mini).run(FirmwareRef(emu_fw["firmware"]["elf"], v.sha256), vectors)
    fw = builder.build(path, pro_mini, harness="serial", toolchain_choice="system", out_dir=tmp_path / "serial")
    with EmulatedSerialBoard(fw["firmware"]["elf"], pro_mini) as port:
        r = serial_target.SerialTarget(port, pro_mini.baud).run(None, vectors)
    assert r.info["clock_hz"] == 8_000_000 and r.info["board"] == "pro_mini_8mhz"
    assert np.array_equal(r.outputs, exact.outputs) and np.array_equal(r.cycles, exact.cycles)


def test_board_entries_are_keyword_built():
    uno = boards.get("uno")
    with pytest.raises(TypeError):
        boards.Board(*[getattr(uno, f.name) for f in dataclasses.fields(uno)])


def test_the_boards_command_lists_every_entry_for_people_and_as_json(cli):
    code, out, err = cli("boards")
    assert code == 0, err
    for board in boards.BOARDS:
        line = next(ln for ln in out.splitlines() if ln.startswith(board.name + " "))
        emulated = f"{board.emulator.backend}: {board.emulator.chip}" if board.emulator else "none"
        assert emulated in line and board.pio.env in line
    code, out, _ = cli("boards", "--json")
    assert code == 0 and [b["name"] for b in json.loads(out)["boards"]] == [b.name for b in boards.BOARDS]
