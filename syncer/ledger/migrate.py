"""Bring a ledger database to the newest schema; the program does this on every start.

Alembic is imported only when the ledger is behind: a quiet `syncer sync` from cron should not
spend half a second loading the migration machinery to learn there is nothing to do. A brand-new
(empty) database is created from the declared schema in one transaction and stamped with HEAD:
the migrations build exactly that schema (a test compares them), and a first `syncer migrate`
should not wait on the migration machinery either.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from syncer.ledger.schema import exact_text_on_mysql, metadata

HEAD = "0011"  # the newest revision in migrations/versions; a test keeps the two in step
_SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(engine: sa.Engine) -> None:
    revision = current_revision(engine)
    if revision == HEAD:
        return
    if revision is None and _is_empty(engine):
        _create_at_head(engine)
        return
    from alembic import command
    from alembic.config import Config

    # Alembic reports every step at INFO on each start; only its warnings are worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _is_empty(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        return not any(inspector.has_table(table.name) for table in metadata.sorted_tables)


def _create_at_head(engine: sa.Engine) -> None:
    try:
        with engine.begin() as conn:
            if conn.dialect.name in ("mysql", "mariadb"):
                exact_text_on_mysql(conn.dialect.name)
            metadata.create_all(conn)
            conn.execute(
                sa.text(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL"
                    ", CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )
            conn.execute(
                sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD}
            )
    except sa.exc.DBAPIError:
        # Another process created it at the same moment (two replicas starting together).
        if current_revision(engine) != HEAD:
            raise
