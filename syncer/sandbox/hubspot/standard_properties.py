"""HubSpot-defined properties and groups of the standard object types other than contacts.

Each entry is `name:type:fieldType[:ro]`; enumerations take their options from `_OPTIONS`.
The list is the subset a sync engine meets, not HubSpot's full catalogue.
"""

from __future__ import annotations

from syncer.sandbox.hubspot.more_properties import ATTACHMENTS, MORE_PROPERTIES, TYPE_OPTIONS
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup

_OWNER = "hubspot_owner_id:enumeration:select"
_ENGAGEMENT = (
    "hs_timestamp:datetime:date", _OWNER, "hs_body_preview:string:text:ro", ATTACHMENTS,
)  # fmt: skip

_PROPERTIES: dict[str, tuple[str, ...]] = {
    "companies": (
        "name:string:text", "domain:string:text", "website:string:text", "phone:string:text",
        "city:string:text", "state:string:text", "country:string:text", "industry:string:text",
        "description:string:textarea", "numberofemployees:number:number",
        "annualrevenue:number:number", "lifecyclestage:enumeration:radio", _OWNER,
        "address:string:text", "address2:string:text", "zip:string:text",
        "timezone:string:text", "type:enumeration:select", "hs_lead_status:enumeration:radio",
        "linkedin_company_page:string:text", "founded_year:string:text",
        "about_us:string:textarea", "is_public:bool:booleancheckbox",
    ),
    "deals": (
        "dealname:string:text", "amount:number:number", "closedate:datetime:date",
        "pipeline:enumeration:select", "dealstage:enumeration:radio",
        "dealtype:enumeration:radio", "description:string:textarea", _OWNER,
        "hs_priority:enumeration:radio", "deal_currency_code:string:text",
        "hs_next_step:string:textarea", "closed_lost_reason:string:textarea",
        "closed_won_reason:string:textarea",
    ),
    "tickets": (
        "subject:string:text", "content:string:textarea", "hs_pipeline:enumeration:select",
        "hs_pipeline_stage:enumeration:radio", "hs_ticket_category:enumeration:checkbox",
        "hs_ticket_priority:enumeration:radio", "hs_ticket_id:number:number:ro", _OWNER,
        "source_type:enumeration:select", "hs_resolution:enumeration:select",
    ),
    "products": (
        "name:string:text", "description:string:textarea", "price:number:number",
        "hs_sku:string:text", "hs_folder:string:text", "hs_cost_of_goods_sold:number:number",
        "hs_url:string:text", "hs_product_type:enumeration:select",
        "recurringbillingfrequency:enumeration:select", "hs_recurring_billing_period:string:text",
    ),
    "line_items": (
        "name:string:text", "quantity:number:number", "price:number:number",
        "amount:number:number:ro", "hs_product_id:string:text", "hs_sku:string:text",
        "description:string:textarea", "discount:number:number",
        "hs_discount_percentage:number:number",
        "hs_line_item_currency_code:string:text", "recurringbillingfrequency:enumeration:select",
        "hs_recurring_billing_period:string:text", "hs_recurring_billing_start_date:date:date",
        "hs_position_on_quote:number:number",
    ),
    "notes": (*_ENGAGEMENT, "hs_note_body:string:html"),
    "tasks": (
        *_ENGAGEMENT, "hs_task_body:string:html", "hs_task_subject:string:text",
        "hs_task_status:enumeration:select", "hs_task_priority:enumeration:select",
        "hs_task_type:enumeration:select", "hs_task_reminders:string:text",
    ),
    "calls": (
        *_ENGAGEMENT, "hs_call_title:string:text", "hs_call_body:string:html",
        "hs_call_duration:number:number", "hs_call_direction:enumeration:select",
        "hs_call_status:enumeration:select", "hs_call_disposition:string:text",
        "hs_call_from_number:string:text", "hs_call_to_number:string:text",
        "hs_call_recording_url:string:text", "hs_activity_type:string:text",
    ),
    "meetings": (
        *_ENGAGEMENT, "hs_meeting_title:string:text", "hs_meeting_body:string:html",
        "hs_meeting_start_time:datetime:date", "hs_meeting_end_time:datetime:date",
        "hs_meeting_outcome:enumeration:select", "hs_meeting_location:string:text",
        "hs_meeting_external_url:string:text", "hs_internal_meeting_notes:string:html",
        "hs_activity_type:string:text",
    ),
    "emails": (
        *_ENGAGEMENT, "hs_email_subject:string:text", "hs_email_text:string:textarea",
        "hs_email_html:string:html", "hs_email_direction:enumeration:select",
        "hs_email_status:enumeration:select", "hs_email_headers:string:text",
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
    "type": ("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"),
    "hs_lead_status": ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED",
                       "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"),
    "hs_priority": ("low", "medium", "high"),
    "source_type": ("CHAT", "EMAIL", "FORM", "PHONE"),
    "hs_resolution": ("ISSUE_FIXED", "NO_ACTION_NEEDED", "DUPLICATE", "OTHER"),
    "hs_product_type": ("inventory", "non_inventory", "service"),
    "recurringbillingfrequency": ("weekly", "biweekly", "monthly", "quarterly", "per_six_months",
                                  "annually", "per_two_years", "per_three_years"),
}  # fmt: skip


def standard_groups(spec: ObjectTypeSpec) -> list[PropertyGroup]:
    word = spec.singular.replace("_", "")
    return [PropertyGroup(f"{word}information", f"{spec.singular.title()} information", 0)]


def standard_properties(spec: ObjectTypeSpec, now_ms: int) -> list[PropertyDef]:
    group = standard_groups(spec)[0].name
    entries = [
        *_PROPERTIES.get(spec.name, ()), *MORE_PROPERTIES.get(spec.name, ()),
        *system_entries(spec),
    ]  # fmt: skip
    options = {**_OPTIONS, **TYPE_OPTIONS.get(spec.name, {})}
    return [_definition(entry, group, now_ms, options) for entry in entries]


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
    return _definition(_OWNER, group, now_ms, {})


def _definition(
    entry: str, group: str, now_ms: int, options: dict[str, tuple[str, ...]]
) -> PropertyDef:
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
        for order, value in enumerate(options.get(name, ()))
    ]  # fmt: skip
    return definition
