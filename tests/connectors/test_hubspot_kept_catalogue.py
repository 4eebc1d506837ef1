"""The property catalogue kept in the ledger between runs (ledger/schema_cache.py): a young copy
saves the API call, and nothing it could hide goes unnoticed. Real sandbox, real SQLite ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from syncer.connectors.hubspot import HubSpotConnector
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.records import Write
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.connectors.hubspot_harness import connect, pipeline, portal_client, sandbox

MAPPED = {"firstname": "first_name", "lastname": "last_name", "nickname": "nick"}


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    opened = Ledger.open(ledger_url)
    yield opened
    opened.close()


@pytest.fixture
def app() -> HubSpotSandbox:
    portal = sandbox()
    define_nickname(portal)
    return portal


def define_nickname(app: HubSpotSandbox) -> None:
    with portal_client(app) as client:
        client.post(
            "/crm/v3/properties/contacts",
            json={
                "name": "nickname",
                "label": "Nickname",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
            },
        ).raise_for_status()


def run_connector(app: HubSpotSandbox, ledger: Ledger, max_age: float = 900) -> HubSpotConnector:
    """A connector as one run builds it, keeping its catalogue in `ledger`."""
    hubspot = connect(app, pipeline_settings=pipeline(fields=MAPPED))
    return HubSpotConnector(
        hubspot._settings,
        hubspot._pipeline,
        transport=httpx.WSGITransport(app=app),
        kept_schemas=ledger.kept_schemas(timedelta(seconds=max_age)),
    )


def catalogue_reads(hubspot: HubSpotConnector) -> int:
    return hubspot.counter.by_kind.get("properties", 0)


def delete_nickname(app: HubSpotSandbox) -> None:
    with portal_client(app) as client:
        client.delete("/crm/v3/properties/contacts/nickname").raise_for_status()


def test_a_young_kept_copy_saves_the_catalogue_call(app: HubSpotSandbox, ledger: Ledger) -> None:
    first = run_connector(app, ledger)
    first.prepare()
    assert catalogue_reads(first) == 1
    second = run_connector(app, ledger)
    second.prepare()
    assert catalogue_reads(second) == 0
    assert second.field_types() == first.field_types()
    every_run = run_connector(app, ledger, max_age=0)
    every_run.prepare()
    assert catalogue_reads(every_run) == 1


def test_a_copy_older_than_its_max_age_is_read_again(app: HubSpotSandbox, ledger: Ledger) -> None:
    run_connector(app, ledger).prepare()
    later = datetime.now(UTC) + timedelta(seconds=901)
    assert (
        ledger.kept_schemas(timedelta(seconds=900), clock=lambda: later).load(
            "hubspot:/crm/v3/properties/contacts"
        )
        is None
    )


def test_a_copy_missing_a_mapped_property_is_read_afresh_before_refusing(
    app: HubSpotSandbox, ledger: Ledger
) -> None:
    """The operator fixes "no property 'nickname'" by creating it: the next run must believe
    HubSpot, not the copy kept before the fix."""
    delete_nickname(app)
    with pytest.raises(ConfigError, match="no property 'nickname'"):
        run_connector(app, ledger).prepare()
    define_nickname(app)
    fixed = run_connector(app, ledger)
    fixed.prepare()
    assert catalogue_reads(fixed) == 1


def test_a_property_deleted_after_the_copy_halts_the_run_at_the_first_read(
    app: HubSpotSandbox, ledger: Ledger
) -> None:
    run_connector(app, ledger).prepare()
    with portal_client(app) as client:
        client.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "a@example.com", "nickname": "Al"}},
        )
    delete_nickname(app)
    hubspot = run_connector(app, ledger)
    hubspot.prepare()  # the kept copy still lists nickname
    assert catalogue_reads(hubspot) == 0
    with pytest.raises(ConfigError, match="no property 'nickname'"):
        list(hubspot.changes(None, datetime.now(UTC)))
    assert catalogue_reads(hubspot) == 1


def test_a_property_only_left_out_as_empty_is_confirmed_once_and_read_on(
    app: HubSpotSandbox, ledger: Ledger
) -> None:
    """One of HubSpot's guides says empty values are omitted: a left-out property that the
    fresh catalogue still lists is just empty."""
    run_connector(app, ledger).prepare()
    hubspot = run_connector(app, ledger)
    hubspot.prepare()
    catalog = hubspot._parts().catalog
    catalog.confirm_present(["nickname"])
    assert catalogue_reads(hubspot) == 1
    catalog.confirm_present(["nickname"])  # the copy is fresh now: no second read
    assert catalogue_reads(hubspot) == 1


def test_a_write_refused_for_a_missing_property_drops_the_kept_copy(
    app: HubSpotSandbox, ledger: Ledger
) -> None:
    run_connector(app, ledger).prepare()
    delete_nickname(app)
    hubspot = run_connector(app, ledger)
    hubspot.prepare()
    [result] = hubspot.write(
        [
            Write(
                key="w1",
                properties={"email": "b@example.com", "nickname": "Bo"},
                unique_property="email",
                unique_value="b@example.com",
            )
        ]
    )
    assert result.rejection is not None
    assert result.rejection.code == "PROPERTY_DOESNT_EXIST"
    with pytest.raises(ConfigError, match="no property 'nickname'"):
        run_connector(app, ledger).prepare()  # no kept copy: HubSpot's catalogue, at once
