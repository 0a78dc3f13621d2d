"""Differential test against QEMU as an independent oracle: 10,000 random instruction
sequences (see randprog.py) run on the emulated ESP32 and on ``qemu-system-xtensa -M sim
-cpu de233_fpu`` must leave identical architectural state: a2-a14 through the window, SAR,
the booleans, the FP registers, FSR, the MAC16 accumulator and M registers, and every byte
the case wrote. Functional only: QEMU's CCOUNT is not cycles. Cases are batched (250 per
QEMU run) because each QEMU start costs a fraction of a second."""

from __future__ import annotations

import random
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from emulator.core import StopReason
from emulator.xtensa import XtensaCore

from .build import link_image
from .randprog import REC, RECORD_FIELDS, division_program, program
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


def _specials(rng: random.Random) -> int:
    f32 = lambda x: struct.unpack("<I", struct.pack("<f", x))[0]  # noqa: E731
    pool = [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7FA00002, 1, 0x807FFFFF, 0x00800000,
            0x7F7FFFFF, f32(1.0), f32(-3.0), f32(1e-30), f32(3e38)]  # fmt: skip
    if rng.random() < 0.3:
        return rng.choice(pool)
    return f32(rng.choice((-1, 1)) * 2.0 ** rng.uniform(-40, 40)) if rng.random() < 0.7 else rng.getrandbits(32)


def test_divide_sequence_nans_and_roots_match_qemu(tmp_path):
    """libgcc's divide sequence, NaN-producing arithmetic and MKSADJ.S on special and random
    operands: the same bits and FSR flags as QEMU, and the IEEE quotient numpy computes."""
    need(QEMU)
    rng = random.Random(11)
    pairs = [(_specials(rng), _specials(rng)) for _ in range(400)]
    source = division_program(pairs)
    obj = assemble(source, tmp_path / "div.o")
    core = XtensaCore()
    core.load(link_image(tmp_path, [obj], target="esp32"))
    assert core.run(max_cycles=10_000_000).reason is StopReason.HALT
    ours = core.read_symbol("hsk_results", 16 * len(pairs))
    theirs = _qemu(link_image(tmp_path, [obj], target="qemu"))[-16 * len(pairs) :]
    wrong = []
    for i, (a, b) in enumerate(pairs):
        o, t = ours[16 * i : 16 * i + 16], theirs[16 * i : 16 * i + 16]
        if o != t:
            wrong.append(f"{a:08x} {b:08x}: ours {o.hex()} qemu {t.hex()}")
        with np.errstate(all="ignore"):
            want = (
                np.frombuffer(struct.pack("<I", a), np.float32)[0] / np.frombuffer(struct.pack("<I", b), np.float32)[0]
            )
        if not np.isnan(want):
            assert o[:4] == want.tobytes(), f"{a:08x} / {b:08x}"
    assert not wrong, f"{len(wrong)} differ:\n" + "\n".join(wrong[:20])
