"""Every per-row refusal of each database is a rejection of that record naming the column; only
a lost connection, a deadlock or a lock timeout is transient. Each case is a real statement
against a real table on SQLite, PostgreSQL and MariaDB, classified from the error it raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.connectors.sql.rejections import call_failure, is_record_error, rejection_for
from syncer.errors import RetryableError
from syncer.records import RejectionKind, Write
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract import sql_harness

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines

GOOD: dict[str, Any] = {"code": "A1", "email": "a@x.org", "name": "Ann", "qty": 1}


def legacy_tables(name: str) -> tuple[sa.MetaData, sa.Table]:
    """A legacy table: a text key with no default, NOT NULL columns without defaults, a
    foreign key, a check, a unique column, lengths, precision, an enum and a date."""
    metadata = sa.MetaData()
    owners = sa.Table(f"{name}_o", metadata, sa.Column("id", sa.Integer, primary_key=True))
    table = sa.Table(
        name,
        metadata,
        sa.Column("code", sa.String(20), primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(120), unique=True),
        sa.Column("name", sa.String(10), nullable=False),
        sa.Column("qty", sa.Integer, sa.CheckConstraint("qty >= 0"), nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey(owners.c.id)),
        sa.Column("price", sa.Numeric(5, 2)),
        sa.Column("status", sa.Enum("open", "won", name=f"{name}_st", create_constraint=True)),
        sa.Column("since", sa.Date),
    )
    return metadata, table


@pytest.fixture
def legacy(sql_engine: sa.Engine, unique_name: str) -> Iterator[sa.Table]:
    metadata, table = legacy_tables(unique_name)
    metadata.create_all(sql_engine)
    yield table
    metadata.drop_all(sql_engine)


class Refused(NamedTuple):
    case: str
    change: dict[str, Any]  # the values that differ from a good row; ... leaves a column out
    kind: RejectionKind
    column: str | None  # the column the rejection names
    lenient: frozenset[str] = frozenset()  # the dialects that accept such a row


CASES = [
    Refused("not null", {"name": None}, RejectionKind.REQUIRED_MISSING, "name"),
    Refused("no default", {"name": ...}, RejectionKind.REQUIRED_MISSING, "name"),
    Refused(
        "key without default",
        {"code": ...},
        RejectionKind.REQUIRED_MISSING,
        "code",
        frozenset({"sqlite"}),
    ),
    Refused("unique", {"email": GOOD["email"]}, RejectionKind.DUPLICATE, "email"),
    Refused("check", {"qty": -1}, RejectionKind.CONSTRAINT, None),
    Refused(
        "foreign key", {"owner_id": 99}, RejectionKind.CONSTRAINT, "owner_id", frozenset({"sqlite"})
    ),
    Refused("too long", {"name": "x" * 11}, RejectionKind.TOO_LONG, "name", frozenset({"sqlite"})),
    Refused(
        "out of range", {"qty": 10**12}, RejectionKind.INVALID_VALUE, "qty", frozenset({"sqlite"})
    ),
    Refused(
        "precision", {"price": 12345}, RejectionKind.INVALID_VALUE, "price", frozenset({"sqlite"})
    ),
    Refused("enum", {"status": "lost"}, RejectionKind.INVALID_VALUE, "status"),
    Refused("date", {"since": "2024-02-30"}, RejectionKind.INVALID_VALUE, "since"),
]
# PostgreSQL names the column only for NOT NULL (diag) and keys (the "Key (col)=" detail).
POSTGRES_NAMES = {"not null", "no default", "key without default", "unique", "foreign key"}


@pytest.mark.parametrize("refused", CASES, ids=[c.case for c in CASES])
def test_each_refusal_of_a_row_is_a_rejection_naming_the_column(
    sql_engine: sa.Engine, legacy: sa.Table, refused: Refused
) -> None:
    dialect = sql_engine.dialect.name
    if dialect in refused.lenient:
        pytest.skip(f"{dialect} accepts a row with a {refused.case} like this")
    with sql_engine.begin() as conn:
        conn.execute(sa.insert(legacy), GOOD)
    row = {**GOOD, "email": "b@x.org", "code": "B2"} | refused.change
    row = {name: value for name, value in row.items() if value is not ...}
    with pytest.raises(sa.exc.StatementError) as raised, sql_engine.begin() as conn:
        conn.execute(sa.insert(legacy), row)
    assert is_record_error(raised.value), raised.value
    rejection = rejection_for(raised.value, [*row, *legacy.c.keys()])
    kind, column = refused.kind, refused.column
    if dialect == "sqlite" and refused.case == "enum":  # SQLite keeps an enum by a CHECK
        kind, column = RejectionKind.CONSTRAINT, None
    if (dialect == "sqlite" and refused.case == "date") or (
        dialect == "postgresql" and refused.case not in POSTGRES_NAMES
    ):
        column = None  # SQLite's date is refused while binding; PostgreSQL does not say
    assert rejection.kind is kind, rejection
    if column is not None:
        assert rejection.property == column, rejection
    if isinstance(raised.value, sa.exc.DBAPIError):  # the database's own code is kept
        assert rejection.code not in ("constraint", "invalid_value"), rejection


def test_a_lock_timeout_is_transient(sql_engine: sa.Engine, legacy: sa.Table) -> None:
    with sql_engine.begin() as conn:
        conn.execute(sa.insert(legacy), GOOD)
    dialect = sql_engine.dialect.name
    holder = sql_engine.connect()
    try:
        holder.begin()
        holder.execute(sa.update(legacy).values(qty=2))
        waiter = (
            sa.create_engine(sql_engine.url, connect_args={"timeout": 0})
            if dialect == "sqlite"
            else sql_engine
        )
        with pytest.raises(sa.exc.DBAPIError) as raised, waiter.begin() as conn:
            if dialect == "postgresql":
                conn.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
            elif dialect != "sqlite":
                conn.execute(sa.text("SET SESSION innodb_lock_wait_timeout = 1"))
            conn.execute(sa.update(legacy).values(qty=3))
    finally:
        holder.rollback()
        holder.close()
    assert not is_record_error(raised.value), raised.value
    assert isinstance(call_failure(raised.value, "write"), RetryableError)


def test_a_create_the_table_refuses_is_rejected_and_the_rest_written(
    sql_engine: sa.Engine, legacy: sa.Table
) -> None:
    """The key has no default and `name` is NOT NULL without one: a create that lacks them is
    that record's rejection (MariaDB's 1364 included), never an error of the whole call."""
    pipeline = PipelineSettings.model_validate(
        {
            "name": "legacy",
            "external_object": legacy.name,
            "sql": {"primary_key": "code"},
            "fields": {"hs_code": "code", "email": "email", "firstname": "name", "qty": "qty"},
        }
    )
    connector = SqlConnector(SqlSettings(url=str(sql_engine.url)), pipeline, engine=sql_engine)
    connector.prepare()
    try:
        results = connector.write(
            [
                Write(
                    key="ok", properties={"code": "C1", "email": "c@x.org", "name": "Cy", "qty": 1}
                ),
                Write(key="no-name", properties={"code": "C2", "email": "d@x.org", "qty": 1}),
            ]
        )
    finally:
        connector.close()
    assert results[0].ok
    rejection = results[1].rejection
    assert rejection is not None and rejection.kind is RejectionKind.REQUIRED_MISSING
    assert rejection.property == "name"
    with sql_engine.connect() as conn:
        assert conn.execute(sa.select(legacy.c.code)).scalars().all() == ["C1"]
