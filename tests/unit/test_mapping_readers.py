"""FieldMap.canonical reads through readers compiled per field (mapping/readers.py): for every
field shape and value it must give what the field-by-field reading (_canonical_one) gives,
including the errors and the fields a skip leaves out."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from syncer.mapping.apply import FieldMap, FieldSpec, FieldValueError
from syncer.mapping.convert import to_native
from syncer.mapping.enumerated import UnmappedValue
from syncer.policies import Direction, Unmapped
from syncer.records import FieldShape, FieldType, Record, Side

_VALUES: list[Any] = [
    None, "", " ", "abc", "Abc@Example.COM ", "1", "0", "1.50", "-0", "1e3", "x1", "true",
    "no", "2024-02-29", "2024-02-29T10:11:12Z", "1700000000000", 7, 2.5, Decimal("3.10"),
    True, False, date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), "gold", "GOLD", "silver",
    "a" * 30,
]  # fmt: skip


def _specs() -> list[FieldSpec]:
    specs = []
    types = list(FieldType)
    tables = [({}, {}, None), ({"gold": "G"}, {"G": "gold"}, None), ({}, {}, frozenset({"gold"}))]
    shapes = [None, FieldShape(length=5), FieldShape(precision=5, scale=1)]
    combos = itertools.product(types, types, tables, shapes, list(Direction), [None, "x"])
    for n, (canon, ext, (to_ext, to_hub, options), shape, direction, default) in enumerate(combos):
        specs.append(
            FieldSpec(
                f"f{n}", f"c{n}", direction, canon, ext, to_ext, to_hub, False,
                external_shape=shape, options=options, default=default,
                unmapped=Unmapped.SKIP_FIELD if n % 2 else Unmapped.QUARANTINE,
            )
        )  # fmt: skip
    text = (FieldType.TEXT, FieldType.TEXT, {}, {})
    specs.append(FieldSpec("email", "mail", Direction.BOTH, *text, True))
    specs.append(FieldSpec("k", None, Direction.BOTH, *text, False, constant="K"))
    specs.append(FieldSpec("k2", None, Direction.BOTH, *text, False))
    return specs


def _one_by_one(fieldmap: FieldMap, spec: FieldSpec, record: Record, side: Side) -> Any:
    try:
        return fieldmap._canonical_one(spec, record, side)
    except UnmappedValue:
        return "<skipped>"
    except FieldValueError as exc:
        return ("error", exc.field, str(exc))
    except Exception as exc:  # whatever escapes must escape both ways alike
        return ("raised", type(exc).__name__)


@pytest.mark.parametrize("side", list(Side))
@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=-5))])
def test_compiled_readers_read_as_field_by_field(side: Side, tz: Any) -> None:
    for spec in _specs():
        fieldmap = FieldMap([spec], None, tz)
        name = spec.hubspot if side is Side.HUBSPOT or spec.external is None else spec.external
        for value in _VALUES:
            record = Record("1", {name: value})
            expected = _one_by_one(fieldmap, spec, record, side)
            try:
                got: Any = fieldmap.canonical(record, side).get(spec.hubspot, "<skipped>")
            except FieldValueError as exc:
                got = ("error", exc.field, str(exc))
            except Exception as exc:
                got = ("raised", type(exc).__name__)
            assert got == expected, (spec, side, value)


def test_compiled_external_writers_write_as_to_native() -> None:
    tz = timezone(timedelta(hours=-5))
    texts = [None, "", "gold", "G", "1.50", "2024-02-29", "2024-02-29T10:11:12.000Z", "true"]
    for spec in _specs():
        if spec.external is None:
            continue
        fieldmap = FieldMap([spec], None, tz)
        for text in texts:
            mapped = spec.to_external_values.get(text, text) if text is not None else None
            try:
                expected: Any = to_native(mapped, spec.external_type, tz)
            except Exception as exc:
                expected = ("raised", type(exc).__name__)
            try:
                got: Any = fieldmap.native({spec.hubspot: text}, Side.EXTERNAL)[spec.external]
            except Exception as exc:
                got = ("raised", type(exc).__name__)
            assert got == expected, (spec, text)
