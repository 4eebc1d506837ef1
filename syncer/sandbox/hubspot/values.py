"""Validate and normalise property values sent in a write, the way HubSpot stores them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from syncer.sandbox.hubspot.errors import PropertyProblem, property_values_invalid, validation
from syncer.sandbox.hubspot.schema import PropertyDef
from syncer.sandbox.hubspot.timefmt import is_midnight_utc, iso_date, iso_ms, parse_epoch_ms

# An address as HubSpot takes it: a local part without spaces, control characters or the
# specials that need quoting, no leading, trailing or doubled dot; a domain of letter/digit
# labels (hyphens inside) and a top-level label of two or more letters.
_EMAIL_LOCAL = r"[^\s@\"(),:;<>\[\]\\\x00-\x1f\x7f]+"
_EMAIL_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
_EMAIL = re.compile(
    rf"(?!\.)(?!.*\.\.)(?:{_EMAIL_LOCAL})(?<!\.)@(?:{_EMAIL_LABEL}\.)+[^\W\d_]{{2,}}"
)
MAX_EMAIL_LENGTH = 254
MAX_VALUE_LENGTH = 65_536  # HubSpot's longest property value, in characters
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def as_property_map(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise validation(f"{where}: 'properties' must be an object of name -> value")
    return raw


def stringify(value: Any) -> str | None:
    """HubSpot accepts JSON numbers and booleans and stores their text; null clears."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def normalise_values(
    raw: Mapping[str, Any],
    definitions: Mapping[str, PropertyDef],
    owner_ids: AbstractSet[str] = frozenset(),
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Values as they will be stored ("" = clear), and every problem found (all of them, not the
    first, like HubSpot's `Property values were not valid: [...]`). Owner fields must name one
    of `owner_ids` once any owner exists (before that, any numeric id passes)."""
    values: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    for name, value in raw.items():
        definition = definitions.get(name)
        if definition is None:
            message = f'Property "{name}" does not exist'
            problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST", message))
            continue
        if definition.read_only_value:
            message = f'"{name}" is a calculated property; its value cannot be set.'
            problems.append(PropertyProblem(name, "READ_ONLY_VALUE", message))
            continue
        text = stringify(value)
        if text is None:
            message = f"{name}: expected a string, number or boolean, got {type(value).__name__}"
            problems.append(PropertyProblem(name, "INVALID_PROPERTY_VALUE", message))
            continue
        if len(text) > MAX_VALUE_LENGTH:
            message = (
                f"{name}: the value has {len(text)} characters, more than the "
                f"{MAX_VALUE_LENGTH} a property value may have"
            )
            problems.append(PropertyProblem(name, "INVALID_PROPERTY_VALUE", message))
            continue
        try:
            values[name] = normalise_one(definition, text) if text != "" else ""
            _check_owner(definition, values[name], owner_ids)
        except ValueProblem as problem:
            problems.append(PropertyProblem(name, problem.code, problem.message))
    return values, problems


class ValueProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise_one(definition: PropertyDef, text: str) -> str:
    if definition.name == "email":
        return _email(text)
    checker = _BY_TYPE.get(definition.type)
    return checker(definition, text) if checker else text


def _check_owner(definition: PropertyDef, value: str, owner_ids: AbstractSet[str]) -> None:
    is_owner_field = definition.referenced_object_type == "OWNER"
    if value and owner_ids and is_owner_field and value not in owner_ids:
        raise ValueProblem(
            "INVALID_OWNER_ID",
            f"{value} is not a valid owner id (owners use their id, not userId)",
        )


def _email(text: str) -> str:
    # HubSpot keeps contact emails trimmed and lower-cased.
    email = text.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise ValueProblem("INVALID_EMAIL", f"Email address {text} is invalid")
    return email


def _enumeration(definition: PropertyDef, text: str) -> str:
    if definition.referenced_object_type == "OWNER":
        # Owner fields take the owner's numeric id (not its userId), not an option value.
        if not text.strip().isdigit():
            raise ValueProblem("INVALID_OWNER_ID", f"{text} is not a valid owner id")
        return text.strip()
    allowed = definition.option_values
    is_multi = definition.field_type == "checkbox"
    chosen = [part for part in text.split(";") if part] if is_multi else [text]
    for value in chosen:
        if value not in allowed:
            raise ValueProblem(
                "INVALID_OPTION",
                f"{value} was not one of the allowed options: [{', '.join(allowed)}]",
            )
    return text


def _number(definition: PropertyDef, text: str) -> str:
    if not _NUMBER.match(text.strip()):
        raise ValueProblem("INVALID_INTEGER", f"{text} was not a valid number")
    return text.strip()


def _bool(definition: PropertyDef, text: str) -> str:
    lowered = text.strip().lower()
    if lowered not in {"true", "false"}:
        raise ValueProblem("INVALID_BOOLEAN", f"{text} was not a valid boolean (true or false)")
    return lowered


def _datetime(definition: PropertyDef, text: str) -> str:
    epoch_ms = parse_epoch_ms(text)
    if epoch_ms is None:
        raise ValueProblem(
            "INVALID_DATE", f"{text} was not a valid date-time (ISO-8601 or epoch milliseconds)"
        )
    return iso_ms(epoch_ms)


def _date(definition: PropertyDef, text: str) -> str:
    epoch_ms = parse_epoch_ms(text)
    if epoch_ms is None or not is_midnight_utc(epoch_ms):
        raise ValueProblem(
            "INVALID_DATE",
            f"{text} is not a valid date: send YYYY-MM-DD or epoch milliseconds at midnight UTC",
        )
    return iso_date(epoch_ms)


_BY_TYPE = {
    "enumeration": _enumeration,
    "number": _number,
    "bool": _bool,
    "datetime": _datetime,
    "date": _date,
}


def require_valid(problems: list[PropertyProblem], portal_id: int) -> None:
    if problems:
        raise property_values_invalid(problems, portal_id)
