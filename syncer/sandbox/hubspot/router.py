"""The route table: method + path pattern -> handler and the kind of request it is (for stats)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from syncer.sandbox.hubspot import (
    association_labels_api,
    associations_api,
    batch_api,
    merge_api,
    objects_api,
    owners,
    pipelines_api,
    properties_api,
    schemas_api,
    search_api,
    users_api,
)
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.wire import Request, Response

Handler = Callable[[Call], Response]

RECORD_WRITES = frozenset(
    {"create", "update", "archive", "batch/create", "batch/update", "batch/upsert",
     "batch/archive", "merge", "gdpr-delete"}
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    kind: str


_OBJECTS = r"/crm/v3/objects/(?P<object_type>[^/]+)"
_PROPERTIES = r"/crm/v3/properties/(?P<object_type>[^/]+)"
_V4_RECORD = r"/crm/v4/objects/(?P<object_type>[^/]+)/(?P<object_id>[^/]+)/associations"
_V4_PAIR = _V4_RECORD + r"/(?P<to_type>[^/]+)/(?P<to_id>[^/]+)"
_V4_TYPES = r"/crm/v4/associations/(?P<object_type>[^/]+)/(?P<to_type>[^/]+)"
_GROUP = _PROPERTIES + r"/groups/(?P<group_name>[^/]+)"
_PIPELINES = r"/crm/v3/pipelines/(?P<object_type>[^/]+)"
_SCHEMAS = r"(?:/crm/v3/schemas|/crm-object-schemas/v3/schemas)"
_SCHEMA = _SCHEMAS + r"/(?P<object_type>[^/]+)"


def _route(method: str, pattern: str, handler: Handler, kind: str) -> Route:
    return Route(method, re.compile(pattern + r"/?$"), handler, kind)


ROUTES: tuple[Route, ...] = (
    _route("GET", _OBJECTS, objects_api.list_objects, "list"),
    _route("POST", _OBJECTS, objects_api.create_object, "create"),
    _route("POST", _OBJECTS + "/search", search_api.search_objects, "search"),
    _route("POST", _OBJECTS + "/merge", merge_api.merge_objects, "merge"),
    _route("POST", _OBJECTS + "/gdpr-delete", merge_api.gdpr_delete, "gdpr-delete"),
    _route("POST", _OBJECTS + "/batch/read", batch_api.batch_read, "batch/read"),
    _route("POST", _OBJECTS + "/batch/create", batch_api.batch_create, "batch/create"),
    _route("POST", _OBJECTS + "/batch/update", batch_api.batch_update, "batch/update"),
    _route("POST", _OBJECTS + "/batch/upsert", batch_api.batch_upsert, "batch/upsert"),
    _route("POST", _OBJECTS + "/batch/archive", batch_api.batch_archive, "batch/archive"),
    _route("GET", _OBJECTS + "/(?P<object_id>[^/]+)", objects_api.get_object, "read"),
    _route("PATCH", _OBJECTS + "/(?P<object_id>[^/]+)", objects_api.update_object, "update"),
    _route("DELETE", _OBJECTS + "/(?P<object_id>[^/]+)", objects_api.archive_object, "archive"),
    _route("GET", _PROPERTIES, properties_api.list_properties, "properties/read"),
    _route("POST", _PROPERTIES, properties_api.create_property, "properties/write"),
    _route("GET", _PROPERTIES + "/groups", properties_api.list_groups, "properties/read"),
    _route("POST", _PROPERTIES + "/groups", properties_api.create_group, "properties/write"),
    _route("GET", _GROUP, properties_api.get_group, "properties/read"),
    _route("PATCH", _GROUP, properties_api.update_group, "properties/write"),
    _route("DELETE", _GROUP, properties_api.archive_group, "properties/write"),
    _route(
        "POST", _PROPERTIES + "/batch/read", properties_api.batch_read_properties, "properties/read"
    ),
    _route(
        "POST",
        _PROPERTIES + "/batch/create",
        properties_api.batch_create_properties,
        "properties/write",
    ),
    _route(
        "POST",
        _PROPERTIES + "/batch/archive",
        properties_api.batch_archive_properties,
        "properties/write",
    ),
    _route(
        "DELETE",
        _PROPERTIES + "/(?P<property_name>[^/]+)",
        properties_api.archive_property,
        "properties/write",
    ),
    _route(
        "GET",
        _PROPERTIES + "/(?P<property_name>[^/]+)",
        properties_api.get_property,
        "properties/read",
    ),
    _route(
        "PATCH",
        _PROPERTIES + "/(?P<property_name>[^/]+)",
        properties_api.update_property,
        "properties/write",
    ),
    _route(
        "PUT",
        _V4_RECORD + r"/default/(?P<to_type>[^/]+)/(?P<to_id>[^/]+)",
        associations_api.put_default,
        "associations/write",
    ),
    _route("PUT", _V4_PAIR, associations_api.put_labelled, "associations/write"),
    _route("DELETE", _V4_PAIR, associations_api.delete_pair, "associations/write"),
    _route(
        "GET",
        _V4_RECORD + r"/(?P<to_type>[^/]+)",
        associations_api.list_associations,
        "associations/read",
    ),
    _route(
        "POST",
        _V4_TYPES + "/batch/associate/default",
        associations_api.batch_default,
        "associations/write",
    ),
    _route(
        "POST", _V4_TYPES + "/batch/create", associations_api.batch_create, "associations/write"
    ),
    _route("POST", _V4_TYPES + "/batch/read", associations_api.batch_read, "associations/read"),
    _route(
        "POST", _V4_TYPES + "/batch/archive", associations_api.batch_archive, "associations/write"
    ),
    _route(
        "POST",
        _V4_TYPES + "/batch/labels/archive",
        associations_api.batch_archive_labels,
        "associations/write",
    ),
    _route("GET", _V4_TYPES + "/labels", association_labels_api.list_labels, "associations/read"),
    _route(
        "POST", _V4_TYPES + "/labels", association_labels_api.create_label, "associations/write"
    ),
    _route("PUT", _V4_TYPES + "/labels", association_labels_api.update_label, "associations/write"),
    _route(
        "DELETE",
        _V4_TYPES + r"/labels/(?P<type_id>\d+)",
        association_labels_api.delete_label,
        "associations/write",
    ),
    _route("GET", _PIPELINES, pipelines_api.list_pipelines, "pipelines/read"),
    _route(
        "GET", _PIPELINES + r"/(?P<pipeline_id>[^/]+)", pipelines_api.get_pipeline, "pipelines/read"
    ),
    _route(
        "GET",
        _PIPELINES + r"/(?P<pipeline_id>[^/]+)/stages",
        pipelines_api.list_stages,
        "pipelines/read",
    ),
    _route("GET", "/crm/v3/owners", owners.list_owners, "owners/read"),
    _route("GET", r"/crm/v3/owners/(?P<owner_id>[^/]+)", owners.get_owner, "owners/read"),
    _route("GET", "/settings/v3/users", users_api.list_users, "users/read"),
    _route("GET", "/settings/v3/users/teams", users_api.list_teams, "users/read"),
    _route("GET", r"/settings/v3/users/(?P<user_id>[^/]+)", users_api.get_user, "users/read"),
    _route("GET", _SCHEMAS, schemas_api.list_schemas, "schemas/read"),
    _route("POST", _SCHEMAS, schemas_api.create_schema, "schemas/write"),
    _route("GET", _SCHEMA, schemas_api.get_schema, "schemas/read"),
    _route("PATCH", _SCHEMA, schemas_api.update_schema, "schemas/write"),
    _route("DELETE", _SCHEMA, schemas_api.archive_schema, "schemas/write"),
    _route(
        "POST", _SCHEMA + "/associations", schemas_api.create_schema_association, "schemas/write"
    ),
)


# Date-versioned twins (`/crm/objects/2026-03/contacts`): area -> the numbered path it mirrors.
_DATED = re.compile(
    r"^/(?P<area>crm/(?:objects|properties|owners|pipelines|associations)|crm-object-schemas"
    r"|settings/users)/(?P<version>\d{4}-\d{2})(?=/|$)"
)
_TWINS = {
    "crm/associations": "/crm/v4/associations",
    "crm-object-schemas": "/crm-object-schemas/v3",
    "settings/users": "/settings/v3/users",
}
_RECORD_ASSOCIATIONS = re.compile(r"^/crm/v3/objects/[^/]+/[^/]+/associations(?=/|$)")


def dated_version(path: str) -> str | None:
    """The date version a path names (`2026-03`), or None for a numbered (v3/v4) path."""
    dated = _DATED.match(path)
    return dated.group("version") if dated else None


def canonical_path(path: str) -> str:
    """HubSpot's date-versioned twins answer as the v3 paths (v4 for associations) they
    mirror; the caller checks the version is one HubSpot has released."""
    dated = _DATED.match(path)
    if dated is None:
        return path
    area = dated.group("area")
    twin = _TWINS.get(area) or "/crm/v3/" + area.removeprefix("crm/")
    path = twin + path[dated.end() :]
    if _RECORD_ASSOCIATIONS.match(path):
        path = "/crm/v4/" + path.removeprefix("/crm/v3/")
    return path


def read_as_hubspot(request: Request, config: SandboxConfig) -> None:
    """The path and query as HubSpot reads them: a dated path as its v3/v4 twin; a blank
    `properties=` as absent, unless configured otherwise."""
    request.path = canonical_path(request.path)
    if config.blank_properties_mean_defaults:
        request.drop_if_blank("properties")


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        if route.method == method:
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
    return None
