"""The bare-metal start-up (firmware/system/esp32_startup.S) on QEMU, and the chip layout."""

import numpy as np

from hasaki_hil.build import xtensa_toolchain

from . import qemu
from .conftest import HERE


def expected(n: int) -> list[int]:
    def rec(step, const):
        return sum(step * k + const for k in range(1, n + 1)) & 0xFFFFFFFF

    def stacked(n, a, b, c, d, e, f, g, h):
        m = 0xFFFFFFFF
        if n == 0:
            return a ^ h
        r = stacked(n - 1, (a + n) & m, b ^ n, (c * 3 + n) & m, (d + 7) & m, e, (f + 1) & m, g ^ a, (h + n) & m)
        return (r * 31 + b + c + d + e + f + g + h + n) & m

    return [rec(2, 1), rec(6, 15), rec(10, 45), stacked(n, 1, 2, 3, 4, 5, 6, 7, 8)]


def test_deep_recursion_through_every_window_handler(tmp_path):
    elf, _ = xtensa_toolchain.build([HERE / "windows_main.c", HERE / "windows.S"], tmp_path, layout="qemu")
    done = qemu.run(elf, log_interrupts=True)
    assert done.returncode == 0, done.stderr[-400:]
    assert np.frombuffer(done.stdout, np.uint32).tolist() == expected(100)
    # QEMU's -d int names each exception it raises (target/xtensa/cpu.h): 3/4 window
    # overflow/underflow 4, 5/6 for 8, 7/8 for 12, 11 a user exception (here: MOVSP's alloca)
    log = done.stderr.decode()
    taken = {k: log.count(f"xtensa_cpu_do_interrupt({k})") for k in (3, 4, 5, 6, 7, 8, 11)}
    assert all(taken[k] >= 10 for k in (3, 4, 5, 6, 7, 8)), taken
    assert taken[11] >= 1, taken


FAULTING = """
int main(void)
{
    __asm__ volatile("ill");
    return 0;
}
"""


def test_a_fault_ends_the_run_with_its_cause(tmp_path):
    (tmp_path / "ill.c").write_text(FAULTING)
    elf, _ = xtensa_toolchain.build([tmp_path / "ill.c"], tmp_path, layout="qemu")
    done = qemu.run(elf, timeout=20)
    assert done.returncode == 0xFE  # EXCCAUSE 0 (illegal instruction), reported as 254: never 0


def test_the_chip_image_sits_where_the_rom_loads_it(tmp_path):
    """Same objects, the chip's layout: vectors at the 1 KB aligned start of IRAM, code after
    them, data in DRAM clear of the ROM's, no QEMU reset jump, and the window handlers at
    their architectural offsets from the table."""
    (tmp_path / "ill.c").write_text(FAULTING)
    elf, _ = xtensa_toolchain.build([tmp_path / "ill.c"], tmp_path, layout="chip")
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        e = ELFFile(f)
        loaded = [(s["p_vaddr"], s["p_memsz"]) for s in e.iter_segments() if s["p_type"] == "PT_LOAD"]
        names = [s.name for s in e.iter_sections()]
        entry = e["e_entry"]
    for addr, size in loaded:
        in_iram = 0x40080000 <= addr and addr + size <= 0x400A0000
        in_dram = 0x3FFB0000 <= addr and addr + size <= 0x3FFDC000
        assert in_iram or in_dram, hex(addr)
    assert ".qemu_reset" not in names
    sym = qemu.symbols(elf)
    assert sym["hsk_xt_vecbase"] == 0x40080000 and entry == sym["hsk_xt_reset"]
    for name, off in [("_WindowUnderflow4", 0x40), ("_WindowOverflow8", 0x80), ("_WindowUnderflow12", 0x140)]:
        assert sym[name] == 0x40080000 + off
    assert sym["__stack"] == 0x3FFDC000 and sym["hsk_xt_qemu"] == 0
