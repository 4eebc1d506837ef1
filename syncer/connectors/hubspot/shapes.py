"""The shapes of HubSpot's 2xx answers, checked before anything in them is used.

A 2xx body that is not what the API documents (not JSON, `results` missing or not a list, a
record without an id, a property value that is an object, a timestamp that is not one) stops
the run with MalformedResponse: nothing read from it is planned, written or committed, and no
cursor moves past it. Reading such a body as "no results" would move the cursor over changes
never seen; stringifying an object would write it into the other CRM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncer.errors import FatalError

JsonObject = dict[str, Any]


class MalformedResponse(FatalError):
    """HubSpot answered with a success status and a body that does not have its documented
    shape; the message says where and what was wrong, never the values."""


def malformed(where: str, detail: str) -> MalformedResponse:
    return MalformedResponse(f"HubSpot sent a malformed {where}: {detail}")


def kind_of(value: object) -> str:
    """A value's JSON kind, for messages (values themselves may be personal data)."""
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    names.update({list: "a list", dict: "an object"})
    return names.get(type(value), type(value).__name__)


def objects_of(body: Mapping[str, Any], where: str) -> list[JsonObject]:
    """The body's `results`: a list of objects, or MalformedResponse."""
    if "results" not in body:
        raise malformed(where, "no 'results' (the body is not the documented JSON object)")
    results = body["results"]
    if not isinstance(results, list):
        raise malformed(where, f"'results' is {kind_of(results)}, not a list")
    for item in results:
        if not isinstance(item, dict):
            raise malformed(where, f"an item of 'results' is {kind_of(item)}, not an object")
    return results


def next_page(body: Mapping[str, Any], where: str) -> str | None:
    """`paging.next.after`: None on the last page; MalformedResponse when paging is there but
    not the documented shape (guessing "last page" would end a listing early)."""
    paging = body.get("paging")
    if paging is None:
        return None
    if not isinstance(paging, dict):
        raise malformed(where, f"'paging' is {kind_of(paging)}, not an object")
    following = paging.get("next")
    if following is None:
        return None
    if not isinstance(following, dict):
        raise malformed(where, f"'paging.next' is {kind_of(following)}, not an object")
    after = following.get("after")
    if isinstance(after, bool) or not isinstance(after, str | int) or str(after) == "":
        raise malformed(where, f"'paging.next.after' is {kind_of(after)}, not a cursor")
    return str(after)


def record_id(obj: Mapping[str, Any], where: str) -> str:
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise malformed(where, f"a record's 'id' is {kind_of(value)}, not an id")
    return str(value)
