"""The value rules settings fields are checked against: names, URLs, schedules, time zones.

Each rule raises ValueError with a message of the form "expected ..., got ..."; the settings
loader prefixes it with the file and the key.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr

from syncer.addresses import address_refusal, literal_address
from syncer.logs import mask_url_password

_INTERVAL = re.compile(r"([1-9][0-9]*)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Longest schedule interval and longest duration setting: a year. Far beyond any real use, far
# below the ~2.7 million years at which the scheduler's and the ledger's date arithmetic overflow.
MAX_INTERVAL = "365d"
MAX_DURATION_SECONDS = 365 * 86400.0


class StrictModel(BaseModel):
    """A section of the file: an unknown key is an error (a typo), not silently ignored."""

    model_config = ConfigDict(extra="forbid")


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
    """A SQLAlchemy URL of a database SQLAlchemy knows (`foo://bar` is well-formed, but no
    dialect serves it)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value).get_dialect()
    except ArgumentError:  # NoSuchModuleError too: an unknown database or driver name
        raise ValueError(
            "expected a SQLAlchemy URL such as 'sqlite:///syncer.db' or "
            f"'postgresql+psycopg://user@host/db', got {mask_url_password(value)!r}"
        ) from None
    return value


def ledger_url(value: str) -> str:
    """A SQLAlchemy URL of a database syncer may write: the ledger is its memory."""
    from sqlalchemy.engine import make_url

    parsed = make_url(sqlalchemy_url(value))
    if parsed.get_backend_name() == "sqlite":
        options = {key: str(option).lower() for key, option in parsed.query.items()}
        if options.get("mode") == "ro" or options.get("immutable") in ("1", "true"):
            raise ValueError(
                "the ledger must be writable: every run records links and cursors in it; "
                f"remove mode=ro / immutable from {mask_url_password(value)!r}"
            )
    return value


def http_url(value: str) -> str:
    """An http(s) URL whose host is a name or a plainly written address, not a cloud metadata
    service (SSRF). Whether a secret may go there: `syncer.addresses.url_refusal`."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {mask_url_password(value)!r}")
    refusal = address_refusal(parts.hostname, literal_address(parts.hostname), allow_private=True)
    if refusal:
        raise ValueError(refusal)
    return value


# What a token sent in a header or a form may hold: printable ASCII, no spaces or line breaks.
# A line break would end the header (h11 refuses to send it, on every attempt).
_HEADER_SAFE = re.compile(r"[\x21-\x7e]*")
UNSAFE_SECRET = (
    "expected printable ASCII without spaces, tabs or line breaks (the value is not shown)"
)


def is_header_safe(secret: str) -> bool:
    return _HEADER_SAFE.fullmatch(secret) is not None


def optional_http_url(value: str | None) -> str | None:
    return None if value is None else http_url(value)


def header_secret(value: SecretStr | None) -> SecretStr | None:
    """A token sent in a header or a form: printable ASCII, no spaces or line breaks (a stray
    newline from a secret file's editor would otherwise fail every request). The value itself is
    never shown."""
    if value is not None and not is_header_safe(value.get_secret_value()):
        raise ValueError(UNSAFE_SECRET)
    return value


def time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA time zone such as 'UTC' or 'Europe/Paris', got {value!r}"
        ) from None
    return value


def interval(value: str | None) -> str | None:
    if value is None:
        return None
    match = _INTERVAL.fullmatch(value)
    if match is None:
        raise ValueError(f"expected <n>s, <n>m, <n>h or <n>d such as '5m', got {value!r}")
    if int(match[1]) * _UNIT_SECONDS[match[2]] > MAX_DURATION_SECONDS:
        raise ValueError(f"expected an interval of at most {MAX_INTERVAL}, got {value!r}")
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
