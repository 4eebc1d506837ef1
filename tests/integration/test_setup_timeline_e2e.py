"""Issue 15's set-up timeline, end to end: `syncer migrate` reads HubSpot's first listing page
while it reads the property catalogue and creates what is missing (read_ahead.py), and a sync,
which lists nothing in full, reads nothing ahead."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.cli import main
from tests.integration.harness import deployment, seed


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_migrate_lists_hubspot_while_it_sets_up(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name, latency_ms=100) as dep:
        seed(dep, hub_count=150, sql_count=60, shared=20)
        dep.sandbox.reset_stats()
        assert main(["migrate", "-c", str(dep.config)]) == 0
        trace = dep.sandbox.trace()
        assert len(dep.hub_contacts()) == len(dep.sql_rows()) == 190

        catalogue = next(e for e in trace if e.kind == "properties/read")
        first_page = next(e for e in trace if e.kind == "list")
        assert first_page.start_ms < catalogue.end_ms  # both in flight at once
        assert [e.kind for e in trace].count("list") == 2  # 150 contacts: two pages, once each

        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert "list" not in [e.kind for e in dep.sandbox.trace()]
