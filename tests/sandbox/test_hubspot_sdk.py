"""Conformance: HubSpot's date-versioned Python SDK (`hubspot-sdk`, `/crm/objects/2026-03/...`
paths), unchanged but for its base URL, against a sandbox served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hubspot_sdk import (
    AuthenticationError,
    ConflictError,
    HubSpot,
    NotFoundError,
    RateLimitError,
)

from syncer.sandbox.hubspot import HubSpotSandbox, RunningServer, SandboxConfig, serve_in_thread
from tests.sandbox.conftest import TOKEN

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[HubSpotSandbox, RunningServer]]:
    sandbox = HubSpotSandbox(SandboxConfig(burst_limit=0, search_per_second=0))
    server = serve_in_thread(sandbox)
    yield sandbox, server
    server.stop()


@pytest.fixture
def sandbox(served: tuple[HubSpotSandbox, RunningServer]) -> HubSpotSandbox:
    served[0].reset()
    return served[0]


@pytest.fixture
def sdk(served: tuple[HubSpotSandbox, RunningServer], sandbox: HubSpotSandbox) -> HubSpot:
    return HubSpot(access_token=TOKEN, base_url=served[1].url)


def _contacts(sdk: HubSpot, count: int) -> list[str]:
    made = sdk.crm.objects.contacts.batch.create(
        inputs=[{"properties": {"email": f"p{n}@x.com", "phone": f"555-{n}"}} for n in range(count)]
    )
    return sorted((record.id for record in made.results), key=int)


def test_crud(sdk: HubSpot) -> None:
    made = sdk.crm.objects.contacts.create(
        associations=[], properties={"email": "ann@x.com", "firstname": "Ann"}
    )
    assert made.properties["email"] == "ann@x.com"
    got = sdk.crm.objects.contacts.get(made.id, properties=["firstname"])
    assert got.properties["firstname"] == "Ann"
    by_email = sdk.crm.objects.contacts.get("ann@x.com", id_property="email")
    assert by_email.id == made.id
    patched = sdk.crm.objects.contacts.update(made.id, properties={"lastname": "Lee"})
    assert patched.properties["lastname"] == "Lee"
    sdk.crm.objects.contacts.delete(made.id)
    with pytest.raises(NotFoundError) as missing:
        sdk.crm.objects.contacts.get(made.id)
    assert missing.value.status_code == 404
    archived = sdk.crm.objects.contacts.get(made.id, archived=True)
    assert archived.archived is True


def test_auto_paging_reads_every_record_with_the_query(sdk: HubSpot) -> None:
    ids = _contacts(sdk, 23)
    listed = list(sdk.crm.objects.contacts.list(limit=5, properties=["phone"]))
    assert [record.id for record in listed] == ids
    assert all(record.properties["phone"].startswith("555-") for record in listed)
    first = sdk.crm.objects.contacts.list(limit=5)
    assert first.paging is not None and first.paging.next is not None
    assert first.has_next_page()


def test_batch_with_a_207(sdk: HubSpot) -> None:
    ids = _contacts(sdk, 2)
    answer = sdk.crm.objects.contacts.batch.with_raw_response.get(
        inputs=[{"id": ids[0]}, {"id": "999"}], properties=["email"], properties_with_history=[]
    )
    assert answer.status_code == 207
    body = answer.parse()
    assert [record.id for record in body.results] == [ids[0]]
    errors = answer.http_response.json()["errors"]
    assert [error["category"] for error in errors] == ["OBJECT_NOT_FOUND"]


def test_upsert_by_a_unique_property(sdk: HubSpot) -> None:
    sdk.crm.properties.create(
        "contacts", name="legacy_id", label="Legacy id", type="string", field_type="text",
        group_name="contactinformation", has_unique_value=True,
    )  # fmt: skip
    inputs = [{"id": "L-1", "id_property": "legacy_id", "properties": {"email": "l1@x.com"}}]
    first = sdk.crm.objects.contacts.batch.upsert(inputs=inputs)
    again = sdk.crm.objects.contacts.batch.upsert(inputs=inputs)
    assert first.results[0].new is True and again.results[0].new is False
    assert first.results[0].id == again.results[0].id


def test_search_with_paging(sdk: HubSpot) -> None:
    ids = _contacts(sdk, 12)
    seen: list[str] = []
    after = "0"
    while True:
        page = sdk.crm.objects.contacts.search(
            after=after, limit=5, properties=["email"], sorts=["hs_object_id"],
            filter_groups=[{"filters": [{"property_name": "phone", "operator": "HAS_PROPERTY"}]}],
        )  # fmt: skip
        assert page.total == 12
        seen += [record.id for record in page.results]
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    assert seen == ids


def test_associations_basic_labelled_and_batch(sdk: HubSpot) -> None:
    contact, other = _contacts(sdk, 2)
    company = sdk.crm.objects.companies.create(associations=[], properties={"name": "Acme"}).id
    sdk.crm.associations.create(
        company, from_object_type="contacts", from_object_id=contact, to_object_type="companies"
    )
    labelled = sdk.crm.associations.update_labels(
        company, object_type="contacts", object_id=other, to_object_type="companies",
        body=[{"association_category": HUBSPOT_DEFINED, "association_type_id": 1}],
    )  # fmt: skip
    assert labelled.labels == ["Primary"]
    linked = list(sdk.crm.associations.list("contacts", object_type="companies", object_id=company))
    assert sorted(str(link.to_object_id) for link in linked) == sorted([contact, other])
    read = sdk.crm.associations.batch.get(
        "companies", from_object_type="contacts", inputs=[{"id": contact}, {"id": other}]
    )
    assert {r.from_.id for r in read.results} == {contact, other}
    sdk.crm.associations.batch.delete(
        "companies", from_object_type="contacts",
        inputs=[{"from": {"id": contact}, "to": [{"id": company}]}],
    )  # fmt: skip
    left = sdk.crm.associations.list("contacts", object_type="companies", object_id=company)
    assert [str(link.to_object_id) for link in left] == [other]


def test_owners_and_pipelines(sandbox: HubSpotSandbox, sdk: HubSpot) -> None:
    for n in range(3):
        sandbox.add_owner({"email": f"o{n}@x.com", "firstName": f"O{n}"})
    owners = list(sdk.crm.owners.list(limit=2))
    assert [owner.email for owner in owners] == ["o0@x.com", "o1@x.com", "o2@x.com"]
    assert sdk.crm.owners.get(owners[1].id).email == "o1@x.com"
    pipelines = sdk.crm.pipelines.list("deals").results
    assert pipelines[0].id == "default"
    assert "closedwon" in [stage.id for stage in pipelines[0].stages]


def test_merge_and_gdpr_delete(sdk: HubSpot) -> None:
    first, second = _contacts(sdk, 2)
    merged = sdk.crm.objects.contacts.merge(primary_object_id=first, object_id_to_merge=second)
    assert sdk.crm.objects.contacts.get(first).id == merged.id
    sdk.crm.objects.contacts.gdpr_delete(object_id="p0@x.com", id_property="email")
    with pytest.raises(NotFoundError):
        sdk.crm.objects.contacts.get(merged.id)


def test_errors_are_the_sdks_own(
    served: tuple[HubSpotSandbox, RunningServer], sdk: HubSpot
) -> None:
    stranger = HubSpot(access_token="not-a-token", base_url=served[1].url, max_retries=0)
    with pytest.raises(AuthenticationError) as unauthorized:
        stranger.crm.objects.contacts.get("1")
    assert unauthorized.value.status_code == 401
    sdk.crm.objects.contacts.create(associations=[], properties={"email": "ann@x.com"})
    with pytest.raises(ConflictError) as conflict:
        sdk.with_options(max_retries=0).crm.objects.contacts.create(
            associations=[], properties={"email": "ann@x.com"}
        )
    assert "Contact already exists" in str(conflict.value.body)


def test_429_is_a_rate_limit_error_and_a_retry_recovers(
    sandbox: HubSpotSandbox, sdk: HubSpot
) -> None:
    sandbox.schedule_fault({"status": 429, "count": 1, "path_contains": "/objects/contacts"})
    with pytest.raises(RateLimitError) as limited:
        sdk.with_options(max_retries=0).crm.objects.contacts.list(limit=1)
    assert limited.value.status_code == 429
    sandbox.schedule_fault({"status": 429, "count": 2, "path_contains": "/objects/contacts"})
    made = sdk.crm.objects.contacts.create(associations=[], properties={"email": "ann@x.com"})
    assert made.properties["email"] == "ann@x.com"
    assert sandbox.stats()["faults"] == 3
