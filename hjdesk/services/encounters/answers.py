"""Checking an encounter's measurements and form answers, and what they lead to.

Measurements are checked against encounter_forms.MEASUREMENTS (unit and a plausible range). Form
answers go through the clinical rules: falls questions (NICE NG249, any yes → a falls assessment
task), social care needs without a referral (→ a referral task), the asthma review items and COPD
grade and oxygen target, HbA1c against its NG28 target, foot risk and its next review (NG19,
ACTIVE → a referral task due the next working day), clinic BP against the NG136 target in a
hypertension review, and a postural drop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from hjdesk.clinical import falls, ltc
from hjdesk.clinical.dates import in_zone
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.services.encounters.forms import (
    MEASUREMENTS,
    EncounterInput,
    MeasurementInput,
    MeasureRow,
    Prepared,
    TaskSpec,
)


def _measurement(m: MeasurementInput, out: Prepared) -> MeasureRow | None:
    code = m.code.strip().upper()
    spec = MEASUREMENTS.get(code)
    if spec is None:
        out.problems.append(f"{m.code!r} is not a measurement HJDesk records.")
        return None
    if m.unit and spec.unit and m.unit.strip() != spec.unit:
        out.problems.append(f"Record {spec.label} in {spec.unit}, not {m.unit.strip()}.")
        return None
    if spec.is_text:
        text = str(m.value).strip().upper() if spec.choices else str(m.value).strip()
        if not text or len(text) > 60 or (spec.choices and text not in spec.choices):
            allowed = f": one of {', '.join(sorted(spec.choices))}" if spec.choices else ""
            out.problems.append(f"Give a valid {spec.label}{allowed}.")
            return None
        return MeasureRow(code, None, text, spec.unit)
    value = m.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.problems.append(f"{spec.label} must be a number in {spec.unit}.")
        return None
    low, high = spec.low or 0.0, spec.high or 0.0
    if not low <= value <= high:
        out.problems.append(
            f"{spec.label} of {value} {spec.unit} is not possible: check the value and its unit."
        )
        return None
    return MeasureRow(code, float(value), None, spec.unit)


def measurements(inp: EncounterInput, out: Prepared) -> None:
    seen: set[str] = set()
    for m in inp.measurements:
        row = _measurement(m, out)
        if row is None:
            continue
        if row.code in seen:
            out.problems.append(f"{MEASUREMENTS[row.code].label} is recorded twice.")
        seen.add(row.code)
        out.measurements.append(row)


def _value(out: Prepared, code: str) -> MeasureRow | None:
    return next((m for m in out.measurements if m.code == code), None)


def _ltc_findings(inp: EncounterInput, out: Prepared) -> None:
    hba1c = _value(out, "HBA1C")
    if hba1c is not None and hba1c.value is not None:
        frail = any(s.instrument == "CFS" and s.flagged for s in out.scores)
        drug = inp.data.get("on_hypoglycaemic_drug", False) is True
        result = ltc.hba1c_assessment(hba1c.value, drug, frail)
        relaxed = " (frail: agree an individual target)" if frail else ""
        out.findings.append(
            f"HbA1c {hba1c.value:g} mmol/mol, target {result.target.target_mmol_mol}: "
            f"{result.band.value.lower().replace('_', ' ')}{relaxed}"
        )
    foot = _value(out, "FOOT_RISK")
    if foot is not None and foot.text_value:
        risk = ltc.FootRisk(foot.text_value)
        due = ltc.next_foot_review(risk, in_zone(out.started_at, CLINIC_ZONE).date())
        if risk is ltc.FootRisk.ACTIVE:
            out.tasks.append(
                TaskSpec(
                    "FOOT_SERVICE_REFERRAL",
                    "Refer to the foot protection service (active diabetic foot)",
                    "NICE NG19: refer within 1 working day.",
                    _due(due),
                )
            )
        out.findings.append(f"Foot risk {risk.value}: next foot review by {due:%d %b %Y}")


def _clinic_bp(inp: EncounterInput, out: Prepared) -> tuple[int, int] | None:
    systolic, diastolic = _value(out, "BP_SYSTOLIC"), _value(out, "BP_DIASTOLIC")
    if systolic is not None and diastolic is not None:
        return int(systolic.value or 0), int(diastolic.value or 0)
    vitals = inp.vitals
    if vitals is not None and vitals.diastolic_bp is not None:
        return vitals.systolic_bp, vitals.diastolic_bp
    return None


def _bp_findings(inp: EncounterInput, out: Prepared) -> None:
    bp = _clinic_bp(inp, out)
    if out.ltc_condition == ltc.LtcCondition.HYPERTENSION and bp is not None:
        s, d = bp
        target = ltc.bp_target(out.age, ltc.BpSetting.CLINIC)
        at_target = ltc.bp_at_target(s, d, out.age, ltc.BpSetting.CLINIC)
        out.findings.append(
            f"Clinic BP {s}/{d}: {'at target' if at_target else 'above target'} "
            f"(below {target.systolic_below}/{target.diastolic_below})"
        )
    lying, standing = inp.data.get("lying_systolic"), inp.data.get("standing_systolic")
    if (lying is None) != (standing is None):
        out.problems.append("Record both the lying and the standing systolic pressure.")
    elif (
        lying is not None
        and standing is not None
        and ltc.postural_drop_needs_medication_review(lying, standing)
    ):
        drop = lying - standing
        out.findings.append(f"Systolic drop of {drop} mmHg on standing: review medicines")


def _due(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=CLINIC_ZONE).astimezone(UTC)


def _falls(inp: EncounterInput, out: Prepared) -> None:
    if "falls" not in inp.data:
        return
    given = inp.data["falls"]
    if not isinstance(given, Mapping) or set(given) != set(falls.FALLS_QUESTIONS):
        out.problems.append("Answer every falls question (yes or no).")
        return
    found = falls.FallsAnswers(**given)
    if falls.needs_multifactorial_assessment(found):
        positive = [falls.FALLS_QUESTIONS[k] for k in falls.positive_answers(found)]
        out.tasks.append(
            TaskSpec(
                "FALLS_ASSESSMENT",
                "Multifactorial falls assessment",
                "Positive answers: " + "; ".join(positive) + " (NICE NG249).",
            )
        )


def _social_care(inp: EncounterInput, out: Prepared) -> None:
    needs, referred = inp.data.get("social_care_needs"), inp.data.get("social_care_referral")
    for name, value in (("social care needs", needs), ("social care referral", referred)):
        if value is not None and not isinstance(value, bool):
            out.problems.append(f"Record {name} as yes or no.")
    if needs is True and referred is not True:
        out.tasks.append(
            TaskSpec(
                "SOCIAL_CARE_REFERRAL",
                "Refer to the local authority for a care and support needs assessment",
                "Social care needs identified without a referral (Care Act 2014 s.76).",
            )
        )


def _respiratory(inp: EncounterInput, out: Prepared) -> None:
    data = inp.data
    if "asthma" in data:
        given = data["asthma"]
        known = set(ltc.AsthmaReview.__dataclass_fields__)
        if not isinstance(given, Mapping) or not set(given) <= known:
            out.problems.append("The asthma review holds an answer HJDesk does not know.")
        else:
            out.warnings += ltc.asthma_review_missing(ltc.AsthmaReview(**given))
    if "mrc_grade" in data:
        ltc.validate_mrc_grade(data["mrc_grade"])
    if "oxygen_target" in data:
        target = data["oxygen_target"]
        if not isinstance(target, list | tuple) or len(target) != 2:
            out.problems.append("Give the oxygen target as a lower and an upper percentage.")
            return
        low, high = target
        scale = ltc.news2_scale_for_oxygen_target(low, high)
        if inp.vitals is not None and inp.vitals.spo2_scale != scale:
            out.warnings.append(
                f"The prescribed oxygen target {low}-{high}% means NEWS2 SpO2 scale {scale}."
            )


def answers(inp: EncounterInput, out: Prepared) -> None:
    """Check the form answers; a rule's ValueError becomes a problem for the nurse to fix."""
    for step in (_falls, _social_care, _respiratory, _ltc_findings, _bp_findings):
        try:
            step(inp, out)
        except ValueError as exc:
            out.problems.append(f"{str(exc).rstrip('.')}.")
        except TypeError:
            # e.g. text where a number was expected: the rule cannot even compare it.
            out.problems.append("An answer on the form has the wrong type (a number or yes/no).")
