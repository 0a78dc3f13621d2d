"""Random bytes as code: whatever they do, a run ends in a Stop or a named emulator error,
never in a crash of the C loop (table indices, register numbers and memory offsets all come
from instruction fields it must bound)."""

from __future__ import annotations

import random

from emulator.errors import EmulatorError
from emulator.xtensa import XtensaCore

from .build import image


def test_random_code_only_ever_stops_or_faults(tmp_path):
    src = ".text\n.global _start\n.p2align 2\n_start:\n" + "    nop\n" * 1400
    core = XtensaCore()
    core.load(image(tmp_path, {"z": src}, startup=False))
    start = core.symbol("_start").address
    dram = core.chip.region("dram")
    rng = random.Random(7)
    outcomes: dict[str, int] = {}
    for _ in range(3000):
        core.reset()
        core.mem_write(start, rng.randbytes(4096))
        core.reg_write("ps", rng.choice((0x40020, 0x1F, 0x40030)))
        core.reg_write("cpenable", rng.getrandbits(1))
        core.reg_write("windowstart", rng.getrandbits(16) | 1)
        core.reg_write("windowbase", rng.randrange(16))
        core.reg_write("lend", start + rng.randrange(4096))
        core.reg_write("lcount", rng.randrange(4))
        for k in range(64):  # mostly pointers into DRAM, so loads and stores land somewhere
            value = dram.base + rng.randrange(dram.size) if rng.random() < 0.6 else rng.getrandbits(32)
            core.reg_write(f"ar{k}", value)
        for k in range(16):
            core.reg_write(f"f{k}", rng.getrandbits(32))
        try:
            stop = core.run(max_cycles=20_000)
            key = stop.reason.value
        except EmulatorError as e:
            key = type(e).__name__
        outcomes[key] = outcomes.get(key, 0) + 1
    # the fuzz reaches the interesting endings, not just one kind of fault
    assert {"IllegalInstruction", "MemoryFault", "UnalignedAccess"} <= set(outcomes), outcomes
    assert sum(outcomes.values()) == 3000, outcomes
