"""Boards on another machine, here on 127.0.0.1: a serial device exported over TCP by Debian's
ser2net (RFC 2217 or raw), and a labgrid coordinator and exporter. The tests run the real
programs; these helpers start them on free local ports and stop them (by their own pids)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # labgrid's scripts sit beside the venv's python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 15.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def ser2net_binary() -> str:
    path = shutil.which("ser2net") or ("/usr/sbin/ser2net" if os.path.exists("/usr/sbin/ser2net") else None)
    if path is None:
        pytest.skip("ser2net not installed (apt-get install ser2net; CI installs it from .ci/apt-packages)")
    return path


class Ser2net:
    """``ser2net`` exporting a tty on 127.0.0.1: ``telnet(rfc2217)`` for rfc2217:// URLs, or a
    raw TCP accepter for socket:// URLs. One connection at a time, as a board has one host."""

    def __init__(self, device: str, baud: int, protocol: str = "rfc2217"):
        self.device, self.baud, self.protocol = device, baud, protocol
        self.port = free_port()
        self.url = f"{'rfc2217' if protocol == 'rfc2217' else 'socket'}://127.0.0.1:{self.port}"

    def __enter__(self) -> "Ser2net":
        accepter = f"telnet(rfc2217,mode=server),tcp,127.0.0.1,{self.port}"
        if self.protocol != "rfc2217":
            accepter = f"tcp,127.0.0.1,{self.port}"
        config = [
            "connection: &board",
            f"  accepter: {accepter}",
            f"  connector: serialdev(nouucplock=true),{self.device},{self.baud}n81,local",
        ]
        cmd = [ser2net_binary(), "-d", "-n"] + [a for line in config for a in ("-Y", line)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.port, self.proc)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.proc)


def labgrid_tool(name: str) -> str:
    pytest.importorskip("labgrid", reason="labgrid not installed (pip install -e '.[dev]' or hasaki-hil[farm])")
    path = BIN / name
    if not path.is_file():
        path = shutil.which(name)
        if path is None:
            pytest.skip(f"{name} not found")
    return str(path)


class LabgridFarm:
    """A coordinator on 127.0.0.1 and one exporter publishing ``device`` (a tty: here an
    emulated board's pty) as a NetworkSerialPort in group ``group``, served by ser2net (RFC 2217)
    on 127.0.0.1. A RawSerialPort or USBSerialPort entry would make the exporter start ser2net
    itself, but that one listens on every interface; these tests bind 127.0.0.1 only, so they
    run ser2net as the exporter would and publish its port. ``client(...)`` runs labgrid-client."""

    def __init__(self, workdir: Path, device: str, baud: int, group: str = "uno-desk"):
        self.workdir, self.device, self.baud, self.group = Path(workdir), device, baud, group
        self.address = f"127.0.0.1:{free_port()}"
        self.env = dict(os.environ, LG_COORDINATOR=self.address)
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> "LabgridFarm":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ser2net = Ser2net(self.device, self.baud, "rfc2217").__enter__()
        (self.workdir / "exporter.yaml").write_text(
            f"{self.group}:\n  NetworkSerialPort:\n    host: 127.0.0.1\n    port: {self.ser2net.port}\n"
            f"    speed: {self.baud}\n    protocol: rfc2217\n"
        )
        log = open(self.workdir / "coordinator.log", "w")
        coord = subprocess.Popen(
            [labgrid_tool("labgrid-coordinator"), "-l", self.address],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(coord)
        wait_listening(int(self.address.rsplit(":", 1)[1]), coord)
        log = open(self.workdir / "exporter.log", "w")
        exporter = subprocess.Popen(
            [labgrid_tool("labgrid-exporter"), "-c", self.address, "-n", "farmhost", "--hostname", "127.0.0.1"]
            + ["exporter.yaml"],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(exporter)
        self._wait_for_resource(exporter)
        return self

    def _wait_for_resource(self, exporter: subprocess.Popen, seconds: float = 30.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if exporter.poll() is not None:
                raise RuntimeError("labgrid-exporter exited: " + (self.workdir / "exporter.log").read_text()[-2000:])
            out = self.client("resources", check=False).stdout
            if f"farmhost/{self.group}/NetworkSerialPort" in out:
                return
            time.sleep(0.3)
        raise RuntimeError("the exporter's resource did not appear: " + (self.workdir / "exporter.log").read_text())

    def client(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [labgrid_tool("labgrid-client"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def add_place(self, name: str) -> None:
        self.client("-p", name, "create")
        self.client("-p", name, "add-match", f"farmhost/{self.group}/NetworkSerialPort")

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):
            stop(proc)
        self.ser2net.__exit__()


def smoke_variant(workdir: Path, smoke_dir: Path, rows: int = 40) -> tuple[Path, Path]:
    """The smoke detector (12-8-4-1, int8 weights) trained briefly on the shared smoke dataset, and its
    first ``rows`` test rows as the vectors: a variant the gate passes, quick to run over serial."""
    from hasaki_hil.commands import quantize as quantize_cmd
    from hasaki_hil.train import training

    workdir.mkdir(parents=True, exist_ok=True)
    model, variant, vectors = workdir / "smoke.model", workdir / "smoke-int8-wo.variant", workdir / "vectors.csv"
    training.train_file(
        smoke_dir / "train.csv", model, arch="12,8,4,1", act=None, config={"epochs": 20}, seed=42,
        show_progress=False,
    )  # fmt: skip
    # weight-only int8 with equalisation: the scheme that passes on the smoke data (plain int8 flips)
    quantize_cmd.quantize(model, "int8-wo", variant, calib=smoke_dir / "train.csv", equalize=True)
    lines = (smoke_dir / "test.csv").read_text().splitlines()
    vectors.write_text("\n".join(lines[:rows]) + "\n")
    return variant, vectors
