"""Values as the external field will keep them: rounded to a DECIMAL's scale, refused when they
cannot fit its precision or a text column's length.

A number the column rounds on the way in (12.345 into DECIMAL(10,2) is kept as 12.35) must be
compared and hashed as the column keeps it: otherwise the next pass reads 12.35 back, takes it
for an edit and writes it to the other side. A value that cannot fit at all is refused here,
before anything is sent, naming what the column holds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from syncer.mapping.convert import to_canonical
from syncer.records import FieldShape, FieldType


def fit_number(text: str, shape: FieldShape) -> str:
    """Canonical number text rounded to `shape.scale` digits after the point (half away from
    zero, as PostgreSQL and MariaDB round); ValueError if the digits before it do not fit."""
    if shape.scale is None:
        return text
    number = Decimal(text)
    # Room for every digit the rounded number has: in Decimal's default 28, quantizing 1e30 to
    # two places raised InvalidOperation instead of the refusal below.
    room = Context(prec=max(28, number.adjusted() + shape.scale + 2))
    rounded = number.quantize(Decimal(1).scaleb(-shape.scale), rounding=ROUND_HALF_UP, context=room)
    if shape.precision is not None and rounded != 0:
        whole_digits = rounded.adjusted() + 1
        if whole_digits > shape.precision - shape.scale:
            raise ValueError(
                f"{text} does not fit a DECIMAL({shape.precision},{shape.scale}) column "
                f"(at most {shape.precision - shape.scale} digits before the point)"
            )
    fitted = to_canonical(rounded, FieldType.NUMBER)
    assert fitted is not None  # a finite number always has canonical text
    return fitted


def check_length(text: str, shape: FieldShape) -> None:
    """ValueError if `text` is longer than the column holds (in characters, as SQL counts)."""
    if shape.length is not None and len(text) > shape.length:
        raise ValueError(
            f"{len(text)} characters do not fit a column of {shape.length} ({text[:20]!r}...)"
        )
