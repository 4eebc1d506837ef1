"""The daemon's memory (hardening issue, item 9): a process builds one engine per external
database and reflects each table once, again only when the table changed. Rebuilding both every
pass kept thousands of objects per pass (the dialect's catalogue queries, cached per engine)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.connectors.sql.engines import SqlEngines
from syncer.errors import ConfigError
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract import sql_harness
from tests.contract.sql_harness import crm_table, pipeline_for

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines


@pytest.fixture
def table(sql_engine: sa.Engine, unique_name: str) -> Iterator[sa.Table]:
    table = crm_table(unique_name)
    table.create(sql_engine)
    yield table
    table.drop(sql_engine)


@pytest.fixture
def engines() -> Iterator[SqlEngines]:
    kept = SqlEngines()
    yield kept
    kept.close()


def _one_pass(url: str, pipeline: PipelineSettings, engines: SqlEngines) -> None:
    """What a daemon's pass asks of the SQL side: a connector, its table, a listing."""
    connector = SqlConnector(SqlSettings(url=url), pipeline, engines=engines)
    try:
        connector.prepare()
        for _page in connector.changes(None, datetime.now(UTC)):
            pass
    finally:
        connector.close()


def _objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_issue9_passes_keep_no_objects_behind(
    sql_url: str, table: sa.Table, engines: SqlEngines
) -> None:
    pipeline = pipeline_for(table)
    for _ in range(10):  # warm: imports, the pool, the dialect's statement caches
        _one_pass(sql_url, pipeline, engines)
    before = _objects()
    for _ in range(30):
        _one_pass(sql_url, pipeline, engines)
    kept_per_pass = (_objects() - before) / 30
    assert kept_per_pass < 10


def test_issue9_a_process_builds_one_engine_per_database(sql_url: str, engines: SqlEngines) -> None:
    settings = SqlSettings(url=sql_url)
    first = engines.engine(settings)
    assert engines.engine(SqlSettings(url=sql_url)) is first
    SqlConnector(settings, PipelineSettings(name="p", external_object="t"), engines=engines).close()
    with first.connect() as conn:  # a connector does not dispose of the process's engine
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1


def test_issue9_a_table_is_reflected_once_while_it_does_not_change(
    sql_url: str, table: sa.Table, engines: SqlEngines
) -> None:
    engine = engines.engine(SqlSettings(url=sql_url))
    pipeline = pipeline_for(table)
    assert engines.table(engine, pipeline) is engines.table(engine, pipeline)


def test_issue9_a_changed_table_is_reflected_again(
    sql_url: str, sql_engine: sa.Engine, table: sa.Table, engines: SqlEngines
) -> None:
    engine = engines.engine(SqlSettings(url=sql_url))
    pipeline = pipeline_for(table)
    before = engines.table(engine, pipeline)
    with sql_engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN nickname VARCHAR(20)"))
    after = engines.table(engine, pipeline)
    assert "nickname" in after.table.columns and "nickname" not in before.table.columns
    with sql_engine.begin() as conn:  # a mapped column dropped: the error names the field
        conn.execute(sa.text(f"ALTER TABLE {table.name} DROP COLUMN birthday"))
    with pytest.raises(ConfigError, match=r"fields\.birthday\.external: column 'birthday'"):
        engines.table(engine, pipeline)
