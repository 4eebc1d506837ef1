"""Custom object schemas: /crm/v3/schemas and /crm-object-schemas/v3/schemas[/{objectType}].

A schema becomes an object type addressed by its plural label (`cars`), its name (`car`), its
objectTypeId (`2-NNN`) or its fully qualified name (`p{portalId}_car`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import CONFLICT, ApiError, validation
from syncer.sandbox.hubspot.portal import Call, Portal
from syncer.sandbox.hubspot.properties_api import add_property
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyGroup
from syncer.sandbox.hubspot.standard_properties import standard_properties
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Response

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
FIRST_CUSTOM_TYPE_NUMBER = 1001
_PATCHABLE = ("labels", "requiredProperties", "searchableProperties", "primaryDisplayProperty",
              "secondaryDisplayProperties", "description")  # fmt: skip


@dataclass
class CustomSchema:
    number: int
    body: dict[str, Any]  # name, labels, requiredProperties, ... as last written
    created_ms: int
    updated_ms: int
    associated: list[str] = field(default_factory=list)  # objectTypeIds named at creation


def list_schemas(call: Call) -> Response:
    schemas = [_render(call.portal, c) for c in call.portal.collections.values() if _custom(c)]
    return Response(200, {"results": schemas})


def get_schema(call: Call) -> Response:
    return Response(200, _render(call.portal, _custom_collection(call)))


def create_schema(call: Call) -> Response:
    portal, body = call.portal, call.body()
    name, plural = _names(body)
    if any(alias in (name.lower(), plural) for alias in _taken_names(portal)):
        raise ApiError(409, f"Object type with name {name} already exists", CONFLICT)
    number = FIRST_CUSTOM_TYPE_NUMBER + sum(1 for c in portal.collections.values() if _custom(c))
    spec = ObjectTypeSpec(
        name=plural, type_id=f"2-{number}", type_word=name.upper(),
        modified_property="hs_lastmodifieddate", created_property="hs_createdate",
        default_properties=("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        searchable_properties=tuple(body.get("searchableProperties") or ()),
        singular=name.lower(), mergeable=True,
        fully_qualified_name=f"p{call.config.portal_id}_{name.lower()}",
        required=tuple((str(p),) for p in body.get("requiredProperties") or ()),
    )  # fmt: skip
    group = PropertyGroup(f"{name.lower()}_information", f"{name} information", 0)
    collection = portal.add_collection(spec, standard_properties(spec, call.now_ms), [group])
    try:
        for prop in body.get("properties") or []:
            defaults = {"type": "string", "fieldType": "text", "groupName": group.name}
            add_property(collection, {**defaults, **_as_dict(prop)}, call.now_ms)
        _check_named_properties(collection, body)
    except ApiError:
        portal.remove_collection(spec)
        raise
    associated = [str(t) for t in body.get("associatedObjects") or []]
    for other in associated:
        if portal.by_type_id(other) is None:
            portal.remove_collection(spec)
            raise validation(f"associatedObjects names an unknown object type: {other}")
        portal.association_types.default(spec.type_id, other)
    collection.custom = CustomSchema(number, dict(body), call.now_ms, call.now_ms, associated)
    return Response(201, _render(portal, collection))


def update_schema(call: Call) -> Response:
    collection = _custom_collection(call)
    body = call.body()
    unknown = sorted(set(body) - set(_PATCHABLE))
    if unknown:
        raise validation(f"Schema fields that cannot be updated: {', '.join(unknown)}")
    schema = _schema(collection)
    _check_named_properties(collection, {**schema.body, **body})
    schema.body.update(body)
    schema.updated_ms = call.now_ms
    required = tuple((str(p),) for p in schema.body.get("requiredProperties") or ())
    searchable = tuple(schema.body.get("searchableProperties") or ())
    collection.spec = _replace_spec(collection.spec, required, searchable)
    return Response(200, _render(call.portal, collection))


def archive_schema(call: Call) -> Response:
    collection = _custom_collection(call)
    if collection.active:
        raise validation(
            f"Object type {collection.spec.type_id} still has {len(collection.active)} records; "
            "archive them before deleting the schema"
        )
    call.portal.remove_collection(collection.spec)
    return Response(204)


def create_schema_association(call: Call) -> Response:
    """POST .../schemas/{objectType}/associations {"fromObjectTypeId", "toObjectTypeId",
    "name"?}: a new association definition (its unlabeled type, made on demand otherwise)."""
    collection = _custom_collection(call)
    body = call.body()
    ends = [str(body.get("fromObjectTypeId", "")), str(body.get("toObjectTypeId", ""))]
    if collection.spec.type_id not in ends or any(call.portal.by_type_id(t) is None for t in ends):
        raise validation(
            f"fromObjectTypeId and toObjectTypeId must be object type ids, one of them "
            f"{collection.spec.type_id}; got {ends}"
        )
    kind = call.portal.association_types.default(ends[0], ends[1])
    assert kind is not None  # one end is custom, so a default type always exists
    stamp = iso_ms(call.now_ms)
    return Response(200, {
        "id": str(kind.type_id), "fromObjectTypeId": ends[0], "toObjectTypeId": ends[1],
        "name": str(body.get("name") or f"{ends[0]}_to_{ends[1]}"),
        "createdAt": stamp, "updatedAt": stamp,
    })  # fmt: skip


def _replace_spec(
    spec: ObjectTypeSpec, required: tuple[tuple[str, ...], ...], searchable: tuple[str, ...]
) -> ObjectTypeSpec:
    return replace(spec, required=required, searchable_properties=searchable)


def _names(body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("name")
    labels = body.get("labels")
    if not isinstance(name, str) or not _NAME.match(name):
        raise validation(
            f"Schema 'name' must start with a letter and use letters, digits and underscores; "
            f"got {name!r}"
        )
    if not isinstance(labels, dict) or not labels.get("singular") or not labels.get("plural"):
        raise validation("Schema 'labels' must be {'singular': ..., 'plural': ...}")
    plural = re.sub(r"\W+", "_", str(labels["plural"]).strip().lower())
    return name, plural


def _taken_names(portal: Portal) -> list[str]:
    return [alias.lower() for c in portal.collections.values() for alias in c.spec.aliases]


def _check_named_properties(collection: ObjectCollection, body: dict[str, Any]) -> None:
    named: list[Any] = []
    for key in ("requiredProperties", "searchableProperties", "secondaryDisplayProperties"):
        named += list(body.get(key) or ())
    if body.get("primaryDisplayProperty"):
        named.append(body["primaryDisplayProperty"])
    unknown = [str(n) for n in named if n not in collection.definitions]
    if unknown:
        raise validation(f"Schema names properties it does not define: {', '.join(unknown)}")


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation(f"Schema 'properties' entries must be objects, got {value!r}")
    return value


def _custom(collection: ObjectCollection) -> bool:
    return collection.custom is not None


def _custom_collection(call: Call) -> ObjectCollection:
    collection = call.portal.collection(call.path_params["object_type"])
    if not _custom(collection):
        raise validation(f"{collection.spec.name} is a standard object type, not a custom schema")
    return collection


def _schema(collection: ObjectCollection) -> CustomSchema:
    schema = collection.custom
    assert isinstance(schema, CustomSchema)
    return schema


def _render(portal: Portal, collection: ObjectCollection) -> dict[str, Any]:
    schema, spec = _schema(collection), collection.spec
    body = schema.body
    return {
        "id": str(schema.number),
        "name": spec.singular,
        "labels": body["labels"],
        "description": body.get("description"),
        "requiredProperties": list(body.get("requiredProperties") or []),
        "searchableProperties": list(body.get("searchableProperties") or []),
        "primaryDisplayProperty": body.get("primaryDisplayProperty"),
        "secondaryDisplayProperties": list(body.get("secondaryDisplayProperties") or []),
        "archived": False,
        "objectTypeId": spec.type_id,
        "fullyQualifiedName": spec.fully_qualified_name,
        "createdAt": iso_ms(schema.created_ms),
        "updatedAt": iso_ms(schema.updated_ms),
        "properties": [d.to_json() for d in collection.definitions.values()],
        "associations": portal.schema_associations(spec.type_id),
    }
