"""Worst-case stack depth of an ESP32 (Xtensa, windowed ABI) image, from its disassembly.

stack.py reads direct calls; clang's Xtensa code calls through a register loaded from a
literal pool (``l32r a8, <literal>`` then ``callx8 a8``), so the callee is the word at the
literal's address in the image (where the register was reloaded from a stack slot instead,
every function whose address the caller loads is taken as a possible callee: generated
code passes no function pointers, so these are all it can call). Each function's frame is the immediate of its ``entry``
(which also holds the register save areas the window overflow handlers spill into); a
call pushes nothing else. Recursion, or a call whose target is not a literal, leaves the
bound unknown, as in stack.py. Parsing is pure; ``analyse`` runs llvm-objdump.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

NOTE = "from the ENTRY frames and the call graph (CALLX targets from L32R literals)"
_LINE = re.compile(r"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*\t(\S+)\s*(.*)$")


def parse_disassembly(text: str) -> list[tuple[int, str, str]]:
    """llvm-objdump -d lines -> [(address, mnemonic, operands)]."""
    out = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            out.append((int(m.group(1), 16), m.group(2), m.group(3).strip()))
    return out


_READS_ONLY = {"s8i", "s16i", "s32i", "s32i.n", "s32e", "s32ri", "s32c1i", "ssi", "ssip", "ssx", "ssxp", "jx"}


def _writes_first_operand(op: str) -> bool:
    """Whether an instruction writes its first operand: not stores, branches, special-register
    or FPU writes from an address register, calls or jumps."""
    return not (op in _READS_ONLY or op.startswith(("b", "w", "callx", "mov.s", "ret")))


def call_graph(instrs, functions: dict[str, tuple[int, int]], word_at) -> dict[str, dict]:
    """{function: {"frame", "calls", "indirect"}} for the sized functions of the image;
    ``word_at(address)`` reads a literal (None where the image has no bytes)."""
    by_start = {start: name for name, (start, _) in functions.items()}
    graph = {}
    for name, (start, end) in functions.items():
        body = [(addr, op, args) for addr, op, args in instrs if start <= addr < end]
        # every function whose address this function loads from its literals: the callees of a
        # CALLX whose register came back from a stack slot (a spilled literal), not an L32R
        literals = [word_at(int(args.split(",")[1], 0)) for _, op, args in body if op == "l32r"]
        taken = {by_start[w] for w in literals if w in by_start}
        frame, calls, indirect, loaded = 0, set(), False, {}
        for _, op, args in body:
            regs = [a.strip() for a in args.split(",")]
            if op == "entry" and frame == 0 and len(regs) == 2:
                frame = int(regs[1], 0)
            elif op == "l32r" and len(regs) == 2:
                loaded[regs[0]] = word_at(int(regs[1], 0))
            elif re.fullmatch(r"call(4|8|12)", op):
                target = re.search(r"<([^>+]+)>", args)
                calls.add(target.group(1) if target else by_start.get(int(regs[0], 0), "?"))
            elif re.fullmatch(r"callx(4|8|12)", op):
                callee = by_start.get(loaded.get(regs[0]))
                if callee is not None:
                    calls.add(callee)
                elif taken:
                    calls |= taken
                else:
                    indirect = True
            elif regs and regs[0] in loaded and _writes_first_operand(op):
                loaded.pop(regs[0])  # the register no longer holds the literal
        graph[name] = {"frame": frame, "calls": calls, "indirect": indirect}
    return graph


def bound(graph: dict[str, dict], entry: str = "main") -> dict:
    """The deepest sum of frames from ``entry``: {"bytes", "path", "note"}."""
    if entry not in graph:
        return {"bytes": None, "path": [], "note": f"no function {entry!r} in the image"}
    problems: list[str] = []
    best: dict[str, tuple[int, tuple[str, ...]]] = {}

    def depth(f: str, active: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        if f in active:
            problems.append("recursion: " + " -> ".join(active + (f,)))
            return 0, (f,)
        if f not in best:
            info = graph.get(f, {"frame": 0, "calls": set(), "indirect": False})
            if info["indirect"]:
                problems.append(f"indirect call in {f}")
            deepest, path = 0, ()
            for callee in sorted(info["calls"]):
                d, p = depth(callee, active + (f,))
                if d > deepest or not path:
                    deepest, path = d, p
            best[f] = (info["frame"] + deepest, (f,) + path)
        return best[f]

    total, path = depth(entry, ())
    if problems:
        return {"bytes": None, "path": list(path), "note": "; ".join(sorted(set(problems))[:3])}
    return {"bytes": total, "path": list(path), "note": NOTE}


def analyse(elf: Path, objdump: str = "llvm-objdump-22") -> dict:
    tool = shutil.which(objdump)
    if tool is None:
        return {"bytes": None, "path": [], "note": f"{objdump} not found"}
    text = subprocess.run([tool, "--mcpu=esp32", "-d", str(elf)], capture_output=True, text=True, timeout=120).stdout
    with open(elf, "rb") as f:
        e = ELFFile(f)
        functions = {}
        for sec in e.iter_sections():
            if isinstance(sec, SymbolTableSection):
                for sym in sec.iter_symbols():
                    if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"] and sym.name:
                        functions[sym.name] = (sym["st_value"], sym["st_value"] + sym["st_size"])
        segments = [(s["p_vaddr"], s.data()) for s in e.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"]]

    def word_at(addr: int):
        for base, data in segments:
            if base <= addr and addr + 4 <= base + len(data):
                return int.from_bytes(data[addr - base : addr - base + 4], "little")
        return None

    return bound(call_graph(parse_disassembly(text), functions, word_at))
