"""The one cycle table of the LX6 core: cycles per instruction class and the pipeline effects
that matter for straight-line kernels. Provenance ``estimate``; every number and its public
source is in docs/xtensa-cycles.md.

A class has
  issue    cycles the instruction occupies the pipeline when nothing stalls it;
  latency  cycles from its issue until its result can be used: an instruction that reads the
           result earlier waits (the load-use interlock is latency 2 on a load); the figures
           are GCC's Xtensa pipeline description (gcc/config/xtensa/xtensa.md);
  taken    extra cycles when control goes elsewhere than the next instruction (a taken branch,
           a jump, call or return, a LOOPNEZ/LOOPGTZ skipping its body): the fetch of the target
           restarts the 5-stage pipeline.
The back edge of a zero-overhead loop (LOOP/LOOPNEZ/LOOPGTZ reaching LEND) costs nothing.
Window overflow/underflow exceptions add ``EXCEPTION`` cycles to enter the vector.

The instruction classes are the ``klass`` column of ``emulator.xtensa.isa.TABLE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    issue: int = 1
    latency: int = 1
    taken: int = 0


BRANCH_TAKEN = 2  # a taken branch, jump, call or return: the target fetch refills two stages

CLASSES: Mapping[str, Cost] = {
    "alu": Cost(),
    "sync": Cost(),
    "load": Cost(latency=2),  # xtensa.md: xtensa_memory 2 (load, fload)
    "fload": Cost(latency=2),
    "l32r": Cost(latency=2),  # a load in xtensa.md (type "load")
    "store": Cost(),
    "rsr": Cost(latency=2),  # xtensa.md: xtensa_sreg 2
    "wsr": Cost(),
    "mul16": Cost(latency=2),  # xtensa.md: xtensa_mul16 2
    "mul32": Cost(latency=2),  # xtensa.md: xtensa_mul32 2
    "div": Cost(issue=2, latency=2),  # no public figure: see docs/xtensa-cycles.md
    "mac16": Cost(),  # xtensa.md gives MAC16 no reservation: fully pipelined
    "mac16_ld": Cost(),
    "fadd": Cost(latency=4),  # xtensa.md: ADD.S/SUB.S/MUL.S are type fmadd, xtensa_fmadd 4
    "fmul": Cost(latency=4),
    "fmadd": Cost(latency=4),
    "fconv": Cost(latency=2),  # xtensa.md: xtensa_fconv 2
    "fmov": Cost(),
    "fcmp": Cost(),
    "branch": Cost(taken=BRANCH_TAKEN),
    "jump": Cost(taken=BRANCH_TAKEN),  # always taken
    "call": Cost(taken=BRANCH_TAKEN),
    "entry": Cost(),
    "loop": Cost(taken=BRANCH_TAKEN),  # LOOPNEZ/LOOPGTZ with a zero count jump past the body
}

EXCEPTION = 3  # entering a window overflow/underflow vector (pipeline flush), and RFWO/RFWU's return
