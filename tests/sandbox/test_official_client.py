"""Conformance: HubSpot's official Python client (`hubspot-api-client`), unchanged, against a
sandbox served on loopback — CRUD, batch, search paging, upsert, unique properties, merge,
archive, owners, and its own exception types for HubSpot's error bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hubspot import HubSpot
from hubspot.crm import contacts as hc
from hubspot.crm import properties as hp
from hubspot.crm.contacts.exceptions import NotFoundException, UnauthorizedException

from syncer.sandbox.hubspot import HubSpotSandbox, RunningServer, SandboxConfig, serve_in_thread
from tests.sandbox.conftest import TOKEN, client_for


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
def api(served: tuple[HubSpotSandbox, RunningServer], sandbox: HubSpotSandbox) -> HubSpot:
    return HubSpot(access_token=TOKEN, host=served[1].url)


def _create(api: HubSpot, **properties: str) -> hc.SimplePublicObject:
    made = api.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=hc.SimplePublicObjectInputForCreate(
            properties=properties
        )
    )
    assert isinstance(made, hc.SimplePublicObject)
    return made


def test_crud(api: HubSpot) -> None:
    made = _create(api, email="ann@x.com", firstname="Ann")
    assert made.id == "1"
    assert made.properties["email"] == "ann@x.com"
    got = api.crm.contacts.basic_api.get_by_id("1", properties=["email", "firstname"])
    assert got.properties["firstname"] == "Ann"
    assert got.updated_at.year == made.created_at.year
    patched = api.crm.contacts.basic_api.update(
        "ann@x.com",
        simple_public_object_input=hc.SimplePublicObjectInput(properties={"lastname": "Lee"}),
        id_property="email",
    )
    assert patched.properties["lastname"] == "Lee"
    api.crm.contacts.basic_api.archive("1")
    with pytest.raises(NotFoundException) as missing:
        api.crm.contacts.basic_api.get_by_id("1")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == "resource not found"
    archived = api.crm.contacts.basic_api.get_page(archived=True)
    assert [(r.id, r.archived) for r in archived.results] == [("1", True)]
    assert archived.results[0].archived_at is not None


def test_get_all_pages_through_the_list(api: HubSpot, sandbox: HubSpotSandbox) -> None:
    _seed(sandbox, 250)
    everyone = api.crm.contacts.get_all()
    assert len(everyone) == 250
    assert [r.id for r in everyone[:3]] == ["1", "2", "3"]


def test_batch_create_read_and_the_100_limit(api: HubSpot) -> None:
    inputs = [
        hc.SimplePublicObjectBatchInputForCreate(properties={"email": f"{i}@x.com"})
        for i in range(100)
    ]
    created = api.crm.contacts.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create=(
            hc.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
    )
    assert created.status == "COMPLETE"
    assert len(created.results) == 100
    read = api.crm.contacts.batch_api.read(
        batch_read_input_simple_public_object_id=hc.BatchReadInputSimplePublicObjectId(
            inputs=[hc.SimplePublicObjectId(id="1"), hc.SimplePublicObjectId(id="999")],
            properties=["email"],
            properties_with_history=[],
        )
    )
    assert isinstance(read, hc.BatchResponseSimplePublicObjectWithErrors)  # the 207
    assert [r.id for r in read.results] == ["1"]
    assert read.errors[0].category == "OBJECT_NOT_FOUND"
    assert read.errors[0].context == {"ids": ["999"]}
    too_many = [*inputs, inputs[0]]
    with pytest.raises(hc.ApiException) as refused:
        api.crm.contacts.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=(
                hc.BatchInputSimplePublicObjectBatchInputForCreate(inputs=too_many)
            )
        )
    assert refused.value.status == 400
    assert "maximum number of inputs supported in a batch is 100" in refused.value.body


def test_conflict_is_raised_with_hubspots_body(api: HubSpot) -> None:
    _create(api, email="ann@x.com")
    with pytest.raises(hc.ApiException) as conflict:
        _create(api, email="ANN@x.com")
    assert conflict.value.status == 409
    body = json.loads(conflict.value.body)
    assert (body["message"], body["category"]) == (
        "Contact already exists. Existing ID: 1",
        "CONFLICT",
    )
    assert conflict.value.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


def test_upsert_by_unique_property(api: HubSpot) -> None:
    api.crm.properties.core_api.create(
        "contacts",
        property_create=hp.PropertyCreate(
            name="external_id", label="External id", type="string", field_type="text",
            group_name="contactinformation", has_unique_value=True,
        ),
    )  # fmt: skip
    prop = api.crm.properties.core_api.get_by_name("contacts", "external_id")
    assert prop.has_unique_value is True

    def upsert(*ids: str) -> hc.BatchResponseSimplePublicUpsertObject:
        inputs = [
            hc.SimplePublicObjectBatchInputUpsert(
                id=i, id_property="external_id", properties={"firstname": f"n{i}"}
            )
            for i in ids
        ]
        return api.crm.contacts.batch_api.upsert(
            batch_input_simple_public_object_batch_input_upsert=(
                hc.BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
            )
        )

    first = upsert("a", "b")
    assert [r.new for r in first.results] == [True, True]
    second = upsert("b", "c")
    assert {r.properties["external_id"]: r.new for r in second.results} == {"b": False, "c": True}
    with pytest.raises(hc.ApiException) as duplicate:
        _create(api, external_id="a")
    assert duplicate.value.status == 400
    assert len(api.crm.contacts.get_all()) == 3


def test_search_pages_to_the_10k_cap(api: HubSpot, sandbox: HubSpotSandbox) -> None:
    _seed(sandbox, 10_050)
    request = hc.PublicObjectSearchRequest(
        filter_groups=[
            hc.FilterGroup(
                filters=[hc.Filter(property_name="email", operator="CONTAINS_TOKEN",
                                   value="*@bulk.example")]
            )
        ],
        sorts=["hs_object_id"], properties=["email"], limit=200, after=None,
    )  # fmt: skip
    first = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert (first.total, len(first.results)) == (10_050, 200)
    request.after = first.paging.next.after
    second = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert second.results[0].properties["email"] == "c200@bulk.example"
    request.after = "9800"  # `after` is an offset: jump to the last page the cap allows
    last = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert last.results[-1].properties["email"] == "c9999@bulk.example"
    assert last.paging.next.after == "10000"
    request.after = "10000"
    with pytest.raises(hc.ApiException) as capped:
        api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert capped.value.status == 400


def test_merge_and_gdpr_delete(api: HubSpot) -> None:
    _create(api, email="a@x.com", firstname="Ann")
    _create(api, email="b@x.com", lastname="Lee")
    merged = api.crm.contacts.basic_api.merge(
        public_merge_input=hc.PublicMergeInput(primary_object_id="1", object_id_to_merge="2")
    )
    assert merged.id == "3"
    again = api.crm.contacts.basic_api.get_by_id("2", properties=["hs_merged_object_ids"])
    assert (again.id, again.properties["hs_merged_object_ids"]) == ("3", "1;2")
    api.crm.contacts.basic_api.purge(
        public_gdpr_delete_input=hc.PublicGdprDeleteInput(object_id="a@x.com", id_property="email")
    )
    with pytest.raises(NotFoundException):
        api.crm.contacts.basic_api.get_by_id("3")


def test_associations_v4(api: HubSpot) -> None:
    from hubspot.crm.associations import v4 as av4
    from hubspot.crm.companies import SimplePublicObjectInputForCreate as CompanyInput

    _create(api, email="a@x.com")
    company = api.crm.companies.basic_api.create(
        simple_public_object_input_for_create=CompanyInput(properties={"name": "Acme"})
    )
    made = api.crm.associations.v4.basic_api.create(
        "contacts", "1", "companies", company.id,
        association_spec=[av4.AssociationSpec(association_category="HUBSPOT_DEFINED",
                                              association_type_id=1)],
    )  # fmt: skip
    assert made.labels == ["Primary"]
    page = api.crm.associations.v4.basic_api.get_page("contacts", "1", "companies")
    assert [t.type_id for t in page.results[0].association_types] == [1, 279]
    batch = api.crm.associations.v4.batch_api.get_page(
        "companies", "contacts",
        batch_input_public_fetch_associations_batch_request=(
            av4.BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[av4.PublicFetchAssociationsBatchRequest(id=company.id)]
            )
        ),
    )  # fmt: skip
    assert [t.type_id for t in batch.results[0].to[0].association_types] == [2, 280]
    api.crm.associations.v4.basic_api.archive("contacts", "1", "companies", company.id)
    assert api.crm.associations.v4.basic_api.get_page("contacts", "1", "companies").results == []


def test_owners(api: HubSpot, sandbox: HubSpotSandbox) -> None:
    sandbox.add_owner({"email": "ann@x.com", "firstName": "Ann"})
    owners = api.crm.owners.owners_api.get_page()
    assert [(o.id, o.email) for o in owners.results] == [("10001", "ann@x.com")]
    assert api.crm.owners.owners_api.get_by_id(10001).first_name == "Ann"


def test_unauthorized_and_rate_limited(
    api: HubSpot, served: tuple[HubSpotSandbox, RunningServer], sandbox: HubSpotSandbox
) -> None:
    wrong = HubSpot(access_token="pat-na1-wrong", host=served[1].url)
    with pytest.raises(UnauthorizedException) as refused:
        wrong.crm.contacts.basic_api.get_page()
    assert json.loads(refused.value.body)["category"] == "INVALID_AUTHENTICATION"
    sandbox.schedule_fault({"status": 429, "path_contains": "/contacts"})
    with pytest.raises(hc.ApiException) as limited:
        api.crm.contacts.basic_api.get_page()
    assert limited.value.status == 429
    assert json.loads(limited.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"


def _seed(sandbox: HubSpotSandbox, count: int) -> None:
    """Records made in-process, so the test spends its time on the client's requests."""
    with client_for(sandbox) as client:
        for start in range(0, count, 100):
            inputs = [
                {"properties": {"email": f"c{i}@bulk.example"}}
                for i in range(start, min(start + 100, count))
            ]
            response = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            assert response.status_code == 201, response.text


def test_oauth_tokens_through_the_client() -> None:
    config = SandboxConfig(
        burst_limit=0, oauth_client_id="app-1", oauth_client_secret="s3cret",
        oauth_refresh_token="rt-1",
    )  # fmt: skip
    server = serve_in_thread(HubSpotSandbox(config))
    try:
        anonymous = HubSpot(host=server.url)
        tokens = anonymous.oauth.tokens_api.create(
            grant_type="refresh_token", client_id="app-1", client_secret="s3cret",
            refresh_token="rt-1",
        )  # fmt: skip
        assert tokens.expires_in == 1800
        info = anonymous.oauth.access_tokens_api.get(tokens.access_token)
        assert info.hub_id == 12345678
        api = HubSpot(access_token=tokens.access_token, host=server.url)
        assert api.crm.contacts.basic_api.get_page().results == []
    finally:
        server.stop()
