"""Bring a ledger database to the newest schema; the program does this on every start."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

_SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(engine: sa.Engine) -> None:
    # Alembic reports every step at INFO on each start; only its warnings are worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
