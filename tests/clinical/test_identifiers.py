from datetime import date

import pytest

from hjdesk.clinical import identifiers as ids


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_valid_nhs_numbers(text):
    assert ids.is_valid_nhs_number(text)
    assert ids.normalise_nhs_number(text) == "9434765919"
    assert ids.format_nhs_number(text) == "943 476 5919"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9434765918", "check digit"),
        ("", "empty"),
        ("943476591", "10 digits, not 9"),
        ("94347659190", "10 digits, not 11"),
        ("94347A5919", "only digits"),
        ("١٢٣٤٥٦٧٨٩٠", "only digits"),
    ],
)
def test_invalid_nhs_numbers_say_why(text, reason):
    assert not ids.is_valid_nhs_number(text)
    with pytest.raises(ValueError, match=reason):
        ids.normalise_nhs_number(text)


def test_check_value_of_ten_is_invalid():
    # 1000000010: total = 10*1 + 2*1 = 12 → 11 - 1 = 10 → no valid check digit.
    for last in "0123456789":
        assert not ids.is_valid_nhs_number("100000001" + last)


def test_check_value_of_eleven_maps_to_zero():
    # 000000000 → total 0 → check 11 → 0.
    assert ids.is_valid_nhs_number("0000000000")
    assert not ids.is_valid_nhs_number("0000000001")


def test_identical_digits_warn_but_pass():
    assert ids.is_valid_nhs_number("0000000000")
    assert ids.nhs_number_warning("0000000000") is not None
    assert ids.nhs_number_warning("9434765919") is None


@pytest.mark.parametrize("text", ["A1234BC", "a1234bc", " Z9999ZZ "])
def test_valid_prison_numbers(text):
    assert ids.is_valid_prison_number(text)
    assert ids.normalise_prison_number(text) == text.strip().upper()


@pytest.mark.parametrize(
    "text", ["AB1234C", "A123BC", "A12345BC", "1234ABC", "", "A1234B", "A1234BCD"]
)
def test_invalid_prison_numbers(text):
    assert not ids.is_valid_prison_number(text)
    with pytest.raises(ValueError):
        ids.normalise_prison_number(text)


def test_establishment_codes():
    assert ids.normalise_establishment_code(" mdi ") == "MDI"
    for bad in ["MD", "MDIX", "M1I", ""]:
        with pytest.raises(ValueError, match="three letters"):
            ids.normalise_establishment_code(bad)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("A-2-014", ("A", "2", "014")),
        ("b-1", ("B", "1")),
        ("RECP", ("RECP",)),
        ("HB1-A-3-07", ("HB1", "A", "3", "07")),
    ],
)
def test_locations_are_segment_lists_of_any_depth(text, segments):
    assert ids.parse_location(text) == segments
    assert ids.format_location(segments) == text.upper()
    assert ids.wing_of(segments) == segments[0]


@pytest.mark.parametrize("text", ["", "A--1", "A-2-", "A 2"])
def test_bad_locations(text):
    with pytest.raises(ValueError):
        ids.parse_location(text)


def test_pseudo_locations():
    for code in ("RECP", "CSWAP", "HCU", "SEG"):
        assert ids.is_pseudo_location((code,))
    assert not ids.is_pseudo_location(("A", "1", "001"))


@pytest.mark.parametrize(
    ("dob", "on", "age"),
    [
        (date(1976, 11, 23), date(2026, 11, 22), 49),
        (date(1976, 11, 23), date(2026, 11, 23), 50),
        (date(1976, 2, 29), date(2026, 2, 28), 49),
        (date(1976, 2, 29), date(2026, 3, 1), 50),
    ],
)
def test_age_on_birthdays(dob, on, age):
    assert ids.age_on(dob, on) == age
    assert ids.is_older_prisoner(dob, on) is (age >= 50)


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        ids.age_on(date(2000, 1, 2), date(2000, 1, 1))
