"""Writing a checked encounter: the encounter row and its observation, questionnaire results,
measurements and tasks, all signed at the same moment by the same person.

Ids are made before the rows are written because a signed row can never be updated afterwards:
everything it holds (the tasks it raised, the red flags, the escalation) is in it when inserted.
A new entry is appended (`append_entry`, through `storage.append`: no flush); a correction goes
through the session (`store`), as amendments are rare and read their chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.news2 import News2Result
from hjdesk.services.common import dumps, loads
from hjdesk.services.drafts import discard_in
from hjdesk.services.encounters.forms import EncounterInput, Prepared, VitalsInput
from hjdesk.storage import audit
from hjdesk.storage.append import append_rows
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import (
    AuditEvent,
    Encounter,
    Measurement,
    Observation,
    QuestionnaireResult,
    Task,
)
from hjdesk.storage.models.new_rows import new_row
from hjdesk.storage.vault import OpenVault


def _observation(
    signed: dict[str, Any], started_at: datetime, vitals: VitalsInput, result: News2Result
) -> Observation:
    prescribed = vitals.scale2_prescribed_on
    return new_row(
        Observation,
        **signed,
        taken_at=vitals.taken_at or started_at,
        resp_rate=vitals.resp_rate,
        spo2=vitals.spo2,
        spo2_scale=vitals.spo2_scale,
        scale2_prescriber=(vitals.scale2_prescriber or "").strip() or None,
        scale2_prescribed_on=prescribed.isoformat() if prescribed else None,
        on_oxygen=vitals.on_oxygen,
        systolic_bp=vitals.systolic_bp,
        diastolic_bp=vitals.diastolic_bp,
        pulse=vitals.pulse,
        consciousness=str(vitals.consciousness).strip().upper(),
        temperature=float(vitals.temperature),
        subscores=dict(result.subscores),
        news2_total=result.total,
        news2_risk=result.risk,
        red_score=result.red_score,
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """An entry's rows (`entry_rows`): the encounter and the rows that belong to it, kept by the
    caller to show the entry without reading it back (docs/performance.md)."""

    encounter: Encounter
    scores: tuple[Observation | QuestionnaireResult | Measurement, ...]
    tasks: tuple[Task, ...]


def _scores(
    encounter: Encounter, prepared: Prepared, signer: str | None
) -> list[Observation | QuestionnaireResult | Measurement]:
    signed: dict[str, Any] = {
        "signed_at": encounter.signed_at,
        "signed_by": signer,
        "patient_id": encounter.patient_id,
        "encounter_id": encounter.id,
    }
    rows: list[Observation | QuestionnaireResult | Measurement] = []
    result, vitals = prepared.news2, prepared.vitals
    if result is not None and vitals is not None:
        rows.append(_observation(signed, encounter.started_at, vitals, result))
    for q in prepared.scores:
        rows.append(
            new_row(
                QuestionnaireResult,
                **signed,
                instrument=q.instrument,
                answers=q.answers,
                total=q.total,
                band=q.band,
                flagged=q.flagged,
                override=q.override,
                taken_at=encounter.started_at,
            )
        )
    for m in prepared.measurements:
        rows.append(
            new_row(
                Measurement,
                **signed,
                code=m.code,
                value=m.value,
                text_value=m.text_value,
                unit=m.unit,
                taken_at=encounter.started_at,
            )
        )
    return rows


def _tasks(
    session: Session, encounter: Encounter, prepared: Prepared, chain: list[str]
) -> list[Task]:
    """The tasks the entry raises: those its rules call for that no entry of its chain raised."""
    earlier = (
        set(session.scalars(select(Task.kind).where(Task.source_id.in_(chain)))) if chain else set()
    )
    return [
        new_row(
            Task,
            id=uuid7(),
            patient_id=encounter.patient_id,
            kind=spec.kind,
            title=spec.title,
            detail=spec.detail,
            due_at=spec.due_at,
            source_id=encounter.id,
        )
        for spec in prepared.tasks
        if spec.kind not in earlier
    ]


def _task_raised(encounter: Encounter, task: Task) -> dict[str, Any]:
    """What the audit event of a raised task says (ids and codes only)."""
    return {"task_id": task.id, "kind": task.kind, "encounter_id": encounter.id}


def _encounter_row(
    vault: OpenVault, inp: EncounterInput, prepared: Prepared, when: datetime
) -> Encounter:
    esc = prepared.escalation
    return new_row(
        Encounter,
        id=uuid7(),
        patient_id=inp.patient_id,
        appointment_id=inp.appointment_id,
        kind=prepared.kind.value,
        ltc_condition=prepared.ltc_condition,
        place=inp.place.strip(),
        started_at=prepared.started_at,
        ended_at=inp.ended_at,
        narrative=inp.narrative.strip(),
        consent_recorded=inp.consent_recorded,
        capacity_concern=inp.capacity_concern,
        data=loads(dumps({"answers": dict(inp.data), "derived": prepared.derived()})),
        red_flags=list(prepared.red_flags),
        escalation_action=esc.action if esc else None,
        escalated_to=esc.escalated_to if esc else None,
        escalated_at=esc.at if esc else None,
        signed_at=when,
        signed_by=vault.actor.staff_id,
    )


def entry_rows(
    vault: OpenVault,
    session: Session,
    inp: EncounterInput,
    prepared: Prepared,
    when: datetime,
    chain: list[str],
) -> Stored:
    """The rows of a checked entry (the encounter, its scores and the tasks it raises), made
    but not written."""
    encounter = _encounter_row(vault, inp, prepared, when)
    return Stored(
        encounter,
        tuple(_scores(encounter, prepared, vault.actor.staff_id)),
        tuple(_tasks(session, encounter, prepared, chain)),
    )


def store(
    vault: OpenVault,
    session: Session,
    inp: EncounterInput,
    prepared: Prepared,
    when: datetime,
    chain: list[str],
    amends: Encounter,
    reason: str,
) -> Encounter:
    """Write a correction of `amends` (the prepared form), signed at `when`, through the
    session (amendments are rare; a new entry is appended, `append_entry`)."""
    stored = entry_rows(vault, session, inp, prepared, when, chain)
    encounter = stored.encounter
    encounter.amends_id, encounter.amendment_reason = amends.id, reason
    session.add_all([encounter, *stored.scores, *stored.tasks])
    session.flush()
    for task in stored.tasks:
        vault.audit(
            "task_raised",
            patient_id=encounter.patient_id,
            detail=_task_raised(encounter, task),
            session=session,
        )
    if inp.draft_id is not None:
        discard_in(session, vault, inp.draft_id, why="signed")
    return encounter


def append_entry(
    vault: OpenVault,
    session: Session,
    stored: Stored,
    signed: dict[str, Any],
    draft_id: str | None = None,
    *,
    tail: tuple[int, str] | None = None,
) -> None:
    """Write a new signed entry in one go (`storage.append`): the encounter, its scores, its
    tasks, each task's "task_raised" audit event and the "encounter_signed" event (`signed`:
    its detail), in that order, stamped and queued to the outbox as a flush would. The form's
    draft, if any, is discarded after (its own audit event follows). `tail`: the audit chain's
    last link if the caller read it in this transaction before anything was audited in it."""
    encounter = stored.encounter
    events: list[AuditEvent] = []
    for task in stored.tasks:
        events.append(
            _event(
                vault, session, "task_raised", encounter, _task_raised(encounter, task), events,
                tail,
            )
        )  # fmt: skip
    events.append(_event(vault, session, "encounter_signed", encounter, signed, events, tail))
    append_rows(session, [encounter, *stored.scores, *stored.tasks, *events])
    if draft_id is not None:
        discard_in(session, vault, draft_id, why="signed")


def _event(
    vault: OpenVault,
    session: Session,
    action: str,
    encounter: Encounter,
    detail: dict[str, Any],
    before: list[AuditEvent],
    tail: tuple[int, str] | None,
) -> AuditEvent:
    return audit.next_event(
        session,
        vault.actor,
        action,
        device_id=vault.device_id,
        patient_id=encounter.patient_id,
        detail=detail,
        after=before[-1] if before else tail,
    )
