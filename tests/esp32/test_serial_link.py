"""The ESP32 serial firmware's protocol loop on QEMU's Xtensa core, driven by the host side
of the protocol (hasaki_hil.targets.SerialTarget) over a socket: the link is QEMU's
semihosting console (its sim machine has no ESP32 UART), the rest is serial_esp32.c's
(hsk_link.h, hsk_timed.h on CCOUNT), see semi_serial.c."""

import socket
import subprocess
import time

import numpy as np
import pytest

from hasaki_hil.quant import reference
from hasaki_hil.targets.base import Vectors
from hasaki_hil.targets.serial import SerialTarget

from ..test_codegen import assert_floats_close
from . import qemu
from .conftest import HERE, oracle_firmware


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    """serve(elf) -> socket:// URL of the firmware's link; QEMU is stopped afterwards."""
    procs = []

    def start(elf):
        port = free_port()
        chardev = f"socket,id=link,host=127.0.0.1,port={port},server=on,wait=off"
        cmd = [qemu.QEMU, "-M", "sim", "-cpu", "de233_fpu", "-semihosting", "-display", "none", "-monitor", "none"]
        cmd += ["-chardev", chardev, "-serial", "chardev:link", "-kernel", str(elf)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        deadline = time.monotonic() + 10
        while True:  # until QEMU listens (the probe's bytes, the boot banner, are the host's to skip)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and procs[-1].poll() is None, procs[-1].stderr.read()
                time.sleep(0.05)
        return f"socket://127.0.0.1:{port}"

    yield start
    for p in procs:
        p.kill()
        p.wait()


@pytest.mark.parametrize("scheme", ["f32", "int8"])
def test_the_host_runs_vectors_through_the_protocol(small_variants, smoke_inputs, tmp_path, serve, scheme):
    v = small_variants[scheme]
    native = reference.native_inputs(v, smoke_inputs[:40])  # the protocol; the numerics: test_qemu_models
    url = serve(oracle_firmware(v, tmp_path, harness=HERE / "semi_serial.c"))
    r = SerialTarget(url, 115200).run(None, Vectors.for_variant(v, native))
    assert r.info["board"] == "esp32" and r.info["clock_hz"] == 40_000_000 and r.counter == "xtensa-ccount"
    ref = reference.run(v, native, native=True)
    if scheme == "int8":
        assert np.array_equal(r.outputs, ref.q_outputs)
    else:
        assert_floats_close(r.outputs, ref.outputs)
    assert r.cycles.min() > 0  # QEMU's CCOUNT moves; its figures are not the chip's cycles
    # (QEMU's semihosting console now and then drops a request under load: the host resends it,
    # as it would over a noisy serial line; r.retries lists them)


def test_a_different_model_is_refused(small_variants, tmp_path, serve):
    url = serve(oracle_firmware(small_variants["int8"], tmp_path, harness=HERE / "semi_serial.c"))
    from hasaki_hil.targets.base import DeviceError

    with pytest.raises(DeviceError, match="refusing its results"):
        SerialTarget(url, 115200).run(None, Vectors((bytes(12),), np.int8, 1, small_variants["f32"].sha256))
