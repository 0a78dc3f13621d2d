"""The ``test`` command: run a variant's firmware on an emulated core or a board over serial,
compare with the float reference using the gate's metrics, and write a validation record."""

import datetime
from dataclasses import replace
from pathlib import Path

import numpy as np

from hasaki_hil import __version__, boards
from hasaki_hil.build import builder as build
from hasaki_hil.build import firmware
from hasaki_hil.commands.options import (
    add_gate_flags,
    add_header_flag,
    add_json,
    add_place,
    add_toolchain,
    gate_thresholds,
    positive_float,
    positive_int,
)
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.gate import binding, metrics, signing
from hasaki_hil.gate import record as rec_mod
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict as float_predict
from hasaki_hil.progress import Progress
from hasaki_hil.quant import reference
from hasaki_hil.targets.base import FirmwareRef, Vectors


def run_test(
    variant_path,
    board_name: str,
    vectors_csv,
    *,
    emulate: bool = False,
    port: str | None = None,
    baud: int | None = None,
    thresholds: gate.Thresholds | None = None,
    threshold: float = 0.5,
    record_path=None,
    header: bool | None = None,
    show_progress: bool = True,
    timeout: float = 2.0,
    firmware_elf=None,
    junit=None,
    toolchain: str = "auto",
    place: str | None = None,
) -> dict:
    if emulate == (port is not None):
        raise UserError("give exactly one of --emulate or --port URL")
    t = thresholds or gate.Thresholds()
    t.check()
    board = boards.get(board_name)
    v = variant_mod.load(variant_path)
    model = v.parent
    t = t.resolve(gate.binary_classifier(model.output_activation, model.n_outputs))
    ds = data.load_csv(vectors_csv, model.n_inputs, model.n_outputs, model.output_activation, header=header)
    finite.check_inputs(v, ds.X, finite.csv_place(ds))  # before a build or a device sees inf
    native = reference.native_inputs(v, ds.X)
    if firmware_elf is None:
        harness = "emu" if emulate else "serial"
        fw = firmware.load(build.build(variant_path, board, harness=harness, toolchain_choice=toolchain)["record"])
    else:  # the exact file to be flashed (flash's emulator gate): its hash as it is on disk now
        fw = firmware.load(Path(firmware_elf).parent / "firmware.json")
        fw = replace(fw, elf=str(Path(firmware_elf).resolve()), sha256=firmware.sha256_file(firmware_elf))
    progress = Progress(len(native), "test", enabled=show_progress)
    if emulate:
        from hasaki_hil.targets.emulated import EmulatorTarget

        target = EmulatorTarget(board)
    else:
        from hasaki_hil.targets.serial import SerialTarget

        target = SerialTarget(port, baud or board.baud, timeout=timeout, board=board.name)
    firmware_ref = FirmwareRef(fw.elf, fw.variant_sha256)
    result = target.run(firmware_ref, Vectors.for_variant(v, native), progress.update)
    kind = target.kind
    progress.close()
    reasons, passed = [], True
    ref_out = reference.run(v, native, native=True)
    n_done = len(result.outputs)
    if result.faults:
        passed = False
        reasons.append(f"the firmware faulted: {result.faults[0]['fault']}")
    got = result.outputs if n_done else np.zeros((0, v.dims[-1]), v.output_dtype)
    if v.output_is_int8:
        from hasaki_hil.quant.qmath import dequantize

        mismatch = int(np.sum(np.any(got != ref_out.q_outputs[:n_done], axis=1)))
        out_q = v.layers[-1].out_q
        device = dequantize(got, out_q.scale, out_q.zero_point)
    else:
        device = got.astype(np.float32)
        mismatch = int(np.sum(~np.isclose(device, ref_out.outputs[:n_done], rtol=1e-5, atol=1e-6).all(axis=1)))
    if mismatch:
        passed = False
        reasons.append(f"{mismatch} of {n_done} vectors differ from the host reference of this variant")
    float_ref = float_predict(model, ds.X)
    m = metrics.compare(device, float_ref[:n_done], v.output_activation, ds.Y[:n_done], threshold) if n_done else {}
    if n_done:
        judged = gate.verdict(m, t)
        passed = passed and judged.passed
        reasons += judged.reasons
    rec = rec_mod.ValidationRecord(
        verdict="PASSED" if passed else "FAILED",
        reasons=tuple(reasons),
        firmware_sha256=fw.sha256,
        variant_sha256=v.sha256,
        model_sha256=v.parent_sha256,
        vectors_sha256=rec_mod.vectors_hash(native, ds.Y),
        vectors=str(vectors_csv),
        rows=ds.n_rows,
        board=board.name,
        target=kind,
        scheme=v.scheme,
        layers=tuple(v.kinds),
        thresholds=t,
        metrics=rec_mod.Metrics.from_dict(m),
        error_histogram=metrics.error_histogram(device, float_ref[:n_done]) if n_done else None,
        host_reference_mismatches=mismatch,
        cycles=rec_mod.CycleSummary.of(result.cycles, result.provenance, result.info.get("clock_hz") or board.clock_hz),
        sizes=rec_mod.Sizes(
            flash=fw.flash_bytes,
            ram_static=fw.ram_bytes,
            stack=fw.stack.get("bytes"),
            stack_measured_low_water=result.info.get("stack_low_water"),
            stack_measured=result.info.get("stack_measured_bytes"),
        ),
        faults=tuple(result.faults),
        link_retries=len(result.retries),
        tool_version=__version__,
        time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        decision_threshold=threshold,
        artefacts=binding.artefacts(fw),
        place=place,
    )
    rec = rec_mod.sign(rec, signing.key())
    path = Path(record_path or Path(fw.elf).parent / f"validation-{rec.target_kind}.json")
    rec_mod.save(rec, path)
    if junit is not None:
        from hasaki_hil.gate import junit as junit_mod

        junit_mod.write(junit, "hasaki-hil test", [junit_mod.record_case(rec, path)])
    return {**rec.as_dict(), "record": str(path), "passed": rec.passed}


def add_parser(sub) -> None:
    p = sub.add_parser("test", help="run a variant on an emulated core or a board and gate it")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--emulate", action="store_true", help="run on the board's emulated core")
    p.add_argument("--port", help="serial port URL of a board running the serial firmware")
    p.add_argument("--baud", type=positive_int, help="baud rate (default: the board's)")
    p.add_argument("--timeout", type=positive_float, default=2.0, help="seconds to wait for each reply (default 2)")
    add_place(p)
    add_toolchain(p)
    p.add_argument("--firmware", help="gate this already-built ELF (its firmware.json beside it) instead of building")
    p.add_argument("--vectors", required=True, metavar="CSV", help="labelled test vectors")
    add_gate_flags(p)
    p.add_argument("--record", help="where to write the validation record (default: beside the firmware)")
    p.add_argument("--junit", metavar="XML", help="also write the verdict as JUnit XML")
    add_header_flag(p)
    add_json(p)
    p.set_defaults(run=run, render="test")


def run(args) -> dict:
    return run_test(
        args.variant,
        args.board,
        args.vectors,
        emulate=args.emulate,
        port=args.port,
        baud=args.baud,
        thresholds=gate_thresholds(args),
        threshold=args.threshold,
        record_path=args.record,
        header=args.header,
        show_progress=not args.json,
        timeout=args.timeout,
        junit=args.junit,
        toolchain=args.toolchain,
        firmware_elf=args.firmware,
        place=args.place,
    )
