"""The sandbox's own control path (not part of HubSpot's API): inspect and steer a sandbox.

    GET  /_sandbox/records/{objectType}[?archived=true]   stored records, full property sets
    GET  /_sandbox/stats                                 request counts by kind
    POST /_sandbox/stats/reset                           zero the counts
    POST /_sandbox/reset                                 forget everything (not the clock)
    POST /_sandbox/clock      {"advance_ms": N}          move the sandbox clock forward
    GET  /_sandbox/faults                                faults still scheduled
    POST /_sandbox/faults     {"status", "count", "path_contains", "method", "after_apply",
                               "delay_ms"}               schedule a fault
    DELETE /_sandbox/faults                              drop scheduled faults
    POST /_sandbox/owners     {"email", "firstName", "lastName", "userId", "type", "teams",
                               "archived"}              add an owner (ids in order)
    POST /_sandbox/webhooks/flush                        deliver queued webhook events now

Admin requests need the same token, but are neither counted nor rate limited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncer.sandbox.hubspot.errors import route_not_found, validation
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Request, Response

if TYPE_CHECKING:
    from syncer.sandbox.hubspot.app import HubSpotSandbox

PREFIX = "/_sandbox/"


def handle(sandbox: HubSpotSandbox, request: Request) -> Response:
    path = request.path[len(PREFIX) :].strip("/")
    method = request.method
    if method == "GET" and path.startswith("records/"):
        object_type = path.removeprefix("records/")
        records = sandbox.records(object_type, archived=request.flag("archived"))
        return Response(200, {"results": records})
    if method == "GET" and path == "stats":
        return Response(200, sandbox.stats())
    if method == "POST" and path == "stats/reset":
        sandbox.reset_stats()
        return Response(204)
    if method == "POST" and path == "reset":
        sandbox.reset()
        return Response(204)
    if method == "POST" and path == "clock":
        return _advance_clock(sandbox, request)
    if path == "faults":
        return _faults(sandbox, request)
    if method == "POST" and path == "owners":
        return Response(201, sandbox.add_owner(request.json_object()))
    if method == "POST" and path == "webhooks/flush":
        return Response(200, {"delivered": sandbox.flush_webhooks()})
    raise route_not_found(method, request.path)


def _advance_clock(sandbox: HubSpotSandbox, request: Request) -> Response:
    advance = request.json_object().get("advance_ms")
    if not isinstance(advance, int) or isinstance(advance, bool) or advance < 0:
        raise validation(f"'advance_ms' must be a non-negative integer, got {advance!r}")
    now = sandbox.advance_clock(advance)
    return Response(200, {"now": iso_ms(now), "now_ms": now})


def _faults(sandbox: HubSpotSandbox, request: Request) -> Response:
    if request.method == "POST":
        fault = sandbox.schedule_fault(request.json_object())
        return Response(201, fault.to_json())
    if request.method == "DELETE":
        sandbox.clear_faults()
        return Response(204)
    if request.method == "GET":
        return Response(200, {"results": [f.to_json() for f in sandbox.scheduled_faults()]})
    raise route_not_found(request.method, request.path)
