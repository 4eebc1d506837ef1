"""POST /webhooks/hubspot: HubSpot's change events, verified, as a request for early passes.

A request is acted upon only with a valid v3 signature: base64(HMAC-SHA256(app secret,
method + URI + body + timestamp)) in `X-HubSpot-Signature-v3`, compared in constant time, and
an `X-HubSpot-Request-Timestamp` (milliseconds) within 5 minutes of now, so a captured request
cannot be replayed later. Anything else gets 401, is logged, and changes nothing.

The events only say which object types changed: the pipelines syncing those types are asked
for an early pass (the pass itself reads the changes from its cursor as always, so a lost or
duplicated event costs nothing). How a burst of events becomes one pass is the daemon's
business (daemon.EarlyPasses).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from syncer.logs import get_logger

log = get_logger(__name__)

TIMESTAMP_WINDOW_MS = 5 * 60 * 1000  # as HubSpot's own SDKs check it
MAX_BODY_BYTES = 1 << 20
# The standard objects: their name in subscription types, their type id, their API name.
_STANDARD = (
    ("contact", "0-1", "contacts"),
    ("company", "0-2", "companies"),
    ("deal", "0-3", "deals"),
    ("ticket", "0-5", "tickets"),
    ("product", "0-7", "products"),
    ("line_item", "0-8", "line_items"),
)
_BY_EVENT_NAME = {name: plural for name, _, plural in _STANDARD}
_BY_TYPE_ID = {type_id: plural for _, type_id, plural in _STANDARD}
_STANDARD_NAMES = frozenset(_BY_EVENT_NAME.values()) | frozenset(_BY_TYPE_ID)
# HubSpot signs the URI with these characters decoded (its "validating requests" page).
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    for encoded, char in _DECODED.items():
        uri = uri.replace(encoded, char).replace(encoded.lower(), char)
    message = method.encode() + uri.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def refusal(
    secret: str, uri: str, body: bytes, headers: Mapping[str, str], now_ms: int
) -> str | None:
    """Why the request must not be acted upon, or None when it is HubSpot's, and recent."""
    signature = headers.get("x-hubspot-signature-v3")
    timestamp = headers.get("x-hubspot-request-timestamp", "")
    if not signature:
        return "no X-HubSpot-Signature-v3 header"
    if not timestamp.isdigit():
        return "no X-HubSpot-Request-Timestamp header in milliseconds"
    if abs(now_ms - int(timestamp)) > TIMESTAMP_WINDOW_MS:
        return "timestamp outside the 5-minute window (a replay, or a clock far off)"
    expected = v3_signature(secret, "POST", uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "signature does not match"
    return None


def changed_types(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """The object types the events are about: a standard type by its API name ("contacts"),
    another by its type id ("2-1234")."""
    changed = set()
    for event in events:
        kind = str(event.get("subscriptionType", "")).partition(".")[0]
        if kind == "object":
            type_id = str(event.get("objectTypeId", ""))
            changed.add(_BY_TYPE_ID.get(type_id, type_id))
        elif kind in _BY_EVENT_NAME:
            changed.add(_BY_EVENT_NAME[kind])
    changed.discard("")
    return changed


def pipelines_for(changed: set[str], hubspot_objects: Mapping[str, str]) -> list[str]:
    """The pipelines (name: its `hubspot_object`) syncing a changed type. A custom object named
    in the config by name, not id, cannot be told from the event: any change to a custom
    object asks for its pass too (one early pass too many costs only API calls)."""
    custom_changed = any(kind not in _STANDARD_NAMES for kind in changed)
    chosen = []
    for pipeline, hubspot_object in hubspot_objects.items():
        standard = _BY_TYPE_ID.get(hubspot_object, hubspot_object)
        if standard in changed or (standard not in _STANDARD_NAMES and custom_changed):
            chosen.append(pipeline)
    return chosen


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    body: dict[str, Any]


class WebhookReceiver:
    """Verifies a request and asks for the passes its events call for. `public_url`, when set,
    is the URL HubSpot was given (behind a proxy the daemon sees another); otherwise the URL
    is rebuilt from the request as it arrived."""

    def __init__(
        self,
        secret: str,
        hubspot_objects: Mapping[str, str],
        request_passes: Callable[[Iterable[str]], None],
        public_url: str | None = None,
    ) -> None:
        self._secret = secret
        self.hubspot_objects = dict(hubspot_objects)
        self.request_passes = request_passes
        self.public_url = public_url

    def receive(self, url: str, headers: Mapping[str, str], body: bytes, now_ms: int) -> Answer:
        why = refusal(self._secret, self.public_url or url, body, headers, now_ms)
        if why is not None:
            log.warning("webhook refused", reason=why)
            return Answer("401 Unauthorized", {"error": "invalid signature"})
        try:
            events = json.loads(body)
        except ValueError:
            events = None
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            log.warning("webhook refused", reason="the body is not a JSON array of events")
            return Answer("400 Bad Request", {"error": "expected a JSON array of events"})
        pipelines = pipelines_for(changed_types(events), self.hubspot_objects)
        log.info("webhook received", events=len(events), pipelines=pipelines)
        if pipelines:
            self.request_passes(pipelines)
        return Answer("200 OK", {"events": len(events), "pipelines": pipelines})
