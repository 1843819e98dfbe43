"""The demo's clinical history: deterministic from the seed, and obeying the same rules a nurse's
entries obey (NEWS2 and questionnaire scores, escalations, outcome attribution and required
fields, care-plan lifecycle, ACCT states and needed-by times)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hjdesk.clinical import acct as acct_rules
from hjdesk.clinical import attendance, care_plans, news2, questionnaires
from hjdesk.demo.establishment import build_demo
from hjdesk.services import acct
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    Alert,
    Appointment,
    CarePlan,
    CarePlanReview,
    CaseloadMembership,
    ClinicSession,
    Condition,
    Encounter,
    Location,
    Measurement,
    Medicine,
    Observation,
    Patient,
    QuestionnaireResult,
    ReleasePlan,
    Signed,
    Task,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault
from tests.conftest import FAST_KDF, PASSWORD

DAY = date(2025, 6, 11)


def _profile(v: OpenVault) -> dict[str, object]:
    """What a same-seed rebuild must reproduce: counts of each thing, by kind and state."""
    with v.session() as s:

        def tally(*columns: object) -> Counter[tuple[object, ...]]:
            return Counter(tuple(r) for r in s.execute(select(*columns)))  # type: ignore[call-overload]

        return {
            "outcomes": tally(Appointment.outcome),
            "sessions": tally(ClinicSession.clinic_type, ClinicSession.status),
            "encounters": tally(Encounter.kind, Encounter.ltc_condition),
            "plans": tally(CarePlan.plan_type, CarePlan.status),
            "cases": tally(AcctCase.status),
            "events": tally(AcctEvent.event_type),
            "contributions": tally(AcctContribution.contribution_type, AcctContribution.team),
            "tasks": tally(Task.kind, Task.status),
            "news2": tally(Observation.news2_total),
            "medicines": tally(Medicine.name),
        }


def _build(root: Path, seed: int) -> dict[str, object]:
    opened, _ = build_demo(
        HomePaths.resolve(root),
        password=PASSWORD,
        patients=300,
        seed=seed,
        today=DAY,
        kdf=FAST_KDF,
    )
    try:
        return _profile(opened)
    finally:
        opened.lock()


def test_same_seed_same_history(tmp_path: Path) -> None:
    first = _build(tmp_path / "one", seed=7)
    second = _build(tmp_path / "two", seed=7)
    assert first == second
    other = _build(tmp_path / "three", seed=8)
    assert other != first


def test_build_without_history(tmp_path: Path) -> None:
    opened, _ = build_demo(
        HomePaths.resolve(tmp_path), password=PASSWORD, patients=50, kdf=FAST_KDF, history=False
    )
    with opened.session() as s:
        assert s.scalar(select(func.count()).select_from(Encounter)) == 0
        assert s.scalar(select(func.count()).select_from(Patient)) == 50
    opened.lock()


# -- the rules the history obeys (on the shared 1,200-patient demo) ---------------------------


def test_signed_entries_are_signed(demo: OpenVault) -> None:
    with demo.session() as s:
        for model in Signed.__subclasses__():  # every kind of signed clinical entry
            unsigned = (model.signed_at.is_(None)) | (model.signed_by.is_(None))
            missing = s.scalar(select(func.count()).select_from(model).where(unsigned))
            assert missing == 0, model.__name__


def test_news2_scores_and_escalations(demo: OpenVault) -> None:
    with demo.session() as s:
        rows = s.execute(select(Observation, Encounter).join(Encounter)).all()
    assert len(rows) > 100
    totals = Counter()
    for obs, enc in rows:
        result = news2.score(
            resp_rate=obs.resp_rate,
            spo2=obs.spo2,
            on_oxygen=obs.on_oxygen,
            systolic_bp=obs.systolic_bp,
            pulse=obs.pulse,
            consciousness=obs.consciousness,
            temperature=obs.temperature,
            spo2_scale=obs.spo2_scale,
        )
        assert (obs.news2_total, obs.news2_risk, obs.red_score) == (
            result.total,
            result.risk.value,
            result.red_score,
        )
        assert obs.subscores == dict(result.subscores)
        if result.needs_escalation:
            assert enc.escalation_action
            assert enc.escalated_to
            assert enc.escalated_at
            assert enc.red_flags
        totals["5+" if result.total >= 5 else "0-2" if result.total <= 2 else "3-4"] += 1
    assert totals["0-2"] > 10 * totals["5+"] > 0


def test_questionnaires_scored_and_item_9_escalated(demo: OpenVault) -> None:
    with demo.session() as s:
        rows = s.execute(
            select(QuestionnaireResult, Encounter)
            .join(Encounter)
            .where(QuestionnaireResult.instrument.in_(["PHQ9", "GAD7"]))
        ).all()
        tasks = {
            t.source_id: t for t in s.scalars(select(Task).where(Task.kind == "RISK_ASSESSMENT"))
        }
        mh = set(s.scalars(select(CaseloadMembership.patient_id)))
    flagged = 0
    for result, enc in rows:
        items = result.answers
        assert enc.kind == "MH_SESSION"
        assert enc.patient_id in mh
        if result.instrument == "PHQ9":
            scored = questionnaires.phq9(items)
            assert (result.total, result.band, result.flagged) == (
                scored.total,
                scored.band.value,
                scored.suicide_risk_flag,
            )
            if scored.suicide_risk_flag:
                flagged += 1
                assert "PHQ9_ITEM9" in enc.red_flags
                assert enc.escalation_action
                assert tasks[enc.id].patient_id == enc.patient_id
        else:
            gad = questionnaires.gad7(items)
            assert (result.total, result.band) == (gad.total, gad.band.value)
    assert flagged > 0
    assert len(tasks) == flagged


def test_appointment_outcomes_follow_attendance_rules(demo: OpenVault) -> None:
    with demo.session() as s:
        rows = s.execute(select(Appointment, ClinicSession).join(ClinicSession)).all()
        seen_with_encounter = set(
            s.scalars(select(Encounter.appointment_id).where(Encounter.appointment_id.is_not(None)))
        )
    by_attribution: Counter[str] = Counter()
    runs: dict[tuple[str, str], list[attendance.Outcome]] = {}
    for appt, session in sorted(
        rows, key=lambda r: (r[1].session_date, r[1].period, r[0].position)
    ):
        if session.status == "PLANNED":
            assert appt.outcome is None
            continue
        outcome = attendance.Outcome(appt.outcome)
        details = attendance.OutcomeDetails(
            reason=appt.outcome_reason,
            risks_explained=appt.risks_explained,
            capacity_concern=appt.capacity_concern,
            witness_name=appt.witness_name,
        )
        assert attendance.validate_outcome(outcome, details) == []
        assert appt.attribution == attendance.attribution(outcome).value
        assert appt.rebook_required == attendance.requires_rebook(outcome)
        assert (appt.id in seen_with_encounter) == attendance.is_seen(outcome)
        by_attribution[appt.attribution] += 1
        if appt.ltc_condition:
            runs.setdefault((appt.patient_id, appt.ltc_condition), []).insert(0, outcome)
            assert not attendance.consecutive_refusals_reached(
                runs[appt.patient_id, appt.ltc_condition]
            )
    assert set(by_attribution) == {a.value for a in attendance.Attribution}
    assert by_attribution["SEEN"] > by_attribution["PRISON"] > 0


def test_sessions_past_and_today(demo: OpenVault) -> None:
    today = date.today()
    with demo.session() as s:
        sessions = s.scalars(select(ClinicSession)).all()
    past = [x for x in sessions if x.status == "CLOSED"]
    planned = [x for x in sessions if x.status == "PLANNED"]
    assert {x.session_date for x in planned} == {today}
    assert len(planned) >= 2
    assert min(x.session_date for x in past) >= today - timedelta(days=56)
    assert len({w for x in past for w in x.wings.split(";")}) >= 6
    assert {x.clinic_type for x in past} >= {
        "GENERAL_NURSE",
        "LTC_DIABETES",
        "MH_IN_REACH",
        "OLDER_PRISONER",
        "SECOND_STAGE_ASSESSMENT",
    }


def test_care_plans_follow_the_lifecycle(demo: OpenVault) -> None:
    today = date.today()
    with demo.session() as s:
        plans = s.scalars(select(CarePlan)).all()
        last = dict(
            s.execute(
                select(CarePlanReview.plan_id, func.max(CarePlanReview.review_date)).group_by(
                    CarePlanReview.plan_id
                )
            ).all()
        )
    statuses = Counter(p.status for p in plans)
    assert set(statuses) == {"DRAFT", "ACTIVE", "REVIEW_DUE", "CLOSED"}  # never OVERDUE
    assert statuses["ACTIVE"] > statuses["REVIEW_DUE"]
    assert {p.plan_type for p in plans} == {t.value for t in care_plans.CarePlanType}
    overdue = 0
    for plan in plans:
        if plan.status in ("ACTIVE", "REVIEW_DUE"):
            assert plan.review_due is not None
            assert (
                plan.status
                == care_plans.status_on(
                    care_plans.CarePlanStatus.ACTIVE, plan.review_due, today
                ).value
            )
            overdue += care_plans.is_overdue(plan.review_due, last.get(plan.id), today)
        if plan.status == "CLOSED":
            assert plan.closed_reason
            assert plan.closed_on
    assert overdue > 0


def test_acct_cases_mirror_the_alerts(demo: OpenVault) -> None:
    with demo.session() as s:
        alerts = s.execute(select(Alert.patient_id, Alert.code).where(Alert.active.is_(True))).all()
        cases = s.scalars(select(AcctCase)).all()
        events = {e.id: e for e in s.scalars(select(AcctEvent))}
        contributions = s.scalars(select(AcctContribution)).all()
    ha = {p for p, c in alerts if c == "HA"}
    ha1 = {p for p, c in alerts if c == "HA1"} - ha
    live = Counter((c.patient_id, c.status) for c in cases if c.status != "CLOSED")
    assert live == Counter(
        {**{(p, "OPEN"): 1 for p in ha}, **{(p, "POST_CLOSURE"): 1 for p in ha1}}
    )
    assert any(c.status == "CLOSED" for c in cases)
    for case in cases:
        if case.status != "OPEN":
            assert case.closed_at is not None
            assert case.post_closure_review_due == (
                acct_rules.post_closure_review_due(case.closed_at).astimezone(CLINIC_ZONE).date()
            )
    for c in contributions:
        assert c.needed_by == events[c.event_id].scheduled_at
        assert c.signed_at is not None


def test_acct_health_input_gaps_and_warning(demo: OpenVault) -> None:
    rows = acct.open_cases(demo)
    assert sum(r.high_flags for r in rows) > 0
    assert sum(r.medium_flags for r in rows) > 0
    assert sum(r.warnings for r in rows) == 1
    report = acct.audit_report(demo)
    assert {f.code for f in report.flags} == {"ACCT_NO_HEALTH_INPUT", "ACCT_NO_MH_INPUT"}
    assert any(m.closures for m in report.months)
    with demo.session() as s:
        task = s.scalars(select(Task).where(Task.kind == "ACCT_FIRST_REVIEW_TIME")).one()
    assert task.status == "OPEN"


def test_record_details(demo: OpenVault) -> None:
    today = date.today()
    with demo.session() as s:
        patients = s.scalar(select(func.count()).select_from(Patient))
        assert patients
        members = s.scalar(select(func.count()).select_from(CaseloadMembership)) or 0
        assert 0.02 <= members / patients <= 0.05
        diabetics = set(s.scalars(select(Condition.patient_id).where(Condition.code == "DIABETES")))
        epileptics = set(
            s.scalars(select(Condition.patient_id).where(Condition.code == "EPILEPSY"))
        )
        meds = s.scalars(select(Medicine)).all()
        assert {m.patient_id for m in meds if m.medicine_class == "INSULIN"} & diabetics
        critical = {m.patient_id for m in meds if m.medicine_class == "ANTI_SEIZURE" and m.critical}
        assert epileptics <= critical
        for plan in s.scalars(select(ReleasePlan)):
            assert plan.expected_date is not None
            assert today < plan.expected_date <= today + timedelta(weeks=12)
        codes = Counter(s.scalars(select(Measurement.code)))
        assert codes["HBA1C"]
        assert codes["FOOT_RISK"]
        assert codes["BP_SYSTOLIC"]
        cfs = s.scalar(
            select(func.count())
            .select_from(QuestionnaireResult)
            .where(QuestionnaireResult.instrument == "CFS")
        )
        reviews = s.scalar(
            select(func.count())
            .select_from(Encounter)
            .where(Encounter.kind == "OLDER_PRISONER_REVIEW")
        )
        assert cfs == reviews > 0
        old_reviews = s.scalar(
            select(func.count())
            .select_from(Encounter)
            .where(
                Encounter.kind == "LTC_REVIEW",
                Encounter.started_at < _utc(today - timedelta(days=366)),
            )
        )
        assert old_reviews


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def test_late_receptions_have_no_second_stage(demo: OpenVault) -> None:
    today = date.today()
    with demo.session() as s:
        late = s.execute(
            select(Patient.id, Patient.reception_date)
            .join(Location, Patient.location_id == Location.id)
            .where(Location.wing == "RECP", Patient.reception_date < today - timedelta(days=7))
        ).all()
        assessed = set(
            s.scalars(
                select(Encounter.patient_id).where(Encounter.kind == "SECOND_STAGE_ASSESSMENT")
            )
        )
    assert sorted(r[1] for r in late) == [today - timedelta(days=10), today - timedelta(days=8)]
    assert not {r[0] for r in late} & assessed
    assert len(assessed) > 20


@pytest.mark.parametrize("count", [5])
def test_tiny_demo_still_builds(tmp_path: Path, count: int) -> None:
    opened, _ = build_demo(
        HomePaths.resolve(tmp_path), password=PASSWORD, patients=count, kdf=FAST_KDF
    )
    opened.lock()
