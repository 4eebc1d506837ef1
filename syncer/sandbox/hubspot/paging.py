"""`paging.next` of a GET list answer: the cursor, and a link that repeats the request.

HubSpot's `link` is the URL of the next page as the client would ask it: the same host and path,
the same query (properties, associations, archived, limit, ...), with `after` set to the cursor.
A client that follows links (rather than re-sending `after` itself) then reads every page with
the query of the first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from syncer.sandbox.hubspot.wire import Request


def next_page(request: Request, after: str) -> dict[str, Any]:
    return {"next": {"after": after, "link": next_link(request, after)}}


def next_link(request: Request, after: str) -> str:
    pairs = [(key, value) for key, value in request.query_pairs if key != "after"]
    pairs.append(("after", after))
    path = request.sent_path or request.path
    return f"{request.origin}{path}?{urlencode(pairs)}"
