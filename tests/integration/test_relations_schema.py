"""The legacy sales schema the relations tests run on (tests/integration/relations/): its DDL
creates on SQLite, PostgreSQL and MariaDB with every foreign key enforced, the seeded rows
satisfy them, and its config loads with each pipeline ordered after those it points at."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.relations import association_fields
from syncer.settings import load_settings
from tests.deploy.files import load_shipped_config
from tests.integration.harness import config_text
from tests.integration.relations.config import EXAMPLE, POINTS_AT, pipelines_toml
from tests.integration.relations.data import Sizes, generate, load
from tests.integration.relations.schema import (
    TABLE_NAMES,
    ddl,
    enforce_sqlite_foreign_keys,
    sales_schema,
)

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mariadb"}


def _foreign_keys(engine: sa.Engine, table: str) -> set[tuple[tuple[str, ...], str]]:
    found = sa.inspect(engine).get_foreign_keys(table)
    return {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in found}


def test_the_printed_ddl_creates_the_schema_with_its_keys(sql_url: str, unique_name: str) -> None:
    engine = sa.create_engine(sql_url)
    schema = sales_schema(unique_name)
    try:
        with engine.begin() as conn:
            for statement in ddl(DIALECTS[engine.dialect.name], unique_name).split(";\n"):
                if statement.strip():
                    conn.execute(sa.text(statement))
        inspector = sa.inspect(engine)
        lines = inspector.get_pk_constraint(schema.name("orderdetails"))
        assert lines["constrained_columns"] == ["orderNumber", "productCode"]
        assert _foreign_keys(engine, schema.name("orderdetails")) == {
            (("orderNumber",), schema.name("orders")),
            (("productCode",), schema.name("products")),
        }
        assert _foreign_keys(engine, schema.name("contacts")) == {
            (("customerNumber",), schema.name("customers")),
            (("salesRepEmployeeNumber",), schema.name("employees")),
        }
    finally:
        schema.drop(engine)
        engine.dispose()


def test_seeded_rows_load_and_the_database_refuses_a_dangling_reference(
    sql_url: str, unique_name: str
) -> None:
    engine = sa.create_engine(sql_url)
    enforce_sqlite_foreign_keys(engine)
    schema = sales_schema(unique_name)
    schema.create(engine)
    try:
        rows = generate(Sizes())
        load(engine, schema, rows)
        with engine.connect() as conn:
            counts = {
                name: conn.execute(
                    sa.select(sa.func.count()).select_from(schema.table(name))
                ).scalar_one()
                for name in TABLE_NAMES
            }
        assert counts == {name: len(rows[name]) for name in TABLE_NAMES}
        dangling = {**rows["contacts"][0], "contactNumber": 9999, "email": "x@y.example"}
        dangling["customerNumber"] = 1  # no such customer
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.insert(schema.table("contacts")), [dangling])
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.insert(schema.table("orderdetails")), [rows["orderdetails"][0]])
    finally:
        schema.drop(engine)
        engine.dispose()


def test_the_generator_is_reproducible_and_sized() -> None:
    sizes = Sizes(customers=20, contacts=50, extra_accounts=0, notes=50, orders=0, tasks=0)
    at = datetime(2026, 12, 6, 9, 0)
    first, again = generate(sizes, seed=7, now=at), generate(sizes, seed=7, now=at)
    assert first == again
    assert generate(sizes, seed=8, now=at)["customers"] != first["customers"]
    customers = {c["customerNumber"] for c in first["customers"]}
    assert all(c["customerNumber"] in customers for c in first["contacts"])
    assert len(first["notes"]) == 50 and not first["orderdetails"]


def test_the_config_loads_every_relation_and_orders_the_pipelines(tmp_path: Path) -> None:
    path = tmp_path / "syncer.toml"
    body = pipelines_toml("legacy")
    path.write_text(
        config_text(
            "{body}",
            ledger="sqlite:///ledger.db",
            url="http://127.0.0.1:9",
            token="pat-na1-x",
            sql_url="sqlite:///crm.db",
            body=body,
        )
    )
    settings = load_settings(path, env={})
    order = [p.name for p in settings.pipelines_in_order()]
    assert sorted(order) == sorted(POINTS_AT)
    for pipeline, targets in POINTS_AT.items():
        assert all(order.index(t) < order.index(pipeline) for t in targets), order
    by_name = {p.name: p for p in settings.pipelines}
    fields = {
        name: sorted(f.name for f in association_fields(settings, by_name[name]))
        for name in POINTS_AT
    }
    assert fields == {
        "companies": [],
        "products": [],
        "contacts": ["@companies", "@companies:Buyer"],
        "deals": ["@companies:Billing company"],
        "line_items": ["@deals", "@products"],
        "notes": ["@contacts"],
        "tasks": ["@contacts"],
    }
    assert settings.owners is not None and settings.owners.key == "employeeNumber"
    owned = [p.name for p in settings.pipelines if "hubspot_owner_id" in p.fields]
    assert sorted(owned) == ["companies", "contacts", "deals", "notes", "tasks"]


def test_the_shipped_sales_example_loads_as_it_is(tmp_path: Path) -> None:
    secrets = {"hubspot_token": "pat-na1-example", "crm_password": "example"}
    text = EXAMPLE.read_text(encoding="utf-8")
    settings = load_shipped_config(text, tmp_path, secrets)
    assert {p.name for p in settings.pipelines} == set(POINTS_AT)
    assert [j.table for j in settings.associations] == ["contact_accounts"]
