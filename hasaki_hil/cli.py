"""The ``hasaki-hil`` command line: parse, call a library function, print.

This is the one place where errors become exit codes: 0 ok, 1 a gate or validation
FAILED, 2 a user error (bad input, impossible request), 130 interrupted.
A bug keeps its traceback.
"""

import json
import sys

from . import boards, console, evaluate, export_cmd, hasaki_header, quantize_cmd, training
from .cliparser import build_parser, gate_thresholds
from .errors import GateFailed, UserError


def _run(args) -> tuple[dict, callable]:
    if args.command == "train":
        config = {
            k: getattr(args, k)
            for k in (
                "optimizer",
                "lr",
                "momentum",
                "epochs",
                "batch_size",
                "patience",
                "min_delta",
                "lr_decay",
                "dropout",
                "l2",
            )
        }
        r = training.train_file(
            args.data,
            args.output,
            arch=args.arch,
            act=args.act,
            config=config,
            seed=args.seed,
            test_file=args.test_file,
            header=args.header,
            resume=args.resume,
            normalize=args.normalize,
            qat=args.qat,
            name=args.name,
            show_progress=not args.json,
        )
        return r, console.print_train
    if args.command == "info":
        return evaluate.info(args.model), console.print_info
    if args.command == "predict":
        return evaluate.predict(args.model, args.input), console.print_predict
    if args.command == "validate":
        r = evaluate.validate(
            args.model,
            args.data,
            header=args.header,
            threshold=args.threshold,
            per_row=args.per_row,
            min_accuracy=args.min_accuracy,
        )
        return r, console.print_validate
    if args.command == "import":
        return hasaki_header.import_file(args.header, args.output), console.print_import
    if args.command == "quantize":
        r = quantize_cmd.quantize(
            args.model,
            args.scheme,
            args.output,
            calib=args.calib,
            layers=args.layers,
            equalize=args.equalize,
            header=args.header,
        )
        return r, console.print_quantize
    if args.command == "quantize-test":
        t = gate_thresholds(args)
        r = quantize_cmd.quantize_test(
            args.model,
            args.data,
            args.scheme,
            calib=args.calib,
            layers=args.layers,
            equalize=args.equalize,
            thresholds=t,
            threshold=args.threshold,
            header=args.header,
            out=args.output,
            reference=args.reference,
            junit=args.junit,
        )
        return r, console.print_quantize_test
    if args.command == "export":
        return export_cmd.export(args.variant, args.output, name=args.name, board=args.board), console.print_export
    if args.command == "build":
        from . import build

        r = build.build(
            args.variant, args.board, harness=args.harness, toolchain_choice=args.toolchain, out_dir=args.output
        )
        return r, console.print_build
    if args.command == "test":
        from . import hil_test

        t = gate_thresholds(args)
        r = hil_test.run_test(
            args.variant,
            args.board,
            args.vectors,
            emulate=args.emulate,
            port=args.port,
            baud=args.baud,
            thresholds=t,
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
        return r, console.print_test
    if args.command == "serve-emulated":
        from . import emu_serial

        return emu_serial.serve(args.firmware, args.board, args.seconds), console.print_serve
    if args.command == "flash":
        from . import flash_cmd

        r = flash_cmd.flash(
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
        )
        return r, console.print_flash
    if args.command == "bench":
        from . import bench_cmd

        r = bench_cmd.bench(
            args.variant,
            args.board,
            args.port,
            args.vectors,
            rows=args.rows,
            warmup=args.warmup,
            repeat=args.repeat,
            baud=args.baud,
        )
        return r, console.print_bench
    if args.command == "boards":
        return boards.listing(), console.print_boards
    if args.command == "demo":
        from . import demo

        return demo.run(args.workdir, show_progress=not args.json), console.print_demo
    if args.command == "report":
        from . import report

        return report.report(args.records, args.output), console.print_report
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "place", None):  # a board on a labgrid farm: its port for the run's length
            from . import labgrid_place

            result, show = labgrid_place.run_on_place(args, _run)
        else:
            result, show = _run(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        return e.exit_code
    except GateFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return e.exit_code
    if args.json:
        print(json.dumps(result))
    else:
        show(result)
    return 1 if result.get("passed") is False else 0


if __name__ == "__main__":
    sys.exit(main())
