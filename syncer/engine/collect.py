"""Collect changed records from one side, since its cursor, up to the run's signpost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncer.connectors.base import Connector
from syncer.records import Cursor, Record


@dataclass(slots=True)
class Collected:
    records: dict[str, Record]  # by id; a record seen twice keeps its newest version
    cursor: Cursor | None  # where the next run may start once this one is committed
    pages: int
    full: bool  # every live record was listed (no cursor to start from)


def collect(connector: Connector, since: Cursor | None, until: datetime) -> Collected:
    records: dict[str, Record] = {}
    cursor = since
    pages = 0
    for page in connector.changes(since, until):
        pages += 1
        for record in page.records:
            keep_newest(records, record)
        if page.cursor is not None:
            cursor = page.cursor
    return Collected(records, cursor, pages, full=since is None)


def gone(record_id: str) -> Record:
    """A linked record a full listing did not show: gone, as far as the run can tell."""
    return Record(record_id, {}, archived=True)


def keep_newest(records: dict[str, Record], record: Record) -> None:
    """Add a record by id; one seen twice keeps its newest version."""
    known = records.get(record.id)
    if known is None or _newer(record, known):
        records[record.id] = record


def _newer(candidate: Record, known: Record) -> bool:
    if candidate.modified_at is None or known.modified_at is None:
        return True
    return candidate.modified_at >= known.modified_at
