"""HubSpot's error envelope, and one constructor per error the sandbox can answer.

Texts and key order follow HubSpot's observed bodies: `status, message,
correlationId, [errors], [context], category`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

VALIDATION_ERROR = "VALIDATION_ERROR"
OBJECT_NOT_FOUND = "OBJECT_NOT_FOUND"
CONFLICT = "CONFLICT"


@dataclass
class ApiError(Exception):
    """An error answer. The correlation id is added when the response is written."""

    status: int
    message: str
    category: str | None = None
    context: dict[str, list[str]] | None = None
    errors: list[JsonDict] | None = None
    extra: JsonDict = field(default_factory=dict)  # 429 bodies carry errorType/policyName instead
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, correlation_id: str) -> JsonDict:
        body: JsonDict = {"status": "error", "message": self.message}
        if "errorType" in self.extra:
            body["errorType"] = self.extra["errorType"]
        body["correlationId"] = correlation_id
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        if self.category is not None:
            body["category"] = self.category
        body.update({k: v for k, v in self.extra.items() if k != "errorType"})
        return body

    def standard_error(self) -> JsonDict:
        """The per-record `StandardError` form used inside a 207 batch answer."""
        return {
            "status": "error",
            "category": self.category or VALIDATION_ERROR,
            "message": self.message,
            "context": self.context or {},
            "errors": self.errors or [],
            "links": {},
        }


@dataclass(frozen=True)
class PropertyProblem:
    name: str
    code: str  # PROPERTY_DOESNT_EXIST, INVALID_EMAIL, READ_ONLY_VALUE, INVALID_OPTION, ...
    message: str


def property_values_invalid(problems: list[PropertyProblem], portal_id: int) -> ApiError:
    details = [
        {
            "isValid": False,
            "message": p.message,
            "error": p.code,
            "name": p.name,
            "localizedErrorMessage": p.message,
            "portalId": portal_id,
        }
        for p in problems
    ]
    errors: list[JsonDict] = [
        {"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}
        for p in problems
    ]
    message = "Property values were not valid: " + json.dumps(details, separators=(",", ":"))
    return ApiError(400, message, VALIDATION_ERROR, errors=errors)


def validation(message: str, context: dict[str, list[str]] | None = None) -> ApiError:
    return ApiError(400, message, VALIDATION_ERROR, context=context)


def invalid_authentication() -> ApiError:
    return ApiError(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
        "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def resource_not_found() -> ApiError:
    return ApiError(404, "resource not found")


def object_id_not_numeric(object_id: str) -> ApiError:
    return ApiError(
        404,
        "Object not found.  objectId are usually numeric.",
        OBJECT_NOT_FOUND,
        context={"id": [object_id]},
    )


def objects_not_found(type_word: str, ids: list[str]) -> ApiError:
    return ApiError(
        404,
        f"Could not get some {type_word} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        OBJECT_NOT_FOUND,
        context={"ids": ids},
    )


def contact_exists(existing_id: int) -> ApiError:
    return ApiError(409, f"Contact already exists. Existing ID: {existing_id}", CONFLICT)


def batch_too_large() -> ApiError:
    return validation(
        "The maximum number of inputs supported in a batch is 100. "
        "Please reduce the number of items and try again"
    )


def duplicate_ids(ids: list[str]) -> ApiError:
    return validation(
        f"Duplicate IDs found in batch input: [{', '.join(ids)}]. IDs must be unique",
        context={"ids": ids},
    )


def rate_limited(policy: str, message: str, group_name: str | None = None) -> ApiError:
    extra: JsonDict = {"errorType": "RATE_LIMIT", "policyName": policy}
    if group_name is not None:
        extra["groupName"] = group_name
    return ApiError(429, message, extra=extra)


def unknown_object_type(name: str) -> ApiError:
    return validation(f"Unable to infer object type from: {name}")


def route_not_found(method: str, path: str) -> ApiError:
    return ApiError(404, f"No route for {method} {path}", OBJECT_NOT_FOUND)


def unknown_version(version: str, path: str) -> ApiError:
    return ApiError(
        404, f"API version {version} does not exist: no route for {path}", OBJECT_NOT_FOUND
    )


def uri_too_long(length: int, limit: int) -> ApiError:
    return ApiError(
        414,
        f"URI Too Long: the request URL has {length} characters, more than {limit}; "
        "ask for fewer properties or use a batch read",
        "VALIDATION_ERROR",
    )


def invalid_json(detail: str) -> ApiError:
    return validation(f"Invalid input JSON: {detail}")
