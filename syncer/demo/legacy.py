"""The demo's legacy CRM: a SQLite database with a `customers` table, as an old app keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.demo.data import Person, messy

STATUS = {"lead": "L", "customer": "C", "subscriber": "S"}

metadata = sa.MetaData()
customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(255), unique=True),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("phone", sa.String(50)),
    sa.Column("status", sa.String(1)),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False, default=False),
)


def create(url: str, rows: list[Person], shared: list[Person]) -> sa.Engine:
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    records = [_row(p, p.email, now) for p in rows]
    records += [_row(p, messy(p.email, i), now) for i, p in enumerate(shared)]
    # One record HubSpot will refuse, to show the quarantine at work.
    records.append({**_row(rows[0], "pat.o'brien@@example", now), "first_name": "Pat"})
    with engine.begin() as conn:
        conn.execute(sa.insert(customers), records)
    return engine


def edit(engine: sa.Engine, row_id: int, **values: object) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            sa.update(customers).where(customers.c.id == row_id).values(updated_at=now, **values)
        )


def find_id(engine: sa.Engine, email: str) -> int:
    query = sa.select(customers.c.id).where(sa.func.lower(sa.func.trim(customers.c.email)) == email)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _row(person: Person, email: str, now: datetime) -> dict[str, object]:
    return {
        "email": email,
        "first_name": person.first,
        "last_name": person.last,
        "phone": person.phone,
        "status": STATUS[person.stage],
        "updated_at": now,
        "is_deleted": False,
    }
