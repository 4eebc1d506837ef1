"""Properties API: /crm/v3/properties/{objectType}[/{propertyName}] and /groups."""

from __future__ import annotations

import re
from typing import Any

from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import CONFLICT, OBJECT_NOT_FOUND, ApiError, validation
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.schema import (
    FIELD_TYPES_BY_TYPE,
    MAX_UNIQUE_PROPERTIES,
    PropertyDef,
    PropertyGroup,
)
from syncer.sandbox.hubspot.standard_types import is_engagement
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Response

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = ("name", "label", "type", "fieldType", "groupName")
_PATCHABLE = frozenset(
    {"label", "description", "groupName", "options", "displayOrder", "hidden", "formField",
     "type", "fieldType"}
)  # fmt: skip


def list_properties(call: Call) -> Response:
    collection = call.collection
    archived = call.request.flag("archived")
    source = collection.archived_definitions if archived else collection.definitions
    return Response(200, {"results": [d.to_json() for d in source.values()]})


def archive_property(call: Call) -> Response:
    collection = call.collection
    name = call.path_params["property_name"]
    _archive(collection, name, call.now_ms)
    return Response(204)


def batch_read_properties(call: Call) -> Response:
    collection = call.collection
    body = call.body()
    archived = bool(body.get("archived", False))
    source = collection.archived_definitions if archived else collection.definitions
    names = [str(item.get("name", "")) for item in _inputs(body)]
    found = [source[name].to_json() for name in names if name in source]
    return _batch_answer(call, found)


def batch_create_properties(call: Call) -> Response:
    collection = call.collection
    made = [add_property(collection, item, call.now_ms).to_json() for item in _inputs(call.body())]
    return _batch_answer(call, made, status=201)


def batch_archive_properties(call: Call) -> Response:
    """204 whatever each property's state was (active, archived or unknown), as documented."""
    collection = call.collection
    for item in _inputs(call.body()):
        name = str(item.get("name", ""))
        if name in collection.definitions:
            _archive(collection, name, call.now_ms)
    return Response(204)


def get_property(call: Call) -> Response:
    return Response(200, _definition(call).to_json())


def create_property(call: Call) -> Response:
    definition = add_property(call.collection, call.body(), call.now_ms)
    return Response(201, definition.to_json())


def add_property(collection: ObjectCollection, body: dict[str, Any], now_ms: int) -> PropertyDef:
    """Validate a property definition (the Properties API body) and add it to the type."""
    missing = [key for key in _REQUIRED if not body.get(key)]
    if missing:
        raise validation(f"Property definition is missing required fields: {', '.join(missing)}")
    name = str(body["name"])
    if name in collection.definitions:
        raise ApiError(409, f"Property named '{name}' already exists.", CONFLICT)
    if not _NAME.match(name):
        raise validation(
            f"Property name {name!r} is invalid: use lower-case letters, digits and "
            "underscores, starting with a letter"
        )
    definition = PropertyDef(
        name=name, label=str(body["label"]), type="", field_type="", group_name="",
        created_ms=now_ms, updated_ms=now_ms,
    )  # fmt: skip
    _apply_fields(collection, definition, body)
    if body.get("hasUniqueValue"):
        if is_engagement(collection.spec) and not collection.rules.engagement_unique_properties:
            raise validation(
                f"Unique value properties are not supported for {collection.spec.name}; "
                f"{name} cannot have hasUniqueValue=true"
            )
        if collection.unique_property_count() >= MAX_UNIQUE_PROPERTIES:
            raise validation(
                f"{collection.spec.name} already has {MAX_UNIQUE_PROPERTIES} unique value "
                f"properties, the maximum; {name} cannot have hasUniqueValue=true"
            )
        definition.has_unique_value = True
    collection.add_definition(definition)
    return definition


def update_property(call: Call) -> Response:
    definition = _definition(call)
    body = call.body()
    if definition.hubspot_defined:
        raise validation(
            f"{definition.name} is a HubSpot-defined property: its definition is read-only"
        )
    if "hasUniqueValue" in body and bool(body["hasUniqueValue"]) != definition.has_unique_value:
        raise validation(f"hasUniqueValue of {definition.name} cannot be changed once set")
    unknown = sorted(set(body) - _PATCHABLE - {"hasUniqueValue", "name"})
    if unknown:
        raise validation(f"Property fields that cannot be updated: {', '.join(unknown)}")
    if body.get("name", definition.name) != definition.name:
        raise validation(f"The name of property {definition.name} cannot be changed")
    _apply_fields(call.collection, definition, {**definition_fields(definition), **body})
    definition.updated_ms = call.now_ms
    return Response(200, definition.to_json())


def list_groups(call: Call) -> Response:
    groups = call.collection.groups.values()
    return Response(200, {"results": [g.to_json() for g in groups]})


def create_group(call: Call) -> Response:
    collection = call.collection
    body = call.body()
    name, label = body.get("name"), body.get("label")
    if not name or not label:
        raise validation("Property group needs 'name' and 'label'")
    if name in collection.groups:
        raise ApiError(409, f"Property group named '{name}' already exists.", CONFLICT)
    group = PropertyGroup(str(name), str(label), int(body.get("displayOrder", -1)))
    collection.groups[group.name] = group
    return Response(201, group.to_json())


def get_group(call: Call) -> Response:
    return Response(200, _group(call).to_json())


def update_group(call: Call) -> Response:
    group = _group(call)
    body = call.body()
    unknown = sorted(set(body) - {"label", "displayOrder"})
    if unknown:
        raise validation(f"Property group fields that cannot be updated: {', '.join(unknown)}")
    group.label = str(body.get("label", group.label))
    group.display_order = int(body.get("displayOrder", group.display_order))
    return Response(200, group.to_json())


def archive_group(call: Call) -> Response:
    collection = call.collection
    group = _group(call)
    members = [d.name for d in collection.definitions.values() if d.group_name == group.name]
    if members:
        raise validation(
            f"Property group {group.name} still holds properties ({', '.join(members[:5])}); "
            "move or archive them first"
        )
    del collection.groups[group.name]
    return Response(204)


def definition_fields(definition: PropertyDef) -> dict[str, Any]:
    return {
        "label": definition.label,
        "type": definition.type,
        "fieldType": definition.field_type,
        "groupName": definition.group_name,
        "options": definition.options,
    }


def _definition(call: Call) -> PropertyDef:
    name = call.path_params["property_name"]
    definition = call.collection.definitions.get(name)
    if definition is None:
        raise ApiError(404, f"Property {name} does not exist", OBJECT_NOT_FOUND)
    return definition


def _group(call: Call) -> PropertyGroup:
    name = call.path_params["group_name"]
    group = call.collection.groups.get(name)
    if group is None:
        raise ApiError(404, f"Property group {name} does not exist", OBJECT_NOT_FOUND)
    return group


def _archive(collection: ObjectCollection, name: str, now_ms: int) -> None:
    definition = collection.definitions.get(name)
    if definition is None:
        return  # archiving is idempotent
    if definition.hubspot_defined:
        raise validation(f"{name} is a HubSpot-defined property and cannot be archived")
    collection.archive_definition(name, now_ms)


def _inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise validation("Batch body must have 'inputs': a list of objects")
    return inputs


def _batch_answer(call: Call, results: list[dict[str, Any]], status: int = 200) -> Response:
    stamp = iso_ms(call.now_ms)
    body = {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}
    return Response(status, body)


def _apply_fields(
    collection: ObjectCollection, definition: PropertyDef, body: dict[str, Any]
) -> None:
    type_, field_type = str(body["type"]), str(body["fieldType"])
    allowed = FIELD_TYPES_BY_TYPE.get(type_)
    if allowed is None:
        raise validation(f"Property type {type_!r} is not one of: {', '.join(FIELD_TYPES_BY_TYPE)}")
    if field_type not in allowed:
        raise validation(
            f"fieldType {field_type!r} is not valid for type {type_!r}; "
            f"use one of: {', '.join(sorted(allowed))}"
        )
    if str(body["groupName"]) not in collection.groups:
        raise validation(f"Property group {body['groupName']!r} does not exist")
    options = _options(type_, body.get("options"))
    definition.label = str(body["label"])
    definition.type, definition.field_type = type_, field_type
    definition.group_name = str(body["groupName"])
    definition.options = options
    definition.description = str(body.get("description", definition.description))
    definition.display_order = int(body.get("displayOrder", definition.display_order))
    definition.hidden = bool(body.get("hidden", definition.hidden))
    definition.form_field = bool(body.get("formField", definition.form_field))


def _options(type_: str, raw: Any) -> list[dict[str, Any]]:
    if type_ != "enumeration":
        return []
    if not isinstance(raw, list) or not raw:
        raise validation("Enumeration properties need 'options': a list of {label, value}")
    options: list[dict[str, Any]] = []
    for order, option in enumerate(raw):
        if not isinstance(option, dict) or not option.get("value") or not option.get("label"):
            raise validation(f"Option {option!r} needs a label and a value")
        options.append({
            "label": str(option["label"]), "value": str(option["value"]),
            "description": str(option.get("description", "")),
            "displayOrder": int(option.get("displayOrder", order)),
            "hidden": bool(option.get("hidden", False)),
        })  # fmt: skip
    return options
