"""Outbound webhooks: change events queued as they happen, then POSTed
to `SandboxConfig.webhook_url` as JSON arrays of up to `webhook_batch_size` events, signed with
HubSpot's v2 and v3 signatures. Delivery happens outside the sandbox lock: on `flush()` (admin
path or Python), or every `webhook_flush_ms` from a background thread.

A failed batch (connection error, timeout, non-2xx) is queued again with `attemptNumber` + 1,
up to 10 attempts like HubSpot; HubSpot spreads those over 24 hours, the sandbox retries at the
next flush.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.schema import ObjectTypeSpec

MAX_ATTEMPTS = 10
TIMEOUT_S = 5.0
# Types with their own subscription names; everything else is "object.*" with objectTypeId.
_NAMED = frozenset({"contact", "company", "deal", "ticket", "line_item", "product"})
Event = dict[str, Any]


@dataclass
class Batch:
    events: list[Event]
    attempt: int = 0


@dataclass
class WebhookQueue:
    config: SandboxConfig
    pending: list[Event] = field(default_factory=list)
    retry: list[Batch] = field(default_factory=list)
    _next_event_id: int = 1
    _subscriptions: dict[str, int] = field(default_factory=dict)

    def record(
        self, kind: str, spec: ObjectTypeSpec, object_id: int, fields: dict[str, Any], now_ms: int
    ) -> None:
        subscription = _subscription_type(kind, spec)
        subscription_id = self._subscription_id(subscription, fields)
        if subscription_id is None:
            return
        event: Event = {
            "eventId": self._next_event_id,
            "subscriptionId": subscription_id,
            "portalId": self.config.portal_id,
            "appId": self.config.webhook_app_id,
            "occurredAt": now_ms,
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": object_id,
            "changeSource": "API",
        }
        if subscription.startswith("object."):
            event["objectTypeId"] = spec.type_id
        if kind == "creation":
            event["changeFlag"] = "CREATED"
        event.update(fields)
        self._next_event_id += 1
        self.pending.append(event)

    def _subscription_id(self, subscription: str, fields: dict[str, Any]) -> int | None:
        """Without configured subscriptions every event is sent; with them, only subscribed
        ones (propertyChange subscriptions name their property: `contact.propertyChange.email`),
        and the subscription's position is its id."""
        chosen = self.config.webhook_subscriptions
        if chosen is None:
            return self._subscriptions.setdefault(subscription, len(self._subscriptions) + 1)
        if subscription.endswith(".propertyChange"):
            subscription = f"{subscription}.{fields.get('propertyName', '')}"
        return chosen.index(subscription) + 1 if subscription in chosen else None

    def take(self) -> list[Batch]:
        """Everything to send now: earlier failures first, then new events in batches."""
        size = max(self.config.webhook_batch_size, 1)
        batches = self.retry + [
            Batch(self.pending[i : i + size]) for i in range(0, len(self.pending), size)
        ]
        self.retry, self.pending = [], []
        return batches

    def give_back(self, batch: Batch) -> None:
        if batch.attempt + 1 < MAX_ATTEMPTS:
            self.retry.append(Batch(batch.events, batch.attempt + 1))


def deliver(config: SandboxConfig, batch: Batch, now_ms: int) -> bool:
    """POST one batch; True when the receiver answered 2xx."""
    events = [{**event, "attemptNumber": batch.attempt} for event in batch.events]
    body = json.dumps(events, separators=(",", ":")).encode()
    request = urllib.request.Request(
        config.webhook_url,
        data=body,
        method="POST",
        headers=signed_headers(config.webhook_client_secret, config.webhook_url, body, now_ms),
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError):  # HTTPError (4xx/5xx) is a URLError too
        return False


def signed_headers(secret: str, url: str, body: bytes, timestamp_ms: int) -> dict[str, str]:
    timestamp = str(timestamp_ms)
    text = body.decode()
    v2 = hashlib.sha256(f"{secret}POST{url}{text}".encode()).hexdigest()
    v3_digest = hmac.new(
        secret.encode(), f"POST{url}{text}{timestamp}".encode(), hashlib.sha256
    ).digest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) - sandbox",
        "X-HubSpot-Signature": v2,
        "X-HubSpot-Signature-Version": "v2",
        "X-HubSpot-Signature-v3": base64.b64encode(v3_digest).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
        "X-HubSpot-Timeout-Millis": str(int(TIMEOUT_S * 1000)),
    }


def _subscription_type(kind: str, spec: ObjectTypeSpec) -> str:
    if kind == "privacyDeletion":
        return "contact.privacyDeletion"
    return f"{spec.singular if spec.singular in _NAMED else 'object'}.{kind}"
