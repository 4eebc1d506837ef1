"""Opening a ledger that can never work, or cannot be reached, ends in one syncer error, never
a driver traceback (hardening issue, item 8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from syncer.errors import ConfigError, FatalError
from syncer.ledger.store import Ledger


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "ledger.url: cannot use 'foo://bar': Can't load plugin"),
        ("postgresql+nosuchdriver://u:pw-9876@db/x", "ledger.url: cannot use 'postgresql+nosuch"),
    ],
)
def test_a_ledger_url_no_driver_serves_is_a_config_error(url: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Ledger.open(url)
    assert str(caught.value).startswith(expected)
    assert "pw-9876" not in str(caught.value)


def test_a_read_only_sqlite_ledger_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE unrelated (a INTEGER)")
    with pytest.raises((ConfigError, FatalError), match="readonly database"):
        Ledger.open(f"sqlite:///file:{path}?mode=ro&uri=true")


def test_a_ledger_in_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match=r"^ledger unavailable: unable to open database file$"):
        Ledger.open(f"sqlite:///{tmp_path}/no/such/folder/ledger.db")
