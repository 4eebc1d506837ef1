"""Which scope a request needs, for sandboxes configured with a limited token
(`SandboxConfig.scopes`), and the 403 MISSING_SCOPES answer.

Scope names follow HubSpot's private-app scopes for contacts, companies, deals, custom objects,
owners and schemas; for other object types the sandbox uses `crm.objects.{type}.{read|write}`
(HubSpot's own names there, e.g. `tickets` or `e-commerce`, are not modelled).
"""

from __future__ import annotations

from syncer.sandbox.hubspot.errors import ApiError
from syncer.sandbox.hubspot.portal import Portal

_READ_POSTS = ("/search", "/batch/read", "/labels")


def required_scope(portal: Portal, method: str, path: str, params: dict[str, str]) -> str | None:
    access = "read" if method == "GET" or path.endswith(_READ_POSTS) else "write"
    if path.startswith("/crm/v3/owners"):
        return "crm.objects.owners.read"
    if path.startswith("/settings/v3/users"):
        return "settings.users.teams.read" if path.endswith("/teams") else "settings.users.read"
    if "/schemas" in path:
        return f"crm.schemas.custom.{access}"
    object_type = params.get("object_type")
    if object_type is None:
        return None
    collection = portal.collections.get(portal.name_of(object_type) or "")
    if collection is None:
        return None  # the handler answers for unknown types
    name = "custom" if collection.custom is not None else collection.spec.name
    if path.startswith("/crm/v3/properties"):
        return f"crm.schemas.{name}.{access}"
    return f"crm.objects.{name}.{access}"


def missing_scope(scope: str) -> ApiError:
    return ApiError(
        403,
        "This app hasn't been granted all required scopes to make this call. Read more about "
        "required scopes here: https://developers.hubspot.com/scopes.",
        "MISSING_SCOPES",
        errors=[
            {"message": "One or more of the following scopes are required.",
             "context": {"requiredGranularScopes": [scope]}}
        ],
        extra={"links": {"scopes": "https://developers.hubspot.com/scopes"}},
    )  # fmt: skip


def expired_token(now_ms: int, expired_at_ms: int, expire_time: str) -> ApiError:
    seconds = max((now_ms - expired_at_ms) // 1000, 0)
    return ApiError(
        401,
        f"The OAuth token used to make this call expired {seconds} second(s) ago.",
        "EXPIRED_AUTHENTICATION",
        context={"expire time": [expire_time]},
    )
