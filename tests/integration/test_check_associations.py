"""`syncer check` on a config with relations: every association column, join table and column,
and the `[owners]` table and columns must exist, else exit 2 naming the setting and the column;
a label the config names is made in HubSpot (both connectors are built with the fields)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from syncer.cli import main
from tests.integration.harness import TOKEN, loopback

PIPELINES = """\
[owners]
table = "employees"
key = "employeeNumber"
email = "{email}"

[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "customers"
external_id_property = "legacy_customer"
[pipelines.sql]
primary_key = "customerNumber"
[pipelines.fields]
name = "customerName"

[[pipelines]]
name = "contacts"
external_object = "people"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}
[pipelines.fields]
email = "email"
[[pipelines.associations]]
to = "companies"
external = "{column}"
label = "Billing company"

[[associations]]
between = ["contacts", "companies"]
table = "{join}"
columns = ["person_id", "customer_id"]
"""

SCHEMA = (
    "CREATE TABLE customers (customerNumber INTEGER PRIMARY KEY, customerName TEXT)",
    "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE, customerNumber INTEGER)",
    "CREATE TABLE employees (employeeNumber TEXT PRIMARY KEY, email TEXT)",
    "CREATE TABLE person_customers (person_id INTEGER, customer_id INTEGER)",
)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"column": "companyNumber"}, ["pipelines.contacts.associations", "'companyNumber'"]),
        ({"join": "contact_companies"}, ["associations (between", "'contact_companies'"]),
        ({"email": "mail"}, ["owners.email", "'mail'"]),
    ],
)
def test_check_refuses_relations_naming_what_is_missing(
    tmp_path: Path, settings: dict[str, str], named: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "crm.db"
    with sa.create_engine(f"sqlite:///{database}").begin() as conn:
        for statement in SCHEMA:
            conn.execute(sa.text(statement))
    right = {"email": "email", "column": "customerNumber", "join": "person_customers"}
    with loopback(tmp_path, f"sqlite:///{database}") as served:
        for chosen, expected in ((right | settings, 2), (right, 0)):
            config = served.configure(PIPELINES, **chosen)
            assert main(["check", "-c", str(config)]) == expected
            if expected == 2:
                error = capsys.readouterr().err
                assert all(word in error for word in named), error
        headers = {"Authorization": f"Bearer {TOKEN}"}
        path = "/crm/v4/associations/contacts/companies/labels"
        labels = httpx.get(served.url + path, headers=headers).json()["results"]
        assert "Billing company" in [label["label"] for label in labels]
