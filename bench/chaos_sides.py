"""The two CRMs as their own users touch them: HubSpot over HTTP to the sandbox, the legacy table
through SQLAlchemy (a writer that bumps `updated_at` and soft-deletes by a flag)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa

from bench.chaos_world import SQL_COLUMNS
from bench.procs import TOKEN

CONTACTS = "/crm/v3/objects/contacts"


def utc_naive(stamp: str) -> datetime:
    """HubSpot's `2026-12-06T07:50:00.123Z` as a naive UTC datetime, as the SQL side keeps it."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def now_naive() -> datetime:
    moment = datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class HubSide:
    def __init__(self, url: str) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=60)

    def create(self, values: dict[str, str]) -> tuple[str, datetime]:
        response = self.client.post(CONTACTS, json={"properties": values, "associations": []})
        response.raise_for_status()
        body = response.json()
        return str(body["id"]), utc_naive(body["updatedAt"])

    def update(self, hub_id: str, values: dict[str, str]) -> datetime:
        response = self.client.patch(f"{CONTACTS}/{hub_id}", json={"properties": values})
        response.raise_for_status()
        return utc_naive(response.json()["updatedAt"])

    def archive(self, hub_id: str) -> None:
        self.client.delete(f"{CONTACTS}/{hub_id}").raise_for_status()

    def live(self) -> dict[str, dict[str, Any]]:
        """Every live contact by id, with its full property set."""
        response = self.client.get("/_sandbox/records/contacts")
        response.raise_for_status()
        return {str(r["id"]): r for r in response.json()["results"]}

    def schedule_fault(self, spec: dict[str, Any]) -> None:
        self.client.post("/_sandbox/faults", json=spec).raise_for_status()

    def faults_left(self) -> int:
        response = self.client.get("/_sandbox/faults")
        response.raise_for_status()
        return sum(int(f["count"]) for f in response.json()["results"])

    def clear_faults(self) -> None:
        self.client.delete("/_sandbox/faults").raise_for_status()

    def writes(self) -> int:
        return self.stat("writes")

    def stat(self, name: str) -> int:
        """One of the sandbox's request counts (writes, faults met, ...)."""
        response = self.client.get("/_sandbox/stats")
        response.raise_for_status()
        return int(response.json().get(name, 0))

    def close(self) -> None:
        self.client.close()


def customers(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("is_deleted", sa.Boolean, nullable=False, default=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


@dataclass
class SqlRow:
    id: int
    values: dict[str, str]  # by HubSpot property name
    deleted: bool
    updated_at: datetime


class SqlSide:
    def __init__(self, engine: sa.Engine, table: sa.Table) -> None:
        self.engine, self.table = engine, table

    def create(self, values: dict[str, str]) -> tuple[int, datetime]:
        stamp = now_naive()
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.insert(self.table).values(**_columns(values), is_deleted=False, updated_at=stamp)
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0]), stamp

    def update(
        self, row_id: int, values: dict[str, str], *, deleted: bool | None = None
    ) -> datetime:
        stamp = now_naive()
        changes: dict[str, Any] = {**_columns(values), "updated_at": stamp}
        if deleted is not None:
            changes["is_deleted"] = deleted
        with self.engine.begin() as conn:
            conn.execute(sa.update(self.table).where(self.table.c.id == row_id).values(changes))
        return stamp

    def swap_emails(self, first: int, second: int, emails: tuple[str, str]) -> datetime:
        """One transaction, through a placeholder: the column is unique."""
        stamp, table = now_naive(), self.table
        with self.engine.begin() as conn:
            for row_id, email in (
                (first, f"swap-{first}@chaos.invalid"),
                (second, emails[0]),
                (first, emails[1]),
            ):
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == row_id)
                    .values(email=email, updated_at=stamp)
                )
        return stamp

    def rows(self) -> dict[int, SqlRow]:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(self.table)).all()
        return {
            r.id: SqlRow(
                r.id,
                {prop: getattr(r, column) for prop, column in SQL_COLUMNS.items()},
                bool(r.is_deleted),
                r.updated_at,
            )
            for r in found
        }


def _columns(values: dict[str, str]) -> dict[str, str]:
    return {SQL_COLUMNS[name]: value for name, value in values.items()}
