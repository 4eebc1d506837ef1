"""Reliability scenario T35 (malformed API responses).

Hypothesis feeds arbitrary JSON to the HubSpot connector's response parsing (records, search
pages, batch write answers): each answer is either read or refused with MalformedResponse,
never a KeyError/TypeError/AttributeError. End to end, a tiny loopback HTTP server in front of
the sandbox corrupts the search answers of a real `syncer sync`: the run exits 1 with the typed
error, commits nothing (links, cursors, quarantine unchanged), and once HubSpot answers
properly again the next sync delivers the held-back change: no crash loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from syncer.connectors.hubspot.objects import to_record
from syncer.connectors.hubspot.results import map_batch_results
from syncer.connectors.hubspot.search import SearchCollector
from syncer.connectors.hubspot.shapes import MalformedResponse
from syncer.records import Record, Write
from tests.faults.identity_harness import command, hub_by_email, hub_patch, sync
from tests.integration.harness import Deployment, deployment
from tests.ledger_tables import ledger_tables

KEYS = st.sampled_from(
    ["id", "properties", "results", "paging", "next", "after", "errors", "context", "ids",
     "objectWriteTraceId", "archived", "updatedAt", "lastmodifieddate", "email", "new",
     "category", "message", "0", "1"]
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(), inner, max_size=5)
    ),
    max_leaves=20,
)
OBJECTS = st.dictionaries(KEYS, JSON, max_size=6)
PROPERTIES = ["email", "firstname"]


@given(OBJECTS)
def test_t35_a_record_is_read_or_refused_as_malformed(obj: dict[str, Any]) -> None:
    """Any JSON object as a HubSpot record: a Record with text values, or MalformedResponse."""
    try:
        record = to_record(obj, PROPERTIES, "lastmodifieddate")
    except MalformedResponse:
        return
    assert isinstance(record, Record) and record.id
    assert all(v is None or isinstance(v, str) for v in record.properties.values())


@given(st.lists(OBJECTS, min_size=1, max_size=3))
def test_t35_search_pages_are_read_or_refused_as_malformed(answers: list[dict[str, Any]]) -> None:
    """Any sequence of JSON objects as search answers: pages of Records, or a FatalError
    (MalformedResponse, or the collector's own refusal of an answer that breaks its window)."""
    replies = iter(answers)

    def search(_body: dict[str, Any]) -> dict[str, Any]:
        return next(replies, {"results": []})

    collector = SearchCollector(search, PROPERTIES, "lastmodifieddate")
    try:
        for count, page in enumerate(collector.collect(0, 2**40)):
            assert all(isinstance(r, Record) for r in page.records)
            if count > 5:
                break
    except MalformedResponse:
        return
    except Exception as exc:  # the collector's own window checks are FatalErrors too
        assert type(exc).__name__ == "FatalError", exc


WRITES = [
    Write("0", {"firstname": "A"}, target_id="101"),
    Write("1", {"email": "b@example.com"}, unique_property="email", unique_value="b@example.com"),
]


@given(OBJECTS)
def test_t35_batch_write_answers_are_mapped_or_refused_as_malformed(body: dict[str, Any]) -> None:
    """Any JSON object as a batch write answer: one result per write (an id, or a rejection),
    or MalformedResponse."""
    try:
        mapped = map_batch_results(WRITES, body)
    except MalformedResponse:
        return
    assert set(mapped) == {"0", "1"}
    for result in mapped.values():
        assert (result.id is None) != (result.rejection is None)


# -- end to end: a corrupting loopback server in front of the sandbox ------------------------

Corrupt = Callable[[dict[str, Any]], bytes]
CORRUPTIONS: dict[str, Corrupt] = {
    "html-page": lambda _body: b"<html><body>Bad gateway</body></html>",
    "truncated-json": lambda body: json.dumps(body).encode()[:40],
    "no-results": lambda body: json.dumps({"total": body.get("total", 0)}).encode(),
    "results-not-a-list": lambda _body: b'{"results": {"id": "1"}}',
    "record-without-id": lambda body: json.dumps(
        {"results": [{k: v for k, v in r.items() if k != "id"} for r in body["results"]]}
    ).encode(),
    "property-is-an-object": lambda body: json.dumps(
        {
            "results": [
                {**r, "properties": {**r["properties"], "firstname": {"v": 1}}}
                for r in body["results"]
            ]
        }
    ).encode(),
    "bad-timestamp": lambda body: json.dumps(
        {
            "results": [
                {**r, "properties": {**r["properties"], "lastmodifieddate": "yesterday"}}
                for r in body["results"]
            ]
        }
    ).encode(),
}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's stderr."""


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def corrupting_proxy(dep: Deployment, corrupt: list[Corrupt | None]) -> Iterator[str]:
    """A loopback HTTP server answering as the sandbox does, except that while `corrupt[0]`
    is set, every 2xx search answer's body is replaced by what it returns."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured.update(status=status, headers=headers)

        body = b"".join(dep.sandbox(environ, capture))
        change = corrupt[0]
        if change and environ["PATH_INFO"].endswith("/search") and captured["status"][0] == "2":
            body = change(json.loads(body))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    server = make_server("127.0.0.1", 0, app, _ThreadedServer, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _ledger_state(dep: Deployment) -> dict[str, list[tuple[Any, ...]]]:
    with ledger_tables(dep.ledger_url) as conn:
        return {
            table: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]
            for table in ("links", "cursors", "quarantine", "intents", "conflicts")
        }


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_t35_a_malformed_search_answer_stops_the_run_and_commits_nothing(
    tmp_path: Path,
    sql_url: str,
    unique_name: str,
    capsys: pytest.CaptureFixture[str],
    corruption: str,
) -> None:
    """A linked contact is edited in HubSpot, then every search answer comes back malformed:
    `syncer sync` exits 1 naming MalformedResponse, twice in a row (no partial progress), and
    the ledger's links, cursors, quarantine, intents and conflicts are exactly as before. With
    HubSpot healthy again the next sync exits 0 and delivers the edit to SQL."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        hub_id = _linked_contact(dep)
        corrupt: list[Corrupt | None] = [None]
        with corrupting_proxy(dep, corrupt) as url:
            dep.config.write_text(dep.config.read_text().replace(dep.url, url))
            assert sync(dep) == 0
            before = _ledger_state(dep)
            hub_patch(dep, hub_id, firstname="Edited")
            corrupt[0] = CORRUPTIONS[corruption]
            for _ in range(2):
                capsys.readouterr()
                assert sync(dep) == 1
                assert "MalformedResponse" in capsys.readouterr().err
                assert _ledger_state(dep) == before
            corrupt[0] = None
            assert sync(dep) == 0
        rows = [r.first_name for r in dep.sql_rows()]
        assert rows == ["Edited"]


def _linked_contact(dep: Deployment) -> str:
    with dep.hubspot() as client:
        answer = client.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "one@example.com", "firstname": "One"}},
        )
        answer.raise_for_status()
    assert command(dep, "migrate") == 0
    assert "one@example.com" in hub_by_email(dep)
    return str(answer.json()["id"])
