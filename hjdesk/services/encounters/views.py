"""Read models of signed encounters: one entry with its scores, the timeline, trend series.

Built in batches (one query per table for many encounters), returned as frozen dataclasses.
Viewing a patient's timeline or observations is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hjdesk.clinical.questionnaires import PROMPT_ACCT
from hjdesk.services.actions import user_action
from hjdesk.services.common import NAME_NOT_HELD, patient_or_error
from hjdesk.services.encounters.chain import standing_encounters, superseded_ids
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.services.permissions import require
from hjdesk.services.printing import waits_for_hub
from hjdesk.services.staff_names import StaffName, staff_names
from hjdesk.storage.models import (
    Encounter,
    Measurement,
    Observation,
    OutboxOp,
    QuestionnaireResult,
    Task,
)
from hjdesk.storage.vault import OpenVault

INSTRUMENT_NAMES = {
    "PHQ9": "PHQ-9",
    "GAD7": "GAD-7",
    "SIX_CIT": "6CIT",
    "AQ10": "AQ-10",
    "CFS": "CFS",
}


@dataclass(frozen=True, slots=True)
class ObservationView:
    taken_at: datetime
    resp_rate: int
    spo2: int
    spo2_scale: int
    scale2_prescriber: str | None
    scale2_prescribed_on: date | None
    on_oxygen: bool
    systolic_bp: int
    diastolic_bp: int | None
    pulse: int
    consciousness: str
    temperature: float
    news2_total: int
    news2_risk: str
    red_score: bool
    subscores: Mapping[str, int] = field(hash=False)


@dataclass(frozen=True, slots=True)
class QuestionnaireView:
    instrument: str
    total: int
    band: str
    flagged: bool
    answers: Any = field(hash=False)
    override: Mapping[str, Any] | None = field(hash=False, default=None)

    @property
    def label(self) -> str:
        return f"{INSTRUMENT_NAMES.get(self.instrument, self.instrument)} {self.total} {self.band}"


@dataclass(frozen=True, slots=True)
class MeasurementView:
    code: str
    value: float | None
    text_value: str | None
    unit: str
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class TaskRef:
    id: str
    kind: str
    title: str


@dataclass(frozen=True, slots=True)
class EncounterView:
    """A signed encounter. `prompts`, `warnings` and `findings` are what the rules said when it
    was signed (NEWS2 validity warnings, the PHQ-9 prompts, HbA1c against target…)."""

    id: str
    patient_id: str
    kind: EncounterKind | str  # its text when it is none this version knows
    ltc_condition: str | None
    appointment_id: str | None
    place: str
    started_at: datetime
    ended_at: datetime | None
    narrative: str
    consent_recorded: bool
    capacity_concern: bool
    data: Mapping[str, Any] = field(hash=False)
    author_id: str | None = None
    author_name: str = ""
    author_role: str = ""
    signed_at: datetime | None = None
    signed_by: str | None = None
    red_flags: tuple[str, ...] = ()
    escalation_action: str | None = None
    escalated_to: str | None = None
    escalated_at: datetime | None = None
    amends_id: str | None = None
    amendment_reason: str | None = None
    entered_in_error: bool = False
    observation: ObservationView | None = None
    questionnaires: tuple[QuestionnaireView, ...] = ()
    measurements: tuple[MeasurementView, ...] = ()
    tasks: tuple[TaskRef, ...] = ()
    prompts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    pathway: str | None = None

    @property
    def news2_total(self) -> int | None:
        return None if self.observation is None else self.observation.news2_total

    @property
    def prompt_acct_concern(self) -> bool:
        """PHQ-9 item 9 above 0: prompt the clinician to consider raising an ACCT concern."""
        return PROMPT_ACCT in self.prompts


def _day(text: str | None) -> date | None:
    """The scale 2 prescription's day, kept as text (`YYYY-MM-DD`); None when empty, or when a
    pulled record holds text that is not a day (the payload rules check only its length)."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def observation_view(row: Observation) -> ObservationView:
    return ObservationView(
        taken_at=row.taken_at,
        resp_rate=row.resp_rate,
        spo2=row.spo2,
        spo2_scale=row.spo2_scale,
        scale2_prescriber=row.scale2_prescriber,
        scale2_prescribed_on=_day(row.scale2_prescribed_on),
        on_oxygen=row.on_oxygen,
        systolic_bp=row.systolic_bp,
        diastolic_bp=row.diastolic_bp,
        pulse=row.pulse,
        consciousness=row.consciousness,
        temperature=row.temperature,
        news2_total=row.news2_total,
        news2_risk=row.news2_risk,
        red_score=row.red_score,
        subscores=MappingProxyType(row.subscores or {}),
    )


def questionnaire_view(row: QuestionnaireResult) -> QuestionnaireView:
    override = row.override
    return QuestionnaireView(
        instrument=row.instrument,
        total=row.total,
        band=row.band,
        flagged=row.flagged,
        answers=row.answers,
        override=MappingProxyType(override) if isinstance(override, dict) else None,
    )


_R = TypeVar("_R")


def _by_encounter(rows: Iterable[_R], key: str) -> dict[str, list[_R]]:
    out: dict[str, list[_R]] = {}
    for row in rows:
        out.setdefault(getattr(row, key), []).append(row)
    return out


@dataclass(frozen=True, slots=True)
class _Related:
    """Rows that belong to a batch of encounters, grouped by encounter id."""

    observations: dict[str, Observation]
    questionnaires: dict[str, list[QuestionnaireResult]]
    measurements: dict[str, list[Measurement]]
    tasks: dict[str, list[Task]]
    staff: Mapping[str, StaffName | Signer]


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signed, when the caller knows it without reading the staff row."""

    display_name: str
    role: str


def _related(session: Session, encounters: Sequence[Encounter]) -> _Related:
    ids = [e.id for e in encounters]
    authors = [e.signed_by or e.author_id or "" for e in encounters]
    return _Related(
        observations={
            o.encounter_id: o
            for o in session.scalars(select(Observation).where(Observation.encounter_id.in_(ids)))
        },
        questionnaires=_by_encounter(
            session.scalars(
                select(QuestionnaireResult)
                .where(QuestionnaireResult.encounter_id.in_(ids))
                .order_by(QuestionnaireResult.instrument)
            ),
            "encounter_id",
        ),
        measurements=_by_encounter(
            session.scalars(
                select(Measurement)
                .where(Measurement.encounter_id.in_(ids))
                .order_by(Measurement.code)
            ),
            "encounter_id",
        ),
        tasks=_by_encounter(
            session.scalars(select(Task).where(Task.source_id.in_(ids)).order_by(Task.kind)),
            "source_id",
        ),
        staff=staff_names(session, authors),
    )


def _kind(value: str) -> EncounterKind | str:
    """The entry's kind; its text when it is none this version knows (a newer version's, or a
    pulled record from a device in hostile hands): shown as it is, never stopping the record."""
    try:
        return EncounterKind(value)
    except ValueError:
        return value


def _texts(value: object) -> tuple[str, ...]:
    """What the rules said at signing, as lines of text, whatever a pulled record holds."""
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return () if value is None or value == "" else (str(value),)


def _mapping(value: object, key: str) -> dict[str, Any]:
    """`value` when it is an object; else (a pulled record holding another shape) the value
    under `key`, so it still shows, as text, and nothing reading it by key fails."""
    if isinstance(value, dict):
        return value
    return {} if value is None else {key: value}


def _author(who: StaffName | Signer | None, signed_role: str) -> dict[str, str]:
    if who is None:
        return {"author_name": NAME_NOT_HELD, "author_role": signed_role}
    if isinstance(who, Signer):  # the signed-in user, who just signed
        return {"author_name": who.display_name, "author_role": signed_role or who.role}
    name, role = who.signed_as(signed_role)
    return {"author_name": name, "author_role": role}


def _view(e: Encounter, related: _Related) -> EncounterView:
    # `data` is always an object (the payload rules see to it); what is inside is read here as
    # the encounter service writes it, `{"answers": {…}, "derived": {…}}`, and anything else a
    # pulled record holds is shown as text rather than stopping the patient's record.
    stored = _mapping(e.data, "data")
    derived = _mapping(stored.get("derived"), "derived")
    pathway = derived.get("pathway")
    who = related.staff.get(e.signed_by or e.author_id or "")
    observation = related.observations.get(e.id)
    return EncounterView(
        id=e.id,
        patient_id=e.patient_id,
        kind=_kind(e.kind),
        ltc_condition=e.ltc_condition,
        appointment_id=e.appointment_id,
        place=e.place,
        started_at=e.started_at,
        ended_at=e.ended_at,
        narrative=e.narrative,
        consent_recorded=e.consent_recorded,
        capacity_concern=e.capacity_concern,
        data=MappingProxyType(_mapping(stored.get("answers"), "answers")),
        author_id=e.signed_by or e.author_id,
        # The role at signing; rows from before it was kept show the signer's present role.
        **_author(who, e.signed_role or ""),
        signed_at=e.signed_at,
        signed_by=e.signed_by,
        red_flags=tuple(e.red_flags or []),
        escalation_action=e.escalation_action,
        escalated_to=e.escalated_to,
        escalated_at=e.escalated_at,
        amends_id=e.amends_id,
        amendment_reason=e.amendment_reason,
        entered_in_error=e.entered_in_error,
        observation=observation_view(observation) if observation is not None else None,
        questionnaires=tuple(questionnaire_view(q) for q in related.questionnaires.get(e.id, [])),
        measurements=tuple(
            MeasurementView(m.code, m.value, m.text_value, m.unit, m.taken_at)
            for m in related.measurements.get(e.id, [])
        ),
        tasks=tuple(TaskRef(t.id, t.kind, t.title) for t in related.tasks.get(e.id, [])),
        prompts=_texts(derived.get("prompts")),
        warnings=_texts(derived.get("warnings")),
        findings=_texts(derived.get("findings")),
        pathway=None if pathway is None else str(pathway),
    )


def written_view(
    session: Session,
    encounter: Encounter,
    scores: Iterable[Observation | QuestionnaireResult | Measurement],
    tasks: Iterable[Task],
    signer: tuple[str, Signer] | None = None,
) -> EncounterView:
    """The view of an encounter just written in this session, from the rows in hand: the same
    view `encounter_views` reads back (a test compares them), without re-reading four tables
    (a quarter of the time of signing an entry, docs/performance.md). `signer`, (staff id, who),
    is used instead of reading the staff row when that staff id signed it."""
    rows = list(scores)
    observations = [r for r in rows if isinstance(r, Observation)]
    questionnaires = sorted(
        (r for r in rows if isinstance(r, QuestionnaireResult)), key=lambda q: q.instrument
    )
    measurements = sorted((r for r in rows if isinstance(r, Measurement)), key=lambda m: m.code)
    author = encounter.signed_by or encounter.author_id
    staff: dict[str, StaffName | Signer] = {}
    if signer is not None and author == signer[0]:
        staff[author] = signer[1]
    elif author:
        staff.update(staff_names(session, [author]))
    view = _view(
        encounter,
        _Related(
            observations={encounter.id: observations[-1]} if observations else {},
            questionnaires={encounter.id: questionnaires},
            measurements={encounter.id: measurements},
            tasks={encounter.id: sorted(tasks, key=lambda t: t.kind)},
            staff=staff,
        ),
    )
    # As read back: every stored time is UTC (the rows in hand keep the zone they were given in).
    return _in_utc(view)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _utc_at(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _in_utc(view: EncounterView) -> EncounterView:
    observation = view.observation
    if observation is not None:
        observation = replace(observation, taken_at=_utc_at(observation.taken_at))
    return replace(
        view,
        started_at=_utc_at(view.started_at),
        ended_at=_utc(view.ended_at),
        signed_at=_utc(view.signed_at),
        escalated_at=_utc(view.escalated_at),
        observation=observation,
        measurements=tuple(replace(m, taken_at=_utc_at(m.taken_at)) for m in view.measurements),
    )


def encounter_views(session: Session, encounters: Sequence[Encounter]) -> list[EncounterView]:
    """Views of many encounters (one query per related table), keeping their order."""
    related = _related(session, encounters)
    return [_view(e, related) for e in encounters]


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One entry on a patient's timeline. `superseded`: a later entry amends this one."""

    encounter_id: str
    kind: EncounterKind | str
    started_at: datetime
    author_name: str
    author_role: str
    summary: str
    news2_total: int | None
    questionnaire_bands: tuple[str, ...]
    red_flags: tuple[str, ...]
    is_amendment: bool
    superseded: bool
    entered_in_error: bool
    amendment_reason: str | None


def _summary(view: EncounterView) -> str:
    if view.entered_in_error:
        return f"Entered in error: {view.amendment_reason or ''}".strip()
    first = view.narrative.strip().splitlines()[0] if view.narrative.strip() else ""
    return first if len(first) <= 120 else first[:119] + "…"


def patient_timeline(vault: OpenVault, patient_id: str) -> tuple[TimelineItem, ...]:
    """Every encounter, newest first, with amendment and entered-in-error markers."""
    with user_action(vault, "view_patient") as act:
        patient_or_error(act.session, patient_id)
        rows = list(
            act.session.scalars(
                select(Encounter)
                .where(Encounter.patient_id == patient_id)
                .order_by(
                    Encounter.started_at.desc(), Encounter.signed_at.desc(), Encounter.id.desc()
                )
            )
        )
        gone = superseded_ids(act.session, [r.id for r in rows])
        items = tuple(
            TimelineItem(
                encounter_id=v.id,
                kind=v.kind,
                started_at=v.started_at,
                author_name=v.author_name,
                author_role=v.author_role,
                summary=_summary(v),
                news2_total=v.news2_total,
                questionnaire_bands=tuple(q.label for q in v.questionnaires),
                red_flags=v.red_flags,
                is_amendment=v.amends_id is not None,
                superseded=v.id in gone,
                entered_in_error=v.entered_in_error,
                amendment_reason=v.amendment_reason,
            )
            for v in encounter_views(act.session, rows)
        )
        act.audit(kind="view_timeline", patient_id=patient_id)
    return items


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    at: datetime
    value: float
    encounter_id: str | None


@dataclass(frozen=True, slots=True)
class ObservationSeries:
    """Trend-chart points, oldest first, from entries that still stand."""

    news2_total: tuple[SeriesPoint, ...]
    systolic_bp: tuple[SeriesPoint, ...]
    diastolic_bp: tuple[SeriesPoint, ...]
    pulse: tuple[SeriesPoint, ...]
    hba1c: tuple[SeriesPoint, ...]


def _sorted(points: list[SeriesPoint]) -> tuple[SeriesPoint, ...]:
    return tuple(sorted(points, key=lambda p: p.at))


def _series(obs: Sequence[Observation], ms: Sequence[Measurement]) -> ObservationSeries:
    def measured(code: str) -> list[SeriesPoint]:
        return [
            SeriesPoint(m.taken_at, m.value or 0.0, m.encounter_id) for m in ms if m.code == code
        ]

    def observed(column: str) -> list[SeriesPoint]:
        return [
            SeriesPoint(o.taken_at, getattr(o, column), o.encounter_id)
            for o in obs
            if getattr(o, column) is not None
        ]

    return ObservationSeries(
        news2_total=_sorted(observed("news2_total")),
        systolic_bp=_sorted(observed("systolic_bp") + measured("BP_SYSTOLIC")),
        diastolic_bp=_sorted(observed("diastolic_bp") + measured("BP_DIASTOLIC")),
        pulse=_sorted(observed("pulse")),
        hba1c=_sorted(measured("HBA1C")),
    )


def observations_series(vault: OpenVault, patient_id: str) -> ObservationSeries:
    """NEWS2, blood pressure, pulse and HbA1c over time, for the trend charts."""
    with user_action(vault, "view_patient") as act:
        patient_or_error(act.session, patient_id)
        standing = {e.id for e in standing_encounters(act.session, patient_ids=[patient_id])}
        obs = [
            o
            for o in act.session.scalars(
                select(Observation).where(Observation.patient_id == patient_id)
            )
            if o.encounter_id in standing
        ]
        ms = [
            m
            for m in act.session.scalars(
                select(Measurement).where(
                    Measurement.patient_id == patient_id,
                    Measurement.code.in_(["BP_SYSTOLIC", "BP_DIASTOLIC", "HBA1C"]),
                    Measurement.value.is_not(None),
                )
            )
            if m.encounter_id is None or m.encounter_id in standing
        ]
        act.audit(kind="view_observations", patient_id=patient_id)
    return _series(obs, ms)


def standing_with_results(
    vault: OpenVault, patient_id: str, *, holding: Literal["observations", "questionnaires"]
) -> list[EncounterView]:
    """The patient's standing encounters that hold an observation set or a questionnaire, oldest
    first: what a trend printout shows."""
    require(vault.actor, "view_patient")
    results = Observation if holding == "observations" else QuestionnaireResult
    with vault.session() as session:
        standing = {e.id for e in standing_encounters(session, patient_ids=[patient_id])}
        having = set(
            session.scalars(select(results.encounter_id).where(results.patient_id == patient_id))
        )
        rows = list(
            session.scalars(
                select(Encounter)
                .where(Encounter.id.in_(list(standing & having)))
                .order_by(Encounter.started_at, Encounter.id)
            )
        )
        return encounter_views(session, rows)


def results_unsynced(
    vault: OpenVault, patient_id: str, *, holding: Literal["observations", "questionnaires"]
) -> bool:
    """Whether an entry behind a trend printout still waits for the hub: an encounter holding
    such results, or an amendment of one. A withdrawal counts: the printout leaves the entry out
    while the office still shows it (a correction holds the results itself)."""
    require(vault.actor, "view_patient")
    results = Observation if holding == "observations" else QuestionnaireResult
    holders = select(results.encounter_id).where(results.patient_id == patient_id)
    amending = select(Encounter.id).where(
        Encounter.patient_id == patient_id, Encounter.amends_id.in_(holders)
    )
    with vault.session() as session:
        return waits_for_hub(
            session,
            OutboxOp.kind == "encounter",
            or_(OutboxOp.record_id.in_(holders), OutboxOp.record_id.in_(amending)),
        )
