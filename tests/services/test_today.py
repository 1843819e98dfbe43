"""Today's worklists: each list's rule on controlled data, the wing and establishment filters,
the demo (every list non-empty), and a bounded number of queries whatever the prison's size."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from hjdesk.services.patients import caseload
from hjdesk.services.roll_import import import_roll
from hjdesk.services.today import TodayItem, TodayLists, today_worklists
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    CarePlan,
    CarePlanReview,
    Condition,
    Encounter,
    Patient,
    Task,
)
from hjdesk.storage.vault import OpenVault
from tests.conftest import RollWriter

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2025, 3, 10)

PEOPLE = {
    # number: (location, date of birth, reception date)
    "A1000AA": ("A-1-001", "1950-01-01", "2024-01-15"),  # older, never reviewed
    "B2000BB": ("B-1-001", "1990-05-05", "2025-03-07"),  # received 3 days ago
    "C3000CC": ("A-1-002", "1985-02-02", "2025-03-01"),  # received 9 days ago
    "D4000DD": ("B-1-002", "1960-06-06", "2023-01-01"),  # older, reviewed
    "E5000EE": ("C-1-001", "1995-07-07", "2025-01-01"),  # received before the lookback
    "F6000FF": ("A-1-003", "1992-08-08", "2025-03-05"),  # assessed since reception
    "G7000GG": ("A-1-004", "1993-09-09", "2025-03-04"),  # assessed on an earlier stay only
    "H8000HH": ("C-1-002", "1975-03-10", "2020-05-05"),  # turns 50 today
}


@pytest.fixture
def prison(vault: OpenVault, roll: RollWriter) -> dict[str, str]:
    lines = [
        roll.line(n, location=loc, date_of_birth=dob, reception_date=rec)
        for n, (loc, dob, rec) in PEOPLE.items()
    ]
    import_roll(vault, roll.write(lines), today=TODAY)
    return {p.prison_number: p.id for p in caseload(vault)}


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC) + timedelta(
        hours=hour
    )


def _encounter(pid: str, kind: str, day: str, **kw: Any) -> Encounter:
    signed = kw.pop("signed", True)
    return Encounter(
        patient_id=pid,
        kind=kind,
        started_at=_at(day),
        narrative="x",
        signed_at=_at(day, 11) if signed else None,
        **kw,
    )


def _lists(v: OpenVault, **kw: Any) -> TodayLists:
    return today_worklists(v, now=NOW, **kw)


def _by_patient(items: tuple[TodayItem, ...], ids: dict[str, str]) -> dict[str, list[str]]:
    names = {pid: number for number, pid in ids.items()}
    out: dict[str, list[str]] = {}
    for item in items:
        out.setdefault(names.get(item.patient_id or "", "-"), []).append(item.severity)
    return out


def test_second_stage_due_and_overdue(vault: OpenVault, prison: dict[str, str]) -> None:
    with vault.transaction() as s:
        s.add(_encounter(prison["F6000FF"], "SECOND_STAGE_ASSESSMENT", "2025-03-06"))
        s.add(_encounter(prison["G7000GG"], "SECOND_STAGE_ASSESSMENT", "2024-12-01"))
    items = {i.prison_number: i for i in _lists(vault).second_stage}
    assert sorted(items) == ["B2000BB", "C3000CC", "G7000GG"]
    assert (items["B2000BB"].severity, items["B2000BB"].due) == ("MEDIUM", date(2025, 3, 14))
    assert items["B2000BB"].what == "Second-stage assessment due"
    assert (items["C3000CC"].severity, items["C3000CC"].due) == ("HIGH", date(2025, 3, 8))
    assert items["C3000CC"].what == "Second-stage assessment overdue"
    assert (items["C3000CC"].target_kind, items["C3000CC"].target_id) == (
        "patient",
        prison["C3000CC"],
    )


def test_ltc_reviews_overdue(vault: OpenVault, prison: dict[str, str]) -> None:
    a, d, b = prison["A1000AA"], prison["D4000DD"], prison["B2000BB"]
    with vault.transaction() as s:
        s.add_all(
            [
                Condition(patient_id=a, code="DIABETES", onset=date(2010, 1, 1)),
                Condition(patient_id=d, code="HYPERTENSION"),
                Condition(patient_id=d, code="ASTHMA"),
                Condition(patient_id=d, code="EPILEPSY"),
                Condition(patient_id=d, code="COPD", active=False),
                Condition(patient_id=b, code="ASTHMA"),
            ]
        )
        reviews = {
            "HYPERTENSION": _encounter(d, "LTC_REVIEW", "2024-02-01", ltc_condition="HYPERTENSION"),
            "ASTHMA": _encounter(d, "LTC_REVIEW", "2024-06-01", ltc_condition="ASTHMA"),
            "EPILEPSY": _encounter(d, "LTC_REVIEW", "2024-06-01", ltc_condition="EPILEPSY"),
        }
        s.add_all(reviews.values())
        s.add(_encounter(a, "LTC_REVIEW", "2025-01-01", ltc_condition="DIABETES", signed=False))
        s.flush()
        s.add(
            _encounter(
                d,
                "LTC_REVIEW",
                "2024-06-02",
                ltc_condition="EPILEPSY",
                entered_in_error=True,
                amends_id=reviews["EPILEPSY"].id,
                amendment_reason="wrong patient",
            )
        )
    found = sorted((i.prison_number, i.what, i.due) for i in _lists(vault).ltc_reviews)
    assert found == [
        ("A1000AA", "LTC review overdue (diabetes): none recorded", date(2025, 1, 15)),
        ("D4000DD", "LTC review overdue (epilepsy): none recorded", date(2024, 1, 1)),
        ("D4000DD", "LTC review overdue (hypertension)", date(2025, 2, 1)),
    ]


def test_older_prisoner_reviews_due(vault: OpenVault, prison: dict[str, str]) -> None:
    with vault.transaction() as s:
        s.add(_encounter(prison["D4000DD"], "OLDER_PRISONER_REVIEW", "2024-09-01"))
    items = {i.prison_number: i for i in _lists(vault).older_prisoner_reviews}
    assert sorted(items) == ["A1000AA", "H8000HH"]
    assert (items["A1000AA"].severity, items["A1000AA"].due) == ("HIGH", date(2024, 1, 15))
    assert (items["H8000HH"].severity, items["H8000HH"].due) == ("MEDIUM", TODAY)
    assert items["H8000HH"].what == "Older-prisoner review due"


def _plan(pid: str, status: str, due: date | None) -> CarePlan:
    return CarePlan(
        patient_id=pid,
        plan_type="SMOKING",
        title="Stop smoking",
        status=status,
        review_due=due,
        start_date=date(2024, 6, 1),
    )


def test_care_plan_reviews_overdue(vault: OpenVault, prison: dict[str, str]) -> None:
    a = prison["A1000AA"]
    plans = {
        "late": _plan(a, "ACTIVE", date(2025, 3, 9)),
        "reviewed": _plan(a, "REVIEW_DUE", date(2025, 3, 1)),
        "reviewed_early": _plan(a, "REVIEW_DUE", date(2025, 2, 1)),
        "due_today": _plan(a, "ACTIVE", TODAY),
        "draft": _plan(a, "DRAFT", date(2025, 1, 1)),
        "closed": _plan(a, "CLOSED", date(2025, 1, 1)),
    }
    with vault.transaction() as s:
        s.add_all(plans.values())
        s.flush()
        for key, day in (("reviewed", date(2025, 3, 5)), ("reviewed_early", date(2025, 1, 20))):
            s.add(
                CarePlanReview(
                    plan_id=plans[key].id,
                    patient_id=a,
                    review_date=day,
                    decision="CONTINUE",
                    next_review_due=plans[key].review_due,
                    signed_at=NOW,
                )
            )
    items = _lists(vault).care_plan_reviews
    assert sorted(i.target_id for i in items) == sorted(
        [plans["late"].id, plans["reviewed_early"].id]
    )
    assert all(i.target_kind == "care_plan" and i.severity == "HIGH" for i in items)


def _acct(v: OpenVault, pid: str) -> tuple[str, str, str]:
    """An open case: a first review held without input, and a review in 3 hours."""
    with v.transaction() as s:
        case = AcctCase(patient_id=pid, opened_at=NOW - timedelta(days=2), status="OPEN")
        s.add(case)
        s.flush()
        held = AcctEvent(
            case_id=case.id,
            patient_id=pid,
            event_type="CASE_REVIEW_FIRST",
            scheduled_at=NOW - timedelta(days=1),
            held_at=NOW - timedelta(days=1),
        )
        soon = AcctEvent(
            case_id=case.id,
            patient_id=pid,
            event_type="CASE_REVIEW",
            scheduled_at=NOW + timedelta(hours=3),
        )
        s.add_all([held, soon])
        s.flush()
        return case.id, held.id, soon.id


def test_acct_flags_warnings_and_unsynced_input(vault: OpenVault, prison: dict[str, str]) -> None:
    a = prison["A1000AA"]
    case_id, held_id, soon_id = _acct(vault, a)
    lists = _lists(vault)
    assert sorted((i.source_id, i.severity, i.target_kind, i.target_id) for i in lists.acct) == (
        sorted([(held_id, "HIGH", "acct_case", case_id), (soon_id, "HIGH", "acct_case", case_id)])
    )
    assert lists.unsynced == ()
    with vault.transaction() as s:
        s.add(
            AcctContribution(
                event_id=soon_id,
                case_id=case_id,
                patient_id=a,
                contributor_id="x",
                team="PRIMARY_CARE",
                contribution_type="ATTENDED_IN_PERSON",
                planned=True,
                needed_by=NOW + timedelta(hours=3),
                signed_at=NOW,
            )
        )
    lists = _lists(vault)
    assert [i.source_id for i in lists.acct] == [held_id]  # planned input clears the warning
    [unsynced] = lists.unsynced
    assert (unsynced.target_id, unsynced.due_at, unsynced.severity) == (
        case_id,
        NOW + timedelta(hours=3),
        "MEDIUM",  # more than 2 hours before needed-by
    )
    later = today_worklists(vault, now=NOW + timedelta(hours=1, minutes=30))
    assert later.unsynced[0].severity == "HIGH"


def test_open_tasks(vault: OpenVault, prison: dict[str, str]) -> None:
    d = prison["D4000DD"]
    with vault.transaction() as s:
        s.add_all(
            [
                Task(
                    patient_id=d, kind="FALLS_ASSESSMENT", title="Falls", due_at=NOW - timedelta(1)
                ),
                Task(patient_id=d, kind="X", title="Done already", status="DONE"),
                Task(patient_id=None, kind="X", title="Check the fridge log"),
                Task(
                    patient_id=d,
                    kind="ACCT_FIRST_REVIEW_TIME",
                    title="Find",
                    source_id="c1",
                    due_at=NOW + timedelta(hours=2),
                ),
            ]
        )
    items = {i.what: i for i in _lists(vault).tasks}
    assert sorted(items) == ["Check the fridge log", "Falls", "Find"]
    assert (items["Falls"].target_kind, items["Falls"].severity) == ("patient", "HIGH")
    assert (items["Find"].target_kind, items["Find"].target_id, items["Find"].severity) == (
        "acct_case",
        "c1",
        "LOW",
    )
    assert items["Check the fridge log"].target_kind == "task"
    assert [i.what for i in _lists(vault, wing="B").tasks] == ["Falls", "Find"]


def test_people_who_left_drop_off(vault: OpenVault, prison: dict[str, str]) -> None:
    with vault.transaction() as s:
        for number in ("B2000BB", "C3000CC"):
            patient = s.get(Patient, prison[number])
            assert patient is not None
            patient.on_roll = False
    assert sorted(i.prison_number for i in _lists(vault).second_stage) == ["F6000FF", "G7000GG"]


def _key(item: TodayItem) -> tuple[str, str, str]:
    return (item.target_id, item.source_id, item.what)


def _check_wing_filter(v: OpenVault, lists: TodayLists, wing: str) -> int:
    narrowed = today_worklists(v, wing=wing, now=NOW)
    seen = 0
    for (name, everything), (_, some) in zip(lists.named(), narrowed.named(), strict=True):
        assert all(i.wing == wing for i in some), name
        expected = {_key(i) for i in everything if i.wing == wing}
        assert {_key(i) for i in some} == expected, name
        seen += len(some)
    return seen


# -- the demo ---------------------------------------------------------------------------------


def test_every_list_is_filled_on_the_demo(demo: OpenVault) -> None:
    lists = today_worklists(demo)
    for name, items in lists.named():
        assert items, f"{name} is empty on the demo"
    severities = [i.severity for i in lists.acct]
    assert "HIGH" in severities
    assert "MEDIUM" in severities
    assert any("within the next 24 hours" in i.what for i in lists.acct)
    assert all(i.patient_id and i.prison_number for i in lists.second_stage)


def test_each_list_filters_by_wing_on_the_demo(demo: OpenVault) -> None:
    lists = today_worklists(demo, now=NOW)
    wings = sorted({i.wing for _, items in lists.named() for i in items if i.wing})
    assert len(wings) >= 6
    assert sum(_check_wing_filter(demo, lists, w) for w in wings) == sum(
        len(items) for _, items in lists.named()
    )
    assert today_worklists(demo, establishment="DMO", now=NOW) == lists
    empty = today_worklists(demo, establishment="XYZ", now=NOW)
    assert all(not items for _, items in empty.named())


@pytest.fixture
def statements(demo: OpenVault) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(demo.engine, "before_cursor_execute", count)
    yield seen
    event.remove(demo.engine, "before_cursor_execute", count)


def test_today_is_a_handful_of_queries_and_fast(demo: OpenVault, statements: list[str]) -> None:
    today_worklists(demo)
    statements.clear()
    started = time.perf_counter()
    lists = today_worklists(demo)
    elapsed = time.perf_counter() - started
    assert len(statements) <= 15, statements
    assert sum(len(items) for _, items in lists.named()) > 100
    print(f"\nToday on the 1,200-patient demo: {elapsed * 1000:.0f} ms, {len(statements)} queries")
    assert elapsed < 2.0  # a guard against per-patient queries, not a benchmark


def test_demo_patients_match_roll_rows(demo: OpenVault) -> None:
    lists = today_worklists(demo)
    with demo.session() as s:
        numbers = {pid: num for pid, num in s.execute(select(Patient.id, Patient.prison_number))}
    for _, items in lists.named():
        for item in items:
            if item.patient_id:
                assert numbers[item.patient_id] == item.prison_number
