"""Two legacy rows swap emails (hardening issue 3): HubSpot, which keeps emails unique, gets
the swap in one pass, and nothing is quarantined."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from syncer.cli import main
from tests.integration.harness import Deployment, deployment, seed


def _swap_emails(dep: Deployment, first: int, second: int) -> None:
    """As the legacy app would under its unique index: through a placeholder, in one go."""
    rows = {r.id: r.email for r in dep.sql_rows()}
    with dep.engine.begin() as conn:
        for row_id, email in ((first, "swap@placeholder.test"), (second, rows[first])):
            conn.execute(sa.update(dep.table).where(dep.table.c.id == row_id).values(email=email))
    dep.edit_row(first, email=rows[second])
    dep.edit_row(second, email=rows[first])


def test_issue3_two_rows_swapping_emails_converge_in_one_pass(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=0, sql_count=2, shared=0)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second = (r.id for r in dep.sql_rows())
        _swap_emails(dep, first, second)
        assert main(["sync", "-c", str(dep.config)]) == 0
        by_row = {
            c["properties"]["legacy_id"]: c["properties"]["email"] for c in dep.hub_contacts()
        }
        assert by_row == {str(r.id): r.email.strip().lower() for r in dep.sql_rows()}
        assert by_row[str(first)] == "row1@legacy.test"
        with dep.ledger() as ledger:
            assert ledger.quarantined("contacts") == []
        assert main(["sync", "-c", str(dep.config)]) == 0
