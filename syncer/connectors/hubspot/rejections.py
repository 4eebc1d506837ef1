"""HubSpot error bodies as per-record Rejections.

Validation errors arrive in three shapes: an `errors[]` list
with `code` and `context.propertyName`; older bodies with only a message embedding a JSON list
(`Property values were not valid: [{"error": "INVALID_EMAIL", "name": "email", ...}]`); and
plain envelopes (`category`, `message`). A 409 names the record that already holds the unique
value only inside its message ("Contact already exists. Existing ID: 123").
Each code is mapped to the engine's RejectionKind; the code itself stays on the Rejection.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from syncer.records import Rejection, RejectionKind

_EMBEDDED_LIST = re.compile(r"Property values were not valid: (\[.*\])\s*$", re.DOTALL)
_EXISTING_ID = re.compile(r"Existing ID: (\d+)")
_BATCH_MAXIMUM = re.compile(r"maximum number of inputs supported in a batch\D*?(\d+)")
CONFLICT = "CONFLICT"
_KINDS = {
    "OBJECT_NOT_FOUND": RejectionKind.NOT_FOUND,
    CONFLICT: RejectionKind.DUPLICATE,
    "READ_ONLY_VALUE": RejectionKind.READ_ONLY,
    "PROPERTY_DOESNT_EXIST": RejectionKind.UNKNOWN_FIELD,
    "REQUIRED_PROPERTY": RejectionKind.REQUIRED_MISSING,
    "VALIDATION_ERROR": RejectionKind.INVALID_VALUE,
}


class _Detail(NamedTuple):
    code: str
    message: str
    property: str | None


def rejection_from(error: dict[str, Any]) -> Rejection:
    details = _details(error)
    if details:
        return Rejection(
            kind_of(details[0].code),
            details[0].code,
            message="; ".join(d.message for d in details),
            property=next((d.property for d in details if d.property), None),
        )
    code = str(error.get("category") or error.get("errorType") or "UNKNOWN")
    return Rejection(
        kind_of(code),
        code,
        message=str(error.get("message") or "HubSpot refused the record without a reason"),
    )


def kind_of(code: str) -> RejectionKind:
    """What a HubSpot error code means to the engine; every INVALID_* code is a bad value."""
    if code.startswith("INVALID_"):
        return RejectionKind.INVALID_VALUE
    return _KINDS.get(code, RejectionKind.UNKNOWN)


def existing_id(error: dict[str, Any]) -> str | None:
    """The id of the record that already holds the unique value, for a CONFLICT error."""
    if error.get("category") != CONFLICT:
        return None
    found = _EXISTING_ID.search(str(error.get("message") or ""))
    return found.group(1) if found else None


def stated_batch_maximum(rejection: Rejection) -> int | None:
    """The batch size HubSpot says it accepts, when it refused a batch for being too large."""
    found = _BATCH_MAXIMUM.search(rejection.message)
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


def _details(error: dict[str, Any]) -> list[_Detail]:
    listed = [_from_errors_entry(e) for e in error.get("errors") or [] if isinstance(e, dict)]
    if listed:
        return listed
    embedded = _EMBEDDED_LIST.search(str(error.get("message") or ""))
    if not embedded:
        return []
    try:
        entries = json.loads(embedded.group(1))
    except json.JSONDecodeError:
        return []
    return [_from_embedded_entry(e) for e in entries if isinstance(e, dict)]


def _from_errors_entry(entry: dict[str, Any]) -> _Detail:
    names = (entry.get("context") or {}).get("propertyName") or [None]
    return _Detail(
        str(entry.get("code") or "VALIDATION_ERROR"), str(entry.get("message") or ""), names[0]
    )


def _from_embedded_entry(entry: dict[str, Any]) -> _Detail:
    message = entry.get("message") or entry.get("localizedErrorMessage") or ""
    return _Detail(str(entry.get("error") or "VALIDATION_ERROR"), str(message), entry.get("name"))
