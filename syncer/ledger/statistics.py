"""Planner statistics for the ledger's links table during a bulk load (PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa


class Growth:
    """Counts links this process inserted; says when the count first passes 1,000, 2,000,
    4,000 ...: a log2(N) number of moments at which a bulk load should refresh statistics."""

    def __init__(self) -> None:
        self.inserted = 0
        self._next = 1000

    def doubled(self, added: int) -> bool:
        self.inserted += added
        if self.inserted < self._next:
            return False
        self._next = 2 * self.inserted
        return True


def refresh_statistics(conn: sa.Connection) -> None:
    """PostgreSQL plans the re-pointing DELETE and the link look-ups from table statistics; a
    table filled by this very run still looks empty to it (autovacuum analyses a minute later
    at best), and it scans every row for each 500-id list: 300 ms per statement at 20,000
    links, 5 minutes for a 100,000-contact migration. ANALYZE after the table doubled keeps
    the index plans (SQLite needs nothing: it plans from the indexes alone)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("ANALYZE links"))
