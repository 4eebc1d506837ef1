"""Batch endpoints: /crm/v3/objects/{objectType}/batch/{read,create,update,upsert,archive}.

Without objectWriteTraceIds a batch is all-or-nothing: every input is checked first and the first
problem fails the whole call. With a unique objectWriteTraceId on every input, bad inputs are
reported per record in a 207 and the good ones are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncer.sandbox.hubspot.association_links import Planned, apply_inline, plan_inline
from syncer.sandbox.hubspot.collection import ObjectCollection, StoredRecord
from syncer.sandbox.hubspot.errors import (
    ApiError,
    batch_too_large,
    duplicate_ids,
    objects_not_found,
    validation,
)
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.render import record_json, with_history, written_record_json
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.unique_index import Claims, unique_key
from syncer.sandbox.hubspot.values import as_property_map, normalise_values, require_valid
from syncer.sandbox.hubspot.wire import Response

MAX_INPUTS = 100
MAX_HISTORY_INPUTS = 50
JsonDict = dict[str, Any]


@dataclass
class PlannedWrite:
    record: StoredRecord | None  # None = create
    values: dict[str, str]
    trace_id: str | None
    links: Planned = field(default_factory=list)


def batch_read(call: Call) -> Response:
    collection = call.collection
    body = call.body()
    inputs = _inputs(body)
    id_property = body.get("idProperty")
    collection.check_id_property(id_property)
    archived = call.request.flag("archived")
    if archived:
        collection.purge_recycle_bin(call.now_ms)
    wanted = body.get("properties") or None
    history = body.get("propertiesWithHistory") or None
    if history and len(inputs) > MAX_HISTORY_INPUTS:
        raise validation(
            "The maximum number of inputs supported in a batch request for property histories "
            f"is {MAX_HISTORY_INPUTS}. Please reduce the number of items and try again"
        )
    results: list[JsonDict] = []
    missing: list[str] = []
    seen: set[int] = set()
    for item in inputs:
        key = _input_id(item)
        if archived:
            record = collection.find_archived(key, id_property)
        else:
            record = collection.find(key, id_property, follow_merges=True)
        if record is None:
            missing.append(key)
        elif record.id not in seen:
            seen.add(record.id)
            results.append(
                with_history(collection, record, history, record_json(collection, record, wanted))
            )
    errors = [objects_not_found(collection.spec.type_word, missing)] if missing else []
    return _answer(results, errors, call.now_ms, 200)


def batch_create(call: Call) -> Response:
    collection = call.collection
    inputs = _inputs(call.body())
    trace_mode = _trace_mode(inputs)
    claims: Claims = {}
    planned: list[PlannedWrite | ApiError] = []
    for item in inputs:
        try:
            values = _values(collection, item, "create")
            collection.check_required(values)
            collection.check_unique(values, None, claims)
            links = plan_inline(call.portal, collection, item.get("associations"))
            planned.append(PlannedWrite(None, values, item.get("objectWriteTraceId"), links))
        except ApiError as error:
            planned.append(_traced(error, item, trace_mode))
    return _apply(call, planned, 201, upsert=False)


def batch_update(call: Call) -> Response:
    collection = call.collection
    inputs = _inputs(call.body())
    _refuse_duplicates(inputs)
    trace_mode = _trace_mode(inputs)
    claims: Claims = {}
    planned: list[PlannedWrite | ApiError] = []
    missing: list[str] = []
    for item in inputs:
        try:
            record = collection.find(_input_id(item), item.get("idProperty"))
            if record is None:
                missing.append(_input_id(item))
                continue
            values = _values(collection, item, "update")
            collection.check_unique(values, record.id, claims)
            planned.append(PlannedWrite(record, values, item.get("objectWriteTraceId")))
        except ApiError as error:
            planned.append(_traced(error, item, trace_mode))
    if missing:
        planned.append(objects_not_found(collection.spec.type_word, missing))
    return _apply(call, planned, 200, upsert=False)


def batch_upsert(call: Call) -> Response:
    collection = call.collection
    inputs = _inputs(call.body())
    _refuse_duplicates(inputs)
    trace_mode = _trace_mode(inputs)
    claims: Claims = {}
    planned: list[PlannedWrite | ApiError] = []
    for item in inputs:
        try:
            planned.append(_plan_upsert(collection, item, claims))
        except ApiError as error:
            planned.append(_traced(error, item, trace_mode))
    return _apply(call, planned, 200, upsert=True)


def batch_archive(call: Call) -> Response:
    collection = call.collection
    for item in _inputs(call.body()):
        record = collection.find(_input_id(item))
        if record is not None:
            collection.archive(record.id, call.now_ms)
    return Response(204)


def _plan_upsert(collection: ObjectCollection, item: JsonDict, claims: Claims) -> PlannedWrite:
    id_property = item.get("idProperty")
    if id_property in (None, "hs_object_id"):
        raise validation(
            f"Upsert input {_input_id(item)!r} needs an idProperty naming a unique identifier "
            "property (email for contacts, or a property with hasUniqueValue=true)"
        )
    key = _input_id(item)
    record = collection.find(key, id_property)
    raw = dict(as_property_map(item.get("properties", {}), f"upsert input {key!r}"))
    if record is None:
        raw.setdefault(id_property, key)
    values, problems = normalise_values(raw, collection.definitions, collection.owner_ids)
    require_valid(problems, collection.rules.portal_id)
    if record is None:
        collection.check_required(values)
    collection.check_unique(values, record.id if record else None, claims)
    return PlannedWrite(record, values, item.get("objectWriteTraceId"))


def _apply(
    call: Call, planned: list[PlannedWrite | ApiError], ok_status: int, upsert: bool
) -> Response:
    errors = [entry for entry in planned if isinstance(entry, ApiError)]
    fatal = [e for e in errors if e.context is None or "objectWriteTraceId" not in e.context]
    whole_batch_errors = [e for e in fatal if e.category != "OBJECT_NOT_FOUND"]
    if whole_batch_errors:
        raise whole_batch_errors[0]
    collection = call.collection
    results: list[JsonDict] = []
    for entry in planned:
        if isinstance(entry, ApiError):
            continue
        is_new = entry.record is None
        if entry.record is None:
            record = collection.create(entry.values, call.now_ms)
            apply_inline(call.portal, collection, record.id, entry.links)
        else:
            record = collection.update(entry.record, entry.values, call.now_ms)
        result = written_record_json(collection, record)
        if entry.trace_id is not None:
            result["objectWriteTraceId"] = entry.trace_id
        if upsert:
            result["new"] = is_new
        results.append(result)
    return _answer(results, errors, call.now_ms, ok_status)


def _answer(results: list[JsonDict], errors: list[ApiError], now_ms: int, ok: int) -> Response:
    body: JsonDict = {"status": "COMPLETE", "results": results}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = [error.standard_error() for error in errors]
    body["startedAt"] = iso_ms(now_ms)
    body["completedAt"] = iso_ms(now_ms)
    return Response(207 if errors else ok, body)


def _inputs(body: JsonDict) -> list[JsonDict]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise validation("Batch body must have 'inputs': a list of objects")
    if len(inputs) > MAX_INPUTS:
        raise batch_too_large()
    return inputs


def _input_id(item: JsonDict) -> str:
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise validation(f"Batch input {item!r} needs an 'id' (string)")
    return str(value)


def _identity(item: JsonDict) -> tuple[str, str]:
    id_property = str(item.get("idProperty") or "hs_object_id")
    return id_property, unique_key(id_property, _input_id(item))


def _refuse_duplicates(inputs: list[JsonDict]) -> None:
    seen: set[tuple[str, str]] = set()
    duplicates: list[str] = []
    for item in inputs:
        key = _identity(item)
        if key in seen and key[1] not in duplicates:
            duplicates.append(key[1])
        seen.add(key)
    if duplicates:
        raise duplicate_ids(duplicates)


def _trace_mode(inputs: list[JsonDict]) -> bool:
    """Partial success is opt-in: every input carries its own, unique objectWriteTraceId."""
    traces = [item.get("objectWriteTraceId") for item in inputs]
    return bool(traces) and all(traces) and len(set(map(str, traces))) == len(traces)


def _traced(error: ApiError, item: JsonDict, trace_mode: bool) -> ApiError:
    if trace_mode:
        context = dict(error.context or {})
        context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
        error.context = context
    return error


def _values(collection: ObjectCollection, item: JsonDict, where: str) -> dict[str, str]:
    raw = as_property_map(item.get("properties", {}), f"{where} input")
    values, problems = normalise_values(raw, collection.definitions, collection.owner_ids)
    require_valid(problems, collection.rules.portal_id)
    return values
