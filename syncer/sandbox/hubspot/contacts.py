"""The contacts object type (0-1) and its HubSpot-defined properties."""

from __future__ import annotations

from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup
from syncer.sandbox.hubspot.standard_properties import owner_property

CONTACTS = ObjectTypeSpec(
    name="contacts",
    type_id="0-1",
    type_word="CONTACT",
    modified_property="lastmodifieddate",
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    searchable_properties=(
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
        "hs_marketable_until_renewal",
    ),
    unique_email=True,
    forward_only=("lifecyclestage",),
    singular="contact",
    mergeable=True,
)

LIFECYCLE_STAGES = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

LEAD_STATUSES = (
    ("NEW", "New"), ("OPEN", "Open"), ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"), ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"), ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)  # fmt: skip
_CHOICES = {"lifecyclestage": LIFECYCLE_STAGES, "hs_lead_status": LEAD_STATUSES}

# name, label, type, fieldType, group, read-only value
_STANDARD: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("email", "Email", "string", "text", "contactinformation", False),
    ("firstname", "First Name", "string", "text", "contactinformation", False),
    ("lastname", "Last Name", "string", "text", "contactinformation", False),
    ("phone", "Phone Number", "string", "phonenumber", "contactinformation", False),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", "contactinformation", False),
    ("fax", "Fax Number", "string", "phonenumber", "contactinformation", False),
    ("company", "Company Name", "string", "text", "contactinformation", False),
    ("website", "Website URL", "string", "text", "contactinformation", False),
    ("address", "Street Address", "string", "text", "contactinformation", False),
    ("city", "City", "string", "text", "contactinformation", False),
    ("state", "State/Region", "string", "text", "contactinformation", False),
    ("zip", "Postal Code", "string", "text", "contactinformation", False),
    ("country", "Country/Region", "string", "text", "contactinformation", False),
    ("jobtitle", "Job Title", "string", "text", "contactinformation", False),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", False),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", "contactinformation", False),
    ("salutation", "Salutation", "string", "text", "contactinformation", False),
    ("industry", "Industry", "string", "text", "contactinformation", False),
    ("annualrevenue", "Annual Revenue", "string", "text", "contactinformation", False),
    ("date_of_birth", "Date of birth", "string", "text", "contactinformation", False),
    ("message", "Message", "string", "textarea", "contactinformation", False),
    ("twitterhandle", "Twitter Username", "string", "text", "contactinformation", False),
    ("hs_whatsapp_phone_number", "WhatsApp Phone Number", "string", "phonenumber",
     "contactinformation", False),
    ("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox",
     "contactinformation", True),
    ("hs_object_id", "Record ID", "number", "number", "contactinformation", True),
    ("createdate", "Create Date", "datetime", "date", "contactinformation", True),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation", True),
    ("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "checkbox",
     "contactinformation", True),
)  # fmt: skip


def contact_groups() -> list[PropertyGroup]:
    return [
        PropertyGroup("contactinformation", "Contact information", 0),
        PropertyGroup("conversioninformation", "Conversion information", 1),
    ]


def contact_properties(now_ms: int) -> list[PropertyDef]:
    definitions = [
        PropertyDef(
            name=name,
            label=label,
            type=type_,
            field_type=field_type,
            group_name=group,
            hubspot_defined=True,
            read_only_value=read_only,
            form_field=not read_only,
            created_ms=now_ms,
            updated_ms=now_ms,
        )
        for name, label, type_, field_type, group, read_only in _STANDARD
    ]
    for definition in definitions:
        choices = _CHOICES.get(definition.name, ())
        definition.options = [
            {"label": label, "value": value, "displayOrder": order, "hidden": False,
             "description": ""}
            for order, (value, label) in enumerate(choices)
        ]  # fmt: skip
    definitions.append(owner_property("contactinformation", now_ms))
    return definitions
