"""Merging records and GDPR deletion of contacts.

    POST /crm/v3/objects/{objectType}/merge    {"primaryObjectId", "objectIdToMerge"}
    POST /crm/v3/objects/contacts/gdpr-delete  {"objectId", "idProperty"?}

Since HubSpot's "Updated merge functionality" a merge makes a NEW record with a new id; both old
ids then resolve to it, and it lists them in hs_merged_object_ids (`;`-separated, an UNCONFIRMED
format). `SandboxConfig.merge_creates_new_id=False` gives the older behaviour: the primary record
survives under its own id.
"""

from __future__ import annotations

from syncer.sandbox.hubspot.collection import ObjectCollection, StoredRecord
from syncer.sandbox.hubspot.errors import OBJECT_NOT_FOUND, ApiError, validation
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.render import with_url, written_record_json
from syncer.sandbox.hubspot.wire import Response

MAX_IDENTITIES = 250
MERGED_IDS = "hs_merged_object_ids"


def merge_objects(call: Call) -> Response:
    collection = call.collection
    if not collection.spec.mergeable:
        raise validation(f"Records of type {collection.spec.name} cannot be merged")
    body = call.body()
    primary = _live(collection, body.get("primaryObjectId"), "primaryObjectId")
    merged = _live(collection, body.get("objectIdToMerge"), "objectIdToMerge")
    if primary.id == merged.id:
        raise validation(f"Cannot merge object {primary.id} into itself")
    predecessors = _identities(primary) | _identities(merged)
    if len(predecessors) >= MAX_IDENTITIES:
        raise ApiError(414, "Cannot have more than 250 identities on a profile", "VALIDATION_ERROR")
    values = _merged_values(collection, primary, merged)
    survivor = _replace(call, collection, primary, merged, values=values, predecessors=predecessors)
    call.portal.notify_merge(collection, survivor.id, [primary.id, merged.id])
    return Response(200, with_url(collection, written_record_json(collection, survivor)))


def gdpr_delete(call: Call) -> Response:
    collection = call.collection
    if collection.spec.name != "contacts":
        raise validation("GDPR delete is only available for contacts")
    body = call.body()
    key = str(body.get("objectId") or "")
    id_property = body.get("idProperty")
    if not key:
        raise validation("GDPR delete needs 'objectId' (an id, or an email with idProperty)")
    record = collection.find(key, id_property, follow_merges=True) or collection.find_archived(
        key, id_property
    )
    if record is None:
        if id_property == "email":
            return Response(204)  # HubSpot blocklists an unknown email; the sandbox does not
        raise ApiError(404, "resource not found")
    _forget(call, collection, record.id)
    call.portal.notify_privacy_deletion(collection, record.id)
    return Response(204)


def _live(collection: ObjectCollection, raw: object, field: str) -> StoredRecord:
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise validation(f"Merge body needs '{field}': a record id")
    record = collection.find_live(str(raw))
    if record is None:
        raise ApiError(
            404, f"Object {raw} ({field}) was not found", OBJECT_NOT_FOUND,
            context={"id": [str(raw)]},
        )  # fmt: skip
    return record


def _identities(record: StoredRecord) -> set[int]:
    earlier = record.properties.get(MERGED_IDS, "")
    return {record.id} | {int(part) for part in earlier.split(";") if part.isdigit()}


def _merged_values(
    collection: ObjectCollection, primary: StoredRecord, merged: StoredRecord
) -> dict[str, str]:
    """The primary's values win; the merged record fills the gaps. A merged contact's email
    becomes one of the survivor's additional emails."""
    system = set(collection.spec.system_properties) | {MERGED_IDS}
    values = {k: v for k, v in merged.properties.items() if k not in system}
    values.update({k: v for k, v in primary.properties.items() if k not in system and v})
    if collection.spec.unique_email:
        extra = [merged.properties.get("email", ""), merged.properties.get("hs_additional_emails")]
        known = [e for e in (primary.properties.get("hs_additional_emails") or "").split(";") if e]
        known += [e for part in extra if part for e in part.split(";") if e]
        known = [e for e in dict.fromkeys(known) if e != values.get("email")]
        if known:
            values["hs_additional_emails"] = ";".join(known)
    return values


def _replace(
    call: Call,
    collection: ObjectCollection,
    primary: StoredRecord,
    merged: StoredRecord,
    *,
    values: dict[str, str],
    predecessors: set[int],
) -> StoredRecord:
    created_ms = min(primary.created_ms, merged.created_ms)
    collection.retire(merged.id)
    with call.portal.muted():
        if call.config.merge_creates_new_id:
            collection.retire(primary.id)
            survivor = collection.create(values, call.now_ms, created_ms)
            gone = [primary.id, merged.id]
        else:
            survivor = collection.update(primary, values, call.now_ms)
            gone = [merged.id]
    survivor.properties = {
        **survivor.properties,
        MERGED_IDS: _id_list(predecessors - {survivor.id}),
    }
    collection.search.publish(survivor.id, survivor.properties, call.now_ms)
    type_id = collection.spec.type_id
    for old in gone:
        collection.merged_into[old] = survivor.id
        with call.portal.muted():
            call.portal.associations.move((type_id, old), (type_id, survivor.id))
    return survivor


def _forget(call: Call, collection: ObjectCollection, record_id: int) -> None:
    collection.retire(record_id)
    for old, survivor in list(collection.merged_into.items()):
        if survivor == record_id:
            del collection.merged_into[old]
    call.portal.associations.drop((collection.spec.type_id, record_id))


def _id_list(ids: set[int]) -> str:
    return ";".join(str(i) for i in sorted(ids))
