"""HubSpot's outcome table and error-body parsing, on the bodies HubSpot documents for
validation errors, rate limits and its other failure statuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from syncer.connectors.hubspot.outcomes import classify, rate_headers
from syncer.connectors.hubspot.rejections import existing_id, rejection_from
from syncer.http import Verdict
from syncer.records import RejectionKind

URL = "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert"


def response(
    status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers, request=httpx.Request("POST", URL))


def rate_limit_body(policy: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c93e06a4",
        "policyName": policy,
    }


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.OK),
        (201, Verdict.OK),
        (204, Verdict.OK),
        (207, Verdict.OK),
        (400, Verdict.REJECTED),
        (404, Verdict.REJECTED),
        (409, Verdict.REJECTED),
        (401, Verdict.AUTH),
        (403, Verdict.AUTH),
        (423, Verdict.RETRY),
        (477, Verdict.RETRY),
        (500, Verdict.RETRY),
        (502, Verdict.RETRY),
        (503, Verdict.RETRY),
        (524, Verdict.RETRY),
        (418, Verdict.FATAL),
        (302, Verdict.FATAL),
    ],
)
def test_every_status_has_a_verdict(status: int, verdict: Verdict) -> None:
    assert classify(response(status, {})).verdict is verdict


def test_server_errors_may_have_been_applied_but_refusals_were_not() -> None:
    assert classify(response(502)).applied_unknown
    assert not classify(response(423)).applied_unknown
    assert not classify(response(429, rate_limit_body("TEN_SECONDLY_ROLLING"))).applied_unknown


def test_locked_waits_at_least_two_seconds() -> None:
    assert classify(response(423, {"message": "locked"})).wait == 2.0


def test_migration_in_progress_waits_retry_after_seconds() -> None:
    assert classify(response(477, {}, {"Retry-After": "30"})).wait == 30.0


def test_ten_secondly_limit_waits_out_the_window() -> None:
    outcome = classify(
        response(
            429,
            rate_limit_body("TEN_SECONDLY_ROLLING"),
            {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
        )
    )
    assert (outcome.verdict, outcome.policy, outcome.wait) == (
        Verdict.RATE_LIMITED,
        "TEN_SECONDLY_ROLLING",
        10.0,
    )


def test_secondly_search_limit_waits_a_second() -> None:
    outcome = classify(response(429, rate_limit_body("SECONDLY")))
    assert (outcome.policy, outcome.wait) == ("SECONDLY", 1.0)


def test_daily_limit_is_named() -> None:
    assert classify(response(429, rate_limit_body("DAILY"))).policy == "DAILY"


def test_retry_after_wins_when_sent() -> None:
    outcome = classify(response(429, rate_limit_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "3"}))
    assert outcome.wait == 3.0


def test_detail_names_the_call_and_the_reason_but_no_header() -> None:
    request = httpx.Request("POST", URL, headers={"Authorization": "Bearer pat-na1-secret"})
    refused = httpx.Response(
        401,
        request=request,
        json={
            "status": "error",
            "message": "Authentication credentials not found.",
            "category": "INVALID_AUTHENTICATION",
        },
    )
    detail = classify(refused).detail
    assert "401 INVALID_AUTHENTICATION: Authentication credentials not found." in detail
    assert "/batch/upsert" in detail
    assert "secret" not in detail


def test_rate_headers_are_read() -> None:
    headers = {"X-HubSpot-RateLimit-Remaining": "149", "X-HubSpot-RateLimit-Max": "150"}
    assert rate_headers(response(200, {}, headers)) == (149, 150)
    assert rate_headers(response(200, {})) == (None, None)


def test_a_207_error_with_an_errors_list_names_code_and_property() -> None:
    rejection = rejection_from(
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "Property values were not valid",
            "errors": [
                {
                    "message": "Email address example.lcom is invalid",
                    "code": "INVALID_EMAIL",
                    "context": {"propertyName": ["email"]},
                }
            ],
            "context": {"objectWriteTraceId": ["w1"]},
        }
    )
    assert (rejection.code, rejection.property) == ("INVALID_EMAIL", "email")
    assert rejection.kind is RejectionKind.INVALID_VALUE
    assert rejection.message == "Email address example.lcom is invalid"


def test_an_older_body_embedding_a_json_list_is_understood() -> None:
    message = (
        'Property values were not valid: [{"isValid":false,"message":"Property '
        '\\"testproperty\\" does not exist","error":"PROPERTY_DOESNT_EXIST",'
        '"name":"testproperty"}]'
    )
    rejection = rejection_from(
        {"status": "error", "message": message, "category": "VALIDATION_ERROR"}
    )
    assert (rejection.code, rejection.property) == ("PROPERTY_DOESNT_EXIST", "testproperty")
    assert rejection.kind is RejectionKind.UNKNOWN_FIELD
    assert rejection.message == 'Property "testproperty" does not exist'


def test_a_plain_envelope_keeps_its_category_and_message() -> None:
    rejection = rejection_from(
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some CONTACT objects",
        }
    )
    assert (rejection.code, rejection.property) == ("OBJECT_NOT_FOUND", None)
    assert rejection.kind is RejectionKind.NOT_FOUND


def test_a_conflict_names_the_existing_record() -> None:
    body = {
        "status": "error",
        "message": "Contact already exists. Existing ID: 37765128953",
        "correlationId": "x",
        "category": "CONFLICT",
    }
    assert existing_id(body) == "37765128953"
    assert existing_id({**body, "category": "VALIDATION_ERROR"}) is None
    assert rejection_from(body).kind is RejectionKind.DUPLICATE


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("INVALID_OPTION", RejectionKind.INVALID_VALUE),
        ("INVALID_INTEGER", RejectionKind.INVALID_VALUE),
        ("READ_ONLY_VALUE", RejectionKind.READ_ONLY),
        ("SOMETHING_NEW", RejectionKind.UNKNOWN),
    ],
)
def test_each_code_keeps_itself_and_says_what_it_means(code: str, kind: RejectionKind) -> None:
    rejection = rejection_from(
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "m",
            "errors": [{"message": "m", "code": code}],
        }
    )
    assert (rejection.code, rejection.kind) == (code, kind)
