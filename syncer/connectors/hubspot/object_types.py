"""HubSpot object types: what differs between them, so one code path serves every type.

Standard types are known by plural name or type id (HubSpot's object APIs): contacts keep the
pre-`hs_` last-modified property, every other type uses `hs_lastmodifieddate`; each type has its
own required properties on create (an inner tuple means "one of these"); only contacts,
companies, deals, tickets and custom objects can be merged. Custom objects are found through the
schemas API by name, plural label, `2-…` type id or fully qualified name `p{portal}_{name}`, and
are addressed by their type id in every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncer.errors import ConfigError

HS_MODIFIED = "hs_lastmodifieddate"
SCHEMAS_PATH = "/crm-object-schemas/v3/schemas"


@dataclass(frozen=True, slots=True)
class ObjectType:
    name: str  # the plural name (standard) or the schema's name (custom)
    type_id: str  # "0-1", "2-1234"
    path_name: str  # the `{objectType}` segment of API paths
    modified_property: str = HS_MODIFIED
    required: tuple[tuple[str, ...], ...] = ()
    mergeable: bool = False
    engagement: bool = False  # notes, tasks, calls, meetings, emails: see engagement_ids.py

    @property
    def is_contacts(self) -> bool:
        return self.type_id == "0-1"

    def missing_required(self, mapped: set[str]) -> list[str]:
        """Required properties (or alternatives, joined by "|") that `mapped` does not cover."""
        return ["|".join(group) for group in self.required if not mapped.intersection(group)]


def _standard(
    name: str,
    type_id: str,
    *required: tuple[str, ...],
    mergeable: bool = False,
    engagement: bool = False,
) -> ObjectType:
    modified = "lastmodifieddate" if name == "contacts" else HS_MODIFIED
    return ObjectType(name, type_id, name, modified, tuple(required), mergeable, engagement)


_TIMESTAMP = ("hs_timestamp",)
STANDARD_TYPES = (
    _standard("contacts", "0-1", mergeable=True),
    _standard("companies", "0-2", ("domain", "name"), mergeable=True),
    _standard("deals", "0-3", ("dealname",), ("dealstage",), ("pipeline",), mergeable=True),
    _standard(
        "tickets", "0-5", ("subject",), ("hs_pipeline_stage",), ("hs_pipeline",), mergeable=True
    ),
    # As HubSpot's "Using Object APIs" page lists them.
    _standard(
        "products", "0-7", ("hs_sku",), ("hs_folder",), ("price",), ("name",), ("description",)
    ),
    _standard("line_items", "0-8"),
    _standard("tasks", "0-27", _TIMESTAMP, engagement=True),
    _standard("notes", "0-46", _TIMESTAMP, engagement=True),
    _standard("meetings", "0-47", _TIMESTAMP, engagement=True),
    _standard("calls", "0-48", _TIMESTAMP, engagement=True),
    _standard("emails", "0-49", _TIMESTAMP, ("hs_email_direction",), engagement=True),
)
_BY_NAME = {t.name: t for t in STANDARD_TYPES} | {t.type_id: t for t in STANDARD_TYPES}


def standard_type(name: str) -> ObjectType | None:
    return _BY_NAME.get(name)


def custom_type(name: str, schemas: list[dict[str, Any]]) -> ObjectType:
    """The custom object called `name` among the schemas API's `results`."""
    for schema in schemas:
        labels = schema.get("labels") or {}
        aliases = {
            str(schema.get("name") or "").lower(),
            str(labels.get("plural") or "").lower(),
            str(schema.get("objectTypeId") or ""),
            str(schema.get("fullyQualifiedName") or "").lower(),
        }
        if name.lower() in aliases:
            type_id = str(schema["objectTypeId"])
            required = tuple((str(p),) for p in schema.get("requiredProperties") or [])
            return ObjectType(
                str(schema.get("name")), type_id, type_id, HS_MODIFIED, required, True
            )
    known = sorted(str(s.get("name")) for s in schemas)
    raise ConfigError(
        f"HubSpot object type {name!r} is neither a standard type "
        f"({', '.join(t.name for t in STANDARD_TYPES)}) nor a custom object of this portal "
        f"(custom objects: {', '.join(known) or 'none'})"
    )
