"""One side's listing, kept on disk until the pages of the other side claim its records.

A run that pages through one side (stream.py) lists the other whole first. Held in memory, that
listing would be the one thing still growing with the CRM (~1 KB a contact: a gigabyte at a
million). It goes into a temporary SQLite file instead, and comes back a few records at a time:

- a record naming a live record of the other side by id (HubSpot's external id property) is
  reserved for it: it waits for the page that holds that record, and until then both records'
  keys are held, as a whole run holds the keys of a pair made by id;
- a linked record waits for the page that holds its twin, claimed by id;
- any other record comes back with the first page holding its match key;
- the records no page claimed come back last, in pages ordered by key, so that records sharing
  one meet in the same page.

A record's properties are kept pickled: the external side's values are datetimes, dates,
decimals or bytes as often as text, and come back as they were listed. The file holds customer
data: its folder is its owner's only (0700) and so is the file (0600), so what is read back is
what this process wrote.
The folder's name carries the process id, so that a spool a killed process left behind is
recognised and removed when the next spool is opened.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncer.batches import chunks
from syncer.ledger.values import version_stamp
from syncer.mapping.apply import FieldMap
from syncer.private_files import create_owner_only
from syncer.records import Record, Side

_SCHEMA = """
CREATE TABLE records (
    id TEXT PRIMARY KEY, key TEXT, carried TEXT, modified INTEGER, archived INTEGER NOT NULL,
    properties BLOB NOT NULL, reserved INTEGER NOT NULL DEFAULT 0,
    linked INTEGER NOT NULL DEFAULT 0, claimed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE held (key TEXT NOT NULL, spooled_id TEXT NOT NULL, holder TEXT NOT NULL);
CREATE TABLE seen (id TEXT PRIMARY KEY);  -- the other side's ids the pages listed
"""
# A record listed twice keeps its newest version (as collect.keep_newest does).
_UPSERT = """
INSERT INTO records (id, key, carried, modified, archived, properties) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET key = excluded.key, carried = excluded.carried,
    modified = excluded.modified, archived = excluded.archived, properties = excluded.properties
WHERE excluded.modified IS NULL OR records.modified IS NULL OR excluded.modified >= records.modified
"""
_INSERT_MISSING = """
INSERT OR IGNORE INTO records (id, key, carried, modified, archived, properties)
VALUES (?, ?, ?, ?, ?, ?)
"""
_COLUMNS = "id, modified, archived, properties"
_IN_LIST = 500  # values per statement, well under SQLite's bound-parameter limit
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_PREFIX = "syncer-spool-"
_SPOOL_FOLDER = re.compile(rf"^{_PREFIX}(\d+)-")


class Spool:
    """The records of `side`; `carried_id_property` is the property in which they name their
    twin on the other side by id (None: they do not)."""

    def __init__(self, fieldmap: FieldMap, side: Side, carried_id_property: str | None) -> None:
        self._fieldmap = fieldmap
        self._side = side
        self._id_property = carried_id_property
        remove_stale_spools(Path(tempfile.gettempdir()))
        # mkdtemp makes the folder 0700; the file inside is created 0600.
        prefix = f"{_PREFIX}{os.getpid()}-{side.value}-"
        self._directory = tempfile.TemporaryDirectory(prefix=prefix)
        path = Path(self._directory.name) / "spool.db"
        create_owner_only(path)
        self._db = sqlite3.connect(path)
        # A scratch file: nothing to recover after a crash, so no journal and no fsync.
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self._indexed = False
        self._holds = False  # whether any key is held (most migrations have no reservation)

    def add(self, records: Iterable[Record]) -> None:
        self._db.executemany(_UPSERT, (self._row(r) for r in records))

    def add_missing(self, records: Iterable[Record]) -> None:
        """Add the records whose id the listing does not hold; a listed version stands."""
        self._db.executemany(_INSERT_MISSING, (self._row(r) for r in records))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def ids(self, size: int) -> Iterator[list[str]]:
        """Every record's id, `size` at a time."""
        cursor = self._db.execute("SELECT id FROM records ORDER BY id")
        while rows := cursor.fetchmany(size):
            yield [row[0] for row in rows]

    def mark_linked(self, ids: Iterable[str]) -> None:
        """These records are linked: they wait for their twin's page, never claimed by key."""
        self._db.executemany("UPDATE records SET linked = 1 WHERE id = ?", ((i,) for i in ids))

    def listed(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids the listing held (claimed since or not)."""
        return self._known("SELECT id FROM records WHERE id IN ({})", ids)

    def note_seen(self, other_ids: Iterable[str]) -> None:
        """These records of the other side were listed by a page."""
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((i,) for i in other_ids))

    def seen(self, other_ids: Iterable[str]) -> set[str]:
        """Which of these ids of the other side a page listed."""
        return self._known("SELECT id FROM seen WHERE id IN ({})", other_ids)

    def carried_ids(self, size: int) -> Iterator[list[str]]:
        """The other side's ids the unlinked records name, `size` at a time."""
        query = (
            "SELECT DISTINCT carried FROM records WHERE carried IS NOT NULL AND NOT linked"
            " ORDER BY carried"
        )
        cursor = self._db.execute(query)
        while rows := cursor.fetchmany(size):
            yield [row[0] for row in rows]

    def reserve(self, twins: Iterable[Record]) -> None:
        """Reserve the records naming these live records of the other side for them; hold both
        keys."""
        self._index()
        side, other = self._side, self._side.other
        for twin in twins:
            query = "SELECT id, key FROM records WHERE carried = ? AND NOT linked"
            named = self._db.execute(query, (twin.id,))
            for own_id, own_key in named.fetchall():
                holder = (
                    f"{side.value} record {own_id}, paired with {other.value} {twin.id} by its id"
                )
                for key in (own_key, readable_key(self._fieldmap, twin, other)):
                    if key is not None:
                        row = (key, own_id, holder)
                        self._db.execute("INSERT INTO held VALUES (?, ?, ?)", row)
                        self._holds = True
            self._db.execute(
                "UPDATE records SET reserved = 1 WHERE carried = ? AND NOT linked", (twin.id,)
            )

    def held(self, records: Sequence[Record], side: Side) -> dict[str, str]:
        """Which of these records' keys a reserved pair holds, and who holds it; not the keys
        a record holds for itself (its twin may be gone since it was reserved)."""
        if not self._holds:
            return {}
        keys = sorted({k for r in records if (k := readable_key(self._fieldmap, r, side))})
        own = {r.id for r in records} if side is self._side else set()
        found: dict[str, str] = {}
        for part in _parts(keys):
            query = f"SELECT key, spooled_id, holder FROM held WHERE key IN ({_marks(part)})"
            rows = self._db.execute(query, part).fetchall()
            found.update((key, holder) for key, spooled, holder in rows if spooled not in own)
        return found

    def claim(self, page: Sequence[Record]) -> list[Record]:
        """Claim the records reserved for the page's records, and the free ones (neither
        reserved nor linked) holding a key one of the page's records holds."""
        self._index()
        if self._db.execute("SELECT 1 FROM records WHERE NOT claimed LIMIT 1").fetchone() is None:
            return []  # all claimed, or HubSpot was empty
        other = self._side.other
        keys = sorted({k for r in page if (k := readable_key(self._fieldmap, r, other))})
        claimed = self._take("carried IN ({}) AND reserved", sorted({r.id for r in page}))
        return claimed + self._take("key IN ({}) AND NOT reserved AND NOT linked", keys)

    def claim_ids(self, ids: Iterable[str]) -> list[Record]:
        """Claim these records (the twins of a page's linked records) if not claimed yet."""
        return self._take("id IN ({})", sorted(set(ids)))

    def rest(self, size: int) -> Iterator[list[Record]]:
        """The records no page claimed, `size` at a time, by key then id."""
        query = (  # numeric ids in numeric order
            f"SELECT {_COLUMNS} FROM records WHERE NOT claimed ORDER BY key, length(id), id"
        )
        cursor = self._db.execute(query)
        while rows := cursor.fetchmany(size):
            yield [_record(row) for row in rows]

    def close(self) -> None:
        """Drop the file; closing twice is harmless."""
        self._db.close()
        self._directory.cleanup()

    def _take(self, condition: str, values: list[str]) -> list[Record]:
        taken: list[Record] = []
        for part in _parts(values):
            where = f"NOT claimed AND {condition.format(_marks(part))}"
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM records WHERE {where}", part)
            taken += [_record(row) for row in rows.fetchall()]
            self._db.execute(f"UPDATE records SET claimed = 1 WHERE {where}", part)
        return taken

    def _known(self, query: str, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for part in _parts(sorted(set(ids))):
            found.update(row[0] for row in self._db.execute(query.format(_marks(part)), part))
        return found

    def _index(self) -> None:
        if not self._indexed:  # after the bulk load: cheaper than maintaining it row by row
            self._db.execute("CREATE INDEX by_key ON records (key)")
            self._db.execute("CREATE INDEX by_carried ON records (carried)")
            self._indexed = True

    def _row(self, record: Record) -> tuple[Any, ...]:
        carried = record.properties.get(self._id_property) if self._id_property else None
        return (
            record.id,
            readable_key(self._fieldmap, record, self._side),
            str(carried) if carried not in (None, "") else None,
            version_stamp(record.modified_at),  # exact epoch microseconds
            record.archived,
            pickle.dumps(dict(record.properties), pickle.HIGHEST_PROTOCOL),
        )


def remove_stale_spools(directory: Path) -> list[Path]:
    """Remove the spool folders in `directory` whose process is gone (a SIGKILL or a power cut
    skips the cleanup); the folders removed."""
    removed = []
    for folder in directory.glob(f"{_PREFIX}*"):
        named = _SPOOL_FOLDER.match(folder.name)
        if named and folder.is_dir() and not _alive(int(named.group(1))):
            shutil.rmtree(folder, ignore_errors=True)  # another process may be removing it too
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def readable_key(fieldmap: FieldMap, record: Record, side: Side) -> str | None:
    """The record's match key; None when it has none or it cannot be read (the matcher then
    rejects the record with the reason)."""
    try:
        return fieldmap.match_key(record, side)
    except ValueError:
        return None


def _parts(values: list[str]) -> Iterable[Sequence[str]]:
    return chunks(values, _IN_LIST)


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


def _record(row: tuple[Any, ...]) -> Record:
    record_id, modified, archived, properties = row
    stamp = _EPOCH + modified * _US if modified is not None else None
    # Only what this process wrote comes back: the file is its owner's alone (see above).
    return Record(record_id, pickle.loads(properties), stamp, bool(archived))
