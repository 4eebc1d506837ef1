"""Settings the hardening issue found accepted, each refused when the file is loaded with one
line naming the key: URLs that receive a secret (items 4 and 5) and inputs that ended in a
traceback or a hang (item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.errors import ConfigError
from syncer.settings import load_settings

PIPELINE = """
[external]
url = "sqlite:///legacy.db"

[[pipelines]]
name = "contacts"
external_object = "customers"
"""


def problems(tmp_path: Path, head: str, env: dict[str, str] | None = None) -> list[str]:
    """The lines of the ConfigError that loading `head` + PIPELINE raises; [] if it loads."""
    path = tmp_path / "syncer.toml"
    path.write_text(head + PIPELINE, encoding="utf-8")
    try:
        load_settings(path, env=env or {})
    except ConfigError as exc:
        return [line.removeprefix(f"{path}: ") for line in str(exc).splitlines()]
    return []


# -- item 4: oauth_token_url gets every rule of base_url ---------------------------------------

OAUTH = '[hubspot]\nclient_id = "app"\nclient_secret = "cs"\nrefresh_token = "rt"\n'


@pytest.mark.parametrize(
    ("token_url", "expected"),
    [
        ("http://127.0.0.1:9999/token", "refusing loopback/private address '127.0.0.1'"),
        ("https://10.0.0.8/token", "refusing loopback/private address '10.0.0.8'"),
        ("http://169.254.169.254/token", "refusing cloud metadata / link-local address"),
        ("http://auth.example.com/token", "refusing plain http:// to 'auth.example.com'"),
        ("ftp://auth.example.com/token", "expected an http:// or https:// URL"),
    ],
)
def test_issue4_oauth_token_url_is_held_to_the_rules_of_base_url(
    tmp_path: Path, token_url: str, expected: str
) -> None:
    [line] = problems(tmp_path, f'{OAUTH}oauth_token_url = "{token_url}"\n')
    assert line.startswith(f"hubspot.oauth_token_url: {expected}")


def test_a_local_token_endpoint_is_allowed_when_the_file_says_so(tmp_path: Path) -> None:
    head = f'{OAUTH}oauth_token_url = "http://127.0.0.1:9999/token"\nallow_private_network = true\n'
    assert problems(tmp_path, head) == []
    assert problems(tmp_path, f'{OAUTH}oauth_token_url = "https://auth.example.com/t"\n') == []


# -- item 5: other spellings of an address, and plain http -------------------------------------


@pytest.mark.parametrize(
    "host", ["2852039166", "127.1", "0x7f000001", "0177.0.0.1", "0x7f.1", "10.1"]
)
@pytest.mark.parametrize("allowed", [False, True])
def test_issue5_other_spellings_of_an_ip_address_are_refused_as_base_url(
    tmp_path: Path, host: str, allowed: bool
) -> None:
    flag = str(allowed).lower()
    head = f'[hubspot]\nbase_url = "http://{host}:8080"\nallow_private_network = {flag}\n'
    [line] = problems(tmp_path, head)
    assert line == (
        "hubspot.base_url: expected an IPv4 address written as four decimal numbers such as "
        f"192.0.2.1, got '{host}'"
    )


@pytest.mark.parametrize(
    "url", ["http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/", "http://100.100.100.200"]
)
def test_metadata_addresses_in_any_form_are_refused_even_when_private_is_allowed(
    tmp_path: Path, url: str
) -> None:
    [line] = problems(tmp_path, f'[hubspot]\nbase_url = "{url}"\nallow_private_network = true\n')
    assert line.startswith("hubspot.base_url: refusing cloud metadata / link-local address")


def test_issue5_plain_http_to_a_public_host_is_refused_unless_allowed(tmp_path: Path) -> None:
    head = '[hubspot]\nbase_url = "http://api.hubapi.com"\n'
    assert problems(tmp_path, head) == [
        "hubspot.base_url: refusing plain http:// to 'api.hubapi.com': the secret would travel "
        "unencrypted; use https:// or set allow_insecure_http = true"
    ]
    assert problems(tmp_path, head + "allow_insecure_http = true\n") == []
    env = {"SYNCER_HUBSPOT__ALLOW_INSECURE_HTTP": "true"}
    assert problems(tmp_path, head, env) == []


def test_a_private_address_is_still_refused_when_only_insecure_http_is_allowed(
    tmp_path: Path,
) -> None:
    head = '[hubspot]\nbase_url = "http://10.1.2.3"\nallow_insecure_http = true\n'
    [line] = problems(tmp_path, head)
    assert line.startswith("hubspot.base_url: refusing loopback/private address '10.1.2.3'")


# -- item 8: inputs that ended in a traceback or a hang ----------------------------------------


def test_config_file_dev_zero_is_refused_not_read_until_memory_runs_out() -> None:
    with pytest.raises(ConfigError, match=r"/dev/zero is larger than 1 MiB"):
        load_settings(Path("/dev/zero"), env={})


def test_token_file_dev_zero_is_refused_not_read_until_memory_runs_out(tmp_path: Path) -> None:
    [line] = problems(tmp_path, '[hubspot]\ntoken_file = "/dev/zero"\n')
    assert line == "hubspot.token_file: /dev/zero is larger than 64 KiB; is it the right file?"


def test_ledger_url_of_an_unknown_database_is_refused(tmp_path: Path) -> None:
    [line] = problems(tmp_path, '[ledger]\nurl = "foo://bar"\n')
    assert line.startswith("ledger.url: expected a SQLAlchemy URL") and "'foo://bar'" in line


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///ledger.db?mode=ro",
        "sqlite:///file:ledger.db?mode=ro&uri=true",
        "sqlite:///file:ledger.db?immutable=1&uri=true",
    ],
)
def test_a_read_only_sqlite_ledger_is_refused(tmp_path: Path, url: str) -> None:
    [line] = problems(tmp_path, f'[ledger]\nurl = "{url}"\n')
    assert line.startswith("ledger.url: the ledger must be writable")


def test_an_interval_beyond_a_year_is_refused_not_overflowed_by_run(tmp_path: Path) -> None:
    path = tmp_path / "syncer.toml"
    path.write_text(PIPELINE + 'interval = "99999999999d"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert str(caught.value) == (
        f"{path}: pipelines[0].interval: expected an interval of at most 365d, got '99999999999d'"
    )
    path.write_text(PIPELINE + 'interval = "365d"\n', encoding="utf-8")
    assert load_settings(path, env={}).pipelines[0].interval_seconds() == 365 * 86400


@pytest.mark.parametrize(
    ("head", "key"),
    [
        ("[ledger]\nlease_seconds = inf\n", "ledger.lease_seconds"),
        ("[hubspot]\ntimeout_seconds = 1e300\n", "hubspot.timeout_seconds"),
        ("[hubspot]\nproperties_cache_seconds = inf\n", "hubspot.properties_cache_seconds"),
    ],
)
def test_endless_durations_are_refused(tmp_path: Path, head: str, key: str) -> None:
    [line] = problems(tmp_path, head)
    assert line.startswith(f"{key}: expected")


@pytest.mark.parametrize("key", ["token", "client_secret", "refresh_token"])
def test_a_secret_holding_a_line_break_is_refused_without_showing_it(
    tmp_path: Path, key: str
) -> None:
    [line] = problems(tmp_path, f'[hubspot]\n{key} = "pat-na1-abc\\r\\nX-Injected: 1"\n')
    assert line == (
        f"hubspot.{key}: expected printable ASCII without spaces, tabs or line breaks "
        "(the value is not shown)"
    )


def test_a_token_file_holding_a_line_break_inside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("pat-na1-abc\ndef\n")
    [line] = problems(tmp_path, '[hubspot]\ntoken_file = "token"\n')
    assert line.startswith("hubspot.token: expected printable ASCII")
    (tmp_path / "token").write_text("pat-na1-abc\n")  # the editor's final newline is fine
    assert problems(tmp_path, '[hubspot]\ntoken_file = "token"\n') == []
