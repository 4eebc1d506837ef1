"""`[ledger] hash_match_keys`: links and intents keep keyed hashes of match keys, never the
keys; the ledger still finds a link by a record's key; a ledger that kept keys in clear is
converted when hashing is turned on, once; one hashed cannot be opened in clear or with
another secret. On SQLite and PostgreSQL ledgers."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
import sqlalchemy as sa

from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.ledger.values import CLEAR_KEYS, Commit, Link, MatchKeyForm, new_intent
from syncer.records import Side

SECRET = b"a-secret-of-32-bytes-for-testing"
HASHED = MatchKeyForm(SECRET)
EMAILS = ["ann@example.com", "bob@example.com"]


def _hmac(key: str, secret: bytes = SECRET) -> str:
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def _fill(ledger: Ledger) -> None:
    """Two links and two pending create intents, their keys given in clear as the engine does."""
    epoch = ledger.acquire_lease("p", "test:1", timedelta(seconds=60))
    links = [
        Link(None, f"h{n}", f"e{n}", ledger.stored_key(email), {}) for n, email in enumerate(EMAILS)
    ]
    ledger.commit("p", epoch, Commit(links=links), "run")
    ledger.release_lease("p", epoch)
    intents = [
        new_intent(
            Side.HUBSPOT, "create", source_id=f"e{n}", unique_property="email", unique_value=email
        )
        for n, email in enumerate(EMAILS)
    ]
    ledger.record_intents("p", "run", intents)


def _raw(url: str) -> tuple[set[str | None], set[str | None]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        keys = set(conn.execute(sa.text("SELECT match_key FROM links")).scalars())
        values = set(conn.execute(sa.text("SELECT unique_value FROM intents")).scalars())
    engine.dispose()
    return keys, values


def test_hashed_ledger_keeps_no_key_and_still_finds_links_by_key(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url, HASHED)
    try:
        _fill(ledger)
        found = ledger.links_by_match_key("p", [*EMAILS, "carol@example.com"])
        assert {key: link.hubspot_id for key, link in found.items()} == {
            "ann@example.com": "h0",
            "bob@example.com": "h1",
        }
        assert {i.unique_value for i in ledger.pending_intents("p")} == {_hmac(e) for e in EMAILS}
    finally:
        ledger.close()
    assert _raw(ledger_url) == ({_hmac(e) for e in EMAILS}, {_hmac(e) for e in EMAILS})


def test_turning_hashing_on_converts_a_clear_ledger_once(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url, CLEAR_KEYS)
    _fill(ledger)
    ledger.close()
    assert _raw(ledger_url) == (set(EMAILS), set(EMAILS))
    for _ in range(2):  # the second opening finds it converted: nothing hashed twice
        ledger = Ledger.open(ledger_url, HASHED)
        assert set(ledger.links_by_match_key("p", EMAILS)) == set(EMAILS)
        ledger.close()
        assert _raw(ledger_url) == ({_hmac(e) for e in EMAILS}, {_hmac(e) for e in EMAILS})


@pytest.mark.parametrize(
    ("form", "says"),
    [
        (CLEAR_KEYS, "ledger.hash_match_keys: this ledger keeps its match keys hashed"),
        (MatchKeyForm(b"another-secret-of-32-bytes-long!"), "ledger.match_key_secret: this"),
    ],
)
def test_a_hashed_ledger_is_refused_in_clear_or_under_another_secret(
    ledger_url: str, form: MatchKeyForm, says: str
) -> None:
    Ledger.open(ledger_url, HASHED).close()
    with pytest.raises(ConfigError, match=says):
        Ledger.open(ledger_url, form)
    Ledger.open(ledger_url).close()  # opened for reading, as `syncer status` might, it is not


def test_a_clear_ledger_stays_clear(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url, CLEAR_KEYS)
    _fill(ledger)
    assert set(ledger.links_by_match_key("p", EMAILS)) == set(EMAILS)
    ledger.close()
    assert _raw(ledger_url) == (set(EMAILS), set(EMAILS))
