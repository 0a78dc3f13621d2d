"""The cycle estimate: instruction classes, per-core costs, taken branches, and their sum per block."""

import struct

import pytest

from emulator.harness import run_vector
from emulator.unicorn import TABLES, UnicornCore
from emulator.unicorn.blocks import cost_block
from emulator.unicorn.decode_riscv import RiscvDecoder
from emulator.unicorn.decode_thumb import ThumbDecoder
from emulator.unicorn.insn import ALU, BRANCH, BRANCH_TAKEN, DIV, FPU_DIV, FPU_MAC, FPU_MULTIPLE, LOAD, POP_PC

from .conftest import CHIPS
from .firmware import program

# Encodings checked against riscv64-unknown-elf-as / arm-none-eabi-as.
LW_A0, ADDI_A0, ADDI_A2, BNEZ_A0, DIV_A0 = 0x0005A503, 0x00150513, 0x00160613, 0x00051063, 0x02B54533
LDR_R0, LDR_R2, STR_R2, POP_R4_PC, BNE = 0x6808, 0x681A, 0x601A, 0xBD10, 0xD1FE
VDIV, VMLA, VPUSH_D8, LDRD = (0xEE80, 0x0A81), (0xEE00, 0x0A81), (0xED2D, 0x8B02), (0xE9D2, 0x0100)
C3, M0P, M4F = TABLES["esp32c3"], TABLES["cortex-m0plus"], TABLES["cortex-m4f"]


def rv(*words):
    return cost_block(RiscvDecoder().decode(struct.pack(f"<{len(words)}I", *words), 0x1000), C3)


def thumb(table, *halfwords):
    code = struct.pack(f"<{len(halfwords)}H", *halfwords)
    return cost_block(ThumbDecoder().decode(code, 0x1000), table)


def test_riscv_classes():
    insns = RiscvDecoder().decode(struct.pack("<5I", LW_A0, ADDI_A0, ADDI_A2, BNEZ_A0, DIV_A0), 0)
    assert [i.klass for i in insns] == [LOAD, ALU, ALU, BRANCH, DIV]
    assert insns[0].writes == {"a0"} and insns[1].reads == {"a0"} and insns[3].conditional


def test_riscv_load_use_stall_and_taken_branch():
    assert rv(LW_A0, ADDI_A0).cost == 1 + (1 + C3.load_use_stall)  # addi reads the loaded a0
    assert rv(LW_A0, ADDI_A2).cost == 2
    block = rv(ADDI_A2, BNEZ_A0)
    assert (block.cost, block.taken) == (2, C3.cost(BRANCH_TAKEN) - C3.cost(BRANCH))
    assert rv(DIV_A0).cost == C3.cost(DIV)


def test_positions_inside_a_block():
    block = rv(LW_A0, ADDI_A0, ADDI_A2)
    assert block.position(0x1000) == (0, 0)
    assert block.position(0x1004) == (1, 1)
    assert block.position(0x100C) == (3, block.cost)  # past the end: the whole block
    assert block.previous(0x1008) == 0x1004 and block.previous(0x1000) == 0x1000


def test_cortex_m4_pipelines_neighbouring_loads_and_stores_m0plus_does_not():
    assert thumb(M0P, LDR_R0, LDR_R2, STR_R2).cost == 2 + 2 + 2
    assert thumb(M4F, LDR_R0, LDR_R2, STR_R2).cost == 2 + 1 + 1


def test_returns_multiples_and_fpu_on_the_cortex_m_tables():
    assert ThumbDecoder().decode(struct.pack("<H", POP_R4_PC), 0)[0].klass == POP_PC
    assert thumb(M0P, POP_R4_PC).cost == 3 + 1  # POP {reglist, PC}: 3 + N (N without PC)
    assert thumb(M4F, POP_R4_PC).cost == 1 + 2 + 2  # 1 + N + P (N with PC, P = 2)
    classes = [i.klass for i in ThumbDecoder().decode(struct.pack("<8H", *VDIV, *VMLA, *VPUSH_D8, *LDRD), 0)]
    assert classes[:3] == [FPU_DIV, FPU_MAC, FPU_MULTIPLE]
    assert thumb(M4F, *VDIV).cost == 14 and thumb(M4F, *VMLA).cost == 3
    assert thumb(M4F, *VPUSH_D8).cost == 1 + 2 and thumb(M4F, *LDRD).cost == 1 + 2  # a D register is two words
    for table in (M0P, M4F):
        block = thumb(table, BNE)
        assert (block.cost, block.cost + block.taken) == (table.cost(BRANCH), table.cost(BRANCH_TAKEN))


COUNTDOWN = """
int main(void)
{
    uint32_t n = hsk_emu_input[0];
    hsk_emu_marker = 1;
#if defined(__riscv)
    __asm__ volatile("1: addi %0, %0, -1\\n\\tbnez %0, 1b" : "+r"(n));
#else
    __asm__ volatile(".syntax unified\\n1: subs %0, %0, #1\\n\\tbne 1b" : "+l"(n) : : "cc");
#endif
    hsk_emu_marker = 2;
    hsk_emu_output[0] = n;
    hsk_emu_done();
}
"""


@pytest.mark.parametrize("chip", CHIPS)
def test_a_loop_costs_its_iterations_between_the_markers(tmp_path, chip):
    """Ten more passes of a two-instruction loop add ten ALU ops and ten taken branches, whatever
    the compiler put around it: the markers bracket the loop the same way each time."""
    core = UnicornCore(chip)
    core.load(program(COUNTDOWN, chip, tmp_path))
    runs = [run_vector(core, struct.pack("<I", n), max_cycles=1_000_000) for n in (5, 15)]
    table = core.model.costs
    assert runs[1].cycles - runs[0].cycles == 10 * (table.cost(ALU) + table.cost(BRANCH_TAKEN))
    assert runs[1].total_cycles - runs[0].total_cycles == runs[1].cycles - runs[0].cycles
    core.reset()
    core.write_symbol("hsk_emu_input", struct.pack("<I", 5))
    core.run(max_cycles=1_000_000)
    instructions_5 = core.instructions
    run_vector(core, struct.pack("<I", 15), max_cycles=1_000_000)
    assert core.instructions - instructions_5 == 20
