"""Tests for hjdesk.clinical.acct (domain.md §6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

from hjdesk.clinical.acct import (
    DEFAULT_ACCT_POLICY,
    FIND_FIRST_REVIEW_TASK,
    REVIEW_EVENT_TYPES,
    AcctEvent,
    AcctEventType,
    AcctPolicy,
    AcctRiskLevel,
    AcctSource,
    AcctStatus,
    CaseFacts,
    Contribution,
    ContributionType,
    FlagCode,
    InputTiming,
    MonthRow,
    Severity,
    Team,
    attendance_given_too_early,
    counts_as_health_input,
    first_case_review_due,
    health_input_flags,
    input_timing,
    may_warn,
    missed,
    monthly_health_input_report,
    needed_by,
    new_ha_alert_task,
    percentage,
    post_closure_review_due,
    risk_level_name,
    superseded_by,
    unsynced_warning,
    unsynced_warning_window_text,
    upcoming_warnings,
    window_text,
)

E = AcctEventType
C = ContributionType
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
BST = timezone(timedelta(hours=1))

COUNTS: dict[str, bool] = {
    "ATTENDED_IN_PERSON": True,
    "ATTENDED_REMOTE": True,
    "WRITTEN_CONTRIBUTION": True,
    "INFORMATION_SHARED_TO_CASE_MANAGER": True,
    "HEALTHCARE_ASSESSOR": True,
    "INVITED_UNABLE_TO_ATTEND": False,
    "NOT_INVITED": False,
}
SEVERITY: dict[str, str] = {
    "CASE_REVIEW_FIRST": "HIGH",
    "CASE_REVIEW": "MEDIUM",
    "CLOSURE": "HIGH",
    "POST_CLOSURE_REVIEW": "MEDIUM",
}
NOT_REVIEWS = [t for t in AcctEventType if t.value not in SEVERITY]

GIVEN = Contribution(C.ATTENDED_IN_PERSON, Team.PRIMARY_CARE)
MH_GIVEN = Contribution(C.WRITTEN_CONTRIBUTION, Team.MH_IN_REACH)


def held(event_type: AcctEventType, *contributions: Contribution, ev_id: str = "e1") -> AcctEvent:
    return AcctEvent(ev_id, event_type, held_at=NOW, contributions=contributions)


def scheduled(
    event_type: AcctEventType, at: datetime, *contributions: Contribution, ev_id: str = "e1"
) -> AcctEvent:
    return AcctEvent(ev_id, event_type, scheduled_at=at, contributions=contributions)


@pytest.mark.parametrize(
    ("enum_type", "names"),
    [
        (AcctStatus, ["OPEN", "POST_CLOSURE", "CLOSED"]),
        (AcctRiskLevel, ["LOW", "RAISED", "HIGH"]),
        (AcctSource, ["HA_ALERT", "MANUAL"]),
        (Team, ["PRIMARY_CARE", "MH_IN_REACH", "SUBSTANCE_MISUSE", "SOCIAL_CARE"]),
        (ContributionType, list(COUNTS)),
        (
            AcctEventType,
            [
                "CONCERN_AND_KEEP_SAFE",
                "IMMEDIATE_ACTION_PLAN",
                "ASSESSMENT_INTERVIEW",
                "CASE_REVIEW_FIRST",
                "CASE_REVIEW",
                "CLOSURE",
                "POST_CLOSURE_REVIEW",
                "REOPEN",
                "TRANSFER_OUT_OPEN",
            ],
        ),
        (FlagCode, ["ACCT_NO_HEALTH_INPUT", "ACCT_NO_MH_INPUT"]),
        (Severity, ["HIGH", "MEDIUM"]),
    ],
)
def test_enum_values_are_the_domain_names(enum_type: type, names: list[str]) -> None:
    assert [m.value for m in enum_type] == names


@pytest.mark.parametrize(("contribution_type", "expected"), sorted(COUNTS.items()))
def test_counts_as_health_input(contribution_type: str, expected: bool) -> None:
    assert counts_as_health_input(ContributionType(contribution_type)) is expected


def test_review_event_types() -> None:
    assert {t.value for t in REVIEW_EVENT_TYPES} == set(SEVERITY)


# --- risk level names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "name"), [("LOW", "Low"), ("RAISED", "Raised"), ("HIGH", "High")]
)
def test_default_risk_level_names(level: str, name: str) -> None:
    assert risk_level_name(AcctRiskLevel(level)) == name


def test_risk_level_names_are_configurable() -> None:
    names = {AcctRiskLevel.LOW: "Green", AcctRiskLevel.RAISED: "Amber", AcctRiskLevel.HIGH: "Red"}
    policy = AcctPolicy(risk_level_names=MappingProxyType(names))
    assert risk_level_name(AcctRiskLevel.RAISED, policy) == "Amber"


def test_risk_level_names_must_cover_every_level() -> None:
    with pytest.raises(ValueError, match="RAISED"):
        AcctPolicy(risk_level_names={AcctRiskLevel.LOW: "L", AcctRiskLevel.HIGH: "H"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"post_closure_review_days": 0},
        {"unsynced_warning_window": timedelta(0)},
        {"upcoming_window": timedelta(hours=-1)},
    ],
)
def test_bad_policy_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        AcctPolicy(**kwargs)  # type: ignore[arg-type]


# --- health input flags ---------------------------------------------------------------------


@pytest.mark.parametrize(("event_type", "severity"), sorted(SEVERITY.items()))
def test_held_review_without_input_is_flagged(event_type: str, severity: str) -> None:
    flags = health_input_flags([held(AcctEventType(event_type))], on_mh_caseload=False)
    assert len(flags) == 1
    (flag,) = flags
    assert flag.code is FlagCode.ACCT_NO_HEALTH_INPUT
    assert flag.severity is Severity(severity)
    assert flag.event_id == "e1"
    assert flag.event_type == event_type
    assert "No health input" in flag.message


@pytest.mark.parametrize("event_type", sorted(SEVERITY))
@pytest.mark.parametrize(("contribution_type", "counts"), sorted(COUNTS.items()))
def test_each_contribution_type_against_the_flag(
    event_type: str, contribution_type: str, counts: bool
) -> None:
    contribution = Contribution(ContributionType(contribution_type), Team.SUBSTANCE_MISUSE)
    event = held(AcctEventType(event_type), contribution)
    flags = health_input_flags([event], on_mh_caseload=False)
    assert (flags == []) is counts


@pytest.mark.parametrize("event_type", NOT_REVIEWS)
def test_other_event_types_are_never_flagged(event_type: AcctEventType) -> None:
    assert health_input_flags([held(event_type)], on_mh_caseload=True) == []


@pytest.mark.parametrize("event_type", sorted(SEVERITY))
def test_review_not_yet_held_is_not_flagged(event_type: str) -> None:
    event = scheduled(AcctEventType(event_type), NOW)
    assert health_input_flags([event], on_mh_caseload=True) == []


def test_invited_but_unable_and_not_invited_together_still_flag() -> None:
    event = held(
        E.CASE_REVIEW,
        Contribution(C.INVITED_UNABLE_TO_ATTEND, Team.PRIMARY_CARE),
        Contribution(C.NOT_INVITED, Team.MH_IN_REACH),
    )
    (flag,) = health_input_flags([event], on_mh_caseload=False)
    assert flag.code is FlagCode.ACCT_NO_HEALTH_INPUT


def test_planned_contribution_does_not_satisfy_a_held_review() -> None:
    event = held(E.CLOSURE, Contribution(C.ATTENDED_IN_PERSON, Team.PRIMARY_CARE, planned=True))
    (flag,) = health_input_flags([event], on_mh_caseload=False)
    assert flag.severity is Severity.HIGH


@pytest.mark.parametrize("event_type", sorted(SEVERITY))
def test_mh_caseload_without_mh_input_is_flagged_medium(event_type: str) -> None:
    event = held(AcctEventType(event_type), GIVEN)
    (flag,) = health_input_flags([event], on_mh_caseload=True)
    assert flag.code is FlagCode.ACCT_NO_MH_INPUT
    assert flag.severity is Severity.MEDIUM
    assert "MH in-reach" in flag.message


def test_mh_caseload_with_mh_input_is_not_flagged() -> None:
    event = held(E.CASE_REVIEW_FIRST, MH_GIVEN)
    assert health_input_flags([event], on_mh_caseload=True) == []


def test_mh_input_that_does_not_count_is_flagged() -> None:
    event = held(E.CASE_REVIEW, GIVEN, Contribution(C.INVITED_UNABLE_TO_ATTEND, Team.MH_IN_REACH))
    (flag,) = health_input_flags([event], on_mh_caseload=True)
    assert flag.code is FlagCode.ACCT_NO_MH_INPUT


def test_planned_mh_input_is_flagged_once_held() -> None:
    event = held(E.CASE_REVIEW, GIVEN, Contribution(C.ATTENDED_REMOTE, Team.MH_IN_REACH, True))
    (flag,) = health_input_flags([event], on_mh_caseload=True)
    assert flag.code is FlagCode.ACCT_NO_MH_INPUT


def test_not_on_mh_caseload_never_gets_the_mh_flag() -> None:
    event = held(E.CASE_REVIEW, GIVEN)
    assert health_input_flags([event], on_mh_caseload=False) == []


@pytest.mark.parametrize(("event_type", "severity"), sorted(SEVERITY.items()))
def test_no_input_at_all_on_mh_caseload_gives_both_flags(event_type: str, severity: str) -> None:
    flags = health_input_flags([held(AcctEventType(event_type))], on_mh_caseload=True)
    assert [(f.code, f.severity) for f in flags] == [
        (FlagCode.ACCT_NO_HEALTH_INPUT, Severity(severity)),
        (FlagCode.ACCT_NO_MH_INPUT, Severity.MEDIUM),
    ]


def test_flags_follow_event_order() -> None:
    events = [
        held(E.CASE_REVIEW, ev_id="a"),
        held(E.CASE_REVIEW, GIVEN, ev_id="b"),
        held(E.CLOSURE, ev_id="c"),
    ]
    flags = health_input_flags(events, on_mh_caseload=False)
    assert [(f.event_id, f.severity) for f in flags] == [
        ("a", Severity.MEDIUM),
        ("c", Severity.HIGH),
    ]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        AcctEvent("e", E.CASE_REVIEW, held_at=datetime(2024, 1, 1, 9, 0))
    with pytest.raises(ValueError, match="time zone"):
        AcctEvent("e", E.CASE_REVIEW, scheduled_at=datetime(2024, 1, 1, 9, 0))


# --- upcoming warnings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "warned"),
    [
        (timedelta(minutes=-1), False),
        (timedelta(0), True),
        (timedelta(hours=1), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
    ],
)
def test_upcoming_window_edges(offset: timedelta, warned: bool) -> None:
    warnings = upcoming_warnings([scheduled(E.CASE_REVIEW, NOW + offset)], NOW)
    assert bool(warnings) is warned


def test_upcoming_warning_content() -> None:
    (warning,) = upcoming_warnings([scheduled(E.CASE_REVIEW_FIRST, NOW + timedelta(hours=3))], NOW)
    assert warning.event_id == "e1"
    assert warning.event_type is E.CASE_REVIEW_FIRST
    assert warning.scheduled_at == NOW + timedelta(hours=3)
    assert "24 hours" in warning.message


@pytest.mark.parametrize("event_type", sorted(SEVERITY))
def test_upcoming_warning_for_every_review_type(event_type: str) -> None:
    event = scheduled(AcctEventType(event_type), NOW + timedelta(hours=2))
    assert len(upcoming_warnings([event], NOW)) == 1


@pytest.mark.parametrize("event_type", NOT_REVIEWS)
def test_no_upcoming_warning_for_other_events(event_type: AcctEventType) -> None:
    assert upcoming_warnings([scheduled(event_type, NOW + timedelta(hours=2))], NOW) == []


@pytest.mark.parametrize(("contribution_type", "counts"), sorted(COUNTS.items()))
@pytest.mark.parametrize("planned", [True, False])
def test_planned_contribution_silences_the_warning(
    contribution_type: str, counts: bool, planned: bool
) -> None:
    contribution = Contribution(ContributionType(contribution_type), Team.PRIMARY_CARE, planned)
    event = scheduled(E.CASE_REVIEW, NOW + timedelta(hours=2), contribution)
    assert (upcoming_warnings([event], NOW) == []) is counts


def test_held_event_is_not_upcoming() -> None:
    event = AcctEvent("e", E.CASE_REVIEW, scheduled_at=NOW + timedelta(hours=1), held_at=NOW)
    assert upcoming_warnings([event], NOW) == []


def test_unscheduled_event_is_not_upcoming() -> None:
    assert upcoming_warnings([AcctEvent("e", E.CASE_REVIEW)], NOW) == []


def test_upcoming_compares_across_time_zones() -> None:
    at = datetime(2024, 6, 11, 10, 0, tzinfo=BST)  # 09:00 UTC, exactly 24 hours on
    assert len(upcoming_warnings([scheduled(E.CASE_REVIEW, at)], NOW)) == 1


def test_upcoming_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="time zone"):
        upcoming_warnings([], datetime(2024, 1, 1))


def test_upcoming_window_is_configurable() -> None:
    policy = AcctPolicy(upcoming_window=timedelta(hours=48))
    event = scheduled(E.CASE_REVIEW, NOW + timedelta(hours=30))
    assert upcoming_warnings([event], NOW) == []
    (warning,) = upcoming_warnings([event], NOW, policy)
    assert "48 hours" in warning.message


# --- monthly report -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 0, None), (0, 5, 0.0), (2, 5, 40.0), (5, 5, 100.0), (1, 3, 100 / 3)],
)
def test_percentage(part: int, whole: int, expected: float | None) -> None:
    assert percentage(part, whole) == expected


@pytest.mark.parametrize(("part", "whole"), [(-1, 3), (1, -3), (4, 3)])
def test_percentage_refuses_impossible_counts(part: int, whole: int) -> None:
    with pytest.raises(ValueError, match="percentage"):
        percentage(part, whole)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_monthly_report_counts_and_percentages() -> None:
    events = [
        AcctEvent("1", E.CLOSURE, held_at=at(2024, 3, 1)),
        AcctEvent("2", E.CLOSURE, held_at=at(2024, 3, 9), contributions=(GIVEN,)),
        AcctEvent("3", E.CLOSURE, held_at=at(2024, 3, 30), contributions=(GIVEN,)),
        AcctEvent("4", E.CLOSURE, held_at=at(2024, 3, 31)),
        AcctEvent("5", E.CASE_REVIEW_FIRST, held_at=at(2024, 3, 2)),
        AcctEvent("6", E.CASE_REVIEW, held_at=at(2024, 3, 3), contributions=(MH_GIVEN,)),
        AcctEvent("7", E.POST_CLOSURE_REVIEW, held_at=at(2024, 3, 4)),
        AcctEvent("8", E.ASSESSMENT_INTERVIEW, held_at=at(2024, 3, 4)),
        AcctEvent("9", E.CASE_REVIEW, scheduled_at=at(2024, 3, 5)),  # not held
    ]
    (row,) = monthly_health_input_report(events)
    assert row == MonthRow(2024, 3, 4, 2, 2, 1)
    assert row.closures_without_input_pct == 50.0
    assert row.case_reviews_without_input_pct == 50.0


def test_monthly_report_counts_reviews_past_their_time_and_never_held() -> None:
    events = [
        AcctEvent("1", E.CASE_REVIEW_FIRST, held_at=at(2024, 3, 2), contributions=(GIVEN,)),
        AcctEvent("2", E.CASE_REVIEW, scheduled_at=at(2024, 3, 5)),  # never held, no input
        AcctEvent("3", E.CASE_REVIEW, scheduled_at=at(2024, 3, 6), contributions=(GIVEN,)),
        AcctEvent("4", E.CASE_REVIEW, scheduled_at=at(2024, 4, 20)),  # not yet due
        AcctEvent("5", E.CLOSURE, scheduled_at=at(2024, 3, 7)),  # a closure not held: no closure
    ]
    (row,) = monthly_health_input_report(events, now=at(2024, 3, 31))
    assert row == MonthRow(2024, 3, 0, 0, 3, 1, 2)
    assert row.case_reviews_without_input_pct == pytest.approx(100 / 3)
    # Without the report's time (the rule's old use), only held reviews count.
    assert monthly_health_input_report(events) == [MonthRow(2024, 3, 0, 0, 1, 0)]


def test_monthly_report_zero_denominators() -> None:
    reviews_only = monthly_health_input_report(
        [AcctEvent("1", E.CASE_REVIEW, held_at=at(2024, 1, 5))]
    )
    assert reviews_only == [MonthRow(2024, 1, 0, 0, 1, 1)]
    assert reviews_only[0].closures_without_input_pct is None
    assert reviews_only[0].case_reviews_without_input_pct == 100.0
    closures_only = monthly_health_input_report(
        [AcctEvent("1", E.CLOSURE, held_at=at(2024, 1, 5), contributions=(GIVEN,))]
    )
    assert closures_only[0].closures_without_input_pct == 0.0
    assert closures_only[0].case_reviews_without_input_pct is None


def test_monthly_report_empty() -> None:
    assert monthly_health_input_report([]) == []
    assert monthly_health_input_report([AcctEvent("1", E.POST_CLOSURE_REVIEW, held_at=NOW)]) == []


def test_monthly_report_month_edges_and_order() -> None:
    events = [
        AcctEvent("a", E.CLOSURE, held_at=datetime(2024, 2, 1, 0, 0, tzinfo=UTC)),
        AcctEvent("b", E.CLOSURE, held_at=datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC)),
        AcctEvent("c", E.CLOSURE, held_at=datetime(2023, 12, 31, 12, tzinfo=UTC)),
    ]
    rows = monthly_health_input_report(events)
    assert [(r.year, r.month, r.closures) for r in rows] == [
        (2023, 12, 1),
        (2024, 1, 1),
        (2024, 2, 1),
    ]


def test_monthly_report_uses_the_callers_zone() -> None:
    # 23:30 UTC on 31 March is 00:30 BST on 1 April.
    event = AcctEvent("a", E.CASE_REVIEW, held_at=datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
    assert monthly_health_input_report([event])[0].month == 3
    assert monthly_health_input_report([event], tz=BST)[0].month == 4


def test_planned_input_counts_as_without_input_in_report() -> None:
    planned = Contribution(C.ATTENDED_IN_PERSON, Team.PRIMARY_CARE, planned=True)
    event = AcctEvent("a", E.CLOSURE, held_at=NOW, contributions=(planned,))
    assert monthly_health_input_report([event])[0].closures_without_input == 1


# --- timings --------------------------------------------------------------------------------


def test_post_closure_review_default_seven_days() -> None:
    assert DEFAULT_ACCT_POLICY.post_closure_review_days == 7
    assert post_closure_review_due(NOW) == NOW + timedelta(days=7)


def test_post_closure_review_configurable() -> None:
    policy = AcctPolicy(post_closure_review_days=14)
    assert post_closure_review_due(NOW, policy) == NOW + timedelta(days=14)


def test_post_closure_review_needs_aware_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        post_closure_review_due(datetime(2024, 1, 1))


def test_post_closure_review_returns_utc() -> None:
    local = datetime(2024, 6, 10, 10, 0, tzinfo=BST)
    due = post_closure_review_due(local)
    assert due == NOW + timedelta(days=7)
    assert due.tzinfo is UTC


def test_first_case_review_due_within_24_hours() -> None:
    assert first_case_review_due(NOW) == NOW + timedelta(hours=24)


def test_needed_by_is_the_scheduled_time() -> None:
    assert needed_by(NOW) == NOW
    with pytest.raises(ValueError, match="time zone"):
        needed_by(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("before_needed_by", "warn"),
    [
        (timedelta(hours=3), False),
        (timedelta(hours=2, seconds=1), False),
        (timedelta(hours=2), True),
        (timedelta(hours=1), True),
        (timedelta(0), True),
        (-timedelta(hours=5), True),
    ],
)
def test_unsynced_warning_edges(before_needed_by: timedelta, warn: bool) -> None:
    deadline = NOW + before_needed_by
    assert unsynced_warning(deadline, NOW, synced=False) is warn
    assert unsynced_warning(deadline, NOW, synced=True) is False


def test_unsynced_warning_window_configurable() -> None:
    policy = AcctPolicy(unsynced_warning_window=timedelta(hours=4))
    assert unsynced_warning(NOW + timedelta(hours=3), NOW, False, policy)


def test_unsynced_warning_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="time zone"):
        unsynced_warning(datetime(2024, 1, 1), NOW, synced=False)
    with pytest.raises(ValueError, match="time zone"):
        unsynced_warning(NOW, datetime(2024, 1, 1), synced=False)


def test_new_ha_alert_task() -> None:
    task = new_ha_alert_task("patient-1", NOW)
    assert task.code == FIND_FIRST_REVIEW_TASK
    assert task.patient_id == "patient-1"
    assert "first" in task.title.lower()
    assert "review" in task.title.lower()
    assert task.due_at == NOW
    assert task.first_review_by == NOW + timedelta(hours=24)


def test_new_ha_alert_task_errors() -> None:
    with pytest.raises(ValueError, match="patient"):
        new_ha_alert_task("  ", NOW)
    with pytest.raises(ValueError, match="time zone"):
        new_ha_alert_task("p", datetime(2024, 1, 1))


# -- reviews missed at a closure, caseload at the time, attendance too early ------------------


def test_a_review_due_before_a_held_closure_is_missed_and_flagged() -> None:
    first = AcctEvent("first", E.CASE_REVIEW_FIRST, scheduled_at=NOW - timedelta(days=4))
    later = AcctEvent("later", E.CASE_REVIEW, scheduled_at=NOW + timedelta(days=2))
    closure = AcctEvent("close", E.CLOSURE, scheduled_at=NOW, held_at=NOW)
    events = [first, later, closure]
    assert missed(first, events)
    assert not missed(later, events)  # due after the closure: cancelled, not missed
    assert not missed(first, [first])  # no closure yet: still awaited (late), not missed
    flags = health_input_flags(events, on_mh_caseload=False)
    assert [(f.event_id, f.severity) for f in flags] == [
        ("first", Severity.HIGH),
        ("close", Severity.HIGH),
    ]
    assert "not recorded as held" in flags[0].message
    given = AcctEvent(
        "first", E.CASE_REVIEW_FIRST, scheduled_at=NOW - timedelta(days=4),
        contributions=(Contribution(C.WRITTEN_CONTRIBUTION, Team.PRIMARY_CARE),),
    )  # fmt: skip
    assert [f.event_id for f in health_input_flags([given, closure], on_mh_caseload=False)] == [
        "close"
    ]


def test_the_mh_rule_asks_about_the_caseload_at_each_reviews_time() -> None:
    early = AcctEvent("early", E.CASE_REVIEW, held_at=NOW - timedelta(days=10))
    late = AcctEvent("late", E.CASE_REVIEW, held_at=NOW)
    given = (Contribution(C.ATTENDED_IN_PERSON, Team.PRIMARY_CARE),)
    events = [
        AcctEvent(e.id, e.type, held_at=e.held_at, contributions=given) for e in (early, late)
    ]
    asked: list[datetime] = []

    def on_caseload(moment: datetime) -> bool:
        asked.append(moment)
        return moment >= NOW - timedelta(days=1)  # joined yesterday

    flags = health_input_flags(events, on_mh_caseload=on_caseload)
    assert [(f.code, f.event_id) for f in flags] == [(FlagCode.ACCT_NO_MH_INPUT, "late")]
    assert asked == [NOW - timedelta(days=10), NOW]


@pytest.mark.parametrize(
    ("kind", "planned", "scheduled", "held", "early"),
    [
        (C.ATTENDED_IN_PERSON, False, NOW + timedelta(hours=22), None, True),
        (C.ATTENDED_REMOTE, False, None, None, True),
        (C.HEALTHCARE_ASSESSOR, False, NOW + timedelta(hours=1), None, True),
        (C.ATTENDED_IN_PERSON, True, NOW + timedelta(hours=22), None, False),  # planned
        (C.ATTENDED_IN_PERSON, False, NOW + timedelta(minutes=5), None, False),  # clock slack
        (C.ATTENDED_IN_PERSON, False, NOW - timedelta(hours=1), None, False),  # due, not yet held
        (C.ATTENDED_IN_PERSON, False, NOW + timedelta(hours=22), NOW, False),  # held
        (C.WRITTEN_CONTRIBUTION, False, NOW + timedelta(hours=22), None, False),  # sent ahead
    ],
)
def test_attendance_given_too_early(
    kind: ContributionType,
    planned: bool,
    scheduled: datetime | None,
    held: datetime | None,
    early: bool,
) -> None:
    assert (
        attendance_given_too_early(
            kind, planned=planned, scheduled_at=scheduled, held_at=held, now=NOW
        )
        is early
    )


def test_warnings_come_only_from_events_that_may_warn_at_every_moment() -> None:
    """Today keeps only the events `may_warn` keeps and asks for the warnings again later: the
    answer from those must be the answer from all of a case's events, at every moment."""
    import random

    rng = random.Random(15)
    kinds = list(E)
    contribution_kinds = [
        Contribution(ContributionType.ATTENDED_IN_PERSON, Team.PRIMARY_CARE),
        Contribution(ContributionType.WRITTEN_CONTRIBUTION, Team.MH_IN_REACH, planned=True),
        Contribution(ContributionType.NOT_INVITED, Team.PRIMARY_CARE),
    ]
    for case in range(200):
        events = [
            AcctEvent(
                f"{case}-{k}",
                rng.choice(kinds),
                scheduled_at=rng.choice([None, NOW + timedelta(hours=rng.randint(-48, 72))]),
                held_at=rng.choice([None, None, NOW + timedelta(hours=rng.randint(-48, 24))]),
                contributions=tuple(rng.sample(contribution_kinds, rng.randint(0, 2))),
            )
            for k in range(rng.randint(1, 6))
        ]
        kept = [e for e in events if may_warn(e)]
        for hours in range(-50, 80, 3):
            moment = NOW + timedelta(hours=hours)
            assert upcoming_warnings(kept, moment) == upcoming_warnings(events, moment)
        warned = {w.event_id for h in range(-50, 80) for w in upcoming_warnings(
            events, NOW + timedelta(hours=h))}  # fmt: skip
        assert warned <= {e.id for e in kept}


@pytest.mark.parametrize(
    ("before_needed_by", "timing"),
    [
        (timedelta(hours=3), InputTiming.IN_TIME),
        (timedelta(hours=2, seconds=1), InputTiming.IN_TIME),
        (timedelta(hours=2), InputTiming.DUE_SOON),
        (timedelta(seconds=1), InputTiming.DUE_SOON),
        (timedelta(0), InputTiming.PASSED),  # the review starts now: "before" it is over
        (-timedelta(hours=5), InputTiming.PASSED),
    ],
)
def test_input_timing_tells_due_soon_from_passed(
    before_needed_by: timedelta, timing: InputTiming
) -> None:
    """domain.md §6: input must reach the office before the review starts."""
    deadline = NOW + before_needed_by
    assert input_timing(deadline, NOW, synced=False) is timing
    assert input_timing(deadline, NOW, synced=True) is InputTiming.AT_OFFICE
    # The warning is the same question: due soon or passed.
    warned = timing in (InputTiming.DUE_SOON, InputTiming.PASSED)
    assert unsynced_warning(deadline, NOW, synced=False) is warned


def test_input_timing_at_the_calendars_ends() -> None:
    assert input_timing(datetime(1, 1, 1, tzinfo=UTC), NOW, False) is InputTiming.PASSED
    latest = datetime.max.replace(tzinfo=UTC)
    assert input_timing(latest, NOW, False) is InputTiming.IN_TIME


def test_input_timing_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="time zone"):
        input_timing(datetime(2024, 1, 1), NOW, synced=False)


# -- an arrival's HA mirror and the ACCT that travelled (H-38) ----------------------------------

MIRROR_OPENED = NOW - timedelta(hours=2)


def _mirror(**changes: object) -> CaseFacts:
    """An HA-alert mirror as the roll import makes it: one first review at the 24-hour limit."""
    first = AcctEvent("first", E.CASE_REVIEW_FIRST, first_case_review_due(MIRROR_OPENED))
    mirror = CaseFacts(
        "mirror", AcctStatus.OPEN, MIRROR_OPENED, AcctSource.HA_ALERT, events=(first,)
    )
    return replace(mirror, **changes)  # type: ignore[arg-type]


def _travelling(
    opened: datetime = NOW - timedelta(days=4), status: AcctStatus = AcctStatus.OPEN
) -> CaseFacts:
    return CaseFacts("travelling", status, opened)


def test_an_unused_mirror_gives_way_to_the_open_acct_opened_before_it() -> None:
    assert superseded_by(_mirror(), [_travelling()]) == _travelling()
    # Of two earlier open cases, the first opened continues; the mirror itself is never one.
    older = replace(_travelling(NOW - timedelta(days=9)), id="older")
    assert superseded_by(_mirror(), [_mirror(), _travelling(), older]) == older
    assert superseded_by(_mirror(status=AcctStatus.POST_CLOSURE), [_travelling()]) is not None


@pytest.mark.parametrize(
    "others",
    [
        [],
        [_travelling(MIRROR_OPENED)],  # opened at the same moment: not before it
        [_travelling(NOW)],  # opened after it: not the one the person arrived with
        [_travelling(status=AcctStatus.POST_CLOSURE)],  # the HA alert says open again
        [_travelling(status=AcctStatus.CLOSED)],
    ],
)
def test_the_mirror_stays_without_an_earlier_open_acct(others: list[CaseFacts]) -> None:
    assert superseded_by(_mirror(), others) is None


def _used_events() -> dict[str, tuple[AcctEvent, ...]]:
    due = first_case_review_due(MIRROR_OPENED)
    return {
        "first review held": (AcctEvent("first", E.CASE_REVIEW_FIRST, due, NOW),),
        "first review moved": (AcctEvent("first", E.CASE_REVIEW_FIRST, due - timedelta(hours=3)),),
        "first review without a time": (AcctEvent("first", E.CASE_REVIEW_FIRST),),
        "another event added": (
            AcctEvent("first", E.CASE_REVIEW_FIRST, due),
            AcctEvent("second", E.CASE_REVIEW, due + timedelta(days=2)),
        ),
        "no first review": (),
    }


@pytest.mark.parametrize(
    "used",
    [
        {"contributions": 1},  # any input at all, planned or withdrawn included
        {"edited": True},  # its details, or an event, changed since it was opened
        {"source": AcctSource.MANUAL},  # entered by hand: a person meant it
        {"status": AcctStatus.CLOSED},
        *({"events": events} for events in _used_events().values()),
    ],
)
def test_a_mirror_someone_used_never_gives_way(used: dict[str, object]) -> None:
    assert superseded_by(_mirror(**used), [_travelling()]) is None


@pytest.mark.parametrize(
    ("window", "text"),
    [
        (timedelta(hours=2), "2 hours"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=24), "24 hours"),
        (timedelta(seconds=45), "45 seconds"),
    ],
)
def test_a_policy_window_is_written_as_a_person_reads_it(window: timedelta, text: str) -> None:
    assert window_text(window) == text


def test_the_sync_warning_text_follows_the_policy_not_a_written_number() -> None:
    """The words the contribution form shows come from the policy's window (not "2 hours"
    written out), and the 24-hour warning's from its own."""
    assert unsynced_warning_window_text() == "2 hours"  # the default: our decision
    policy = AcctPolicy(unsynced_warning_window=timedelta(minutes=90))
    assert unsynced_warning_window_text(policy) == "90 minutes"
    assert unsynced_warning_window_text(AcctPolicy(unsynced_warning_window=timedelta(hours=1))) == (
        "1 hour"
    )
    now = datetime(2025, 3, 3, 9, tzinfo=UTC)
    review = AcctEvent("e1", AcctEventType.CASE_REVIEW, scheduled_at=now + timedelta(hours=5))
    (warned,) = upcoming_warnings([review], now, AcctPolicy(upcoming_window=timedelta(hours=6)))
    assert "within the next 6 hours and" in warned.message
    with pytest.raises(ValueError, match="longer than zero"):
        window_text(timedelta(0))
