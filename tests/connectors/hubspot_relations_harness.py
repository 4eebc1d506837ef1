"""A sandbox portal on loopback HTTP for the association-field tests, and its back door.

The connector talks to the sandbox over real HTTP; the tests seed and inspect the portal through
HubSpot's own API on a second client (as another app would), never through the connector.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from syncer.connectors.hubspot import HubSpotConnector
from syncer.policies import Direction
from syncer.relations import AssociationField, field_name
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from syncer.sandbox.hubspot.server import RunningServer, serve_in_thread
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings

TOKEN = "pat-na1-relations"


def field(
    to: str, hubspot_object: str, label: str | None = None, *, prop: str | None = None
) -> AssociationField:
    return AssociationField(
        name=field_name(to, label),
        to_pipeline=to,
        to_hubspot_object=hubspot_object,
        to_external_object=to,
        label=label,
        direction=Direction.BOTH,
        columns=(f"{to}_id",),
        hubspot_property=prop,
    )


class Portal:
    """The sandbox served on loopback, and a plain client on it."""

    def __init__(self, **config: Any) -> None:
        options: dict[str, Any] = {"token": TOKEN, "burst_limit": 0, "daily_limit": 0}
        options.update({"search_per_second": 0, **config})
        self.sandbox = HubSpotSandbox(SandboxConfig(**options))
        self.server: RunningServer = serve_in_thread(self.sandbox)
        self.http = httpx.Client(
            base_url=self.server.url, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        self.connectors: list[HubSpotConnector] = []

    def connector(
        self,
        hubspot_object: str,
        fields: Sequence[AssociationField] = (),
        *,
        mapped: dict[str, str] | None = None,
        name: str | None = None,
        retries: int = 0,
    ) -> HubSpotConnector:
        settings = HubSpotSettings(
            base_url=self.server.url, allow_private_network=True, token=SecretStr(TOKEN),
            batch_size=100, max_retries=retries,
        )  # fmt: skip
        pipeline = PipelineSettings(
            name=name or hubspot_object, hubspot_object=hubspot_object,
            external_object=hubspot_object, fields=mapped or {}, external_id_property="legacy_id",
        )  # fmt: skip
        connector = HubSpotConnector(settings, pipeline, associations=fields)
        self.connectors.append(connector)
        return connector

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def create(self, object_type: str, count: int, **properties: str) -> list[str]:
        inputs = [
            {"properties": {k: v.format(n=n) for k, v in properties.items()}} for n in range(count)
        ]
        ids: list[str] = []
        for start in range(0, count, 100):
            body = {"inputs": inputs[start : start + 100]}
            answer = self.call("POST", f"/crm/v3/objects/{object_type}/batch/create", body)
            ids += [str(r["id"]) for r in answer["results"]]
        return sorted(ids, key=int)

    def associate(self, from_type: str, to_type: str, pairs: list[tuple[str, str]], type_id: int,
                  category: str = "HUBSPOT_DEFINED") -> None:  # fmt: skip
        inputs = [
            {"from": {"id": a}, "to": {"id": b},
             "types": [{"associationCategory": category, "associationTypeId": type_id}]}
            for a, b in pairs
        ]  # fmt: skip
        self.call("POST", f"/crm/v4/associations/{from_type}/{to_type}/batch/create",
                  {"inputs": inputs})  # fmt: skip

    def edges(self, from_type: str, to_type: str, from_id: str) -> dict[str, set[int]]:
        """{to id: type ids} of one record, read by HubSpot's own v4 API."""
        response = self.http.get(f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}")
        if response.status_code == 404:
            return {}
        results = response.json()["results"]
        return {
            str(r["toObjectId"]): {int(t["typeId"]) for t in r["associationTypes"]} for r in results
        }

    def label(self, from_type: str, to_type: str, label: str, inverse: str = "") -> int:
        body = {"label": label, "name": label.lower().replace(" ", "_"), "inverseLabel": inverse}
        answer = self.call("POST", f"/crm/v4/associations/{from_type}/{to_type}/labels", body)
        return int(next(k["typeId"] for k in answer["results"] if k["label"] == label))

    def labels(self, from_type: str, to_type: str) -> dict[str, int]:
        answer = self.call("GET", f"/crm/v4/associations/{from_type}/{to_type}/labels")
        return {str(k["label"]): int(k["typeId"]) for k in answer["results"] if k["label"]}

    def count(self, object_type: str) -> int:
        total, after = 0, None
        while True:
            params = {"limit": "100", **({"after": after} if after else {})}
            body = self.http.get(f"/crm/v3/objects/{object_type}", params=params).json()
            total += len(body["results"])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return total

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()
        self.http.close()
        self.server.stop()


@pytest.fixture
def portal() -> Iterator[Portal]:
    made = Portal()
    yield made
    made.close()


def calls(connector: HubSpotConnector, kind: str) -> int:
    return connector.counter.by_kind.get(kind, 0)
