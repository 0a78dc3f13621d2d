"""A board on another machine: the uno's real serial firmware on the emulated core behind a pty,
exported over TCP on 127.0.0.1 by Debian's ser2net (RFC 2217, and raw for socket://), and
`test`, `bench` and flash's post-upload check run over the network URL."""

import json
import re
import threading
import time

import numpy as np
import pytest

from hasaki_hil import boards
from hasaki_hil.build import builder as build
from hasaki_hil.data import csvfile as data
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import reference
from hasaki_hil.targets import serial as targets
from hasaki_hil.targets.base import Vectors
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard
from hasaki_hil.targets.transport import LinkLost

from .conftest import SMOKE
from .farm import Ser2net, smoke_variant


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    d = tmp_path_factory.mktemp("remote")
    path, csv = smoke_variant(d, SMOKE)
    fw = build.build(path, "uno", harness="serial", toolchain_choice="system", out_dir=d / "fw")["firmware"]
    return d, csv, path, fw


def _test(cli, path, port, csv, record, *extra):
    code, out, err = cli(
        "test", path, "--board", "uno", "--port", port, "--vectors", csv, "--json", "--record", record, *extra
    )
    return code, (json.loads(out) if out else None), err


def test_rfc2217_through_ser2net_gives_the_ptys_outputs_and_cycles(setup, cli):
    d, csv, path, fw = setup
    board = EmulatedSerialBoard(fw["elf"], "uno")
    with board as pty:
        code_pty, local, err = _test(cli, path, pty, csv, d / "pty.json")
        assert code_pty in (0, 1), err
        with Ser2net(pty, 115200, "rfc2217") as server:
            code, remote, err = _test(cli, path, server.url, csv, d / "rfc2217.json")
    assert board.error is None, board.error
    assert code == code_pty and remote["verdict"] == local["verdict"] == "PASSED", err
    assert remote["target"] == f"serial:{server.url}" and server.url.startswith("rfc2217://127.0.0.1:")
    assert remote["host_reference_mismatches"] == 0 == local["host_reference_mismatches"]
    assert remote["metrics"] == local["metrics"] and remote["cycles"] == local["cycles"]
    assert remote["cycles"]["provenance"] == "emulated" and remote["link_retries"] == 0


def test_socket_url_runs_test_bench_and_the_post_upload_check(setup, cli):
    from hasaki_hil.commands.flash import verify_model

    d, csv, path, fw = setup
    v = variant_mod.load(path)
    with EmulatedSerialBoard(fw["elf"], "uno") as pty:
        vectors = Vectors.for_variant(v, reference.native_inputs(v, data.load_csv(csv, 12, 1, "sigmoid").X[:8]))
        on_pty = targets.SerialTarget(pty, 115200).run(None, vectors)
        with Ser2net(pty, 115200, "raw") as server:
            over_tcp = targets.SerialTarget(server.url, 115200).run(None, vectors)
            code, out, err = cli(
                "bench", path, "--board", "uno", "--port", server.url, "--vectors", csv, "--rows", "2", "--repeat", "3",
                "--warmup", "1", "--json",
            )  # fmt: skip
            hello = verify_model(server.url, boards.get("uno"), v.sha256)
    assert np.array_equal(over_tcp.outputs, on_pty.outputs) and np.array_equal(over_tcp.cycles, on_pty.cycles)
    assert code == 0, err
    bench = json.loads(out)
    assert bench["provenance"] == "emulated" and bench["ratio_emulated_link_to_emulator"] == 1.0
    assert hello["model_hash"] == v.sha256 and hello["board"] == "uno"


def test_rfc2217_per_vector_outputs_and_cycles_and_the_post_upload_check(setup):
    from hasaki_hil.commands.flash import verify_model

    d, csv, path, fw = setup
    v = variant_mod.load(path)
    vectors = Vectors.for_variant(v, reference.native_inputs(v, data.load_csv(csv, 12, 1, "sigmoid").X))
    with EmulatedSerialBoard(fw["elf"], "uno") as pty:
        on_pty = targets.SerialTarget(pty, 115200).run(None, vectors)
        with Ser2net(pty, 115200, "rfc2217") as server:
            remote = targets.SerialTarget(server.url, 115200).run(None, vectors)
            hello = verify_model(server.url, boards.get("uno"), v.sha256)
    assert np.array_equal(remote.outputs, on_pty.outputs) and np.array_equal(remote.cycles, on_pty.cycles)
    assert hello["board"] == "uno" and hello["model_hash"] == v.sha256


@pytest.mark.parametrize("protocol", ["rfc2217", "raw"])
def test_a_server_killed_mid_run_is_a_device_error_not_a_hang(setup, cli, protocol):
    d, csv, path, fw = setup
    with EmulatedSerialBoard(fw["elf"], "uno") as pty, Ser2net(pty, 115200, protocol) as server:
        progress = []  # kill ser2net once the run is under way: after the handshake and a vector

        def kill_when_running():
            while len(progress) < 1:
                time.sleep(0.005)
            server.proc.kill()

        t0 = time.monotonic()
        kill = threading.Thread(target=kill_when_running, daemon=True)
        kill.start()
        v = variant_mod.load(path)
        once = Vectors.for_variant(v, reference.native_inputs(v, data.load_csv(csv, 12, 1, "sigmoid").X))
        vectors = once.repeated(list(range(len(once))) * 20)
        target = targets.SerialTarget(server.url, 115200, timeout=0.5)
        with pytest.raises(UserError) as e:
            target.run(None, vectors, progress=progress.append)
        elapsed = time.monotonic() - t0
    assert progress and len(progress) < len(vectors)  # it stopped mid-run
    print(f"{protocol}: {e.value} ({elapsed:.2f} s after {len(progress)} vectors)")
    assert isinstance(e.value, LinkLost) and f"127.0.0.1:{server.port}" in str(e.value) and "ser2net" in e.value.hint
    # the TCP close is seen at once; at worst it is the bounded retries on silence
    assert elapsed < (0.5 + 1.0) * (target.retries + 1) + 5


def test_uploaders_over_the_network(tmp_path):
    """esptool opens rfc2217:// itself (as labgrid's driver does, ign_set_control); avrdude
    cannot, and the refusal says where to run flash instead."""
    from hasaki_hil.commands.flash import uploader_command
    from hasaki_hil.errors import UserError

    for name in ("bootloader.bin", "partitions.bin", "firmware.bin"):
        (tmp_path / name).write_bytes(b"\0")
    esp = {"toolchain": "pio", "elf": str(tmp_path / "firmware.elf"), "image": ""}
    cmd = uploader_command(boards.get("esp32"), esp, "rfc2217://farm:4001")
    assert cmd[cmd.index("--port") + 1] == "rfc2217://farm:4001?ign_set_control"
    uno = {"toolchain": "system", "elf": str(tmp_path / "firmware.elf"), "image": str(tmp_path / "firmware.hex")}
    for url in ("rfc2217://farm:4001", "socket://farm:4002"):
        with pytest.raises(UserError, match="avrdude cannot upload over the network") as e:
            uploader_command(boards.get("uno"), uno, url)
        assert "plugged into" in e.value.hint


def _connected(port: int) -> bool:
    """A TCP connection to 127.0.0.1:port is established (/proc/net/tcp, state 01)."""
    rows = open("/proc/net/tcp").read().splitlines()[1:]
    return any(r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "01" for r in rows)


def test_the_cli_ends_a_run_whose_server_dies_with_exit_2(setup, cli, tmp_path):
    d, csv, path, fw = setup
    rows = csv.read_text().splitlines()
    long = tmp_path / "long.csv"
    long.write_text("\n".join(rows * 10) + "\n")  # 400 vectors: seconds of work to interrupt
    with EmulatedSerialBoard(fw["elf"], "uno") as pty, Ser2net(pty, 115200, "rfc2217") as server:

        def kill_once_connected():
            while not _connected(server.port):
                time.sleep(0.01)
            time.sleep(1.0)  # past the RFC 2217 negotiation and the handshake: some vectors in
            server.proc.kill()

        threading.Thread(target=kill_once_connected, daemon=True).start()
        t0 = time.monotonic()
        code, out, err = cli("test", path, "--board", "uno", "--port", server.url, "--vectors", long, "--json")
        elapsed = time.monotonic() - t0
    assert code == 2 and json.loads(out)["exit_code"] == 2 and "Traceback" not in err  # --json: one object
    # the next read (or write) on the dead connection fails
    assert re.search(rf"error: (reading from|writing to) rfc2217://127.0.0.1:{server.port} failed", err), err
    assert "hint: the connection to the board's server dropped" in err
    assert elapsed < 10


def test_a_server_that_hangs_up_or_is_absent_is_a_user_error_at_open():
    import socket

    from hasaki_hil.errors import UserError
    from hasaki_hil.targets.transport import open_port

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def hang_up():
        conn, _ = srv.accept()
        conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    for url in (f"rfc2217://127.0.0.1:{srv.getsockname()[1]}", "rfc2217://127.0.0.1:1"):
        with pytest.raises(UserError, match=f"cannot open serial port {url}") as e:
            open_port(url, 115200)
        assert "ser2net" in e.value.hint
    srv.close()
