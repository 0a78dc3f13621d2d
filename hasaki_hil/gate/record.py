"""The validation record: what ``hasaki-hil test`` proved about one firmware, as a frozen type.

A record is the one thing ``flash`` trusts, so it is loaded in exactly one place (``load``),
saved in exactly one place (``save``) and its JSON form comes from one method (``as_dict``,
which is also what ``test --json`` prints; the keys are documented in docs/formats.md). A
file of another format version, or one with a field missing, of the wrong type or unknown, is
a UserError naming the file: a record nobody can read completely proves nothing.
"""

import hashlib
import os
import statistics
from dataclasses import dataclass, fields, replace

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.files import docfile
from hasaki_hil.gate import signing
from hasaki_hil.gate.verdict import Thresholds

FORMAT = "hasaki-hil-validation"
VERSION = 2  # 2: typed, strict records (1 had no checked shape)
VERDICTS = ("PASSED", "FAILED")
PROVENANCES = ("exact", "estimate", "hardware", "emulated", "none")


class Damaged(ValueError):
    """A field of a record is missing or malformed (turned into a UserError naming the file)."""


def vectors_hash(native: np.ndarray, labels: np.ndarray) -> str:
    """sha256 of the vectors as the device receives them, and of their labels."""
    h = hashlib.sha256(np.ascontiguousarray(native).tobytes())
    h.update(np.ascontiguousarray(labels, np.float64).tobytes())
    return h.hexdigest()


def _check(value, types, name: str):
    # bool is an int in Python; a count or a size given as true/false is malformed
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise Damaged(f"{name} has the wrong type")
    if not isinstance(value, types):
        raise Damaged(f"{name} has the wrong type")
    return value


def _strict_fields(cls, doc, what: str) -> dict:
    """``doc`` itself when it is an object with no field ``cls`` does not have (callers check the required ones)."""
    if not isinstance(doc, dict):
        raise Damaged(f"{what} is not an object")
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(doc) - set(names))
    if unknown:
        raise Damaged(f"unknown field{'s' * (len(unknown) > 1)} in {what}: {', '.join(unknown)}")
    return doc


NUM = (int, float)


@dataclass(frozen=True)
class CycleSummary:
    """Cycles per inference over the vectors, and where the figures came from. Without a
    counter (provenance ``none``) there are no figures."""

    provenance: str
    min: int | None = None
    median: float | None = None
    max: int | None = None
    microseconds_median: float | None = None

    @classmethod
    def of(cls, cycles: np.ndarray, provenance: str, clock_hz: int) -> "CycleSummary":
        if cycles.size == 0 or provenance == "none":  # no counter (the ATtiny85's serial firmware): no figures
            return cls(provenance)
        med = float(statistics.median(cycles.tolist()))
        return cls(provenance, int(cycles.min()), med, int(cycles.max()), med / clock_hz * 1e6)

    @property
    def has_figures(self) -> bool:
        return self.median is not None

    def as_dict(self) -> dict:
        if not self.has_figures:
            return {"provenance": self.provenance}
        return {k: getattr(self, k) for k in ("provenance", "min", "median", "max", "microseconds_median")}

    @classmethod
    def from_dict(cls, d) -> "CycleSummary":
        _strict_fields(cls, d, "cycles")
        if d.get("provenance") not in PROVENANCES:
            raise Damaged(f"cycles.provenance {d.get('provenance')!r} is not one of {', '.join(PROVENANCES)}")
        figures = ("min", "median", "max", "microseconds_median")
        present = [k for k in figures if k in d]
        if present and len(present) != len(figures):
            raise Damaged("cycles has some figures but not all of min, median, max, microseconds_median")
        for k in present:
            _check(d[k], NUM, f"cycles.{k}")
        return cls(**d)


@dataclass(frozen=True)
class Sizes:
    """Bytes: flash used, static RAM, the static stack bound, and what the AVR core measured."""

    flash: int | None
    ram_static: int | None
    stack: int | None
    stack_measured_low_water: int | None = None
    stack_measured: int | None = None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d) -> "Sizes":
        _strict_fields(cls, d, "sizes")
        for k in ("flash", "ram_static", "stack"):
            if k not in d:
                raise Damaged(f"sizes.{k} is missing")
        for k, v in d.items():
            if v is not None:
                _check(v, int, f"sizes.{k}")
        return cls(**d)


@dataclass(frozen=True)
class Metrics:
    """The gate's metrics of the device's outputs against the float model (gate/metrics.py
    documents each); the classifier and label fields are None for a regressor or without labels."""

    rows: int | None = None
    max_abs_error: float | None = None
    mean_abs_error: float | None = None
    rmse: float | None = None
    l2r: float | None = None
    cosine: float | None = None
    nse: float | None = None
    worst: dict | None = None
    threshold: float | None = None
    flips: int | None = None
    flip_rate: float | None = None
    agreement: float | None = None
    flipped_rows: tuple | None = None
    accuracy: float | None = None
    reference_accuracy: float | None = None
    fn: tuple | None = None
    fp: tuple | None = None
    reference_fn: tuple | None = None
    reference_fp: tuple | None = None
    fn_change: tuple | None = None
    fp_change: tuple | None = None
    new_fn: tuple | None = None  # per class: positives the float model catches that the device misses
    new_fp: tuple | None = None  # per class: negatives the float model rejects that the device fires on
    binary: bool | None = None  # one sigmoid output (the safety default applies)
    label_mae: float | None = None  # Hasaki's figure: mean |output - label| of the device
    reference_label_mae: float | None = None  # the same for the float model

    _LISTS = ("flipped_rows", "fn", "fp", "reference_fn", "reference_fp", "fn_change", "fp_change", "new_fn", "new_fp")

    def as_dict(self) -> dict:
        """Only the metrics that apply (as gate/metrics.compare returns them)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = list(v) if f.name in self._LISTS else v
        return out

    @classmethod
    def from_dict(cls, d) -> "Metrics":
        _strict_fields(cls, d, "metrics")
        kw = {}
        for k, v in d.items():
            if v is None:
                continue
            if k in cls._LISTS:
                if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                    raise Damaged(f"metrics.{k} is not a list of integers")
                v = tuple(v)
            elif k == "worst":
                _check(v, dict, "metrics.worst")
            elif k == "binary":
                _check(v, bool, "metrics.binary")
            else:
                _check(v, NUM, f"metrics.{k}")
            kw[k] = v
        return cls(**kw)


@dataclass(frozen=True)
class Artefact:
    """A file an uploader may write, in the firmware's folder, and its sha256. ``address`` is
    where a raw BIN image starts (its file carries no addresses); None for ELF, HEX and UF2,
    which carry their own, and for images whose place only the uploader knows (ESP-IDF)."""

    name: str
    sha256: str
    address: int | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "address": self.address}

    @classmethod
    def from_dict(cls, d) -> "Artefact":
        _strict_fields(cls, d, "an artefact")
        if not isinstance(d.get("name"), str) or "/" in d["name"] or d["name"] in ("", ".", ".."):
            raise Damaged("an artefact's name is not a plain file name")
        _check_sha(d.get("sha256"), f"artefact {d['name']}: sha256")
        if d.get("address") is not None:
            _check(d["address"], int, f"artefact {d['name']}: address")
        return cls(**d)


def _check_sha(v, name: str) -> str:
    _check(v, str, name)
    if len(v) != 64 or any(c not in "0123456789abcdef" for c in v):
        raise Damaged(f"{name} is not a sha256")
    return v


@dataclass(frozen=True)
class ValidationRecord:
    """One ``test`` run of one firmware: the verdict and everything it is bound to and based on."""

    verdict: str  # PASSED or FAILED
    reasons: tuple[str, ...]  # failing first
    firmware_sha256: str
    variant_sha256: str
    model_sha256: str
    vectors_sha256: str
    vectors: str  # the CSV file the vectors came from, as given
    rows: int
    board: str
    target: str  # "emulator:avr", "serial:/dev/ttyUSB0", ...
    scheme: str
    layers: tuple[str, ...]
    thresholds: Thresholds
    metrics: Metrics
    error_histogram: dict | None
    host_reference_mismatches: int
    cycles: CycleSummary
    sizes: Sizes
    faults: tuple[dict, ...]
    link_retries: int
    tool_version: str
    time: str  # UTC, ISO 8601
    decision_threshold: float  # where a sigmoid output decides (the gate's --threshold)
    artefacts: tuple[Artefact, ...]  # every file an uploader may write, as validated
    place: str | None = None  # the labgrid place whose board was tested (--place), else None
    signature: dict | None = None  # HMAC-SHA256 over the rest (gate/signing.py), or None: unsigned

    @property
    def passed(self) -> bool:
        return self.verdict == "PASSED"

    @property
    def target_kind(self) -> str:
        """``emulator`` or ``serial``: the target without its port."""
        return self.target.split(":")[0]

    def as_dict(self) -> dict:
        """The record's JSON form (what is saved, without format and version, and what ``test --json`` prints)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if hasattr(v, "as_dict"):
                v = v.as_dict()
            elif f.name == "artefacts":
                v = [a.as_dict() for a in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, doc: dict) -> "ValidationRecord":
        """The record in ``doc`` (its JSON form); raises Damaged naming the first bad field."""
        _strict_fields(cls, doc, "the record")
        missing = [f.name for f in fields(cls) if f.name not in doc and f.name != "signature"]
        if missing:
            raise Damaged(f"missing: {', '.join(missing)}")
        if doc["verdict"] not in VERDICTS:
            raise Damaged(f"verdict {doc['verdict']!r} is neither PASSED nor FAILED")
        for k in ("firmware_sha256", "variant_sha256", "model_sha256", "vectors_sha256"):
            _check_sha(doc[k], k)
        _check(doc["decision_threshold"], NUM, "decision_threshold")
        if not isinstance(doc["artefacts"], list):
            raise Damaged("artefacts is not a list")
        if doc.get("signature") is not None:
            _check(doc["signature"], dict, "signature")
        for k in ("vectors", "board", "target", "scheme", "tool_version", "time"):
            _check(doc[k], str, k)
        for k in ("rows", "host_reference_mismatches", "link_retries"):
            _check(doc[k], int, k)
        for k in ("reasons", "layers"):
            if not isinstance(doc[k], list) or not all(isinstance(x, str) for x in doc[k]):
                raise Damaged(f"{k} is not a list of strings")
        if not isinstance(doc["faults"], list) or not all(isinstance(x, dict) for x in doc["faults"]):
            raise Damaged("faults is not a list of objects")
        if doc["error_histogram"] is not None:
            _check(doc["error_histogram"], dict, "error_histogram")
        return cls(
            **{
                **doc,
                "reasons": tuple(doc["reasons"]),
                "layers": tuple(doc["layers"]),
                "faults": tuple(doc["faults"]),
                "artefacts": tuple(Artefact.from_dict(a) for a in doc["artefacts"]),
                "thresholds": thresholds_from_dict(doc["thresholds"]),
                "metrics": Metrics.from_dict(doc["metrics"]),
                "cycles": CycleSummary.from_dict(doc["cycles"]),
                "sizes": Sizes.from_dict(doc["sizes"]),
            }
        )


def thresholds_from_dict(d) -> Thresholds:
    _strict_fields(Thresholds, d, "thresholds")
    for k, v in d.items():
        if v is not None:
            _check(v, int if k in ("max_new_fn", "max_new_fp") else NUM, f"thresholds.{k}")
    t = Thresholds(**d)
    try:
        t.check()
    except UserError as e:
        raise Damaged(f"thresholds: {e}") from None
    return t


def signed_part(rec: ValidationRecord) -> dict:
    """What a signature covers: the whole saved document (format and version too) but the signature."""
    body = rec.as_dict()
    del body["signature"]
    return {"format": FORMAT, "version": VERSION, **body}


def sign(rec: ValidationRecord, key: bytes | None) -> ValidationRecord:
    """``rec`` signed with ``key``; unchanged (unsigned) without a key."""
    return rec if key is None else replace(rec, signature=signing.signature(key, signed_part(rec)))


def signature_verifies(rec: ValidationRecord, key: bytes) -> bool:
    return signing.verifies(key, signed_part(rec), rec.signature)


def save(rec: ValidationRecord, path) -> None:
    docfile.write(path, {"format": FORMAT, "version": VERSION, **rec.as_dict()})


def load(path) -> ValidationRecord:
    """The record at ``path``; a UserError naming the file when it cannot be read completely."""
    doc = docfile.read(path, FORMAT, VERSION, "validation record")
    name = os.fspath(path)
    if doc["version"] < VERSION:
        raise UserError(
            f"{name} is a validation record of an older hasaki-hil (format {doc['version']}; this version "
            f"reads format {VERSION})",
            hint="re-run `hasaki-hil test` to write it again",
        )
    body = {k: v for k, v in doc.items() if k not in ("format", "version")}
    try:
        return ValidationRecord.from_dict(body)
    except Damaged as e:
        raise UserError(
            f"{name} is a damaged validation record ({e})", hint="re-run `hasaki-hil test` to write it again"
        ) from None


def from_result(result: dict) -> ValidationRecord:
    """The record inside a ``test`` result (its JSON form plus the command's ``record`` and ``passed``)."""
    return ValidationRecord.from_dict({k: v for k, v in result.items() if k not in ("record", "passed")})
