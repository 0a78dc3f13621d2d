"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The path is checked first (``files/paths.py``): never a folder, a device or a FIFO; a final
symlink is followed and its target replaced. A write that fails (disk full, permissions) is a
UserError naming the file, and leaves the old file as it was.
"""

import os
import tempfile

from hasaki_hil.errors import UserError
from hasaki_hil.files import paths


def _umask() -> int:
    mask = os.umask(0)  # reading it means setting it: done once, at import, before any thread
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    target = paths.output_file(path)
    directory = target.parent if str(target.parent) else "."
    tmp = None
    try:
        os.makedirs(directory, exist_ok=True)  # -o build/run1/model.model just works
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_UMASK)  # as open() would create it; mkstemp makes 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        if isinstance(e, OSError):
            raise UserError(
                f"cannot write {path}: {e.strerror or e}", hint="check the free space and the folder's permissions"
            ) from None
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
