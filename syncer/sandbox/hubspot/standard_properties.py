"""HubSpot-defined properties and groups of the standard object types other than contacts.

Each entry is `name:type:fieldType[:ro]`; enumerations take their options from `_OPTIONS`.
The list is the subset a sync engine meets, not HubSpot's full catalogue.
"""

from __future__ import annotations

from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup

_OWNER = "hubspot_owner_id:enumeration:select"
_ENGAGEMENT = ("hs_timestamp:datetime:date", _OWNER, "hs_body_preview:string:text:ro")

_PROPERTIES: dict[str, tuple[str, ...]] = {
    "companies": (
        "name:string:text", "domain:string:text", "website:string:text", "phone:string:text",
        "city:string:text", "state:string:text", "country:string:text", "industry:string:text",
        "description:string:textarea", "numberofemployees:number:number",
        "annualrevenue:number:number", "lifecyclestage:enumeration:radio", _OWNER,
    ),
    "deals": (
        "dealname:string:text", "amount:number:number", "closedate:datetime:date",
        "pipeline:enumeration:select", "dealstage:enumeration:radio",
        "dealtype:enumeration:radio", "description:string:textarea", _OWNER,
    ),
    "tickets": (
        "subject:string:text", "content:string:textarea", "hs_pipeline:enumeration:select",
        "hs_pipeline_stage:enumeration:radio", "hs_ticket_category:enumeration:checkbox",
        "hs_ticket_priority:enumeration:radio", "hs_ticket_id:number:number:ro", _OWNER,
    ),
    "products": (
        "name:string:text", "description:string:textarea", "price:number:number",
        "hs_sku:string:text", "hs_folder:string:text", "hs_cost_of_goods_sold:number:number",
    ),
    "line_items": (
        "name:string:text", "quantity:number:number", "price:number:number",
        "amount:number:number:ro", "hs_product_id:string:text", "hs_sku:string:text",
        "description:string:textarea",
    ),
    "notes": (*_ENGAGEMENT, "hs_note_body:string:html"),
    "tasks": (
        *_ENGAGEMENT, "hs_task_body:string:html", "hs_task_subject:string:text",
        "hs_task_status:enumeration:select", "hs_task_priority:enumeration:select",
        "hs_task_type:enumeration:select",
    ),
    "calls": (
        *_ENGAGEMENT, "hs_call_title:string:text", "hs_call_body:string:html",
        "hs_call_duration:number:number", "hs_call_direction:enumeration:select",
        "hs_call_status:enumeration:select",
    ),
    "meetings": (
        *_ENGAGEMENT, "hs_meeting_title:string:text", "hs_meeting_body:string:html",
        "hs_meeting_start_time:datetime:date", "hs_meeting_end_time:datetime:date",
        "hs_meeting_outcome:enumeration:select",
    ),
    "emails": (
        *_ENGAGEMENT, "hs_email_subject:string:text", "hs_email_text:string:textarea",
        "hs_email_html:string:html", "hs_email_direction:enumeration:select",
        "hs_email_status:enumeration:select",
    ),
}  # fmt: skip

_OPTIONS: dict[str, tuple[str, ...]] = {
    "lifecyclestage": (
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
        "customer", "evangelist", "other",
    ),
    "pipeline": ("default",),
    "dealstage": (
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "closedwon", "closedlost",
    ),
    "dealtype": ("newbusiness", "existingbusiness"),
    "hs_pipeline": ("0",),
    "hs_pipeline_stage": ("1", "2", "3", "4"),
    "hs_ticket_category": ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"),
    "hs_ticket_priority": ("LOW", "MEDIUM", "HIGH", "URGENT"),
    "hs_task_status": ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
    "hs_task_priority": ("NONE", "LOW", "MEDIUM", "HIGH"),
    "hs_task_type": ("TODO", "CALL", "EMAIL"),
    "hs_call_direction": ("INBOUND", "OUTBOUND"),
    "hs_call_status": ("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING",
                       "FAILED", "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING"),
    "hs_meeting_outcome": ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
    "hs_email_direction": ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
    "hs_email_status": ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
}  # fmt: skip


def standard_groups(spec: ObjectTypeSpec) -> list[PropertyGroup]:
    word = spec.singular.replace("_", "")
    return [PropertyGroup(f"{word}information", f"{spec.singular.title()} information", 0)]


def standard_properties(spec: ObjectTypeSpec, now_ms: int) -> list[PropertyDef]:
    group = standard_groups(spec)[0].name
    entries = [*_PROPERTIES.get(spec.name, ()), *system_entries(spec)]
    return [_definition(entry, group, now_ms) for entry in entries]


def system_entries(spec: ObjectTypeSpec) -> tuple[str, ...]:
    """What HubSpot maintains on every record of the type; custom objects share these."""
    entries = [
        "hs_object_id:number:number:ro",
        f"{spec.created_property}:datetime:date:ro",
        f"{spec.modified_property}:datetime:date:ro",
    ]
    if spec.mergeable:
        entries.append("hs_merged_object_ids:enumeration:checkbox:ro")
    return tuple(entries)


def owner_property(group: str, now_ms: int) -> PropertyDef:
    return _definition(_OWNER, group, now_ms)


def _definition(entry: str, group: str, now_ms: int) -> PropertyDef:
    name, type_, field_type, *flags = entry.split(":")
    read_only = "ro" in flags
    definition = PropertyDef(
        name=name,
        label=name.removeprefix("hs_").replace("_", " ").capitalize(),
        type=type_,
        field_type=field_type,
        group_name=group,
        hubspot_defined=True,
        read_only_value=read_only,
        form_field=not read_only,
        created_ms=now_ms,
        updated_ms=now_ms,
    )
    if name == "hubspot_owner_id":
        definition.label = "Owner"
        definition.referenced_object_type = "OWNER"
    definition.options = [
        {"label": value.replace("_", " ").title(), "value": value, "displayOrder": order,
         "hidden": False, "description": ""}
        for order, value in enumerate(_OPTIONS.get(name, ()))
    ]  # fmt: skip
    return definition
