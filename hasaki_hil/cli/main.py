"""The ``hasaki-hil`` command line: parse, call the command's function, print.

This is the one place where errors become exit codes: 0 ok, 1 a gate or validation FAILED,
2 a user error (bad input, impossible request), 130 interrupted. A bug keeps its traceback.
Only the standard library is imported at module level, so a Ctrl-C while numpy, unicorn or
matplotlib load is still an interruption with exit code 130, not a traceback.
"""

import contextlib
import json
import os
import signal
import sys

EXIT_INTERRUPTED = 130


def _silence_stdout() -> None:
    """After a broken pipe (``hasaki-hil info m | head -1``) further writes, including the
    interpreter's final flush, must not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _report(e, as_json: bool) -> None:
    """The message for people on stderr; under --json also the one JSON object on stdout."""
    if as_json:
        print(json.dumps({"error": str(e), "hint": e.hint, "exit_code": e.exit_code}))
    print(f"{e.label}: {e}", file=sys.stderr)
    if e.hint:
        print(f"hint: {e.hint}", file=sys.stderr)


@contextlib.contextmanager
def _ctrl_c_after_imports():
    """Hold a Ctrl-C back while the libraries load, then raise it: numpy turns a
    KeyboardInterrupt inside its own imports into an ImportError with a traceback."""
    held = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: held.append(True))
    except ValueError:  # not the main thread: nothing to hold back
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    as_json = "--json" in (sys.argv[1:] if argv is None else argv)
    try:
        with _ctrl_c_after_imports():
            from hasaki_hil.cli import io_paths
            from hasaki_hil.cli.parser import build_parser
            from hasaki_hil.cli.render import RENDERERS
            from hasaki_hil.errors import HasakiError

        try:
            args = build_parser().parse_args(argv)
            as_json = getattr(args, "json", False)
            io_paths.check(args)  # a bad output path is refused before the work starts
            if getattr(args, "place", None):  # a board on a labgrid farm: its port for the run's length
                from hasaki_hil.targets import labgrid_place

                result = labgrid_place.run_on_place(args, args.run)
            else:
                result = args.run(args)
            if as_json:
                print(json.dumps(result))
            else:
                RENDERERS[args.render](result)
            sys.stdout.flush()
        except HasakiError as e:
            _report(e, as_json)
            return e.exit_code
        return 1 if result.get("passed") is False else 0
    except KeyboardInterrupt:
        if as_json:
            print(json.dumps({"error": "interrupted", "hint": None, "exit_code": EXIT_INTERRUPTED}))
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return 2
    except SystemExit as e:  # argparse: --help, --version
        return e.code if isinstance(e.code, int) else 2


def entry() -> None:
    """The console script: exit with main's code."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
