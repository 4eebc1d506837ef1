"""SQL connector write speed: creates and updates through `SqlConnector.write`, per dialect.

Prints rows per second and statements per 1,000 rows (connector-counted statements and DB-API
cursor calls, where one `executemany` is one call) for each database that is reachable.

    python -m bench.sql_writes [--rows 5000] [--url URL ...]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.records import Write
from syncer.settings_external import SqlSettings, SqlTableSettings
from syncer.settings_pipeline import MatchRule, PipelineSettings

DEFAULT_URLS = [
    "sqlite:///{tmp}/bench-sql-writes.db",
    os.environ.get("SYNCER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    os.environ.get("SYNCER_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
]


def customers(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("status", sa.String(1)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("is_deleted", sa.Boolean, nullable=False, server_default="0"),
    )


def connector_for(engine: sa.Engine, table: sa.Table) -> SqlConnector:
    pipeline = PipelineSettings(
        name="contacts",
        external_object=table.name,
        match=MatchRule(hubspot="email", external="email"),
        sql=SqlTableSettings(primary_key="id", updated_at="updated_at", deleted_flag="is_deleted"),
        fields={"firstname": "first_name", "lastname": "last_name", "lifecyclestage": "status"},
    )
    settings = SqlSettings(url=str(engine.url), batch_size=500)
    return SqlConnector(settings, pipeline, engine=engine)


def cursor_calls(engine: sa.Engine) -> Callable[[], int]:
    count = [0]

    def seen(*_: Any) -> None:
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", seen)
    return lambda: count[0]


def timed(
    label: str, rows: int, connector: SqlConnector, calls: Callable[[], int], writes: list[Write]
) -> dict[str, float]:
    statements, cursor = connector.counter.calls, calls()
    start = time.perf_counter()
    results = connector.write(writes)
    seconds = time.perf_counter() - start
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    figures: dict[str, Any] = {
        "rows_per_second": rows / seconds,
        "statements_per_1000": (connector.counter.calls - statements) * 1000 / rows,
        "cursor_calls_per_1000": (calls() - cursor) * 1000 / rows,
    }
    print(
        f"  {label:<8} {figures['rows_per_second']:>9.0f} rows/s  "
        f"{figures['statements_per_1000']:>7.1f} statements/1000  "
        f"{figures['cursor_calls_per_1000']:>7.1f} cursor calls/1000"
    )
    return figures


def measure(url: str, rows: int) -> dict[str, dict[str, float]]:
    engine = sa.create_engine(url)
    table = customers(f"bench_{uuid.uuid4().hex[:8]}")
    table.create(engine)
    try:
        connector = connector_for(engine, table)
        connector.prepare()
        calls = cursor_calls(engine)
        creates = [
            Write(
                key=f"c{i}",
                properties={"first_name": f"F{i}", "last_name": "L", "status": "L"},
                unique_property="email",
                unique_value=f"p{i}@bench.test",
            )
            for i in range(rows)
        ]
        print(f"{engine.dialect.name}: {rows} rows")
        created = timed("create", rows, connector, calls, creates)
        with engine.connect() as conn:
            query = sa.select(table.c.id).order_by(table.c.id)
            ids = [str(i) for i in conn.execute(query).scalars()]
        updates = [
            Write(key=f"u{i}", target_id=ids[i], properties={"first_name": f"G{i}"})
            for i in range(rows)
        ]
        updated = timed("update", rows, connector, calls, updates)
        return {"create": created, "update": updated}
    finally:
        table.drop(engine)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--url", action="append", default=None)
    args = parser.parse_args()
    tmp = os.environ.get("TMPDIR", "/tmp")
    for url in args.url or [u.format(tmp=tmp) for u in DEFAULT_URLS]:
        try:
            measure(url, args.rows)
        except sa.exc.OperationalError as exc:
            print(f"{url.split(':')[0]}: skipped, database not reachable ({exc.orig})")
    print(f"measured at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
