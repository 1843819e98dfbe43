"""Parse and validate prison roll CSV files (architecture.md §8): types and row checks.

Row numbers are lines of the file with the header as row 1, so a clerk can find the row in a
spreadsheet.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from hjdesk.clinical import identifiers as ids
from hjdesk.storage.errors import KnownError
from hjdesk.storage.models import Establishment, Location, Patient

COLUMNS = (
    "prison_number",
    "nhs_number",
    "family_name",
    "given_names",
    "date_of_birth",
    "sex",
    "establishment",
    "location",
    "reception_date",
    "expected_release_date",
    "alerts",
)
SEXES = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "NK": "NK", "NS": "NS", "X": "NS"}
MAX_BYTES = 64 * 1024 * 1024
# Only the first 64 KiB decide whether a file is a binary file; a NUL further on is a control
# character in one row (refused with its row number, the other rows load).
BINARY_SNIFF = 65536


def _length(column: object) -> int:
    length = getattr(getattr(column, "type", None), "length", None)
    assert isinstance(length, int)
    return length


# The longest each field may be, as typed (before trimming): the vault column's length where the
# field is stored as typed; room for spaces or dashes where it is normalised first (an NHS number
# "999 123 4567"); dates are YYYY-MM-DD. Nothing longer reaches a column or a report line.
FIELD_LIMITS = {
    "prison_number": _length(Patient.prison_number) + 4,
    "nhs_number": _length(Patient.nhs_number) + 4,
    "family_name": _length(Patient.family_name),
    "given_names": _length(Patient.given_names),
    "date_of_birth": 12,
    "sex": _length(Patient.sex),
    "establishment": _length(Establishment.code) + 4,
    "location": _length(Location.path),
    "reception_date": 12,
    "expected_release_date": 12,
    "alerts": 400,
}
# Bidirectional overrides and isolates can make a name display as another (Trojan Source);
# they have no place in a roll field, any more than C0/C1 control characters.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RollFileError(KnownError):
    """The file is not a roll at all; nothing was written."""


@dataclass(frozen=True, slots=True)
class RollRow:
    row: int
    prison_number: str
    nhs_number: str | None
    family_name: str
    given_names: str
    date_of_birth: date
    sex: str
    establishment: str
    location: tuple[str, ...]
    reception_date: date | None
    expected_release_date: date | None
    alerts: tuple[str, ...]


@dataclass(slots=True)
class ImportSummary:
    added: int = 0
    moved: int = 0
    left: int = 0
    returned: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows a newer roll (taken later from the prison system) had already written: kept as they are.
    older: int = 0
    # New prison numbers whose NHS number is another patient's (Admin → Roll, to link).
    flagged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    new_acct_alerts: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = (
            f"added {self.added}, moved {self.moved}, left {self.left}, "
            f"returned {self.returned}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
        )
        out = [head]
        out += [f"row {row}: rejected: {reason}" for row, reason in self.rejected]
        out += [f"row {row}: warning: {reason}" for row, reason in self.warnings]
        if self.older:
            out.append(f"{self.older} rows kept the values of a newer roll already here")
        if self.flagged:
            out.append(
                f"{self.flagged} NHS numbers to check on Admin → Roll (possible same person)"
            )
        return out


# -- parsing --------------------------------------------------------------------------------


def decode_roll(data: bytes) -> list[tuple[int, dict[str | None, str | None]]]:
    """Check the bytes are a roll (UTF-8 text with the right header); return its data rows, each
    with the line it starts on (header = 1; blank lines count, as in an editor or spreadsheet)."""
    text = _roll_text(data)
    # A field longer than csv's default limit (128 KiB) must be one row's error, reported with
    # its row number, not the whole file's (the limit is process-wide; raising it is harmless).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
    try:
        return _records(text)
    except csv.Error as exc:
        raise RollFileError(f"The roll file is not valid CSV: {exc}.") from None


def _roll_text(data: bytes) -> str:
    if not data.strip():
        raise RollFileError("The roll file is empty.")
    if b"\x00" in data[:BINARY_SNIFF]:
        raise RollFileError("The roll file is not text (it looks like a binary file).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RollFileError(f"The roll file is not UTF-8 text (byte {exc.start}).") from None


def _records(text: str) -> list[tuple[int, dict[str | None, str | None]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RollFileError(
            "This is not a prison roll: the header lacks " + ", ".join(missing) + "."
        )
    records: list[tuple[int, dict[str | None, str | None]]] = []
    while True:
        line = reader.line_num + 1
        values = next(reader, None)
        if values is None:
            return records
        if not values:
            continue  # a blank line: skipped, but counted
        record: dict[str | None, str | None] = dict(zip(header, values, strict=False))
        if len(values) > len(header):
            record[None] = ",".join(values[len(header) :])  # too many fields
        for name in header[len(values) :]:
            record[name] = None  # too few fields
        records.append((line, record))


def check_field(name: str, value: str) -> None:
    """Refuse a field too long for its column or holding a control character (ValueError)."""
    limit = FIELD_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters ({len(value)})")
    for char in value:
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise ValueError(f"{name} contains a control character (U+{ord(char):04X})")


def _date(value: str, name: str, *, required: bool) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise ValueError(f"{name} is missing")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def parse_row(
    number: int, raw: dict[str | None, str | None], today: date
) -> tuple[RollRow, list[str]]:
    """Validate one row; raise ValueError with the reason, or return it with any warnings."""
    if None in raw or any(raw.get(c) is None for c in COLUMNS):
        raise ValueError("wrong number of fields")
    for name in COLUMNS:  # first: later messages quote values, which are then short and clean
        check_field(name, raw[name] or "")
    get = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    warnings: list[str] = []
    nhs: str | None = None
    if get["nhs_number"]:
        nhs = ids.normalise_nhs_number(get["nhs_number"])
        warning = ids.nhs_number_warning(nhs)
        if warning:
            warnings.append(warning)
    family, given = _names(get)
    dob = _date(get["date_of_birth"], "date_of_birth", required=True)
    assert dob is not None
    if dob > today:
        raise ValueError("date_of_birth is in the future")
    sex = SEXES.get(get["sex"].upper())
    if sex is None:
        raise ValueError(f"sex {get['sex']!r} is not one of M, F, NK, NS")
    alerts = _alerts(get["alerts"])
    row = RollRow(
        row=number,
        prison_number=ids.normalise_prison_number(get["prison_number"]),
        nhs_number=nhs,
        family_name=family,
        given_names=given,
        date_of_birth=dob,
        sex=sex,
        establishment=ids.normalise_establishment_code(get["establishment"]),
        location=ids.parse_location(get["location"]),
        reception_date=_date(get["reception_date"], "reception_date", required=False),
        expected_release_date=_date(
            get["expected_release_date"], "expected_release_date", required=False
        ),
        alerts=alerts,
    )
    return row, warnings


def _names(get: dict[str, str]) -> tuple[str, str]:
    family, given = get["family_name"], get["given_names"]
    if not family:
        raise ValueError("family_name is missing")
    if not given:
        raise ValueError("given_names is missing")
    return family, given


def _alerts(text: str) -> tuple[str, ...]:
    alerts = tuple(sorted({a.strip().upper() for a in text.split(";") if a.strip()}))
    for alert in alerts:
        if not alert.isalnum() or len(alert) > 10:
            raise ValueError(f"alert code {alert!r} is not valid")
    return alerts


def parse_rows(
    records: Iterable[tuple[int, dict[str | None, str | None]]], summary: ImportSummary, today: date
) -> list[RollRow]:
    valid: list[RollRow] = []
    seen: dict[str, int] = {}
    for index, raw in records:
        try:
            row, warnings = parse_row(index, raw, today)
        except ValueError as exc:
            summary.rejected.append((index, str(exc)))
            continue
        if row.prison_number in seen:
            summary.rejected.append((index, f"prison number repeats row {seen[row.prison_number]}"))
            continue
        seen[row.prison_number] = index
        summary.warnings += [(index, w) for w in warnings]
        valid.append(row)
    return valid
