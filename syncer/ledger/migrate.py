"""Bring a ledger database to the newest schema; the program does this on every start.

Alembic is imported only when the ledger is behind: a quiet `syncer sync` from cron should not
spend half a second loading the migration machinery to learn there is nothing to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

HEAD = "0002"  # the newest revision in migrations/versions; a test keeps the two in step
_SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(engine: sa.Engine) -> None:
    if current_revision(engine) == HEAD:
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
