"""HubSpot's outcome table: every response status -> what the caller does.

From HubSpot's error and usage documentation: 423 Locked lasts 2 s; 429 bodies name the
exhausted policy in `policyName` (TEN_SECONDLY_ROLLING: wait out the 10 s window; SECONDLY, the
search limit: wait about a second; DAILY: nothing to wait for within a run); 477 "Migration in
Progress" carries Retry-After seconds; 5xx may have been applied before failing.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from syncer.http import Outcome, Verdict

BURST_WINDOW_SECONDS = 10.0
LOCKED_WAIT_SECONDS = 2.0
SECONDLY_WAIT_SECONDS = 1.0

# Statuses whose body describes what was wrong with the request's content (records, filters).
_REJECTIONS = frozenset({400, 404, 409, 413, 422})
_AUTH = frozenset({401, 403})


def classify(response: httpx.Response) -> Outcome:
    status = response.status_code
    if status < 300:
        return Outcome(Verdict.OK)
    detail = describe(response)
    if status in _REJECTIONS:
        return Outcome(Verdict.REJECTED, detail)
    if status in _AUTH:
        return Outcome(Verdict.AUTH, detail)
    if status == 423:
        return Outcome(Verdict.RETRY, detail, wait=LOCKED_WAIT_SECONDS)
    if status == 429:
        return _rate_limited(response, detail)
    if status == 477:
        return Outcome(Verdict.RETRY, detail, wait=_retry_after(response) or LOCKED_WAIT_SECONDS)
    if status >= 500:
        return Outcome(Verdict.RETRY, detail, wait=_retry_after(response), applied_unknown=True)
    return Outcome(Verdict.FATAL, detail)


def _rate_limited(response: httpx.Response, detail: str) -> Outcome:
    policy = str(body_of(response).get("policyName") or "UNKNOWN")
    wait = _retry_after(response)
    if wait is None and policy == "SECONDLY":
        wait = SECONDLY_WAIT_SECONDS
    if wait is None:
        interval_ms = _int_header(response, "X-HubSpot-RateLimit-Interval-Milliseconds")
        wait = interval_ms / 1000 if interval_ms else BURST_WINDOW_SECONDS
    return Outcome(Verdict.RATE_LIMITED, detail, wait=wait, policy=policy)


def body_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON object in the body, or {} when there is none (204, HTML error pages)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def describe(response: httpx.Response) -> str:
    """`<status> <category>: <message>` for logs and exceptions; never includes headers."""
    body = body_of(response)
    category = body.get("category") or body.get("errorType") or ""
    message = str(body.get("message") or "")[:300]
    method, path = response.request.method, response.request.url.path
    return f"{method} {path} -> {response.status_code} {category}: {message}".rstrip(": ")


def rate_headers(response: httpx.Response) -> tuple[int | None, int | None]:
    """(remaining, maximum) of the ten-secondly window, when HubSpot sent them."""
    return (
        _int_header(response, "X-HubSpot-RateLimit-Remaining"),
        _int_header(response, "X-HubSpot-RateLimit-Max"),
    )


def daily_headers(response: httpx.Response) -> tuple[int | None, int | None]:
    """(remaining, maximum) of the account's daily quota, when HubSpot sent them."""
    return (
        _int_header(response, "X-HubSpot-RateLimit-Daily-Remaining"),
        _int_header(response, "X-HubSpot-RateLimit-Daily"),
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: HubSpot documents seconds, so fall back to our own wait


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None
