"""A link as the ledger keeps it: the pair's ids, its match key in the ledger's form (in clear
or a keyed hash), per-field base hashes and per-side version stamps.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from syncer.records import Side

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NONE = "\x00none"
# Text shaped like an email, as a side's refusal may quote it: redacted when keys are hashed.
_EMAIL = re.compile(r"[^\s'\"<>()\[\],;:]+@[^\s'\"<>()\[\],;:]+")


# -- base hashes: what a link keeps instead of the values themselves -------------------------


def _hash(data: str) -> str:
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


_NONE_HASH = _hash(_NONE)  # the commonest value of all (an unset field): hashed once


def value_hash(text: str | None) -> str:
    """A short, stable hash of one canonical value; None has its own hash."""
    if text is None:
        return _NONE_HASH
    return _hash("v:" + text)


# -- match keys at rest ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchKeyForm:
    """How the ledger keeps match keys (emails, unique ids) in links and intents: in clear, or
    as a keyed hash (HMAC-SHA256 under a secret of the operator's) for those who must not keep
    emails at rest. A hash is looked up by hashing the key asked for, so the ledger can still
    answer "which link holds this key"; it can no longer say what the key was."""

    secret: bytes | None = None  # None: in clear

    @property
    def hashed(self) -> bool:
        return self.secret is not None

    def stored(self, key: str | None) -> str | None:
        """`key` as the ledger keeps it."""
        if key is None or self.secret is None:
            return key
        return hmac.digest(self.secret, key.encode("utf-8", "surrogatepass"), "sha256").hex()

    def shown(self, key: str | None) -> str:
        """`key` as a message may quote it: in clear, or when hashed the start of its keyed
        hash (an operator with the secret can compute it from a suspected email)."""
        if key is None or self.secret is None:
            return repr(key)
        return f"<match key hash {str(self.stored(key))[:12]}...>"

    def redact(self, text: str, keys: Iterable[str | None] = ()) -> str:
        """`text` (a refusal's message) with every one of `keys` and every email in it shown
        as its hash, when keys are hashed: such a ledger quotes no key at rest."""
        if self.secret is None:
            return text
        for key in sorted({k for k in keys if k}, key=len, reverse=True):
            # A function as the replacement: a hash is inserted as is, never read as a pattern.
            text = re.compile(re.escape(key), re.IGNORECASE).sub(
                functools.partial(_constant, self.shown(key)), text
            )
        return _EMAIL.sub(lambda m: self.shown(m.group().strip().lower()), text)

    def check(self) -> str:
        """What the ledger remembers of its form: "clear", or a hash of a fixed text under the
        secret, so a ledger opened with another secret is refused rather than silently unable
        to find its own keys."""
        return "clear" if self.secret is None else "hmac-sha256:" + str(self.stored("syncer"))[:16]


CLEAR_KEYS = MatchKeyForm()


def _constant(text: str, _match: re.Match[str]) -> str:
    return text


# -- links -----------------------------------------------------------------------------------


def version_stamp(modified_at: datetime | None) -> int | None:
    """A source-native modification time as exact epoch microseconds (an integer round-trips
    on every backend; a timestamp loses its zone on SQLite). A naive time is read as UTC: it
    is only ever compared with stamps of the same source, converted the same way."""
    if modified_at is None:
        return None
    if modified_at.tzinfo is None:
        modified_at = modified_at.replace(tzinfo=UTC)
    return (modified_at - _EPOCH) // _MICROSECOND


def newest_stamp(seen: int | None, modified_at: datetime | None) -> int | None:
    """What a link remembers for a side after settling a version read at `modified_at`."""
    stamp = version_stamp(modified_at)
    if seen is None or stamp is None:
        return stamp if seen is None else seen
    return max(seen, stamp)


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Link:
    """The ledger's memory of one pair: ids, match key and per-field base hashes.

    Besides those, a link remembers, per side, how new the version it was last settled with
    was, on that source's own clock (a lagging search can serve an older version after a newer
    one was read by id; see `is_stale`). Which sides' times order their versions, so that the
    rule applies, each connector declares (`Capabilities.ordered_versions`).
    """

    id: int | None
    hubspot_id: str
    external_id: str
    match_key: str | None  # as the ledger keeps it (MatchKeyForm.stored): hashed if it hashes
    base: dict[str, str]
    archived_on: str | None = None  # the side(s) whose record is archived: hubspot|external|both
    # Per side, the version_stamp of the newest version the pair was settled with; None when
    # unknown (a record with no modification time, a link written before they were kept).
    hubspot_seen_us: int | None = None
    external_seen_us: int | None = None

    def id_on(self, side: Side) -> str:
        return self.hubspot_id if side is Side.HUBSPOT else self.external_id

    def seen_on(self, side: Side) -> int | None:
        return self.hubspot_seen_us if side is Side.HUBSPOT else self.external_seen_us

    def is_stale(self, side: Side, modified_at: datetime | None) -> bool:
        """A version of this side's record strictly older than one already settled: a lagging
        read, not an edit. Equal is not stale (a re-read of the same version is an echo)."""
        seen, stamp = self.seen_on(side), version_stamp(modified_at)
        return seen is not None and stamp is not None and stamp < seen
