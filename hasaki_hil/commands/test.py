"""The ``test`` command: run a variant's firmware on an emulated core or a board over serial,
compare with the float reference using the gate's metrics, and write a validation record."""

import datetime
import hashlib
import statistics
from pathlib import Path

import numpy as np

from hasaki_hil import __version__
from hasaki_hil.boards import registry as boards
from hasaki_hil.build import builder as build
from hasaki_hil.commands.options import (
    add_gate_flags,
    add_header_flag,
    add_json,
    gate_thresholds,
    positive_float,
    positive_int,
)
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.files import docfile
from hasaki_hil.gate import metrics
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict as float_predict
from hasaki_hil.progress import Progress
from hasaki_hil.quant import reference

RECORD_FORMAT = "hasaki-hil-validation"
RECORD_VERSION = 1


def vectors_hash(native: np.ndarray, labels: np.ndarray) -> str:
    h = hashlib.sha256(np.ascontiguousarray(native).tobytes())
    h.update(np.ascontiguousarray(labels, np.float64).tobytes())
    return h.hexdigest()


def cycle_summary(cycles: np.ndarray, provenance: str, clock_hz: int) -> dict:
    if cycles.size == 0 or provenance == "none":  # no counter (the ATtiny85's serial firmware): no figures
        return {"provenance": provenance}
    med = float(statistics.median(cycles.tolist()))
    return {
        "provenance": provenance,
        "min": int(cycles.min()),
        "median": med,
        "max": int(cycles.max()),
        "microseconds_median": med / clock_hz * 1e6,
    }


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
) -> dict:
    if emulate == (port is not None):
        raise UserError("give exactly one of --emulate or --port URL")
    t = thresholds or gate.Thresholds()
    t.check()
    board = boards.get(board_name)
    v = variant_mod.load(variant_path)
    model = v.parent
    ds = data.load_csv(vectors_csv, model.n_inputs, model.n_outputs, model.output_activation, header=header)
    finite.check_inputs(v, ds.X, finite.csv_place(ds))  # before a build or a device sees inf
    native = reference.native_inputs(v, ds.X)
    if firmware_elf is None:
        fw = build.build(variant_path, board.name, harness="emu" if emulate else "serial")["firmware"]
    else:  # the exact file to be flashed (flash's emulator gate)
        from hasaki_hil.build import firmware

        fw = firmware.load(Path(firmware_elf).parent / "firmware.json").as_dict()
        fw["sha256"] = firmware.sha256_file(firmware_elf)
    last = v.layers[-1]
    out_int8 = last.kind == "int8" and last.activation != "softmax"
    out_dtype = np.int8 if out_int8 else np.float32
    progress = Progress(len(native), "test", enabled=show_progress)
    vectors = [row.tobytes() for row in native]
    if emulate:
        from hasaki_hil.targets.emulated import EmulatorTarget

        result = EmulatorTarget(board).run(fw["elf"], vectors, out_dtype, v.dims[-1], progress.update)
        kind = f"emulator:{board.emulator}"
    else:
        from hasaki_hil.targets.serial import SerialTarget

        target = SerialTarget(port, baud or board.baud, timeout=timeout)
        result = target.run(vectors, v.sha256, out_dtype, v.dims[-1], progress.update)
        kind = f"serial:{port}"
    progress.close()
    reasons, passed = [], True
    ref_out = reference.run(v, native, native=True)
    n_done = len(result.outputs)
    if result.faults:
        passed = False
        reasons.append(f"the firmware faulted: {result.faults[0]['fault']}")
    got = result.outputs if n_done else np.zeros((0, v.dims[-1]), out_dtype)
    if out_int8:
        mismatch = int(np.sum(np.any(got != ref_out.q_outputs[:n_done], axis=1)))
        device = np.asarray([], np.float32) if not n_done else None
        from hasaki_hil.quant.qmath import dequantize

        device = dequantize(got, last.out_q.scale, last.out_q.zero_point)
    else:
        device = got.astype(np.float32)
        mismatch = int(np.sum(~np.isclose(device, ref_out.outputs[:n_done], rtol=1e-5, atol=1e-6).all(axis=1)))
    if mismatch:
        passed = False
        reasons.append(f"{mismatch} of {n_done} vectors differ from the host reference of this variant")
    float_ref = float_predict(model, ds.X)
    m = metrics.compare(device, float_ref[:n_done], v.output_activation, ds.Y[:n_done], threshold) if n_done else {}
    if n_done:
        ok, gate_reasons = gate.verdict(m, t)
        passed = passed and ok
        reasons += gate_reasons
    record = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "verdict": "PASSED" if passed else "FAILED",
        "reasons": reasons,
        "firmware_sha256": fw["sha256"],
        "variant_sha256": v.sha256,
        "model_sha256": v.parent_sha256,
        "vectors_sha256": vectors_hash(native, ds.Y),
        "vectors": str(vectors_csv),
        "rows": ds.n_rows,
        "board": board.name,
        "target": kind,
        "scheme": v.scheme,
        "layers": list(v.kinds),
        "thresholds": t.as_dict(),
        "metrics": m,
        "error_histogram": metrics.error_histogram(device, float_ref[:n_done]) if n_done else None,
        "host_reference_mismatches": mismatch,
        "cycles": cycle_summary(result.cycles, result.provenance, result.info.get("clock_hz") or board.clock_hz),
        "sizes": {
            "flash": fw["flash_bytes"],
            "ram_static": fw["ram_bytes"],
            "stack": fw["stack"].get("bytes"),
            "stack_measured_low_water": result.info.get("stack_low_water"),
            "stack_measured": result.info.get("stack_measured_bytes"),
        },
        "faults": result.faults,
        "link_retries": len(result.retries),
        "tool_version": __version__,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    path = Path(record_path or Path(fw["elf"]).parent / f"validation-{kind.split(':')[0]}.json")
    docfile.write(path, record)
    if junit is not None:
        from hasaki_hil.gate import junit as junit_mod

        # reasons list what failed first (faults, reference mismatches, then the gate's failing limits)
        case = junit_mod.case(
            f"{board.name}/{v.scheme}:{v.sha256[:12]}",
            f"hasaki-hil.test.{board.name}",
            passed,
            reasons[0] if reasons else "",
            reasons + [f"record: {path}"],
        )
        junit_mod.write(junit, "hasaki-hil test", [case])
    record["record"] = str(path)
    record["passed"] = passed
    return record


def add_parser(sub) -> None:
    p = sub.add_parser("test", help="run a variant on an emulated core or a board and gate it")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--emulate", action="store_true", help="run on the board's emulated core")
    p.add_argument("--port", help="serial port URL of a board running the serial firmware")
    p.add_argument("--baud", type=positive_int, help="baud rate (default: the board's)")
    p.add_argument("--timeout", type=positive_float, default=2.0, help="seconds to wait for each reply (default 2)")
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
    )
