"""The connector registry keyed by `external.kind`, and what the service may import."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Literal

import pytest
from pydantic import SecretStr

from syncer.connectors.base import Connector
from syncer.connectors.memory import MemoryConnector
from syncer.errors import ConfigError
from syncer.records import FieldType
from syncer.settings import Settings, load_settings
from syncer.settings_external import KINDS, ExternalSettings
from syncer.settings_pipeline import PipelineSettings
from syncer.wiring import (
    EXTERNAL_CONNECTORS,
    ExternalConnector,
    Relations,
    build_connectors,
    external_connector,
)

SYNCER = Path(__file__).parents[2] / "syncer"
PIPELINE = PipelineSettings(name="contacts", external_object="customers")


class Sheets(ExternalSettings):
    """A kind of external CRM that is not there: a spreadsheet of customers."""

    kind: Literal["sheets"] = "sheets"
    columns: list[str]
    api_key: SecretStr | None = None
    api_key_file: Path | None = None


def sheet_connector(
    settings: Sheets, pipeline: PipelineSettings, relations: Relations
) -> Connector:
    return MemoryConnector(dict.fromkeys(settings.columns, FieldType.TEXT))


def test_every_kind_in_the_settings_has_its_connector() -> None:
    assert EXTERNAL_CONNECTORS.keys() == KINDS.keys()
    for kind, registered in EXTERNAL_CONNECTORS.items():
        assert registered.settings is KINDS[kind]


def test_a_kind_without_a_connector_is_a_config_error_naming_the_known_kinds() -> None:
    with pytest.raises(ConfigError) as caught:
        external_connector(Sheets(columns=["email"]), PIPELINE)
    assert str(caught.value) == "external.kind: no connector for 'sheets' (known kinds: 'sql')"


def test_a_new_kind_is_its_settings_model_and_one_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, "sheets", Sheets)
    monkeypatch.setitem(EXTERNAL_CONNECTORS, "sheets", ExternalConnector(Sheets, sheet_connector))
    config = tmp_path / "syncer.toml"
    config.write_text(
        '[external]\nkind = "sheets"\ncolumns = ["email", "name"]\napi_key_file = "key"\n\n'
        '[[pipelines]]\nname = "contacts"\nexternal_object = "customers"\n'
    )
    (tmp_path / "key").write_text("sheets-api-key\n")
    settings = load_settings(config, env={})
    assert settings.external == Sheets(
        columns=["email", "name"],
        api_key=SecretStr("sheets-api-key"),
        api_key_file=tmp_path / "key",
    )
    assert "sheets-api-key" in settings.secret_values()
    assert settings.pipelines[0].sql is None  # the SQL table settings are for kind "sql"
    connector = external_connector(settings.external, settings.pipelines[0])
    assert isinstance(connector, MemoryConnector)
    assert connector.field_types() == {"email": FieldType.TEXT, "name": FieldType.TEXT}
    config.write_text(config.read_text().replace('columns = ["email", "name"]', ""))
    with pytest.raises(ConfigError, match=r"external\.columns: required key is missing$"):
        load_settings(config, env={})


class Closing(MemoryConnector):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_the_external_connector_is_closed_when_hubspots_cannot_be_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[Closing] = []

    def closing(settings: Sheets, pipeline: PipelineSettings, relations: Relations) -> Connector:
        built.append(Closing({"email": FieldType.TEXT}))
        return built[-1]

    monkeypatch.setitem(KINDS, "sheets", Sheets)
    monkeypatch.setitem(EXTERNAL_CONNECTORS, "sheets", ExternalConnector(Sheets, closing))
    settings = Settings(external={"kind": "sheets", "columns": ["email"]}, pipelines=[PIPELINE])
    with pytest.raises(ConfigError, match=r"hubspot\.token: no secret given"):
        build_connectors(settings, PIPELINE)  # no HubSpot token
    assert [c.closed for c in built] == [True]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted((SYNCER / "service").glob("*.py")), ids=lambda p: p.name)
def test_the_service_imports_neither_the_commands_nor_a_connector(path: Path) -> None:
    """The daemon is given what it runs: it neither reaches back into the commands that start
    it (an import cycle) nor knows what the connectors are."""
    forbidden = ("syncer.commands", "syncer.connectors", "syncer.wiring")
    assert not {m for m in imported_modules(path) if m.startswith(forbidden)}


def test_issue9_the_runs_of_one_process_share_the_sql_engine(tmp_path: Path) -> None:
    """The daemon's passes (one SharedBudgets for the process) use the process's engine and
    leave it open for the next pass; they build none of their own."""
    import sqlalchemy as sa

    from syncer.wiring import SharedBudgets

    url = f"sqlite:///{tmp_path}/crm.db"
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)"))
    settings = Settings(
        hubspot={"token": "pat-test"}, external={"kind": "sql", "url": url}, pipelines=[PIPELINE]
    )
    shared = SharedBudgets.of(settings)
    checkouts: list[object] = []
    try:
        engine = shared.sql_engines.engine(settings.external)
        sa.event.listen(engine, "checkout", lambda *_: checkouts.append(1))
        for _ in range(2):
            connector = external_connector(settings.external, PIPELINE, shared)
            connector.prepare()
            connector.close()
        assert len(checkouts) >= 2  # both passes read the table through the shared engine
        with engine.connect() as conn:  # and neither disposed of it
            assert conn.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 0
    finally:
        shared.close()


RELATIONS_CONFIG = """
[hubspot]
token = "pat-test"

[external]
kind = "sql"
url = "sqlite:///{db}"

[owners]
table = "employees"
key = "employeeNumber"
email = "email"

[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "customers"
[pipelines.sql]
primary_key = "customerNumber"

[[pipelines]]
name = "contacts"
external_object = "people"
[pipelines.sql]
primary_key = "id"
[pipelines.fields]
hubspot_owner_id = {{ external = "salesRep", owner = true }}
[[pipelines.associations]]
to = "companies"
external = "{column}"
"""


def test_the_external_connector_is_built_with_the_pipelines_relations(tmp_path: Path) -> None:
    """Wiring hands the SQL connector the association fields of the pipeline and `[owners]`:
    the records carry the FK as a list, the users table is read, a wrong column is named."""
    import sqlalchemy as sa

    db = tmp_path / "crm.db"
    with sa.create_engine(f"sqlite:///{db}").begin() as conn:
        for ddl in (
            "CREATE TABLE customers (customerNumber INTEGER PRIMARY KEY)",
            "CREATE TABLE people (id INTEGER PRIMARY KEY, salesRep TEXT, customerNumber INTEGER)",
            "CREATE TABLE employees (employeeNumber TEXT PRIMARY KEY, email TEXT)",
            "INSERT INTO customers VALUES (103)",
            "INSERT INTO people VALUES (1, 'E7', 103)",
            "INSERT INTO employees VALUES ('E7', 'rep@example.com')",
        ):
            conn.execute(sa.text(ddl))
    config = tmp_path / "syncer.toml"
    config.write_text(RELATIONS_CONFIG.format(db=db, column="customerNumber"))
    settings = load_settings(config, env={})
    contacts = settings.pipelines[1]
    connector = external_connector(
        settings.external, contacts, relations=Relations.of(settings, contacts)
    )
    try:
        connector.prepare()
        assert connector.fetch(["1"])[0].properties["@companies"] == ["103"]
        assert connector.capabilities.owners and connector.capabilities.associations
        assert connector.owner_emails() == {"E7": "rep@example.com"}  # type: ignore[attr-defined]
    finally:
        connector.close()
    config.write_text(RELATIONS_CONFIG.format(db=db, column="companyId"))
    settings = load_settings(config, env={})
    contacts = settings.pipelines[1]
    connector = external_connector(
        settings.external, contacts, relations=Relations.of(settings, contacts)
    )
    with pytest.raises(ConfigError, match=r"contacts\.associations \(to 'companies'\)\.external"):
        connector.prepare()
    connector.close()
