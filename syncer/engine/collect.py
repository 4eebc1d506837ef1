"""Collect changed records from one side, since its cursor, up to the run's signpost."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from syncer.connectors.base import Connector
from syncer.errors import RunStopped
from syncer.records import ChangePage, Cursor, Record


@dataclass(slots=True)
class Collected:
    records: dict[str, Record]  # by id; a record seen twice keeps its newest version
    cursor: Cursor | None  # where the next run may start once this one is committed
    pages: int
    full: bool  # every live record was listed (no cursor to start from)


def collect(
    connector: Connector,
    since: Cursor | None,
    until: datetime,
    stop: threading.Event | None = None,
) -> Collected:
    records: dict[str, Record] = {}
    cursor = since
    pages = 0
    for page in until_stopped(connector.changes(since, until), stop):
        pages += 1
        for record in page.records:
            keep_newest(records, record)
        if page.cursor is not None:
            cursor = page.cursor
    return Collected(records, cursor, pages, full=since is None)


def until_stopped(
    pages: Iterable[ChangePage], stop: threading.Event | None
) -> Iterator[ChangePage]:
    """A listing that ends the run when a stop is asked for (Ctrl-C, SIGTERM) between two of
    its pages: listing writes nothing, so there is no chunk boundary to wait for, and a long
    listing would keep the operator waiting for minutes."""
    for page in pages:
        if stop is not None and stop.is_set():
            raise RunStopped("stopped while listing, before anything was written")
        yield page


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
