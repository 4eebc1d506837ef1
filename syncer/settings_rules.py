"""The value rules settings fields are checked against: names, URLs, schedules, time zones.

Each rule raises ValueError with a message of the form "expected ..., got ..."; the settings
loader prefixes it with the file and the key.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from syncer.logs import mask_url_password

_INTERVAL = re.compile(r"([1-9][0-9]*)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _matching(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def validate(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"expected {what}, got {value!r}")
        return value

    return AfterValidator(validate)


# Names that end up in SQL text: refused at load unless they are plain identifiers.
SqlName = Annotated[
    str,
    _matching(
        r"[A-Za-z_][A-Za-z0-9_$]*", "a plain identifier (letters, digits, _ or $; no digit first)"
    ),
]
HubSpotName = Annotated[
    str, _matching(r"[a-z0-9_]+", "a HubSpot property name (lower-case letters, digits, _)")
]
HubSpotObject = Annotated[
    str, _matching(r"[a-z0-9_-]+", "a HubSpot object type such as 'contacts' or '2-1234'")
]
PipelineName = Annotated[
    str, _matching(r"[a-z][a-z0-9_-]*", "lower-case letters, digits, _ or -, a letter first")
]


def sqlalchemy_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError:
        raise ValueError(
            "expected a SQLAlchemy URL such as 'sqlite:///syncer.db' or "
            f"'postgresql+psycopg://user@host/db', got {mask_url_password(value)!r}"
        ) from None
    return value


def http_url(value: str) -> str:
    """An http(s) URL that does not aim at a cloud metadata service (SSRF)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {mask_url_password(value)!r}")
    if parts.hostname.startswith("169.254.") or parts.hostname == "metadata.google.internal":
        raise ValueError(f"refusing cloud metadata / link-local address {parts.hostname!r}")
    return value


def refuse_local_host(url: str) -> None:
    """Loopback and private hosts are refused for URLs read from a config file (SSRF)."""
    host = urlsplit(url).hostname or ""
    if is_local_host(host):
        raise ValueError(
            f"refusing loopback/private address {host!r}; set allow_private_network = true "
            "to reach a local sandbox"
        )


def is_local_host(host: str) -> bool:
    """Literal loopback/private/reserved addresses and localhost; names are not resolved here."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA time zone such as 'UTC' or 'Europe/Paris', got {value!r}"
        ) from None
    return value


def interval(value: str | None) -> str | None:
    if value is not None and not _INTERVAL.fullmatch(value):
        raise ValueError(f"expected <n>s, <n>m, <n>h or <n>d such as '5m', got {value!r}")
    return value


def interval_seconds(value: str) -> float:
    """Seconds in an interval such as '5m'; ValueError if it is not one."""
    match = _INTERVAL.fullmatch(interval(value) or "")
    if match is None:
        raise ValueError(f"expected an interval such as '5m', got {value!r}")
    return float(int(match[1]) * _UNIT_SECONDS[match[2]])


def crontab(value: str | None) -> str | None:
    from apscheduler.triggers.cron import CronTrigger

    if value is None:
        return None
    try:
        CronTrigger.from_crontab(value, timezone="UTC")
    except ValueError as exc:
        raise ValueError(
            f"expected a 5-field crontab such as '*/5 * * * *', got {value!r} ({exc})"
        ) from None
    return value
