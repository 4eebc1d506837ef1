"""Associations v4: /crm/v4/objects/{from}/{id}/associations/... and
/crm/v4/associations/{from}/{to}/batch/... and .../labels."""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot.association_types import AssociationType
from syncer.sandbox.hubspot.associations import Key, check_direction, invalid_targets, parse_specs
from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.paging import next_page
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Response

READ_LIMIT = 1_000
CREATE_LIMIT = 2_000
LIST_LIMIT = 500
JsonDict = dict[str, Any]


def put_default(call: Call) -> Response:
    source, target = _pair(call)
    kind = _default_type(call, source[0], target[0])
    call.portal.associations.add(source, target, kind)
    return _batch_answer(call, [_default_result(source, target, kind)], [], 200)


def put_labelled(call: Call) -> Response:
    source, target = _pair(call)
    kinds = parse_specs(call.request.json(), call.portal.association_types, "body")
    for kind in kinds:
        check_direction(kind, source[0], target[0])
    for kind in kinds:
        call.portal.associations.add(source, target, kind)
    return Response(201, _labels_between(call, source, target))


def list_associations(call: Call) -> Response:
    source_type = _collection(call, "object_type")
    target_type = _collection(call, "to_type")
    record = source_type.find_live(call.path_params["object_id"])
    if record is None:
        return Response(200, {"results": []})
    source = (source_type.spec.type_id, record.id)
    links = _live_targets(call, source, target_type)
    limit = min(max(call.request.int_param("limit", LIST_LIMIT), 1), LIST_LIMIT)
    after = call.request.int_param("after", 0)
    page = [link for link in links if link[0] >= after]
    body: JsonDict = {"results": [_target_json(i, kinds) for i, kinds in page[:limit]]}
    if len(page) > limit:
        body["paging"] = next_page(call.request, str(page[limit][0]))
    return Response(200, body)


def delete_pair(call: Call) -> Response:
    source, target = _pair(call, missing_ok=True)
    call.portal.associations.remove_pair(source, target)
    return Response(204)


def batch_default(call: Call) -> Response:
    results: list[JsonDict] = []
    for item in _inputs(call, CREATE_LIMIT):
        source, target = _batch_pair(call, item)
        kind = _default_type(call, source[0], target[0])
        call.portal.associations.add(source, target, kind)
        results.append(_default_result(source, target, kind))
    return _batch_answer(call, results, [], 200)


def batch_create(call: Call) -> Response:
    results: list[JsonDict] = []
    errors: list[ApiError] = []
    for item in _inputs(call, CREATE_LIMIT):
        try:
            source, target = _batch_pair(call, item)
            kinds = parse_specs(item.get("types"), call.portal.association_types, "input")
            for kind in kinds:
                check_direction(kind, source[0], target[0])
        except ApiError as error:
            errors.append(error)
            continue
        for kind in kinds:
            call.portal.associations.add(source, target, kind)
        results.append(_labels_between(call, source, target))
    if errors and not results:
        raise errors[0]
    return _batch_answer(call, results, errors, 201)


def batch_read(call: Call) -> Response:
    source_type = _collection(call, "object_type")
    target_type = _collection(call, "to_type")
    results: list[JsonDict] = []
    errors: list[ApiError] = []
    for item in _inputs(call, READ_LIMIT):
        from_id = str(item.get("id", ""))
        record = source_type.find_live(from_id)
        links = (
            _live_targets(call, (source_type.spec.type_id, record.id), target_type)
            if record
            else []
        )
        if not links:
            errors.append(_none_associated(source_type, target_type, from_id))
            continue
        results.append(_paged_targets(from_id, links, str(item.get("after") or "0")))
    return _batch_answer(call, results, errors, 200)


def batch_archive(call: Call) -> Response:
    for item in _inputs(call, CREATE_LIMIT):
        targets = item.get("to")
        if not isinstance(targets, list):
            raise validation("Each batch archive input needs 'to': a list of {'id'}")
        for target in targets:
            source, to = _batch_pair(call, {"from": item.get("from"), "to": target}, True)
            call.portal.associations.remove_pair(source, to)
    return Response(204)


def batch_archive_labels(call: Call) -> Response:
    for item in _inputs(call, CREATE_LIMIT):
        source, target = _batch_pair(call, item, missing_ok=True)
        kinds = parse_specs(item.get("types"), call.portal.association_types, "input")
        call.portal.associations.remove_types(source, target, [k.type_id for k in kinds])
    return Response(204)


# -- helpers -----------------------------------------------------------------------------------


def _collection(call: Call, param: str) -> ObjectCollection:
    return call.portal.collection(call.path_params[param])


def _pair(call: Call, missing_ok: bool = False) -> tuple[Key, Key]:
    item = {"from": {"id": call.path_params["object_id"]}, "to": {"id": call.path_params["to_id"]}}
    return _batch_pair(call, item, missing_ok)


def _batch_pair(call: Call, item: JsonDict, missing_ok: bool = False) -> tuple[Key, Key]:
    source_type, target_type = _collection(call, "object_type"), _collection(call, "to_type")
    ends: list[Key] = []
    missing: list[str] = []
    for side, collection in (("from", source_type), ("to", target_type)):
        ref = item.get(side)
        key = str(ref.get("id", "")) if isinstance(ref, dict) else ""
        record = collection.find_live(key)
        if record is not None:
            ends.append((collection.spec.type_id, record.id))
        elif missing_ok and key.isdigit():  # unlinking an archived record is fine
            ends.append((collection.spec.type_id, collection.resolve(int(key))))
        else:
            missing.append(key)
            ends.append((collection.spec.type_id, 0))
    if missing:
        raise invalid_targets(missing)
    return ends[0], ends[1]


def _default_type(call: Call, from_type: str, to_type: str) -> AssociationType:
    kind = call.portal.association_types.default(from_type, to_type)
    if kind is None:
        raise _no_pair(from_type, to_type)
    return kind


def _no_pair(from_type: str, to_type: str) -> ApiError:
    return validation(f"Objects of type {from_type} cannot be associated with type {to_type}")


def _live_targets(
    call: Call, source: Key, target_type: ObjectCollection
) -> list[tuple[int, list[AssociationType]]]:
    links = call.portal.associations.targets(source, target_type.spec.type_id)
    return [(i, kinds) for i, kinds in links if i in target_type.active]


def _paged_targets(
    from_id: str, links: list[tuple[int, list[AssociationType]]], after: str
) -> JsonDict:
    """One input's targets from `after` (a target id), at most LIST_LIMIT of them; `paging`
    only when more remain."""
    start = int(after) if after.isdigit() else 0
    rest = [link for link in links if link[0] >= start]
    entry: JsonDict = {
        "from": {"id": from_id},
        "to": [_target_json(i, kinds) for i, kinds in rest[:LIST_LIMIT]],
    }
    if len(rest) > LIST_LIMIT:
        entry["paging"] = {"next": {"after": str(rest[LIST_LIMIT][0])}}
    return entry


def _target_json(to_id: int, kinds: list[AssociationType]) -> JsonDict:
    return {"toObjectId": to_id, "associationTypes": [k.to_json() for k in kinds]}


def _labels_between(call: Call, source: Key, target: Key) -> JsonDict:
    return {
        "fromObjectTypeId": source[0], "fromObjectId": source[1],
        "toObjectTypeId": target[0], "toObjectId": target[1],
        "labels": call.portal.associations.labels_between(source, target),
    }  # fmt: skip


def _default_result(source: Key, target: Key, kind: AssociationType) -> JsonDict:
    return {
        "from": {"id": str(source[1])},
        "to": {"id": str(target[1])},
        "associationSpec": {
            "associationCategory": kind.category,
            "associationTypeId": kind.type_id,
        },
    }


def _none_associated(source: ObjectCollection, target: ObjectCollection, from_id: str) -> ApiError:
    return ApiError(
        404,
        f"No {target.spec.name} is associated with {source.spec.singular} {from_id}.",
        "OBJECT_NOT_FOUND",
        context={"fromObjectId": [from_id]},
        extra={"subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND"},
    )


def _inputs(call: Call, limit: int) -> list[JsonDict]:
    inputs = call.body().get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise validation("Batch body must have 'inputs': a list of objects")
    if len(inputs) > limit:
        raise validation(
            f"The maximum number of inputs supported in a batch is {limit}. "
            "Please reduce the number of items and try again"
        )
    return inputs


def _batch_answer(call: Call, results: list[JsonDict], errors: list[ApiError], ok: int) -> Response:
    body: JsonDict = {"status": "COMPLETE", "results": results}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = [{**e.standard_error(), **e.extra} for e in errors]
    body["startedAt"] = iso_ms(call.now_ms)
    body["completedAt"] = iso_ms(call.now_ms)
    return Response(207 if errors else ok, body)
