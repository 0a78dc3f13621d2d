"""Register names of the Xtensa core: address registers through the window (a0-a15) or
physical (ar0-ar63), special registers by the ISA reference's names and numbers, user
registers (FCR, FSR, THREADPTR), FP registers f0-f15, booleans b0-b15, the MAC16 accumulator."""

from __future__ import annotations

from ..errors import EmulatorError

SPECIAL = {
    "lbeg": 0, "lend": 1, "lcount": 2, "sar": 3, "br": 4, "litbase": 5, "scompare1": 12,
    "acclo": 16, "acchi": 17, "m0": 32, "m1": 33, "m2": 34, "m3": 35,
    "windowbase": 72, "windowstart": 73, "ibreakenable": 96, "memctl": 97, "atomctl": 99,
    "epc1": 177, "epc2": 178, "epc3": 179, "epc4": 180, "epc5": 181, "epc6": 182, "epc7": 183,
    "depc": 192, "excsave1": 209, "cpenable": 224, "interrupt": 226, "intenable": 228,
    "ps": 230, "vecbase": 231, "exccause": 232, "debugcause": 233, "ccount": 234, "prid": 235,
    "icount": 236, "icountlevel": 237, "excvaddr": 238, "ccompare0": 240, "ccompare1": 241,
    "ccompare2": 242, "misc0": 244, "misc1": 245, "misc2": 246, "misc3": 247,
}  # fmt: skip
USER = {"threadptr": 231, "fcr": 232, "fsr": 233}


def parse(name: str) -> tuple[str, int]:
    """(kind, index) for a register name; kinds: pc, a (logical), ar->a physical, b, f, sr, ur, acc."""
    n = name.lower()
    if n == "pc":
        return "pc", 0
    if n in ("acc",):
        return "acc", 0
    if n == "sp":
        return "a", 1
    for prefix, kind, count in (("ar", "phys", 64), ("a", "a", 16), ("f", "f", 16), ("b", "b", 16)):
        if n.startswith(prefix) and n[len(prefix) :].isdigit() and int(n[len(prefix) :]) < count:
            index = int(n[len(prefix) :])
            return ("a_phys" if kind == "phys" else kind), index
    if n in SPECIAL:
        return "sr", SPECIAL[n]
    if n in USER:
        return "ur", USER[n]
    raise EmulatorError(
        f"unknown Xtensa register {name!r} (pc, a0-a15, ar0-ar63, f0-f15, b0-b15, acc, {', '.join(SPECIAL)}, "
        f"{', '.join(USER)})"
    )
