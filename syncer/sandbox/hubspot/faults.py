"""Injected failures: a seeded random rate of 5xx, and faults scheduled for matching requests."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.errors import ApiError, rate_limited, validation

RANDOM_STATUSES = (500, 502, 503)
SCHEDULABLE_STATUSES = frozenset(
    {423, 429, 477, 500, 502, 503, 504, 521, 522, 523, 524}
)  # 52x: HubSpot's Cloudflare edge (origin down, timeouts)


@dataclass
class ScheduledFault:
    status: int
    count: int  # how many more matching requests it hits
    path_contains: str = ""
    method: str | None = None
    after_apply: bool = False  # apply the request, then answer with the error anyway
    delay_ms: int = 0  # sleep before answering, e.g. to make a client time out

    def matches(self, method: str, path: str) -> bool:
        return self.path_contains in path and self.method in (None, method)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "count": self.count, "path_contains": self.path_contains,
            "method": self.method, "after_apply": self.after_apply, "delay_ms": self.delay_ms,
        }  # fmt: skip


class FaultPlan:
    def __init__(self, seed: int, rate: float) -> None:
        self._random = random.Random(seed)
        self._rate = rate
        self.scheduled: list[ScheduledFault] = []

    def schedule(self, spec: dict[str, Any]) -> ScheduledFault:
        status = spec.get("status")
        if status not in SCHEDULABLE_STATUSES:
            allowed = ", ".join(map(str, sorted(SCHEDULABLE_STATUSES)))
            raise validation(f"Fault 'status' must be one of {allowed}, got {status!r}")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise validation(f"Fault 'count' must be a positive integer, got {count!r}")
        method = spec.get("method")
        fault = ScheduledFault(
            status=int(status),
            count=count,
            path_contains=str(spec.get("path_contains", "")),
            method=str(method).upper() if method else None,
            after_apply=bool(spec.get("after_apply", False)),
            delay_ms=int(spec.get("delay_ms", 0)),
        )
        self.scheduled.append(fault)
        return fault

    def take(self, method: str, path: str) -> ScheduledFault | None:
        """The first scheduled fault this request triggers (used up after `count` requests)."""
        for fault in self.scheduled:
            if fault.matches(method, path):
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
