"""`[ledger] hash_match_keys` needs its key: without one, or with one too short to keep emails
from being guessed, the file is refused naming the keys; the key is a secret like any other
(read from `match_key_secret_file`, never shown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.settings import load_settings
from tests.unit.test_settings_hardening import problems

KEY = "k" * 24


@pytest.mark.parametrize(
    ("ledger", "expected"),
    [
        (
            "hash_match_keys = true",
            "ledger: hash_match_keys = true needs match_key_secret (or match_key_secret_file)",
        ),
        (
            'hash_match_keys = true\nmatch_key_secret = "short"',
            "ledger: match_key_secret: expected at least 16 characters",
        ),
    ],
)
def test_hashing_without_a_fit_key_is_refused_naming_the_keys(
    tmp_path: Path, ledger: str, expected: str
) -> None:
    [line] = problems(tmp_path, f"[ledger]\n{ledger}\n")
    assert line.startswith(expected), line
    assert "short" not in line.removeprefix(expected)


def test_the_key_comes_from_its_file_and_is_a_registered_secret(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n")
    head = '[ledger]\nhash_match_keys = true\nmatch_key_secret_file = "key"\n'
    assert problems(tmp_path, head) == []
    settings = load_settings(tmp_path / "syncer.toml", env={})
    assert settings.ledger.match_key_secret_bytes() == KEY.encode()
    assert KEY in settings.secret_values()
    assert KEY not in repr(settings)


def test_a_key_without_hashing_hashes_nothing(tmp_path: Path) -> None:
    problems(tmp_path, f'[ledger]\nmatch_key_secret = "{KEY}"\n')
    settings = load_settings(tmp_path / "syncer.toml", env={})
    assert settings.ledger.match_key_secret_bytes() is None
