"""The search pseudo-property `associations.{type}`: records linked to a given record, e.g.
`{"propertyName": "associations.contact", "operator": "EQ", "value": "123"}`. HubSpot does not
support it for custom-object associations; neither does this."""

from __future__ import annotations

from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.portal import Portal
from syncer.sandbox.hubspot.search_query import Filter, Predicate, SearchRequest

PREFIX = "associations."


def association_predicates(
    portal: Portal, collection: ObjectCollection, search: SearchRequest
) -> dict[Filter, Predicate]:
    return {
        flt: _predicate(portal, collection, flt)
        for group in search.groups
        for flt in group
        if flt.property_name.startswith(PREFIX)
    }


def _predicate(portal: Portal, collection: ObjectCollection, flt: Filter) -> Predicate:
    type_name = flt.property_name.removeprefix(PREFIX)
    try:
        other = portal.collection(type_name)
    except ApiError:
        raise validation(f"{flt.property_name}: unknown object type {type_name!r}") from None
    if other.custom is not None or collection.custom is not None:
        raise validation(f"{flt.property_name}: custom object associations cannot be searched")
    if flt.operator == "EQ":
        wanted = [flt.value or ""]
    elif flt.operator == "IN":
        wanted = list(flt.values)
    else:
        raise validation(f"{flt.property_name} supports the EQ and IN operators only")
    linked: set[str] = set()
    for key in wanted:
        if key.strip().isdigit():
            source = (other.spec.type_id, other.resolve(int(key)))
            targets = portal.associations.targets(source, collection.spec.type_id)
            linked.update(str(record_id) for record_id, _ in targets)
    return lambda props: props.get("hs_object_id") in linked
