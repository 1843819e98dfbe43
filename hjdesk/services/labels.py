"""How worklists name a patient and date an entry, so every list reads the same way.

A row names the patient (name, prison number, location) and nothing clinical; an entry's day is
the calendar day in England of its stored UTC time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.common import clinic_time
from hjdesk.storage.models import Establishment, Location, Patient


def days_past(due: date | None, today: date) -> int:
    return 0 if due is None else max(0, (today - due).days)


def local_date(moment: datetime) -> date:
    """The calendar day in England of a stored UTC time."""
    return clinic_time(moment).date()


@dataclass(frozen=True, slots=True)
class PatientLabel:
    """How a worklist row names a patient (no clinical detail)."""

    id: str
    display_name: str
    prison_number: str
    location: str
    wing: str
    date_of_birth: date
    reception_date: date | None


def display_name(family_name: str, given_names: str) -> str:
    return f"{family_name.upper()}, {given_names}"


def roll_labels(
    session: Session, *, establishment: str | None = None, wing: str | None = None
) -> dict[str, PatientLabel]:
    """Everyone on the roll (optionally of one establishment or wing), by patient id."""
    # Plain columns, not Patient entities: entities would also load alerts and locations.
    query = (
        select(
            Patient.id,
            Patient.family_name,
            Patient.given_names,
            Patient.prison_number,
            Location.path,
            Location.wing,
            Patient.date_of_birth,
            Patient.reception_date,
        )
        .join(Establishment, Patient.establishment_id == Establishment.id)
        .outerjoin(Location, Patient.location_id == Location.id)
        .where(Patient.on_roll.is_(True))
    )
    if establishment:
        query = query.where(Establishment.code == establishment)
    if wing:
        query = query.where(Location.wing == wing)
    return {
        pid: PatientLabel(
            pid, display_name(family, given), number, path or "", wing_ or "", dob, received
        )
        for pid, family, given, number, path, wing_, dob, received in session.execute(query)
    }
