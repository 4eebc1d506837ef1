"""The sync config of the legacy sales schema: every kind of relation the config knows.

- an owner reference on five pipelines (`[owners]`: the employees table, matched by email);
- a plain foreign key (contacts.customerNumber -> the contact's company);
- a labelled foreign key (orders.customerNumber -> "Billing company");
- a join table (contact_accounts: contacts <-> companies, labelled "Buyer");
- a composite-key record pointing at two others (order lines -> their deal, and -> their
  product through HubSpot's `hs_product_id` property);
- engagements (notes, tasks) pointing at their contact, one-way into HubSpot.

`pipelines_toml(prefix)` is the pipelines' part of a config; the connection sections come from
tests/integration/harness.config_text. Pipelines are listed out of dependency order on
purpose: syncer must order them itself.
"""

from __future__ import annotations

PIPELINES = """\
[owners]
table = "{p}_employees"
key = "employeeNumber"
email = "email"
unknown = "{unknown_owner}"

[[pipelines]]
name = "notes"
hubspot_object = "notes"
external_object = "{p}_notes"
external_id_property = "legacy_note_id"
direction = "to_hubspot"
deletes = "archive"
[pipelines.sql]
primary_key = "noteId"
updated_at = "last_modified"
[pipelines.fields]
hs_note_body = "noteText"
hs_timestamp = "createdAt"
hubspot_owner_id = {{ external = "enteredBy", owner = true }}
[[pipelines.associations]]
to = "contacts"
external = "contactNumber"

[[pipelines]]
name = "tasks"
hubspot_object = "tasks"
external_object = "{p}_tasks"
external_id_property = "legacy_task_id"
direction = "to_hubspot"
deletes = "archive"
[pipelines.sql]
primary_key = "taskId"
updated_at = "last_modified"
[pipelines.fields]
hs_task_subject = "subject"
hs_task_body = "details"
hs_timestamp = "dueDate"
hs_task_status = {{ external = "status", values = {{ NOT_STARTED = "open", COMPLETED = "done" }} }}
hubspot_owner_id = {{ external = "assignedTo", owner = true }}
[[pipelines.associations]]
to = "contacts"
external = "contactNumber"

[[pipelines]]
name = "line_items"
hubspot_object = "line_items"
external_object = "{p}_orderdetails"
external_id_property = "legacy_order_line"
direction = "to_hubspot"
deletes = "archive"
[pipelines.sql]
primary_key = ["orderNumber", "productCode"]
updated_at = "last_modified"
[pipelines.fields]
quantity = "quantityOrdered"
price = "priceEach"
hs_position_on_quote = "orderLineNumber"
[[pipelines.associations]]
to = "deals"
external = "orderNumber"
[[pipelines.associations]]
to = "products"
external = "productCode"
hubspot_property = "hs_product_id"

[[pipelines]]
name = "deals"
hubspot_object = "deals"
external_object = "{p}_orders"
external_id_property = "legacy_order_number"
deletes = "archive"
association_sweep = "{sweep}"
[pipelines.sql]
primary_key = "orderNumber"
updated_at = "last_modified"
[pipelines.fields]
dealname = "orderReference"
amount = "orderTotal"
dealstage.external = "status"
dealstage.values.appointmentscheduled = "In Process"
dealstage.values.closedwon = "Shipped"
dealstage.values.closedlost = "Cancelled"
pipeline = {{ value = "default" }}
hubspot_owner_id = {{ external = "salesRepEmployeeNumber", owner = true }}
[[pipelines.associations]]
to = "companies"
external = "customerNumber"
label = "Billing company"

[[pipelines]]
name = "contacts"
hubspot_object = "contacts"
external_object = "{p}_contacts"
external_id_property = "legacy_contact_number"
match = {{ hubspot = "email", external = "email" }}
association_sweep = "{sweep}"
[pipelines.sql]
primary_key = "contactNumber"
updated_at = "last_modified"
[pipelines.fields]
email = "email"
firstname = "contactFirstName"
lastname = "contactLastName"
phone = "phone"
hubspot_owner_id = {{ external = "salesRepEmployeeNumber", owner = true }}
[[pipelines.associations]]
to = "companies"
external = "customerNumber"

[[pipelines]]
name = "products"
hubspot_object = "products"
external_object = "{p}_products"
external_id_property = "legacy_product_code"
[pipelines.sql]
primary_key = "productCode"
updated_at = "last_modified"
[pipelines.fields]
hs_sku = "productCode"
name = "productName"
description = "productDescription"
hs_folder = "productLine"
price = "MSRP"
hs_cost_of_goods_sold = "buyPrice"

[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "{p}_customers"
external_id_property = "legacy_customer_number"
create_in = ["hubspot"]  # customer numbers are the legacy app's to give
[pipelines.sql]
primary_key = "customerNumber"
updated_at = "last_modified"
[pipelines.fields]
name = "customerName"
phone = "phone"
city = "city"
country = "country"
hubspot_owner_id = {{ external = "salesRepEmployeeNumber", owner = true }}

[[associations]]
between = ["contacts", "companies"]
table = "{p}_contact_accounts"
columns = ["contactNumber", "customerNumber"]
label = "Buyer"
"""

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


def pipelines_toml(prefix: str, *, unknown_owner: str = "quarantine", sweep: str = "1d") -> str:
    """The `[owners]`, `[[pipelines]]` and `[[associations]]` sections for tables `prefix_*`;
    `sweep`: how often contacts' and deals' associations are all re-read. Already formatted:
    pass it to harness.config_text through a "{body}" template."""
    return PIPELINES.format(p=prefix, unknown_owner=unknown_owner, sweep=sweep)
