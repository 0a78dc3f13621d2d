"""``flash``'s policy: which validation record it may rely on, and the exact bytes it uploads.

A record counts only if every binding in ``gate/binding.py`` holds for this upload (firmware,
artefacts, variant, board, verdict consistency, vectors, thresholds, signature). Records are
read only as regular files: a symbolic link is refused, whatever it points at. For a real
upload the files the uploader names are copied into a private folder, the copies re-hashed
against the record, and the uploader handed the copies, so a file swapped after the check is
never written to the board.
"""

import os
import re
import shutil
from pathlib import Path

from hasaki_hil.build.firmware import Firmware
from hasaki_hil.data import csvfile as data
from hasaki_hil.errors import GateFailed, UserError
from hasaki_hil.gate import binding
from hasaki_hil.gate import record as records
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model.variant import Variant
from hasaki_hil.quant import reference

_WRAPPED = (re.compile(r"^flash:w:(.+):i$"), re.compile(r"^program \{(.+)\} verify"))
_IMAGE_SUFFIXES = (".elf", ".hex", ".bin", ".uf2")


def policy(
    v: Variant, thresholds: gate.Thresholds, decision_threshold: float, vectors, min_rows: int
) -> binding.Policy:
    """What a record must meet: the thresholds asked for (``auto`` resolved for this model, as the
    gate resolved it) and, with ``vectors``, exactly those vectors."""
    thresholds.check()
    thresholds = thresholds.resolve(gate.binary_classifier(v.parent.output_activation, v.parent.n_outputs))
    if min_rows < 1:
        raise UserError(f"--min-rows must be >= 1, got {min_rows}")
    if vectors is None:
        return binding.Policy(thresholds, decision_threshold, min_rows=min_rows)
    m = v.parent
    ds = data.load_csv(vectors, m.n_inputs, m.n_outputs, m.output_activation)
    sha = records.vectors_hash(reference.native_inputs(v, ds.X), ds.Y)
    return binding.Policy(thresholds, decision_threshold, sha, ds.n_rows, min_rows)


def uploaded_paths(cmd: list[str]) -> list[str]:
    """The files an uploader command line writes to the board (avrdude, esptool, picotool, openocd)."""
    out = []
    for arg in cmd[1:]:
        for pattern in _WRAPPED:
            m = pattern.match(arg)
            if m:
                out.append(m.group(1))
                break
        else:
            if arg.lower().endswith(_IMAGE_SUFFIXES):
                out.append(arg)
    return out


def relying_record(
    candidates: list[Path], *, fw: Firmware, board: str, variant: Variant, uploaded, policy, key
) -> tuple[Path | None, records.ValidationRecord | None, list[str]]:
    """The first candidate every binding holds for, and for the others why (the file and the failed binding)."""
    why = []
    for path in candidates:
        if path.is_symlink():
            why.append(f"{path.name}: symlink: records are read only as regular files, not through links")
            continue
        try:
            rec = records.load(path)
        except UserError as e:
            why.append(str(e))
            continue
        failed = binding.failures(rec, fw=fw, board=board, variant=variant, uploaded=uploaded, policy=policy, key=key)
        if not failed:
            return path, rec, why
        why.append(f"{path.name}: " + "; ".join(failed))
    return None, None, why


def stage(cmd: list[str], uploaded: list[str], folder, rec: records.ValidationRecord | None) -> list[str]:
    """``cmd`` with every uploaded file replaced by a private copy in ``folder``; with a record, each
    copy must hash as the record binds it (exactly the bytes handed to the uploader are checked)."""
    bound = {a.name: a.sha256 for a in rec.artefacts} if rec is not None else {}
    staged = list(cmd)
    for k, original in enumerate(uploaded):
        copy = Path(folder) / f"{k}-{Path(original).name}"
        shutil.copyfile(original, copy)
        os.chmod(copy, 0o400)
        if rec is not None and binding.sha256_file(copy) != bound.get(Path(original).name):
            raise GateFailed(
                f"artefact {Path(original).name}: changed between the check and the upload; not uploading",
                hint="re-run the gate on the firmware as it is now",
            )
        staged = [arg.replace(original, str(copy)) for arg in staged]
    return staged
