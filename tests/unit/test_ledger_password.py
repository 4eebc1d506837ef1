"""The ledger's password apart from its URL: a secret file (compose, Kubernetes) or a variable."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.commands import opened_ledger
from syncer.errors import ConfigError
from syncer.settings import load_settings

CONFIG = """
[ledger]
url = "{url}"
{password}

[external]
url = "sqlite:///legacy.db"

[[pipelines]]
name = "contacts"
external_object = "customers"
"""
LEDGER_URL = "postgresql+psycopg://syncer@ledger-db:5432/syncer"


def config(folder: Path, password: str, url: str = LEDGER_URL) -> Path:
    path = folder / "syncer.toml"
    path.write_text(CONFIG.format(url=url, password=password), encoding="utf-8")
    return path


def test_the_password_file_is_read_into_the_connect_url_only(tmp_path: Path) -> None:
    (tmp_path / "ledger_password").write_text("s3cret/pw@x\n", encoding="utf-8")
    settings = load_settings(config(tmp_path, 'password_file = "ledger_password"'), env={})
    assert settings.ledger.url == LEDGER_URL
    url = sa.make_url(settings.ledger.connect_url())
    assert (url.username, url.password, url.host, url.database) == (
        "syncer",
        "s3cret/pw@x",
        "ledger-db",
        "syncer",
    )
    assert "s3cret/pw@x" in settings.secret_values()
    assert "s3cret" not in repr(settings)


def test_the_password_from_the_environment_replaces_the_urls_own(tmp_path: Path) -> None:
    path = config(tmp_path, "", url="postgresql+psycopg://syncer:old@ledger-db/syncer")
    settings = load_settings(path, env={"SYNCER_LEDGER__PASSWORD": "from-env"})
    assert sa.make_url(settings.ledger.connect_url()).password == "from-env"


def test_without_a_password_the_url_is_used_as_written(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, ""), env={})
    assert settings.ledger.connect_url() == LEDGER_URL


def test_password_and_password_file_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("x1x1x1", encoding="utf-8")
    path = config(tmp_path, 'password = "a1a1a1"\npassword_file = "pw"')
    with pytest.raises(ConfigError, match="set password or password_file, not both"):
        load_settings(path, env={})


@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_the_ledger_opens_with_the_password_from_its_file(tmp_path: Path, ledger_url: str) -> None:
    """PostgreSQL here trusts local connections, so the password proves only that the URL
    it travels in still reaches the server and the ledger there opens."""
    (tmp_path / "ledger_password").write_text("trial-pw-1", encoding="utf-8")
    path = config(tmp_path, 'password_file = "ledger_password"', ledger_url)
    settings = load_settings(path, env={})
    assert sa.make_url(settings.ledger.connect_url()).password == "trial-pw-1"
    with opened_ledger(settings) as ledger:
        assert ledger.link_count("contacts") == 0
