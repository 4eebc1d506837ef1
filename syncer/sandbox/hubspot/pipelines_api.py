"""Pipelines (read-only): GET /crm/v3/pipelines/{deals|tickets}[/{pipelineId}[/stages]].

One default pipeline per type, whose stage ids are the options of dealstage / hs_pipeline_stage,
so the values a write accepts and the stages listed here always agree.
"""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Response

# HubSpot's default sales pipeline
_DEAL_PROBABILITY = {
    "appointmentscheduled": "0.2", "qualifiedtobuy": "0.4", "presentationscheduled": "0.6",
    "decisionmakerboughtin": "0.8", "contractsent": "0.9", "closedwon": "1.0", "closedlost": "0.0",
}  # fmt: skip
_TICKET_LABELS = {"1": "New", "2": "Waiting on contact", "3": "Waiting on us", "4": "Closed"}
# object type -> (pipeline property, stage property, pipeline label)
_PIPELINED = {
    "deals": ("pipeline", "dealstage", "Sales Pipeline"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage", "Support Pipeline"),
}


def list_pipelines(call: Call) -> Response:
    return Response(200, {"results": _pipelines(call)})


def get_pipeline(call: Call) -> Response:
    return Response(200, _pipeline(call))


def list_stages(call: Call) -> Response:
    return Response(200, {"results": _pipeline(call)["stages"]})


def _pipeline(call: Call) -> dict[str, Any]:
    wanted = call.path_params["pipeline_id"]
    for pipeline in _pipelines(call):
        if pipeline["id"] == wanted:
            return pipeline
    raise ApiError(404, f"Pipeline {wanted} does not exist", "OBJECT_NOT_FOUND")


def _pipelines(call: Call) -> list[dict[str, Any]]:
    collection = call.collection
    found = _PIPELINED.get(collection.spec.name)
    if found is None:
        raise validation(f"{collection.spec.name} have no pipelines; use deals or tickets")
    pipeline_property, stage_property, label = found
    stamp = iso_ms(collection.definitions[pipeline_property].created_ms)
    options = collection.definitions[stage_property].options
    stages = [
        {
            "id": option["value"], "label": _stage_label(collection.spec.name, option),
            "displayOrder": order,
            "metadata": _stage_metadata(
                collection.spec.name, str(option["value"]), order == len(options) - 1
            ),
            "createdAt": stamp, "updatedAt": stamp, "archived": False,
        }
        for order, option in enumerate(options)
    ]  # fmt: skip
    return [
        {
            "id": str(collection.definitions[pipeline_property].option_values[0]),
            "label": label, "displayOrder": 0, "stages": stages,
            "createdAt": stamp, "updatedAt": stamp, "archived": False,
        }
    ]  # fmt: skip


def _stage_label(object_type: str, option: dict[str, Any]) -> str:
    if object_type == "tickets":
        return _TICKET_LABELS.get(str(option["value"]), str(option["label"]))
    return str(option["label"])


def _stage_metadata(object_type: str, value: str, is_last: bool) -> dict[str, str]:
    if object_type == "tickets":
        return {"ticketState": "CLOSED" if is_last else "OPEN"}
    closed = value in ("closedwon", "closedlost")
    return {"isClosed": str(closed).lower(), "probability": _DEAL_PROBABILITY.get(value, "0.5")}
