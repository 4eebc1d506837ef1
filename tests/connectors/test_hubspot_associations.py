"""Associations v4 and owners through the connector, against the sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx

from syncer.connectors.hubspot import AssociationType, Edge, HubSpotConnector
from syncer.records import Write
from tests.connectors.hubspot_harness import connect, contact, pipeline, sandbox, settings

UNLABELED_CONTACT_TO_COMPANY = AssociationType(279)
PRIMARY_CONTACT_TO_COMPANY = AssociationType(1)


def companies(hubspot_app: object, count: int) -> list[str]:
    companies_pipeline = pipeline(
        name="companies",
        hubspot_object="companies",
        fields={"name": "name"},
        match={"hubspot": "legacy_id", "external": "id"},
    )
    other = connect(hubspot_app, pipeline_settings=companies_pipeline)  # type: ignore[arg-type]
    other.prepare()
    results = other.write(
        [
            Write(f"c{n}", {"name": f"Co {n}"}, unique_property="legacy_id", unique_value=f"C-{n}")
            for n in range(count)
        ]
    )
    return [str(r.id) for r in results]


def test_edges_are_created_read_with_their_types_and_removed() -> None:
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    people = [str(r.id) for r in hubspot.write([contact(n) for n in range(3)])]
    firms = companies(app, 2)
    links = hubspot.associations("companies")
    results = links.create(
        [
            Edge(people[0], firms[0], (UNLABELED_CONTACT_TO_COMPANY, PRIMARY_CONTACT_TO_COMPANY)),
            Edge(people[1], firms[0], (UNLABELED_CONTACT_TO_COMPANY,)),
            Edge(people[1], firms[1], (UNLABELED_CONTACT_TO_COMPANY,)),
            Edge(people[2], "999999", (UNLABELED_CONTACT_TO_COMPANY,)),
        ]
    )
    assert [r.ok for r in results] == [True, True, True, False]
    assert results[3].key == f"{people[2]}->999999" and results[3].rejection is not None
    edges = links.read(people)
    assert {e.to_id for e in edges[people[1]]} == set(firms)
    assert edges[people[2]] == []
    primary = edges[people[0]][0]
    assert {t.type_id for t in primary.types} == {1, 279}
    assert {t.label for t in primary.types} == {"Primary", None}
    links.archive([(people[1], firms[0])])
    assert [e.to_id for e in links.read([people[1]])[people[1]]] == [firms[1]]
    assert hubspot.counter.by_kind["associations/create"] == 1


def test_owners_are_listed_for_mapping_ids_to_emails() -> None:
    app = sandbox()
    for n in range(130):  # more than one page
        app.add_owner({"email": f"owner{n}@example.com", "firstName": f"O{n}"})
    app.add_owner({"email": "gone@example.com", "archived": True})
    hubspot = connect(app)
    owners = hubspot.owners()
    assert len(owners) == 130 and len({o.id for o in owners}) == 130
    assert owners[0].email == "owner0@example.com" and owners[0].user_id is not None
    assert [o.email for o in hubspot.owners(archived=True)] == ["gone@example.com"]
    assert hubspot.counter.by_kind["owners"] == 2 + 1


def test_the_types_between_two_objects_are_listed_with_labels() -> None:
    hubspot = connect(sandbox())
    kinds = hubspot.associations("companies").types()
    assert {(k.type_id, k.label) for k in kinds} >= {(1, "Primary"), (279, None)}


class PagedEdges:
    """HubSpot pages one id's edges with its own `after` (the sandbox never needs to)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        results = []
        for item in body["inputs"]:
            page = 2 if item.get("after") == "p2" else 1
            result: dict[str, Any] = {
                "from": {"id": item["id"]},
                "to": [
                    {
                        "toObjectId": int(f"{page}00{item['id']}"),
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}
                        ],
                    }
                ],
            }
            if page == 1 and item["id"] == "1":
                result["paging"] = {"next": {"after": "p2"}}
            results.append(result)
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})


def test_an_ids_later_pages_of_edges_are_read_too() -> None:
    handler = PagedEdges()
    hubspot = HubSpotConnector(settings(), pipeline(), transport=httpx.MockTransport(handler))
    edges = hubspot.associations("companies").read(["1", "2"])
    assert {k: [e.to_id for e in v] for k, v in edges.items()} == {
        "1": ["1001", "2001"],
        "2": ["1002"],
    }
    assert [b["inputs"] for b in handler.bodies] == [
        [{"id": "1"}, {"id": "2"}],
        [{"id": "1", "after": "p2"}],
    ]
