"""Users and teams (read-only here): GET /settings/v3/users[/{userId}] and
/settings/v3/users/teams, what a client uses to resolve an owner to its user and teams.

The sandbox has one source of people: the owners seeded through the admin path. Every active
PERSON owner is a user (id = the owner's userId); teams are gathered from the owners' `teams`.
"""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.owners import Owner
from syncer.sandbox.hubspot.paging import next_page
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.wire import Response

LIST_LIMIT = 100
_ID_PROPERTIES = ("USER_ID", "EMAIL")


def list_users(call: Call) -> Response:
    request = call.request
    limit = min(max(request.int_param("limit", LIST_LIMIT), 1), LIST_LIMIT)
    after = request.int_param("after", 0)
    chosen = [owner for owner in _users(call) if owner.user_id >= after]
    body: dict[str, Any] = {"results": [_user_json(owner) for owner in chosen[:limit]]}
    if len(chosen) > limit:
        body["paging"] = next_page(request, str(chosen[limit].user_id))
    return Response(200, body)


def get_user(call: Call) -> Response:
    key = call.path_params["user_id"]
    id_property = call.request.param("idProperty") or "USER_ID"
    if id_property not in _ID_PROPERTIES:
        raise validation(
            f"idProperty must be one of {', '.join(_ID_PROPERTIES)}, got {id_property!r}"
        )
    for owner in _users(call):
        value = str(owner.user_id) if id_property == "USER_ID" else owner.email.lower()
        if value == key.lower():
            return Response(200, _user_json(owner))
    raise ApiError(404, f"User {key} not found", "OBJECT_NOT_FOUND")


def list_teams(call: Call) -> Response:
    teams: dict[str, dict[str, Any]] = {}
    for owner in _users(call):
        for team in owner.teams:
            entry = teams.setdefault(
                str(team.get("id")),
                {"id": str(team.get("id")), "name": str(team.get("name", "")),
                 "userIds": [], "secondaryUserIds": []},
            )  # fmt: skip
            members = "userIds" if team.get("primary") else "secondaryUserIds"
            entry[members].append(str(owner.user_id))
    return Response(200, {"results": list(teams.values())})


def _users(call: Call) -> list[Owner]:
    owners = call.portal.owners.values()
    people = [o for o in owners if o.type == "PERSON" and not o.archived]
    return sorted(people, key=lambda owner: owner.user_id)


def _user_json(owner: Owner) -> dict[str, Any]:
    primary = [str(t.get("id")) for t in owner.teams if t.get("primary")]
    secondary = [str(t.get("id")) for t in owner.teams if not t.get("primary")]
    body: dict[str, Any] = {
        "id": str(owner.user_id), "email": owner.email, "firstName": owner.first_name,
        "lastName": owner.last_name, "roleIds": [], "superAdmin": False,
        "secondaryTeamIds": secondary,
    }  # fmt: skip
    if primary:
        body["primaryTeamId"] = primary[0]
    return body
