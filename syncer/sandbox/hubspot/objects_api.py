"""Single-record endpoints and the list endpoint: /crm/v3/objects/{objectType}[/{objectId}]."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from syncer.sandbox.hubspot.association_links import apply_inline, plan_inline, v3_view
from syncer.sandbox.hubspot.collection import ObjectCollection, StoredRecord
from syncer.sandbox.hubspot.errors import (
    ApiError,
    object_id_not_numeric,
    resource_not_found,
)
from syncer.sandbox.hubspot.paging import next_page
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.render import (
    record_json,
    with_history,
    with_url,
    written_record_json,
)
from syncer.sandbox.hubspot.values import as_property_map, normalise_values, require_valid
from syncer.sandbox.hubspot.wire import Response

LIST_MAX_LIMIT = 100
HISTORY_LIST_MAX_LIMIT = 50  # pages are smaller when they carry property histories
JsonDict = dict[str, Any]


def list_objects(call: Call) -> Response:
    collection = call.collection
    request = call.request
    # Above 100 HubSpot's behaviour is unconfirmed; the sandbox clamps like most list APIs.
    most = HISTORY_LIST_MAX_LIMIT if request.list_param("propertiesWithHistory") else LIST_MAX_LIMIT
    limit = min(max(request.int_param("limit", 10), 1), most)
    after = request.int_param("after", 0)
    archived = request.flag("archived")
    if archived:
        collection.purge_recycle_bin(call.now_ms)
    source = collection.archived if archived else collection.active
    ids = collection.ids_in_order(archived)
    start = bisect_left(ids, after)
    page = ids[start : start + limit]
    wanted = request.list_param("properties")
    body: dict[str, object] = {
        "results": [
            _decorated(call, source[i], record_json(collection, source[i], wanted)) for i in page
        ]
    }
    if start + limit < len(ids):
        body["paging"] = next_page(request, str(ids[start + limit]))
    return Response(200, body)


def get_object(call: Call) -> Response:
    collection = call.collection
    request = call.request
    record = _locate(call, archived=request.flag("archived"))
    wanted = request.list_param("properties")
    body = with_url(collection, record_json(collection, record, wanted))
    return Response(200, _decorated(call, record, body))


def create_object(call: Call) -> Response:
    collection = call.collection
    body = call.body()
    values = _valid_values(collection, body.get("properties", {}), "create")
    collection.check_required(values)
    collection.check_unique(values, None, {})
    links = plan_inline(call.portal, collection, body.get("associations"))
    record = collection.create(values, call.now_ms)
    apply_inline(call.portal, collection, record.id, links)
    return Response(201, with_url(collection, written_record_json(collection, record)))


def update_object(call: Call) -> Response:
    collection = call.collection
    record = _locate(call, archived=False)
    values = _valid_values(collection, call.body().get("properties", {}), "update")
    collection.check_unique(values, record.id, {})
    collection.update(record, values, call.now_ms)
    return Response(200, with_url(collection, written_record_json(collection, record)))


def archive_object(call: Call) -> Response:
    collection = call.collection
    try:
        record = _locate(call, archived=False)
    except ApiError:
        return Response(204)  # archiving is idempotent: a missing record is not an error
    collection.archive(record.id, call.now_ms)
    return Response(204)


def _locate(call: Call, archived: bool) -> StoredRecord:
    collection = call.collection
    object_id = call.path_params["object_id"]
    id_property = call.request.param("idProperty")
    if id_property in (None, "hs_object_id") and not object_id.strip().isdigit():
        raise object_id_not_numeric(object_id)
    if archived:
        collection.purge_recycle_bin(call.now_ms)
        record = collection.find_archived(object_id, id_property)
    else:
        record = collection.find(object_id, id_property, follow_merges=True)
    if record is None:
        raise resource_not_found()
    return record


def _valid_values(collection: ObjectCollection, raw: object, where: str) -> dict[str, str]:
    values, problems = normalise_values(
        as_property_map(raw, where), collection.definitions, collection.owner_ids
    )
    require_valid(problems, collection.rules.portal_id)
    return values


def _decorated(call: Call, record: StoredRecord, body: JsonDict) -> JsonDict:
    """Add what the query asked for beyond properties: histories and associations."""
    history = call.request.list_param("propertiesWithHistory")
    with_history(call.collection, record, history, body)
    names = call.request.list_param("associations")
    if names:
        view = v3_view(call.portal, call.collection, record.id, names)
        if view is not None:
            body["associations"] = view
    return body
