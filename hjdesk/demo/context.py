"""What every part of the demo history shares: the patients as plain values, the staff, the
clock, seeded random streams, and batches of rows written parent-first.

Everything here is synthetic. Each part of the history draws from its own stream
(`random.Random(seed + n)`) and walks patients in prison-number order, so the same seed and day
always give the same history, and a change to one part leaves the others as they were.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.identifiers import PSEUDO_LOCATIONS, age_on
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import Alert, Base, Condition, Location, Patient, Staff, Task


@dataclass(frozen=True, slots=True)
class DemoPatient:
    id: str
    prison_number: str
    date_of_birth: date
    reception_date: date | None
    release_date: date | None
    location: str
    wing: str
    alerts: frozenset[str]
    conditions: tuple[tuple[str, str, date | None], ...]  # (condition id, code, onset)

    def has(self, code: str) -> bool:
        return any(c == code for _, c, _ in self.conditions)

    @property
    def on_wing(self) -> bool:
        return bool(self.wing) and self.wing not in PSEUDO_LOCATIONS


@dataclass(slots=True)
class Batch:
    """Rows to insert: each layer is flushed before the next (children need their parents)."""

    layers: tuple[list[Base], ...] = field(default_factory=lambda: ([], [], [], []))

    def add(self, layer: int, *rows: Base) -> None:
        self.layers[layer].extend(rows)

    def counts(self) -> Counter[str]:
        return Counter(type(row).__name__ for layer in self.layers for row in layer)

    def write(self, session: Session) -> None:
        for layer in self.layers:
            session.add_all(layer)
            session.flush()


@dataclass(slots=True)
class DemoContext:
    seed: int
    today: date
    now: datetime
    staff: dict[str, str]
    patients: list[DemoPatient]
    establishment_id: str
    mh: set[str] = field(default_factory=set)
    second_stage_done: set[str] = field(default_factory=set)
    hypo_drug: set[str] = field(default_factory=set)  # diabetics on insulin or a sulfonylurea

    def rng(self, part: int) -> random.Random:
        return random.Random(self.seed + part)  # noqa: S311 - reproducible synthetic data

    @property
    def wings(self) -> list[str]:
        return sorted({p.wing for p in self.patients if p.on_wing})

    def age(self, patient: DemoPatient, on: date | None = None) -> int:
        return age_on(patient.date_of_birth, on or self.today)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the prison (Europe/London) as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), CLINIC_ZONE).astimezone(UTC)


def new_id() -> str:
    return uuid7()


def signed(when: datetime, staff_id: str) -> dict[str, object]:
    """Columns of an entry signed by `staff_id` at `when`."""
    return {"signed_at": when, "signed_by": staff_id, "author_id": staff_id}


def task(
    patient_id: str,
    kind: str,
    title: str,
    detail: str,
    *,
    due_at: datetime | None,
    open_: bool,
    source_id: str | None,
    author_id: str,
) -> Task:
    return Task(
        id=new_id(),
        patient_id=patient_id,
        kind=kind,
        title=title,
        detail=detail,
        due_at=due_at,
        status="OPEN" if open_ else "DONE",
        source_id=source_id,
        author_id=author_id,
    )


def load_patients(session: Session) -> list[DemoPatient]:
    """Everyone on the roll, in prison-number order (ids are random; numbers come from the seed)."""
    alerts: dict[str, set[str]] = {}
    for pid, code in session.execute(
        select(Alert.patient_id, Alert.code).where(Alert.active.is_(True))
    ):
        alerts.setdefault(pid, set()).add(code)
    conditions: dict[str, list[tuple[str, str, date | None]]] = {}
    for cid, pid, code, onset in session.execute(
        select(Condition.id, Condition.patient_id, Condition.code, Condition.onset)
        .where(Condition.active.is_(True))
        .order_by(Condition.code)
    ):
        conditions.setdefault(pid, []).append((cid, code, onset))
    rows = session.execute(
        select(
            Patient.id,
            Patient.prison_number,
            Patient.date_of_birth,
            Patient.reception_date,
            Patient.expected_release_date,
            Location.path,
            Location.wing,
        )
        .outerjoin(Location, Patient.location_id == Location.id)
        .where(Patient.on_roll.is_(True))
        .order_by(Patient.prison_number)
    )
    return [
        DemoPatient(
            id=pid,
            prison_number=number,
            date_of_birth=dob,
            reception_date=received,
            release_date=release,
            location=path or "",
            wing=wing or "",
            alerts=frozenset(alerts.get(pid, ())),
            conditions=tuple(conditions.get(pid, ())),
        )
        for pid, number, dob, received, release, path, wing in rows
    ]


def load_staff(session: Session) -> dict[str, str]:
    return {name: staff_id for name, staff_id in session.execute(select(Staff.username, Staff.id))}
