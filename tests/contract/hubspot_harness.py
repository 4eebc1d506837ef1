"""The HubSpot connector's contract harness: a sandbox portal served over loopback HTTP.

The connector under test talks to the sandbox over real HTTP, as it talks to HubSpot. The back
door is HubSpot's own API on a second HTTP client, as another app on the portal (or a user in
HubSpot's UI) would use it, never the connector. The sandbox stamps changes from the harness's
clock, set to the time each change is made at. The connector's clock (syncer's) runs ahead of
it, so every listing test also checks that the connector holds its cursors back to HubSpot's
clock, which it learns from HubSpot's answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from syncer.connectors.hubspot import AssociationType, Edge, HubSpotConnector
from syncer.connectors.hubspot.reads import LIST_LIMIT
from syncer.connectors.hubspot.search import PAGE_LIMIT
from syncer.policies import Direction
from syncer.relations import AssociationField, field_name
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from syncer.sandbox.hubspot.server import RunningServer, serve_in_thread
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract.harness import (
    OVERLAP_SECONDS,
    T0,
    ContractFields,
    PageSizes,
    RelationFields,
    SideClock,
)

TOKEN = "pat-na1-contract"
CONTACTS = "/crm/v3/objects/contacts"
ASSOCIATE = "/crm/v4/associations/contacts/companies"
HUBSPOT_FIELDS = ContractFields(
    email="email", name="firstname", score="contract_score", birthday="contract_birthday",
    active="contract_active", last_seen="contract_last_seen",
)  # fmt: skip
# The custom properties a portal admin defines for the contract's typed fields: (type, fieldType).
CUSTOM_PROPERTIES = {
    "contract_score": ("number", "number"),
    "contract_birthday": ("date", "date"),
    "contract_active": ("bool", "booleancheckbox"),
    "contract_last_seen": ("datetime", "date"),
}
SYNCER_AHEAD = timedelta(minutes=10)
CONTACT_TO_COMPANY = AssociationType(279)  # HubSpot's unlabelled contact -> company type
EMPLOYER = "Employer"


def _companies(label: str | None) -> AssociationField:
    return AssociationField(
        name=field_name("companies", label), to_pipeline="companies",
        to_hubspot_object="companies", to_external_object="firms", label=label,
        direction=Direction.BOTH, columns=("firm_id",),
    )  # fmt: skip


# A contact points at its companies by HubSpot's unlabelled type, and at others by a label the
# connector's prepare() creates: both hold any number of companies.
HUBSPOT_RELATIONS = RelationFields(
    single=_companies(None), composite=None, many=_companies(EMPLOYER), holds_one=False
)


class HubSpotHarness:
    fields = HUBSPOT_FIELDS
    relations = HUBSPOT_RELATIONS

    def __init__(self) -> None:
        self.clock = SideClock()
        config = SandboxConfig(token=TOKEN, burst_limit=0, daily_limit=0, search_per_second=0)
        self.sandbox = HubSpotSandbox(config, clock=lambda: self.clock().timestamp())
        self.server: RunningServer = serve_in_thread(self.sandbox)
        self.portal = httpx.Client(
            base_url=self.server.url, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        self.connectors: list[HubSpotConnector] = []
        for name, (kind, field_type) in CUSTOM_PROPERTIES.items():
            definition = {"name": name, "label": name, "type": kind, "fieldType": field_type,
                          "groupName": "contactinformation"}  # fmt: skip
            self._call("POST", "/crm/v3/properties/contacts", definition)

    def connector(
        self,
        *,
        batch_size: int = 500,
        overlap_seconds: float = OVERLAP_SECONDS,
        associations: tuple[AssociationField, ...] = (),
    ) -> HubSpotConnector:
        settings = HubSpotSettings(
            base_url=self.server.url, allow_private_network=True, token=SecretStr(TOKEN),
            batch_size=min(batch_size, 100), max_retries=0,
        )  # fmt: skip
        mapped = (HUBSPOT_FIELDS.name, *CUSTOM_PROPERTIES)
        pipeline = PipelineSettings(
            name="contacts", external_object="customers", overlap_seconds=overlap_seconds,
            fields={name: name for name in mapped}, match={"hubspot": "email", "external": "email"},
        )  # fmt: skip
        connector = HubSpotConnector(
            settings, pipeline, clock=self.syncer_clock, associations=associations
        )
        connector.prepare()
        self.connectors.append(connector)
        return connector

    def syncer_clock(self) -> datetime:
        """Syncer's clock runs ahead of HubSpot's: the connector must go by HubSpot's."""
        return self.clock() + SYNCER_AHEAD

    def page_sizes(self, batch_size: int) -> PageSizes:
        return PageSizes(listing=LIST_LIMIT, changes=PAGE_LIMIT)  # HubSpot's own page sizes

    def seed(
        self, email: str, *, name: str = "Someone", modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:  # fmt: skip
        with self.clock.at(modified_at):
            body = self._call("POST", CONTACTS, {"properties": {"email": email, "firstname": name}})
            if archived:
                self._call("DELETE", f"{CONTACTS}/{body['id']}")
        return str(body["id"])

    def edit(self, record_id: str, *, name: str, modified_at: datetime) -> None:
        with self.clock.at(modified_at):
            self._call("PATCH", f"{CONTACTS}/{record_id}", {"properties": {"firstname": name}})

    def remove(self, record_id: str, *, modified_at: datetime) -> None:
        with self.clock.at(modified_at):
            self._call("DELETE", f"{CONTACTS}/{record_id}")

    def stored(self, record_id: str) -> Mapping[str, Any] | None:
        params = {"properties": ",".join(["email", "firstname", *CUSTOM_PROPERTIES])}
        response = self.portal.get(f"{CONTACTS}/{record_id}", params=params)
        if response.status_code == 404:
            return None
        assert response.is_success, response.text
        properties: dict[str, Any] = response.json()["properties"]
        return properties

    def sample_values(self) -> Mapping[str, Any]:
        # HubSpot's API takes and gives every value as text, in these formats.
        return {
            "contract_score": "42.5",
            "contract_birthday": "1990-02-03",
            "contract_active": "true",
            "contract_last_seen": "2024-03-04T05:06:07.000Z",
        }

    def rejected_properties(self) -> Mapping[str, Any]:
        return {"contract_score": "not a number"}

    def rejected_property(self) -> str:
        return "contract_score"

    def merge(self, survivor_id: str, absorbed_id: str, *, modified_at: datetime) -> str:
        with self.clock.at(modified_at):
            body = {"primaryObjectId": survivor_id, "objectIdToMerge": absorbed_id}
            merged = self._call("POST", f"{CONTACTS}/merge", body)
        return str(merged["id"])

    def seed_other(self) -> tuple[str, str]:
        body = self._call("POST", "/crm/v3/objects/companies", {"properties": {"name": "Acme"}})
        return "companies", str(body["id"])

    def edge(self, from_id: str, to_id: str) -> Edge:
        return Edge(from_id, to_id, (CONTACT_TO_COMPANY,))

    def associated(self, from_id: str, to_object: str) -> list[str]:
        body = self._call("GET", f"/crm/v4/objects/contacts/{from_id}/associations/{to_object}")
        return [str(r["toObjectId"]) for r in body.get("results") or []]

    # -- relations: HubSpot's own API is the back door -------------------------------------

    def related_connector(self, *, batch_size: int = 500) -> HubSpotConnector:
        fields = (HUBSPOT_RELATIONS.single, HUBSPOT_RELATIONS.many)
        return self.connector(batch_size=batch_size, associations=fields)

    def seed_target(self, field: AssociationField, number: int) -> str:
        body = self._call(
            "POST", "/crm/v3/objects/companies", {"properties": {"name": f"Firm {number}"}}
        )
        return str(body["id"])

    def seed_pointing(self, email: str, links: Mapping[str, list[str]]) -> str:
        record_id = self.seed(email)
        types = self._type_ids()
        inputs = [
            {"from": {"id": record_id}, "to": {"id": to_id},
             "types": [{"associationCategory": category, "associationTypeId": type_id}]}
            for name, ids in links.items()
            for category, type_id in [types[name]]
            for to_id in ids
        ]  # fmt: skip
        if inputs:
            self._call("POST", f"{ASSOCIATE}/batch/create", {"inputs": inputs})
        return record_id

    def pointed(self, record_id: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {name: [] for name in self._type_ids()}
        response = self.portal.get(f"/crm/v4/objects/contacts/{record_id}/associations/companies")
        results = response.json().get("results") or [] if response.is_success else []
        for name, (_, type_id) in self._type_ids().items():
            for result in results:
                if any(t["typeId"] == type_id for t in result["associationTypes"]):
                    found[name].append(str(result["toObjectId"]))
        return {name: sorted(ids) for name, ids in found.items()}

    def seed_owner(self, email: str) -> str:
        return str(self.sandbox.add_owner({"email": email})["id"])

    def _type_ids(self) -> dict[str, tuple[str, int]]:
        """Each field's (category, type id), the label made if the connector has not yet."""
        labels = self._call("GET", f"{ASSOCIATE}/labels")["results"]
        employer = next((k for k in labels if k["label"] == EMPLOYER), None)
        if employer is None:
            made = self._call(
                "POST", f"{ASSOCIATE}/labels", {"label": EMPLOYER, "name": "employer"}
            )
            employer = next(k for k in made["results"] if k["label"] == EMPLOYER)
        return {
            HUBSPOT_RELATIONS.single.name: ("HUBSPOT_DEFINED", CONTACT_TO_COMPANY.type_id),
            HUBSPOT_RELATIONS.many.name: ("USER_DEFINED", int(employer["typeId"])),
        }

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()
        self.portal.close()
        self.server.stop()

    def _call(self, method: str, path: str, body: object | None = None) -> dict[str, Any]:
        response = self.portal.request(method, path, json=body)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json() if response.content else {}
        return answer


@pytest.fixture
def hubspot_harness() -> Iterator[HubSpotHarness]:
    harness = HubSpotHarness()
    yield harness
    harness.close()
