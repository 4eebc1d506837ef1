"""`[hubspot]`: the portal's address and credentials (a private-app token or OAuth 2), its rate
limits, and how the connector batches, retries and reads.

The URLs that receive a secret (`secret_urls`) are checked by load_settings and again on every
connection (syncer/http/guard.py): loopback, private networks and plain http:// only if the
file allows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr

from syncer import settings_rules as rules
from syncer.settings_rules import StrictModel


class HubSpotSettings(StrictModel):
    base_url: Annotated[str, AfterValidator(rules.http_url)] = "https://api.hubapi.com"
    # Checked by load_settings and on every connection: the URLs that receive a secret may
    # reach loopback or a private network, and plain http://, only if the file says so.
    allow_private_network: bool = False
    allow_insecure_http: bool = False
    token: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    token_file: Path | None = None
    burst_limit: int = Field(190, gt=0, description="requests per 10 s for this app")
    daily_limit: int = Field(625_000, gt=0)
    search_per_second: int = Field(5, gt=0)
    # When a search counts against search_per_second, as we estimate it: from the "midpoint" of
    # its round trip, or its "completion" (strictest; see syncer/http/ratelimit.py). HubSpot
    # counts a request when it arrives; how long the way there takes is not documented. The
    # ten-second burst limit always counts from completion: a round trip is ~1 % of its window.
    search_stamp: Literal["midpoint", "completion"] = "midpoint"
    # How long a run may use the property catalogue kept in the ledger instead of reading it
    # (one API call); 0 reads it on every run. Deleted properties are caught either way.
    properties_cache_seconds: float = Field(900.0, ge=0, le=rules.MAX_DURATION_SECONDS)
    batch_size: int = Field(100, gt=0, le=100)
    timeout_seconds: float = Field(30.0, gt=0, le=rules.MAX_DURATION_SECONDS)
    max_retries: int = Field(6, ge=0)
    # Batches sent at once. Unset: sized from the burst limit and the measured round trip
    # (rate x round trip x 2, at least 4, at most 16), so a slow network still fills the budget.
    max_in_flight: int | None = Field(None, ge=1, le=32, description="batches sent at once")
    # Readers of a full listing (a first migration): 1 is the list endpoint's cursor alone; more
    # adds searches over hs_object_id ranges, which page independently on search's own budget.
    # At 300 ms a round trip one cursor reads 3.3 pages a second of the 10 the budget allows.
    listing_readers: int = Field(1, ge=1, le=8)
    # The daily limit resets at midnight in the portal's time zone.
    portal_timezone: Annotated[str, AfterValidator(rules.time_zone)] = "UTC"
    # OAuth 2 (instead of a private-app token): refreshed at base_url + /oauth/v1/token.
    client_id: str | None = None
    client_secret: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    client_secret_file: Path | None = None
    refresh_token: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    refresh_token_file: Path | None = None
    # default: base_url + /oauth/v1/token
    oauth_token_url: Annotated[str | None, AfterValidator(rules.optional_http_url)] = None

    def uses_oauth(self) -> bool:
        return bool(self.client_id)

    def secret_urls(self) -> dict[str, str]:
        """Every URL a secret is sent to, by its key."""
        urls = {"base_url": self.base_url}
        if self.oauth_token_url:
            urls["oauth_token_url"] = self.oauth_token_url
        return urls
