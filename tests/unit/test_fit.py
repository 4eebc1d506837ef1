"""Fitting a value to a SQL column's declared shape: rounding to the scale as the databases do,
refusing what cannot fit."""

from __future__ import annotations

import pytest

from syncer.mapping.fit import check_length, fit_number
from syncer.records import FieldShape

DECIMAL_10_2 = FieldShape(precision=10, scale=2)


@pytest.mark.parametrize(
    ("text", "fitted"),
    [
        ("12.345", "12.35"),  # half away from zero, as PostgreSQL and MariaDB round
        ("-12.345", "-12.35"),
        ("12.344", "12.34"),
        ("7", "7"),
        ("0.001", "0"),
        ("99999999.994", "99999999.99"),
    ],
)
def test_numbers_are_rounded_to_the_scale(text: str, fitted: str) -> None:
    assert fit_number(text, DECIMAL_10_2) == fitted


# 1e30 and beyond: more digits than Decimal's default context holds (28) once quantized to the
# scale; it raised decimal.InvalidOperation, which no record-level handler catches.
@pytest.mark.parametrize(
    "text", ["123456789", "99999999.995", "-100000000", "1e30", "-1E+40", "1" * 40]
)
def test_numbers_with_too_many_digits_before_the_point_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"does not fit a DECIMAL\(10,2\) column"):
        fit_number(text, DECIMAL_10_2)


def test_a_text_longer_than_the_column_is_refused() -> None:
    check_length("x" * 10, FieldShape(length=10))
    with pytest.raises(ValueError, match="11 characters do not fit a column of 10"):
        check_length("x" * 11, FieldShape(length=10))
