"""Canonical forms: every native spelling of a value maps to one text, and back again.

Examples pin the spellings each side really sends (SQL Decimals, HubSpot strings, epoch
milliseconds, naive SQL datetimes in the table's time zone); Hypothesis checks the round trips
canonical -> native -> canonical and that canonical text is a fixed point.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syncer.mapping.apply import FieldMap
from syncer.mapping.compile import compile_mapping
from syncer.mapping.convert import normalise_email, to_canonical, to_hubspot_text, to_native
from syncer.records import FieldType, Record, Side
from syncer.settings_pipeline import PipelineSettings

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [UTC, PARIS, NEW_YORK, timezone(timedelta(hours=5, minutes=30))]
NUMBER, DATE, DATETIME = FieldType.NUMBER, FieldType.DATE, FieldType.DATETIME
BOOLEAN, TEXT = FieldType.BOOLEAN, FieldType.TEXT


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "canonical"),
    [
        ("3.50", "3.5"),
        (3.5, "3.5"),
        (Decimal("3.500"), "3.5"),
        ("1e3", "1000"),
        (Decimal("1E+2"), "100"),
        (" 42 ", "42"),
        (42, "42"),
        ("100", "100"),
        ("-0.00", "0"),
        (0.0, "0"),
        ("1E-7", "0.0000001"),
        (1e-7, "0.0000001"),
        ("-12.0", "-12"),
        (True, "1"),
        (False, "0"),
    ],
)
def test_numbers_have_one_spelling(native: Any, canonical: str) -> None:
    assert to_canonical(native, NUMBER) == canonical


@pytest.mark.parametrize("bad", ["abc", "1,000", "NaN", "Infinity", "-inf", "12 apples"])
def test_a_non_number_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        to_canonical(bad, NUMBER)


def test_whole_numbers_come_back_as_ints_and_fractions_as_decimals() -> None:
    assert to_native("1000", NUMBER) == 1000 and isinstance(to_native("1000", NUMBER), int)
    assert to_native("3.5", NUMBER) == Decimal("3.5")


@settings(max_examples=200)
@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=6))
def test_number_round_trip(number: Decimal) -> None:
    canonical = to_canonical(number, NUMBER)
    assert canonical is not None
    assert Decimal(canonical) == number
    assert to_canonical(canonical, NUMBER) == canonical
    assert to_canonical(to_native(canonical, NUMBER), NUMBER) == canonical
    assert "e" not in canonical.lower()


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_a_float_means_what_it_prints(number: float) -> None:
    assert Decimal(to_canonical(number, NUMBER) or "") == Decimal(repr(number))


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "canonical"),
    [
        (date(2026, 3, 1), "2026-03-01"),
        ("2026-03-01", "2026-03-01"),
        (" 2026-03-01 ", "2026-03-01"),
        ("1772323200000", "2026-03-01"),  # HubSpot: midnight UTC in epoch milliseconds
        (datetime(2026, 3, 1, 12, tzinfo=UTC), "2026-03-01"),
        ("2026-03-01T12:00:00Z", "2026-03-01"),
    ],
)
def test_dates_have_one_spelling(native: Any, canonical: str) -> None:
    assert to_canonical(native, DATE) == canonical


@pytest.mark.parametrize("bad", ["01/03/2026", "2026-13-01", "tomorrow", "2026-02-30"])
def test_a_non_date_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        to_canonical(bad, DATE)


def test_a_date_with_trailing_garbage_is_refused() -> None:
    with pytest.raises(ValueError, match="garbage"):
        to_canonical("2026-03-01garbage", DATE)


@given(st.dates())
def test_date_round_trip(day: date) -> None:
    canonical = day.isoformat()
    assert to_canonical(day, DATE) == canonical
    assert to_canonical(to_native(canonical, DATE), DATE) == canonical
    midnight_ms = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)
    if midnight_ms >= 0:
        assert to_canonical(str(midnight_ms), DATE) == canonical


@pytest.mark.parametrize(
    "native",
    [
        pytest.param(datetime(2026, 3, 1), id="naive-local-midnight"),
        pytest.param(datetime(2026, 3, 1, tzinfo=PARIS), id="aware-local-midnight"),
        pytest.param("2026-02-28T23:00:00.000Z", id="its-canonical-utc-text"),
    ],
)
def test_a_datetime_in_a_date_field_keeps_its_local_day(native: Any) -> None:
    assert to_canonical(native, DATE, PARIS) == "2026-03-01"


# -- datetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "zone", "canonical"),
    [
        (datetime(2026, 3, 1, 12, 0), UTC, "2026-03-01T12:00:00.000Z"),
        (datetime(2026, 3, 1, 12, 0), PARIS, "2026-03-01T11:00:00.000Z"),  # winter: UTC+1
        (datetime(2026, 7, 1, 12, 0), PARIS, "2026-07-01T10:00:00.000Z"),  # summer: UTC+2
        (datetime(2026, 3, 1, 12, 0, tzinfo=NEW_YORK), PARIS, "2026-03-01T17:00:00.000Z"),
        (datetime(2026, 3, 1, 12, 0, 0, 123999, tzinfo=UTC), UTC, "2026-03-01T12:00:00.123Z"),
        ("2026-03-01T12:00:00Z", PARIS, "2026-03-01T12:00:00.000Z"),
        ("2026-03-01T12:00:00.5+02:00", UTC, "2026-03-01T10:00:00.500Z"),
        ("2026-03-01T12:00:00", PARIS, "2026-03-01T11:00:00.000Z"),
        ("1772366400000", PARIS, "2026-03-01T12:00:00.000Z"),  # epoch ms are UTC by definition
        ("-1000", UTC, "1969-12-31T23:59:59.000Z"),
        (date(2026, 3, 1), UTC, "2026-03-01T00:00:00.000Z"),
    ],
)
def test_datetimes_are_utc_with_milliseconds(native: Any, zone: tzinfo, canonical: str) -> None:
    assert to_canonical(native, DATETIME, zone) == canonical


@pytest.mark.parametrize("bad", ["yesterday noon", "2026-03-01 25:00", "12:00", "1.5e12"])
def test_a_non_datetime_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        to_canonical(bad, DATETIME)


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(ZONES),
)
def test_datetime_round_trip(moment: datetime, zone: tzinfo) -> None:
    canonical = to_canonical(moment, DATETIME, zone)
    assert canonical is not None and canonical.endswith("Z")
    assert to_canonical(canonical, DATETIME, zone) == canonical
    assert to_canonical(to_native(canonical, DATETIME, zone), DATETIME, zone) == canonical
    back = datetime.fromisoformat(canonical.replace("Z", "+00:00"))
    exact = moment.replace(tzinfo=zone)
    assert timedelta(0) <= exact - back < timedelta(milliseconds=1)


@given(st.integers(min_value=-(10**12), max_value=10**13))
def test_epoch_milliseconds_keep_every_millisecond(millis: int) -> None:
    canonical = to_canonical(str(millis), DATETIME)
    assert canonical is not None
    back = datetime.fromisoformat(canonical.replace("Z", "+00:00"))
    assert back == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)


# -- booleans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "canonical"),
    [
        (True, "true"),
        (False, "false"),
        ("TRUE", "true"),
        (" yes ", "true"),
        ("1", "true"),
        (1, "true"),
        ("off", "false"),
        ("N", "false"),
        (0, "false"),
    ],
)
def test_booleans_have_one_spelling(native: Any, canonical: str) -> None:
    assert to_canonical(native, BOOLEAN) == canonical


@pytest.mark.parametrize("bad", ["maybe", "2", 2, "truthy"])
def test_a_non_boolean_is_refused_by_name(bad: Any) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        to_canonical(bad, BOOLEAN)


@given(st.booleans())
def test_boolean_round_trip(flag: bool) -> None:
    canonical = to_canonical(flag, BOOLEAN)
    assert canonical is not None
    assert to_native(canonical, BOOLEAN) is flag
    assert to_canonical(to_native(canonical, BOOLEAN), BOOLEAN) == canonical


# -- text, empty values and emails -----------------------------------------------------------


@pytest.mark.parametrize("ftype", list(FieldType))
def test_none_and_the_empty_string_are_no_value(ftype: FieldType) -> None:
    assert to_canonical(None, ftype) is None
    assert to_canonical("", ftype) is None
    assert to_native(None, ftype) is None


@given(st.text(min_size=1))
def test_text_is_kept_exactly(text: str) -> None:
    assert to_canonical(text, TEXT) == text
    assert to_native(text, TEXT) == text
    assert to_hubspot_text(text) == text


def test_hubspot_clears_a_value_with_an_empty_string() -> None:
    assert to_hubspot_text(None) == ""


@pytest.mark.parametrize(
    "spelling",
    [
        "ann@example.com",
        "  Ann@Example.COM ",
        "ANN@EXAMPLE.COM\t",
        "\uff21\uff2e\uff2e\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.\uff43\uff4f\uff4d",
    ],
)
def test_emails_compare_whatever_their_case_space_or_width(spelling: str) -> None:
    assert normalise_email(spelling) == "ann@example.com"


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000"])
def test_a_blank_email_is_no_email(empty: str | None) -> None:
    assert normalise_email(empty) is None


@pytest.mark.parametrize(
    ("unicode", "ace"),
    [
        ("ann@bücher.example", "ann@xn--bcher-kva.example"),
        ("0@\x80.example", "0@xn--a.example"),  # a control character: both stay in ACE
    ],
)
def test_a_domain_label_in_unicode_or_ace_is_one_key(unicode: str, ace: str) -> None:
    assert normalise_email(unicode) == normalise_email(ace)


@given(st.text())
@example("x@fa.xn--fa")  # the ACE label decodes to U+0085, a space the next pass strips
@example("x@xn--9ca211n.com")  # decodes to a label holding U+2028, a line separator
def test_normalising_an_email_is_idempotent(text: str) -> None:
    once = normalise_email(text)
    assert normalise_email(once) == once
    if once is not None:
        assert once == once.strip() and once == once.lower()


# -- through a pipeline's mapping ------------------------------------------------------------


def _paris_fieldmap(hub_type: FieldType, ext_type: FieldType) -> FieldMap:
    pipeline = PipelineSettings.model_validate(
        {
            "name": "contacts",
            "external_object": "customers",
            "sql": {"timezone": "Europe/Paris"},
            "fields": {"email": "email", "when": "when_col"},
        }
    )
    return compile_mapping(
        pipeline, {"email": TEXT, "when": hub_type}, {"email": TEXT, "when_col": ext_type}, PARIS
    )


def _through_external(fieldmap: FieldMap, canonical: str) -> str | None:
    """Write a canonical value to the external side as a naive local column would keep it,
    then read it back."""
    native = fieldmap.native({"when": canonical}, Side.EXTERNAL)["when_col"]
    if isinstance(native, datetime):
        native = native.astimezone(PARIS).replace(tzinfo=None)
    record = Record("1", {"email": "a@example.com", "when_col": native})
    return fieldmap.canonical(record, Side.EXTERNAL)["when"]


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)))
def test_a_datetime_survives_a_naive_local_column(moment: datetime) -> None:
    fieldmap = _paris_fieldmap(DATETIME, DATETIME)
    canonical = to_canonical(moment.replace(tzinfo=UTC), DATETIME)
    assert canonical is not None
    assert _through_external(fieldmap, canonical) == canonical


@given(st.dates(min_value=date(1970, 1, 2), max_value=date(2200, 1, 1)))
def test_a_date_survives_a_date_column(day: date) -> None:
    assert _through_external(_paris_fieldmap(DATE, DATE), day.isoformat()) == day.isoformat()


def test_a_date_survives_a_datetime_column_outside_utc() -> None:
    fieldmap = _paris_fieldmap(DATE, DATETIME)
    assert _through_external(fieldmap, "2026-03-01") == "2026-03-01"
