"""Checked output paths: the one place that decides whether a path may be written.

Used by the atomic writers (``files/atomic.py``) at write time, and by the CLI before a
command starts its work (``cli/io_paths.py``), so a bad ``-o`` is refused before minutes
of training rather than after.

Rules:

- an output is a regular file or does not exist yet: never a folder, a device (``/dev/full``,
  ``/dev/null``), a FIFO or a socket, which an atomic rename would replace;
- its folder exists or can be made (missing folders are created at write time, so
  ``-o build/run1/m.model`` works), and the nearest existing folder above it is writable;
- it is never one of the command's inputs, by path or by inode (a hard link counts), and two
  outputs of one command are never the same file;
- symlinks: an output that is a symlink is followed, and the file it points to is replaced
  atomically, so the link stays and points at the new content, as ``>`` in a shell would write
  through it. The checks above apply to the file the link points to.
"""

import os
import stat
from pathlib import Path

from hasaki_hil.errors import UserError

KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


def _name(option: str | None, path) -> str:
    return f"{option} {path}" if option else str(path)


def real_target(path) -> Path:
    """The path that will be written: a final symlink followed (to its end), the rest as given."""
    p = Path(os.fspath(path))
    if p.is_symlink():
        try:
            return p.resolve()
        except (RuntimeError, OSError):  # a loop of links
            raise UserError(f"{path} is a symlink that never ends in a file (a loop)") from None
    return p


def _nearest_existing(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    while not os.path.lexists(folder):
        folder = folder.parent
    return folder


def _shown(p: Path) -> str:
    """A path as short as it can be said: relative to the current folder when below it."""
    rel = os.path.relpath(p)
    return str(p) if rel.startswith("..") else rel


def _check_folder(folder: Path, what: str) -> None:
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise UserError(
            f"{what}: {_shown(existing)} is not a folder, so nothing can be written below it",
            hint="choose a path whose folders are folders",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        made = "" if existing == Path(os.path.abspath(folder)) else f" (to create {folder})"
        raise UserError(
            f"{what}: the folder {_shown(existing)} is not writable{made}",
            hint="choose a folder you can write to, or fix its permissions",
        )


def output_file(path, option: str | None = None) -> Path:
    """The path to write for an output file; a UserError when it must not or cannot be written."""
    if path is None or os.fspath(path) == "":
        raise UserError(f"{option or 'output'}: an empty path is not a file name")
    what = _name(option, path)
    target = real_target(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:  # e.g. a path through a file (ENOTDIR): name the file in the way
        _check_folder(target.parent, what)
        raise UserError(f"{what}: cannot use this path ({e.strerror})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{what} is a folder, not a file", hint=f"name a file inside it, e.g. {Path(path) / 'out'}")
        if not stat.S_ISREG(st.st_mode):
            kind = KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
            raise UserError(
                f"{what} is {kind}; outputs are written atomically as regular files and never replace one",
                hint="write to a regular file and copy it from there",
            )
    _check_folder(target.parent, what)
    return target


def output_dir(path, option: str | None = None) -> Path:
    """A folder to write into (made if missing); a UserError when it is a file or not writable."""
    if path is None or os.fspath(path) == "":
        raise UserError(f"{option or 'output folder'}: an empty path is not a folder name")
    what = _name(option, path)
    p = Path(os.fspath(path))
    if os.path.lexists(p) and not p.is_dir():
        raise UserError(f"{what} is not a folder", hint="name a folder (it is created when missing)")
    _check_folder(p, what)
    return p


def _identity(path: Path):
    """(device, inode) of an existing file, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _flat(paths: dict):
    """(option, path) pairs; a value may be one path, a list of paths (``RECORD...``) or None."""
    for option, value in paths.items():
        for path in value if isinstance(value, (list, tuple)) else [value]:
            if path is not None:
                yield option, path


def check_outputs(outputs: dict, inputs: dict, folders: dict | None = None) -> None:
    """Refuse, before any work, outputs that are bad paths, inputs, or each other.

    ``outputs`` and ``inputs`` map an option name (``-o``, ``DATA``...) to a path or None;
    ``folders`` maps an option to an output folder.
    """
    seen: dict = {}
    for option, path in outputs.items():
        if path is None:
            continue
        target = output_file(path, option)
        key = _identity(target) or os.path.realpath(target)
        for in_option, in_path in _flat(inputs):
            same = _identity(Path(os.fspath(in_path)))
            if (same is not None and same == _identity(target)) or os.path.realpath(in_path) == os.path.realpath(
                target
            ):
                raise UserError(
                    f"{option} {path} is the input {in_option} {in_path}; refusing to overwrite an input",
                    hint="write the output to a new file",
                )
        if key in seen:
            raise UserError(f"{option} {path} and {seen[key]} are the same file", hint="give each output its own file")
        seen[key] = f"{option} {path}"
    for option, path in (folders or {}).items():
        if path is not None:
            output_dir(path, option)
