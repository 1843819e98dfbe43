"""Demo encounters and what they record, built by the same rules a real form goes through:
NEWS2 from `clinical.news2.score` (with the escalation recorded whenever the score needs one),
PHQ-9 and GAD-7 from `clinical.questionnaires` (item 9 above 0 → escalation and a risk-assessment
task), the Clinical Frailty Scale and the falls questions, and LTC results (HbA1c against its NG28
target, foot risk, clinic blood pressure).

Rows mirror what `encounter_store` writes: `data` holds {"answers", "derived"}, red-flag codes
and task kinds are the encounter service's own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from hjdesk.clinical import falls, frailty, ltc, news2, questionnaires
from hjdesk.demo.context import Batch, DemoContext, DemoPatient, new_id, signed, task
from hjdesk.storage.models import Encounter, Measurement, Observation, QuestionnaireResult

NEWS2_HIGH, NEWS2_MEDIUM, NEWS2_RED_SCORE, PHQ9_ITEM9 = (
    "NEWS2_HIGH",
    "NEWS2_MEDIUM",
    "NEWS2_RED_SCORE",
    "PHQ9_ITEM9",
)
DUTY_GP = "Duty GP (Dr Priya Raman)"


@dataclass(slots=True)
class Visit:
    """An encounter being put together; `rows` are its children (signed with it)."""

    encounter: Encounter
    signer: str
    answers: dict[str, Any]
    findings: list[str]
    red_flags: list[str]
    pathway: str | None = None
    task_open: bool = False
    layer: int = 0  # the batch layer of the encounter; its rows go one below

    def finish(self, batch: Batch) -> Encounter:
        enc = self.encounter
        enc.data = {
            "answers": self.answers,
            "derived": {
                "prompts": [],
                "warnings": [],
                "findings": self.findings,
                "pathway": self.pathway,
            },
        }
        enc.red_flags = list(self.red_flags)
        batch.add(self.layer, enc)
        return enc

    def child(self) -> dict[str, object]:
        enc = self.encounter
        assert enc.signed_at is not None
        return {
            **signed(enc.signed_at, self.signer),
            "patient_id": enc.patient_id,
            "encounter_id": enc.id,
        }


class VisitOptions(TypedDict, total=False):
    """What some visits say beyond the usual (keyword arguments of `visit`)."""

    place: str
    appointment_id: str | None
    ltc_condition: str | None
    minutes: int  # 20 unless given
    layer: int  # the insert layer; 0 unless given


def visit(
    ctx: DemoContext,
    patient: DemoPatient,
    kind: str,
    start: datetime,
    signer: str,
    *,
    narrative: str,
    **options: Unpack[VisitOptions],
) -> Visit:
    staff_id = ctx.staff[signer]
    end = start + timedelta(minutes=options.get("minutes", 20))
    enc = Encounter(
        id=new_id(),
        patient_id=patient.id,
        appointment_id=options.get("appointment_id"),
        kind=kind,
        ltc_condition=options.get("ltc_condition"),
        place=options.get("place", "")[:60],
        started_at=start,
        ended_at=end,
        narrative=narrative,
        consent_recorded=True,
        capacity_concern=False,
        **signed(end, staff_id),
    )
    recent = start > ctx.now - timedelta(days=21)
    return Visit(enc, staff_id, {}, [], [], task_open=recent, layer=options.get("layer", 0))


def _readings(rng: random.Random, level: int) -> dict[str, Any]:
    """Plausible vital signs: 0 well (NEWS2 0), 1 a little off (1-2), 2 unwell (5 or more)."""
    values: dict[str, Any] = {
        "resp_rate": rng.randint(12, 18),
        "spo2": rng.randint(96, 99),
        "on_oxygen": False,
        "systolic_bp": rng.randint(112, 148),
        "pulse": rng.randint(58, 88),
        "consciousness": "A",
        "temperature": round(rng.uniform(36.2, 37.6), 1),
    }
    if level == 1:
        key = rng.choice(["spo2", "pulse", "temperature", "resp_rate"])
        values[key] = {
            "spo2": 95,
            "pulse": rng.randint(92, 104),
            "temperature": 38.3,
            "resp_rate": 21,
        }[key]
    elif level == 2:
        values.update(
            resp_rate=rng.randint(23, 26),
            spo2=rng.randint(92, 94),
            pulse=rng.randint(112, 128),
            temperature=round(rng.uniform(38.4, 39.4), 1),
            systolic_bp=rng.randint(96, 108),
        )
    return values


def vitals(batch: Batch, rng: random.Random, v: Visit, *, unwell_rate: float = 0.03) -> None:
    """One set of observations scored with NEWS2; a score needing escalation gets one."""
    roll = rng.random()
    level = 2 if roll < unwell_rate else 1 if roll < unwell_rate + 0.25 else 0
    readings = _readings(rng, level)
    result = news2.score(**readings)
    taken = v.encounter.started_at + timedelta(minutes=3)
    batch.add(
        v.layer + 1,
        Observation(
            **v.child(),
            taken_at=taken,
            spo2_scale=1,
            diastolic_bp=readings["systolic_bp"] - 42,
            subscores=dict(result.subscores),
            news2_total=result.total,
            news2_risk=result.risk,
            red_score=result.red_score,
            **readings,
        ),
    )
    v.pathway = news2.pathway_for(result)
    v.findings.append(f"NEWS2 {result.total} ({result.risk.value} risk): {result.response}")
    if result.risk is news2.News2Risk.HIGH:
        v.red_flags.append(NEWS2_HIGH)
    elif result.risk is news2.News2Risk.MEDIUM:
        v.red_flags.append(NEWS2_MEDIUM)
    if result.red_score:
        v.red_flags.append(NEWS2_RED_SCORE)
    if result.needs_escalation:
        _escalate(v, v.pathway, DUTY_GP, taken + timedelta(minutes=4))


def _escalate(v: Visit, action: str, to: str, when: datetime) -> None:
    enc = v.encounter
    enc.escalation_action = action if not enc.escalation_action else enc.escalation_action
    enc.escalated_to = to if not enc.escalated_to else enc.escalated_to
    enc.escalated_at = enc.escalated_at or when


def _items(rng: random.Random, count: int, level: float) -> list[int]:
    return [min(3, max(0, round(rng.gauss(level, 0.8)))) for _ in range(count)]


def mood(ctx: DemoContext, batch: Batch, rng: random.Random, v: Visit, *, item9: bool) -> None:
    """PHQ-9 and GAD-7; a positive item 9 is escalated and raises a risk-assessment task."""
    level = rng.choice([0.3, 0.8, 1.3, 1.8])
    phq = questionnaires.phq9([*_items(rng, 8, level), rng.randint(1, 2) if item9 else 0])
    gad = questionnaires.gad7(_items(rng, 7, level))
    when = v.encounter.started_at
    for name, items, total, band, flagged in (
        ("PHQ9", phq.items, phq.total, phq.band.value, phq.suicide_risk_flag),
        ("GAD7", gad.items, gad.total, gad.band.value, gad.further_evaluation),
    ):
        batch.add(
            v.layer + 1,
            QuestionnaireResult(
                **v.child(),
                instrument=name,
                answers=list(items),
                total=total,
                band=band,
                flagged=flagged,
                taken_at=when,
            ),
        )
    v.findings += [f"PHQ-9 {phq.total}: {phq.band.value}", f"GAD-7 {gad.total}: {gad.band.value}"]
    if phq.suicide_risk_flag:
        v.red_flags.append(PHQ9_ITEM9)
        _escalate(
            v,
            "Immediate risk assessment completed; ACCT concern considered with the case manager",
            "MH in-reach team lead",
            when + timedelta(minutes=15),
        )
        assert v.encounter.signed_at is not None
        batch.add(
            v.layer + 1,
            task(
                v.encounter.patient_id,
                "RISK_ASSESSMENT",
                "Immediate risk assessment (PHQ-9 item 9 answered above 0)",
                "; ".join(phq.prompts),
                due_at=v.encounter.signed_at,
                open_=v.task_open,
                source_id=v.encounter.id,
                author_id=v.signer,
            ),
        )


def frailty_and_falls(batch: Batch, rng: random.Random, v: Visit, age: int) -> int:
    """CFS level and the falls questions of an older-prisoner review; returns the CFS level."""
    level = frailty.cfs_level(min(9, max(1, round(rng.gauss(3 + max(0, age - 55) / 8, 1.2)))))
    batch.add(
        v.layer + 1,
        QuestionnaireResult(
            **v.child(),
            instrument="CFS",
            answers={"level": level.level},
            total=level.level,
            band=level.name,
            flagged=level.is_frail,
            taken_at=v.encounter.started_at,
        ),
    )
    fallen = rng.random() < 0.15 + 0.04 * max(0, level.level - 3)
    answers = falls.FallsAnswers(
        fallen_last_year=fallen,
        injury=fallen and rng.random() < 0.3,
        fear_of_falling=rng.random() < 0.1,
        gait_or_balance_concern=level.level >= 6,
    )
    v.answers["falls"] = {k: getattr(answers, k) for k in falls.FALLS_QUESTIONS}
    v.answers.update(
        continence="no concerns",
        vision="glasses",
        hearing="no concerns",
        social_care_needs=False,
        peep_checked=True,
    )
    v.findings.append(f"Clinical Frailty Scale {level.label}")
    if falls.needs_multifactorial_assessment(answers):
        positive = [falls.FALLS_QUESTIONS[k] for k in falls.positive_answers(answers)]
        batch.add(
            v.layer + 1,
            task(
                v.encounter.patient_id,
                "FALLS_ASSESSMENT",
                "Multifactorial falls assessment",
                "Positive answers: " + "; ".join(positive) + " (NICE NG249).",
                due_at=None,
                open_=v.task_open,
                source_id=v.encounter.id,
                author_id=v.signer,
            ),
        )
    return level.level


def _measure(
    batch: Batch, v: Visit, code: str, value: float | None, text: str | None, unit: str
) -> None:
    batch.add(
        v.layer + 1,
        Measurement(
            **v.child(),
            code=code,
            value=value,
            text_value=text,
            unit=unit,
            taken_at=v.encounter.started_at,
        ),
    )


def blood_pressure(batch: Batch, rng: random.Random, v: Visit, age: int) -> None:
    systolic, diastolic = rng.randint(118, 164), rng.randint(68, 96)
    _measure(batch, v, "BP_SYSTOLIC", systolic, None, "mmHg")
    _measure(batch, v, "BP_DIASTOLIC", diastolic, None, "mmHg")
    target = ltc.bp_target(age, ltc.BpSetting.CLINIC)
    ok = ltc.bp_at_target(systolic, diastolic, age, ltc.BpSetting.CLINIC)
    v.findings.append(
        f"Clinic BP {systolic}/{diastolic}: {'at target' if ok else 'above target'} "
        f"(below {target.systolic_below}/{target.diastolic_below})"
    )


def diabetes_results(batch: Batch, rng: random.Random, v: Visit, hypo_drug: bool) -> None:
    """HbA1c, foot risk and blood pressure of a diabetes review."""
    hba1c = rng.randint(40, 92)
    assessed = ltc.hba1c_assessment(hba1c, hypo_drug, frail=False)
    _measure(batch, v, "HBA1C", hba1c, None, "mmol/mol")
    risk = rng.choices(list(ltc.FootRisk)[:3], weights=[72, 20, 8])[0]
    _measure(batch, v, "FOOT_RISK", None, risk.value, "")
    due = ltc.next_foot_review(risk, v.encounter.started_at.date())
    v.answers["on_hypoglycaemic_drug"] = hypo_drug
    v.findings += [
        f"HbA1c {hba1c} mmol/mol, target {assessed.target.target_mmol_mol}: "
        f"{assessed.band.value.lower().replace('_', ' ')}",
        f"Foot risk {risk.value}: next foot review by {due:%d %b %Y}",
    ]


def ltc_answers(rng: random.Random, v: Visit, condition: str) -> None:
    """The condition-specific review answers (asthma NG245 items, COPD MRC grade, epilepsy)."""
    if condition == "ASTHMA":
        v.answers["asthma"] = {
            "reliever_uses_per_week": rng.choice([0, 1, 2, 4, 7]),
            "exacerbations_last_12_months": rng.choice([0, 0, 0, 1, 2]),
            "has_written_action_plan": rng.random() < 0.8,
            "inhaler_technique_observed_ok": rng.random() < 0.75,
            "adherence_good": rng.random() < 0.7,
            "smokes": rng.random() < 0.5,
            "vapes": rng.random() < 0.3,
        }
    elif condition == "COPD":
        v.answers["mrc_grade"] = ltc.validate_mrc_grade(rng.randint(1, 4))
        v.answers["pulmonary_rehabilitation"] = "offered"
    elif condition == "EPILEPSY":
        v.answers.update(
            seizures_last_3_months=rng.choice([0, 0, 0, 1, 3]),
            adherence_good=rng.random() < 0.85,
            side_effects="none reported",
            sudep_discussed=True,
            critical_medicines_checked=True,
        )
