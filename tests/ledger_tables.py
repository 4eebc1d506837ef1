"""A connection of a test's own to a ledger's tables, to read what the store wrote (or to
tamper with it, `write=True`). The store keeps its database engine to itself; a test that must
look past its front door opens the same database here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def ledger_tables(url: str, *, write: bool = False) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() if write else engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
