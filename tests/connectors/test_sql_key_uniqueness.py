"""`syncer check` proves the key columns unique: by a declared key or unique index, else by
counting the rows (a view, a table that never declared its key), on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.errors import ConfigError
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from tests.connectors.test_sql_composite_keys import lines_pipeline, lines_table
from tests.contract import sql_harness

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines

MakeTable = Callable[..., sa.Table]


@pytest.fixture
def make_table(sql_engine: sa.Engine, unique_name: str) -> Iterator[MakeTable]:
    made: list[sa.Table] = []

    def build(declared_key: bool) -> sa.Table:
        table = lines_table(f"{unique_name}{len(made)}", declared_key=declared_key)
        table.create(sql_engine)
        made.append(table)
        return table

    yield build
    for table in made:
        table.drop(sql_engine)


@pytest.fixture
def view(sql_engine: sa.Engine, make_table: MakeTable) -> Iterator[tuple[sa.Table, str]]:
    """An undeclared-key table and a view over it (views declare no key at all)."""
    table = make_table(declared_key=False)
    name = f"{table.name}v"
    with sql_engine.begin() as conn:
        conn.execute(sa.text(f"CREATE VIEW {name} AS SELECT * FROM {table.name}"))
    yield table, name
    with sql_engine.begin() as conn:
        conn.execute(sa.text(f"DROP VIEW {name}"))


def insert(engine: sa.Engine, table: sa.Table, *keys: tuple[int, str]) -> None:
    rows = [
        {"orderNumber": o, "productCode": p, "shipDate": date(2024, 1, 1), "quantity": 1,
         "updated_at": date(2024, 1, 1)}
        for o, p in keys
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)


def verify(engine: sa.Engine, pipeline: PipelineSettings) -> SqlConnector:
    connector = SqlConnector(SqlSettings(url=str(engine.url)), pipeline, engine=engine)
    connector.prepare()
    connector.verify_unique_keys()
    return connector


def test_a_declared_primary_key_is_proof_without_counting_rows(
    sql_engine: sa.Engine, make_table: MakeTable
) -> None:
    table = make_table(declared_key=True)
    connector = verify(sql_engine, lines_pipeline(table.name))
    assert connector.counter.by_kind == {"reflect": 1}  # no query of the rows


def test_a_view_whose_key_repeats_is_refused_naming_the_columns_and_the_count(
    sql_engine: sa.Engine, view: tuple[sa.Table, str]
) -> None:
    table, name = view
    insert(sql_engine, table, (1, "A"), (1, "A"), (2, "B"), (2, "B"), (2, "B"), (3, "C"))
    with pytest.raises(ConfigError) as refused:
        verify(sql_engine, lines_pipeline(name))
    message = str(refused.value)
    assert "pipelines.lines.sql.primary_key" in message
    assert "'orderNumber', 'productCode', 'shipDate'" in message
    assert "2 values repeat" in message


def test_a_view_or_undeclared_table_whose_rows_are_unique_passes(
    sql_engine: sa.Engine, view: tuple[sa.Table, str]
) -> None:
    table, name = view
    insert(sql_engine, table, (1, "A"), (1, "B"), (2, "A"))
    verify(sql_engine, lines_pipeline(name))
    verify(sql_engine, lines_pipeline(table.name))


def test_a_single_column_key_that_repeats_is_refused(
    sql_engine: sa.Engine, make_table: MakeTable
) -> None:
    table = make_table(declared_key=False)
    insert(sql_engine, table, (1, "A"), (1, "B"), (2, "A"))
    with pytest.raises(ConfigError, match=r"sql\.primary_key: column 'orderNumber' .* is not "
                       r"unique: 1 value repeats"):  # fmt: skip
        verify(sql_engine, lines_pipeline(table.name, primary_key="orderNumber"))


def test_a_match_column_repeated_once_case_is_folded_is_refused(
    sql_engine: sa.Engine, make_table: MakeTable
) -> None:
    table = make_table(declared_key=True)
    insert(sql_engine, table, (1, "Widget"), (2, " widget"), (3, "Gadget"))
    pipeline = lines_pipeline(table.name, match={"hubspot": "hs_sku", "external": "productCode"})
    with pytest.raises(ConfigError, match=r"match\.external: column 'productCode' .* 1 value"):
        verify(sql_engine, pipeline)
