"""HubSpot merges and archives against the sandbox: links follow, nothing is re-created."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.cli import main
from syncer.ledger.store import Ledger
from syncer.records import Side
from tests.integration.harness import Deployment, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def _links(dep: Deployment) -> Ledger:
    return Ledger.open(f"sqlite:///{dep.config.parent / 'ledger.db'}")


def _writes(dep: Deployment) -> int:
    return dep.sandbox.stats().get("writes", 0)


def test_a_merge_repoints_the_link_and_recreates_nothing(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=2, sql_count=2, shared=2)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second = sorted(dep.hub_contacts(), key=lambda c: int(c["id"]))
        with dep.hubspot() as client:
            merged = client.post(
                "/crm/v3/objects/contacts/merge",
                json={"primaryObjectId": first["id"], "objectIdToMerge": second["id"]},
            ).json()
        assert main(["sync", "-c", str(dep.config)]) == 0
        ledger = _links(dep)
        survivor = ledger.links_for("contacts", Side.HUBSPOT, [merged["id"]])
        absorbed = ledger.links_for("contacts", Side.HUBSPOT, [second["id"]])
        ledger.close()
        assert survivor[merged["id"]].archived_on is None
        assert absorbed[second["id"]].archived_on == "hubspot"
        assert [c["id"] for c in dep.hub_contacts()] == [merged["id"]]
        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert _writes(dep) == 0
        assert len(dep.hub_contacts()) == 1 and len(dep.sql_rows()) == 2


def test_with_deletes_archive_a_hubspot_archive_deletes_the_row(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        dep.config.write_text(
            dep.config.read_text().replace(
                'conflict = "newest"', 'conflict = "newest"\ndeletes = "archive"'
            )
        )
        seed(dep, hub_count=3, sql_count=3, shared=3)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        gone = dep.hub_contacts()[0]
        with dep.hubspot() as client:
            client.delete(f"/crm/v3/objects/contacts/{gone['id']}").raise_for_status()
        assert main(["sync", "-c", str(dep.config)]) == 0
        emails = {r.email.strip().lower() for r in dep.sql_rows()}
        assert gone["properties"]["email"] not in emails and len(emails) == 2
        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert _writes(dep) == 0 and len(dep.hub_contacts()) == 2
