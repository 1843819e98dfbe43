"""Screening and immunisation events, and the second-stage assessment after reception
(domain.md §8).

A screening event (programme, date, outcome, batch, next due) is a signed entry like an encounter:
never edited once recorded. The second-stage status uses clinical.reception: due within 7 days of
reception, overdue after, done by a standing SECOND_STAGE_ASSESSMENT encounter on or after the
reception day (one from an earlier stay does not count).

Decision (ours): reading the second-stage status is not audited — it is a status the worklists
ask for many patients at once, not an opening of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict, Unpack

from sqlalchemy import select

from hjdesk.clinical.reception import SecondStageStatus, second_stage_due
from hjdesk.clinical.reception import second_stage_status as status_rule
from hjdesk.services.actions import user_action
from hjdesk.services.clinics import completed_since, second_stage_done_on
from hjdesk.services.common import local_today, patient_or_error
from hjdesk.services.permissions import require
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import ScreeningEvent
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class ScreeningView:
    id: str
    patient_id: str
    programme: str
    event_date: date
    outcome: str
    batch: str | None
    next_due: date | None
    signed_at: datetime | None
    signed_by: str | None
    amends_id: str | None = None
    entered_in_error: bool = False
    superseded: bool = False  # a later entry amends this one: the record shows both


@dataclass(frozen=True, slots=True)
class SecondStageView:
    """`status` is None when the reception date is not known (nothing can be worked out)."""

    patient_id: str
    reception_date: date | None
    due: date | None
    status: SecondStageStatus | None
    completed_on: date | None


def screening_view(row: ScreeningEvent, superseded: bool = False) -> ScreeningView:
    return ScreeningView(
        id=row.id,
        patient_id=row.patient_id,
        programme=row.programme,
        event_date=row.event_date,
        outcome=row.outcome,
        batch=row.batch,
        next_due=row.next_due,
        signed_at=row.signed_at,
        signed_by=row.signed_by,
        amends_id=row.amends_id,
        entered_in_error=bool(row.entered_in_error),
        superseded=superseded,
    )


def screening_problems(
    programme: str,
    event_date: date,
    outcome: str,
    batch: str | None,
    next_due: date | None,
    today: date,
) -> list[str]:
    problems: list[str] = []
    if not programme.strip() or len(programme.strip()) > 40:
        problems.append("Give the screening or immunisation programme (up to 40 characters).")
    if not outcome.strip() or len(outcome.strip()) > 60:
        problems.append("Give the outcome (up to 60 characters).")
    if batch is not None and len(batch.strip()) > 60:
        problems.append("The batch number has at most 60 characters.")
    if event_date > today:
        problems.append("The date of the event is in the future.")
    if next_due is not None and next_due <= event_date:
        problems.append("The next due date must be after the event.")
    return problems


class ScreeningDetails(TypedDict, total=False):
    """What a screening event may say beyond programme, date and outcome; and test clocks."""

    batch: str | None
    next_due: date | None
    now: datetime | None
    today: date | None


def record_screening(
    vault: OpenVault,
    patient_id: str,
    programme: str,
    event_date: date,
    outcome: str,
    **details: Unpack[ScreeningDetails],
) -> ScreeningView:
    """Record and sign a screening or immunisation event."""
    batch, next_due = details.get("batch"), details.get("next_due")
    now, today = details.get("now"), details.get("today")
    with user_action(vault, "screening_recorded", now=now) as act:
        act.problems += screening_problems(
            programme, event_date, outcome, batch, next_due, today or local_today(act.now)
        )
        act.check()
        patient_or_error(act.session, patient_id)
        row = ScreeningEvent(
            patient_id=patient_id,
            programme=programme.strip().upper(),
            event_date=event_date,
            outcome=outcome.strip(),
            batch=batch.strip() if batch and batch.strip() else None,
            next_due=next_due,
            signed_at=act.now,
            signed_by=act.actor.staff_id,
        )
        act.session.add(row)
        act.session.flush()
        act.audit(
            patient_id=patient_id, detail={"screening_id": row.id, "programme": row.programme}
        )
        return screening_view(row)


def screening_history(vault: OpenVault, patient_id: str) -> tuple[ScreeningView, ...]:
    """A patient's screening and immunisation events, newest first; viewing is audited."""
    with user_action(vault, "view_patient") as act:
        patient_or_error(act.session, patient_id)
        rows = act.session.scalars(
            select(ScreeningEvent)
            .where(ScreeningEvent.patient_id == patient_id)
            .order_by(ScreeningEvent.event_date.desc(), ScreeningEvent.id.desc())
        ).all()
        amended = {r.amends_id for r in rows if r.amends_id}
        views = tuple(screening_view(r, r.id in amended) for r in rows)
        act.audit(kind="view_screening", patient_id=patient_id)
    return views


def second_stage_status(
    vault: OpenVault, patient_id: str, today: date | None = None
) -> SecondStageView:
    """Whether the second-stage assessment for the current reception is due, overdue or done."""
    require(vault.actor, "view_patient")
    day = today or local_today()
    with vault.session() as session:
        patient = patient_or_error(session, patient_id)
        reception = patient.reception_date
        if reception is None:
            return SecondStageView(patient_id, None, None, None, None)
        done = second_stage_done_on(session, [patient_id]).get(patient_id, [])
    completed = completed_since(done, reception)
    if day < reception:
        raise InvalidInput("Today is before this patient's reception date: check the roll.")
    return SecondStageView(
        patient_id=patient_id,
        reception_date=reception,
        due=second_stage_due(reception),
        status=status_rule(reception, completed, day),
        completed_on=completed,
    )
