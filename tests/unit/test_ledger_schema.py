"""The ledger's migrations build exactly the schema the code declares, and upgrade old data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from syncer.ledger import migrate
from syncer.ledger.connection import connect
from syncer.ledger.schema import metadata
from syncer.ledger.store import Ledger
from syncer.records import Side


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    return config


def _schema_diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_migrations_match_the_declared_schema(ledger_url: str) -> None:
    engine = sa.create_engine(ledger_url)
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    try:
        assert _schema_diff(engine) == []
    finally:
        engine.dispose()


def test_a_new_ledger_is_created_at_head_without_running_migrations(ledger_url: str) -> None:
    engine = connect(ledger_url)
    try:
        assert migrate.current_revision(engine) == migrate.HEAD
        assert _schema_diff(engine) == []
        Ledger.open(ledger_url).close()  # a second start finds it at HEAD and changes nothing
    finally:
        engine.dispose()


def test_a_0001_ledger_with_links_upgrades_in_place(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/old.db")
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        now = datetime.now(UTC)
        conn.execute(
            sa.text(
                "INSERT INTO links (pipeline, hubspot_id, external_id, match_key, base, created_at,"
                " updated_at) VALUES ('p', '1', 'e1', 'a@x', :base, :now, :now)"
            ),
            {"base": json.dumps({"email": "h"}), "now": now},
        )
    engine.dispose()
    ledger = Ledger.open(f"sqlite:///{tmp_path}/old.db")
    link = ledger.links_for("p", Side.HUBSPOT, ["1"])["1"]
    ledger.close()
    assert (link.external_id, link.base, link.archived_on) == ("e1", {"email": "h"}, None)


def test_head_constant_is_the_newest_revision() -> None:
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == migrate.HEAD
