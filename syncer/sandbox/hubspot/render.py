"""Records as HubSpot returns them (SimplePublicObject)."""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot.collection import ObjectCollection, StoredRecord
from syncer.sandbox.hubspot.timefmt import iso_ms, parse_epoch_ms

JsonDict = dict[str, Any]


def selected_properties(
    collection: ObjectCollection, stored: dict[str, str], wanted: list[str] | None
) -> dict[str, str | None]:
    """Requested (or default) properties, `null` when empty; unknown names are ignored, and the
    id, create and last-modified properties always come back."""
    spec = collection.spec
    names = list(spec.default_properties) if wanted is None else [*wanted, *spec.system_properties]
    return {
        name: stored.get(name) for name in dict.fromkeys(names) if name in collection.definitions
    }


def record_json(
    collection: ObjectCollection, record: StoredRecord, wanted: list[str] | None
) -> JsonDict:
    body: JsonDict = {
        "id": str(record.id),
        "properties": selected_properties(collection, record.properties, wanted),
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": record.archived_ms is not None,
    }
    if record.archived_ms is not None:
        body["archivedAt"] = iso_ms(record.archived_ms)
    return body


def with_history(
    collection: ObjectCollection, record: StoredRecord, names: list[str] | None, body: JsonDict
) -> JsonDict:
    """Add `propertiesWithHistory` for the named (defined) properties, newest value first."""
    if names:
        body["propertiesWithHistory"] = {
            name: [
                {"value": value, "timestamp": iso_ms(at), "sourceType": "API",
                 "sourceId": "sandbox", "updatedByUserId": None}
                for value, at in reversed(record.history.get(name, []))
            ]
            for name in dict.fromkeys(names)
            if name in collection.definitions
        }  # fmt: skip
    return body


def written_record_json(collection: ObjectCollection, record: StoredRecord) -> JsonDict:
    """A write's answer carries every stored value, system values included."""
    return {
        "id": str(record.id),
        "properties": dict(record.properties),
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": False,
    }


def with_url(collection: ObjectCollection, body: JsonDict) -> JsonDict:
    spec = collection.spec
    portal = collection.rules.portal_id
    body["url"] = f"https://app.hubspot.com/contacts/{portal}/record/{spec.type_id}/{body['id']}"
    return body


def indexed_record_json(
    collection: ObjectCollection, record_id: int, indexed: dict[str, str], wanted: list[str] | None
) -> JsonDict:
    """A search hit, built from the (possibly stale) indexed copy; search hits have no
    archivedAt and no url."""
    spec = collection.spec
    created = parse_epoch_ms(indexed.get(spec.created_property, "")) or 0
    updated = parse_epoch_ms(indexed.get(spec.modified_property, "")) or created
    return {
        "id": str(record_id),
        "properties": selected_properties(collection, indexed, wanted),
        "createdAt": iso_ms(created),
        "updatedAt": iso_ms(updated),
        "archived": False,
    }
