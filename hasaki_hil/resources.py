"""Where the files that ship inside the package live: the C runtime, harnesses, linker scripts,
the PlatformIO board definitions and the built-in example, found with importlib.resources so an
installed wheel works from any folder (the source checkout links firmware/ and models/example here)."""

from importlib import resources
from pathlib import Path


def _package_dir(name: str) -> Path:
    # Wheels install as plain folders (zip-safe is off), so the traversable is a real path that
    # compilers can be pointed at; as_file() would copy per call.
    return Path(str(resources.files("hasaki_hil") / name))


FIRMWARE = _package_dir("firmware")  # hsk/ runtime, harness/ mains, system/ startup and linker scripts
RUNTIME_DIR = FIRMWARE / "hsk"
HARNESS_DIR = FIRMWARE / "harness"
SYSTEM_DIR = FIRMWARE / "system"
EXAMPLE_DIR = _package_dir("examples") / "smoke"
