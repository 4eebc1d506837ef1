"""New links: a link naming a record another link already names replaces it (re-pointing);
new links naming no linked record are inserted without the two re-pointing DELETEs (a first
migration's 100,000 links paid 200 of them for nothing). On SQLite and PostgreSQL ledgers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.records import Cursor


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    opened = Ledger.open(ledger_url)
    yield opened
    opened.close()


def _new(hub: str, ext: str, key: str | None = None) -> Link:
    return Link(None, hub, ext, key, {"email": "h"})


def _commit(ledger: Ledger, *links: Link, cursor: str | None = None) -> None:
    epoch = ledger.acquire_lease("p", "test:1", timedelta(seconds=60))
    cursors = {"external": Cursor(cursor)} if cursor else {}
    ledger.commit("p", epoch, Commit(links=list(links), cursors=cursors), "run")
    ledger.release_lease("p", epoch)


def _pairs(ledger: Ledger) -> set[tuple[str, str]]:
    return set(ledger.linked_ids("p"))


def _deletes_during(ledger: Ledger, action: Any) -> list[str]:
    seen: list[str] = []

    def spy(*args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("DELETE") and "links" in statement:
            seen.append(statement)

    engine = ledger._engine
    sa.event.listen(engine, "before_cursor_execute", spy)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", spy)
    return seen


def test_links_naming_no_linked_record_are_inserted_without_deletes(ledger: Ledger) -> None:
    _commit(ledger, _new("h0", "e0"))
    links = [_new(f"h{n}", f"e{n}") for n in range(1, 1200)]
    assert _deletes_during(ledger, lambda: _commit(ledger, *links)) == []
    assert _pairs(ledger) == {(f"h{n}", f"e{n}") for n in range(1200)}


def test_a_new_link_replaces_the_links_naming_either_of_its_records(ledger: Ledger) -> None:
    _commit(ledger, _new("h1", "e1"), _new("h2", "e2"), _new("h3", "e3"))
    # h1 now pairs with e2 (both re-pointed); h4/e4 is new, alongside in the same commit.
    _commit(ledger, _new("h1", "e2"), _new("h4", "e4"), cursor="c1")
    assert _pairs(ledger) == {("h1", "e2"), ("h3", "e3"), ("h4", "e4")}
    # The rest of the transaction stands: the cursor committed with the re-pointing links.
    assert ledger.cursor("p", "external") == Cursor("c1")


def test_a_batch_that_repoints_after_a_clean_one_still_repoints(ledger: Ledger) -> None:
    _commit(ledger, *[_new(f"h{n}", f"e{n}") for n in range(600)])
    # The re-pointing link comes last: the rows before it, inserted, are taken back first.
    _commit(ledger, *[_new(f"h{n}", f"e{n}") for n in range(600, 900)], _new("h1000", "e5"))
    pairs = _pairs(ledger)
    assert ("h1000", "e5") in pairs and ("h5", "e5") not in pairs
    assert len(pairs) == 900
