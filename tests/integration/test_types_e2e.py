"""Typed fields both ways: HubSpot number/date/datetime/bool properties <-> typed SQL columns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from syncer.cli import main
from tests.integration.harness import TOKEN, loopback

PIPELINES = """\
[[pipelines]]
name = "contacts"
external_object = "{table}"
match = {{ hubspot = "email", external = "email" }}
[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"
timezone = "Europe/Paris"
[pipelines.fields]
email = "email"
score = "score"
birthday = "birthday"
last_seen = "last_seen"
vip = "vip"
"""

PROPERTIES = [
    ("score", "number", "number"),
    ("birthday", "date", "date"),
    ("last_seen", "datetime", "date"),
    ("vip", "bool", "booleancheckbox"),
]


def _define_properties(client: httpx.Client) -> None:
    for name, kind, field_type in PROPERTIES:
        body: dict[str, Any] = {
            "name": name,
            "label": name,
            "type": kind,
            "fieldType": field_type,
            "groupName": "contactinformation",
        }
        if kind == "bool":
            body["options"] = [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}]
        client.post("/crm/v3/properties/contacts", json=body).raise_for_status()


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True),
        sa.Column("score", sa.Numeric(10, 2)),
        sa.Column("birthday", sa.Date),
        sa.Column("last_seen", sa.DateTime),  # naive, in Europe/Paris wall time
        sa.Column("vip", sa.Boolean),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def test_typed_values_convert_both_ways(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    engine = sa.create_engine(sql_url)
    table = _table(unique_name)
    table.create(engine)
    try:
        with loopback(tmp_path, sql_url) as served:
            app = served.app
            config = served.configure(PIPELINES, table=unique_name)
            client = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {TOKEN}"})
            _define_properties(client)
            client.post(
                "/crm/v3/objects/contacts",
                json={
                    "properties": {
                        "email": "hub@example.com",
                        "score": "3.50",
                        "birthday": "1990-05-17",
                        "last_seen": "2026-07-01T10:15:00.000Z",
                        "vip": "true",
                    }
                },
            ).raise_for_status()
            with engine.begin() as conn:
                conn.execute(
                    sa.insert(table).values(
                        email="sql@example.com",
                        score=Decimal("12.25"),
                        birthday=date(1985, 1, 2),
                        last_seen=datetime(2026, 1, 15, 9, 0),
                        vip=False,
                        updated_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                )
            assert main(["migrate", "-c", str(config)]) == 0

            with engine.connect() as conn:
                row = conn.execute(sa.select(table).where(table.c.email == "hub@example.com")).one()
            assert row.score == Decimal("3.50")
            assert row.birthday == date(1990, 5, 17)
            assert row.last_seen == datetime(
                2026, 7, 1, 12, 15
            )  # 10:15 UTC is 12:15 in Paris (CEST)
            assert row.vip is True

            contact = next(
                c for c in app.records("contacts") if c["properties"]["email"] == "sql@example.com"
            )["properties"]
            assert Decimal(contact["score"]) == Decimal("12.25")
            assert contact["birthday"] == "1985-01-02"
            assert contact["last_seen"].startswith(
                "2026-01-15T08:00:00"
            )  # 09:00 Paris is 08:00 UTC
            assert contact["vip"] == "false"

            app.reset_stats()
            assert main(["sync", "-c", str(config)]) == 0
            assert app.stats().get("writes", 0) == 0, "typed values must not echo back and forth"
    finally:
        table.drop(engine)
        engine.dispose()
