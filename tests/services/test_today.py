"""Today's worklists: each list's rule on controlled data, the wing and establishment filters,
the demo (every list non-empty), and a bounded number of queries whatever the prison's size.

The people come from a roll import; their clinical history (encounters, care plans, ACCTs and
the tasks those raise) is written through the services as a nurse, never as hand-shaped rows
(tests/README.md). Conditions are mirrored from the central record, so they are added as rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.encounters.forms import EscalationInput, QuestionnairesInput
from hjdesk.services.patients.caseload import caseload
from hjdesk.services.roll.importing import import_roll
from hjdesk.services.worklists.tasks import complete_task
from hjdesk.services.worklists.today import TodayItem, TodayLists, today_worklists
from hjdesk.storage.models import Condition, Patient, Task
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD, RollWriter
from tests.services.care_world import NO_FALLS, add_encounter

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


@pytest.fixture
def nurse(vault: OpenVault, home: HomePaths) -> Iterator[OpenVault]:
    """The same vault, opened by a registered nurse (who signs entries; the admin cannot)."""
    vault.add_user("nurse", PASSWORD, display_name="Alex Morgan", role="RN",
                   team="PRIMARY_CARE", kdf=FAST_KDF)  # fmt: skip
    opened = Vault(home).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _lists(v: OpenVault, **kw: Any) -> TodayLists:
    return today_worklists(v, now=NOW, **kw)


def _by_patient(items: tuple[TodayItem, ...], ids: dict[str, str]) -> dict[str, list[str]]:
    names = {pid: number for number, pid in ids.items()}
    out: dict[str, list[str]] = {}
    for item in items:
        out.setdefault(names.get(item.patient_id or "", "-"), []).append(item.severity)
    return out


def test_second_stage_due_and_overdue(
    vault: OpenVault, nurse: OpenVault, prison: dict[str, str]
) -> None:
    add_encounter(nurse, prison["F6000FF"], "SECOND_STAGE_ASSESSMENT", _day("2025-03-06"))
    add_encounter(nurse, prison["G7000GG"], "SECOND_STAGE_ASSESSMENT", _day("2024-12-01"))
    lists = _lists(vault)
    items = {i.prison_number: i for i in lists.second_stage}
    assert sorted(items) == ["B2000BB", "C3000CC", "G7000GG"]
    assert (items["B2000BB"].severity, items["B2000BB"].due) == ("MEDIUM", date(2025, 3, 14))
    assert items["B2000BB"].what == "Second-stage assessment due"
    assert (items["C3000CC"].severity, items["C3000CC"].due) == ("HIGH", date(2025, 3, 8))
    assert items["C3000CC"].what == "Second-stage assessment overdue"
    assert (items["C3000CC"].target_kind, items["C3000CC"].target_id) == (
        "patient",
        prison["C3000CC"],
    )
    # Received before the 8-week look-back and never assessed: still listed, in their own group.
    old = {i.prison_number: i for i in lists.second_stage_long_overdue}
    assert sorted(old) == ["A1000AA", "D4000DD", "E5000EE", "H8000HH"]
    assert old["E5000EE"].what == "Second-stage assessment never done (received 01 Jan 2025)"
    assert (old["E5000EE"].severity, old["E5000EE"].due) == ("HIGH", date(2025, 1, 8))
    add_encounter(nurse, prison["E5000EE"], "SECOND_STAGE_ASSESSMENT", _day("2025-03-09"))
    assert "E5000EE" not in {i.prison_number for i in _lists(vault).second_stage_long_overdue}


def test_ltc_reviews_overdue(vault: OpenVault, nurse: OpenVault, prison: dict[str, str]) -> None:
    a, d, b = prison["A1000AA"], prison["D4000DD"], prison["B2000BB"]
    with vault.transaction() as s:  # mirrored from the central record: no service writes them
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
    for condition, day in (("HYPERTENSION", "2024-02-01"), ("ASTHMA", "2024-06-01")):
        add_encounter(nurse, d, "LTC_REVIEW", _day(day), ltc_condition=condition)
    epilepsy = add_encounter(nurse, d, "LTC_REVIEW", _day("2024-06-01"), ltc_condition="EPILEPSY")
    # A review still in draft does not count; nor does one marked entered in error.
    add_encounter(nurse, a, "LTC_REVIEW", _day("2025-01-01"), ltc_condition="DIABETES",
                  signed=False)  # fmt: skip
    add_encounter(nurse, d, "LTC_REVIEW", _day("2024-06-02"), ltc_condition="EPILEPSY",
                  amends_id=epilepsy, entered_in_error=True)  # fmt: skip
    found = sorted((i.prison_number, i.what, i.due) for i in _lists(vault).ltc_reviews)
    assert found == [
        ("A1000AA", "LTC review overdue (diabetes): none recorded", date(2025, 1, 15)),
        ("D4000DD", "LTC review overdue (epilepsy): none recorded", date(2024, 1, 1)),
        ("D4000DD", "LTC review overdue (hypertension)", date(2025, 2, 1)),
    ]


def test_older_prisoner_reviews_due(
    vault: OpenVault, nurse: OpenVault, prison: dict[str, str]
) -> None:
    add_encounter(nurse, prison["D4000DD"], "OLDER_PRISONER_REVIEW", _day("2024-09-01"))
    items = {i.prison_number: i for i in _lists(vault).older_prisoner_reviews}
    assert sorted(items) == ["A1000AA", "H8000HH"]
    assert (items["A1000AA"].severity, items["A1000AA"].due) == ("HIGH", date(2024, 1, 15))
    assert (items["H8000HH"].severity, items["H8000HH"].due) == ("MEDIUM", TODAY)
    assert items["H8000HH"].what == "Older-prisoner review due"


def _plan(nurse: OpenVault, pid: str, due: date, *, activate: bool = True) -> str:
    """A smoking plan from its template, started 1 June 2024, reviews due `due`."""
    started = date(2024, 6, 1)
    plan = cp.create_plan(nurse, pid, "SMOKING", today=started)
    cp.update_plan(nurse, plan.id, base_rev=plan.rev, review_due=due,
                   patient_involvement="AGREED", today=started)  # fmt: skip
    if activate:
        cp.activate_plan(nurse, plan.id, today=started, now=NOW)
    return plan.id


def _review(nurse: OpenVault, plan_id: str, day: date, next_due: date) -> None:
    cp.record_review(nurse, plan_id, review_date=day, attendees=["Patient", "RN"],
                     outcome="Cutting down", decision="CONTINUE", next_review_due=next_due,
                     today=TODAY, now=NOW)  # fmt: skip


def test_care_plan_reviews_overdue(
    vault: OpenVault, nurse: OpenVault, prison: dict[str, str]
) -> None:
    a = prison["A1000AA"]
    late = _plan(nurse, a, date(2025, 3, 9))
    reviewed = _plan(nurse, a, date(2025, 3, 1))
    _review(nurse, reviewed, date(2025, 3, 5), date(2025, 6, 5))  # reviewed late: not overdue now
    reviewed_early = _plan(nurse, a, date(2025, 2, 1))
    _review(nurse, reviewed_early, date(2025, 1, 20), date(2025, 3, 1))  # due again, not reviewed
    _plan(nurse, a, TODAY)  # due today: not yet overdue
    _plan(nurse, a, date(2025, 1, 1), activate=False)  # a draft is not reviewed
    closed = _plan(nurse, a, date(2025, 1, 1))
    cp.close_plan(nurse, closed, "TRANSFERRED", today=TODAY)
    items = _lists(vault).care_plan_reviews
    assert sorted(i.target_id for i in items) == sorted([late, reviewed_early])
    assert all(i.target_kind == "care_plan" and i.severity == "HIGH" for i in items)


def _acct(nurse: OpenVault, pid: str) -> tuple[str, str, str]:
    """An open case: a first review held without input, and a review in 3 hours."""
    case = acct.open_case(nurse, pid, opened_at=NOW - timedelta(days=2), concern_summary="Cuts",
                          risk_level="RAISED", now=NOW)  # fmt: skip
    held = next(e for e in case.events if e.event_type == "CASE_REVIEW_FIRST")
    acct.record_event_held(nurse, held.id, held_at=NOW - timedelta(days=1), chair="SO", now=NOW)
    soon = acct.add_event(nurse, case.id, "CASE_REVIEW", scheduled_at=NOW + timedelta(hours=3),
                          now=NOW)  # fmt: skip
    return case.id, held.id, soon.id


def test_acct_flags_warnings_and_unsynced_input(
    vault: OpenVault, nurse: OpenVault, prison: dict[str, str]
) -> None:
    a = prison["A1000AA"]
    case_id, held_id, soon_id = _acct(nurse, a)
    lists = _lists(vault)
    assert sorted((i.source_id, i.severity, i.target_kind, i.target_id) for i in lists.acct) == (
        sorted([(held_id, "HIGH", "acct_case", case_id), (soon_id, "HIGH", "acct_case", case_id)])
    )
    assert lists.unsynced == ()
    acct.add_contribution(nurse, soon_id, contribution_type="ATTENDED_IN_PERSON",
                          team="PRIMARY_CARE", summary="", planned=True, now=NOW)  # fmt: skip
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


ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 1)
ESCALATED = EscalationInput("Risk assessment started on the wing", "MH in-reach duty worker")


def _raised(nurse: OpenVault, source_id: str) -> str:
    with nurse.session() as s:
        found = s.scalar(select(Task.id).where(Task.source_id == source_id))
    assert found is not None
    return found


def test_open_tasks(vault: OpenVault, nurse: OpenVault, prison: dict[str, str]) -> None:
    """Tasks as the services raise them: a fall at an older-prisoner review (no due time), a new
    HA alert (find the first review time, due at once), PHQ-9 item 9 (risk assessment, due at
    once); one closed by the nurse leaves the list. No service raises a task about nobody."""
    a, d = prison["A1000AA"], prison["D4000DD"]
    add_encounter(nurse, d, "OLDER_PRISONER_REVIEW", _day("2025-03-09"),
                  data={"falls": dict(NO_FALLS, fallen_last_year=True)})  # fmt: skip
    acct.new_ha_alerts_to_tasks(nurse, [d], now=NOW - timedelta(hours=2))
    risk = ("Immediate risk assessment (PHQ-9 item 9 answered above 0)", "A1000AA")
    add_encounter(nurse, a, "MH_SESSION", _day("2025-03-10"),
                  questionnaires=QuestionnairesInput(phq9=ITEM9), escalation=ESCALATED)  # fmt: skip
    done = add_encounter(nurse, d, "MH_SESSION", _day("2025-03-03"),
                         questionnaires=QuestionnairesInput(phq9=ITEM9),
                         escalation=ESCALATED)  # fmt: skip
    complete_task(nurse, _raised(nurse, done), outcome="Risk assessed; ACCT not needed")
    items = {(i.what, i.prison_number): i for i in _lists(vault).tasks}
    falls = ("Multifactorial falls assessment", "D4000DD")
    find = ("Find the first ACCT case review time", "D4000DD")
    assert sorted(items) == sorted([falls, find, risk])
    assert (items[falls].target_kind, items[falls].severity) == ("patient", "LOW")  # no due time
    (case,) = acct.open_cases(nurse)
    assert (items[find].target_kind, items[find].target_id, items[find].severity) == (
        "acct_case",
        case.case_id,
        "HIGH",  # due when the alert was seen, two hours ago
    )
    assert items[risk].severity == "HIGH"
    assert sorted(i.what for i in _lists(vault, wing="B").tasks) == sorted([falls[0], find[0]])


def test_people_who_left_drop_off(
    vault: OpenVault, prison: dict[str, str], roll: RollWriter
) -> None:
    # The next full roll no longer has them: they left (as the prison system says).
    lines = [
        roll.line(n, location=loc, date_of_birth=dob, reception_date=rec)
        for n, (loc, dob, rec) in PEOPLE.items()
        if n not in ("B2000BB", "C3000CC")
    ]
    import_roll(vault, roll.write(lines), today=TODAY)
    with vault.session() as s:
        assert s.scalar(select(Patient.on_roll).where(Patient.id == prison["B2000BB"])) is False
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


def test_today_is_a_handful_of_queries(demo: OpenVault, statements: list[str]) -> None:
    """A fixed number of queries whatever the roll's size: never one per patient. (How fast it
    is, is measured by benchmarks/, not asserted here.)"""
    today_worklists(demo)
    statements.clear()
    lists = today_worklists(demo)
    assert len(statements) <= 15, statements
    assert sum(len(items) for _, items in lists.named()) > 100


def test_demo_patients_match_roll_rows(demo: OpenVault) -> None:
    lists = today_worklists(demo)
    # Checked on every list: an empty demo list would make this pass having checked nothing.
    for name, items in lists.named():
        assert items, f"{name} is empty on the demo"
    with demo.session() as s:
        numbers = {pid: num for pid, num in s.execute(select(Patient.id, Patient.prison_number))}
    for _, items in lists.named():
        for item in items:
            if item.patient_id:
                assert numbers[item.patient_id] == item.prison_number
