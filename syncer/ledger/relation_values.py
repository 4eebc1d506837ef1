"""Relations in the ledger: references waiting for their target to link, and the agreed edges of
association fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncer.records import Side

# -- relations: pending references, agreed edges ------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingRef:
    """A reference that could not be resolved yet: record `record_id` of `side` points, through
    association field `field`, at `target_id` (that side's id of a record of `to_pipeline`),
    which is not linked. Completed (the record revisited) once the target links."""

    side: Side
    record_id: str
    field: str
    to_pipeline: str
    target_id: str


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """A pending reference as `status` shows it: since when, and whether its target is known
    nowhere (`dangling`: the pipeline pointed at has run since and never linked it)."""

    ref: PendingRef
    first_seen: datetime
    dangling: bool = False


@dataclass(frozen=True, slots=True)
class EdgeSet:
    """The agreed targets (external keys of `to_pipeline`'s records) of one record's association
    field, written with the link's base: from_key is the record's external key."""

    field: str
    to_pipeline: str
    from_key: str
    to_keys: tuple[str, ...]
