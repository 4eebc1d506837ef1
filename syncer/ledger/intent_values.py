"""Intents: writes committed to the ledger before they are sent, and their ids."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from syncer.records import Side

# -- intents ---------------------------------------------------------------------------------


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Intent:
    """A write about to be sent, committed before it is: a crash between "the API accepted it"
    and "the ledger knows" leaves it pending, for the next run to resolve by its unique key.
    A create keeps the association lists it is sent with ({field: ids on `side`}): a side
    whose look-up by key lags finds the record through them (connectors.base.SentCreate)."""

    id: str
    side: Side
    operation: str
    source_id: str | None
    target_id: str | None
    unique_property: str | None
    unique_value: str | None
    associations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def new_intent(
    side: Side,
    operation: str,
    *,
    source_id: str | None = None,
    target_id: str | None = None,
    unique_property: str | None = None,
    unique_value: str | None = None,
    associations: Mapping[str, tuple[str, ...]] | None = None,
) -> Intent:
    return Intent(
        _next_intent_id(), side, operation, source_id, target_id, unique_property, unique_value,
        dict(associations or {}),
    )  # fmt: skip


# Intent ids: a random prefix per process and a counter, 36 characters like a UUID. One uuid4
# per created record was 3 % of a migration's CPU (os.urandom each time); 80 random bits per
# process keep ids from different processes apart just as well.
_ID_PREFIX = uuid.uuid4().hex[:20]
_id_counter = itertools.count()


def _next_intent_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"
