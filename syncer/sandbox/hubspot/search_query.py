"""A search request, checked against HubSpot's limits and compiled into predicates."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.errors import validation
from syncer.sandbox.hubspot.schema import NUMERIC_TYPES, PropertyDef
from syncer.sandbox.hubspot.timefmt import parse_epoch_ms

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_QUERY_CHARS = 3000
RANGE_OPERATORS = frozenset({"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"})

Properties = dict[str, str]
Predicate = Callable[[Properties], bool]
Comparable = float | str


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    value: str | None
    high_value: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Sort:
    property_name: str
    descending: bool


@dataclass(frozen=True)
class SearchRequest:
    groups: list[list[Filter]]
    sort: Sort | None
    query: str
    properties: list[str] | None
    limit: int
    after: int


def parse_search(body: dict[str, Any]) -> SearchRequest:
    groups = [_filters(group.get("filters")) for group in _list(body, "filterGroups")]
    top_level = _filters(body.get("filters"))
    if top_level:
        groups = [group + top_level for group in groups] if groups else [top_level]
    _check_filter_counts(groups, len(_list(body, "filterGroups")))
    query = str(body.get("query") or "")
    if len(query) > MAX_QUERY_CHARS:
        raise validation(f"The search query is {len(query)} characters; the maximum is 3000")
    properties = body.get("properties")
    return SearchRequest(
        groups=groups,
        sort=_sort(body.get("sorts")),
        query=query,
        properties=[str(p) for p in properties] if properties else None,
        limit=_int_field(body, "limit", 10, MAX_LIMIT),
        after=_int_field(body, "after", 0, None),
    )


def compile_filter(flt: Filter, definition: PropertyDef | None) -> Predicate:
    """A predicate over a record's stored properties. Missing values never match, except for
    the negative operators (NEQ, NOT_IN, NOT_HAS_PROPERTY, NOT_CONTAINS_TOKEN)."""
    kind = _kind(definition)
    name = flt.property_name
    if flt.operator == "HAS_PROPERTY":
        return lambda props: name in props
    if flt.operator == "NOT_HAS_PROPERTY":
        return lambda props: name not in props
    if flt.operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _token_predicate(flt, flt.operator == "NOT_CONTAINS_TOKEN")
    if flt.operator in ("IN", "NOT_IN"):
        wanted = {_filter_value(flt, v, kind, lower=False) for v in flt.values}
        return _value_predicate(name, kind, wanted.__contains__, flt.operator == "NOT_IN")
    target = _filter_value(flt, flt.value, kind)
    if flt.operator == "BETWEEN":
        high = _filter_value(flt, flt.high_value, kind)
        return _value_predicate(name, kind, lambda v: target <= v <= high, False)
    if flt.operator == "NEQ":
        return _value_predicate(name, kind, target.__eq__, True)
    # Bound methods of the target, flipped (v > t is t < v): one call per record, not two.
    flipped = {"EQ": "__eq__", "LT": "__gt__", "LTE": "__ge__", "GT": "__lt__", "GTE": "__le__"}
    return _value_predicate(name, kind, getattr(target, flipped[flt.operator]), False)


def _value_predicate(name: str, kind: str, check: Callable[[Any], bool], negate: bool) -> Predicate:
    """Kept flat on purpose: search runs this once per record per filter."""
    if kind == "string":

        def string_matches(props: Properties) -> bool:
            text = props.get(name)
            return negate if text is None else check(text.lower()) != negate

        return string_matches
    convert = _converter(kind)

    def value_matches(props: Properties) -> bool:
        text = props.get(name)
        value = None if text is None else convert(text)
        return negate if value is None else bool(check(value)) != negate

    return value_matches


def sort_value(definition: PropertyDef | None, text: str) -> Comparable | None:
    return _converter(_kind(definition))(text)


def range_bounds(flt: Filter) -> tuple[int | None, int | None] | None:
    """Integer [low, high] bounds a range filter puts on a numeric property, if it does."""
    if flt.operator not in RANGE_OPERATORS:
        return None
    low = _as_int(flt.value)
    high = _as_int(flt.high_value) if flt.operator == "BETWEEN" else low
    if low is None or high is None:
        return None
    bounds: dict[str, tuple[int | None, int | None]] = {
        "EQ": (low, low), "GT": (low + 1, None), "GTE": (low, None),
        "LT": (None, low - 1), "LTE": (None, low), "BETWEEN": (low, high),
    }  # fmt: skip
    return bounds[flt.operator]


# -- parsing -------------------------------------------------------------------------------

_OPERATORS = frozenset(
    {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
     "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
)  # fmt: skip


def _list(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise validation(f"Search '{key}' must be a list of objects")
    return value


def _filters(raw: Any) -> list[Filter]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise validation("Search 'filters' must be a list of objects")
    return [_filter(f) for f in raw]


def _filter(raw: dict[str, Any]) -> Filter:
    name, operator = raw.get("propertyName"), str(raw.get("operator", "EQ")).upper()
    if not isinstance(name, str) or not name:
        raise validation(f"Search filter {raw!r} needs a propertyName")
    if operator not in _OPERATORS:
        raise validation(f"Search filter on {name}: unknown operator {operator!r}")
    values = tuple(str(v) for v in raw.get("values") or [])
    value, high = raw.get("value"), raw.get("highValue")
    needs_value = operator not in {"HAS_PROPERTY", "NOT_HAS_PROPERTY", "IN", "NOT_IN"}
    if needs_value and value is None:
        raise validation(f"Search filter on {name}: operator {operator} needs a value")
    if operator == "BETWEEN" and high is None:
        raise validation(f"Search filter on {name}: BETWEEN needs a highValue")
    if operator in {"IN", "NOT_IN"} and not values:
        raise validation(f"Search filter on {name}: {operator} needs values")
    return Filter(name, operator, _as_text(value), _as_text(high), values)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _check_filter_counts(groups: list[list[Filter]], group_count: int) -> None:
    if group_count > MAX_GROUPS:
        raise validation(f"Too many filterGroups: {group_count}; the maximum is {MAX_GROUPS}")
    for group in groups:
        if len(group) > MAX_FILTERS_PER_GROUP:
            raise validation(
                f"Too many filters in a filterGroup: {len(group)}; "
                f"the maximum is {MAX_FILTERS_PER_GROUP}"
            )
    total = sum(len(group) for group in groups)
    if total > MAX_FILTERS:
        raise validation(f"Too many filters: {total} in all; the maximum is {MAX_FILTERS}")


def _sort(raw: Any) -> Sort | None:
    if not raw:
        return None
    if not isinstance(raw, list):
        raise validation("Search 'sorts' must be a list")
    first = raw[0]  # HubSpot applies one sort rule only
    if isinstance(first, str):
        return Sort(first.lstrip("-"), first.startswith("-"))
    if not isinstance(first, dict) or not first.get("propertyName"):
        raise validation(f"Search sort {first!r} needs a propertyName")
    direction = str(first.get("direction", "ASCENDING")).upper()
    if direction not in {"ASCENDING", "DESCENDING"}:
        raise validation(f"Search sort direction must be ASCENDING or DESCENDING, not {direction}")
    return Sort(str(first["propertyName"]), direction == "DESCENDING")


def _int_field(body: dict[str, Any], key: str, default: int, maximum: int | None) -> int:
    raw = body.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise validation(f"Search '{key}' must be an integer, got {raw!r}") from None
    if value < 0 or (maximum is not None and value > maximum):
        top = f" and {maximum}" if maximum is not None else ""
        raise validation(f"Search '{key}' must be between 0{top}, got {value}")
    return value


# -- comparing -----------------------------------------------------------------------------


def _kind(definition: PropertyDef | None) -> str:
    if definition is None:
        return "string"
    if definition.type in NUMERIC_TYPES:
        return "datetime" if definition.type in ("date", "datetime") else "number"
    return "enumeration" if definition.type == "enumeration" else "string"


def _converter(kind: str) -> Callable[[str], Comparable | None]:
    if kind == "datetime":
        return lambda text: _float(parse_epoch_ms(text))
    if kind == "number":
        return _number
    if kind == "enumeration":
        return lambda text: text  # enumeration values compare case-sensitively
    return lambda text: text.lower()


def _filter_value(flt: Filter, raw: str | None, kind: str, lower: bool = True) -> Comparable:
    if raw is None:
        raise validation(f"Search filter on {flt.property_name} is missing a value")
    if kind in ("datetime", "number"):
        value = _converter(kind)(raw)
        if value is None:
            raise validation(
                f"Search filter on {flt.property_name}: {raw!r} is not a valid "
                + ("date (epoch milliseconds or ISO-8601)" if kind == "datetime" else "number")
            )
        return value
    # IN/NOT_IN string values are used as given: HubSpot wants them lower-case already.
    return raw.lower() if lower and kind == "string" else raw


def _token_predicate(flt: Filter, negate: bool) -> Predicate:
    pattern = re.escape((flt.value or "").lower()).replace(r"\*", ".*")
    token = re.compile(f"^{pattern}$")
    name = flt.property_name

    def matches(props: Properties) -> bool:
        text = props.get(name)
        if text is None:
            return negate
        lowered = text.lower()
        found = bool(token.match(lowered)) or any(token.match(t) for t in lowered.split())
        return found != negate

    return matches


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _as_int(text: str | None) -> int | None:
    if text is None:
        return None
    parsed = parse_epoch_ms(text)
    return parsed
