"""SQL connector configuration: reflection errors name the key, identifiers cannot inject SQL,
and the password is injected into the URL without ever being shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from syncer.connectors.sql import SqlConnector
from syncer.connectors.sql.connection import build_engine, database_url, safe_url
from syncer.errors import ConfigError
from syncer.settings_external import SqlSettings, SqlTableSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract import sql_harness
from tests.contract.sql_harness import crm_table, pipeline_for

# The SQL harness fixtures, shared with the contract suite.
sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines


@pytest.fixture
def table(sql_engine: sa.Engine, unique_name: str) -> Iterator[sa.Table]:
    table = crm_table(unique_name)
    table.create(sql_engine)
    yield table
    table.drop(sql_engine)


def connector(engine: sa.Engine, pipeline: PipelineSettings) -> SqlConnector:
    return SqlConnector(SqlSettings(url=str(engine.url)), pipeline, engine=engine)


def with_sql(pipeline: PipelineSettings, **changes: str) -> PipelineSettings:
    """The pipeline with `sql` settings changed, bypassing load-time validation on purpose:
    the connector must defend itself even against settings built without it."""
    sql = pipeline.sql or SqlTableSettings()
    return pipeline.model_copy(update={"sql": sql.model_copy(update=changes)})


def test_missing_column_names_the_key_the_column_and_what_exists(
    sql_engine: sa.Engine, table: sa.Table
) -> None:
    pipeline = with_sql(pipeline_for(table), updated_at="modified_on")
    with pytest.raises(ConfigError) as caught:
        connector(sql_engine, pipeline).prepare()
    message = str(caught.value)
    assert "pipelines.contacts.sql.updated_at" in message
    assert "'modified_on'" in message
    assert "email, first_name, id, is_deleted" in message


def test_missing_mapped_field_names_its_mapping(sql_engine: sa.Engine, table: sa.Table) -> None:
    pipeline = pipeline_for(table)
    pipeline = pipeline.model_copy(
        update={
            "fields": {
                **pipeline.fields,
                "phone": pipeline.fields["score"].model_copy(update={"external": "phone_number"}),
            }
        }
    )
    with pytest.raises(
        ConfigError,
        match=r"pipelines\.contacts\.fields\.phone\.external: "
        r"column 'phone_number' does not exist",
    ):
        connector(sql_engine, pipeline).prepare()


def test_missing_table_names_external_object(sql_engine: sa.Engine, table: sa.Table) -> None:
    pipeline = pipeline_for(table).model_copy(update={"external_object": "no_such_table"})
    with pytest.raises(
        ConfigError,
        match=r"pipelines\.contacts\.external_object: table "
        r"'no_such_table' does not exist",
    ):
        connector(sql_engine, pipeline).prepare()


@pytest.mark.parametrize("key", ["primary_key", "updated_at", "deleted_flag"])
def test_injected_identifier_is_refused_and_nothing_runs(
    sql_engine: sa.Engine, table: sa.Table, key: str
) -> None:
    hostile = f'id"; DROP TABLE {table.name}; --'
    pipeline = with_sql(pipeline_for(table), **{key: hostile})
    with pytest.raises(ConfigError, match=rf"pipelines\.contacts\.sql\.{key}: .* is not a valid"):
        connector(sql_engine, pipeline)
    assert sa.inspect(sql_engine).has_table(table.name)


def test_an_injected_column_in_a_composite_key_is_refused(
    sql_engine: sa.Engine, table: sa.Table
) -> None:
    hostile = f'id"; DROP TABLE {table.name}; --'
    pipeline = with_sql(pipeline_for(table), primary_key=["id", hostile])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"pipelines\.contacts\.sql\.primary_key: .* not a valid"):
        connector(sql_engine, pipeline)
    assert sa.inspect(sql_engine).has_table(table.name)


def test_a_composite_key_column_that_does_not_exist_is_named(
    sql_engine: sa.Engine, table: sa.Table
) -> None:
    pipeline = with_sql(pipeline_for(table), primary_key=["id", "lineNo"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"sql\.primary_key: column 'lineNo' does not exist"):
        connector(sql_engine, pipeline).prepare()


def test_injected_table_name_is_refused(sql_engine: sa.Engine, table: sa.Table) -> None:
    pipeline = pipeline_for(table).model_copy(
        update={"external_object": f"{table.name}; DELETE FROM {table.name}"}
    )
    with pytest.raises(ConfigError, match=r"pipelines\.contacts\.external_object"):
        connector(sql_engine, pipeline)


def test_find_refuses_unknown_fields_and_binds_values(
    sql_engine: sa.Engine, table: sa.Table
) -> None:
    sql = connector(sql_engine, pipeline_for(table))
    with sql_engine.begin() as conn:
        conn.execute(sa.insert(table).values(email="a@x.org", first_name="A"))
    with pytest.raises(ConfigError, match="'email OR 1=1' does not exist"):
        sql.find("email OR 1=1", ["a@x.org"])
    assert sql.find("email", ["' OR '1'='1", "a@x.org') OR ('1'='1"]) == []
    assert [r.properties["email"] for r in sql.find("email", ["A@X.org"])] == ["a@x.org"]


def test_text_deleted_flag_is_refused(sql_engine: sa.Engine, table: sa.Table) -> None:
    pipeline = with_sql(pipeline_for(table), deleted_flag="email")
    with pytest.raises(
        ConfigError,
        match=r"deleted_flag: column 'email' has type .* expected a "
        "boolean or integer column",
    ):
        connector(sql_engine, pipeline).prepare()


def test_unknown_time_zone_names_the_key(sql_engine: sa.Engine, table: sa.Table) -> None:
    pipeline = with_sql(pipeline_for(table), timezone="Mars/Olympus")
    with pytest.raises(ConfigError, match=r"pipelines\.contacts\.sql\.timezone: .*'Mars/Olympus'"):
        connector(sql_engine, pipeline).prepare()


def test_password_is_injected_and_never_rendered(tmp_path: Path) -> None:
    settings = SqlSettings(
        url="postgresql+psycopg://crm@db.internal/crm", password=SecretStr("s3cret-pw")
    )
    url = database_url(settings)
    assert url.password == "s3cret-pw"
    assert "s3cret-pw" not in str(url)
    secret = tmp_path / "db_password"
    secret.write_text("from-file\n", encoding="utf-8")
    engine = build_engine(
        SqlSettings(url="mysql+pymysql://crm@db.invalid/crm", password_file=secret)
    )  # does not connect
    assert engine.url.password == "from-file"
    assert "from-file" not in safe_url(engine)
    engine.dispose()


def test_unreadable_password_file_is_a_config_error(tmp_path: Path) -> None:
    settings = SqlSettings(url="sqlite://", password_file=tmp_path / "missing")
    with pytest.raises(ConfigError, match=r"external\.password_file: cannot read"):
        database_url(settings)
