"""Seeded, reproducible rows for the legacy sales schema (schema.py), at any size.

The same seed and sizes give the same rows. Every foreign key points at a row that exists, so
the database's own constraints accept the load; how many records point where is decided here
and only here, and the tests and the benchmark read their expectations from the rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.integration.relations.schema import TABLE_NAMES, SalesSchema

Row = dict[str, Any]

FIRST_NAMES = ("Diane", "Mary", "Jeff", "William", "Gerard", "Anthony", "Leslie", "Julie", "Steve")
LAST_NAMES = ("Murphy", "Patterson", "Firrelli", "Bondur", "Bow", "Jennings", "Thompson", "Tseng")
CITIES = (("Nantes", "France"), ("Las Vegas", "USA"), ("Melbourne", "Australia"), ("NYC", "USA"))
PRODUCT_LINES = ("Classic Cars", "Motorcycles", "Planes", "Ships", "Trains", "Vintage Cars")
# The legacy app's order statuses (the config maps them onto HubSpot deal stages).
ORDER_STATUSES = ("In Process", "Shipped", "Cancelled")
TASK_STATUSES = ("open", "done")
HISTORY_START = datetime(2024, 1, 8, 9, 0)


@dataclass(frozen=True)
class Sizes:
    employees: int = 6  # employee 1 is the VP; the others are sales reps
    customers: int = 12
    contacts: int = 30  # each filed under one customer
    extra_accounts: int = 10  # contacts that also buy for a second customer (join rows)
    products: int = 8
    orders: int = 10
    lines_per_order: int = 3
    notes: int = 20
    tasks: int = 10


def employee_email(number: int) -> str:
    first, last = _person(number)
    return f"{first}.{last}{number}@classicsales.example".lower()


def generate(sizes: Sizes, seed: int = 1, now: datetime | None = None) -> dict[str, list[Row]]:
    """{unprefixed table name: rows}, every foreign key satisfied."""
    rng = random.Random(seed)
    stamp = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    reps = list(range(2, sizes.employees + 1)) or [1]
    customers = [100 + i for i in range(1, sizes.customers + 1)]
    contacts = [1000 + i for i in range(1, sizes.contacts + 1)]
    products = [f"S{10 + i % 90}_{1000 + i}" for i in range(1, sizes.products + 1)]
    orders = [10100 + i for i in range(1, sizes.orders + 1)]
    lines = list(_order_lines(rng, orders, products, sizes.lines_per_order, stamp))
    return {
        "employees": [_employee(n) for n in range(1, sizes.employees + 1)],
        "customers": [_customer(rng, n, reps, stamp) for n in customers],
        "contacts": [
            _contact(rng, n, customers[i % len(customers)], reps, stamp)
            for i, n in enumerate(contacts)
        ],
        "contact_accounts": _accounts(contacts, customers, sizes.extra_accounts),
        "orders": [
            {**_order(rng, n, customers, reps, stamp), "orderTotal": _total(lines, n)}
            for n in orders
        ],
        "products": [_product(rng, code, stamp) for code in products],
        "orderdetails": lines,
        "notes": [_note(rng, n, contacts, reps, stamp) for n in range(1, sizes.notes + 1)],
        "tasks": [_task(rng, n, contacts, reps, stamp) for n in range(1, sizes.tasks + 1)],
    }


def load(engine: sa.Engine, schema: SalesSchema, rows: dict[str, list[Row]]) -> None:
    """Insert `rows` table by table in dependency order, 5,000 rows per statement."""
    with engine.begin() as conn:
        for name in TABLE_NAMES:
            batch = rows.get(name, [])
            for start in range(0, len(batch), 5_000):
                conn.execute(sa.insert(schema.table(name)), batch[start : start + 5_000])


def _person(number: int) -> tuple[str, str]:
    return FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number % len(LAST_NAMES)]


def _employee(number: int) -> Row:
    first, last = _person(number)
    return {
        "employeeNumber": number,
        "lastName": last,
        "firstName": first,
        "extension": f"x{5800 + number}",
        "email": employee_email(number),
        "officeCode": str(1 + number % 7),
        "reportsTo": None if number == 1 else 1,
        "jobTitle": "VP Sales" if number == 1 else "Sales Rep",
    }


def _customer(rng: random.Random, number: int, reps: list[int], stamp: datetime) -> Row:
    city, country = rng.choice(CITIES)
    return {
        "customerNumber": number,
        "customerName": f"{rng.choice(LAST_NAMES)} Collectables {number}",
        "phone": f"40.32.{number:04d}",
        "city": city,
        "country": country,
        "salesRepEmployeeNumber": rng.choice(reps),
        "creditLimit": Decimal(rng.randrange(0, 20_000_000)) / 100,
        "last_modified": stamp,
    }


def _contact(
    rng: random.Random, number: int, customer: int, reps: list[int], stamp: datetime
) -> Row:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "contactNumber": number,
        "customerNumber": customer,
        "contactFirstName": first,
        "contactLastName": last,
        "email": f"{first}.{last}.{number}@buyers.example".lower(),
        "phone": f"+1 555 {number:07d}",
        "salesRepEmployeeNumber": rng.choice(reps),
        "last_modified": stamp,
    }


def _accounts(contacts: list[int], customers: list[int], extra: int) -> list[Row]:
    """The first `extra` contacts also buy for the customer after their own."""
    rows = []
    for i, contact in enumerate(contacts[:extra]):
        other = customers[(i + 1) % len(customers)]
        if other != customers[i % len(customers)]:
            rows.append({"contactNumber": contact, "customerNumber": other})
    return rows


def _order_lines(
    rng: random.Random, orders: list[int], products: list[str], per_order: int, stamp: datetime
) -> Iterator[Row]:
    for order in orders:
        chosen = rng.sample(products, min(per_order, len(products)))
        for line, code in enumerate(chosen, start=1):
            yield {
                "orderNumber": order,
                "productCode": code,
                "quantityOrdered": rng.randrange(10, 60),
                "priceEach": Decimal(rng.randrange(3_000, 20_000)) / 100,
                "orderLineNumber": line,
                "last_modified": stamp,
            }


def _order(
    rng: random.Random,
    number: int,
    customers: list[int],
    reps: list[int],
    stamp: datetime,
) -> Row:
    return {
        "orderNumber": number,
        "orderReference": f"PO-{number}",
        "orderDate": date(2024, 1, 6) + timedelta(days=number % 300),
        "status": rng.choice(ORDER_STATUSES),
        "orderTotal": None,
        "comments": None,
        "customerNumber": rng.choice(customers),
        "salesRepEmployeeNumber": rng.choice(reps),
        "last_modified": stamp,
    }


def _total(lines: list[Row], order: int) -> Decimal:
    return sum(
        (r["priceEach"] * r["quantityOrdered"] for r in lines if r["orderNumber"] == order),
        Decimal(0),
    )


def _product(rng: random.Random, code: str, stamp: datetime) -> Row:
    line = rng.choice(PRODUCT_LINES)
    buy = Decimal(rng.randrange(1_500, 10_000)) / 100
    return {
        "productCode": code,
        "productName": f"{1900 + rng.randrange(120)} {line[:-1]} {code}",
        "productLine": line,
        "productDescription": f"1:{rng.choice((10, 12, 18, 24))} scale {line.lower()} replica",
        "buyPrice": buy,
        "MSRP": buy * 2,
        "last_modified": stamp,
    }


def _note(
    rng: random.Random, number: int, contacts: list[int], reps: list[int], stamp: datetime
) -> Row:
    return {
        "noteId": number,
        "contactNumber": contacts[(number - 1) % len(contacts)],
        "noteText": f"Call #{number}: asked about {rng.choice(PRODUCT_LINES).lower()} stock.",
        "createdAt": HISTORY_START + timedelta(minutes=37 * number),
        "enteredBy": rng.choice(reps),
        "last_modified": stamp,
    }


def _task(
    rng: random.Random, number: int, contacts: list[int], reps: list[int], stamp: datetime
) -> Row:
    return {
        "taskId": number,
        "contactNumber": rng.choice(contacts),
        "subject": f"Follow up on quote {number}",
        "details": "Send the revised price list.",
        "dueDate": HISTORY_START + timedelta(days=number),
        "status": rng.choice(TASK_STATUSES),
        "assignedTo": rng.choice(reps),
        "last_modified": stamp,
    }
