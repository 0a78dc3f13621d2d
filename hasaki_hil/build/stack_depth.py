"""Worst-case stack depth from the call graph: frames from -fstack-usage (.su files) for
our own functions and from the disassembly for library code, edges from direct calls.

Parsers are pure functions on tool output; ``analyse`` combines them. Recursion or an
indirect call makes the bound unknown, which the fit check reports rather than guesses.
"""

import re
from dataclasses import dataclass

# Per architecture: what a direct call looks like, and how a prologue grows the stack.
_CALL = {
    "avr": re.compile(r"\br?call\s+.*<([^>+]+)>"),
    "arm": re.compile(r"\bblx?\s+[0-9a-f]+\s+<([^>+]+)>"),
    "riscv": re.compile(r"\b(?:jal|call)\s+(?:ra,)?\s*[0-9a-f]+\s+<([^>+]+)>"),
}
_INDIRECT = {
    "avr": re.compile(r"\b(?:e?icall)\b"),
    "arm": re.compile(r"\bblx\s+r\d"),
    "riscv": re.compile(r"\bjalr\s+(?:ra,)?\s*-?\d*\(?[a-z]\w*\)?\s*$"),
}
RETURN_ADDRESS = {"avr": 2, "arm": 0, "riscv": 0}  # bytes a call pushes (ARM and RISC-V use a link register)


@dataclass(frozen=True)
class StackBound:
    bytes: int | None  # None when recursion or an indirect call leaves it unknown
    path: tuple[str, ...]  # the deepest call chain
    note: str


def parse_su(text: str) -> dict[str, int]:
    """GCC -fstack-usage lines: 'file.c:12:5:name<TAB>bytes<TAB>static' -> {name: bytes}."""
    frames = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip().isdigit():
            name = parts[0].rsplit(":", 1)[-1].strip()
            frames[name] = int(parts[1])
    return frames


def _frame(arch: str, body: list[str]) -> int:
    """Bytes a function's prologue takes, read from its instructions."""
    size = 0
    for ins in body:
        if arch == "avr":
            if re.search(r"\bpush\s", ins):
                size += 1
            m = re.search(r"\b(?:sbiw|subi)\s+r28,\s*0x([0-9A-Fa-f]+)", ins)
            if m:
                size += int(m.group(1), 16)
        elif arch == "arm":
            m = re.search(r"\b(v?push)(?:\.w)?\s+\{([^}]*)\}", ins)
            if m:
                regs = 0
                for part in m.group(2).split(","):
                    part = part.strip()
                    if "-" in part:
                        a, b = (int(re.sub(r"\D", "", p)) for p in part.split("-"))
                        regs += b - a + 1
                    elif part:
                        regs += 1
                size += regs * (8 if "d" in m.group(2) else 4)
            m = re.search(r"\bsub(?:\.w)?\s+sp,\s*(?:sp,\s*)?#(\d+)", ins)
            if m:
                size += int(m.group(1))
        else:
            m = re.search(r"\baddi\s+sp,\s*sp,\s*-(\d+)", ins)
            if m:
                size += int(m.group(1))
    return size


def parse_objdump(arch: str, text: str) -> dict[str, dict]:
    """objdump -d output -> {function: {"calls": set, "frame": bytes, "indirect": bool}}."""
    funcs: dict[str, dict] = {}
    name, body = None, []

    def close():
        if name is not None:
            calls = {m.group(1) for ins in body for m in [_CALL[arch].search(ins)] if m}
            # In libgcc's hand-written float code ('__' names) a call to the function's own
            # label comes from an unlabelled entry point inside it: a local subroutine costing
            # one return address, not recursion. Anywhere else it is recursion.
            local = name in calls and name.startswith("__")
            if local:
                calls = calls - {name}
            funcs[name] = {
                "calls": calls,
                "frame": _frame(arch, body[:40]) + (RETURN_ADDRESS[arch] if local else 0),
                "indirect": any(_INDIRECT[arch].search(ins) for ins in body),
            }

    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            close()
            name, body = m.group(1), []
        elif name is not None and "\t" in line:
            body.append(line.split("\t", 2)[-1])
    close()
    return funcs


def analyse(arch: str, objdump_text: str, su_frames: dict[str, int], entry: str = "main") -> StackBound:
    funcs = parse_objdump(arch, objdump_text)
    if entry not in funcs:
        return StackBound(None, (), f"no function {entry!r} in the disassembly")
    ret = RETURN_ADDRESS[arch]

    def frame(f: str) -> int:
        # objdump names GCC's clones 'f.constprop.1' where the .su file says 'f.constprop'
        su = su_frames.get(f, su_frames.get(re.sub(r"\.\d+$", "", f)))
        return su if su is not None else funcs.get(f, {}).get("frame", 0)

    best: dict[str, tuple[int, tuple[str, ...]]] = {}
    problems = []

    def depth(f: str, active: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        if f in active:
            problems.append("recursion: " + " -> ".join(active + (f,)))
            return 0, (f,)
        if f in best:
            return best[f]
        info = funcs.get(f)
        if info is None:  # not in the image (e.g. a linker-resolved alias): no frame of its own
            return 0, (f,)
        if info["indirect"]:
            problems.append(f"indirect call in {f}")
        deepest, path = 0, ()
        for callee in sorted(info["calls"]):
            d, p = depth(callee, active + (f,))
            if d + ret > deepest:
                deepest, path = d + ret, p
        best[f] = (frame(f) + deepest, (f,) + path)
        return best[f]

    total, path = depth(entry, ())
    if problems:
        return StackBound(None, path, "; ".join(sorted(set(problems))[:3]))
    return StackBound(total, path, "from -fstack-usage and the call graph")
