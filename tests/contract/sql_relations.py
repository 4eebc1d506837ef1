"""The SQL harness's relations: tables its contract records point at, by the harness's own SQL.

The contract table gains a foreign-key column to a firm (`firm_id`), two to an order line
(`order_no`, `line_no`: a composite key) and a join table to groups; `[owners]` is a users table
keyed by employee number. Ids of composite keys are spelled here by hand, as the README says
they are made (values joined with ":", a ":" inside a value escaped "\\:"), not by the
connector's code.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syncer.policies import Direction
from syncer.relations import AssociationField, JoinTable, field_name
from syncer.settings_relations import OwnersSettings
from tests.contract.harness import RelationFields

RELATION_COLUMNS = ("firm_id", "order_no", "line_no")


def relation_columns() -> list[sa.Column[Any]]:
    """The contract table's foreign-key columns (nullable: most records point nowhere)."""
    return [
        sa.Column("firm_id", sa.Integer),
        sa.Column("order_no", sa.Integer),
        sa.Column("line_no", sa.String(20)),
    ]


def _field(
    to: str, table: str, *, columns: tuple[str, ...] = (), join: JoinTable | None = None
) -> AssociationField:
    return AssociationField(
        name=field_name(to, None), to_pipeline=to, to_hubspot_object=to, to_external_object=table,
        label=None, direction=Direction.BOTH, columns=columns, join=join,
    )  # fmt: skip


def _key_column(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer, primary_key=True, autoincrement=False)


class SqlRelatedTables:
    """The target, join and users tables of one test, created on first use and dropped after."""

    def __init__(self, engine: sa.Engine, crm: sa.Table) -> None:
        self.engine = engine
        self.crm = crm
        metadata = sa.MetaData()
        name = crm.name
        self.firms = sa.Table(f"{name}_firms", metadata, _key_column("id"))
        self.lines = sa.Table(
            f"{name}_lines", metadata,
            sa.Column("order_no", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("line_no", sa.String(20), primary_key=True),
        )  # fmt: skip
        self.groups = sa.Table(f"{name}_groups", metadata, _key_column("id"))
        self.members = sa.Table(
            f"{name}_pg", metadata,
            sa.Column("person_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
        )  # fmt: skip
        self.users = sa.Table(
            f"{name}_emp", metadata,
            sa.Column("emp_no", sa.String(10), primary_key=True),
            sa.Column("email", sa.String(120)),
        )  # fmt: skip
        self.metadata = metadata
        metadata.create_all(engine)
        self.relations = RelationFields(
            single=_field("firms", self.firms.name, columns=("firm_id",)),
            composite=_field("lines", self.lines.name, columns=("order_no", "line_no")),
            many=_field(
                "groups",
                self.groups.name,
                join=JoinTable(self.members.name, "person_id", "group_id"),
            ),
            holds_one=True,
        )
        self.owners = OwnersSettings(table=self.users.name, key="emp_no", email="email")
        self._line_keys: dict[str, tuple[int, str]] = {}

    def fields(self) -> list[AssociationField]:
        composite = self.relations.composite
        assert composite is not None
        return [self.relations.single, composite, self.relations.many]

    def seed_target(self, field: AssociationField, number: int) -> str:
        with self.engine.begin() as conn:
            if field is self.relations.composite:
                line = f"L:{number}"
                conn.execute(sa.insert(self.lines).values(order_no=number, line_no=line))
                record_id = f"{number}:" + line.replace("\\", "\\\\").replace(":", "\\:")
                self._line_keys[record_id] = (number, line)
                return record_id
            table = self.firms if field is self.relations.single else self.groups
            conn.execute(sa.insert(table).values(id=number))
        return str(number)

    def columns_for(self, links: dict[str, list[str]]) -> dict[str, Any]:
        """The contract row's foreign-key values for these links."""
        values: dict[str, Any] = {}
        for firm in links.get(self.relations.single.name, []):
            values["firm_id"] = int(firm)
        composite = self.relations.composite
        for line in links.get(composite.name if composite else "", []):
            values["order_no"], values["line_no"] = self._line_keys[line]
        return values

    def seed_members(self, person: str, links: dict[str, list[str]]) -> None:
        groups = links.get(self.relations.many.name, [])
        if groups:
            rows = [{"person_id": int(person), "group_id": int(g)} for g in groups]
            with self.engine.begin() as conn:
                conn.execute(sa.insert(self.members), rows)

    def pointed(self, person: str) -> dict[str, list[str]]:
        composite = self.relations.composite
        assert composite is not None
        row_query = sa.select(self.crm).where(self.crm.c.id == int(person))
        member_query = sa.select(self.members.c.group_id).where(
            self.members.c.person_id == int(person)
        )
        with self.engine.connect() as conn:
            row = conn.execute(row_query).mappings().one()
            groups = sorted(str(g) for g in conn.execute(member_query).scalars())
        line = None
        if row["order_no"] is not None and row["line_no"] is not None:
            escaped = str(row["line_no"]).replace("\\", "\\\\").replace(":", "\\:")
            line = f"{row['order_no']}:{escaped}"
        return {
            self.relations.single.name: [] if row["firm_id"] is None else [str(row["firm_id"])],
            composite.name: [] if line is None else [line],
            self.relations.many.name: groups,
        }

    def seed_owner(self, email: str) -> str:
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(self.users)).scalar_one()
        key = f"E{count + 1}"
        with self.engine.begin() as conn:
            conn.execute(sa.insert(self.users).values(emp_no=key, email=email))
        return key

    def drop(self) -> None:
        self.metadata.drop_all(self.engine, checkfirst=True)
