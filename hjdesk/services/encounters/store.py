"""Writing a checked encounter: the encounter row and its observation, questionnaire results,
measurements and tasks, all signed at the same moment by the same person.

Ids are made before the rows are written because a signed row can never be updated afterwards:
everything it holds (the tasks it raised, the red flags, the escalation) is in it when inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.news2 import News2Result
from hjdesk.services.common import dumps, loads
from hjdesk.services.drafts import discard_in
from hjdesk.services.encounters.forms import EncounterInput, Prepared, VitalsInput
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import Encounter, Measurement, Observation, QuestionnaireResult, Task
from hjdesk.storage.vault import OpenVault


def _observation(
    signed: dict[str, Any], started_at: datetime, vitals: VitalsInput, result: News2Result
) -> Observation:
    prescribed = vitals.scale2_prescribed_on
    return Observation(
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
    """What `store_rows` wrote: the encounter and the rows that belong to it, so the caller can
    show the entry without reading it back (docs/performance.md)."""

    encounter: Encounter
    scores: tuple[Observation | QuestionnaireResult | Measurement, ...]
    tasks: tuple[Task, ...]


def _write_scores(
    session: Session, encounter: Encounter, prepared: Prepared, signer: str | None
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
            QuestionnaireResult(
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
            Measurement(
                **signed,
                code=m.code,
                value=m.value,
                text_value=m.text_value,
                unit=m.unit,
                taken_at=encounter.started_at,
            )
        )
    session.add_all(rows)
    return rows


def _raise_tasks(
    vault: OpenVault, session: Session, encounter: Encounter, prepared: Prepared, chain: list[str]
) -> list[Task]:
    earlier = (
        set(session.scalars(select(Task.kind).where(Task.source_id.in_(chain)))) if chain else set()
    )
    tasks = []
    for spec in prepared.tasks:
        if spec.kind in earlier:
            continue
        task = Task(
            id=uuid7(),
            patient_id=encounter.patient_id,
            kind=spec.kind,
            title=spec.title,
            detail=spec.detail,
            due_at=spec.due_at,
            source_id=encounter.id,
        )
        session.add(task)
        tasks.append(task)
    if not tasks:
        return tasks
    session.flush()
    for task in tasks:
        vault.audit(
            "task_raised",
            patient_id=encounter.patient_id,
            detail={"task_id": task.id, "kind": task.kind, "encounter_id": encounter.id},
            session=session,
        )
    return tasks


def _encounter_row(
    vault: OpenVault, inp: EncounterInput, prepared: Prepared, when: datetime
) -> Encounter:
    esc = prepared.escalation
    return Encounter(
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


def store(
    vault: OpenVault,
    session: Session,
    inp: EncounterInput,
    prepared: Prepared,
    when: datetime,
    chain: list[str],
    amends: Encounter | None = None,
    reason: str | None = None,
) -> Encounter:
    """Write the encounter, its scores and tasks (the prepared form), signed at `when`."""
    return store_rows(
        vault, session, inp, prepared, when, chain, amends=amends, reason=reason
    ).encounter


class StoreOptions(TypedDict, total=False):
    """An amendment's original and reason; `flush=False` when the caller flushes."""

    amends: Encounter | None
    reason: str | None
    flush: bool


def store_rows(
    vault: OpenVault,
    session: Session,
    inp: EncounterInput,
    prepared: Prepared,
    when: datetime,
    chain: list[str],
    **options: Unpack[StoreOptions],
) -> Stored:
    """As `store`, returning the rows written with the encounter. With `flush=False` the caller
    flushes (signing adds its audit event first, so the entry takes one flush)."""
    amends, reason = options.get("amends"), options.get("reason")
    flush = options.get("flush", True)
    encounter = _encounter_row(vault, inp, prepared, when)
    if amends is not None:
        encounter.amends_id, encounter.amendment_reason = amends.id, reason
    # No flush of the encounter alone: one flush inserts it before the rows that point at it
    # (the unit of work orders inserts by foreign key), with the same outbox order; a flush per
    # entry fewer is ~10 % of signing one (docs/performance.md).
    session.add(encounter)
    scores = _write_scores(session, encounter, prepared, vault.actor.staff_id)
    tasks = _raise_tasks(vault, session, encounter, prepared, chain)
    if inp.draft_id is not None:
        discard_in(session, vault, inp.draft_id, why="signed")
    if flush:
        session.flush()
    return Stored(encounter, tuple(scores), tuple(tasks))
