"""Stable hashes of canonical values: what the ledger keeps instead of the values themselves."""

from __future__ import annotations

import hashlib

_NONE = "\x00none"


def value_hash(text: str | None) -> str:
    """A short, stable hash of one canonical value; None has its own hash."""
    data = (_NONE if text is None else "v:" + text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=10).hexdigest()
