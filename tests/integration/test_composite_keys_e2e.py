"""Order lines both ways: a legacy table keyed by (orderNumber, productCode), HubSpot line items
on the sandbox, a pipeline without `match`; and `check` refusing a key that rows repeat."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.integration.harness import TOKEN, Loopback, loopback

PIPELINES = """\
[[pipelines]]
name = "lines"
hubspot_object = "line_items"
external_object = "{table}"
external_id_property = "legacy_line_id"
[pipelines.sql]
primary_key = {primary_key}
updated_at = "updated_at"
[pipelines.fields]
order_number = "orderNumber"
hs_sku = "productCode"
quantity = "quantityOrdered"
"""

COMPOSITE = '["orderNumber", "productCode"]'


@dataclass
class Lines:
    served: Loopback
    client: httpx.Client
    engine: sa.Engine
    table: sa.Table

    @property
    def app(self) -> HubSpotSandbox:
        return self.served.app

    @property
    def config(self) -> Path:
        return self.served.config

    def configure(self, primary_key: str) -> None:
        self.served.configure(PIPELINES, table=self.table.name, primary_key=primary_key)

    def insert(self, *rows: tuple[int, str, int]) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        values = [
            {"orderNumber": o, "productCode": p, "quantityOrdered": q, "updated_at": now}
            for o, p, q in rows
        ]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(self.table), values)

    def rows(self) -> dict[tuple[int, str], int]:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(self.table)).mappings()
            return {(r["orderNumber"], r["productCode"]): r["quantityOrdered"] for r in found}

    def line_items(self) -> dict[str | None, dict[str, Any]]:
        """HubSpot line items' properties by the external id they carry."""
        items = self.app.records("line_items")
        return {i["properties"].get("legacy_line_id"): i["properties"] for i in items}


@contextmanager
def lines_deployment(tmp_path: Path, sql_url: str, name: str) -> Iterator[Lines]:
    engine = sa.create_engine(sql_url)
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("orderNumber", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("productCode", sa.String(40), primary_key=True),
        sa.Column("quantityOrdered", sa.Integer),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    table.create(engine)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"name": "order_number", "label": "Order", "type": "number", "fieldType": "number"}
    try:
        with (
            loopback(tmp_path, sql_url) as served,
            httpx.Client(base_url=served.url, headers=headers) as client,
        ):
            group = {"groupName": "lineiteminformation"}
            client.post("/crm/v3/properties/line_items", json=body | group)
            lines = Lines(served, client, engine, table)
            lines.configure(COMPOSITE)
            yield lines
    finally:
        table.drop(engine)
        engine.dispose()


def test_order_lines_sync_both_ways_by_their_composite_key(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with lines_deployment(tmp_path, sql_url, unique_name) as lines:
        lines.insert((10100, "S18:1749", 30), (10100, "S18_2248", 50), (10101, "S18:1749", 25))
        new = {"order_number": "10102", "hs_sku": "S24_3969", "quantity": "49"}
        no_sku = {"order_number": "10103", "quantity": "1"}
        for properties in (new, no_sku):
            response = lines.client.post(
                "/crm/v3/objects/line_items", json={"properties": properties}
            )
            response.raise_for_status()
        assert main(["check", "-c", str(lines.config)]) == 0
        assert main(["migrate", "-c", str(lines.config)]) == 4  # the line without a SKU
        capsys.readouterr()
        assert main(["errors", "-c", str(lines.config)]) == 0
        [quarantined] = capsys.readouterr().out.splitlines()
        assert "hubspot:" in quarantined and "no value for key column 'productCode'" in quarantined

        assert lines.rows() == {
            (10100, "S18:1749"): 30,
            (10100, "S18_2248"): 50,
            (10101, "S18:1749"): 25,
            (10102, "S24_3969"): 49,
        }
        items = lines.line_items()
        assert items["10100:S18\\:1749"]["quantity"] == "30"
        assert items["10101:S18\\:1749"]["hs_sku"] == "S18:1749"
        assert items["10102:S24_3969"]["order_number"] == "10102"  # stamped with its new row's id
        assert items[None]["order_number"] == "10103"  # quarantined: no row, no stamp

        with lines.engine.begin() as conn:
            table = lines.table
            conn.execute(
                sa.update(table)
                .where(table.c.orderNumber == 10101, table.c.productCode == "S18:1749")
                .values(quantityOrdered=26, updated_at=datetime.now(UTC).replace(tzinfo=None))
            )
        main(["sync", "-c", str(lines.config)])
        assert lines.line_items()["10101:S18\\:1749"]["quantity"] == "26"
        assert lines.line_items()["10100:S18\\:1749"]["quantity"] == "30"
        lines.app.reset_stats()
        main(["sync", "-c", str(lines.config)])
        assert lines.app.stats().get("writes", 0) == 0


def test_check_refuses_a_key_the_rows_repeat_and_names_it(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with lines_deployment(tmp_path, sql_url, unique_name) as lines:
        lines.insert((10100, "A", 1), (10100, "B", 1), (10101, "A", 1), (10102, "A", 1))
        lines.configure('"orderNumber"')
        assert main(["check", "-c", str(lines.config)]) == 2
        err = capsys.readouterr().err
        assert "pipelines.lines.sql.primary_key" in err
        assert "'orderNumber'" in err and "1 value repeats" in err
        lines.configure('"productCode"')
        assert main(["check", "-c", str(lines.config)]) == 2
        assert "'productCode'" in capsys.readouterr().err
