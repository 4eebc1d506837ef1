"""HubSpot's standard object types other than contacts: type ids, required and default
properties, searchable properties, and the last-modified property (hs_lastmodifieddate for every
type but contacts; engagements, quotes, leads, goal targets and feedback submissions are created
at hs_createdate)."""

from __future__ import annotations

from syncer.sandbox.hubspot.schema import ObjectTypeSpec

_MODIFIED = "hs_lastmodifieddate"
_ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def _crm(
    names: str, defaults: str, searchable: str, *,
    required: tuple[tuple[str, ...], ...] = (), mergeable: bool = False,
) -> ObjectTypeSpec:  # fmt: skip
    """`names`: "plural typeId TYPE_WORD singular"."""
    name, type_id, word, singular = names.split()
    return ObjectTypeSpec(
        name=name,
        type_id=type_id,
        type_word=word,
        modified_property=_MODIFIED,
        default_properties=tuple(defaults.split(",")),
        searchable_properties=tuple(searchable.split(",")),
        singular=singular,
        required=required,
        mergeable=mergeable,
    )


def _engagement(
    name: str, type_id: str, singular: str, searchable: str, *, required: tuple[str, ...]
) -> ObjectTypeSpec:
    """Engagements and the other types created at `hs_createdate` with only the system
    properties by default."""
    return ObjectTypeSpec(
        name=name,
        type_id=type_id,
        type_word=singular.upper(),
        modified_property=_MODIFIED,
        default_properties=_ENGAGEMENT_DEFAULTS,
        searchable_properties=tuple(searchable.split(",")),
        created_property="hs_createdate",
        singular=singular,
        required=tuple((name,) for name in required),
    )


COMPANIES = _crm(
    "companies 0-2 COMPANY company",
    "name,domain,createdate,hs_lastmodifieddate,hs_object_id", "website,phone,name,domain",
    required=(("domain", "name"),), mergeable=True,
)  # fmt: skip
DEALS = _crm(
    "deals 0-3 DEAL deal",
    "dealname,amount,closedate,pipeline,dealstage,createdate,hs_lastmodifieddate,hs_object_id",
    "dealname,pipeline,dealstage,description,dealtype",
    required=(("dealname",), ("dealstage",), ("pipeline",)), mergeable=True,
)  # fmt: skip
TICKETS = _crm(
    "tickets 0-5 TICKET ticket",
    "content,hs_pipeline,hs_pipeline_stage,hs_ticket_category,hs_ticket_priority,subject,"
    "createdate,hs_lastmodifieddate,hs_object_id",
    "subject,content,hs_pipeline_stage,hs_ticket_category,hs_ticket_id",
    required=(("subject",), ("hs_pipeline_stage",), ("hs_pipeline",)), mergeable=True,
)  # fmt: skip
PRODUCTS = _crm(
    "products 0-7 PRODUCT product",
    "name,description,price,createdate,hs_lastmodifieddate,hs_object_id",
    "name,description,price,hs_sku",
    # As the "Using Object APIs" page lists them.
    required=(("hs_sku",), ("hs_folder",), ("price",), ("name",), ("description",)),
)  # fmt: skip
LINE_ITEMS = _crm(
    "line_items 0-8 LINE_ITEM line_item",
    "quantity,amount,price,createdate,hs_lastmodifieddate,hs_object_id", "name,hs_sku",
)  # fmt: skip
NOTES = _engagement("notes", "0-46", "note", "hs_note_body", required=("hs_timestamp",))
TASKS = _engagement(
    "tasks", "0-27", "task", "hs_task_body,hs_task_subject", required=("hs_timestamp",)
)
CALLS = _engagement(
    "calls", "0-48", "call", "hs_call_title,hs_body_preview", required=("hs_timestamp",)
)
MEETINGS = _engagement(
    "meetings", "0-47", "meeting", "hs_meeting_title,hs_meeting_body", required=("hs_timestamp",)
)
EMAILS = _engagement(
    "emails", "0-49", "email", "hs_email_subject", required=("hs_timestamp", "hs_email_direction")
)

COMMUNICATIONS = _engagement(
    "communications", "0-18", "communication", "hs_communication_body",
    required=("hs_communication_channel_type", "hs_communication_logged_from"),
)  # fmt: skip
POSTAL_MAIL = _engagement(
    "postal_mail", "0-116", "postal_mail", "hs_postal_mail_body", required=("hs_timestamp",)
)
QUOTES = _engagement(
    "quotes", "0-14", "quote", "hs_title", required=("hs_title", "hs_expiration_date")
)
LEADS = _engagement("leads", "0-136", "lead", "hs_lead_name", required=())
FEEDBACK_SUBMISSIONS = _engagement(
    "feedback_submissions", "0-19", "feedback_submission", "hs_content", required=()
)
GOAL_TARGETS = _engagement("goal_targets", "0-74", "goal_target", "hs_goal_name", required=())

STANDARD_TYPES: tuple[ObjectTypeSpec, ...] = (
    COMPANIES, DEALS, TICKETS, PRODUCTS, LINE_ITEMS, NOTES, TASKS, CALLS, MEETINGS, EMAILS,
    COMMUNICATIONS, POSTAL_MAIL, QUOTES, LEADS, FEEDBACK_SUBMISSIONS, GOAL_TARGETS,
)  # fmt: skip

# The activities HubSpot calls engagements (their unique properties are a knob: config.py).
ENGAGEMENT_TYPE_IDS = frozenset({"0-46", "0-27", "0-48", "0-47", "0-49"})


def is_engagement(spec: ObjectTypeSpec) -> bool:
    return spec.type_id in ENGAGEMENT_TYPE_IDS
