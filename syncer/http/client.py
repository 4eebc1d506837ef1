"""The one place an httpx.Client is built: base URL, timeouts, auth, hooks, optional transport."""

from __future__ import annotations

from collections.abc import Callable

import httpx

ResponseHook = Callable[[httpx.Response], None]

USER_AGENT = "syncer/0.1 (+https://github.com/syncer)"


def build_client(
    base_url: str,
    *,
    auth: httpx.Auth,
    timeout_seconds: float,
    transport: httpx.BaseTransport | None = None,
    response_hooks: list[ResponseHook] | None = None,
) -> httpx.Client:
    """A synchronous client for one API.

    `transport` is the test seam (e.g. `httpx.WSGITransport(app=sandbox)`); production leaves
    it None. Connect timeouts are kept short so a dead host fails fast and is retried.
    """
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)),
        transport=transport,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        event_hooks={"response": list(response_hooks or [])},
    )
