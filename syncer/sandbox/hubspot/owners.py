"""Owners (read-only in HubSpot's API; seeded through the sandbox's admin path):

GET /crm/v3/owners?limit=&after=&email=&archived=
GET /crm/v3/owners/{ownerId}?idProperty=id|userId&archived=
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.paging import next_page
from syncer.sandbox.hubspot.portal import Call, Portal
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Response

FIRST_OWNER_ID = 10_001
FIRST_USER_ID = 90_001
LIST_LIMIT = 500
_TYPES = ("PERSON", "QUEUE")


@dataclass
class Owner:
    id: int
    email: str
    first_name: str
    last_name: str
    user_id: int
    type: str
    archived: bool
    created_ms: int
    teams: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "email": self.email, "type": self.type,
            "firstName": self.first_name, "lastName": self.last_name,
            # HubSpot hides the user id of an archived owner
            "userId": None if self.archived else self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.created_ms),
            "archived": self.archived, "teams": self.teams,
        }  # fmt: skip


def seed_owner(portal: Portal, spec: dict[str, Any], now_ms: int) -> Owner:
    """Add an owner from `{"email", "firstName"?, "lastName"?, "userId"?, "type"?, "teams"?,
    "archived"?}`; ids are given in order, so seeding is deterministic."""
    email = spec.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise validation(f"An owner needs an 'email' address, got {email!r}")
    kind = str(spec.get("type", "PERSON"))
    if kind not in _TYPES:
        raise validation(f"Owner 'type' must be PERSON or QUEUE, got {kind!r}")
    owners = portal.owners
    owner_id = FIRST_OWNER_ID + len(owners)
    user_id = spec.get("userId", FIRST_USER_ID + len(owners))
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise validation(f"Owner 'userId' must be an integer, got {user_id!r}")
    teams = spec.get("teams") or []
    if not isinstance(teams, list):
        raise validation("Owner 'teams' must be a list of {id, name, primary}")
    owner = Owner(
        owner_id, email, str(spec.get("firstName", "")), str(spec.get("lastName", "")),
        user_id, kind, bool(spec.get("archived", False)), now_ms, teams,
    )  # fmt: skip
    owners[owner_id] = owner
    portal.owner_ids.add(str(owner_id))
    return owner


def list_owners(call: Call) -> Response:
    request = call.request
    archived = request.flag("archived")
    email = (request.param("email") or "").lower()
    limit = min(max(request.int_param("limit", 100), 1), LIST_LIMIT)
    after = request.int_param("after", 0)
    chosen = [
        owner
        for owner in call.portal.owners.values()
        if owner.archived == archived and owner.id >= after
        and (not email or owner.email.lower() == email)
    ]  # fmt: skip
    body: dict[str, Any] = {"results": [owner.to_json() for owner in chosen[:limit]]}
    if len(chosen) > limit:
        body["paging"] = next_page(request, str(chosen[limit].id))
    return Response(200, body)


def get_owner(call: Call) -> Response:
    request = call.request
    key = call.path_params["owner_id"]
    id_property = request.param("idProperty") or "id"
    if id_property not in ("id", "userId"):
        raise validation(f"idProperty must be id or userId, got {id_property!r}")
    archived = request.flag("archived")
    for owner in call.portal.owners.values():
        value = owner.id if id_property == "id" else owner.user_id
        if str(value) == key and owner.archived == archived:
            return Response(200, owner.to_json())
    raise ApiError(404, f"Owner {key} not found (idProperty={id_property})", "OBJECT_NOT_FOUND")
