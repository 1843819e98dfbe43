"""Demo wing clinics: eight weeks of closed sessions with every kind of outcome, second-stage
assessment clinics for new receptions, and today's planned sessions for the desktop to open.

Outcomes obey `clinical.attendance`: attribution from the table, REFUSED with its three answers,
prison-attributed outcomes with a reason and a rebook, `requires_rebook` everywhere, and no run of
refusals long enough to need a review task (the demo would otherwise owe one).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from hjdesk.clinical import attendance as att
from hjdesk.clinical.attendance import ClinicType, Outcome
from hjdesk.demo.context import (
    Batch,
    DemoContext,
    DemoPatient,
    at,
    new_id,
)
from hjdesk.demo.encounters import (
    Visit,
    blood_pressure,
    diabetes_results,
    frailty_and_falls,
    ltc_answers,
    mood,
    visit,
    vitals,
)
from hjdesk.storage.models import Appointment, ClinicSession

HISTORY_DAYS = 56
OUTCOMES = {
    Outcome.ATTENDED: 40,
    Outcome.SEEN_AT_CELL_DOOR: 18,
    Outcome.SEEN_ELSEWHERE: 4,
    Outcome.REFUSED: 7,
    Outcome.DNA_PATIENT_CHOSE: 5,
    Outcome.NOT_UNLOCKED: 6,
    Outcome.NO_OFFICER_ESCORT: 4,
    Outcome.REGIME_RESTRICTED: 3,
    Outcome.LOCKDOWN_INCIDENT: 1,
    Outcome.AT_COURT: 2,
    Outcome.LEGAL_OR_SOCIAL_VISIT: 2,
    Outcome.AT_WORK_EDUCATION: 3,
    Outcome.IN_HOSPITAL: 1,
    Outcome.IN_SEGREGATION: 1,
    Outcome.SESSION_OVERRAN: 2,
    Outcome.CANCELLED_BY_HEALTHCARE: 1,
}
REASONS = {
    Outcome.NOT_UNLOCKED: "Officers tied up with movements; cell not unlocked",
    Outcome.NO_OFFICER_ESCORT: "No officer available to escort to the treatment room",
    Outcome.REGIME_RESTRICTED: "Regime restricted: staff shortage on the wing",
    Outcome.LOCKDOWN_INCIDENT: "Wing locked down after an incident",
    Outcome.AT_COURT: "At court (video link)",
    Outcome.IN_HOSPITAL: "Escorted to the local hospital",
    Outcome.SESSION_OVERRAN: "Clinic overran; not reached",
    Outcome.CANCELLED_BY_HEALTHCARE: "Nurse called to an emergency on another wing",
}
TYPES = {
    ClinicType.GENERAL_NURSE: 20,
    ClinicType.LTC_DIABETES: 12,
    ClinicType.LTC_HYPERTENSION: 10,
    ClinicType.LTC_RESPIRATORY: 10,
    ClinicType.LTC_EPILEPSY: 4,
    ClinicType.OLDER_PRISONER: 12,
    ClinicType.MH_IN_REACH: 10,
    ClinicType.IMMS_SCREENING: 8,
    ClinicType.SMOKING_CESSATION: 4,
    ClinicType.NEURODIVERSITY: 2,
}
LTC_OF = {
    ClinicType.LTC_DIABETES: ("DIABETES",),
    ClinicType.LTC_HYPERTENSION: ("HYPERTENSION",),
    ClinicType.LTC_RESPIRATORY: ("ASTHMA", "COPD"),
    ClinicType.LTC_EPILEPSY: ("EPILEPSY",),
}
REASON_TEXT = {
    ClinicType.GENERAL_NURSE: "Nurse review",
    ClinicType.OLDER_PRISONER: "Older prisoner review",
    ClinicType.MH_IN_REACH: "MH in-reach session",
    ClinicType.IMMS_SCREENING: "Immunisations",
    ClinicType.SMOKING_CESSATION: "Stop smoking support",
    ClinicType.NEURODIVERSITY: "Neurodiversity adjustments",
    ClinicType.SECOND_STAGE_ASSESSMENT: "Second-stage health assessment",
}
PERIOD_HOURS = {"AM": 9, "PM": 14, "ED": 18}
ENCOUNTER_KINDS = {
    ClinicType.MH_IN_REACH: "MH_SESSION",
    ClinicType.OLDER_PRISONER: "OLDER_PRISONER_REVIEW",
    ClinicType.SECOND_STAGE_ASSESSMENT: "SECOND_STAGE_ASSESSMENT",
}
NO_OBSERVATIONS = frozenset(
    {
        ClinicType.MH_IN_REACH,
        ClinicType.IMMS_SCREENING,
        ClinicType.SMOKING_CESSATION,
        ClinicType.NEURODIVERSITY,
    }
)
OFFICERS = ("Officer Hughes", "Officer Begum", "Officer Doyle", "Officer Kaur", "Officer Nwosu")


class Clinics:
    """Builds sessions; remembers refusals so no run reaches the review threshold."""

    def __init__(self, ctx: DemoContext, rng: random.Random) -> None:
        self.ctx, self.rng = ctx, rng
        self.refusals: dict[tuple[str, str], list[Outcome]] = {}
        self.second_stage_done: set[str] = set()
        self.by_wing: dict[str, list[DemoPatient]] = {}
        self.pools: dict[tuple[ClinicType, str], list[DemoPatient]] = {}
        for p in ctx.patients:
            self.by_wing.setdefault(p.wing, []).append(p)
        since = ctx.today - timedelta(days=HISTORY_DAYS + 7)
        self.recent = [
            p
            for p in ctx.patients
            if p.on_wing and p.reception_date is not None and p.reception_date >= since
        ]

    def candidates(self, kind: ClinicType, wings: list[str]) -> list[DemoPatient]:
        """Who a clinic of `kind` on `wings` could see (cached per wing: sessions are many)."""
        pool: list[DemoPatient] = []
        for wing in wings:
            key = (kind, wing)
            if key not in self.pools:
                self.pools[key] = [p for p in self.by_wing.get(wing, []) if self.fits(kind, p)]
            pool.extend(self.pools[key])
        return pool

    def fits(self, kind: ClinicType, p: DemoPatient) -> bool:
        if kind in LTC_OF:
            return any(p.has(c) for c in LTC_OF[kind])
        if kind is ClinicType.OLDER_PRISONER:
            return self.ctx.age(p) >= 50
        if kind is ClinicType.MH_IN_REACH:
            return p.id in self.ctx.mh
        if kind is ClinicType.NEURODIVERSITY:
            return "HID" in p.alerts
        return True

    def outcome(self, patient: DemoPatient, condition: str | None) -> Outcome:
        outcome = self.rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        if condition is None:
            return outcome
        history = self.refusals.setdefault((patient.id, condition), [])
        if outcome is Outcome.REFUSED and att.consecutive_refusals_reached([outcome, *history]):
            outcome = Outcome.ATTENDED  # the demo never owes a refusal review
        history.insert(0, outcome)
        return outcome

    def session(
        self,
        batch: Batch,
        kind: ClinicType,
        day: date,
        period: str,
        wings: list[str],
        people: list[DemoPatient],
        *,
        planned: bool = False,
    ) -> None:
        signer = "mhnurse" if kind is ClinicType.MH_IN_REACH else "nurse"
        row = ClinicSession(
            id=new_id(),
            establishment_id=self.ctx.establishment_id,
            clinic_type=kind,
            session_date=day,
            period=period,
            wings=";".join(wings),
            clinicians=[self.ctx.staff[signer]],
            facilitating_officer=self.rng.choice(OFFICERS),
            status="PLANNED" if planned else "CLOSED",
            author_id=self.ctx.staff[signer],
        )
        batch.add(0, row)
        for position, patient in enumerate(people):
            condition = next((c for c in LTC_OF.get(kind, ()) if patient.has(c)), None)
            appointment = Appointment(
                id=new_id(),
                session_id=row.id,
                patient_id=patient.id,
                position=position,
                reason=REASON_TEXT.get(kind, f"{(condition or '').title()} review"),
                ltc_condition=condition,
                author_id=self.ctx.staff[signer],
            )
            batch.add(1, appointment)
            if not planned:
                start = at(day, PERIOD_HOURS[period], 0) + timedelta(minutes=12 * position)
                self.end(batch, kind, appointment, patient, condition, start, signer)

    def end(
        self,
        batch: Batch,
        kind: ClinicType,
        appointment: Appointment,
        patient: DemoPatient,
        condition: str | None,
        start: datetime,
        signer: str,
    ) -> None:
        outcome = self.outcome(patient, condition)
        refused = outcome is Outcome.REFUSED
        details = att.OutcomeDetails(
            reason=REASONS.get(outcome),
            risks_explained=(self.rng.random() < 0.9) if refused else None,
            capacity_concern=(self.rng.random() < 0.05) if refused else None,
            witness_name=self.rng.choice(OFFICERS) if refused else None,
        )
        problems = att.validate_outcome(outcome, details)
        assert not problems, problems
        appointment.outcome, appointment.outcome_at = outcome, start
        appointment.attribution = att.attribution(outcome)
        appointment.outcome_by = self.ctx.staff[signer]
        appointment.outcome_reason = details.reason
        appointment.risks_explained = details.risks_explained
        appointment.capacity_concern = details.capacity_concern
        appointment.witness_name = details.witness_name
        appointment.rebook_required = att.requires_rebook(outcome)
        if att.opens_encounter(outcome):
            self.seen(batch, kind, appointment, patient, condition, start, signer, outcome)

    def seen(
        self,
        batch: Batch,
        kind: ClinicType,
        appointment: Appointment,
        patient: DemoPatient,
        condition: str | None,
        start: datetime,
        signer: str,
        outcome: Outcome,
    ) -> None:
        encounter_kind, place = _kind_and_place(kind, condition, outcome, patient)
        v = visit(
            self.ctx,
            patient,
            encounter_kind,
            start,
            "gp" if kind is ClinicType.LTC_EPILEPSY else signer,
            place=place,
            appointment_id=appointment.id,
            ltc_condition=condition,
            narrative=f"{appointment.reason}: seen, plan discussed and agreed.",
            layer=2,
        )
        if encounter_kind == "SECOND_STAGE_ASSESSMENT":
            self.second_stage_done.add(patient.id)
            v.answers.update(substance_use="discussed", mental_health="no current concerns")
        self.record(batch, kind, v, patient, condition, self.ctx.age(patient, start.date()))
        v.finish(batch)

    def record(
        self,
        batch: Batch,
        kind: ClinicType,
        v: Visit,
        patient: DemoPatient,
        condition: str | None,
        age: int,
    ) -> None:
        """What the visit records: questionnaires, LTC results, observations."""
        rng, ctx = self.rng, self.ctx
        if kind is ClinicType.MH_IN_REACH:
            mood(ctx, batch, rng, v, item9=rng.random() < 0.15)
        elif kind is ClinicType.OLDER_PRISONER:
            frailty_and_falls(batch, rng, v, age)
        if condition == "DIABETES":
            diabetes_results(batch, rng, v, patient.id in ctx.hypo_drug)
        elif condition == "HYPERTENSION":
            blood_pressure(batch, rng, v, age)
        elif condition is not None:
            ltc_answers(rng, v, condition)
        if kind not in NO_OBSERVATIONS and rng.random() < 0.7:
            vitals(batch, rng, v)


def _kind_and_place(
    kind: ClinicType, condition: str | None, outcome: Outcome, patient: DemoPatient
) -> tuple[str, str]:
    """The encounter form a clinic leads to, and where the patient was seen."""
    at_door = outcome is Outcome.SEEN_AT_CELL_DOOR
    place = f"Cell door {patient.location}" if at_door else f"{patient.wing} wing treatment room"
    if outcome is Outcome.SEEN_ELSEWHERE:
        place = "Healthcare unit"
    general = "LTC_REVIEW" if condition else ("CELL_DOOR" if at_door else "CLINIC_VISIT")
    return ENCOUNTER_KINDS.get(kind, general), place


def _working_days(ctx: DemoContext) -> list[date]:
    days = [ctx.today - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
    return [d for d in days if d.weekday() < 5]


def _second_stage(clinics: Clinics, batch: Batch, day: date, skip: set[str]) -> None:
    """New receptions of the last week, not yet assessed, on the day's assessment list."""
    due = [
        p
        for p in clinics.recent
        if p.reception_date is not None
        and p.id not in skip
        and p.id not in clinics.second_stage_done
        and day - timedelta(days=6) <= p.reception_date < day
        and clinics.rng.random() < 0.8
    ]
    if due:
        wings = sorted({p.wing for p in due})
        clinics.session(batch, ClinicType.SECOND_STAGE_ASSESSMENT, day, "AM", wings, due)


def past_sessions(ctx: DemoContext, overdue_receptions: set[str]) -> Iterator[Batch]:
    """Closed sessions over the last eight weeks, one batch a week."""
    clinics = Clinics(ctx, ctx.rng(20))
    per_day = max(2, round(len(ctx.patients) / 600))
    wings = ctx.wings
    batch = Batch()
    for day in _working_days(ctx):
        _second_stage(clinics, batch, day, overdue_receptions)
        for _ in range(per_day):
            kind = clinics.rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
            chosen = clinics.rng.sample(wings, 1 if kind is ClinicType.GENERAL_NURSE else 2)
            pool = clinics.candidates(kind, sorted(chosen))
            people = clinics.rng.sample(pool, min(len(pool), clinics.rng.randint(5, 10)))
            if people:
                period = clinics.rng.choice(["AM", "AM", "PM", "PM", "ED"])
                clinics.session(batch, kind, day, period, sorted(chosen), people)
        if day.weekday() == 4:
            yield batch
            batch = Batch()
    yield batch
    ctx.second_stage_done = clinics.second_stage_done


def todays_sessions(ctx: DemoContext) -> Batch:
    """Planned sessions today: a diabetes clinic, a nurse clinic and second-stage assessments."""
    clinics = Clinics(ctx, ctx.rng(21))
    batch = Batch()
    diabetic_wings = sorted(
        ctx.wings, key=lambda w: -len(clinics.candidates(ClinicType.LTC_DIABETES, [w]))
    )[:2]
    pool = clinics.candidates(ClinicType.LTC_DIABETES, sorted(diabetic_wings))
    clinics.session(
        batch,
        ClinicType.LTC_DIABETES,
        ctx.today,
        "AM",
        sorted(diabetic_wings),
        pool[:8],
        planned=True,
    )
    wing = ctx.wings[0]
    pool = clinics.candidates(ClinicType.GENERAL_NURSE, [wing])
    clinics.session(
        batch,
        ClinicType.GENERAL_NURSE,
        ctx.today,
        "PM",
        [wing],
        clinics.rng.sample(pool, min(8, len(pool))),
        planned=True,
    )
    new = [
        p
        for p in ctx.patients
        if p.reception_date is not None
        and p.id not in ctx.second_stage_done
        and ctx.today - timedelta(days=7) <= p.reception_date <= ctx.today
    ][:8]
    if new:
        wings = sorted({p.wing for p in new if p.wing})
        clinics.session(
            batch, ClinicType.SECOND_STAGE_ASSESSMENT, ctx.today, "AM", wings, new, planned=True
        )
    return batch


# Of the people received before the demo's eight weeks, about one in this many was never given a
# second-stage assessment: enough for Today's "long overdue" group to show, as few as a
# well-run prison would have (before, every earlier reception showed there).
EARLIER_MISSED_ONE_IN = 150


def earlier_assessments(ctx: DemoContext, per_batch: int = 5_000) -> Iterator[Batch]:
    """Second-stage assessments of the people received before the sessions' eight weeks, done
    within the week after reception as the rule asks (in batches: memory stays flat at 100,000
    patients)."""
    rng = ctx.rng(22)
    since = ctx.today - timedelta(days=HISTORY_DAYS + 7)
    batch = Batch()
    for patient in ctx.patients:
        received = patient.reception_date
        if received is None or received >= since or rng.randrange(EARLIER_MISSED_ONE_IN) == 0:
            continue
        day = received + timedelta(days=rng.randint(1, 6))
        start = at(day, rng.choice((9, 10, 11)), rng.choice((0, 20, 40)))
        v = visit(
            ctx,
            patient,
            "SECOND_STAGE_ASSESSMENT",
            start,
            rng.choice(("nurse", "mhnurse")),
            place="Reception",
            narrative="Second-stage health assessment after reception: history taken, plan agreed.",
        )
        v.answers.update(substance_use="discussed", mental_health="no current concerns")
        v.finish(batch)
        if len(batch.layers[0]) >= per_batch:
            yield batch
            batch = Batch()
    yield batch
