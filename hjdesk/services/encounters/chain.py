"""Amendment chains of signed encounters: which entries still stand.

A signed encounter is never changed; a correction is a new encounter whose `amends_id` points at
the entry it replaces, and "entered in error" is such an amendment with the flag set (domain.md
§3). So an entry *stands* when nothing amends it and it is not marked entered in error. Worklists,
trend charts and the second-stage check read standing entries only; the timeline shows them all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.common import clinic_time
from hjdesk.storage.models import Encounter


@dataclass(frozen=True, slots=True)
class StandingEncounter:
    id: str
    patient_id: str
    appointment_id: str | None
    kind: str
    started_at: datetime


def local_day(moment: datetime) -> date:
    """The calendar day in Europe/London, whatever the laptop's zone (a 00:30 BST visit is that
    day, not the day before in UTC)."""
    return clinic_time(moment).date()


def superseded_ids(session: Session, encounter_ids: Collection[str]) -> set[str]:
    """The ids among `encounter_ids` that a later entry amends."""
    if not encounter_ids:
        return set()
    found = session.scalars(
        select(Encounter.amends_id).where(Encounter.amends_id.in_(list(encounter_ids)))
    )
    return {value for value in found if value is not None}


def standing_encounters(
    session: Session,
    *,
    patient_ids: Collection[str] | None = None,
    appointment_ids: Collection[str] | None = None,
    kind: str | None = None,
) -> list[StandingEncounter]:
    """Signed encounters that still stand, filtered by patient, appointment and kind."""
    query = select(
        Encounter.id,
        Encounter.patient_id,
        Encounter.appointment_id,
        Encounter.kind,
        Encounter.started_at,
    ).where(Encounter.signed_at.is_not(None), Encounter.entered_in_error.is_(False))
    if patient_ids is not None:
        query = query.where(Encounter.patient_id.in_(list(patient_ids)))
    if appointment_ids is not None:
        query = query.where(Encounter.appointment_id.in_(list(appointment_ids)))
    if kind is not None:
        query = query.where(Encounter.kind == kind)
    rows = [StandingEncounter(*row) for row in session.execute(query)]
    gone = superseded_ids(session, [row.id for row in rows])
    return [row for row in rows if row.id not in gone]


def chain_ids(session: Session, encounter_id: str) -> list[str]:
    """Every entry in the chain holding `encounter_id`, original first.

    Amendments may only be made to the latest entry, so a chain is a straight line.
    """
    root = encounter_id
    while True:
        parent = session.scalar(select(Encounter.amends_id).where(Encounter.id == root))
        if parent is None:
            break
        root = parent
    chain = [root]
    while True:
        child = session.scalar(select(Encounter.id).where(Encounter.amends_id == chain[-1]))
        if child is None:
            return chain
        chain.append(child)
