"""Two pipelines that point at each other's records, on in-memory CRMs: companies, and contacts
whose `@companies` association points at them (and whose owner is a user of each side).

`RelationsMemory` is a stand-in for the memory connector's relations (being added to
syncer/connectors/memory.py with the same constructor): each record shows every association
field as a list of this side's ids, and a write of one replaces the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.policies import Direction
from syncer.records import FieldType, Record, Side
from syncer.relations import AssociationField
from syncer.settings import PipelineSettings
from syncer.settings_relations import OwnersSettings, UnknownOwner
from tests.engine.conftest import Clock

COMPANIES = AssociationField(
    name="@companies",
    to_pipeline="companies",
    to_hubspot_object="companies",
    to_external_object="companies",
    label=None,
    direction=Direction.BOTH,
    columns=("company_id",),
)


class RelationsMemory(MemoryConnector):
    def __init__(
        self,
        types: Mapping[str, FieldType],
        *,
        associations: Sequence[AssociationField] = (),
        owners: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(types, **kwargs)
        self.capabilities = replace(
            self.capabilities, associations=bool(associations), owners=owners is not None
        )
        self.association_names = [a.name for a in associations]
        self.owners = dict(owners or {})

    def associate(self, record_id: str, name: str, ids: Sequence[str]) -> None:
        """Point a record elsewhere WITHOUT stamping its time (HubSpot may do so)."""
        old = self.rows[record_id]
        self.rows[record_id] = replace(old, properties={**old.properties, name: list(ids)})

    def changes(self, since: Any, until: Any) -> Any:
        for page in super().changes(since, until):
            yield replace(page, records=[self._shown(r) for r in page.records])

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return [self._shown(r) for r in super().fetch(ids)]

    def find(self, name: str, values: Sequence[str]) -> list[Record]:
        return [self._shown(r) for r in super().find(name, values)]

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        self.counter.add("associations")
        live = {r.id: r for r in super().fetch(ids)}
        self.counter.calls -= 1  # the fetch above is this one call
        self.counter.by_kind["fetch"] -= 1
        return {
            i: {n: list(r.properties.get(n) or []) for n in self.association_names}
            for i, r in live.items()
        }

    def owner_emails(self) -> dict[str, str]:
        self.counter.add("owners")
        return dict(self.owners)

    def _shown(self, record: Record) -> Record:
        lists = {n: list(record.properties.get(n) or []) for n in self.association_names}
        return replace(record, properties={**record.properties, **lists})


COMPANY_HUB = {
    "domain": FieldType.TEXT,
    "name": FieldType.TEXT,
    "syncer_external_id": FieldType.TEXT,
}
COMPANY_EXT = {"domain": FieldType.TEXT, "name": FieldType.TEXT}
CONTACT_HUB = {
    "email": FieldType.TEXT,
    "firstname": FieldType.TEXT,
    "hubspot_owner_id": FieldType.ENUMERATION,
    "syncer_external_id": FieldType.TEXT,
}
CONTACT_EXT = {"email": FieldType.TEXT, "first_name": FieldType.TEXT, "rep": FieldType.TEXT}


def companies_pipeline() -> PipelineSettings:
    return PipelineSettings.model_validate(
        {
            "name": "companies",
            "hubspot_object": "companies",
            "external_object": "companies",
            "match": {"hubspot": "domain", "external": "domain"},
            "fields": {"domain": "domain", "name": "name"},
        }
    )


def contacts_pipeline(owner: bool = False) -> PipelineSettings:
    fields: dict[str, Any] = {"email": "email", "firstname": "first_name"}
    if owner:
        fields["hubspot_owner_id"] = {"external": "rep", "owner": True}
    return PipelineSettings.model_validate(
        {
            "name": "contacts",
            "external_object": "customers",
            "match": {"hubspot": "email", "external": "email"},
            "fields": fields,
            "associations": [{"to": "companies", "external": "company_id"}],
        }
    )


@dataclass
class Relations:
    ledger: Ledger
    clock: Clock
    hub_companies: RelationsMemory
    ext_companies: RelationsMemory
    hub_contacts: RelationsMemory
    ext_contacts: RelationsMemory
    contacts: PipelineSettings = field(default_factory=contacts_pipeline)
    unknown_owner: UnknownOwner = UnknownOwner.QUARANTINE

    def run(self, pipeline: str, mode: Mode = Mode.SYNC, *, dry_run: bool = False) -> RunReport:
        if pipeline == "companies":
            settings, fields = companies_pipeline(), ()
            connectors = {Side.HUBSPOT: self.hub_companies, Side.EXTERNAL: self.ext_companies}
        else:
            settings, fields = self.contacts, (COMPANIES,)
            connectors = {Side.HUBSPOT: self.hub_contacts, Side.EXTERNAL: self.ext_contacts}
        owners = OwnersSettings(table="users", key="id", email="email", unknown=self.unknown_owner)
        ctx = PipelineRun(
            settings,
            self.ledger,
            dict(connectors),
            owner="test",
            dry_run=dry_run,
            clock=self.clock,
            associations=fields,
            owners=owners,
        )
        return run_pipeline(ctx, mode)

    def hub_company_id(self, domain: str) -> str:
        return next(r.id for r in self.hub_companies.live() if r.properties["domain"] == domain)

    def hub_contact(self, email: str) -> Record:
        return next(r for r in self.hub_contacts.live() if r.properties.get("email") == email)


def make_relations(ledger: Ledger) -> Relations:
    clock = Clock()
    hub_owners = {"100": "Ann@Example.com", "101": "carl@example.com"}
    ext_owners = {"E1": "ann@example.com", "E2": "bob@example.com"}
    return Relations(
        ledger,
        clock,
        hub_companies=RelationsMemory(COMPANY_HUB, clock=clock, ordered_versions=True),
        ext_companies=RelationsMemory(COMPANY_EXT, clock=clock, exact_keys=frozenset({"domain"})),
        hub_contacts=RelationsMemory(
            CONTACT_HUB,
            clock=clock,
            ordered_versions=True,
            associations=[COMPANIES],
            owners=hub_owners,
        ),
        ext_contacts=RelationsMemory(
            CONTACT_EXT, clock=clock, associations=[COMPANIES], owners=ext_owners
        ),
    )
