"""The sandbox's own control path (not part of HubSpot's API): inspect and steer a sandbox.

    GET  /_sandbox/records/{objectType}[?archived=true]   stored records, full property sets
    GET  /_sandbox/stats                                 request counts by kind
    POST /_sandbox/stats/reset                           zero the counts and the trace
    GET  /_sandbox/trace                                 API requests served: start_ms, end_ms,
                                                         method, path, kind, status (trace.py)
    POST /_sandbox/reset                                 forget everything (not the clock)
    POST /_sandbox/clock      {"advance_ms": N}          move the sandbox clock forward
    POST /_sandbox/limits     {"burst_limit", "daily_limit", "search_per_second", "latency_ms"}
                                                         new limits (0 = none), windows emptied
    GET  /_sandbox/faults                                faults still scheduled
    POST /_sandbox/faults     {"status", "count", "path_contains", "method", "body_contains",
                               "after_apply", "delay_ms", "drop"}   schedule a fault (below)
    DELETE /_sandbox/faults                              drop scheduled faults
    POST /_sandbox/owners     {"email", "firstName", "lastName", "userId", "type", "teams",
                               "archived"}              add an owner (ids in order)
    POST /_sandbox/webhooks/flush                        deliver queued webhook events now

A scheduled fault hits the next `count` (default 1) requests whose path contains
`path_contains`, whose method is `method` (any when absent) and whose body contains
`body_contains` (e.g. one input's email: a poison record). It answers `status` (423, 429, 477,
500, 502-504, 521-524 with HubSpot's body for it; 400 refuses the whole request with no
per-input detail, as HubSpot does for some bad inputs), or, with `"drop": true` and no status,
closes the connection without any answer (over real HTTP; an in-process WSGI caller gets the
ConnectionDropped exception). `after_apply` carries the request out first, so a write happens
although the caller hears an error or nothing; `delay_ms` waits before answering (or dropping),
e.g. past a client's read timeout.

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
    if method == "GET" and path == "trace":
        return Response(200, {"results": [entry.to_json() for entry in sandbox.trace()]})
    if method == "POST" and path == "stats/reset":
        sandbox.reset_stats()
        return Response(204)
    if method == "POST" and path == "reset":
        sandbox.reset()
        return Response(204)
    if method == "POST" and path == "clock":
        return _advance_clock(sandbox, request)
    if method == "POST" and path == "limits":
        return _set_limits(sandbox, request)
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


_LIMITS = ("burst_limit", "daily_limit", "search_per_second", "latency_ms")


def _set_limits(sandbox: HubSpotSandbox, request: Request) -> Response:
    """Limits changed while running (a benchmark seeds unlimited, then measures limited); the
    rate windows start empty, so what came before counts against nothing."""
    body = request.json_object()
    for name, value in body.items():
        if name not in _LIMITS:
            raise validation(f"limits are {', '.join(_LIMITS)}; got {name!r}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise validation(f"limits take non-negative integers; {name} got {value!r}")
    sandbox.set_limits(body)
    return Response(200, {name: getattr(sandbox.config, name) for name in _LIMITS})
