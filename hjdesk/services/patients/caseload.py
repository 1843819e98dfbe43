"""Reading the caseload: lists by wing, search, one patient's header. Views are audited."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, and_, cast, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from hjdesk.clinical.identifiers import age_on, format_nhs_number, is_older_prisoner
from hjdesk.services.actions import user_action
from hjdesk.services.common import local_today
from hjdesk.services.permissions import require
from hjdesk.storage.models import Alert, Establishment, Location, Patient, TransferNotice
from hjdesk.storage.vault import OpenVault

ALERT_LABELS = {
    "HA": "ACCT open",
    "HA1": "ACCT post-closure",
    "PEEP": "Personal emergency evacuation plan",
    "HID": "Hidden disability",
}


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]")


def fold(text: str) -> str:
    """Case- and accent-insensitive key: `O'Brien-Núñez` → `obriennunez`."""
    if text.isascii():
        # The same answer for ASCII (NFKD leaves it alone; casefold is lower; isalnum is
        # [a-z0-9] once lowered), in one pass of C: the Patients page folds 200,000 strings
        # at 100,000 patients (docs/performance.md, "The GUI thread at 100,000 patients").
        return _NOT_ASCII_ALNUM.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum())


@dataclass(frozen=True, slots=True)
class PatientRow:
    """A patient as lists show them: plain values, safe to pass between threads."""

    id: str
    prison_number: str
    nhs_number: str | None
    family_name: str
    given_names: str
    date_of_birth: date
    age: int
    sex: str
    establishment: str
    location: str
    wing: str
    alerts: tuple[str, ...]
    older_prisoner: bool
    on_roll: bool
    # A transfer the hub holds pending (architecture.md §5a): "arriving" (history still at the
    # office) or "leaving", with the other establishment's code; empty when none.
    transfer: str = ""
    transfer_other: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_names}"

    @property
    def nhs_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else "not known"


def _row(patient: Patient, establishment_code: str, today: date) -> PatientRow:
    location = patient.location
    return PatientRow(
        id=patient.id,
        prison_number=patient.prison_number,
        nhs_number=patient.nhs_number,
        family_name=patient.family_name,
        given_names=patient.given_names,
        date_of_birth=patient.date_of_birth,
        age=age_on(patient.date_of_birth, max(today, patient.date_of_birth)),
        sex=patient.sex,
        establishment=establishment_code,
        location=location.path if location else "",
        wing=location.wing if location else "",
        alerts=tuple(a.code for a in patient.alerts if a.active),
        older_prisoner=is_older_prisoner(patient.date_of_birth, today),
        on_roll=patient.on_roll,
    )


def _base_query() -> Select[Patient, str]:
    return (
        select(Patient, Establishment.code)
        .join(Establishment, Patient.establishment_id == Establishment.id)
        .options(selectinload(Patient.alerts))
    )


def caseload(
    vault: OpenVault, *, establishment: str | None = None, today: date | None = None
) -> list[PatientRow]:
    """Everyone on the roll, ordered by wing then location then name.

    Reads plain columns (no ORM objects) and all alerts in one query: 100,000 people in about a
    second rather than twenty.
    """
    require(vault.actor, "view_caseload")
    day = today or local_today()
    query = (
        select(
            Patient.id,
            Patient.prison_number,
            Patient.nhs_number,
            Patient.family_name,
            Patient.given_names,
            Patient.date_of_birth,
            Patient.sex,
            Establishment.code,
            Location.path,
            Location.wing,
        )
        .join(Establishment, Patient.establishment_id == Establishment.id)
        .outerjoin(Location, Patient.location_id == Location.id)
        .where(Patient.on_roll.is_(True))
        .order_by(Location.wing, Location.path, Patient.family_fold, Patient.given_fold)
    )
    if establishment:
        query = query.where(Establishment.code == establishment)
    with vault.session() as session:
        alerts: dict[str, list[str]] = {}
        for patient_id, code in session.execute(
            select(Alert.patient_id, Alert.code).where(Alert.active.is_(True)).order_by(Alert.code)
        ):
            alerts.setdefault(patient_id, []).append(code)
        return [
            PatientRow(
                id=pid,
                prison_number=number,
                nhs_number=nhs,
                family_name=family,
                given_names=given,
                date_of_birth=dob,
                age=age_on(dob, max(day, dob)),
                sex=sex,
                establishment=code,
                location=path or "",
                wing=wing or "",
                alerts=tuple(alerts.get(pid, ())),
                older_prisoner=is_older_prisoner(dob, day),
                on_roll=True,
            )
            for pid, number, nhs, family, given, dob, sex, code, path, wing in session.execute(
                query
            )
        ]


def _prefix(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], text: str
) -> ColumnElement[bool]:
    """`column` starts with `text`, as a range an index can answer: `text <= column < next`.

    SQLite answers `LIKE 'x%'` from an index only with case-sensitive LIKE or a NOCASE index; our
    keys are already folded (names) or upper-case (numbers), so a plain range is exact and
    fast."""
    if not text or ord(text[-1]) == sys.maxunicode:
        return column.startswith(text, autoescape=True)
    return and_(column >= text, column < text[:-1] + chr(ord(text[-1]) + 1))


_SEARCH_COLUMNS = (
    Patient.id, Patient.prison_number, Patient.nhs_number, Patient.family_name,
    Patient.given_names, Patient.date_of_birth, Patient.sex, Patient.on_roll, Establishment.code,
    Location.path, Location.wing, Patient.family_fold, Patient.given_fold,
)  # fmt: skip


def search(
    vault: OpenVault, text: str, *, limit: int = 50, today: date | None = None
) -> list[PatientRow]:
    """Find by prison number, NHS number or name prefix (family name, or 'family given').

    People on the roll come first, then those who left; numbers in number order, names in name
    order. Past `limit` matches, which people of the last family name listed come is not
    defined: type more of the name to narrow it."""
    require(vault.actor, "view_caseload")
    term = text.strip()
    if not term:
        return []
    compact = term.replace(" ", "").replace("-", "")
    by_name = False
    if compact.isdigit():
        match, order = _prefix(Patient.nhs_number, compact), [Patient.nhs_number]
    elif len(term) >= 2 and term[0].isalpha() and term[1:2].isdigit():
        match, order = _prefix(Patient.prison_number, term.upper()), [Patient.prison_number]
    else:
        # The whole term may be a family name with spaces ('Ní Bhriain', 'de la Cruz'), or any
        # of its spaces may separate family from given names ('ni bhriain aoife').
        words = term.split()
        matches = [_prefix(Patient.family_fold, fold(term))]
        for cut in range(1, len(words)):
            matches.append(
                and_(
                    _prefix(Patient.family_fold, fold(" ".join(words[:cut]))),
                    _prefix(Patient.given_fold, fold(" ".join(words[cut:]))),
                )
            )
        # In SQL by family name only: the index holds no given names, and sorting by them would
        # read every "Smith" in a large prison. Each group is put in given-name order below.
        match, order, by_name = or_(*matches), [Patient.family_fold], True
    query = (
        select(*_SEARCH_COLUMNS)
        .join(Establishment, Patient.establishment_id == Establishment.id)
        .outerjoin(Location, Patient.location_id == Location.id)
        .order_by(*order)
    )
    day = today or local_today()
    # Why it is shaped so (docs/performance.md): each query walks one index range in the order
    # wanted and stops at `limit`, so a prefix matching thousands costs what one matching fifty
    # does; plain columns, not ORM objects, because loading Patient instances with their
    # location and alerts was most of a search's time.
    with vault.session() as session:
        if by_name:
            # The name indexes lead with the establishment. Naming it (a laptop holds one, or a
            # few) lets SQLite walk the range in name order and stop at `limit`; a subquery
            # would have it read and sort every match instead.
            places = list(session.scalars(select(Establishment.id)))
            match = and_(Patient.establishment_id.in_(places), match)
        found: list[Row[Any]] = []
        for on_roll in (1, 0):
            if len(found) < limit:
                # CAST: not a column SQLite could answer from the on_roll index, which it would
                # otherwise pick, reading everyone on the roll to sort them.
                listed = cast(Patient.on_roll, Integer) == on_roll
                part: list[Row[Any]] = list(
                    session.execute(query.where(match, listed).limit(limit - len(found)))
                )
                if by_name:
                    part.sort(key=lambda r: (r.family_fold, r.given_fold, r.id))
                found.extend(part)
        alerts: dict[str, list[str]] = {}
        for patient_id, code in (
            session.execute(
                select(Alert.patient_id, Alert.code)
                .where(Alert.active.is_(True), Alert.patient_id.in_([r.id for r in found]))
                .order_by(Alert.code)
            )
            if found
            else ()
        ):
            alerts.setdefault(patient_id, []).append(code)
    return [
        PatientRow(
            id=r.id,
            prison_number=r.prison_number,
            nhs_number=r.nhs_number,
            family_name=r.family_name,
            given_names=r.given_names,
            date_of_birth=r.date_of_birth,
            age=age_on(r.date_of_birth, max(day, r.date_of_birth)),
            sex=r.sex,
            establishment=r.code,
            location=r.path or "",
            wing=r.wing or "",
            alerts=tuple(alerts.get(r.id, ())),
            older_prisoner=is_older_prisoner(r.date_of_birth, day),
            on_roll=r.on_roll,
        )
        for r in found
    ]


def open_patient(vault: OpenVault, patient_id: str, *, today: date | None = None) -> PatientRow:
    """One patient's header; opening a record is a view, and every view is audited."""
    with user_action(vault, "view_patient") as act:
        found = act.session.execute(_base_query().where(Patient.id == patient_id)).first()
        if found is None:
            from hjdesk.storage.errors import InvalidInput

            raise InvalidInput("That patient is not in this vault.")
        row = _row(found[0], found[1], today or local_today())
        notice = act.session.get(TransferNotice, patient_id)
        if notice is not None:
            other = notice.from_code if notice.direction == "arriving" else notice.to_code
            row = replace(row, transfer=notice.direction, transfer_other=other)
        act.audit(patient_id=patient_id)
    return row


def establishment_names(vault: OpenVault) -> list[str]:
    """The establishments this vault holds patients of, by name (the code when unnamed)."""
    require(vault.actor, "view_caseload")
    with vault.session() as session:
        found = session.execute(
            select(Establishment.code, Establishment.name).order_by(Establishment.code)
        ).all()
    return [name or code for code, name in found]
