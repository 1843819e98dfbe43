"""Apply validated roll rows to the vault: add, move, return, mark left — never delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.patients import fold
from hjdesk.services.roll_rows import ImportSummary, RollRow
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import Alert, Establishment, Location, Patient


class _Places:
    """Establishments and locations, created on first sight and cached for the import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.establishments = {e.code: e for e in session.scalars(select(Establishment))}
        self.locations = {
            (x.establishment_id, x.path): x for x in session.scalars(select(Location))
        }

    def establishment(self, code: str) -> Establishment:
        found = self.establishments.get(code)
        if found is None:
            found = Establishment(code=code, name=f"HMP {code}")
            self.session.add(found)
            self.session.flush()
            self.establishments[code] = found
        return found

    def location(self, establishment: Establishment, segments: Sequence[str]) -> Location:
        path = "-".join(segments)
        found = self.locations.get((establishment.id, path))
        if found is None:
            found = Location(
                establishment_id=establishment.id, path=path, wing=segments[0], depth=len(segments)
            )
            self.session.add(found)
            self.session.flush()
            self.locations[(establishment.id, path)] = found
        return found


def _set(obj: object, **values: object) -> bool:
    """Assign only what differs, so an unchanged re-import queues nothing."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _sync_alerts(session: Session, patient: Patient, codes: Sequence[str]) -> list[str]:
    """Mirror the roll's alerts; returns codes newly active."""
    current = {a.code: a for a in patient.alerts}
    new: list[str] = []
    for code in codes:
        alert = current.get(code)
        if alert is None:
            session.add(Alert(patient=patient, code=code, active=True))
            new.append(code)
        elif not alert.active:
            alert.active = True
            new.append(code)
    for code, alert in current.items():
        if code not in codes and alert.active:
            alert.active = False
    return new


def apply_rows(
    session: Session,
    rows: Sequence[RollRow],
    summary: ImportSummary,
    *,
    full_roll: bool,
    keep: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    places = _Places(session)
    by_number = {p.prison_number: p for p in session.scalars(select(Patient))}
    seen: set[str] = set(keep)
    for row in rows:
        establishment = places.establishment(row.establishment)
        location = places.location(establishment, row.location)
        patient = by_number.get(row.prison_number)
        seen.add(row.prison_number)
        details = dict(
            nhs_number=row.nhs_number,
            family_name=row.family_name,
            given_names=row.given_names,
            family_fold=fold(row.family_name),
            given_fold=fold(row.given_names),
            date_of_birth=row.date_of_birth,
            sex=row.sex,
            reception_date=row.reception_date,
            expected_release_date=row.expected_release_date,
        )
        if patient is None:
            patient = Patient(
                id=uuid7(),
                prison_number=row.prison_number,
                establishment_id=establishment.id,
                location_id=location.id,
                on_roll=True,
                **details,
            )
            session.add(patient)
            by_number[row.prison_number] = patient
            summary.added += 1
        elif not patient.on_roll:
            _set(patient, on_roll=True, left_at=None, establishment_id=establishment.id,
                 location_id=location.id, **details)  # fmt: skip
            summary.returned += 1
        elif _set(patient, establishment_id=establishment.id, location_id=location.id):
            _set(patient, **details)
            summary.moved += 1
        elif _set(patient, **details):
            summary.updated += 1
        else:
            summary.unchanged += 1
        if "HA" in _sync_alerts(session, patient, row.alerts):
            summary.new_acct_alerts.append(patient.id)
    if full_roll:
        _mark_left(by_number.values(), seen, {r.establishment for r in rows}, places, summary)


def _mark_left(
    patients: object,
    seen: set[str],
    codes: set[str],
    places: _Places,
    summary: ImportSummary,
) -> None:
    """Those on a full roll's establishments who are absent from it have left (not deleted)."""
    ids_in_file = {places.establishments[c].id for c in codes}
    now = datetime.now(UTC)
    for patient in patients:  # type: ignore[attr-defined]
        if (
            patient.on_roll
            and patient.establishment_id in ids_in_file
            and patient.prison_number not in seen
        ):
            patient.on_roll = False
            patient.left_at = now
            summary.left += 1
