"""Counted statement execution: every SQL round trip the connector makes goes through `run`
(one statement) or `run_many` (one statement with a list of parameter sets: `executemany`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from syncer.records import CallCounter

T = TypeVar("T")


def statement_kind(statement: sa.Executable) -> str:
    for kind in ("select", "insert", "update", "delete"):
        if getattr(statement, f"is_{kind}", False):
            return kind
    return "other"


def run(
    conn: sa.Connection, counter: CallCounter, statement: sa.Executable
) -> sa.CursorResult[Any]:
    counter.add(statement_kind(statement))
    return conn.execute(statement)


def run_many(
    conn: sa.Connection,
    counter: CallCounter,
    statement: sa.Executable,
    parameters: Sequence[dict[str, Any]],
) -> sa.CursorResult[Any]:
    counter.add(statement_kind(statement))
    return conn.execute(statement, list(parameters))


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
