"""HubSpot's records during a streamed first migration, kept on disk until a page claims them.

A first migration lists HubSpot whole before it pages through the external side (stream.py).
Held in memory, that listing would be the one thing still growing with the portal (~1 KB a
contact: a gigabyte at a million). It goes into a temporary SQLite file instead, indexed by
match key, and comes back a few records at a time: those holding a key an external page holds,
then the rest, in pages, ordered by key so that records sharing one meet in the same page.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncer.mapping.apply import FieldMap
from syncer.records import Record, Side

_SCHEMA = """
CREATE TABLE records (
    id TEXT PRIMARY KEY, key TEXT, carries_id INTEGER NOT NULL,
    modified INTEGER, archived INTEGER NOT NULL, properties TEXT NOT NULL
)"""
# A record listed twice keeps its newest version (as collect.keep_newest does).
_UPSERT = """
INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET key = excluded.key, carries_id = excluded.carries_id,
    modified = excluded.modified, archived = excluded.archived, properties = excluded.properties
WHERE excluded.modified IS NULL OR records.modified IS NULL OR excluded.modified >= records.modified
"""
_IN_LIST = 500  # keys per SELECT, well under SQLite's bound-parameter limit
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class HubSpotPool:
    def __init__(self, fieldmap: FieldMap, id_property: str) -> None:
        self._fieldmap = fieldmap
        self._id_property = id_property
        self._directory = tempfile.TemporaryDirectory(prefix="syncer-hubspot-pool-")
        self._db = sqlite3.connect(Path(self._directory.name) / "pool.db")
        # A scratch file: nothing to recover after a crash, so no journal and no fsync.
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self._indexed = False

    def add(self, records: Iterable[Record]) -> None:
        self._db.executemany(_UPSERT, (self._row(r) for r in records))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def carries_ids(self) -> bool:
        """Whether any record names its external twin by id (then the run is not streamed)."""
        return (
            self._db.execute("SELECT 1 FROM records WHERE carries_id LIMIT 1").fetchone()
            is not None
        )

    def records(self) -> dict[str, Record]:
        """Every record, in memory: for a run that lists both sides whole after all."""
        return {r.id: r for r in self._select("SELECT * FROM records", ())}

    def claim(self, page: Iterable[Record]) -> list[Record]:
        """Remove and return every record holding a key one of the page's records holds."""
        if not self._indexed:
            self._db.execute("CREATE INDEX by_key ON records (key)")
            self._indexed = True
        keys = sorted({k for r in page if (k := self._key(r, Side.EXTERNAL)) is not None})
        claimed: list[Record] = []
        for start in range(0, len(keys), _IN_LIST):
            part = keys[start : start + _IN_LIST]
            marks = ", ".join("?" * len(part))
            claimed += self._select(f"SELECT * FROM records WHERE key IN ({marks})", part)
            self._db.execute(f"DELETE FROM records WHERE key IN ({marks})", part)
        return claimed

    def rest(self, size: int) -> Iterator[list[Record]]:
        """The records no page claimed, `size` at a time, by key then id."""
        cursor = self._db.execute(
            "SELECT * FROM records ORDER BY key, length(id), id"  # numeric ids in numeric order
        )
        while rows := cursor.fetchmany(size):
            yield [_record(row) for row in rows]

    def close(self) -> None:
        self._db.close()
        self._directory.cleanup()

    def _select(self, query: str, parameters: Sequence[str]) -> list[Record]:
        return [_record(row) for row in self._db.execute(query, parameters)]

    def _row(self, record: Record) -> tuple[Any, ...]:
        carried = record.properties.get(self._id_property)
        modified = (record.modified_at - _EPOCH) // _US if record.modified_at else None  # epoch µs
        return (
            record.id,
            self._key(record, Side.HUBSPOT),
            carried not in (None, ""),
            modified,
            record.archived,
            json.dumps(dict(record.properties), separators=(",", ":")),
        )

    def _key(self, record: Record, side: Side) -> str | None:
        try:
            return self._fieldmap.match_key(record, side)
        except ValueError:
            return None  # unreadable: the matcher rejects it with the reason


def _record(row: tuple[Any, ...]) -> Record:
    record_id, _, _, modified, archived, properties = row
    stamp = _EPOCH + modified * _US if modified is not None else None
    return Record(record_id, json.loads(properties), stamp, bool(archived))
