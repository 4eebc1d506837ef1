"""Composite primary keys on every SQL backend: ids made of several columns' values, listings
ordered by all of them, and writes, archives and creates addressed by them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from syncer.connectors.sql import SqlConnector
from syncer.connectors.sql.keys import parse_id, record_id
from syncer.records import Cursor, Record, RejectionKind, Write
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract import sql_harness
from tests.contract.suite import UNTIL, read_all

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines

STAMP = datetime(2024, 5, 1, 12, 0)  # one updated_at for every row: ties broken by the key
KEY = ["orderNumber", "productCode", "shipDate"]
# Text values that would be ambiguous joined with ":" unless escaped.
AWKWARD = ["S18:1749", "a\\b", ":", "\\:", "x\\", "plain", "S18", "1749"]


def lines_table(name: str, *, declared_key: bool = True) -> sa.Table:
    """Order lines keyed by an integer, a text and a date, as a legacy CRM might."""
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("orderNumber", sa.Integer, primary_key=declared_key, autoincrement=False),
        sa.Column("productCode", sa.String(40), primary_key=declared_key),
        sa.Column("shipDate", sa.Date, primary_key=declared_key),
        sa.Column("quantity", sa.Integer),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("is_deleted", sa.Boolean, nullable=False, server_default="0"),
    )


def lines_pipeline(name: str, match: dict[str, str] | None = None, **sql: Any) -> PipelineSettings:
    return PipelineSettings.model_validate(
        {
            "name": "lines",
            "match": match,
            "hubspot_object": "line_items",
            "external_object": name,
            "sql": {
                "primary_key": KEY,
                "updated_at": "updated_at",
                "deleted_flag": "is_deleted",
                **sql,
            },
            "fields": {
                "hs_order": "orderNumber",
                "hs_sku": "productCode",
                "hs_ship": "shipDate",
                "quantity": "quantity",
            },
        }
    )


@pytest.fixture
def lines(sql_engine: sa.Engine, unique_name: str) -> Iterator[sa.Table]:
    table = lines_table(unique_name)
    table.create(sql_engine)
    yield table
    table.drop(sql_engine)


def connect(engine: sa.Engine, table: sa.Table, batch_size: int = 500) -> SqlConnector:
    settings = SqlSettings(url=str(engine.url), batch_size=batch_size)
    connector = SqlConnector(settings, lines_pipeline(table.name), engine=engine)
    connector.prepare()
    return connector


def insert(engine: sa.Engine, table: sa.Table, rows: list[tuple[int, str, date]]) -> None:
    values = [
        {"orderNumber": o, "productCode": p, "shipDate": d, "quantity": 1, "updated_at": STAMP}
        for o, p, d in rows
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(table), values)


def keys_of(records: list[Record]) -> list[tuple[Any, Any, Any]]:
    return [
        (r.properties["orderNumber"], r.properties["productCode"], r.properties["shipDate"])
        for r in records
    ]


ROWS = [(10100 + i % 3, code, date(2024, 1, 1 + i % 2)) for i, code in enumerate(AWKWARD)]


@given(st.lists(st.text(alphabet=":\\ab", max_size=4), min_size=2, max_size=4))
def test_a_composite_id_reads_back_to_the_same_values(values: list[str]) -> None:
    columns = [sa.Column(f"c{i}", sa.String) for i in range(len(values))]
    assert parse_id(columns, record_id(tuple(values))) == tuple(values)


def test_ids_join_escaped_values_with_colons_and_a_single_column_id_is_the_value() -> None:
    assert record_id((10100, "S18:1749", date(2024, 1, 2))) == "10100:S18\\:1749:2024-01-02"
    assert record_id(("a\\b", ":")) == "a\\\\b:\\:"
    assert record_id(("S18:1749",)) == "S18:1749"  # the form single keys always had
    columns = [sa.Column("n", sa.Integer), sa.Column("c", sa.String)]
    assert parse_id(columns, "10100:S18\\:1749") == (10100, "S18:1749")
    for bad in ("10100", "x:S18", "1:2:3", "1:a\\b", "1:dangling\\"):
        assert parse_id(columns, bad) is None


def test_every_row_has_its_own_id_and_fetch_reads_it_back(
    sql_engine: sa.Engine, lines: sa.Table
) -> None:
    insert(sql_engine, lines, ROWS)
    connector = connect(sql_engine, lines)
    records, _, _ = read_all(connector.changes(None, UNTIL))
    assert sorted(keys_of(records)) == sorted(ROWS)
    ids = [r.id for r in records]
    assert len(set(ids)) == len(ROWS)
    fetched = {r.id: r for r in connector.fetch(list(reversed(ids)))}
    assert set(fetched) == set(ids)
    for record in records:
        assert keys_of([fetched[record.id]]) == keys_of([record])


def test_listings_page_in_key_order_without_repeats_or_gaps(
    sql_engine: sa.Engine, lines: sa.Table
) -> None:
    insert(sql_engine, lines, ROWS)
    connector = connect(sql_engine, lines, batch_size=2)
    full, _, pages = read_all(connector.changes(None, UNTIL))
    assert len(pages) > 1
    columns = [lines.c[name] for name in KEY]
    with sql_engine.connect() as conn:  # the database's own order of the key columns
        ordered = [tuple(row) for row in conn.execute(sa.select(*columns).order_by(*columns))]
    assert keys_of(full) == ordered
    since = Cursor(datetime(2024, 1, 1, tzinfo=UTC).isoformat())
    changed, _, _ = read_all(connect(sql_engine, lines, batch_size=1).changes(since, UNTIL))
    assert [r.id for r in changed] == [r.id for r in full]  # one updated_at: by key alone


def test_updates_and_archives_reach_only_the_row_the_id_names(
    sql_engine: sa.Engine, lines: sa.Table
) -> None:
    insert(sql_engine, lines, ROWS)
    connector = connect(sql_engine, lines)
    records, _, _ = read_all(connector.changes(None, UNTIL))
    target, archived = records[0], records[1]
    [result] = connector.write([Write("w", {"quantity": 7}, target_id=target.id)])
    assert (result.ok, result.id) == (True, target.id)
    assert connector.archive([archived.id])[0].ok
    live, _, _ = read_all(connector.changes(None, UNTIL))
    quantities = {r.id: r.properties["quantity"] for r in live}
    assert archived.id not in quantities
    assert quantities.pop(target.id) == 7
    assert set(quantities.values()) == {1}
    [moved] = connector.write([Write("k", {"productCode": "other"}, target_id=target.id)])
    assert moved.rejection is not None and moved.rejection.property == "productCode"
    [still] = connector.fetch([target.id])  # its key unchanged, so its id too
    assert still.properties["productCode"] == target.properties["productCode"]
    [missing] = connector.write([Write("m", {"quantity": 1}, target_id="1:none:2024-01-01")])
    assert missing.rejection is not None and missing.rejection.code == "not_found"
    assert missing.rejection.kind is RejectionKind.NOT_FOUND


def test_a_create_without_a_unique_property_is_an_upsert_on_the_key(
    sql_engine: sa.Engine, lines: sa.Table
) -> None:
    insert(sql_engine, lines, [(1, "gone", date(2024, 3, 1))])
    connector = connect(sql_engine, lines)
    [gone] = read_all(connector.changes(None, UNTIL))[0]
    connector.archive([gone.id])
    values = {"orderNumber": 1, "productCode": "S18:1749", "shipDate": date(2024, 3, 1)}
    writes = [
        Write("new", {**values, "quantity": 3}),
        Write("revived", {**values, "productCode": "gone", "quantity": 4}),
    ]
    first = connector.write(writes)
    assert [(r.ok, r.created, r.id) for r in first] == [
        (True, True, "1:S18\\:1749:2024-03-01"),
        (True, True, gone.id),
    ]
    again = connector.write([Write("resent", {**values, "quantity": 5})])  # a resend: no twin
    assert [(r.ok, r.created, r.id) for r in again] == [(True, False, first[0].id)]
    records, _, _ = read_all(connector.changes(None, UNTIL))
    assert {r.id: r.properties["quantity"] for r in records} == {first[0].id: 5, gone.id: 4}


def test_a_create_missing_a_key_column_is_rejected_naming_it(
    sql_engine: sa.Engine, lines: sa.Table
) -> None:
    connector = connect(sql_engine, lines)
    results = connector.write(
        [
            Write("no-code", {"orderNumber": 1, "shipDate": date(2024, 3, 1), "quantity": 1}),
            Write("ok", {"orderNumber": 1, "productCode": "A", "shipDate": date(2024, 3, 1)}),
        ]
    )
    assert results[0].rejection is not None
    assert results[0].rejection.property == "productCode"
    assert "productCode" in results[0].rejection.message
    assert results[1].ok
    [fraction] = connector.write(
        [
            Write(
                "1.5", {"orderNumber": Decimal("1.5"), "productCode": "A", "shipDate": date.today()}
            )
        ]
    )
    assert fraction.rejection is not None and fraction.rejection.code == "invalid_value"
    assert fraction.rejection.kind is RejectionKind.INVALID_VALUE
    with sql_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lines)).scalar() == 1
