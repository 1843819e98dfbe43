"""Patient and place identifiers: NHS number, prison number, establishment, location, age.

Sources: NHS Data Dictionary (NHS number, modulus 11); MoJ validators for NOMIS prison numbers
(`ministryofjustice/book-a-prison-visit-staff-ui`); HMPPS older-prisoner threshold (50).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_PRISON_NUMBER = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")
_ESTABLISHMENT = re.compile(r"[A-Z]{3}")
_SEGMENT = re.compile(r"[A-Z0-9]{1,10}")

OLDER_PRISONER_AGE = 50
PSEUDO_LOCATIONS: dict[str, str] = {
    "RECP": "Reception",
    "CSWAP": "No cell",
    "HCU": "Healthcare unit",
    "SEG": "Segregation",
}


def _nhs_digits(text: str) -> str:
    return text.replace(" ", "").replace("-", "").strip()


def _nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None where no digit can be valid (10)."""
    total = sum(w * int(d) for w, d in zip(_NHS_WEIGHTS, first_nine, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(text: str) -> str:
    """Return the ten digits of a valid NHS number, or raise ValueError saying why."""
    digits = _nhs_digits(text)
    if not digits:
        raise ValueError("NHS number is empty")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("NHS number must contain only digits, spaces and hyphens")
    if len(digits) != 10:
        raise ValueError(f"NHS number must have 10 digits, not {len(digits)}")
    check = _nhs_check_digit(digits[:9])
    if check is None:
        raise ValueError("NHS number is not valid (no check digit is possible)")
    if check != int(digits[9]):
        raise ValueError("NHS number check digit does not match")
    return digits


def is_valid_nhs_number(text: str) -> bool:
    try:
        normalise_nhs_number(text)
    except ValueError:
        return False
    return True


def nhs_number_warning(text: str) -> str | None:
    """A warning for numbers that pass the checksum but are implausible (ten identical digits)."""
    digits = _nhs_digits(text)
    if len(digits) == 10 and len(set(digits)) == 1:
        return "NHS number has ten identical digits: check it against the source"
    return None


def format_nhs_number(text: str) -> str:
    """Display form `943 476 5919`; raises ValueError for an invalid number."""
    digits = normalise_nhs_number(text)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_prison_number(text: str) -> str:
    """Trim and upper-case a NOMIS prison number, or raise ValueError saying why."""
    value = text.strip().upper()
    if not value:
        raise ValueError("prison number is empty")
    if not _PRISON_NUMBER.fullmatch(value):
        raise ValueError(f"prison number {value!r} is not of the form A1234BC")
    return value


def is_valid_prison_number(text: str) -> bool:
    try:
        normalise_prison_number(text)
    except ValueError:
        return False
    return True


def normalise_establishment_code(text: str) -> str:
    value = text.strip().upper()
    if not _ESTABLISHMENT.fullmatch(value):
        raise ValueError(f"establishment code {text.strip()!r} must be three letters, e.g. MDI")
    return value


def parse_location(text: str) -> tuple[str, ...]:
    """Split `A-2-014` into its segments; depth varies by prison so none is assumed."""
    value = text.strip().upper()
    if not value:
        raise ValueError("location is empty")
    segments = tuple(value.split("-"))
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"location {text.strip()!r} has an invalid segment {segment!r}")
    return segments


def format_location(segments: Sequence[str]) -> str:
    return "-".join(segments)


def wing_of(segments: Sequence[str]) -> str:
    """The first segment: a wing, or a pseudo-location such as RECP."""
    return segments[0] if segments else ""


def is_pseudo_location(segments: Sequence[str]) -> bool:
    return len(segments) == 1 and segments[0] in PSEUDO_LOCATIONS


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on a day; someone born on 29 February has a birthday on 1 March."""
    if on < date_of_birth:
        raise ValueError("date is before the date of birth")
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def is_older_prisoner(date_of_birth: date, on: date, *, from_age: int = OLDER_PRISONER_AGE) -> bool:
    """Aged `from_age` (50, HMPPS's operational threshold) or over on `on`; never before the date
    of birth (a record pulled from a device in hostile hands may give one after today, which must
    not stop the caseload). The one rule: `reception.is_older_prisoner` applies it with its
    policy's age."""
    return on >= date_of_birth and age_on(date_of_birth, on) >= from_age
