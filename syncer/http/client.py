"""The one place an httpx.Client is built: base URL, timeouts, auth, hooks, the guarded
transport (or a test's), and no redirects followed."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from syncer.http.guard import GuardedTransport

ResponseHook = Callable[[httpx.Response], None]

USER_AGENT = "syncer/0.1 (+https://github.com/syncer)"

# Honoured by httpx and most tools; not by syncer, whose transport connects only to addresses
# it checked (guard.py): through a proxy, the address a secret reaches could not be checked.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def ignored_proxy_variables(env: Mapping[str, str]) -> list[str]:
    """The proxy variables set in `env`, any case, for a warning that they are not used."""
    return sorted(name for name, value in env.items() if name.upper() in PROXY_VARIABLES and value)


def build_client(
    base_url: str,
    *,
    auth: httpx.Auth,
    timeout_seconds: float,
    allow_private_network: bool = False,
    transport: httpx.BaseTransport | None = None,
    response_hooks: list[ResponseHook] | None = None,
) -> httpx.Client:
    """A synchronous client for one API.

    `transport` is the test seam (e.g. `httpx.WSGITransport(app=sandbox)`); production leaves
    it None and gets a `GuardedTransport`, which connects only to addresses the rules allow
    (`allow_private_network` for a local sandbox). Redirects are not followed: the token would
    go along to a host nobody checked. Connect timeouts are kept short so a dead host fails
    fast and is retried.
    """
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)),
        transport=transport or GuardedTransport(allow_private_network=allow_private_network),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        event_hooks={"response": list(response_hooks or [])},
    )
