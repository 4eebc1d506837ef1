"""The smallest end-to-end check that wiring hands HubSpot's connector the pipeline's relations:
a contact associated with a company in the sandbox, fetched through the connector `syncer`
builds for the contacts pipeline, carries the association field."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa

from syncer.records import Side
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_in_thread
from syncer.settings import load_settings
from syncer.wiring import build_connectors

TOKEN = "pat-na1-wiring"
CONFIG = """
[hubspot]
base_url = "{url}"
token = "{token}"
allow_private_network = true

[external]
kind = "sql"
url = "sqlite:///{db}"

[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "customers"
external_id_property = "legacy_customer_number"
[pipelines.sql]
primary_key = "customerNumber"
[pipelines.fields]
name = "customerName"

[[pipelines]]
name = "contacts"
external_object = "people"
external_id_property = "legacy_contact_number"
[pipelines.sql]
primary_key = "id"
[pipelines.fields]
email = "email"
[[pipelines.associations]]
to = "companies"
external = "customerNumber"
"""


def test_the_hubspot_connector_is_built_with_the_pipelines_association_fields(
    tmp_path: Path,
) -> None:
    db = tmp_path / "crm.db"
    with sa.create_engine(f"sqlite:///{db}").begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (customerNumber INTEGER PRIMARY KEY, "
                             "customerName TEXT)"))  # fmt: skip
        conn.execute(sa.text("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, "
                             "customerNumber INTEGER)"))  # fmt: skip
    server = serve_in_thread(HubSpotSandbox(SandboxConfig(token=TOKEN)))
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
            company = c.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
            body = {
                "properties": {"email": "a@acme.example"},
                "associations": [{"to": {"id": company.json()["id"]}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}],
            }  # fmt: skip
            contact = c.post("/crm/v3/objects/contacts", json=body)
            contact.raise_for_status()
        config = tmp_path / "syncer.toml"
        config.write_text(CONFIG.format(url=server.url, token=TOKEN, db=db))
        settings = load_settings(config, env={})
        connectors = build_connectors(settings, settings.pipelines[1])
        hubspot = connectors[Side.HUBSPOT]
        try:
            hubspot.prepare()
            [record] = hubspot.fetch([str(contact.json()["id"])])
            assert record.properties.get("@companies") == [str(company.json()["id"])]
        finally:
            for connector in connectors.values():
                connector.close()
    finally:
        server.stop()
