"""Loading settings: file resolution, environment overrides, secret files, and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncer.errors import ConfigError
from syncer.settings import Settings, load_settings
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings

EXAMPLE = Path(__file__).parents[2] / "config" / "syncer.example.toml"

MINIMAL = """
[external]
url = "sqlite:///legacy.db"

[[pipelines]]
name = "contacts"
external_object = "customers"
"""


def pipeline_config(**keys: str) -> str:
    """MINIMAL with its pipeline's keys replaced or added (string values)."""
    keys = {"name": "contacts", "external_object": "customers", **keys}
    lines = [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    return '[external]\nurl = "sqlite:///legacy.db"\n\n[[pipelines]]\n' + "\n".join(lines) + "\n"


def write(folder: Path, text: str, name: str = "syncer.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    """The lines of the ConfigError that loading `path` raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={} if env is None else env)
    return str(caught.value).splitlines()


def test_the_example_file_loads_with_secrets_from_the_environment() -> None:
    env = {"SYNCER_HUBSPOT__TOKEN": "pat-na1-example", "SYNCER_EXTERNAL__PASSWORD": "crm-pass"}
    settings = load_settings(EXAMPLE, env=env)

    [pipeline] = settings.pipelines
    assert (pipeline.name, pipeline.external_object) == ("contacts", "customers")
    assert pipeline.fields["phone"].direction == "to_hubspot"
    assert pipeline.fields["lifecyclestage"].values == {"lead": "L", "customer": "C"}
    assert pipeline.sql is not None and pipeline.sql.deleted_flag == "is_deleted"
    assert pipeline.interval_seconds() == 300.0
    assert settings.hubspot.token is not None
    assert settings.hubspot.token.get_secret_value() == "pat-na1-example"
    assert settings.ledger.url == f"sqlite:///{EXAMPLE.parent}/syncer.db"


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ConfigError, match=r"^config file not found: /nowhere/syncer.toml$"):
        load_settings(Path("/nowhere/syncer.toml"), env={})


def test_the_file_comes_from_syncer_config_then_the_default_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = write(tmp_path, MINIMAL.replace("contacts", "from-env"), "chosen.toml")
    assert load_settings(env={"SYNCER_CONFIG": str(chosen)}).pipelines[0].name == "from-env"

    (tmp_path / "config").mkdir()
    write(tmp_path / "config", MINIMAL)
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).pipelines[0].name == "contacts"


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[hubspot]\nburst_limit = 150\ntoken = "from-file"\n')
    env = {
        "SYNCER_HUBSPOT__TOKEN": "from-env",
        "SYNCER_HUBSPOT__BURST_LIMIT": "100",
        "SYNCER_LEDGER__URL": "postgresql+psycopg://syncer@db/ledger",
        "UNRELATED": "ignored",
    }
    settings = load_settings(path, env=env)
    assert settings.hubspot.burst_limit == 100
    assert settings.hubspot.token is not None
    assert settings.hubspot.token.get_secret_value() == "from-env"
    assert settings.ledger.url == "postgresql+psycopg://syncer@db/ledger"


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    env = {"SYNCER_HUBSPOT__BURST_LIMIT": "lots", "SYNCER_HUBSPOT__TOKENZ": "x"}
    assert problems(path, env) == [
        "$SYNCER_HUBSPOT__BURST_LIMIT: hubspot.burst_limit: expected a valid integer, "
        "unable to parse string as an integer, got 'lots'",
        "$SYNCER_HUBSPOT__TOKENZ: hubspot.tokenz: unknown key",
    ]


def test_a_whole_section_from_the_environment_must_be_json(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert problems(path, {"SYNCER_LEDGER": "sqlite:///x.db"}) == [
        "$SYNCER_LEDGER: expected JSON for a whole section or list; "
        "set single keys as $SYNCER_LEDGER__KEY"
    ]


def test_every_problem_is_listed_with_file_and_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """conflict = "oldest"
fieldz = { firstname = "first_name" }

[[pipelines]]
name = "contacts"
external_object = "customers"
interval = "5 minutes"
""",
    )
    assert problems(path) == [
        f"{path}: pipelines[0].conflict: expected one of 'newest', 'hubspot', 'external', "
        "got 'oldest'",
        f"{path}: pipelines[0].fieldz: unknown key",
        f"{path}: pipelines[1].interval: expected <n>s, <n>m, <n>h or <n>d such as '5m', "
        "got '5 minutes'",
    ]


def test_duplicate_pipeline_names_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "[[pipelines]]\n" + MINIMAL.split("[[pipelines]]\n")[1])
    assert problems(path) == [
        f"{path}: pipelines[1].name: duplicate pipeline name 'contacts' (also pipelines[0].name)"
    ]


def test_a_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "[hubspot]\nburst_limit = 190\nbase_url = https://x\n")
    assert problems(path) == [f"{path}: line 3, column 12: invalid TOML: Invalid value"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("external_object", "customers; DROP TABLE customers", "a plain identifier"),
        ("external_object", 'x"y', "a plain identifier"),
        ("name", "Contacts", "lower-case letters, digits, _ or -, a letter first"),
        ("external_id_property", "Legacy-ID", "a HubSpot property name"),
        ("hubspot_object", "Contacts", "a HubSpot object type"),
        ("cron", "*/5 * * *", "a 5-field crontab such as '*/5 * * * *'"),
    ],
)
def test_bad_pipeline_values_are_refused_with_their_key(
    tmp_path: Path, key: str, value: str, expected: str
) -> None:
    path = write(tmp_path, pipeline_config(**{key: value}))
    [line] = problems(path)
    assert line.startswith(f"{path}: pipelines[0].{key}: expected {expected}")
    assert line.endswith(f"got {value!r}") or "(Wrong number of fields" in line


def test_injected_sql_names_in_columns_and_fields_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """[pipelines.sql]
updated_at = "updated_at`; --"
[pipelines.fields]
"First Name" = "first_name"
lastname = "last name"
""",
    )
    ident = "expected a plain identifier (letters, digits, _ or $; no digit first)"
    assert problems(path) == [
        f"{path}: pipelines[0].sql.updated_at: {ident}, got 'updated_at`; --'",
        f'{path}: pipelines[0].fields."First Name": expected a HubSpot property name '
        "(lower-case letters, digits, _), got 'First Name'",
        f"{path}: pipelines[0].fields.lastname.external: {ident}, got 'last name'",
    ]


def test_cron_wins_over_the_default_interval_but_not_both_explicitly(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + 'cron = "*/10 * * * *"\n')
    assert load_settings(path, env={}).pipelines[0].interval_seconds() is None

    path = write(tmp_path, MINIMAL + 'cron = "*/10 * * * *"\ninterval = "1h"\n')
    assert problems(path) == [f"{path}: pipelines[0]: set interval or cron, not both"]


@pytest.mark.parametrize(
    ("interval", "seconds"), [("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400)]
)
def test_interval_seconds(interval: str, seconds: float) -> None:
    pipeline = PipelineSettings(name="p", external_object="t", interval=interval)
    assert pipeline.interval_seconds() == seconds


def test_sql_needs_a_url_and_gets_default_table_settings(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('url = "sqlite:///legacy.db"', 'kind = "sql"'))
    assert problems(path) == [
        f"{path}: external.url: required when external.kind is 'sql' (a SQLAlchemy URL)"
    ]
    sql = load_settings(write(tmp_path, MINIMAL), env={}).pipelines[0].sql
    assert sql is not None and sql.primary_key == "id"


def test_external_is_read_into_the_model_of_its_kind(tmp_path: Path) -> None:
    external = load_settings(write(tmp_path, MINIMAL), env={}).external
    assert isinstance(external, SqlSettings) and external.url == "sqlite:///legacy.db"
    text = MINIMAL.replace("[external]", '[external]\nkind = "sql"\nbatch_size = 0\nbogus = 1')
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}: external.batch_size: expected greater than 0, got 0",
        f"{path}: external.bogus: unknown key",
    ]


def test_an_unknown_external_kind_names_the_key_and_the_kinds_there_are(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("[external]", '[external]\nkind = "salesforce"'))
    assert problems(path) == [f"{path}: external.kind: expected one of 'sql', got 'salesforce'"]
    # The in-memory connector is for tests: not a kind a configuration may name.
    assert problems(write(tmp_path, MINIMAL), env={"SYNCER_EXTERNAL__KIND": "memory"}) == [
        "$SYNCER_EXTERNAL__KIND: external.kind: expected one of 'sql', got 'memory'"
    ]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("ftp://api.hubapi.com", "expected an http:// or https:// URL, got 'ftp://api.hubapi.com'"),
        ("http://169.254.169.254/", "refusing cloud metadata / link-local address"),
        ("http://localhost:8080", "refusing loopback/private address 'localhost'"),
        ("http://10.1.2.3", "refusing loopback/private address '10.1.2.3'"),
    ],
)
def test_unsafe_hubspot_base_urls_are_refused(tmp_path: Path, base_url: str, expected: str) -> None:
    path = write(tmp_path, f'[hubspot]\nbase_url = "{base_url}"\n' + MINIMAL)
    [line] = problems(path)
    assert line.startswith(f"{path}: hubspot.base_url: {expected}")


def test_a_local_sandbox_is_allowed_when_the_file_says_so(tmp_path: Path) -> None:
    text = '[hubspot]\nbase_url = "http://127.0.0.1:8080"\nallow_private_network = true\n'
    path = write(tmp_path, text + MINIMAL)
    assert load_settings(path, env={}).hubspot.base_url == "http://127.0.0.1:8080"


def test_secret_files_are_read_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("  pat-na1-from-file \n")
    (tmp_path / "secrets" / "password").write_text("crm-password\n")
    path = write(
        tmp_path,
        '[hubspot]\ntoken_file = "secrets/token"\n'
        + MINIMAL.replace("[external]", '[external]\npassword_file = "secrets/password"'),
    )
    settings = load_settings(path, env={})
    assert settings.hubspot.token is not None and settings.external.password is not None
    assert settings.hubspot.token.get_secret_value() == "pat-na1-from-file"
    assert settings.external.password.get_secret_value() == "crm-password"
    assert settings.hubspot.token_file == tmp_path / "secrets" / "token"


def test_missing_secret_files_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[hubspot]\ntoken_file = "/run/secrets/nope"\n'
        + MINIMAL.replace("[external]", '[external]\npassword_file = "pw"'),
    )
    assert problems(path) == [
        f"{path}: hubspot.token_file: file not found: /run/secrets/nope",
        f"{path}: external.password_file: file not found: {tmp_path}/pw",
    ]


def test_an_environment_token_replaces_the_files_token_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[hubspot]\ntoken_file = "/run/secrets/nope"\n' + MINIMAL)
    settings = load_settings(path, env={"SYNCER_HUBSPOT__TOKEN": "pat-env"})
    assert settings.hubspot.token is not None
    assert settings.hubspot.token.get_secret_value() == "pat-env"


def test_token_and_token_file_in_one_place_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t")
    path = write(tmp_path, '[hubspot]\ntoken = "x"\ntoken_file = "token"\n' + MINIMAL)
    assert problems(path) == [f"{path}: hubspot: set token or token_file, not both"]


def test_secrets_never_show_in_repr_or_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[hubspot]\ntoken = "pat-na1-SECRET-TOKEN"\n'
        + MINIMAL.replace("sqlite:///legacy.db", "mysql+pymysql://crm:url-pass-word@db/crm"),
    )
    settings = load_settings(path, env={"SYNCER_EXTERNAL__PASSWORD": "sql-password"})
    shown = repr(settings) + str(settings)
    for secret in ("pat-na1-SECRET-TOKEN", "sql-password", "url-pass-word"):
        assert secret not in shown
        assert secret in settings.secret_values()

    bad = write(tmp_path, "[hubspot]\ntoken = 1234567\n" + MINIMAL)
    [line] = problems(bad)
    assert line.startswith(f"{bad}: hubspot.token: expected a valid string")
    assert "1234567" not in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///state/ledger.db", "sqlite:///{dir}/state/ledger.db"),
        ("sqlite:////var/lib/syncer.db", "sqlite:////var/lib/syncer.db"),
        ("sqlite://", "sqlite://"),
        ("postgresql+psycopg://u:p@db/ledger", "postgresql+psycopg://u:p@db/ledger"),
    ],
)
def test_a_relative_sqlite_ledger_lives_next_to_the_config_file(
    tmp_path: Path, url: str, expected: str
) -> None:
    path = write(tmp_path, f'[ledger]\nurl = "{url}"\n' + MINIMAL)
    assert load_settings(path, env={}).ledger.url == expected.format(dir=tmp_path)


def test_settings_built_in_code_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCER_HUBSPOT__BURST_LIMIT", "7")
    assert Settings(external={"url": "sqlite://"}).hubspot.burst_limit == 190


def test_a_primary_key_is_a_column_or_a_list_of_distinct_columns(tmp_path: Path) -> None:
    base = pipeline_config() + "[pipelines.sql]\n"
    single = load_settings(write(tmp_path, base + 'primary_key = "id"\n'), env={})
    assert single.pipelines[0].sql is not None
    assert single.pipelines[0].sql.key_columns() == ["id"]
    composite = write(tmp_path, base + 'primary_key = ["orderNumber", "productCode"]\n')
    sql = load_settings(composite, env={}).pipelines[0].sql
    assert sql is not None and sql.key_columns() == ["orderNumber", "productCode"]
    for bad, reason in (("[]", "name at least one column"), ('["a", "a"]', "listed twice")):
        path = write(tmp_path, base + f"primary_key = {bad}\n")
        [line] = problems(path)
        assert "pipelines[0].sql.primary_key" in line and reason in line, line


def test_match_is_optional_and_absent_by_default(tmp_path: Path) -> None:
    [pipeline] = load_settings(write(tmp_path, pipeline_config()), env={}).pipelines
    assert pipeline.match is None
    assert pipeline.hubspot_properties() == ["syncer_external_id"]
    assert pipeline.external_fields() == []
