"""The host proof: compile a variant's generated C with the host gcc and run it on vectors.

The C is compiled with ``-std=c99 -Wall -Wextra -Werror -ffp-contract=off`` (house rule:
generated C is proved on the host before any emulator or board sees it).
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.errors import UserError
from hasaki_hil.model.variant import Variant
from hasaki_hil.resources import HARNESS_DIR, RUNTIME_DIR

HOST_CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-O2"]


def build(v: Variant, workdir) -> Path:
    """Write the model header into ``workdir`` and compile the host harness; returns the executable."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise UserError("no host C compiler found", hint="install gcc (Debian: apt-get install gcc)")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "hsk_model.h").write_text(codegen.generate(v))
    exe = workdir / "host_model"
    cmd = [
        cc,
        *HOST_CFLAGS,
        "-I",
        str(workdir),
        "-I",
        str(RUNTIME_DIR),
        str(HARNESS_DIR / "host_main.c"),
        "-o",
        str(exe),
        "-lm",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        first = "\n".join(result.stderr.strip().splitlines()[:12])
        raise UserError(f"the generated C does not compile on the host:\n{first}")
    return exe


def run(exe: Path, v: Variant, X: np.ndarray) -> np.ndarray:
    """Native outputs [n, n_out] (int8 or float32) of the host-compiled model on raw inputs X."""
    dtype = v.output_dtype
    data = np.ascontiguousarray(X, dtype=np.float32).tobytes()
    result = subprocess.run([str(exe)], input=data, capture_output=True, timeout=300)
    if result.returncode != 0:
        raise UserError(f"the host-compiled model failed (exit {result.returncode})")
    out = np.frombuffer(result.stdout, dtype=dtype)
    if out.size != X.shape[0] * v.dims[-1]:
        raise UserError(f"the host-compiled model wrote {out.size} values for {X.shape[0]} vectors")
    return out.reshape(X.shape[0], v.dims[-1])


def prove(v: Variant, X: np.ndarray, workdir=None) -> np.ndarray:
    """Build and run in one step (a temporary folder unless ``workdir`` is given)."""
    if workdir is not None:
        return run(build(v, workdir), v, X)
    with tempfile.TemporaryDirectory(prefix="hsk-host-") as tmp:
        return run(build(v, tmp), v, X)
