"""POST /crm/v3/objects/{objectType}/search: filter, sort and page what the index can see."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import validation
from syncer.sandbox.hubspot.portal import Call
from syncer.sandbox.hubspot.render import indexed_record_json
from syncer.sandbox.hubspot.search_associations import association_predicates
from syncer.sandbox.hubspot.search_query import (
    Filter,
    Predicate,
    SearchRequest,
    compile_filter,
    parse_search,
    range_bounds,
    sort_value,
)
from syncer.sandbox.hubspot.wire import Response

MAX_RESULT_WINDOW = 10_000
Linked = dict[Filter, Predicate]  # filters on associations.{type}, already compiled
_CACHE_SIZE = 16


def search_objects(call: Call) -> Response:
    collection = call.collection
    body = call.body()
    search = parse_search(body)
    if not call.config.search_id_in_filters:
        _refuse_id_lists(search)
    if search.after + search.limit > MAX_RESULT_WINDOW:
        raise validation(
            f"Search results are limited to {MAX_RESULT_WINDOW}: after ({search.after}) + "
            f"limit ({search.limit}) goes past it. Narrow the filters instead of paging further."
        )
    collection.search.catch_up(call.now_ms)
    linked = association_predicates(call.portal, collection, search)
    ids = _matching_ids(collection, search, body, linked)
    page = ids[search.after : search.after + search.limit]
    visible = collection.search.visible
    answer: dict[str, Any] = {
        "total": len(ids),
        "results": [
            indexed_record_json(collection, i, visible[i], search.properties) for i in page
        ],
    }
    if search.after + search.limit < len(ids):
        answer["paging"] = {"next": {"after": str(search.after + search.limit)}}
    return Response(200, answer)


def _refuse_id_lists(search: SearchRequest) -> None:
    for group in search.groups:
        for flt in group:
            if flt.property_name == "hs_object_id" and flt.operator in ("IN", "NOT_IN"):
                raise validation(f"Operator {flt.operator} is not supported for hs_object_id")


def _matching_ids(
    collection: ObjectCollection, search: SearchRequest, body: Any, linked: Linked
) -> list[int]:
    """All matching ids in result order. Paging repeats the same query, so the ordered list is
    cached until the index changes (not when it filters on associations, which the index
    version does not follow)."""
    if linked:
        return _sorted(collection, search, _filtered(collection, search, linked))
    index = collection.search
    key = json.dumps(
        {k: v for k, v in body.items() if k not in ("after", "limit", "properties")},
        sort_keys=True,
        default=str,
    )
    cached = index.results_cache.get(key)
    if cached is not None and cached[0] == index.version:
        return cached[1]
    ids = _sorted(collection, search, _filtered(collection, search, linked))
    if len(index.results_cache) >= _CACHE_SIZE:
        index.results_cache.clear()
    index.results_cache[key] = (index.version, ids)
    return ids


def _filtered(collection: ObjectCollection, search: SearchRequest, linked: Linked) -> list[int]:
    visible = collection.search.visible
    matches = _matcher(collection, search, linked)
    found = (i for i in _candidates(collection, search.groups) if i in visible)
    return [record_id for record_id in found if matches(visible[record_id])]


def _matcher(collection: ObjectCollection, search: SearchRequest, linked: Linked) -> Predicate:
    """One predicate for the whole request: the text query AND (group OR group ...)."""
    groups = [
        [
            linked.get(f) or compile_filter(f, collection.definitions.get(f.property_name))
            for f in group
        ]
        for group in search.groups
    ]
    text_match = _text_predicate(collection, search.query)
    if text_match is not None:
        groups = [[text_match, *group] for group in groups] if groups else [[text_match]]
    if not groups:
        return lambda props: True
    if len(groups) == 1 and len(groups[0]) == 1:
        return groups[0][0]
    return lambda props: any(all(p(props) for p in group) for group in groups)


def _candidates(collection: ObjectCollection, groups: list[list[Filter]]) -> Iterable[int]:
    """Ids that may match: a range filter on an indexed property narrows each group by bisect;
    a group without one means every visible record is a candidate."""
    index = collection.search
    if not groups:
        return index.visible.keys()
    found: set[int] = set()
    for group in groups:
        narrowed = _narrow(collection, group)
        if narrowed is None:
            return index.visible.keys()
        found.update(narrowed)
    return found


def _narrow(collection: ObjectCollection, group: list[Filter]) -> Iterable[int] | None:
    for flt in group:
        if collection.search.has_range(flt.property_name):
            bounds = range_bounds(flt)
            if bounds is not None:
                return collection.search.ids_between(flt.property_name, *bounds)
    return None


def _sorted(collection: ObjectCollection, search: SearchRequest, ids: list[int]) -> list[int]:
    """Sorted by the one sort rule (missing values last), ties by id ascending; no sort rule
    means creation order."""
    ids.sort()
    if search.sort is None:
        return ids
    name = search.sort.property_name
    definition = collection.definitions.get(name)
    visible = collection.search.visible
    keyed: list[tuple[Any, int]] = []
    missing: list[int] = []
    for record_id in ids:
        text = visible[record_id].get(name)
        value = None if text is None else sort_value(definition, text)
        if value is None:
            missing.append(record_id)
        else:
            keyed.append((value, record_id))
    # A stable sort keeps id order among equal values, in either direction.
    keyed.sort(key=lambda pair: pair[0], reverse=search.sort.descending)
    return [record_id for _, record_id in keyed] + missing


def _text_predicate(collection: ObjectCollection, query: str) -> Predicate | None:
    terms = query.lower().split()
    if not terms:
        return None
    searchable = collection.spec.searchable_properties

    def matches(props: dict[str, str]) -> bool:
        text = " ".join(props.get(name, "") for name in searchable).lower()
        return all(term in text for term in terms)

    return matches
