"""The SQL connector's association fields and owners beyond the contract: configuration that
names nothing refused at prepare, join rows written in the row's own transaction, keys that do
not fit their columns refused, join rows read a chunk of ids at a time."""

from __future__ import annotations

import gc
from dataclasses import replace

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.connectors.sql.engines import SqlEngines
from syncer.errors import ConfigError
from syncer.records import RejectionKind, Write
from syncer.relations import JoinTable
from syncer.settings_external import SqlSettings
from tests.contract import sql_harness as harnesses
from tests.contract.harness import UNTIL, read_all
from tests.contract.sql_harness import SqlHarness, pipeline_for

# The SQL harness fixtures, shared with the contract suite.
sql_engine = harnesses.sql_engine
sql_engines = harnesses.sql_engines
sql_harness = harnesses.sql_harness


def built(harness: SqlHarness, **changes: object) -> SqlConnector:
    tables = harness.related_tables()
    options: dict[str, object] = {"associations": tables.fields(), "owners": tables.owners}
    return SqlConnector(
        SqlSettings(url=str(harness.engine.url)),
        pipeline_for(harness.table),
        engine=harness.engine,
        **(options | changes),  # type: ignore[arg-type]
    )


def refusal(harness: SqlHarness, **changes: object) -> str:
    connector = built(harness, **changes)
    harness.connectors.append(connector)
    with pytest.raises(ConfigError) as caught:
        connector.prepare()
    return str(caught.value)


def test_a_missing_foreign_key_column_is_refused_naming_the_setting(
    sql_harness: SqlHarness,
) -> None:
    tables = sql_harness.related_tables()
    wrong = replace(tables.relations.single, columns=("company_no",))
    message = refusal(sql_harness, associations=[wrong])
    assert "pipelines.contacts.associations (to 'firms').external" in message
    assert "'company_no'" in message and "firm_id" in message  # what exists


def test_a_missing_join_table_or_column_is_refused_naming_the_setting(
    sql_harness: SqlHarness,
) -> None:
    many = sql_harness.related_tables().relations.many
    assert many.join is not None
    no_table = replace(many, join=JoinTable("nowhere", "person_id", "group_id"))
    message = refusal(sql_harness, associations=[no_table])
    assert "associations (between 'contacts' and 'groups').table" in message
    assert "'nowhere'" in message
    no_column = replace(many, join=replace(many.join, to_column="team_id"))
    message = refusal(sql_harness, associations=[no_column])
    assert "associations (between 'contacts' and 'groups').columns" in message
    assert "'team_id'" in message and "group_id" in message


def test_a_missing_owners_table_or_column_is_refused_naming_the_setting(
    sql_harness: SqlHarness,
) -> None:
    owners = sql_harness.related_tables().owners
    message = refusal(sql_harness, owners=owners.model_copy(update={"table": "staff"}))
    assert "owners.table" in message and "'staff'" in message
    message = refusal(sql_harness, owners=owners.model_copy(update={"email": "mail"}))
    assert "owners.email" in message and "'mail'" in message


def test_a_join_row_the_database_refuses_rolls_the_row_write_back(
    sql_harness: SqlHarness,
) -> None:
    """The pairs are written in the row's transaction: a join row the table refuses (here a
    NOT NULL column the pair leaves empty) leaves that record's row as it was, and only it."""
    tables = sql_harness.related_tables()
    strict = sa.Table(
        f"{sql_harness.table.name}_strict", tables.metadata,
        sa.Column("person_id", sa.Integer, primary_key=True),
        sa.Column("group_id", sa.Integer, primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
    )  # fmt: skip
    strict.create(sql_harness.engine)
    many = replace(tables.relations.many, join=JoinTable(strict.name, "person_id", "group_id"))
    connector = built(sql_harness, associations=[tables.relations.single, many])
    sql_harness.connectors.append(connector)
    first, group = tables.seed_target(tables.relations.single, 1), tables.seed_target(many, 1)
    person = sql_harness.seed_pointing("p@example.com", {})
    other = sql_harness.seed_pointing("o@example.com", {})
    refused, written = connector.write(
        [
            Write("p", {"first_name": "Changed", many.name: [group]}, target_id=person),
            Write("o", {tables.relations.single.name: [first]}, target_id=other),
        ]
    )
    assert refused.rejection is not None
    assert written.ok
    stored = sql_harness.stored(person)
    assert stored is not None and stored["first_name"] == "Someone"
    assert sql_harness.pointed(other)[tables.relations.single.name] == [first]


def test_a_key_that_does_not_fit_its_column_is_refused(sql_harness: SqlHarness) -> None:
    connector = sql_harness.related_connector()
    tables = sql_harness.related_tables()
    person = sql_harness.seed_pointing("p@example.com", {})
    single, many = tables.relations.single.name, tables.relations.many.name
    results = connector.write(
        [
            Write("a", {single: ["ACME"]}, target_id=person),
            Write("b", {many: ["x1"]}, target_id=person),
        ]
    )
    for result, word in zip(results, ["firm_id", "group_id"], strict=True):
        assert result.rejection is not None
        assert result.rejection.kind is RejectionKind.INVALID_VALUE
        assert word in result.rejection.message


def test_an_update_of_join_rows_alone_needs_a_live_record(sql_harness: SqlHarness) -> None:
    connector = sql_harness.related_connector()
    tables = sql_harness.related_tables()
    many = tables.relations.many
    group = tables.seed_target(many, 1)
    person = sql_harness.seed_pointing("p@example.com", {})
    sql_harness.remove(person, modified_at=UNTIL)
    (result,) = connector.write([Write("p", {many.name: [group]}, target_id=person)])
    assert result.rejection is not None and result.rejection.kind is RejectionKind.NOT_FOUND
    assert tables.pointed(person)[many.name] == []


def test_join_rows_are_read_a_page_at_a_time(sql_harness: SqlHarness) -> None:
    """One join-table query per page of the listing, not one per record."""
    connector = sql_harness.related_connector(batch_size=3)
    tables = sql_harness.related_tables()
    group = tables.seed_target(tables.relations.many, 1)
    for i in range(6):
        sql_harness.seed_pointing(f"p{i}@example.com", {tables.relations.many.name: [group]})
    before = connector.counter.by_kind.get("select", 0)
    records, _, pages = read_all(connector.changes(None, UNTIL))
    assert [r.properties[tables.relations.many.name] for r in records] == [[group]] * 6
    selects = connector.counter.by_kind["select"] - before
    assert selects <= 2 * len(pages) + 1  # each page, its join rows, the watermark


def test_a_daemons_passes_reflect_join_and_users_tables_once_and_keep_nothing_behind(
    sql_harness: SqlHarness, sql_url: str
) -> None:
    """As for the pipeline's own table (issue 9): reflecting the join and users tables again
    every pass would keep the dialect's catalogue queries behind, pass after pass."""
    tables = sql_harness.related_tables()
    engines = SqlEngines()

    def one_pass() -> None:
        connector = SqlConnector(
            SqlSettings(url=sql_url), pipeline_for(sql_harness.table), engines=engines,
            associations=tables.fields(), owners=tables.owners,
        )  # fmt: skip
        try:
            connector.prepare()
            read_all(connector.changes(None, UNTIL))
            connector.owner_emails()
        finally:
            connector.close()

    try:
        for _ in range(10):  # warm: imports, the pool, the dialect's statement caches
            one_pass()
        gc.collect()
        before = len(gc.get_objects())
        for _ in range(30):
            one_pass()
        gc.collect()
        assert (len(gc.get_objects()) - before) / 30 < 10
    finally:
        engines.close()


def test_join_keys_written_in_another_form_are_one_pair(sql_harness: SqlHarness) -> None:
    """ "007" and "7" are one key of an integer column: one join row, and writing the list
    again in the other form changes nothing (no duplicate row refused by the table)."""
    connector = sql_harness.related_connector()
    tables = sql_harness.related_tables()
    many = tables.relations.many
    group = tables.seed_target(many, 7)
    person = sql_harness.seed_pointing("p@example.com", {})
    (first,) = connector.write([Write("a", {many.name: ["007", "7"]}, target_id=person)])
    assert first.ok, first.rejection
    (again,) = connector.write([Write("b", {many.name: ["007"]}, target_id=person)])
    assert again.ok, again.rejection
    assert tables.pointed(person)[many.name] == [group]
