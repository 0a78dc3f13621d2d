"""Boards on a labgrid farm: ``--place NAME`` acquires the place, finds its serial port, runs the
command on it, and releases the place again, also when the command fails or is interrupted.

labgrid (``pip install hasaki-hil[farm]``) keeps the boards: exporters publish each board's USB
serial adapter as a NetworkSerialPort (ser2net behind it, RFC 2217), and a coordinator hands
out places to one user at a time. We drive it through ``labgrid-client``, its documented command
line, with labgrid's usual environment (LG_COORDINATOR=host:port, LG_HOSTNAME, LG_USERNAME):
``acquire``, ``env`` (the acquired place's resources as YAML) and ``release``.
"""

import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from hasaki_hil.errors import UserError


class Interrupted(UserError):
    """Ctrl-C during a run on a place: exit 130, after the place was released."""

    exit_code = 130


INSTALL_HINT = "pip install 'hasaki-hil[farm]' (labgrid), and set LG_COORDINATOR=HOST:PORT"


def client_executable() -> str:
    beside = Path(sys.executable).parent / "labgrid-client"  # an unactivated virtualenv
    found = str(beside) if beside.is_file() else shutil.which("labgrid-client")
    if found is None:
        raise UserError("--place needs labgrid's labgrid-client, which is not installed", hint=INSTALL_HINT)
    return found


def client(*args: str, timeout: float = 60) -> str:
    cmd = [client_executable(), *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UserError(f"labgrid-client {' '.join(args)} did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        said = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        raise UserError(
            f"labgrid-client {' '.join(args)} failed: " + (said[-1] if said else f"exit {done.returncode}"),
            hint="is the coordinator running at LG_COORDINATOR (default 127.0.0.1:20408), and the place's "
            "exporter connected? labgrid-client places / labgrid-client -p PLACE show",
        )
    return done.stdout


def serial_url(env_yaml: str, place: str) -> str:
    """The URL of the one NetworkSerialPort in ``labgrid-client -p PLACE env``'s output."""
    import yaml  # labgrid's own dependency

    targets = (yaml.safe_load(env_yaml) or {}).get("targets") or {}
    if place not in targets and len(targets) == 1:  # labgrid matched a pattern: a place "desk" finds "desk-1"
        place = next(iter(targets))
    resources = (targets.get(place) or {}).get("resources", [])
    ports = [r["NetworkSerialPort"] for r in resources if "NetworkSerialPort" in r]
    if len(ports) != 1:
        raise UserError(
            f"labgrid place {place} has {len(ports)} NetworkSerialPort resources; --place needs exactly one",
            hint=f"labgrid-client -p {place} show; match the board's serial port only "
            f"(labgrid-client -p {place} add-match EXPORTER/GROUP/NetworkSerialPort)",
        )
    port = ports[0]
    scheme = "socket" if port.get("protocol", "rfc2217") == "raw" else "rfc2217"
    return f"{scheme}://{port['host']}:{port['port']}"


@contextmanager
def acquired(place: str):
    """Acquire ``place`` and yield its serial URL; release it on the way out, whatever happened."""
    try:
        client("-p", place, "acquire")
    except KeyboardInterrupt:  # Ctrl-C while acquiring: the coordinator may have granted it already
        _release(place, quiet=True)
        raise
    try:
        yield serial_url(client("-p", place, "env"), place)
    finally:
        _release(place)


def _release(place: str, quiet: bool = False) -> None:
    try:
        client("-p", place, "release")
    except UserError as e:  # never hide the run's own error behind the release's
        if not quiet:
            print(f"warning: {e}", file=sys.stderr)


def run_on_place(args, run):
    """Run a parsed command (test, bench, flash) with ``--port`` set to the place's serial port."""
    if args.port:
        raise UserError("give --port or --place, not both")
    if getattr(args, "emulate", False):
        raise UserError("--place runs on a board on the farm; --emulate runs here: choose one")
    try:
        with acquired(args.place) as url:
            if not args.json:
                print(f"labgrid place {args.place} acquired: {url}", file=sys.stderr)
            args.port = url
            result = run(args)
    except KeyboardInterrupt:  # the place is released by now (acquired's finally)
        raise Interrupted(f"interrupted; labgrid place {args.place} released") from None
    return {**result, "place": args.place, "port": url}
