"""Build test images: assemble or compile sources with the real Xtensa tools and link them
for the emulated ESP32 (support/esp32.ld) or for the QEMU oracle (support/qemu.ld)."""

from __future__ import annotations

from pathlib import Path

from .tools import assemble, compile_c, link

SUPPORT = Path(__file__).parent / "support"


def image(tmp: Path, sources: dict[str, str], *, target: str = "esp32", startup: bool = True,
          c_sources: tuple[Path, ...] = (), name: str = "image") -> Path:  # fmt: skip
    """Link assembly sources (name -> text) and C files into an ELF for ``target``
    ("esp32" or "qemu"); with ``startup``, the start-up code and window vectors come too (for C,
    a start-up whose main returns to a halt)."""
    tmp.mkdir(parents=True, exist_ok=True)
    objects = [assemble(text, tmp / f"{stem}.o") for stem, text in sources.items()]
    objects += [compile_c(src, tmp / f"{src.stem}.o") for src in c_sources]
    return link_image(tmp, objects, target=target, startup="c_start" if c_sources else "startup" if startup else None,
                      name=name)  # fmt: skip


def link_image(tmp: Path, objects: list[Path], *, target: str, startup: str | None = "startup",
               name: str = "image") -> Path:  # fmt: skip
    """Link objects for ``target`` with the start-up ``startup`` (a file in support/, or None)
    and the window vectors; QEMU images get the jump at its reset vector."""
    objects = list(objects)
    parts = ([startup, "vectors"] if startup else []) + (["qemu_reset"] if target == "qemu" else [])
    for part in parts:
        obj = tmp / f"_{part}.o"
        if not obj.exists():
            assemble((SUPPORT / f"{part}.s").read_text(), obj)
        objects.append(obj)
    return link(objects, SUPPORT / f"{target}.ld", tmp / f"{name}-{target}.elf")
