"""Two pipelines that point at each other's records, on in-memory CRMs: companies, and contacts
whose `@companies` association points at them (and whose owner is a user of each side)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.policies import Direction
from syncer.records import FieldType, Record, Side
from syncer.relations import AssociationField
from syncer.settings_pipeline import PipelineSettings
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


def companies_pipeline(deletes: str = "ignore") -> PipelineSettings:
    return PipelineSettings.model_validate(
        {
            "name": "companies",
            "deletes": deletes,
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
    hub_companies: MemoryConnector
    ext_companies: MemoryConnector
    hub_contacts: MemoryConnector
    ext_contacts: MemoryConnector
    contacts: PipelineSettings = field(default_factory=contacts_pipeline)
    unknown_owner: UnknownOwner = UnknownOwner.QUARANTINE
    companies_deletes: str = "ignore"
    contact_fields: tuple[AssociationField, ...] = (COMPANIES,)

    def run(self, pipeline: str, mode: Mode = Mode.SYNC, *, dry_run: bool = False) -> RunReport:
        if pipeline == "companies":
            settings, fields = companies_pipeline(self.companies_deletes), ()
            connectors = {Side.HUBSPOT: self.hub_companies, Side.EXTERNAL: self.ext_companies}
        else:
            settings, fields = self.contacts, self.contact_fields
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
        hub_companies=MemoryConnector(COMPANY_HUB, clock=clock, ordered_versions=True),
        ext_companies=MemoryConnector(COMPANY_EXT, clock=clock, exact_keys=frozenset({"domain"})),
        hub_contacts=MemoryConnector(
            CONTACT_HUB,
            clock=clock,
            ordered_versions=True,
            associations=[COMPANIES],
            owners=hub_owners,
        ),
        ext_contacts=MemoryConnector(
            CONTACT_EXT,
            clock=clock,
            associations=[COMPANIES],
            owners=ext_owners,
            keys_in_columns=True,  # a foreign key column: one company at most
        ),
    )
