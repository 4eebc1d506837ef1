"""Reliability scenario T36 (schema drift), end to end: a mapped SQL column dropped or renamed,
or a mapped HubSpot property deleted, between two runs of the real `syncer` command. The run
must stop on that field with an error naming it, and nothing on the other side is nulled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.faults.identity_harness import (
    add_column,
    command,
    counting_sql_writes,
    define_property,
    hub_by_email,
    hub_create,
    hub_patch,
    hub_writes,
    map_field,
    sync,
)
from tests.integration.harness import Deployment, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
EXIT_CONFIG = 2


def _drop_column(dep: Deployment) -> str:
    with dep.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {dep.table.name} DROP COLUMN last_name"))
    return "last_name"


def _rename_column(dep: Deployment) -> str:
    with dep.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {dep.table.name} RENAME COLUMN last_name TO surname"))
    return "last_name"


def _delete_property(dep: Deployment) -> str:
    with dep.hubspot() as client:
        client.delete("/crm/v3/properties/contacts/nickname").raise_for_status()
    return "nickname"


def _rows(dep: Deployment) -> dict[str, dict[str, object]]:
    """The legacy rows by normalised email, with the columns the table has now."""
    table = sa.Table(dep.table.name, sa.MetaData(), autoload_with=dep.engine)
    with dep.engine.connect() as conn:
        rows = [r._asdict() for r in conn.execute(sa.select(table))]
    return {str(r["email"]).strip().lower(): r for r in rows}


DRIFTS: dict[str, Callable[[Deployment], str]] = {
    "sql-column-dropped": _drop_column,
    "sql-column-renamed": _rename_column,
    "hubspot-property-deleted": _delete_property,
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_t36_schema_drift_halts_the_field_and_nulls_nothing(
    tmp_path: Path,
    sql_url: str,
    unique_name: str,
    capsys: pytest.CaptureFixture[str],
    drift: str,
) -> None:
    """Synced pairs with a custom HubSpot property (nickname) and last names on both sides;
    then one mapped field disappears on one side while both sides change. The next sync exits
    with the configuration error naming the field, writes nothing to either side, and every
    value on the other side (last names, nicknames) is still there. The whole pipeline halts,
    not just the field: a run that skipped the field would move the cursors past the other
    fields' changes while the drifted field's changes stayed unseen."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        define_property(dep, "nickname", "string", "text")
        add_column(dep, "nick", "VARCHAR(50)")
        map_field(dep, "nickname", "nick")
        seed(dep, hub_count=3, sql_count=3, shared=3)
        hub_create(dep, email="only.hub@example.com", lastname="Kept", nickname="Nick")
        assert command(dep, "migrate") == 0
        before_hub = {e: dict(c["properties"]) for e, c in hub_by_email(dep).items()}
        before_sql = _rows(dep)
        assert before_sql["only.hub@example.com"]["nick"] == "Nick"
        field = DRIFTS[drift](dep)
        hub_patch(dep, hub_by_email(dep)["person0@example.com"]["id"], firstname="Changed")
        dep.edit_row(int(str(before_sql["person1@example.com"]["id"])), first_name="Changed")
        dep.sandbox.reset_stats()
        capsys.readouterr()
        with counting_sql_writes(dep.table.name) as sql_writes:
            assert sync(dep) == EXIT_CONFIG
        assert field in capsys.readouterr().err
        assert hub_writes(dep) == 0 and sql_writes.statements == []
        after_hub = hub_by_email(dep)
        for email, properties in before_hub.items():
            for name in ("lastname", "nickname", "email"):
                if drift != "hubspot-property-deleted" or name != "nickname":
                    assert after_hub[email]["properties"].get(name) == properties.get(name)
        after_sql = _rows(dep)
        for email, row in before_sql.items():
            for column in ("nick", "email", "status"):
                assert after_sql[email][column] == row[column]
