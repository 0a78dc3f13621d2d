"""Signed validation records: an HMAC-SHA256 over a canonical encoding of the record.

Without a key a record is only checked for consistency (its verdict follows from its own
metrics and thresholds, its hashes match the files), which stops accidents and lazy edits but
not someone who rewrites a whole record by hand. With a key (a CI secret) only a process that
holds the key can make a record ``flash`` accepts. See docs/threat-model.md.

The key comes from ``HASAKI_HIL_RECORD_KEY`` (the secret itself) or from the file named by
``HASAKI_HIL_RECORD_KEY_FILE`` (its bytes, surrounding whitespace stripped).
"""

import hashlib
import hmac
import json
import os

from hasaki_hil.errors import UserError

ENV_KEY = "HASAKI_HIL_RECORD_KEY"
ENV_KEY_FILE = "HASAKI_HIL_RECORD_KEY_FILE"
ALGORITHM = "HMAC-SHA256"
MIN_KEY_BYTES = 16  # a short key can be guessed offline from one signed record


def key() -> bytes | None:
    """The record key from the environment, or None when none is set."""
    text = os.environ.get(ENV_KEY)
    path = os.environ.get(ENV_KEY_FILE)
    if text and path:
        raise UserError(f"both {ENV_KEY} and {ENV_KEY_FILE} are set", hint="set one of them")
    if path:
        try:
            with open(path, "rb") as f:
                raw = f.read().strip()
        except OSError as e:
            raise UserError(f"cannot read the record key file {path}: {e.strerror}") from None
    elif text:
        raw = text.strip().encode()
    else:
        return None
    if len(raw) < MIN_KEY_BYTES:
        raise UserError(
            f"the record key has {len(raw)} bytes; use at least {MIN_KEY_BYTES}",
            hint="for example: python3 -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return raw


def key_id(k: bytes) -> str:
    """A short public name of a key (so a record says which key signed it without revealing it)."""
    return hashlib.sha256(b"hasaki-hil key id\0" + k).hexdigest()[:16]


def canonical(doc: dict) -> bytes:
    """The bytes that are signed: sorted keys, no whitespace, ASCII only (one encoding per record)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def mac(k: bytes, doc: dict) -> str:
    return hmac.new(k, canonical(doc), hashlib.sha256).hexdigest()


def signature(k: bytes, doc: dict) -> dict:
    """The signature of ``doc`` (the record's JSON form with format and version, without a signature)."""
    return {"algorithm": ALGORITHM, "key_id": key_id(k), "mac": mac(k, doc)}


def verifies(k: bytes, doc: dict, sig: dict | None) -> bool:
    if not isinstance(sig, dict) or sig.get("algorithm") != ALGORITHM or not isinstance(sig.get("mac"), str):
        return False
    return hmac.compare_digest(sig["mac"], mac(k, doc))
