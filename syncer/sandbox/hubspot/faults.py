"""Injected failures: a seeded random rate of 5xx, and faults scheduled for matching requests.

A scheduled fault answers with an error status, or (`drop`) closes the connection without any
answer, as a reset or a load balancer cutting an idle upstream would; with `after_apply` the
request is carried out first, so the caller cannot tell whether it happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.errors import ApiError, rate_limited, validation

RANDOM_STATUSES = (500, 502, 503)
SCHEDULABLE_STATUSES = frozenset(
    {400, 423, 429, 477, 500, 502, 503, 504, 521, 522, 523, 524}
)  # 400: a whole request refused, no per-input detail; 52x: HubSpot's Cloudflare edge


class ConnectionDropped(Exception):
    """Raised by the WSGI application for a `drop` fault: the server closes the connection
    without an answer (serve_in_thread does). An in-process caller (httpx.WSGITransport) sees
    this exception instead."""


@dataclass
class ScheduledFault:
    status: int | None  # None for a dropped connection
    count: int  # how many more matching requests it hits
    path_contains: str = ""
    method: str | None = None
    after_apply: bool = False  # apply the request, then answer with the error (or drop) anyway
    delay_ms: int = 0  # sleep before answering, e.g. to make a client time out
    drop: bool = False  # close the connection without an answer instead of an error status
    body_contains: str = ""  # only requests whose body has this text, e.g. one input's email

    def matches(self, method: str, path: str, body: bytes) -> bool:
        return (
            self.path_contains in path
            and self.method in (None, method)
            and self.body_contains.encode() in body
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "count": self.count, "path_contains": self.path_contains,
            "method": self.method, "after_apply": self.after_apply, "delay_ms": self.delay_ms,
            "drop": self.drop, "body_contains": self.body_contains,
        }  # fmt: skip


class FaultPlan:
    def __init__(self, seed: int, rate: float) -> None:
        self._random = random.Random(seed)
        self._rate = rate
        self.scheduled: list[ScheduledFault] = []

    def schedule(self, spec: dict[str, Any]) -> ScheduledFault:
        drop = spec.get("drop", False)
        if not isinstance(drop, bool):
            raise validation(f"Fault 'drop' must be true or false, got {drop!r}")
        method = spec.get("method")
        fault = ScheduledFault(
            status=_status(spec.get("status"), drop),
            count=_whole(spec, "count", 1, minimum=1),
            path_contains=str(spec.get("path_contains", "")),
            method=str(method).upper() if method else None,
            after_apply=bool(spec.get("after_apply", False)),
            delay_ms=_whole(spec, "delay_ms", 0, minimum=0),
            drop=drop,
            body_contains=str(spec.get("body_contains", "")),
        )
        self.scheduled.append(fault)
        return fault

    def take(self, method: str, path: str, body: bytes = b"") -> ScheduledFault | None:
        """The first scheduled fault this request triggers (used up after `count` requests)."""
        for fault in self.scheduled:
            if fault.matches(method, path, body):
                fault.count -= 1
                if fault.count == 0:
                    self.scheduled.remove(fault)
                return fault
        return None

    def random_status(self) -> int | None:
        if self._rate <= 0:
            return None
        if self._random.random() >= self._rate:
            return None
        return self._random.choice(RANDOM_STATUSES)

    def clear(self) -> None:
        self.scheduled.clear()


def _status(status: object, drop: bool) -> int | None:
    if drop:
        if status is not None:
            raise validation("A 'drop' fault sends no answer, so it takes no 'status'")
        return None
    if not isinstance(status, int) or status not in SCHEDULABLE_STATUSES:
        allowed = ", ".join(map(str, sorted(SCHEDULABLE_STATUSES)))
        raise validation(f"Fault 'status' must be one of {allowed}, got {status!r}")
    return status


def _whole(spec: dict[str, Any], key: str, default: int, *, minimum: int) -> int:
    value = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise validation(f"Fault {key!r} must be {kind} integer, got {value!r}")
    return value


def fault_error(status: int) -> ApiError:
    if status == 429:
        return rate_limited(
            "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit."
        )
    if status == 477:
        return ApiError(
            477, "This portal is being migrated; retry later.", "MIGRATION_IN_PROGRESS",
            headers={"Retry-After": "1"},
        )  # fmt: skip
    if status == 423:
        return ApiError(423, "The resource is locked; retry after 2 seconds.", "LOCKED")
    if status == 400:  # as HubSpot refuses a batch whole for one input it cannot take
        return validation("Invalid input: the request was refused as a whole and nothing applied")
    messages = {
        500: "internal error",
        502: "Bad Gateway: the service took too long to respond",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        521: "Web server is down",
        522: "Connection timed out",
        523: "Origin is unreachable",
        524: "A timeout occurred: no response within 100 seconds",
    }
    return ApiError(status, messages[status], "INTERNAL_ERROR" if status == 500 else None)
