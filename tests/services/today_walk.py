"""A seeded random walk over the demo for tests/services/test_today_kept.py: every kind of write
the services make to what Today reads, mostly on people already in some list, and clock jumps
across the ACCT 24-hour window's edges, London midnight, due dates, a change of the clocks and
back. Each step returns whether it did something (the services may refuse, as for a nurse).

Clinical history is written through the services only (tests/README.md). Conditions are mirrored
from the central record and no service writes them, so they are added (and ended) as rows, as
tests/services/test_today.py does.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hjdesk.clinical import acct as acct_rules
from hjdesk.clinical.care_plans import CarePlanStatus
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.services.corrections import amend_care_plan_review, amend_contribution
from hjdesk.services.encounters.forms import EncounterInput, EscalationInput, QuestionnairesInput
from hjdesk.services.encounters.signing import amend_encounter, sign_encounter
from hjdesk.services.roll.importing import import_roll
from hjdesk.services.worklists.tasks import complete_task
from hjdesk.services.worklists.today import TodayItem, TodayLists
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    CarePlan,
    CarePlanReview,
    CaseloadMembership,
    Condition,
    Encounter,
    Establishment,
    Location,
    Patient,
)
from hjdesk.storage.vault import OpenVault
from tests.conftest import RollWriter
from tests.services.care_world import NO_FALLS

HOME = "DMO"  # the demo's establishment
OTHER = "OTH"  # a second one, made by roll imports during the walk
WING = "A"
REVIEW_KINDS = ("LTC_REVIEW", "SECOND_STAGE_ASSESSMENT", "OLDER_PRISONER_REVIEW")
LIVE = (acct_rules.AcctStatus.OPEN, acct_rules.AcctStatus.POST_CLOSURE)
LIVE_PLANS = (CarePlanStatus.ACTIVE, CarePlanStatus.REVIEW_DUE)
ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 1)
ESCALATED = EscalationInput("Risk assessment started on the wing", "MH in-reach duty worker")


# -- the walk -------------------------------------------------------------------------------


@dataclass
class Walk:
    seed: int
    nurse: OpenVault  # reads Today (kept) throughout, and writes most steps
    mh: OpenVault  # MH in-reach: another connection to the same vault
    roll: RollWriter
    rng: random.Random
    now: datetime
    last: TodayLists | None = None
    log: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    added: int = 0
    signed: list[str] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.now.astimezone(CLINIC_ZONE).date()

    def rows(self, query: Any) -> list[Any]:
        with self.nurse.session() as s:
            return list(s.execute(query).all())

    def listed(self, *names: str) -> list[TodayItem]:
        """The items of the named lists at the last comparison (whole vault)."""
        assert self.last is not None
        return [i for n in names for i in getattr(self.last, n) if i.patient_id]

    def person(self, *lists: str, listed: float = 0.75) -> str:
        """Someone already in one of `lists` (most of the time), else anyone on the roll."""
        items = self.listed(*lists) if lists else []
        if items and self.rng.random() < listed:
            pid = self.rng.choice(items).patient_id
            assert pid is not None
            return pid
        return str(self.rng.choice(self.rows(_ON_ROLL))[0])

    def pick(self, query: Any) -> Any:
        found = self.rows(query)
        return self.rng.choice(found) if found else None


_ON_ROLL = select(Patient.id).where(Patient.on_roll.is_(True)).order_by(Patient.prison_number)


def _try(call: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A step the services refuse (a review dated before the last one, a case already open) is
    skipped: the services' own rules decide what exists, as they do for a nurse."""
    try:
        return call(*args, **kw)
    except InvalidInput:
        return None


def _ago(w: Walk, most: timedelta) -> datetime:
    return w.now - timedelta(seconds=w.rng.randint(0, int(most.total_seconds())))


# -- clock steps ----------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CLINIC_ZONE).astimezone(UTC)


def _nudge(w: Walk) -> timedelta:
    return timedelta(seconds=w.rng.choice((-60, -1, 0, 0, 1, 60)))


def clock_minutes(w: Walk) -> bool:
    w.now += timedelta(minutes=w.rng.randint(1, 59))
    return True


def clock_hours(w: Walk) -> bool:
    w.now += timedelta(hours=w.rng.randint(1, 30), minutes=w.rng.randint(0, 59))
    return True


def clock_days(w: Walk) -> bool:
    w.now += timedelta(days=w.rng.randint(1, 10), hours=w.rng.randint(0, 23))
    return True


def clock_weeks(w: Walk) -> bool:
    w.now += timedelta(weeks=w.rng.randint(1, 4))
    return True


def clock_back(w: Walk) -> bool:
    unit = w.rng.choice((timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)))
    w.now -= unit * w.rng.randint(1, 30)
    return True


def clock_midnight(w: Walk) -> bool:
    """To just before, at or just after the next (or last) London midnight."""
    day = w.day + timedelta(days=w.rng.choice((0, 1, 1)))
    w.now = _local_midnight(day) + _nudge(w)
    return True


def clock_due_edge(w: Walk) -> bool:
    """To the London midnight that starts a due day near now, or the day after it: an item's,
    or a care plan's review date not yet reached."""
    near = (w.day - timedelta(days=2), w.day + timedelta(days=14))
    dues = [i.due for i in w.listed(*_DATED) if i.due is not None]
    dues += [
        d
        for (d,) in w.rows(
            select(CarePlan.review_due).where(
                CarePlan.status.in_(LIVE_PLANS), CarePlan.review_due.between(*near)
            )
        )
    ]
    dues = sorted({d for d in dues if near[0] <= d <= near[1]})
    if not dues:
        return False
    day = w.rng.choice(dues) + timedelta(days=w.rng.choice((0, 1)))
    w.now = _local_midnight(day) + _nudge(w)
    return True


def _unheld_review(w: Walk) -> datetime | None:
    found = w.pick(
        select(AcctEvent.scheduled_at)
        .join(AcctCase, AcctCase.id == AcctEvent.case_id)
        .where(
            AcctCase.status.in_(LIVE),
            AcctEvent.held_at.is_(None),
            AcctEvent.event_type.in_(list(acct_rules.REVIEW_EVENT_TYPES)),
            AcctEvent.scheduled_at.between(w.now - timedelta(days=2), w.now + timedelta(days=3)),
        )
        .order_by(AcctEvent.scheduled_at)
    )
    return None if found is None else found[0]


def clock_acct_edge(w: Walk) -> bool:
    """To an edge of a not-yet-held review's 24-hour warning window: its opening (24 hours
    before) or its close (the review's time), give or take a second or a minute. With no such
    review near, one is scheduled first."""
    due = _unheld_review(w)
    if due is None and acct_schedule(w):
        due = _unheld_review(w)
    if due is None:
        return False
    edge = due - timedelta(hours=24) * w.rng.choice((0, 1))
    w.now = edge + _nudge(w)
    return True


def clock_dst(w: Walk) -> bool:
    """Near the next change of the clocks in London (01:00 UTC on the last Sunday of March or
    October), where local midnight moves between 00:00 and 23:00 UTC."""
    for year in (w.now.year, w.now.year + 1):
        for month in (3, 10):
            last = date(year, month, 31)
            sunday = last - timedelta(days=(last.weekday() + 1) % 7)
            change = datetime.combine(sunday, time(1), tzinfo=UTC)
            if change > w.now:
                w.now = change + timedelta(hours=w.rng.randint(-26, 26))
                return True
    return False


# -- encounters -----------------------------------------------------------------------------


def review_input(
    pid: str, kind: str, started: datetime, *, condition: str | None = None, fall: bool = False
) -> EncounterInput:
    """The form as it is handed over: an older-prisoner review always carries the frailty
    level and the falls answers."""
    older = kind == "OLDER_PRISONER_REVIEW"
    return EncounterInput(
        patient_id=pid,
        kind=kind,
        started_at=started,
        narrative="Seen on the wing.",
        ltc_condition=condition,
        questionnaires=QuestionnairesInput(cfs_level=3) if older else None,
        data={"falls": dict(NO_FALLS, fallen_last_year=fall)} if older else {},
    )


def _sign(w: Walk, inp: EncounterInput) -> bool:
    view = _try(sign_encounter, w.nurse, inp, now=w.now)
    if view is not None:
        w.signed.append(view.id)
    return view is not None


def add_condition(w: Walk) -> bool:
    pid = w.person("ltc_reviews", "older_prisoner_reviews", "second_stage", "acct")
    code = w.rng.choice(list(LtcCondition)).value
    onset = w.rng.choice((None, w.day - timedelta(days=w.rng.randint(0, 4000))))
    with w.nurse.transaction() as s:  # mirrored from the central record: no service writes it
        s.add(Condition(patient_id=pid, code=code, onset=onset))
    return True


def end_condition(w: Walk) -> bool:
    found = w.pick(
        select(Condition.id)
        .join(Patient, Patient.id == Condition.patient_id)
        .where(Condition.active.is_(True), Patient.on_roll.is_(True))
        .order_by(Patient.prison_number, Condition.code, Condition.onset)
    )
    if found is None:
        return False
    with w.nurse.transaction() as s:  # mirrored: the central record says it is resolved
        condition = s.get(Condition, found[0])
        assert condition is not None
        condition.active = False
    return True


def ltc_review(w: Walk) -> bool:
    """An LTC review for a listed condition; now and then for one of the person's others, or
    for a condition they do not have."""
    items = w.listed("ltc_reviews")
    if items and w.rng.random() < 0.75:
        item = w.rng.choice(items)
        code = w.rows(select(Condition.code).where(Condition.id == item.source_id))[0][0]
        pid = item.patient_id
    else:
        found = w.pick(
            select(Condition.patient_id, Condition.code)
            .join(Patient, Patient.id == Condition.patient_id)
            .where(Patient.on_roll.is_(True))
            .order_by(Patient.prison_number, Condition.code)
        )
        if found is None:
            return False
        pid, code = found
    if w.rng.random() < 0.25:
        code = w.rng.choice([c.value for c in LtcCondition if c.value != code])
    assert pid is not None
    started = _ago(w, w.rng.choice((timedelta(hours=3), timedelta(days=20), timedelta(days=400))))
    return _sign(w, review_input(pid, "LTC_REVIEW", started, condition=code))


def second_stage(w: Walk) -> bool:
    pid = w.person("second_stage", "second_stage_long_overdue", listed=0.85)
    started = _ago(w, w.rng.choice((timedelta(hours=2), timedelta(days=10))))
    return _sign(w, review_input(pid, "SECOND_STAGE_ASSESSMENT", started))


def older_review(w: Walk) -> bool:
    """An older-prisoner review; a fall answered raises a falls-assessment task."""
    pid = w.person("older_prisoner_reviews", listed=0.85)
    started = _ago(w, w.rng.choice((timedelta(hours=2), timedelta(days=200))))
    return _sign(w, review_input(pid, "OLDER_PRISONER_REVIEW", started, fall=w.rng.random() < 0.3))


def _review_encounter(w: Walk) -> Encounter | None:
    """A signed, standing review of a person on the roll: one of this walk's (mostly) or the
    demo's."""
    query = (
        select(Encounter)
        .join(Patient, Patient.id == Encounter.patient_id)
        .where(
            Encounter.kind.in_(REVIEW_KINDS),
            Encounter.signed_at.is_not(None),
            Encounter.entered_in_error.is_(False),
            Patient.on_roll.is_(True),
        )
    )
    ours = [e for e in w.signed[-40:] if w.rng.random() < 0.5]
    if ours:
        query = query.where(Encounter.id.in_(ours))
    found = w.pick(query.order_by(Patient.prison_number, Encounter.kind, Encounter.started_at))
    return None if found is None else found[0]


def encounter_in_error(w: Walk) -> bool:
    found = _review_encounter(w)
    if found is None:
        return False
    view = _try(amend_encounter, w.nurse, found.id, reason="Wrong patient",
                entered_in_error=True, now=w.now)  # fmt: skip
    return view is not None


def amend_review(w: Walk) -> bool:
    """Correct a signed review's date (earlier or later), or the condition it was for."""
    found = _review_encounter(w)
    if found is None:
        return False
    started = min(w.now, found.started_at + timedelta(days=w.rng.randint(-300, 300)))
    condition = found.ltc_condition
    if condition is not None and w.rng.random() < 0.4:
        condition = w.rng.choice(list(LtcCondition))
    corrected = review_input(found.patient_id, found.kind, started,
                       condition=condition.value if condition else None)  # fmt: skip
    view = _try(amend_encounter, w.nurse, found.id, reason="Wrong date",
                corrected=corrected, now=w.now)  # fmt: skip
    if view is not None:
        w.signed.append(view.id)
    return view is not None


# -- care plans -----------------------------------------------------------------------------


def _live_plan(w: Walk) -> str | None:
    items = w.listed("care_plan_reviews")
    if items and w.rng.random() < 0.7:
        return w.rng.choice(items).target_id
    found = w.pick(
        select(CarePlan.id)
        .join(Patient, Patient.id == CarePlan.patient_id)
        .where(CarePlan.status.in_(LIVE_PLANS), Patient.on_roll.is_(True))
        .order_by(Patient.prison_number, CarePlan.review_due, CarePlan.title)
    )
    return None if found is None else str(found[0])


def plan_create(w: Walk) -> bool:
    """A smoking plan from its template, reviews due around today; most are activated."""
    pid = w.person("care_plan_reviews", "ltc_reviews", "acct")
    started = w.day - timedelta(days=w.rng.randint(0, 60))
    plan = _try(cp.create_plan, w.nurse, pid, "SMOKING", today=started)
    if plan is None:
        return False
    due = w.day + timedelta(days=w.rng.randint(-5, 5))
    plan = _try(cp.update_plan, w.nurse, plan.id, base_rev=plan.rev, review_due=due,
                patient_involvement="AGREED", today=started)  # fmt: skip
    if plan is not None and w.rng.random() < 0.85:
        _try(cp.activate_plan, w.nurse, plan.id, today=started, now=w.now)
    return plan is not None


def plan_review(w: Walk) -> bool:
    plan_id = _live_plan(w)
    if plan_id is None:
        return False
    form: dict[str, Any] = dict(
        review_date=w.day - timedelta(days=w.rng.randint(0, 3)),
        attendees=["Patient", "RN"],
        outcome="Cutting down",
    )
    if w.rng.random() < 0.85:
        nxt = w.day + timedelta(days=w.rng.randint(1, 40))
        form.update(decision="CONTINUE", next_review_due=nxt)
    else:
        form.update(decision="CLOSE", closed_reason="GOALS_MET")
    return _try(cp.record_review, w.nurse, plan_id, today=w.day, now=w.now, **form) is not None


def plan_close(w: Walk) -> bool:
    plan_id = _live_plan(w)
    if plan_id is None:
        return False
    reason = w.rng.choice(("TRANSFERRED", "SUPERSEDED", "DECLINED_BY_PATIENT"))
    return _try(cp.close_plan, w.nurse, plan_id, reason, today=w.day) is not None


def plan_review_in_error(w: Walk) -> bool:
    found = w.pick(
        select(CarePlanReview.id)
        .join(CarePlan, CarePlan.id == CarePlanReview.plan_id)
        .join(Patient, Patient.id == CarePlan.patient_id)
        .where(
            CarePlan.status.in_(LIVE_PLANS),
            Patient.on_roll.is_(True),
            CarePlanReview.amends_id.is_(None),
            CarePlanReview.entered_in_error.is_(False),
        )
        .order_by(Patient.prison_number, CarePlanReview.review_date)
    )
    if found is None:
        return False
    view = _try(amend_care_plan_review, w.nurse, found[0], reason="Wrong plan",
                entered_in_error=True, now=w.now, today=w.day)  # fmt: skip
    return view is not None


# -- ACCT -----------------------------------------------------------------------------------


def _case(w: Walk, *statuses: acct_rules.AcctStatus) -> str | None:
    items = [i for i in w.listed("acct") if i.target_kind == "acct_case"]
    if items and w.rng.random() < 0.6 and set(statuses) == set(LIVE):
        return w.rng.choice(items).target_id
    found = w.pick(
        select(AcctCase.id)
        .join(Patient, Patient.id == AcctCase.patient_id)
        .where(AcctCase.status.in_(statuses or LIVE), Patient.on_roll.is_(True))
        .order_by(Patient.prison_number, AcctCase.opened_at)
    )
    return None if found is None else str(found[0])


def _event(w: Walk, *where: Any) -> Any:
    return w.pick(
        select(AcctEvent.id, AcctEvent.scheduled_at, AcctEvent.rev)
        .join(AcctCase, AcctCase.id == AcctEvent.case_id)
        .join(Patient, Patient.id == AcctCase.patient_id)
        .where(AcctCase.status.in_(LIVE), Patient.on_roll.is_(True), *where)
        .order_by(Patient.prison_number, AcctEvent.scheduled_at, AcctEvent.event_type)
    )


def acct_open(w: Walk) -> bool:
    pid = w.person("ltc_reviews", "second_stage", "older_prisoner_reviews", listed=0.6)
    opened = _ago(w, timedelta(days=3))
    view = _try(acct.open_case, w.nurse, pid, opened_at=opened, concern_summary="Cuts to arms",
                risk_level="RAISED", now=w.now)  # fmt: skip
    return view is not None


def acct_schedule(w: Walk) -> bool:
    """A review scheduled around now, often near the 24-hour warning's edges."""
    case_id = _case(w)
    if case_id is None:
        return False
    hours = w.rng.choice((1, 23, 24, 25, 48, -3))
    at = w.now + timedelta(hours=hours, minutes=w.rng.randint(-30, 30))
    kind = w.rng.choice(("CASE_REVIEW", "CASE_REVIEW", "POST_CLOSURE_REVIEW"))
    return _try(acct.add_event, w.nurse, case_id, kind, scheduled_at=at, now=w.now) is not None


def acct_reschedule(w: Walk) -> bool:
    found = _event(w, AcctEvent.held_at.is_(None), AcctEvent.scheduled_at.is_not(None))
    if found is None:
        return False
    at = w.now + timedelta(hours=w.rng.randint(-2, 30))
    view = _try(acct.reschedule_event, w.nurse, found[0], scheduled_at=at, base_rev=found[2],
                now=w.now)  # fmt: skip
    return view is not None


def acct_hold(w: Walk) -> bool:
    found = _event(w, AcctEvent.held_at.is_(None), AcctEvent.scheduled_at <= w.now)
    if found is None:
        return False
    held = min(w.now, found[1] + timedelta(minutes=w.rng.randint(0, 90)))
    view = _try(acct.record_event_held, w.nurse, found[0], held_at=held, chair="SO", now=w.now)
    return view is not None


def acct_contribute(w: Walk) -> bool:
    """Health input for a flagged or warned event (mostly), planned or given, by primary care or
    by MH in-reach."""
    items = [i for i in w.listed("acct") if i.target_kind == "acct_case"]
    if items and w.rng.random() < 0.7:
        event_id = w.rng.choice(items).source_id
    else:
        found = _event(w)
        if found is None:
            return False
        event_id = found[0]
    who, team = w.rng.choice(((w.nurse, "PRIMARY_CARE"), (w.mh, "MH_IN_REACH")))
    view = _try(acct.add_contribution, who, event_id,
                contribution_type=w.rng.choice(list(acct_rules.ContributionType)).value,
                team=team, summary="Seen on the wing; low mood",
                planned=w.rng.random() < 0.4, now=w.now)  # fmt: skip
    return view is not None


def contribution_in_error(w: Walk) -> bool:
    found = w.pick(
        select(AcctContribution.id, AcctContribution.team)
        .join(AcctCase, AcctCase.id == AcctContribution.case_id)
        .join(Patient, Patient.id == AcctCase.patient_id)
        .where(
            AcctCase.status.in_(LIVE),
            Patient.on_roll.is_(True),
            AcctContribution.amends_id.is_(None),
            AcctContribution.entered_in_error.is_(False),
        )
        .order_by(Patient.prison_number, AcctContribution.needed_by, AcctContribution.team)
    )
    if found is None:
        return False
    who = w.mh if found[1] == "MH_IN_REACH" else w.nurse
    view = _try(amend_contribution, who, found[0], reason="Wrong case", entered_in_error=True,
                now=w.now)  # fmt: skip
    return view is not None


def acct_close(w: Walk) -> bool:
    case_id = _case(w, acct_rules.AcctStatus.OPEN)
    if case_id is None:
        return False
    held = _ago(w, timedelta(hours=6))
    view = _try(acct.close_case, w.nurse, case_id, held_at=held, chair="SO", now=w.now)
    return view is not None


def acct_reopen(w: Walk) -> bool:
    case_id = _case(w, acct_rules.AcctStatus.POST_CLOSURE, acct_rules.AcctStatus.CLOSED)
    if case_id is None:
        return False
    view = _try(acct.reopen_case, w.nurse, case_id, reopened_at=_ago(w, timedelta(hours=2)),
                reason="Self-harm again", now=w.now)  # fmt: skip
    return view is not None


def mh_caseload(w: Walk) -> bool:
    """A person with an ACCT joins the MH in-reach caseload, or leaves it, as of a day up to
    weeks back: reviews held in the spell then want MH in-reach input too."""
    pid = w.person("acct", listed=0.9)
    spell = (
        CaseloadMembership.patient_id == pid,
        CaseloadMembership.team == "MH_IN_REACH",
        CaseloadMembership.ended_on.is_(None),
    )
    on = not w.rows(select(CaseloadMembership.id).where(*spell))
    day = w.day - timedelta(days=w.rng.randint(0, 40))
    return _try(acct.set_caseload, w.mh, pid, "MH_IN_REACH", on, today=day) is not None


# -- tasks ----------------------------------------------------------------------------------


def task_raise(w: Walk) -> bool:
    """PHQ-9 item 9 answered at an MH session (risk assessment), or a new HA alert seen."""
    pid = w.person("acct", "older_prisoner_reviews", listed=0.6)
    if w.rng.random() < 0.5:
        return bool(acct.new_ha_alerts_to_tasks(w.nurse, [pid], now=w.now))
    inp = EncounterInput(
        patient_id=pid,
        kind="MH_SESSION",
        started_at=_ago(w, timedelta(hours=2)),
        narrative="Low mood.",
        questionnaires=QuestionnairesInput(phq9=ITEM9),
        escalation=ESCALATED,
    )
    return _sign(w, inp)


def task_complete(w: Walk) -> bool:
    items = w.listed("tasks")
    if not items:
        return False
    task = w.rng.choice(items)
    try:
        complete_task(w.nurse, task.source_id, outcome="Seen; plan made")
    except InvalidInput:
        return False
    return True


# -- the roll -------------------------------------------------------------------------------


def roll_lines(v: OpenVault, roll: RollWriter, changes: dict[str, dict[str, str]]) -> list[str]:
    """These people's roll rows as the prison system holds them, each with its changes."""
    lines: list[str] = []
    with v.session() as s:
        places = {
            pid: (est, path)
            for pid, est, path in s.execute(
                select(Patient.id, Establishment.code, Location.path)
                .join(Establishment, Establishment.id == Patient.establishment_id)
                .outerjoin(Location, Location.id == Patient.location_id)
                .where(Patient.id.in_(list(changes)))
            )
        }
        people = s.scalars(
            select(Patient)
            .where(Patient.id.in_(list(changes)))
            .options(selectinload(Patient.alerts))
            .order_by(Patient.prison_number)
        )
        for p in people:
            est, path = places[p.id]
            fields = dict(
                nhs_number=p.nhs_number or "",
                family_name=p.family_name,
                given_names=p.given_names,
                date_of_birth=p.date_of_birth.isoformat(),
                sex=p.sex,
                establishment=est,
                location=path or "A-1-001",
                reception_date=p.reception_date.isoformat() if p.reception_date else "",
                expected_release_date=(
                    p.expected_release_date.isoformat() if p.expected_release_date else ""
                ),
                alerts=";".join(sorted(a.code for a in p.alerts if a.active)),
            )
            lines.append(roll.line(p.prison_number, **{**fields, **changes[p.id]}))
    return lines


def _import(w: Walk, lines: list[str], *, full: bool = False) -> bool:
    w.added += 1
    path = w.roll.write(lines, name=f"roll-{w.seed}-{w.added}.csv")
    summary = import_roll(w.nurse, path, full_roll=full, today=w.day, as_of=datetime.now(UTC))
    return not summary.rejected


def _cell(w: Walk, establishment: str = HOME) -> str:
    """A cell the prison already has (mostly: a new one is a new location, which marks
    everyone), or a new one."""
    known = w.rows(
        select(Location.path)
        .join(Establishment, Establishment.id == Location.establishment_id)
        .where(Establishment.code == establishment)
        .order_by(Location.path)
    )
    if known and w.rng.random() < 0.8:
        return str(w.rng.choice(known)[0])
    return f"{w.rng.choice('ABCDEF')}-{w.rng.randint(1, 4)}-{w.rng.randint(1, 40):03d}"


def roll_move(w: Walk) -> bool:
    """People in the lists move cell, most to another wing (in and out of the wing shown)."""
    people = sorted({w.person(*_ALL) for _ in range(w.rng.randint(1, 3))})
    return _import(w, roll_lines(w.nurse, w.roll, {pid: {"location": _cell(w)} for pid in people}))


def roll_add(w: Walk) -> bool:
    """New receptions, some older, some with an HA alert (an ACCT opened by the prison), some
    in the other establishment; and a move alongside."""
    lines = roll_lines(w.nurse, w.roll, {w.person(*_ALL): {"location": _cell(w)}})
    for _ in range(w.rng.randint(1, 3)):
        w.added += 1
        n = w.seed * 1000 + w.added
        number = f"Q{n % 10000:04d}{chr(65 + n // 260 % 26)}{chr(65 + n % 26)}"
        born = date(w.rng.choice((1950, 1970, 1990, 2000)), w.rng.randint(1, 12), 15)
        establishment = HOME if w.rng.random() < 0.8 else OTHER
        lines.append(
            w.roll.line(
                number,
                family_name=f"Newman{w.added}",
                date_of_birth=born.isoformat(),
                establishment=establishment,
                location=_cell(w, establishment),
                reception_date=(w.day - timedelta(days=w.rng.randint(0, 70))).isoformat(),
                alerts="HA" if w.rng.random() < 0.3 else "",
            )
        )
    return _import(w, lines)


def roll_leave(w: Walk) -> bool:
    """A full roll of the demo's prison without one or two listed people: released or
    transferred out, as the prison system says."""
    leaving = {w.person(*_ALL, listed=0.95) for _ in range(w.rng.randint(1, 2))}
    staying = w.rows(
        select(Patient.id)
        .join(Establishment, Establishment.id == Patient.establishment_id)
        .where(Patient.on_roll.is_(True), Establishment.code == HOME)
        .order_by(Patient.prison_number)
    )
    return _import(
        w,
        roll_lines(w.nurse, w.roll, {pid: {} for (pid,) in staying if pid not in leaving}),
        full=True,
    )


def roll_return(w: Walk) -> bool:
    """Someone who left comes back: the same stay, or a new reception today."""
    found = w.pick(
        select(Patient.id).where(Patient.on_roll.is_(False)).order_by(Patient.prison_number)
    )
    if found is None:
        return False
    change = {"location": _cell(w)}
    if w.rng.random() < 0.5:
        change["reception_date"] = w.day.isoformat()
    return _import(w, roll_lines(w.nurse, w.roll, {found[0]: change}))


def roll_transfer(w: Walk) -> bool:
    """A move between the establishments (out of, or back into, the one shown)."""
    pid = w.person(*_ALL)
    with w.nurse.session() as s:
        p = s.get(Patient, pid)
        assert p is not None
        here = s.get(Establishment, p.establishment_id)
        assert here is not None
    there = OTHER if here.code == HOME else HOME
    change = {"establishment": there, "location": _cell(w, there)}
    return _import(w, roll_lines(w.nurse, w.roll, {pid: change}))


_DATED = ("care_plan_reviews", "ltc_reviews", "second_stage", "older_prisoner_reviews")
_ALL = (*_DATED, "acct", "tasks", "second_stage_long_overdue")

STEPS: dict[str, tuple[int, Callable[[Walk], bool]]] = {
    # the clock (about a third of the walk)
    "clock_minutes": (4, clock_minutes),
    "clock_hours": (3, clock_hours),
    "clock_acct_edge": (5, clock_acct_edge),
    "clock_midnight": (3, clock_midnight),
    "clock_due_edge": (2, clock_due_edge),
    "clock_days": (2, clock_days),
    "clock_weeks": (1, clock_weeks),
    "clock_back": (2, clock_back),
    "clock_dst": (1, clock_dst),
    # encounters and conditions
    "add_condition": (2, add_condition),
    "end_condition": (1, end_condition),
    "ltc_review": (3, ltc_review),
    "second_stage": (2, second_stage),
    "older_review": (2, older_review),
    "encounter_in_error": (2, encounter_in_error),
    "amend_review": (2, amend_review),
    # care plans
    "plan_create": (2, plan_create),
    "plan_review": (2, plan_review),
    "plan_close": (1, plan_close),
    "plan_review_in_error": (1, plan_review_in_error),
    # ACCT
    "acct_open": (2, acct_open),
    "acct_schedule": (3, acct_schedule),
    "acct_reschedule": (1, acct_reschedule),
    "acct_hold": (2, acct_hold),
    "acct_contribute": (3, acct_contribute),
    "contribution_in_error": (1, contribution_in_error),
    "acct_close": (1, acct_close),
    "acct_reopen": (1, acct_reopen),
    "mh_caseload": (2, mh_caseload),
    # tasks
    "task_raise": (1, task_raise),
    "task_complete": (1, task_complete),
    # the roll
    "roll_move": (2, roll_move),
    "roll_add": (1, roll_add),
    "roll_leave": (1, roll_leave),
    "roll_return": (1, roll_return),
    "roll_transfer": (1, roll_transfer),
}


def deck(rng: random.Random, steps: int) -> list[str]:
    """Every kind of step once, the rest drawn by weight, shuffled."""
    names = list(STEPS)
    weights = [STEPS[n][0] for n in names]
    deck = names + rng.choices(names, weights, k=max(0, steps - len(names)))
    rng.shuffle(deck)
    leave, back = deck.index("roll_leave"), deck.index("roll_return")
    if back < leave:  # someone has left before the first return
        deck[leave], deck[back] = deck[back], deck[leave]
    return deck
