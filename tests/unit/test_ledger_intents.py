"""Intents resolved by a commit: an applied one is deleted (its create is the link now, and
the ledger keeps no key it no longer needs); a failed one is kept, marked failed; neither is
pending any more. On SQLite and PostgreSQL ledgers."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from syncer.ledger.schema import intents
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, new_intent
from syncer.records import Side


def test_applied_intents_are_deleted_failed_ones_kept(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        made = [
            new_intent(Side.HUBSPOT, "create", source_id=f"e{n}", unique_property="email",
                       unique_value=f"p{n}@example.com")
            for n in range(5)
        ]  # fmt: skip
        ledger.record_intents("p", "run", made)
        epoch = ledger.acquire_lease("p", "test:1", timedelta(seconds=60))
        applied, failed = [i.id for i in made[:3]], [made[3].id]
        commit = Commit(intents_applied=applied, intents_failed=failed)
        ledger.commit("p", epoch, commit, "run")
        assert [i.id for i in ledger.pending_intents("p")] == [made[4].id]
        with ledger._engine.connect() as conn:
            states = Counter(s for (s,) in conn.execute(sa.select(intents.c.state)))
        assert states == {"failed": 1, "pending": 1}
    finally:
        ledger.close()
