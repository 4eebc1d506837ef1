"""The quarantine's values: a refused record on its way in, an open entry, an operator's
selection of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncer.records import Side

# -- quarantine ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a side refused, on its way into the quarantine."""

    source_side: Side
    record_id: str
    operation: str
    category: str
    message: str
    property: str | None = None
    fingerprint: str | None = None  # of the refused source version; None: it is always retried


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """An open quarantine entry: a refused record, why, and when it is tried again."""

    id: int
    pipeline: str
    source_side: Side
    record_id: str
    operation: str
    category: str
    message: str
    property: str | None
    attempts: int
    first_seen: datetime
    last_seen: datetime
    next_retry_at: datetime
    state: str  # open | discarded
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class QuarantineSelector:
    """Which quarantine entries an operator means (`syncer errors --pipeline --id --code`);
    a None criterion selects every entry."""

    pipeline: str | None = None
    record_id: str | None = None
    code: str | None = None  # the side's own word for the refusal, as `errors` lists it

    def with_pipeline(self, pipeline: str) -> QuarantineSelector:
        return QuarantineSelector(pipeline, self.record_id, self.code)
