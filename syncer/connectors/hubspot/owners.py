"""HubSpot owners (read-only): who `hubspot_owner_id` values point at, so the engine can map
them to the external side's users by email (the owners API gives each owner's email).

An owner's `id` is what owner properties hold (not its `userId`, which is null once archived).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .api import HubSpotApi

PATH = "/crm/v3/owners"
PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    user_id: int | None = None
    archived: bool = False


def list_owners(api: HubSpotApi, *, archived: bool = False) -> list[Owner]:
    """Every owner (active ones, or archived ones when asked), all pages."""
    owners: list[Owner] = []
    after: str | None = None
    while True:
        params = [("limit", str(PAGE_LIMIT)), ("archived", "true" if archived else "false")]
        if after is not None:
            params.append(("after", after))
        body = api.call_ok("GET", PATH, kind="owners", params=params)
        owners += [_owner(o) for o in body.get("results") or []]
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return owners


def owner_emails(api: HubSpotApi) -> dict[str, str]:
    """{owner id: email} of every owner with an email, active and archived: records keep the
    id of an owner who has since left, and the external side's user may still be there."""
    owners = [*list_owners(api), *list_owners(api, archived=True)]
    return {o.id: o.email for o in owners if o.email}


def _owner(obj: dict[str, Any]) -> Owner:
    user_id = obj.get("userId")
    return Owner(
        id=str(obj["id"]),
        email=obj.get("email"),
        first_name=obj.get("firstName"),
        last_name=obj.get("lastName"),
        user_id=int(user_id) if user_id is not None else None,
        archived=bool(obj.get("archived", False)),
    )
