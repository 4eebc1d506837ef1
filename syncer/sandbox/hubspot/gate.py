"""What HubSpot refuses before it looks at a request: an unknown or expired token, an
over-long URL, a missing scope. Also: which private app a token belongs to (rate limits are
counted per app)."""

from __future__ import annotations

from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.errors import (
    ApiError,
    invalid_authentication,
    unknown_version,
    uri_too_long,
)
from syncer.sandbox.hubspot.oauth import OAuthTokens
from syncer.sandbox.hubspot.portal import Portal
from syncer.sandbox.hubspot.router import dated_version
from syncer.sandbox.hubspot.scopes import expired_token, missing_scope, required_scope
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Request


def app_of(config: SandboxConfig, request: Request) -> str:
    """The private-app token a request carries ("" = none, or an OAuth access token)."""
    if not request.authorization.startswith("Bearer "):
        return ""
    token = request.authorization.removeprefix("Bearer ")
    return token if token == config.token or token in config.extra_tokens else ""


def token_refusal(
    config: SandboxConfig, oauth: OAuthTokens | None, request: Request, now_ms: int
) -> ApiError | None:
    if app_of(config, request) == "":
        if oauth is None or not oauth.knows(request.authorization):
            return invalid_authentication()
        return oauth.check(request.authorization, now_ms)
    if config.token_expires_at_ms and now_ms >= config.token_expires_at_ms:
        expired_at = config.token_expires_at_ms
        return expired_token(now_ms, expired_at, iso_ms(expired_at))
    return None


def request_refusal(
    config: SandboxConfig, portal: Portal, request: Request, params: dict[str, str] | None
) -> tuple[str, ApiError] | None:
    """(stats key, error) for a date version HubSpot never released, an over-long URL or a scope
    the token lacks. Call it holding the sandbox lock (it reads the portal's object types)."""
    version = dated_version(request.sent_path)
    if version is not None and version not in config.api_versions:
        return "unknown_version", unknown_version(version, request.sent_path)
    if config.max_url_length and request.url_length > config.max_url_length:
        return "uri_too_long", uri_too_long(request.url_length, config.max_url_length)
    if config.scopes is not None and params is not None:
        scope = required_scope(portal, request.method, request.path, params)
        if scope is not None and scope not in config.scopes:
            return "forbidden", missing_scope(scope)
    return None
