"""A ledger on a database server, as a deployment that keeps it on PostgreSQL would: its tables
in a schema of its own, so tests sharing the server never meet; a SQLite file for SQLite.

The ledger runs on SQLite and PostgreSQL (README). Not on MariaDB: the relation tables' keys
are longer than InnoDB's 3,072 bytes, so a MariaDB CRM's tests keep their ledger on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


@contextmanager
def ledger_on(server_url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty ledger on `server_url`'s server (a SQLite URL: a file in
    `tmp_path`), dropped afterwards."""
    if sa.make_url(server_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    engine = sa.create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        separator = "&" if "?" in server_url else "?"
        yield f"{server_url}{separator}options=-csearch_path%3D{name}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()
