"""The engine's resolver of references (mapping/references.py): association fields through the
ledger's links of the pipeline pointed at, owner fields through each side's list of users.

An association field's value on the external side is the keys of the records it points at,
which is its canonical value once every key is linked; on HubSpot it is HubSpot ids, turned into
keys through the links. Ids are looked up in bulk when a page's records are primed, so a page of
5,000 records costs a few ledger queries. A target not linked (created later, quarantined, in a
pipeline not run yet, missing) makes the value PENDING and is remembered as a pending reference,
which the run saves with the page (the ledger's `pending_refs`).

Owner fields pair users by email: each side's `HasOwners.owner_emails()`, read once per run and
only when a record with an owner field is read (a quiet pass pays nothing). A user with no twin
of that email follows `[owners] unknown`: quarantine (ValueError, so the record is refused with
the email in the reason) or leave_unset (PENDING: the field is left as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from syncer.connectors.base import Connector, HasOwners
from syncer.engine.archived_targets import ArchivedTargets
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.ledger.values import Link, PendingRef
from syncer.mapping.apply import FieldMap
from syncer.mapping.references import (
    PENDING,
    AssociationRef,
    id_list,
    joined_keys,
    split_keys,
)
from syncer.records import Record, Side
from syncer.settings_relations import UnknownOwner


@dataclass(slots=True)
class ReadReferences:
    """What reading records found: which records were read (their pending references are
    replaced by these) and the references still pending among them."""

    read: set[tuple[Side, str]] = field(default_factory=set)
    pending: dict[tuple[Side, str, str, str], PendingRef] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.read)


class LinkResolver:
    def __init__(
        self,
        ledger: Ledger,
        connectors: dict[Side, Connector],
        associations: Sequence[AssociationRef],
        unknown_owner: UnknownOwner = UnknownOwner.QUARANTINE,
        pipeline: str = "",
    ) -> None:
        """`pipeline`: the pipeline whose records are read (its agreed edges to archived
        targets are kept where the targets' pipeline ignores deletes: archived_targets.py)."""
        self.ledger = ledger
        self.archived = ArchivedTargets(ledger, pipeline)
        self.connectors = connectors
        self.associations = list(associations)
        self.unknown_owner = unknown_owner
        # (pipeline pointed at, side) -> {that side's id: link}; ids looked up and not linked
        # are remembered too, so a page never asks twice.
        self._links: dict[tuple[str, Side], dict[str, Link | None]] = {}
        self._emails: dict[Side, dict[str, str]] = {}
        self._users: dict[Side, dict[str, str]] = {}
        self.found = ReadReferences()

    # -- bulk look-ups -------------------------------------------------------------------------

    def prime(self, records: Sequence[Record], side: Side) -> None:
        if any(ref.keeps_archived for ref in self.associations):
            self.archived.prime(side, [record.id for record in records])
        for ref in self.associations:
            ids: set[str] = set()
            for record in records:
                try:
                    ids.update(id_list(record.properties.get(ref.name), ref.name))
                except ValueError:
                    continue  # reported when the record is read
            self._look_up(ref.to_pipeline, side, ids)

    def forget(self) -> ReadReferences:
        """What was found since the last call; the look-ups are dropped (a page's worth)."""
        found, self.found = self.found, ReadReferences()
        self._links.clear()
        self.archived.forget()
        return found

    def _look_up(self, pipeline: str, side: Side, ids: set[str]) -> None:
        known = self._links.setdefault((pipeline, side), {})
        wanted = [i for i in ids if i not in known]
        if not wanted:
            return
        found = self.ledger.links_for(pipeline, side, wanted)
        other = self._links.setdefault((pipeline, side.other), {})
        for record_id in wanted:
            link = found.get(record_id)
            known[record_id] = link
            if link is not None:
                other[link.id_on(side.other)] = link

    def _link(self, pipeline: str, side: Side, record_id: str) -> Link | None:
        self._look_up(pipeline, side, {record_id})
        return self._links[(pipeline, side)][record_id]

    # -- association fields --------------------------------------------------------------------

    def association_value(
        self, field: AssociationRef, side: Side, record_id: str, ids: list[str], flows: bool
    ) -> str | None:
        self.found.read.add((side, record_id))
        kept = self._kept(field, side, record_id)
        if side is Side.EXTERNAL and not flows:
            # its keys are the canonical value; nothing to write there
            return joined_keys([*ids, *kept])
        keys: list[str] = []
        unresolved: list[str] = []
        for target in ids:
            link = self._link(field.to_pipeline, side, target)
            if link is None:
                unresolved.append(target)
            else:
                keys.append(link.external_id)
        for target in unresolved:
            ref = PendingRef(side, record_id, field.name, field.to_pipeline, target)
            self.found.pending[(side, record_id, field.name, target)] = ref
        return PENDING if unresolved else joined_keys([*keys, *kept])

    def _kept(self, field: AssociationRef, side: Side, record_id: str) -> list[str]:
        if not field.keeps_archived:
            return []
        self.archived.prime(side, [record_id])  # primed with its page already, as a rule
        return self.archived.kept(side, record_id, field.name)

    def association_native(self, field: AssociationRef, side: Side, text: str | None) -> list[str]:
        keys = split_keys(text)
        if side is Side.EXTERNAL:
            return keys
        out: list[str] = []
        for key in keys:
            link = self._link(field.to_pipeline, Side.EXTERNAL, key)
            if link is None:
                raise ValueError(f"{field.name}: {key!r} is not linked in {field.to_pipeline!r}")
            if field.keeps_archived and link.archived_on in (Side.HUBSPOT.value, "both"):
                continue  # kept, not held: HubSpot cannot associate an archived record
            out.append(link.hubspot_id)
        return out

    # -- owner fields --------------------------------------------------------------------------

    def owner_value(self, side: Side, raw: Any, flows_to_other: bool) -> str | None:
        if raw is None or raw == "":
            return None
        user = _key(raw)
        email = self._owner_emails(side).get(user)
        if email is None:
            return self._unknown(f"{side.value} owner {user!r} has no email in its users list")
        if flows_to_other and email not in self._by_email(side.other):
            where = "HubSpot owner" if side is Side.EXTERNAL else "external user"
            return self._unknown(f"owner {email}: no {where} has that email")
        return email

    def owner_native(self, side: Side, email: str | None) -> str | None:
        if email is None:
            return None
        user = self._by_email(side).get(email)
        if user is None:
            raise ValueError(f"owner {email}: no {side.value} user has that email")
        return user

    def _unknown(self, reason: str) -> str:
        if self.unknown_owner is UnknownOwner.LEAVE_UNSET:
            return PENDING  # left as it is on the other side
        raise ValueError(f'{reason} ([owners] unknown = "quarantine")')

    def _owner_emails(self, side: Side) -> dict[str, str]:
        """{user key or owner id: email, lower-cased}, read once per run."""
        if side not in self._emails:
            connector = self.connectors[side]
            if not connector.capabilities.owners or not isinstance(connector, HasOwners):
                raise ValueError(f"the {side.value} connector cannot say its users' emails")
            emails = connector.owner_emails()
            self._emails[side] = {_key(k): e.strip().lower() for k, e in emails.items() if e}
        return self._emails[side]

    def _by_email(self, side: Side) -> dict[str, str]:
        """{email: user}; of two users with one email, the smallest key, every time."""
        if side not in self._users:
            users = sorted(self._owner_emails(side).items(), reverse=True)
            self._users[side] = {email: user for user, email in users}
        return self._users[side]


def _key(raw: Any) -> str:
    """A user key or owner id as text: an integer column's 1002 is "1002"."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def check_capabilities(
    pipeline: str, connectors: dict[Side, Connector], fieldmap: FieldMap
) -> None:
    """Association and owner fields need connectors that declare them (ConfigError naming the
    side and the first such field): a side that cannot would drop them unseen."""
    for spec in fieldmap.fields:
        if spec.reference is None:
            continue
        needs = "associations" if isinstance(spec.reference, AssociationRef) else "owners"
        for side, connector in connectors.items():
            if not getattr(connector.capabilities, needs):
                raise ConfigError(
                    f"pipelines.{pipeline}: {spec.hubspot!r} needs a connector that keeps "
                    f"{needs}, and the {side.value} connector ({type(connector).__name__}) "
                    "does not"
                )
