"""Apply validated roll rows to the vault: add, move, return, mark left — never delete.

Every record the roll makes takes its estate-wide id (hjdesk.clinical.estate_ids), so two laptops
importing the same roll make the same records. Roll fields are mirrored, each with the stamp of the
roll it came from (`stamp`: when the roll was taken from the prison system, then when it was
imported): a field is written only when this roll is newer than the one that wrote it, so an old
file imported late never undoes a newer one, here or — by the same rule — at the hub.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import estate_ids
from hjdesk.services.patients import fold
from hjdesk.services.roll.rows import ImportSummary, RollRow
from hjdesk.storage.models import Alert, Establishment, Location, Patient, RollLinkFlag


class _Places:
    """Establishments and locations, created on first sight and cached for the import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.establishments = {e.code: e for e in session.scalars(select(Establishment))}
        self.locations = {x.id: x for x in session.scalars(select(Location))}

    def establishment(self, code: str) -> Establishment:
        found = self.establishments.get(code)
        if found is None:
            found = Establishment(
                id=estate_ids.establishment_id(code), code=code, name=f"HMP {code}"
            )
            self.session.add(found)
            self.session.flush()
            self.establishments[code] = found
        return found

    def location(self, establishment: Establishment, segments: Sequence[str]) -> Location:
        path = "-".join(segments)
        key = estate_ids.location_id(establishment.code, path)
        found = self.locations.get(key)
        if found is None:
            found = Location(
                id=key,
                establishment_id=establishment.id,
                path=path,
                wing=segments[0],
                depth=len(segments),
            )
            self.session.add(found)
            self.session.flush()
            self.locations[key] = found
        return found


def _stamps(record: Patient | Alert) -> dict[str, str]:
    return dict(record.roll_stamps or {})


def _restamp(old: str, new: str) -> bool:
    """A later roll (not the same roll imported again) that agrees with a field still renews its
    stamp, so the hub knows the newest roll's value; the same roll again queues nothing."""
    return estate_ids.stamp_as_of(old) < estate_ids.stamp_as_of(new)


def _mirror(record: Patient | Alert, stamp: str, values: dict[str, Any]) -> tuple[bool, bool]:
    """Write the fields this roll is newer for, only where they differ. Returns (changed, older):
    `older` when a newer roll already wrote a different value."""
    stamps = _stamps(record)
    changed = older = renewed = False
    for name, value in values.items():
        mine = stamps.get(name, "")
        if mine > stamp:
            older = older or getattr(record, name) != value
            continue
        if getattr(record, name) != value:
            setattr(record, name, value)
            stamps[name] = stamp
            changed = True
        elif _restamp(mine, stamp):
            stamps[name] = stamp
            renewed = True
    if changed or renewed:
        record.roll_stamps = stamps
    return changed, older


def _place(patient: Patient, stamp: str, **values: Any) -> bool | None:
    """Move the patient as this roll says: True moved, False already there, None a newer roll
    placed them elsewhere (this roll is older and does not count)."""
    stamps = _stamps(patient)
    mine = stamps.get(estate_ids.PLACEMENT_STAMP, "")
    if mine > stamp:
        differs = any(getattr(patient, name) != value for name, value in values.items())
        return None if differs else False
    changed = False
    for name, value in values.items():
        if getattr(patient, name) != value:
            setattr(patient, name, value)
            changed = True
    if changed or _restamp(mine, stamp):
        stamps[estate_ids.PLACEMENT_STAMP] = stamp
        patient.roll_stamps = stamps
    return changed


def _sync_alerts(session: Session, patient: Patient, codes: Sequence[str], stamp: str) -> list[str]:
    """Mirror the roll's alerts; returns codes newly active."""
    current = {a.code: a for a in patient.alerts}
    new: list[str] = []
    for code in codes:
        alert = current.get(code)
        if alert is None:
            session.add(
                Alert(
                    id=estate_ids.alert_id(patient.id, code),
                    patient=patient,
                    code=code,
                    active=True,
                    roll_stamps={"active": stamp, "source": stamp},
                )
            )
            new.append(code)
        else:
            was = alert.active
            _mirror(alert, stamp, {"active": True})
            if alert.active and not was:
                new.append(code)
    for code, alert in current.items():
        if code not in codes and alert.active:
            _mirror(alert, stamp, {"active": False})
    return new


def apply_rows(
    session: Session,
    rows: Sequence[RollRow],
    summary: ImportSummary,
    *,
    full_roll: bool,
    stamp: str,
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
        details: dict[str, Any] = dict(
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
                id=estate_ids.patient_id(row.prison_number),
                prison_number=row.prison_number,
                establishment_id=establishment.id,
                location_id=location.id,
                on_roll=True,
                roll_stamps={**dict.fromkeys(details, stamp), estate_ids.PLACEMENT_STAMP: stamp},
                **details,
            )
            session.add(patient)
            by_number[row.prison_number] = patient
            summary.added += 1
            _flag_same_nhs_number(session, patient, row.row, summary)
        else:
            returning = not patient.on_roll
            moved = _place(patient, stamp, on_roll=True, left_at=None,
                           establishment_id=establishment.id, location_id=location.id)  # fmt: skip
            changed, older = _mirror(patient, stamp, details)
            if moved is None or older:
                summary.older += 1
            elif moved and returning:
                summary.returned += 1
            elif moved:
                summary.moved += 1
            elif changed:
                summary.updated += 1
            else:
                summary.unchanged += 1
        if "HA" in _sync_alerts(session, patient, row.alerts, stamp):
            summary.new_acct_alerts.append(patient.id)
    if full_roll:
        _mark_left(
            by_number.values(), seen, {r.establishment for r in rows}, places, summary, stamp
        )


def _flag_same_nhs_number(
    session: Session, patient: Patient, row: int, summary: ImportSummary
) -> None:
    """A new prison number whose NHS number is another patient's: flag it, never merge."""
    if not patient.nhs_number:
        return
    session.flush()
    others = session.scalars(
        select(Patient.id).where(Patient.nhs_number == patient.nhs_number, Patient.id != patient.id)
    ).all()
    for other in others:
        session.add(
            RollLinkFlag(
                patient_id=patient.id, other_patient_id=other, flagged_at=datetime.now(UTC)
            )
        )
    if others:
        summary.flagged += 1
        summary.warnings.append(
            (row, "the NHS number is another patient's: flagged on Admin → Roll to check and link")
        )


def _mark_left(
    patients: Iterable[Patient],
    seen: set[str],
    codes: set[str],
    places: _Places,
    summary: ImportSummary,
    stamp: str,
) -> None:
    """Those on a full roll's establishments who are absent from it have left (not deleted)."""
    ids_in_file = {places.establishments[c].id for c in codes}
    now = datetime.now(UTC)
    for patient in patients:
        if (
            patient.on_roll
            and patient.establishment_id in ids_in_file
            and patient.prison_number not in seen
            and _place(patient, stamp, on_roll=False, left_at=now)
        ):
            summary.left += 1
