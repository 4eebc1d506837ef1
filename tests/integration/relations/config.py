"""The sync config of the legacy sales schema: every kind of relation the config knows.

- an owner reference on five pipelines (`[owners]`: the employees table, matched by email);
- a plain foreign key (contacts.customerNumber -> the contact's company);
- a labelled foreign key (orders.customerNumber -> "Billing company");
- a join table (contact_accounts: contacts <-> companies, labelled "Buyer");
- a composite-key record pointing at two others (order lines -> their deal, and -> their
  product through HubSpot's `hs_product_id` property);
- engagements (notes, tasks) pointing at their contact, one-way into HubSpot.

It is the shipped example, config/sales.example.toml, its tables renamed so that tests sharing
a server database never meet: what the tests run is what users read. `pipelines_toml(prefix)`
is its relations and pipelines; the connection sections come from
tests/integration/harness.config_text. Pipelines are listed out of dependency order on
purpose: syncer must order them itself.
"""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "sales.example.toml"
_TABLE_SETTING = re.compile(r'^((?:external_object|table) = ")([A-Za-z_]+)(")', re.M)


# What each pipeline's records point at: syncer must run every pipeline after these.
POINTS_AT = {
    "companies": (),
    "products": (),
    "contacts": ("companies",),
    "deals": ("companies",),
    "line_items": ("deals", "products"),
    "notes": ("contacts",),
    "tasks": ("contacts",),
}


def pipelines_toml(
    prefix: str,
    *,
    unknown_owner: str = "quarantine",
    sweep: str = "1d",
    company_deletes: str | None = None,
) -> str:
    """The example's `[owners]`, `[[pipelines]]` and `[[associations]]` sections, its tables
    renamed `prefix_*`; `unknown_owner`: `[owners] unknown`; `sweep`: the `association_sweep` of
    contacts and deals; `company_deletes`: the companies pipeline's `deletes`, its customers'
    `deleted` column then its `deleted_flag`. Pass it to harness.config_text through a "{body}"
    template."""
    text = EXAMPLE.read_text(encoding="utf-8")
    body = text[text.index("[owners]") :]
    body = _TABLE_SETTING.sub(lambda m: f"{m[1]}{prefix}_{m[2]}{m[3]}", body)
    body = _replace_once(body, 'unknown = "quarantine"', f'unknown = "{unknown_owner}"')
    if company_deletes is not None:
        stamp = 'external_id_property = "legacy_customer_number"'
        body = _replace_once(body, stamp, f'{stamp}\ndeletes = "{company_deletes}"')
        key = 'primary_key = "customerNumber"'
        body = _replace_once(body, key, f'{key}\ndeleted_flag = "deleted"')
    return body.replace('association_sweep = "1d"', f'association_sweep = "{sweep}"')


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"{EXAMPLE.name}: expected {old!r} once")
    return text.replace(old, new)
