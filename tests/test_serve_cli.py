"""`hasaki-hil serve-emulated` as a user runs it: a real subprocess serving the uno's serial
firmware on a pty, `hasaki-hil test --port` against it, the requests counted, and Ctrl-C
ending it with exit 130 and a message saying what was served."""

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from .test_hil_serial import setup  # noqa: F401  (the module fixture: variant, vectors, firmware)

HASAKI = str(Path(sys.executable).with_name("hasaki-hil"))


def test_serve_emulated_serves_counts_and_stops_on_ctrl_c(setup, cli, tmp_path):  # noqa: F811
    d, data, path, fw = setup
    server = subprocess.Popen(
        [HASAKI, "serve-emulated", fw["elf"], "--board", "uno", "--seconds", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stderr.readline()
        port = re.search(r"port (/dev/pts/\d+)", first).group(1)
        code, out, err = cli(
            "test", path, "--board", "uno", "--port", port, "--vectors", data, "--json", "--record", tmp_path / "r.json"
        )
        rows = json.loads(out)["rows"]
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 130 and "Traceback" not in err
    served = int(re.search(r"stopped serving /dev/pts/\d+ after \d+ s and (\d+) requests", err).group(1))
    assert served >= rows  # a handshake, then one request per vector (plus any retries)
