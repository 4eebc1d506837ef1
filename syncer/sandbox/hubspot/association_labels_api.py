"""Association labels: GET|POST|PUT /crm/v4/associations/{from}/{to}/labels and
DELETE .../labels/{typeId} (at most 10 user-defined labels per pair of object types)."""

from __future__ import annotations

from syncer.sandbox.hubspot.association_types import AssociationType
from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.wire import Response

MAX_LABELS = 10


def list_labels(call: Call) -> Response:
    source, target = _pair_types(call)
    kinds = call.portal.association_types.between(source.spec.type_id, target.spec.type_id)
    return Response(200, {"results": [k.to_json() for k in kinds]})


def create_label(call: Call) -> Response:
    source, target = _pair_types(call)
    body = call.body()
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise validation("An association label needs 'label' (and 'name')")
    types = call.portal.association_types
    if len(types.user_labels(source.spec.type_id, target.spec.type_id)) >= MAX_LABELS:
        raise validation(
            f"{source.spec.name} to {target.spec.name} already has {MAX_LABELS} labels, the maximum"
        )
    inverse = str(body.get("inverseLabel") or "")
    made = types.add_label(source.spec.type_id, target.spec.type_id, label, inverse)
    kinds = [made] + ([types.by_id[made.inverse_id]] if made.inverse_id != made.type_id else [])
    return Response(200, {"results": [k.to_json() for k in kinds]})


def update_label(call: Call) -> Response:
    body = call.body()
    kind = _user_label(call, body.get("associationTypeId"))
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise validation("Updating an association label needs 'associationTypeId' and 'label'")
    call.portal.association_types.relabel(kind.type_id, label, str(body.get("inverseLabel") or ""))
    return Response(204)


def delete_label(call: Call) -> Response:
    kind = _user_label(call, call.path_params["type_id"])
    call.portal.associations.forget_type(call.portal.association_types.remove(kind.type_id))
    return Response(204)


def _pair_types(call: Call) -> tuple[ObjectCollection, ObjectCollection]:
    """Both object types; the pair must be associable (custom pairs get their type now)."""
    source = call.portal.collection(call.path_params["object_type"])
    target = call.portal.collection(call.path_params["to_type"])
    if call.portal.association_types.default(source.spec.type_id, target.spec.type_id) is None:
        raise validation(
            f"Objects of type {source.spec.type_id} cannot be associated with type "
            f"{target.spec.type_id}"
        )
    return source, target


def _user_label(call: Call, raw: object) -> AssociationType:
    source, target = _pair_types(call)
    labels = call.portal.association_types.user_labels(source.spec.type_id, target.spec.type_id)
    found = next((k for k in labels if str(k.type_id) == str(raw)), None)
    if found is None:
        raise ApiError(
            404, f"No user-defined association label {raw} from {source.spec.name} to "
            f"{target.spec.name}", "OBJECT_NOT_FOUND",
        )  # fmt: skip
    return found
