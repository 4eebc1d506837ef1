"""The daemon's pass runner: a pipeline out of daily quota is parked, not hammered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syncer.commands import scheduled_pass
from syncer.service.daemon import Passes
from syncer.settings import load_settings
from tests.integration.harness import deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def test_daily_limit_parks_the_pipeline(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    with deployment(tmp_path, sql_url, unique_name, daily_limit=4) as dep:
        seed(dep, hub_count=150, sql_count=150, shared=0)  # seeding spends the day's quota
        passes = Passes(scheduled_pass(load_settings(dep.config, os.environ)))
        passes.run_once("contacts")
        assert "contacts" in passes.parked_until
        before = dep.sandbox.stats().get("requests", 0)
        passes.run_once("contacts")
        assert dep.sandbox.stats().get("requests", 0) == before, "a parked pipeline made calls"
