"""Property definitions, property groups and object types: the shape of a portal's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncer.sandbox.hubspot.timefmt import iso_ms

# Which fieldType each property type accepts.
FIELD_TYPES_BY_TYPE: dict[str, frozenset[str]] = {
    "bool": frozenset({"booleancheckbox", "calculation_equation"}),
    "enumeration": frozenset(
        {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"}
    ),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date"}),
    "string": frozenset(
        {"text", "textarea", "file", "html", "phonenumber", "calculation_equation"}
    ),
    "number": frozenset({"number", "calculation_equation"}),
    "phone_number": frozenset({"phonenumber"}),
}

# Values of these types compare as numbers (epoch ms for dates) in search.
NUMERIC_TYPES = frozenset({"number", "date", "datetime"})

MAX_UNIQUE_PROPERTIES = 10


@dataclass
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    hubspot_defined: bool = False
    read_only_value: bool = False
    referenced_object_type: str | None = None  # "OWNER": values are owner ids, not options
    created_ms: int = 0
    updated_ms: int = 0
    archived_ms: int | None = None

    @property
    def option_values(self) -> list[str]:
        return [str(option["value"]) for option in self.options]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "updatedAt": iso_ms(self.updated_ms),
            "createdAt": iso_ms(self.created_ms),
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": self.options,
            "displayOrder": self.display_order,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "formField": self.form_field,
            "dataSensitivity": "non_sensitive",
            "archived": self.archived_ms is not None,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        if self.archived_ms is not None:
            body["archivedAt"] = iso_ms(self.archived_ms)
        if self.referenced_object_type:
            body["referencedObjectType"] = self.referenced_object_type
        return body


@dataclass
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": False,
        }


@dataclass(frozen=True)
class ObjectTypeSpec:
    """What differs between object types; everything else is shared code."""

    name: str  # plural path name, e.g. "contacts"
    type_id: str  # e.g. "0-1"
    type_word: str  # upper-case singular used in error texts, e.g. "CONTACT"
    modified_property: str  # contacts: lastmodifieddate; others: hs_lastmodifieddate
    default_properties: tuple[str, ...]
    searchable_properties: tuple[str, ...]  # what a free-text `query` looks at
    unique_email: bool = False  # contacts: email is a case-insensitive unique identifier
    # Enumerations whose value may only move forward through the options (to go back, clear
    # it first); contacts: lifecyclestage.
    forward_only: tuple[str, ...] = ()
    created_property: str = "createdate"
    singular: str = ""  # v4 association paths and v3 association type names: "contact"
    # Each inner tuple: at least one of these must have a value on create.
    required: tuple[tuple[str, ...], ...] = ()
    mergeable: bool = False
    fully_qualified_name: str = ""  # custom objects: p{portalId}_{name}

    @property
    def system_properties(self) -> tuple[str, ...]:
        """Returned with every record, whatever `properties` asked for."""
        return (self.created_property, "hs_object_id", self.modified_property)

    @property
    def aliases(self) -> tuple[str, ...]:
        """Every name a path may use for this type."""
        names = (self.name, self.type_id, self.singular, self.fully_qualified_name)
        return tuple(name for name in names if name)
