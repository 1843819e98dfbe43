"""The overdue-reviews worklist: exact due dates for care plans, LTC reviews, diabetes care
processes, second-stage assessments and older-prisoner reviews; few queries on the demo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from hjdesk.clinical.dates import add_months
from hjdesk.clinical.reception import DEFAULT_RECEPTION_POLICY
from hjdesk.services import care_plans as cp
from hjdesk.services.worklists.reviews_due import (
    ReviewsDuePolicy,
    fiftieth_birthday,
    overdue_reviews,
)
from hjdesk.storage.errors import PermissionDenied
from tests.services.care_world import (  # noqa: F401
    TODAY,
    World,
    add_encounter,
    add_measurement,
    care_template_fixture,
    world_fixture,
)

RECEIVED = date(2025, 3, 1)
ALL_PROCESS_CODES = (
    "HBA1C", "BP_SYSTOLIC", "CHOLESTEROL", "CREATININE", "UACR", "FOOT_RISK", "BMI",
    "SMOKING_STATUS", "RETINAL_SCREENING",
)  # fmt: skip


def _rows(report_rows: tuple, patient_id: str) -> list:
    return [r for r in report_rows if r.patient_id == patient_id]


# --- second-stage assessment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "overdue", "days"),
    [(RECEIVED + timedelta(days=6), False, 0), (RECEIVED + timedelta(days=7), False, 0),
     (RECEIVED + timedelta(days=8), True, 1)],
)  # fmt: skip
def test_second_stage_due_at_reception_plus_seven(
    world: World, today: date, overdue: bool, days: int
) -> None:
    pid = world.patient(reception=RECEIVED)
    (row,) = _rows(overdue_reviews(world.vault, today=today).second_stage_assessments, pid)
    assert row.due_date == date(2025, 3, 8)
    assert (row.overdue, row.days_overdue) == (overdue, days)
    assert row.kind == "SECOND_STAGE_ASSESSMENT"
    assert (row.prison_number, row.location, row.wing) == ("A1001BC", "A-1-001", "A")


def test_second_stage_done_after_reception_clears_it(world: World) -> None:
    pid = world.patient(reception=RECEIVED)
    today = RECEIVED + timedelta(days=10)
    add_encounter(world.vault, pid, "SECOND_STAGE_ASSESSMENT", RECEIVED - timedelta(days=400))
    assert _rows(overdue_reviews(world.vault, today=today).second_stage_assessments, pid)
    add_encounter(world.vault, pid, "SECOND_STAGE_ASSESSMENT", RECEIVED + timedelta(days=2),
                  signed=False)  # fmt: skip
    assert _rows(overdue_reviews(world.vault, today=today).second_stage_assessments, pid)
    done = add_encounter(world.vault, pid, "SECOND_STAGE_ASSESSMENT", RECEIVED + timedelta(days=9))
    assert not _rows(overdue_reviews(world.vault, today=today).second_stage_assessments, pid)
    # Entered in error: the assessment no longer stands, so it is due again.
    add_encounter(world.vault, pid, "SECOND_STAGE_ASSESSMENT", RECEIVED + timedelta(days=9),
                  amends_id=done, entered_in_error=True)  # fmt: skip
    assert _rows(overdue_reviews(world.vault, today=today).second_stage_assessments, pid)


def test_second_stage_lookback_moves_old_receptions_to_their_own_group(world: World) -> None:
    old = world.patient(reception=TODAY - timedelta(days=91))
    edge = world.patient(reception=TODAY - timedelta(days=90))
    future = world.patient(reception=TODAY + timedelta(days=1))
    report = overdue_reviews(world.vault, today=TODAY)
    assert {r.patient_id for r in report.second_stage_assessments} == {edge}
    # Never done and older than the look-back: still listed, in the long-overdue group.
    (long,) = _rows(report.second_stage_long_overdue, old)
    assert long.overdue
    assert long.what.startswith("Second-stage health assessment never done")
    assert set(report.second_stage_long_overdue) <= set(report.all_rows)
    longer = overdue_reviews(
        world.vault, today=TODAY, policy=ReviewsDuePolicy(second_stage_lookback_days=100)
    )
    assert {r.patient_id for r in longer.second_stage_assessments} == {old, edge}
    assert future not in {r.patient_id for r in longer.second_stage_assessments}


# --- LTC reviews -------------------------------------------------------------------------------


def test_ltc_review_due_a_year_after_the_last_review_of_that_condition(world: World) -> None:
    pid = world.patient(conditions=(("DIABETES", date(2015, 1, 1)), ("ASTHMA", None)))
    last = date(2024, 3, 20)
    add_encounter(world.vault, pid, "LTC_REVIEW", last, ltc_condition="DIABETES")
    add_encounter(world.vault, pid, "LTC_REVIEW", date(2025, 3, 1), ltc_condition="ASTHMA")
    report = overdue_reviews(world.vault, today=TODAY)
    (row,) = _rows(report.ltc_reviews, pid)
    assert (row.condition, row.due_date, row.overdue, row.days_overdue) == (
        "DIABETES", date(2025, 3, 20), False, 0,
    )  # fmt: skip
    assert row.what == "Diabetes review"
    later = overdue_reviews(world.vault, today=date(2025, 4, 2))
    (row,) = _rows(later.ltc_reviews, pid)
    assert (row.overdue, row.days_overdue) == (True, 13)


def test_ltc_review_listed_only_within_the_due_soon_window(world: World) -> None:
    pid = world.patient(conditions=(("EPILEPSY", None),))
    add_encounter(world.vault, pid, "LTC_REVIEW", date(2024, 3, 27), ltc_condition="EPILEPSY")
    due = date(2025, 3, 27)
    assert _rows(overdue_reviews(world.vault, today=due - timedelta(days=14)).ltc_reviews, pid)
    assert not _rows(overdue_reviews(world.vault, today=due - timedelta(days=15)).ltc_reviews, pid)


def test_ltc_review_never_recorded_is_due_from_onset_or_reception(world: World) -> None:
    since_reception = world.patient(
        reception=date(2024, 6, 1), conditions=(("COPD", date(2010, 1, 1)),)
    )
    since_onset = world.patient(
        reception=date(2024, 6, 1), conditions=(("COPD", date(2024, 9, 1)),)
    )
    rows = overdue_reviews(world.vault, today=TODAY).ltc_reviews
    (a,) = _rows(rows, since_reception)
    (b,) = _rows(rows, since_onset)
    assert (a.due_date, b.due_date) == (date(2024, 6, 1), date(2024, 9, 1))
    assert a.what == "COPD review (never recorded)"


def test_inactive_conditions_and_other_wings_are_left_out(world: World) -> None:
    b_wing = world.patient(location="B-1-001", conditions=(("ASTHMA", None),))
    a_wing = world.patient(conditions=(("ASTHMA", None),))
    rows = overdue_reviews(world.vault, wing="A", today=TODAY).ltc_reviews
    assert {r.patient_id for r in rows} == {a_wing}
    assert b_wing not in {r.patient_id for r in overdue_reviews(
        world.vault, establishment="LEI", today=TODAY).ltc_reviews}  # fmt: skip


# --- diabetes care processes -------------------------------------------------------------------


def test_diabetes_care_processes_lists_only_what_is_outstanding(world: World) -> None:
    pid = world.patient(conditions=(("DIABETES", None),))
    for code in ALL_PROCESS_CODES:
        if code != "UACR":
            add_measurement(world.vault, pid, code, date(2025, 1, 10))
    (row,) = _rows(overdue_reviews(world.vault, today=TODAY).diabetes_care_processes, pid)
    assert row.items == ("URINE_ALBUMIN_CREATININE_RATIO",)
    assert row.what == "Diabetes care processes: urine albumin:creatinine ratio"
    assert row.due_date == date(2024, 1, 10)  # never recorded: due since reception


def test_diabetes_care_process_overdue_after_twelve_months(world: World) -> None:
    pid = world.patient(conditions=(("DIABETES", None),))
    for code in ALL_PROCESS_CODES:
        day = date(2024, 3, 1) if code == "HBA1C" else date(2025, 2, 1)
        add_measurement(world.vault, pid, code, day)
    (row,) = _rows(overdue_reviews(world.vault, today=TODAY).diabetes_care_processes, pid)
    assert row.items == ("HBA1C",)
    assert (row.due_date, row.overdue, row.days_overdue) == (date(2025, 3, 1), True, 11)


def test_diabetes_all_processes_done_gives_no_row(world: World) -> None:
    pid = world.patient(conditions=(("DIABETES", None),))
    for code in ALL_PROCESS_CODES:
        add_measurement(world.vault, pid, code, date(2025, 2, 1))
    assert not _rows(overdue_reviews(world.vault, today=TODAY).diabetes_care_processes, pid)


# --- older-prisoner reviews --------------------------------------------------------------------


def test_older_prisoner_review_due_a_year_after_the_last(world: World) -> None:
    pid = world.patient(dob=date(1960, 5, 5))
    add_encounter(world.vault, pid, "OLDER_PRISONER_REVIEW", date(2024, 3, 20))
    (row,) = _rows(overdue_reviews(world.vault, today=TODAY).older_prisoner_reviews, pid)
    assert (row.due_date, row.overdue, row.what) == (
        date(2025, 3, 20), False, "Older prisoner review",
    )  # fmt: skip


def test_older_prisoner_never_reviewed_due_from_reception_or_fiftieth_birthday(
    world: World,
) -> None:
    received_older = world.patient(dob=date(1960, 5, 5), reception=date(2024, 1, 10))
    turned_fifty_here = world.patient(dob=date(1974, 12, 1), reception=date(2020, 1, 1))
    under_fifty = world.patient(dob=date(1975, 6, 1))
    rows = overdue_reviews(world.vault, today=TODAY).older_prisoner_reviews
    (a,) = _rows(rows, received_older)
    (b,) = _rows(rows, turned_fifty_here)
    assert (a.due_date, b.due_date) == (date(2024, 1, 10), date(2024, 12, 1))
    assert a.what == "Older prisoner review (never recorded)"
    assert not _rows(rows, under_fifty)


def test_fiftieth_birthday_of_a_leap_day_baby_is_first_of_march() -> None:
    assert fiftieth_birthday(date(1976, 2, 29), DEFAULT_RECEPTION_POLICY) == date(2026, 3, 1)
    assert fiftieth_birthday(date(1975, 6, 1), DEFAULT_RECEPTION_POLICY) == date(2025, 6, 1)


# --- care plans ---------------------------------------------------------------------------------


def test_care_plans_due_soon_and_overdue_are_listed(world: World) -> None:
    pid = world.patient()
    plans = []
    for days in (10, 20, -3):
        draft = cp.create_plan(world.vault, pid, "SMOKING", today=TODAY - timedelta(days=100))
        draft = cp.update_plan(
            world.vault, draft.id, base_rev=draft.rev, patient_involvement="AGREED",
            review_due=TODAY + timedelta(days=days), start_date=TODAY - timedelta(days=100),
        )  # fmt: skip
        plans.append(cp.activate_plan(world.vault, draft.id, today=TODAY))
    rows = _rows(overdue_reviews(world.vault, today=TODAY).care_plans, pid)
    assert [(r.record_id, r.due_date, r.overdue, r.days_overdue) for r in rows] == [
        (plans[2].id, TODAY - timedelta(days=3), True, 3),
        (plans[0].id, TODAY + timedelta(days=10), False, 0),
    ]
    assert rows[0].what == "Care plan review: Stop smoking plan"


# --- whole report ------------------------------------------------------------------------------


def test_report_lists_are_sorted_by_due_date(world: World) -> None:
    late = world.patient(reception=TODAY - timedelta(days=20), family_name="Zed")
    early = world.patient(reception=TODAY - timedelta(days=30), family_name="Abe")
    report = overdue_reviews(world.vault, today=TODAY)
    assert [r.patient_id for r in report.second_stage_assessments] == [early, late]
    assert set(report.all_rows) >= set(report.second_stage_assessments)


def test_admin_cannot_see_clinical_worklists(world: World) -> None:
    with pytest.raises(PermissionDenied):
        overdue_reviews(world.as_user("admin"), today=TODAY)


def test_demo_report_is_built_with_a_few_queries(demo) -> None:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(demo.engine, "before_cursor_execute", count)
    try:
        report = overdue_reviews(demo)
    finally:
        event.remove(demo.engine, "before_cursor_execute", count)
    # Seven grouped queries for 1,200 patients, never one per patient.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 10
    assert report.ltc_reviews
    assert report.older_prisoner_reviews


def test_months_helper_matches_the_rule() -> None:
    # The LTC interval is 12 calendar months (clinical.ltc), clamped at month end.
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
