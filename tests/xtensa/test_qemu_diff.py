"""Differential test against QEMU as an independent oracle: 10,000 random instruction
sequences (see randprog.py) run on the emulated ESP32 and on ``qemu-system-xtensa -M sim
-cpu de233_fpu`` must leave identical architectural state: a2-a14 through the window, SAR,
the booleans, the FP registers, FSR, the MAC16 accumulator and M registers, and every byte
the case wrote. Functional only: QEMU's CCOUNT is not cycles. Cases are batched (250 per
QEMU run) because each QEMU start costs a fraction of a second."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

from emulator.core import StopReason
from emulator.xtensa import XtensaCore

from .build import link_image
from .randprog import REC, RECORD_FIELDS, program
from .tools import QEMU, assemble, need

CASES, BATCH, SEED = 10_000, 250, 2026  # a batch of code fits the 128 KB IRAM


def _qemu(elf) -> bytes:
    proc = subprocess.run(
        [QEMU, "-M", "sim", "-cpu", "de233_fpu", "-semihosting", "-nographic", "-monitor", "none", "-kernel", str(elf)],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def _batch(tmp, first: int):
    source, records = program(SEED, first, BATCH)
    d = tmp / f"b{first}"
    d.mkdir()
    obj = assemble(source, d / "cases.o")  # one object, linked for each
    esp, oracle = (link_image(d, [obj], target=t) for t in ("esp32", "qemu"))
    return first, esp, _qemu(oracle), records


def test_random_programs_match_qemu(tmp_path):
    need(QEMU)
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda first: _batch(tmp_path, first), range(0, CASES, BATCH)))
    core = XtensaCore()
    mismatches = []
    total = 0
    for first, esp, qemu_out, _records in batches:
        core.load(esp)
        stop = core.run(max_cycles=50_000_000)
        assert stop.reason is StopReason.HALT
        ours = core.read_symbol("hsk_results", REC * BATCH)
        theirs = qemu_out[-REC * BATCH :]
        assert len(theirs) == REC * BATCH, f"QEMU wrote {len(qemu_out)} bytes"
        for i in range(BATCH):
            total += 1
            a, b = ours[i * REC : (i + 1) * REC], theirs[i * REC : (i + 1) * REC]
            for name, off, size in RECORD_FIELDS:
                if a[off : off + size] != b[off : off + size]:
                    mismatches.append(
                        f"case{first + i} {name}: ours {a[off : off + size].hex()} qemu {b[off : off + size].hex()}"
                    )
    assert total == CASES
    assert not mismatches, f"{len(mismatches)} mismatches, first:\n" + "\n".join(mismatches[:20])
