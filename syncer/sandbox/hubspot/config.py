"""Knobs of a HubSpot sandbox: limits, latency, faults, search lag."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# Published limits: burst per 10 s per app, daily per account (0 = none).
TIERS: dict[str, tuple[int, int]] = {
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api-limit-increase": (250, 1_625_000),  # professional + one add-on pack
    "public-oauth-app": (110, 0),  # marketplace apps: per installing account, no daily limit
}


@dataclass
class SandboxConfig:
    token: str = "sandbox-token"
    # More private apps on the same account: each has its own burst window, the daily quota
    # is shared.
    extra_tokens: tuple[str, ...] = ()
    burst_limit: int = 190  # requests per rolling 10 s window per token; 0 = unlimited
    daily_limit: int = 625_000  # 0 = unlimited
    search_per_second: int = 5  # 0 = unlimited
    latency_ms: int = 0  # a round trip added to each API request (half each way), unlocked
    fault_rate: float = 0.0  # probability of an injected 500/502/503 before the request applies
    seed: int = 0  # makes faults and correlation ids deterministic
    search_lag_ms: int = 0  # a write becomes visible to search only this long after it happened
    portal_id: int = 12345678
    # HubSpot's status for a duplicate value of a hasUniqueValue property is UNCONFIRMED.
    unique_violation_status: int = 400
    # Whether engagements (notes, tasks, calls, meetings, emails) take a hasUniqueValue property
    # is UNCONFIRMED: HubSpot documents them for contacts, companies, deals, tickets and custom
    # objects only. False: creating one on an engagement is refused (400).
    engagement_unique_properties: bool = False
    first_id: int = 1  # ids are increasing integers from here
    # HubSpot documents that lifecyclestage only moves forward; how a backward write fails is
    # UNCONFIRMED. The sandbox keeps the old value and answers 200, as integrators report.
    lifecycle_forward_only: bool = True
    # Current HubSpot: a merge makes a new record with a new id;
    # False = the older behaviour, the primary record survives under its own id.
    merge_creates_new_id: bool = True
    # Whether associating two records with a label also gives them the pair's unlabeled type
    # is UNCONFIRMED (the reference documents it for the "Primary" label only, and that
    # removing the unlabeled type removes every label). False: a label is added alone.
    labelled_adds_unlabelled: bool = False
    # Outbound webhooks: off unless a URL is given. Events are delivered every webhook_flush_ms
    # by a background thread (0 = only when flushed through the admin path or flush_webhooks()).
    webhook_url: str = ""
    webhook_client_secret: str = "sandbox-client-secret"  # signs deliveries (v2 and v3)
    webhook_app_id: int = 1
    webhook_batch_size: int = 100  # HubSpot's cap per request is UNCONFIRMED; 100 is cited
    webhook_flush_ms: int = 1000
    # None = every event; else e.g. ("contact.creation", "contact.propertyChange.email").
    webhook_subscriptions: tuple[str, ...] | None = None
    secondly_headers: bool = False  # also send the deprecated X-HubSpot-RateLimit-Secondly pair
    # Longer request URLs (path + query) get 414; HubSpot's exact limit is not documented.
    max_url_length: int = 16_384  # 0 = no limit
    # OAuth v1 (oauth.py): off unless a client id is given; access tokens live the TTL.
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_refresh_token: str = ""
    oauth_token_ttl_s: int = 1800
    # The token's scopes; None = every scope. A request needing another scope gets 403.
    scopes: tuple[str, ...] | None = None
    utc_offset_minutes: int = 0  # the account's time zone: when the daily quota resets
    # Whether search takes IN/NOT_IN on hs_object_id (a number) is UNCONFIRMED; False = 400.
    search_id_in_filters: bool = True
    # Whether CRM 429s carry Retry-After is UNCONFIRMED; off by default.
    retry_after_on_429: bool = False
    token_expires_at_ms: int = 0  # sandbox-clock time the token expires (401); 0 = never
    # Date versions HubSpot has released (`/crm/objects/2026-03/...`); any other answers 404.
    api_versions: tuple[str, ...] = ("2025-09", "2026-03", "2026-09")
    # HubSpot's answer to a blank `properties=` on a GET is UNCONFIRMED. True: as if it were
    # absent (the type's default properties); False: no properties asked for (only the id,
    # creation and last-modified properties come back).
    blank_properties_mean_defaults: bool = True

    @classmethod
    def for_tier(cls, tier: str, **overrides: Any) -> SandboxConfig:
        """The rate limits of a HubSpot subscription tier (see TIERS), plus any overrides."""
        if tier not in TIERS:
            raise ValueError(f"Unknown HubSpot tier {tier!r}; choose one of: {', '.join(TIERS)}")
        burst, daily = TIERS[tier]
        return replace(cls(burst_limit=burst, daily_limit=daily), **overrides)
