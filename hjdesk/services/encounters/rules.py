"""Checking and scoring an encounter form before it is signed, with the clinical rules.

`prepare()` runs every check, collects every problem into one message, scores NEWS2 and the
questionnaires, and works out red flags, prompts, warnings, findings and the tasks to raise. It
writes nothing. Red flags (NEWS2 medium/high or a red score, PHQ-9 item 9 above 0) refuse the
signature until an escalation — what was done, and to whom — is recorded (domain.md §4).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from hjdesk.clinical import frailty, ltc, news2, questionnaires
from hjdesk.clinical.dates import require_aware
from hjdesk.services.common import dumps
from hjdesk.services.encounters import answers as encounter_answers
from hjdesk.services.encounters.forms import (
    EncounterInput,
    EncounterKind,
    EscalationInput,
    Prepared,
    QuestionnairesInput,
    Scored,
    TaskSpec,
    VitalsInput,
)
from hjdesk.storage.errors import InvalidInput

NEWS2_HIGH = "NEWS2_HIGH"
NEWS2_MEDIUM = "NEWS2_MEDIUM"
NEWS2_RED_SCORE = "NEWS2_RED_SCORE"
PHQ9_ITEM9 = "PHQ9_ITEM9"
RED_FLAG_TEXT = {
    NEWS2_HIGH: "NEWS2 total of 7 or more (high risk)",
    NEWS2_MEDIUM: "NEWS2 total of 5 or 6 (medium risk)",
    NEWS2_RED_SCORE: "NEWS2 red score (one parameter scored 3)",
    PHQ9_ITEM9: "PHQ-9 item 9 above 0 (thoughts of being better off dead or of self-harm)",
}
# A clock a few minutes fast on another device must not make a just-finished visit "future".
FUTURE_SLACK = timedelta(minutes=10)


class EscalationRequired(InvalidInput):
    """Signing refused: red flags without a recorded escalation. The message says what to do."""

    def __init__(self, message: str, red_flags: tuple[str, ...], pathway: str | None) -> None:
        super().__init__(message)
        self.red_flags = red_flags
        self.pathway = pathway


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def parse_kind(value: EncounterKind | str) -> EncounterKind:
    try:
        return EncounterKind(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(k.value for k in EncounterKind)
        raise InvalidInput(
            f"{value!r} is not an encounter type: choose one of {choices}."
        ) from None


def _basics(inp: EncounterInput, out: Prepared) -> None:
    try:
        out.started_at = require_aware(inp.started_at, "The start time")
        if (
            inp.ended_at is not None
            and require_aware(inp.ended_at, "The end time") < out.started_at
        ):
            out.problems.append("The encounter ends before it starts.")
    except ValueError as exc:
        out.problems.append(f"{exc}.")
    if inp.started_at.tzinfo is not None and inp.started_at > out.now + FUTURE_SLACK:
        out.problems.append("The encounter cannot start in the future.")
    if _blank(inp.narrative):
        out.problems.append("Write the clinical note (narrative) before signing.")
    if len(inp.place) > 60:
        out.problems.append("The place has at most 60 characters.")
    if inp.ltc_condition:
        try:
            out.ltc_condition = ltc.LtcCondition(inp.ltc_condition.strip().upper()).value
        except ValueError:
            out.problems.append(f"{inp.ltc_condition!r} is not a long-term condition.")
    elif out.kind is EncounterKind.LTC_REVIEW:
        out.problems.append("Choose the long-term condition this review is for.")
    try:
        dumps(dict(inp.data))
    except (TypeError, ValueError):
        out.problems.append("The form holds answers that cannot be stored.")


def _scale2(vitals: VitalsInput, out: Prepared) -> None:
    if vitals.spo2_scale != 2:
        return
    if _blank(vitals.scale2_prescriber):
        out.problems.append("SpO2 scale 2 needs the name of the clinician who prescribed it.")
    if vitals.scale2_prescribed_on is None:
        out.problems.append("SpO2 scale 2 needs the date it was prescribed.")
    elif vitals.scale2_prescribed_on > out.now.date():
        out.problems.append("The date SpO2 scale 2 was prescribed is in the future.")


def _vitals(vitals: VitalsInput | None, out: Prepared, pathways: news2.EscalationPathways) -> None:
    if vitals is None:
        return
    _scale2(vitals, out)
    try:
        result = news2.score(
            resp_rate=vitals.resp_rate,
            spo2=vitals.spo2,
            on_oxygen=vitals.on_oxygen,
            systolic_bp=vitals.systolic_bp,
            pulse=vitals.pulse,
            consciousness=vitals.consciousness,
            temperature=vitals.temperature,
            spo2_scale=vitals.spo2_scale,
        )
    except ValueError as exc:
        out.problems.append(f"Vital signs: {exc}.")
        return
    dia = vitals.diastolic_bp
    if dia is not None and (isinstance(dia, bool) or not 20 <= dia < vitals.systolic_bp):
        out.problems.append(f"Vital signs: a diastolic pressure of {dia} mmHg is not possible.")
    out.news2, out.vitals = result, vitals
    out.pathway = news2.pathway_for(result, pathways)
    out.warnings += news2.validity_warnings(age_years=out.age, pregnant=vitals.pregnant)
    out.findings.append(f"NEWS2 {result.total} ({result.risk.value} risk): {result.response}")
    if result.risk is news2.News2Risk.HIGH:
        out.red_flags.append(NEWS2_HIGH)
    elif result.risk is news2.News2Risk.MEDIUM:
        out.red_flags.append(NEWS2_MEDIUM)
    if result.red_score:
        out.red_flags.append(NEWS2_RED_SCORE)


def _phq9_gad7(q: QuestionnairesInput, out: Prepared) -> None:
    if q.phq9 is not None:
        phq = questionnaires.phq9(list(q.phq9))
        out.scores.append(
            Scored("PHQ9", list(phq.items), phq.total, phq.band.value, phq.suicide_risk_flag)
        )
        out.findings.append(f"PHQ-9 {phq.total}: {phq.band.value}")
        if phq.suicide_risk_flag:
            out.red_flags.append(PHQ9_ITEM9)
            out.prompts += phq.prompts
            out.tasks.append(
                TaskSpec(
                    "RISK_ASSESSMENT",
                    "Immediate risk assessment (PHQ-9 item 9 answered above 0)",
                    "; ".join(phq.prompts),
                    out.now,
                )
            )
    if q.gad7 is not None:
        gad = questionnaires.gad7(list(q.gad7))
        out.scores.append(
            Scored("GAD7", list(gad.items), gad.total, gad.band.value, gad.further_evaluation)
        )
        note = ": further evaluation needed" if gad.further_evaluation else ""
        out.findings.append(f"GAD-7 {gad.total}: {gad.band.value}{note}")


def _six_cit_aq10(q: QuestionnairesInput, out: Prepared) -> None:
    if q.six_cit is not None:
        c = q.six_cit
        six = questionnaires.six_cit(
            year_wrong=c.year_wrong,
            month_wrong=c.month_wrong,
            time_wrong=c.time_wrong,
            count_errors=c.count_errors,
            months_errors=c.months_errors,
            address_errors=c.address_errors,
        )
        answers = {"answers": asdict(c), "subscores": dict(six.subscores)}
        flagged = six.band is not questionnaires.SixCitBand.NORMAL
        out.scores.append(Scored("SIX_CIT", answers, six.total, six.band.value, flagged))
        out.findings.append(f"6CIT {six.total}: {six.band.value} ({six.action})")
    if q.aq10 is not None:
        a = q.aq10
        aq = questionnaires.aq10(list(a.items), override=a.override)
        if aq.overridden and _blank(a.override_reason):
            out.problems.append("Give the reason for overriding the AQ-10 score.")
        override: dict[str, Any] | None = None
        if a.override is not None:
            override = {"offer_assessment": a.override, "reason": a.override_reason}
        band = "offer assessment" if aq.offer_assessment else "no assessment offered"
        out.scores.append(
            Scored("AQ10", list(aq.items), aq.total, band, aq.offer_assessment, override)
        )
        out.findings.append(
            f"AQ-10 {aq.total}: {band}{' (clinician override)' if aq.overridden else ''}"
        )


def _cfs(q: QuestionnairesInput, out: Prepared) -> None:
    if q.cfs_level is None:
        return
    level = frailty.cfs_level(q.cfs_level)
    out.scores.append(
        Scored("CFS", {"level": level.level}, level.level, level.name, level.is_frail)
    )
    out.findings.append(f"Clinical Frailty Scale {level.label}")
    caveat = frailty.age_caveat(out.age)
    if caveat:
        out.warnings.append(caveat)


def _questionnaires(q: QuestionnairesInput | None, out: Prepared) -> None:
    if q is None:
        return
    for step in (_phq9_gad7, _six_cit_aq10, _cfs):
        try:
            step(q, out)
        except ValueError as exc:
            out.problems.append(f"{exc}.")


def _required(inp: EncounterInput, out: Prepared) -> None:
    if out.kind is EncounterKind.OLDER_PRISONER_REVIEW:
        if inp.questionnaires is None or inp.questionnaires.cfs_level is None:
            out.problems.append(
                "An older prisoner review records the Clinical Frailty Scale level."
            )
        if "falls" not in inp.data:
            out.problems.append("An older prisoner review asks the falls questions.")


def _escalation(inp: EncounterInput, out: Prepared) -> bool:
    """True when red flags lack an escalation (a problem is added)."""
    if not out.red_flags:
        return False
    esc = inp.escalation
    if esc is not None and not _blank(esc.action) and not _blank(esc.escalated_to):
        try:
            at = out.now if esc.at is None else require_aware(esc.at, "The escalation time")
        except ValueError as exc:
            out.problems.append(f"{exc}.")
            return False
        if at > out.now + FUTURE_SLACK:
            out.problems.append("The escalation time cannot be in the future.")
        elif inp.started_at.tzinfo is not None and at < inp.started_at:
            out.problems.append("The escalation time is before the encounter began.")
        out.escalation = EscalationInput(esc.action.strip(), esc.escalated_to.strip(), at)
        return False
    flags = "; ".join(RED_FLAG_TEXT[f] for f in out.red_flags)
    advice = (
        [f"NEWS2 pathway: {out.pathway}."]
        if out.pathway and out.news2 and out.news2.needs_escalation
        else []
    )
    if PHQ9_ITEM9 in out.red_flags:
        advice.append(
            f"PHQ-9: {questionnaires.PROMPT_RISK_ASSESSMENT}; {questionnaires.PROMPT_ACCT}."
        )
    out.problems.append(
        f"Red flags: {flags}. Record the escalation (what you did and to whom) before signing. "
        + " ".join(advice)
    )
    return True


def prepare(
    inp: EncounterInput,
    *,
    age: int,
    now: datetime,
    pathways: news2.EscalationPathways = news2.DEFAULT_PATHWAYS,
) -> Prepared:
    """Check and score a form; raise InvalidInput (or EscalationRequired) listing every problem."""
    out = Prepared(kind=parse_kind(inp.kind), now=now, age=age, started_at=inp.started_at)
    _basics(inp, out)
    _vitals(inp.vitals, out, pathways)
    _questionnaires(inp.questionnaires, out)
    encounter_answers.measurements(inp, out)
    encounter_answers.answers(inp, out)
    _required(inp, out)
    missing_escalation = _escalation(inp, out)
    if out.problems:
        message = "This entry cannot be signed yet:\n" + "\n".join(f"- {p}" for p in out.problems)
        if missing_escalation:
            raise EscalationRequired(message, tuple(out.red_flags), out.pathway)
        raise InvalidInput(message)
    return out
