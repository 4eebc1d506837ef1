"""What a hashed ledger quotes of a match key (issue 13): a refusal's message keeps its words
and loses its keys, each shown as the start of its keyed hash."""

from __future__ import annotations

from syncer.ledger.values import CLEAR_KEYS, MatchKeyForm

HASHED = MatchKeyForm(b"a-secret-of-sixteen-or-more")


def test_in_clear_a_message_is_kept_as_it_is() -> None:
    text = "Email address ann@example.com is invalid"
    assert CLEAR_KEYS.redact(text, ["ann@example.com"]) == text
    assert CLEAR_KEYS.shown("ann@example.com") == "'ann@example.com'"


def test_hashed_every_email_is_shown_as_its_hash_whatever_its_case() -> None:
    shown = HASHED.shown("ann@example.com")
    assert (
        shown.startswith("<match key hash ") and str(HASHED.stored("ann@example.com"))[:12] in shown
    )
    text = "Contact ANN@Example.com exists; (bob@example.com) too"
    redacted = HASHED.redact(text)
    assert redacted == f"Contact {shown} exists; ({HASHED.shown('bob@example.com')}) too"


def test_hashed_a_key_that_is_no_email_is_redacted_when_named() -> None:
    text = "Duplicate entry 'C-0042' for key 'customer_no'"
    redacted = HASHED.redact(text, ["c-0042", None])
    assert "C-0042" not in redacted and HASHED.shown("c-0042") in redacted
    assert "customer_no" in redacted
