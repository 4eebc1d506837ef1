"""Scenarios T19-T24: incremental windows, clocks and ordering.

The real engine runs between the HubSpot sandbox (on loopback) and a legacy CRM table in a real
database. Every scenario checks what a user would: both sides' values, how many writes the
sandbox counted, and the ledger's link rows. T20's HubSpot half (25,000 contacts in one
millisecond) is `tests/connectors/test_hubspot_ties_25k.py`; here is its SQL half.

Databases: SQLite for what does not depend on a server; T21's clock skew against the SQL
server needs a server with its own clock (PostgreSQL, MariaDB), and its long transaction needs
PostgreSQL, the one dialect whose open transactions syncer can see (`sql/horizon.py`).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.records import ChangePage, Side
from tests.faults.windows_harness import (
    Hooked,
    catch_up,
    db_now,
    migrated,
    pipeline_settings,
    rig,
)

SQLITE = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


@SQLITE
def test_t19_modified_during_window_is_picked_up_next_run(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T19: a record edited after its page was read and before the run committed its cursors
    is not lost: the cursor is the run's signpost (or what it read), never the time of the
    commit, so the next run reads the edit. Both sides: a SQL row and a HubSpot contact are
    edited while the run is writing, and time passes before it commits. No overlap: only the
    cursor's position can save the edits."""
    with rig(tmp_path, sql_url, unique_name) as r:
        r.pipeline = pipeline_settings(r.table.name, overlap_seconds=0)
        migrated(r)
        r.sql_edit("s1@legacy.test", first_name="Before")
        r.tick()

        def edit_both() -> None:  # stamped at the run's signpost, then the run goes on
            r.sql_edit("s1@legacy.test", first_name="During")
            r.hub_edit("h1@example.com", lastname="During")
            r.tick()

        connectors = r.connectors()
        hooked = Hooked(connectors[Side.HUBSPOT], before_write=edit_both)
        first = r.run(connectors={Side.HUBSPOT: hooked, Side.EXTERNAL: connectors[Side.EXTERNAL]})
        assert hooked.before_write is None, "the hook never ran: nothing was written"
        assert first.updated == {"hubspot": 1, "external": 0}
        assert r.hub_contacts()["s1@legacy.test"]["firstname"] == "Before"

        r.tick()
        second = r.run()
        assert second.updated == {"hubspot": 1, "external": 1}
        assert r.hub_contacts()["s1@legacy.test"]["firstname"] == "During"
        assert r.sql_rows()["h1@example.com"]["last_name"] == "During"

        r.tick()
        before = r.hub_writes()
        assert r.run().writes == 0 and r.hub_writes() == before


@SQLITE
def test_t20_equal_timestamp_flood_on_sql_is_read_once_without_looping(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T20, SQL side: 2,500 rows sharing one updated_at, read 100 a page, so every page boundary
    splits the tie. Each row reaches HubSpot exactly once, the read takes one query per page
    (it ends), and the next run re-reads the tie as echoes and writes nothing."""
    count, page = 2_500, 100
    with rig(tmp_path, sql_url, unique_name, sql_batch_size=page) as r:
        migrated(r)
        flood = r.world.now()
        r.sql_insert(
            [
                {"email": f"tie{n}@legacy.test", "first_name": f"T{n}", "last_name": "Tie"}
                for n in range(count)
            ],
            stamp=flood,
        )
        r.tick()
        connectors = r.connectors()
        sql = connectors[Side.EXTERNAL]
        report = r.run(connectors=connectors)
        assert report.created == {"hubspot": count, "external": 0}
        hub = r.hub_contacts()
        assert sum(1 for e in hub if e.startswith("tie")) == count
        assert {hub[f"tie{n}@legacy.test"]["firstname"] for n in (0, 99, 100, 2_499)} == {
            "T0",
            "T99",
            "T100",
            "T2499",
        }
        reads = sql.counter.by_kind.get("select", 0)
        assert reads <= math.ceil(count / page) + 3, f"{reads} SELECTs for {count} rows"

        r.tick()
        before = r.hub_writes()
        again = r.run()
        assert again.collected["external"] >= count  # the tie is inside the overlap: re-read
        assert again.writes == 0 and r.hub_writes() == before


@SQLITE
def test_t22_search_index_lag_is_caught_by_the_overlap_without_double_apply(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T22: HubSpot search shows an edit only 30 s after it happened. The run right after the
    edit cannot see it; the next run's overlap (60 s) reads it and applies it once, while the
    edit it had already applied, re-read in the same overlap, writes nothing."""
    with rig(tmp_path, sql_url, unique_name, search_lag_ms=30_000) as r:
        migrated(r, hub=("h1@example.com", "h2@example.com"))
        r.hub_edit("h1@example.com", firstname="Early")
        r.tick(31)  # h1's edit is now searchable
        r.hub_edit("h2@example.com", firstname="Hidden")
        r.tick()
        first = r.run()
        assert first.updated == {"hubspot": 0, "external": 1}
        rows = r.sql_rows()
        assert rows["h1@example.com"]["first_name"] == "Early"
        assert rows["h2@example.com"]["first_name"] == "Hub", "search should not show it yet"

        r.tick(30)  # past the lag, within the overlap
        second = r.run()
        assert second.collected["hubspot"] >= 2  # h1 re-read (overlap) and h2 now visible
        assert second.updated == {"hubspot": 0, "external": 1}
        assert r.sql_rows()["h2@example.com"]["first_name"] == "Hidden"

        r.tick()
        before = r.hub_writes()
        assert r.run().writes == 0 and r.hub_writes() == before


@SQLITE
def test_t23_stale_version_from_lagging_search_does_not_regress(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T23 across runs: after V1 was synced, the contact is edited to V2, and the lagging
    search still serves V1 (an older version, delivered after a newer one exists). V1 equals
    what both sides agreed on, so it is an echo: nothing is written back, nothing regresses;
    once V2 is searchable it is applied."""
    with rig(tmp_path, sql_url, unique_name, search_lag_ms=10_000) as r:
        migrated(r)
        r.hub_edit("h1@example.com", firstname="V1")
        r.tick(11)
        assert r.run().updated == {"hubspot": 0, "external": 1}
        r.hub_edit("h1@example.com", firstname="V2")
        r.tick()
        stale = r.run()
        assert stale.collected["hubspot"] >= 1  # V1 was delivered again, stale
        assert stale.writes == 0
        assert r.sql_rows()["h1@example.com"]["first_name"] == "V1"
        r.tick(11)
        assert r.run().updated == {"hubspot": 0, "external": 1}
        assert r.sql_rows()["h1@example.com"]["first_name"] == "V2"


@SQLITE
def test_t23_replayed_older_page_in_one_run_does_not_regress(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T23 within a run: a page read in an earlier run (V1) is delivered again after the page
    holding V2, as a retried request could. The run keeps the newer version by modified time:
    V2 reaches the other side, and the following run writes nothing."""
    with rig(tmp_path, sql_url, unique_name) as r:
        migrated(r)
        r.hub_edit("h1@example.com", firstname="V1")
        r.tick()
        connectors = r.connectors()
        recorder = Hooked(connectors[Side.HUBSPOT])
        assert r.run(connectors={**connectors, Side.HUBSPOT: recorder}).writes == 1
        old = [
            rec
            for p in recorder.pages
            for rec in p.records
            if rec.properties["email"] == "h1@example.com"
        ]
        assert [rec.properties["firstname"] for rec in old] == ["V1"]
        old_pages = [ChangePage(old, None)]

        r.hub_edit("h1@example.com", firstname="V2")
        r.tick()
        connectors = r.connectors()
        replay = Hooked(connectors[Side.HUBSPOT], extra_pages=old_pages)
        report = r.run(connectors={**connectors, Side.HUBSPOT: replay})
        assert report.updated == {"hubspot": 0, "external": 1}
        assert r.sql_rows()["h1@example.com"]["first_name"] == "V2"
        r.tick()
        assert r.run().writes == 0
        assert r.sql_rows()["h1@example.com"]["first_name"] == "V2"


@SQLITE
def test_t24_boundary_resend_makes_no_write_and_leaves_the_ledger(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T24: with no overlap, each side is re-read from exactly its cursor (`>=`), so the last
    record of the previous run comes back. It is recognised as already synced: 0 writes on
    either side and every link row (hashes, timestamps) unchanged."""
    with rig(tmp_path, sql_url, unique_name) as r:
        r.pipeline = pipeline_settings(r.table.name, overlap_seconds=0)
        migrated(r)
        r.sql_edit("s1@legacy.test", last_name="Last")
        r.hub_edit("h1@example.com", lastname="Last")
        assert r.run().updated == {"hubspot": 1, "external": 1}
        links, intents, writes = r.links(), r.intents(), r.hub_writes()

        r.tick()
        resend = r.run()
        assert resend.collected["external"] >= 1, "the boundary row was not re-read"
        assert resend.collected["hubspot"] >= 1, "the boundary contact was not re-read"
        assert resend.writes == 0 and r.hub_writes() == writes
        assert r.links() == links and r.intents() == intents


# -- T21: clock skew and long transactions ---------------------------------------------------

SKEW = timedelta(minutes=10)


@pytest.mark.parametrize("sql_url", ["sqlite", "postgres"], indirect=True)
def test_t21_daemon_clock_behind_the_crms_delays_but_loses_nothing(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T21, daemon 10 min behind both CRMs: edits carry times the daemon reaches only 10 min
    later. They are not read before (nothing is read past the daemon's clock), and once the
    daemon's clock passes them they are all applied, once."""
    with rig(tmp_path, sql_url, unique_name) as r:
        r.skew = -SKEW
        migrated(r)
        r.sql_edit("s1@legacy.test", first_name="SqlEdit")
        r.hub_edit("h1@example.com", firstname="HubEdit")
        r.tick()
        early = r.run()
        assert early.writes == 0, "edits stamped after the daemon's clock were applied early"
        r.tick(SKEW.total_seconds() + 1)
        late = r.run()
        assert late.updated == {"hubspot": 1, "external": 1}
        assert r.hub_contacts()["s1@legacy.test"]["firstname"] == "SqlEdit"
        assert r.sql_rows()["h1@example.com"]["first_name"] == "HubEdit"
        r.tick()
        assert r.run().writes == 0


@pytest.mark.parametrize("sql_url", ["postgres", "mysql"], indirect=True)
def test_t21_daemon_clock_ahead_of_the_sql_server_loses_no_sql_edit(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T21, daemon (and HubSpot) 10 min ahead of the SQL server's clock: syncer's own writes to
    the table carry the daemon's time, 10 min in the server's future. Reading them back must
    not carry the SQL cursor past the server's clock, or the legacy app's next edits (stamped
    by the server's `now()`) fall below the cursor minus the overlap and are never read."""
    with rig(tmp_path, sql_url, unique_name, start=db_now(sql_url) + SKEW.total_seconds()) as r:
        migrated(r)
        r.hub_edit("h1@example.com", firstname="HubEdit")
        r.tick()
        assert r.run().updated == {"hubspot": 0, "external": 1}  # stamped on the daemon's clock
        r.tick()
        assert r.run().writes == 0  # reads that row back: an echo
        server_now = datetime.fromtimestamp(db_now(sql_url), UTC)
        r.sql_edit("s1@legacy.test", stamp=server_now, first_name="SqlEdit")
        r.tick()
        after = r.run()
        assert r.hub_contacts()["s1@legacy.test"]["firstname"] == "SqlEdit", "the edit was lost"
        assert after.updated == {"hubspot": 1, "external": 0}
        r.tick()
        assert r.run().writes == 0


@SQLITE
def test_t21_daemon_clock_ahead_of_hubspot_loses_no_hubspot_edit(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T21, daemon 10 min ahead of HubSpot: HubSpot stamps edits on its own clock, so the
    HubSpot cursor must not be taken from the daemon's clock, or every edit made in the next
    10 min falls below it (minus the overlap) and is never read."""
    with rig(tmp_path, sql_url, unique_name) as r:
        r.skew = SKEW
        migrated(r)
        r.tick()
        assert r.run().writes == 0
        r.hub_edit("h1@example.com", firstname="HubEdit")
        r.tick()
        r.run()
        r.tick()
        r.run()
        assert r.sql_rows()["h1@example.com"]["first_name"] == "HubEdit"


@pytest.mark.parametrize("sql_url", ["postgres"], indirect=True)
def test_t21_long_transaction_committing_an_older_updated_at_is_caught(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T21, long transaction: a PostgreSQL transaction inserts a row stamped with its own start
    (`now()`) and stays open while a quicker writer commits a newer row and a run reads it. The
    long one commits after the run, with an updated_at older than the cursor minus the overlap.
    The next run must still read it: the cursor may not pass the start of a write transaction
    that is still open."""
    with rig(tmp_path, sql_url, unique_name, start=db_now(sql_url)) as r:
        r.pipeline = pipeline_settings(r.table.name, overlap_seconds=0.2)
        migrated(r)
        with r.engine.connect() as slow:
            slow.execute(
                sa.insert(r.table).values(
                    email="late@legacy.test", first_name="Late", last_name="L",
                    updated_at=sa.text("now() AT TIME ZONE 'UTC'"),
                )
            )  # fmt: skip
            # Real time must pass on the server's clock, which no test can move: 0.6 s is
            # three overlaps, so the open transaction is older than the overlap and the settle
            # margin (2 overlaps) when the run reads.
            time.sleep(0.6)
            catch_up(r, sql_url)
            r.sql_insert([{"email": "quick@legacy.test", "first_name": "Quick"}])
            r.tick(0.01)
            first = r.run()
            assert first.created == {"hubspot": 1, "external": 0}
            slow.commit()
        catch_up(r, sql_url)
        second = r.run()
        assert "late@legacy.test" in r.hub_contacts(), "the long transaction's row was lost"
        assert second.created == {"hubspot": 1, "external": 0}
        assert r.run().writes == 0


@SQLITE
def test_t23_stale_search_version_after_a_fresh_read_by_id_does_not_regress(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T23, the case the engine cannot see: a contact is created (V1) and edited (V2) while
    search lags. A new SQL row with its email is matched by a read by email, which is fresh:
    the link is made at V2. The next run's search still serves V1, an older version than the
    one already agreed. It must not be written over V2."""
    with rig(tmp_path, sql_url, unique_name, search_lag_ms=10_000) as r:
        migrated(r)
        r.hub_create(["late@example.com"], firstname="V1", lastname="L")
        r.tick()
        r.hub_edit("late@example.com", firstname="V2")
        r.sql_insert([{"email": "late@example.com", "first_name": "V2", "last_name": "L"}])
        r.tick()
        linked = r.run()  # search shows neither version yet: matched by a fresh read
        assert linked.linked == 1 and r.sql_rows()["late@example.com"]["first_name"] == "V2"
        r.tick(8.5)  # V1 is searchable, V2 not yet
        stale = r.run()
        assert r.sql_rows()["late@example.com"]["first_name"] == "V2"
        assert stale.writes == 0


@SQLITE
def test_t21_daemon_clock_ahead_of_hubspot_loses_no_hubspot_archive(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T21, daemon 10 min ahead of HubSpot, with deletes = "archive": archives are read from
    HubSpot's recycle bin since their own cursor (started by the migration, moved by each
    sync), which must not be taken from the daemon's clock either, or a contact archived in the
    next 10 min is never archived on the SQL side."""
    with rig(tmp_path, sql_url, unique_name) as r:
        r.skew = SKEW
        r.pipeline = pipeline_settings(r.table.name, deletes="archive")
        migrated(r, hub=("h1@example.com", "h2@example.com"))
        ids = {c["properties"]["email"]: c["id"] for c in r.app.records("contacts")}
        for email in ("h1@example.com", "h2@example.com"):  # after the migration, then a sync
            with r.hub_client() as client:
                client.delete(f"/crm/v3/objects/contacts/{ids[email]}").raise_for_status()
            r.tick()
            report = r.run()
            assert report.archived == {"hubspot": 0, "external": 1}, email
            assert email not in r.sql_rows()
            r.tick()
