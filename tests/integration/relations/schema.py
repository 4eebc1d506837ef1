"""A legacy sales database, designed as a sales team's in-house app would have it, not for syncer.

Modelled on the classic order-entry schemas: `employees` (the sales reps, who are HubSpot users),
`customers` (accounts: HubSpot companies), `contacts` (people at a customer, with their own
sales rep), `contact_accounts` (every account a contact buys for: contacts <-> customers),
`orders` (HubSpot deals), `products`, `orderdetails` (order lines: HubSpot line items, keyed by
order number and product code), and a contact's history: `notes` and `tasks`.

Foreign keys are declared and enforced on all three databases (SQLite with `PRAGMA
foreign_keys=ON` on every connection). Every table but the join table has a `last_modified`
column the app sets on each write. Table names carry a prefix so that tests sharing one server
database never meet; `ddl(dialect)` prints the same schema as each database receives it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.schema import CreateTable

# Insert order: a table comes after every table it points at.
TABLE_NAMES = (
    "employees",
    "customers",
    "contacts",
    "contact_accounts",
    "orders",
    "products",
    "orderdetails",
    "notes",
    "tasks",
)


@dataclass(frozen=True)
class SalesSchema:
    """The tables of one copy of the schema, by their unprefixed names."""

    prefix: str
    metadata: sa.MetaData

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[self.name(name)]

    def name(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def tables(self) -> list[sa.Table]:
        return [self.table(name) for name in TABLE_NAMES]

    def create(self, engine: sa.Engine) -> None:
        self.metadata.create_all(engine, tables=self.tables())

    def drop(self, engine: sa.Engine) -> None:
        """Drop these tables only (never another test's), dependents first."""
        self.metadata.drop_all(engine, tables=self.tables())


def sales_schema(prefix: str) -> SalesSchema:
    metadata = sa.MetaData()
    schema = SalesSchema(prefix, metadata)
    n = schema.name
    _stamp = _last_modified

    sa.Table(
        n("employees"),
        metadata,
        sa.Column("employeeNumber", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("lastName", sa.String(50), nullable=False),
        sa.Column("firstName", sa.String(50), nullable=False),
        sa.Column("extension", sa.String(10)),
        sa.Column("email", sa.String(100), nullable=False),
        sa.Column("officeCode", sa.String(10), nullable=False),
        sa.Column("reportsTo", sa.Integer, sa.ForeignKey(f"{n('employees')}.employeeNumber")),
        sa.Column("jobTitle", sa.String(50), nullable=False),
    )
    sa.Table(
        n("customers"),
        metadata,
        sa.Column("customerNumber", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customerName", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(50)),
        sa.Column("city", sa.String(50)),
        sa.Column("country", sa.String(50)),
        sa.Column("salesRepEmployeeNumber", sa.Integer, _fk(n("employees"), "employeeNumber")),
        sa.Column("creditLimit", sa.Numeric(10, 2)),
        # The app hides a closed account rather than delete it (its orders keep pointing at it).
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        _stamp(),
    )
    sa.Table(
        n("contacts"),
        metadata,
        # Given by the database: a contact entered in HubSpot gets its number on insert.
        sa.Column("contactNumber", sa.Integer, primary_key=True, autoincrement=True),
        # The contact's own account; NULL for a contact the app has not filed yet.
        sa.Column("customerNumber", sa.Integer, _fk(n("customers"), "customerNumber")),
        sa.Column("contactFirstName", sa.String(50), nullable=False),
        sa.Column("contactLastName", sa.String(50), nullable=False),
        sa.Column("email", sa.String(100), unique=True),
        sa.Column("phone", sa.String(50)),
        sa.Column("salesRepEmployeeNumber", sa.Integer, _fk(n("employees"), "employeeNumber")),
        _stamp(),
    )
    sa.Table(
        n("contact_accounts"),
        metadata,
        sa.Column(
            "contactNumber", sa.Integer, _fk(n("contacts"), "contactNumber"), primary_key=True
        ),
        sa.Column(
            "customerNumber", sa.Integer, _fk(n("customers"), "customerNumber"), primary_key=True
        ),
    )
    sa.Table(
        n("orders"),
        metadata,
        sa.Column("orderNumber", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("orderReference", sa.String(40), nullable=False),
        sa.Column("orderDate", sa.Date, nullable=False),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("orderTotal", sa.Numeric(12, 2)),
        sa.Column("comments", sa.Text),
        sa.Column("customerNumber", sa.Integer, _fk(n("customers"), "customerNumber")),
        sa.Column("salesRepEmployeeNumber", sa.Integer, _fk(n("employees"), "employeeNumber")),
        _stamp(),
    )
    sa.Table(
        n("products"),
        metadata,
        sa.Column("productCode", sa.String(15), primary_key=True),
        sa.Column("productName", sa.String(70), nullable=False),
        sa.Column("productLine", sa.String(50), nullable=False),
        sa.Column("productDescription", sa.Text, nullable=False),
        sa.Column("buyPrice", sa.Numeric(10, 2), nullable=False),
        sa.Column("MSRP", sa.Numeric(10, 2), nullable=False),
        _stamp(),
    )
    sa.Table(
        n("orderdetails"),
        metadata,
        sa.Column(
            "orderNumber",
            sa.Integer,
            _fk(n("orders"), "orderNumber"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column(
            "productCode", sa.String(15), _fk(n("products"), "productCode"), primary_key=True
        ),
        sa.Column("quantityOrdered", sa.Integer, nullable=False),
        sa.Column("priceEach", sa.Numeric(10, 2), nullable=False),
        sa.Column("orderLineNumber", sa.SmallInteger, nullable=False),
        _stamp(),
    )
    sa.Table(
        n("notes"),
        metadata,
        sa.Column("noteId", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contactNumber", sa.Integer, _fk(n("contacts"), "contactNumber"), nullable=False),
        sa.Column("noteText", sa.Text, nullable=False),
        sa.Column("createdAt", sa.DateTime, nullable=False),
        sa.Column("enteredBy", sa.Integer, _fk(n("employees"), "employeeNumber")),
        _stamp(),
    )
    sa.Table(
        n("tasks"),
        metadata,
        sa.Column("taskId", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contactNumber", sa.Integer, _fk(n("contacts"), "contactNumber"), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("details", sa.Text),
        sa.Column("dueDate", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("assignedTo", sa.Integer, _fk(n("employees"), "employeeNumber")),
        _stamp(),
    )
    return schema


def _fk(table: str, column: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.{column}")


def _last_modified() -> sa.Column[object]:
    return sa.Column("last_modified", sa.DateTime, nullable=False)


_DIALECTS: dict[str, sa.Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),
    "mariadb": mysql.dialect(is_mariadb=True),
}


def ddl(dialect: str, prefix: str = "legacy") -> str:
    """The schema's CREATE TABLE statements as `dialect` ("sqlite", "postgresql", "mariadb")
    receives them, in creation order."""
    schema = sales_schema(prefix)
    statements = [str(CreateTable(t).compile(dialect=_DIALECTS[dialect])) for t in schema.tables()]
    return ";\n".join(s.strip() for s in statements) + ";\n"


def enforce_sqlite_foreign_keys(engine: sa.Engine) -> None:
    """SQLite checks foreign keys only on connections that ask for it; the legacy app does."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


if __name__ == "__main__":  # python -m tests.integration.relations.schema mariadb
    import sys

    print(ddl(sys.argv[1] if len(sys.argv) > 1 else "sqlite"), end="")
