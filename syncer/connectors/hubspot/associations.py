"""Associations (v4): read and write the edges between records, with type ids and labels.

Limits and shapes of HubSpot's v4 associations API: batch read takes up to 1,000 ids and pages
each id's edges with its own `after`; batch create takes up to 2,000 pairs, answers 201 or 207
(per-pair errors); batch archive removes every type between the listed pairs (204). A record
with no edges is reported as a 207 error, which here is simply an empty list. Type ids are
directional: the id for from -> to, not its inverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syncer.records import Rejection, RejectionKind, WriteResult

from .api import HubSpotApi
from .outcomes import body_of
from .rejections import rejection_from

READ_LIMIT = 1_000
CREATE_LIMIT = 2_000
HUBSPOT_DEFINED = "HUBSPOT_DEFINED"


@dataclass(frozen=True, slots=True)
class AssociationType:
    type_id: int
    category: str = HUBSPOT_DEFINED
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """`from_id` is associated with `to_id` by each of `types`."""

    from_id: str
    to_id: str
    types: tuple[AssociationType, ...]

    @property
    def key(self) -> str:
        return f"{self.from_id}->{self.to_id}"


class Associations:
    def __init__(self, api: HubSpotApi, from_type: str, to_type: str) -> None:
        self._api = api
        self._path = f"/crm/v4/associations/{from_type}/{to_type}/batch"

    @property
    def labels_path(self) -> str:
        return self._path.removesuffix("/batch") + "/labels"

    def types(self) -> list[AssociationType]:
        """The association types (with their labels) defined from this type to the other."""
        body = self._api.call_ok("GET", self.labels_path, kind="associations/labels")
        return [_type(k) for k in body.get("results") or []]

    def read(self, from_ids: Sequence[str]) -> dict[str, list[Edge]]:
        """Every edge from each of `from_ids` to the other type (ids without edges map to [])."""
        unique = list(dict.fromkeys(from_ids))
        edges: dict[str, list[Edge]] = {i: [] for i in unique}
        pending = [{"id": i} for i in unique]
        while pending:
            batch, pending = pending[:READ_LIMIT], pending[READ_LIMIT:]
            body = self._api.call_ok(
                "POST", f"{self._path}/read", kind="associations/read", body={"inputs": batch}
            )
            for result in body.get("results") or []:
                from_id = str((result.get("from") or {}).get("id"))
                edges.setdefault(from_id, []).extend(_edges(from_id, result.get("to") or []))
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": from_id, "after": str(after)})
        return edges

    def create(self, edges: Sequence[Edge]) -> list[WriteResult]:
        """Create the edges (adding types to pairs already associated); one result per edge,
        keyed `from->to`."""
        chunks = [edges[i : i + CREATE_LIMIT] for i in range(0, len(edges), CREATE_LIMIT)]
        answered: dict[str, WriteResult] = {}
        for chunk_results in self._api.in_flight.map(self._create_chunk, chunks):
            answered.update(chunk_results)
        return [answered[e.key] for e in edges]

    def archive(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Remove every association type between each (from id, to id) pair."""
        targets: dict[str, list[dict[str, str]]] = {}
        for from_id, to_id in pairs:
            targets.setdefault(from_id, []).append({"id": to_id})
        inputs = [{"from": {"id": f}, "to": t} for f, t in targets.items()]
        for start in range(0, len(inputs), CREATE_LIMIT):
            self._api.call_ok(
                "POST",
                f"{self._path}/archive",
                kind="associations/archive",
                body={"inputs": inputs[start : start + CREATE_LIMIT]},
            )

    def archive_types(self, edges: Sequence[Edge]) -> None:
        """Remove only the listed types between each pair (the pair's other types stay). HubSpot
        removes every type when one of them is the unlabelled one."""
        inputs = [
            {"from": {"id": e.from_id}, "to": {"id": e.to_id}, "types": _specs(e)} for e in edges
        ]
        for start in range(0, len(inputs), CREATE_LIMIT):
            self._api.call_ok(
                "POST",
                f"{self._path}/labels/archive",
                kind="associations/archive",
                body={"inputs": inputs[start : start + CREATE_LIMIT]},
            )

    def _create_chunk(self, chunk: Sequence[Edge]) -> dict[str, WriteResult]:
        inputs = [
            {"from": {"id": e.from_id}, "to": {"id": e.to_id}, "types": _specs(e)} for e in chunk
        ]
        exchange = self._api.call(
            "POST", f"{self._path}/create", kind="associations/create", body={"inputs": inputs}
        )
        body = body_of(exchange.response)
        made = {
            f"{r.get('fromObjectId')}->{r.get('toObjectId')}" for r in body.get("results") or []
        }
        errors = [body] if not exchange.ok else list(body.get("errors") or [])
        return {
            e.key: WriteResult(e.key, e.key) if e.key in made else _refused(e, errors)
            for e in chunk
        }


def _specs(edge: Edge) -> list[dict[str, Any]]:
    return [{"associationCategory": t.category, "associationTypeId": t.type_id} for t in edge.types]


def _refused(edge: Edge, errors: list[dict[str, Any]]) -> WriteResult:
    """The error naming one of the edge's ends, else the first: a record HubSpot does not have
    (an `INVALID_OBJECT_IDS` context) is NOT_FOUND, naming it."""
    for error in errors:
        named = invalid_ids(error)
        missing = [i for i in (edge.to_id, edge.from_id) if i in named]
        if missing:
            message = f"HubSpot has no record {missing[0]} to associate ({error.get('message')})"
            rejection = Rejection(RejectionKind.NOT_FOUND, "INVALID_OBJECT_IDS", message)
            return WriteResult(edge.key, None, rejection=rejection)
    return WriteResult(edge.key, None, rejection=rejection_from(errors[0] if errors else {}))


def invalid_ids(error: dict[str, Any]) -> set[str]:
    """The record ids an association error says do not exist."""
    context = error.get("context")
    listed = context.get("INVALID_OBJECT_IDS") if isinstance(context, dict) else None
    return {str(i) for i in listed} if isinstance(listed, list) else set()


def _edges(from_id: str, targets: list[dict[str, Any]]) -> list[Edge]:
    return [
        Edge(
            from_id,
            str(t.get("toObjectId")),
            tuple(_type(k) for k in t.get("associationTypes") or []),
        )
        for t in targets
    ]


def _type(kind: dict[str, Any]) -> AssociationType:
    return AssociationType(int(kind["typeId"]), str(kind.get("category")), kind.get("label"))
