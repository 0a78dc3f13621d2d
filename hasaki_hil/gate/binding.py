"""What a validation record is bound to, and the checks ``flash`` makes before it relies on one.

A record binds the firmware (ELF sha256 and every file an uploader may write, with the address
of a raw BIN image), the variant and its model, the board, the vectors, the thresholds and the
decision threshold. ``failures`` lists every binding a record breaks for a planned upload, each
message naming the binding, so a refusal says exactly what did not hold.
"""

import hashlib
import os
from dataclasses import dataclass, fields
from pathlib import Path

from hasaki_hil.build.firmware import Firmware
from hasaki_hil.gate import verdict as gate
from hasaki_hil.gate.record import Artefact, ValidationRecord, signature_verifies
from hasaki_hil.model.variant import Variant

# Every file a build leaves that some uploader writes to a board (or a person copies onto one).
BOUND_FILES = ("firmware.elf", "firmware.hex", "firmware.bin", "firmware.uf2", "bootloader.bin", "partitions.bin")
DEFAULT_MIN_ROWS = 100  # without --vectors, a record judged on fewer rows proves too little


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def image_base(elf) -> int | None:
    """Where objcopy's raw binary image starts: the lowest load address of the loaded contents."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        loads = [s["p_paddr"] for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"]]
    return min(loads) if loads else None


def artefacts(fw: Firmware) -> tuple[Artefact, ...]:
    """The files beside ``fw``'s ELF that an uploader may write, hashed now."""
    folder = Path(fw.elf).parent
    out = []
    for name in BOUND_FILES:
        path = folder / name
        if path.is_file():
            raw_bin = name == "firmware.bin" and fw.toolchain == "system"  # objcopy -O binary of the ELF
            out.append(Artefact(name, sha256_file(path), image_base(fw.elf) if raw_bin else None))
    return tuple(out)


@dataclass(frozen=True)
class Policy:
    """What ``flash`` is asked to require of a record (the gate flags of ``test``)."""

    thresholds: gate.Thresholds
    decision_threshold: float = 0.5
    vectors_sha256: str | None = None  # the full vectors file given to flash, hashed as the device gets it
    vectors_rows: int | None = None
    min_rows: int = DEFAULT_MIN_ROWS  # when no vectors are given


def looser(record: gate.Thresholds, asked: gate.Thresholds) -> list[str]:
    """Each limit the record was judged by that is looser than (or missing against) the one asked for."""
    out = []
    for f in fields(gate.Thresholds):
        want, got = getattr(asked, f.name), getattr(record, f.name)
        if want is not None and (got is None or got > want):
            out.append(f"{f.name} {'off' if got is None else got} in the record, {want} asked for")
    return out


def consistent_verdict(rec: ValidationRecord) -> bool:
    """Does the recorded verdict follow from the record's own metrics, thresholds and faults?"""
    m = rec.metrics.as_dict()
    if rec.faults or rec.host_reference_mismatches or m.get("rows") != rec.rows:
        return not rec.passed
    return gate.verdict(m, rec.thresholds).passed == rec.passed


def failures(
    rec: ValidationRecord,
    *,
    fw: Firmware,
    board: str,
    variant: Variant,
    uploaded: list[str],
    policy: Policy,
    key: bytes | None,
) -> list[str]:
    """Every binding ``rec`` breaks for uploading ``uploaded`` (paths) of ``fw``; empty when it holds."""
    out = []
    if key is not None:  # first: an edited signed record says so before anything else
        if rec.signature is None:
            out.append("signature: the record is unsigned, and a record key is set")
        elif not signature_verifies(rec, key):
            out.append("signature: the record's HMAC does not verify with the key set (edited, or another key)")
    if not rec.passed:
        out.append(f"verdict: {rec.verdict}")
    if not consistent_verdict(rec):
        out.append(f"verdict: {rec.verdict} does not follow from the record's own metrics and thresholds")
    if rec.firmware_sha256 != fw.sha256:
        out.append(f"firmware: the record is for ELF {rec.firmware_sha256[:12]}, this one is {fw.sha256[:12]}")
    if rec.variant_sha256 != variant.sha256:
        out.append(f"variant: the record is for variant {rec.variant_sha256[:12]}, not {variant.sha256[:12]}")
    if rec.model_sha256 != variant.parent_sha256:
        out.append(f"model: the record is for model {rec.model_sha256[:12]}, not {variant.parent_sha256[:12]}")
    if (rec.scheme, rec.layers) != (variant.scheme, variant.kinds):
        out.append(
            f"variant: the record judged {rec.scheme} ({','.join(rec.layers)}), "
            f"the variant is {variant.scheme} ({','.join(variant.kinds)})"
        )
    if rec.board != board or fw.board != board:
        out.append(f"board: the record is for {rec.board}, the firmware for {fw.board}, the upload for {board}")
    if (rec.sizes.flash, rec.sizes.ram_static) != (fw.flash_bytes, fw.ram_bytes):
        out.append(
            f"sizes: the record says {rec.sizes.flash} B flash / {rec.sizes.ram_static} B RAM, "
            f"the firmware has {fw.flash_bytes} / {fw.ram_bytes}"
        )
    out += _artefact_failures(rec, fw, uploaded)
    out += [f"thresholds: {t}" for t in looser(rec.thresholds, policy.thresholds)]
    if rec.decision_threshold != policy.decision_threshold:
        out.append(
            f"thresholds: decision threshold {rec.decision_threshold} in the record, "
            f"{policy.decision_threshold} asked for"
        )
    if policy.vectors_sha256 is not None and rec.vectors_sha256 != policy.vectors_sha256:
        out.append(
            f"vectors: the record judged other vectors ({rec.rows} rows of {rec.vectors}), "
            f"not the {policy.vectors_rows} rows given"
        )
    elif policy.vectors_sha256 is None and rec.rows < policy.min_rows:
        out.append(f"vectors: the record judged {rec.rows} rows; at least {policy.min_rows} are required (--min-rows)")
    return out


def _artefact_failures(rec: ValidationRecord, fw: Firmware, uploaded: list[str]) -> list[str]:
    folder = Path(fw.elf).parent.resolve()
    bound = {a.name: a for a in rec.artefacts}
    out = []
    if "firmware.elf" not in bound or bound["firmware.elf"].sha256 != rec.firmware_sha256:
        out.append("artefacts: the record does not bind the ELF it names")
    for a in rec.artefacts:
        path = folder / a.name
        if not path.is_file():
            out.append(f"artefact {a.name}: missing from {folder}")
        elif (now := sha256_file(path)) != a.sha256:
            out.append(f"artefact {a.name}: sha256 {now[:12]} on disk, {a.sha256[:12]} validated")
        elif (
            a.address is not None
            and (folder / "firmware.elf").is_file()
            and ((base := image_base(folder / "firmware.elf")) != a.address)
        ):
            out.append(f"artefact {a.name}: starts at {base:#x}, {a.address:#x} validated")
    for p in uploaded:
        path = Path(p).resolve()
        if path.parent != folder or path.name not in bound:
            out.append(f"artefact {os.fspath(p)}: the uploader would write it, and the record does not bind it")
    return out
