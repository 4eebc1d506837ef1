"""Fixtures shared by the fault scenarios: kept generic, each scenario file builds its own rig."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The legacy CRM as a SQLite database file of the test's own."""
    return f"sqlite:///{tmp_path}/crm.db"
