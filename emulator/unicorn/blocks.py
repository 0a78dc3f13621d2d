"""Basic blocks to cycle costs: each block disassembled and costed once, then cached.

unicorn's basic blocks (translation blocks) start at an address and run to the first control
transfer; the native hook asks ``BlockCosts.classify`` the first time one runs. A block is costed
as if its last instruction falls through; ``taken`` is the extra when that instruction is a
conditional transfer that is taken. Per instruction, the cycles charged before it are kept so
that a marker written, or a run stopped, in the middle of a block is placed exactly.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .costs import CostTable
from .insn import BRANCH, BRANCH_TAKEN, LOAD, STORE, UNKNOWN, Insn


class Decoder(Protocol):
    def decode(self, code: bytes, address: int) -> list[Insn]: ...


@dataclass(frozen=True)
class BlockCost:
    starts: tuple[int, ...]  # address of each instruction
    before: tuple[int, ...]  # cycles charged before each instruction
    cost: int  # cycles of the whole block when it falls through
    taken: int  # extra cycles when its last instruction is a taken conditional transfer

    def position(self, pc: int) -> tuple[int, int]:
        """(instructions, cycles) of this block executed before ``pc`` (a start in or just past the block)."""
        k = bisect_right(self.starts, pc) - 1
        if k < 0:
            return 0, 0
        if pc != self.starts[k]:  # past the last instruction: the whole block ran
            return len(self.starts), self.cost
        return k, self.before[k]

    def previous(self, pc: int) -> int:
        """The start of the instruction before ``pc`` in this block (``pc`` if there is none)."""
        k = bisect_left(self.starts, pc) - 1
        return self.starts[k] if k >= 0 else pc


def cost_block(insns: list[Insn], table: CostTable) -> BlockCost:
    before, total, taken, prev = [], 0, 0, None
    for ins in insns:
        cycles = table.cost(ins.klass, ins.registers)
        if ins.conditional:  # falls through in ``cost``; the rest when it is taken
            not_taken = table.cost(BRANCH)
            taken = table.cost(BRANCH_TAKEN if ins.klass == BRANCH else ins.klass, ins.registers) - not_taken
            cycles = not_taken
        if prev is not None and prev.klass == LOAD:
            if table.pipelined_loads and ins.klass in (LOAD, STORE):
                cycles -= 1
            if prev.writes & ins.reads:
                cycles += table.load_use_stall
        before.append(total)
        total += cycles
        prev = ins
    if insns and not insns[-1].conditional:
        taken = 0
    return BlockCost(tuple(i.address for i in insns), tuple(before), total, taken)


class BlockCosts:
    """The per-load cache of block costs for one core's decoder and cost table."""

    def __init__(self, decoder: Decoder, table: CostTable, read: Callable[[int, int], bytes]):
        self._decoder = decoder
        self._table = table
        self._read = read  # code bytes at an address, from the loaded image
        self._blocks: dict[tuple[int, int], BlockCost] = {}

    def __len__(self) -> int:
        return len(self._blocks)

    def classify(self, address: int, size: int) -> tuple[int, int, int]:
        """For the native hook: (instructions, cycles, taken extra) of a block."""
        block = self.block(address, size)
        return len(block.starts), block.cost, block.taken

    def block(self, address: int, size: int) -> BlockCost:
        key = (address, size)
        if key not in self._blocks:
            insns = self._decoder.decode(self._read(address, size), address)
            end = insns[-1].address + insns[-1].size if insns else address
            if end < address + size:  # capstone stopped at an encoding it does not know: the CPU faults there
                insns.append(Insn(end, address + size - end, UNKNOWN))
            self._blocks[key] = cost_block(insns, self._table)
        return self._blocks[key]
