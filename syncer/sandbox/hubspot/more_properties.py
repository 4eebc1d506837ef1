"""HubSpot-defined properties of the object types beyond the CRM's core (communications, postal
mail, quotes, leads, feedback submissions, goal targets), and options that differ by type.

Entries read as in standard_properties: `name:type:fieldType[:ro]`.
"""

from __future__ import annotations

OWNER = "hubspot_owner_id:enumeration:select"
ATTACHMENTS = "hs_attachment_ids:string:text"  # ";"-separated file ids

MORE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "communications": (
        "hs_timestamp:datetime:date", OWNER, "hs_communication_channel_type:enumeration:select",
        "hs_communication_logged_from:enumeration:select", "hs_communication_body:string:textarea",
        "hs_body_preview:string:text:ro", ATTACHMENTS,
    ),
    "postal_mail": (
        "hs_timestamp:datetime:date", OWNER, "hs_postal_mail_body:string:textarea",
        "hs_body_preview:string:text:ro", ATTACHMENTS,
    ),
    "quotes": (
        "hs_title:string:text", "hs_expiration_date:date:date", "hs_status:enumeration:select",
        "hs_language:string:text", "hs_currency:string:text", "hs_comments:string:textarea",
        "hs_terms:string:textarea", "hs_sender_firstname:string:text",
        "hs_sender_lastname:string:text", "hs_sender_email:string:text",
        "hs_sender_company_name:string:text", "hs_quote_amount:number:number:ro", OWNER,
    ),
    "leads": (
        "hs_lead_name:string:text", "hs_lead_type:enumeration:select",
        "hs_lead_label:enumeration:select", "hs_pipeline:enumeration:select",
        "hs_pipeline_stage:enumeration:select", OWNER,
    ),
    "feedback_submissions": (
        "hs_content:string:textarea", "hs_value:number:number", "hs_survey_type:enumeration:select",
        "hs_survey_name:string:text", "hs_response_group:enumeration:select",
        "hs_submission_timestamp:datetime:date",
    ),
    "goal_targets": (
        "hs_goal_name:string:text", "hs_target_amount:number:number",
        "hs_start_datetime:datetime:date", "hs_end_datetime:datetime:date", OWNER,
    ),
}  # fmt: skip

# type -> property -> option values, where a name means something else on another type
TYPE_OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "communications": {
        "hs_communication_channel_type": ("SMS", "WHATS_APP", "LINKEDIN_MESSAGE"),
        "hs_communication_logged_from": ("CRM",),
    },
    "quotes": {
        "hs_status": ("DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED", "REJECTED"),
    },
    "leads": {
        "hs_lead_type": ("NEW_BUSINESS", "EXISTING_BUSINESS", "RE_ATTEMPTING"),
        "hs_lead_label": ("COLD", "WARM", "HOT"),
        "hs_pipeline": ("lead-pipeline-id",),
        "hs_pipeline_stage": ("new-stage-id", "attempting-stage-id", "connected-stage-id",
                              "qualified-stage-id", "unqualified-stage-id"),
    },
    "feedback_submissions": {
        "hs_survey_type": ("NPS", "CSAT", "CES", "CUSTOM"),
        "hs_response_group": ("PROMOTER", "PASSIVE", "DETRACTOR"),
    },
}  # fmt: skip
