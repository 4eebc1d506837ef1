"""The driver-level bulk insert stores exactly what SQLAlchemy's own insert would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncer.ledger.bulk import insert_many
from syncer.ledger.connection import connect
from syncer.ledger.schema import intents


def _row(n: int, when: datetime) -> dict[str, Any]:
    return {
        "id": f"intent-{n}",
        "pipeline": "p",
        "run_id": "run",
        "side": "hubspot",
        "operation": "create",
        "source_id": None if n % 2 else f"src-{n}",
        "target_id": None,
        "unique_property": "email",
        "unique_value": f"Ünïcode-{n}@example.com",
        "state": "pending",
        "created_at": when,
    }


def test_bulk_rows_read_back_as_sqlalchemys_own(ledger_url: str) -> None:
    engine = connect(ledger_url)
    when = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    with engine.begin() as conn:
        insert_many(conn, intents, [_row(n, when) for n in range(3)])
        conn.execute(sa.insert(intents), [_row(n, when) for n in range(3, 6)])
    with engine.connect() as conn:
        stored = {r.id: r for r in conn.execute(sa.select(intents))}
    engine.dispose()
    assert len(stored) == 6
    for n in range(3):
        ours, theirs = stored[f"intent-{n}"], stored[f"intent-{n + 3}"]
        assert ours.created_at == theirs.created_at
        assert ours.source_id == (None if n % 2 else f"src-{n}")
        assert ours.unique_value == f"Ünïcode-{n}@example.com"
        assert (ours.state, ours.resolved_at) == ("pending", None)


def test_nothing_to_insert_sends_nothing(ledger_url: str) -> None:
    engine = connect(ledger_url)
    with engine.begin() as conn:
        insert_many(conn, intents, [])
        assert conn.execute(sa.select(sa.func.count()).select_from(intents)).scalar_one() == 0
    engine.dispose()
