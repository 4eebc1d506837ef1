"""Named pure converters between each side's native values and canonical text.

Canonical text is what both sides' values are compared and hashed in: None for "no value",
numbers without exponent or trailing zeros, dates as YYYY-MM-DD, datetimes as UTC ISO with
milliseconds, booleans as "true"/"false". Converters raise ValueError naming what they expected.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from syncer.records import FieldType

_TRUE = {"true", "1", "yes", "y", "t", "on"}
_FALSE = {"false", "0", "no", "n", "f", "off"}


def normalise_email(value: Any) -> str | None:
    """Emails compare equal whatever their case, surrounding space or Unicode form, and
    whether an internationalised domain is written in Unicode or in its ACE form (xn--)."""
    if value is None:
        return None
    text = str(value)
    if not text.isascii():  # NFKC changes nothing in ASCII, the usual case: skip its cost
        text = unicodedata.normalize("NFKC", text)
    text = text.strip().lower()
    local, at, domain = text.rpartition("@")
    if at and ("xn--" in domain or not domain.isascii()):
        text = local + at + ".".join(_label_key(label) for label in domain.split("."))
    return text or None


def _label_key(label: str) -> str:
    """A domain label in the one form its Unicode and ACE (xn--...) spellings share: Unicode,
    unless the label is not stable (below), which stays, or is put, in ACE."""
    if label.startswith("xn--"):
        return _unicode_label(label)
    if label.isascii() or _stable(label):
        return label
    return "xn--" + label.encode("punycode").decode()


def _unicode_label(label: str) -> str:
    """An ACE label as the Unicode label it encodes, when the decoding is exact and stable."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label
    if (
        decoded.isascii()
        or not _stable(decoded)
        or decoded.encode("punycode").decode() != label[4:]
    ):
        return label
    return decoded


def _stable(label: str) -> bool:
    """Whether a Unicode label survives normalising again: what the next pass would fold (case,
    width) or strip (any space, control character) must already be gone. An unstable label is
    kept in ACE, so that normalising twice agrees with once."""
    folded = unicodedata.normalize("NFKC", label).lower() == label
    return folded and label.isprintable() and not any(c.isspace() for c in label)


def to_canonical(value: Any, ftype: FieldType, tz: tzinfo = UTC) -> str | None:
    """A native value as canonical text; `tz` interprets naive datetimes."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if ftype is FieldType.NUMBER:
        return _number(value)
    if ftype is FieldType.DATE:
        return _date(value, tz).isoformat()
    if ftype is FieldType.DATETIME:
        return format_datetime(_datetime(value, tz))
    if ftype is FieldType.BOOLEAN:
        return "true" if _boolean(value) else "false"
    return str(value)


def to_native(text: str | None, ftype: FieldType, tz: tzinfo = UTC) -> Any:
    """Canonical text as a Python value of the given type (None stays None)."""
    if text is None:
        return None
    if ftype is FieldType.NUMBER:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else number
    if ftype is FieldType.DATE:
        return date.fromisoformat(text[:10])
    if ftype is FieldType.DATETIME:
        return _datetime(text, tz)
    if ftype is FieldType.BOOLEAN:
        return text == "true"
    return text


def to_hubspot_text(text: str | None) -> str:
    """HubSpot takes strings for every type; an empty string clears a value."""
    return "" if text is None else text


def format_datetime(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _date(value: Any, tz: tzinfo) -> date:
    # A datetime standing for a date (a SQL DATETIME column holding dates) means its day
    # where it was written: in the table's time zone, not in UTC.
    if isinstance(value, datetime):
        return _aware(value, tz).astimezone(tz).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text.isdigit():  # HubSpot date properties also come as epoch milliseconds at midnight UTC
        return datetime.fromtimestamp(int(text) / 1000, UTC).date()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return _datetime(text, tz).astimezone(tz).date()
    except ValueError:
        raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}") from None


def _datetime(value: Any, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return _aware(value, tz).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO-8601 datetime, got {value!r}") from None
    return _aware(parsed, tz).astimezone(UTC)


def _aware(moment: datetime, tz: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")
