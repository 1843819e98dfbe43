"""ACCT services: the mirror's lifecycle, health contributions, the no-health-input flags and
their severities, the MH in-reach variant, the 24-hour warning, the monthly audit, unsynced
safety-critical input, and the work a new HA alert raises on roll import."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from hjdesk.services import acct
from hjdesk.services.patients.caseload import caseload
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    AuditEvent,
    Encounter,
    OutboxOp,
    Task,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD, RollWriter
from tests.services.task_pull import pull_task_status

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
OPENED = NOW - timedelta(days=3)
LATER = datetime(2025, 5, 1, tzinfo=UTC)


@dataclass
class Ward:
    """An empty vault with staff of each kind and three patients from a roll."""

    home: HomePaths
    admin: OpenVault
    patients: dict[str, str]  # prison number → id
    login: Callable[[str], OpenVault]

    def pid(self, number: str = "A1234BC") -> str:
        return self.patients[number]


@pytest.fixture(scope="module")
def ward_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per module, copied per test: cheaper than users and a roll every time."""
    root = tmp_path_factory.mktemp("ward")
    admin = Vault.create(HomePaths.resolve(root), admin="admin", password=PASSWORD, kdf=FAST_KDF)
    for name, role, team in (
        ("nurse", "RN", "PRIMARY_CARE"),
        ("mh", "RMN", "MH_IN_REACH"),
        ("hca", "HCA", "PRIMARY_CARE"),
        ("gp", "GP", None),
    ):
        admin.add_user(
            name, PASSWORD, display_name=name.title(), role=role, team=team, kdf=FAST_KDF
        )
    writer = RollWriter(root.parent)
    path = writer.write(
        [
            writer.line("A1234BC"),
            writer.line("B2345CD", location="B-1-002"),
            writer.line("C3456DE"),
        ],
        name=f"{root.name}.csv",
    )
    import_roll(admin, path, today=date(2025, 1, 1))
    admin.lock()
    return root


@pytest.fixture
def ward(ward_template: Path, tmp_path: Path) -> Iterator[Ward]:
    target = tmp_path / "ward"
    shutil.copytree(ward_template, target)
    home = HomePaths.resolve(target)
    opened: list[OpenVault] = []

    def login(name: str) -> OpenVault:
        v = Vault(home).unlock(name, PASSWORD)
        opened.append(v)
        return v

    admin = login("admin")
    yield Ward(home, admin, {p.prison_number: p.id for p in caseload(admin)}, login)
    for v in opened:
        v.lock()


def _open(
    v: OpenVault, patient_id: str, opened: datetime = OPENED, now: datetime = NOW
) -> acct.AcctCaseView:
    return acct.open_case(
        v,
        patient_id,
        opened_at=opened,
        concern_summary="Ligature found in cell",
        risk_level="RAISED",
        case_manager="SO Patel",
        observation_plan="1 an hour",
        now=now,
    )


def _event(view: acct.AcctCaseView, kind: str) -> acct.AcctEventView:
    return next(e for e in view.events if e.event_type == kind)


def _given(
    v: OpenVault,
    event_id: str,
    team: str = "PRIMARY_CARE",
    *,
    kind: str = "ATTENDED_IN_PERSON",
    summary: str = "Low mood; no current plans",
    planned: bool = False,
) -> None:
    acct.add_contribution(
        v, event_id, contribution_type=kind, team=team, summary=summary, planned=planned, now=NOW
    )


def _flags(v: OpenVault, case_id: str) -> list[tuple[str, str, str]]:
    view = acct.case_view(v, case_id, NOW)
    return [(f.code.value, f.event_type.value, f.severity.value) for f in view.flags]


# -- opening and the first case review --------------------------------------------------------


def test_open_case_schedules_first_review_within_24_hours_and_is_audited(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    assert view.status == "OPEN"
    assert view.source == "MANUAL"
    assert view.risk_level_name == "Raised"
    first = _event(view, "CASE_REVIEW_FIRST")
    assert first.scheduled_at == OPENED + timedelta(hours=24)
    assert first.held_at is None
    assert first.input_status is acct.InputStatus.NONE
    with nurse.session() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-1] == "acct_opened"


def test_one_live_acct_per_patient(ward: Ward) -> None:
    nurse = ward.login("nurse")
    _open(nurse, ward.pid())
    with pytest.raises(InvalidInput, match="already has an open"):
        _open(nurse, ward.pid())


def test_open_case_lists_every_problem_at_once(ward: Ward) -> None:
    nurse = ward.login("nurse")
    with pytest.raises(InvalidInput) as err:
        acct.open_case(
            nurse,
            ward.pid(),
            opened_at=NOW + timedelta(hours=1),
            concern_summary=" ",
            risk_level="EXTREME",
            now=NOW,
        )
    message = err.value.message
    assert "future" in message
    assert "summary of the concern" in message
    assert "risk level" in message
    with pytest.raises(InvalidInput, match="time zone"):
        acct.open_case(
            nurse,
            ward.pid(),
            opened_at=datetime(2025, 3, 1),
            concern_summary="x",
            risk_level="LOW",
            now=NOW,
        )


def test_admin_keeps_the_mirror_but_only_registered_clinicians_contribute(ward: Ward) -> None:
    view = _open(ward.admin, ward.pid())
    first = _event(view, "CASE_REVIEW_FIRST")
    for who in (ward.admin, ward.login("hca")):
        with pytest.raises(PermissionDenied):
            _given(who, first.id)
    _given(ward.login("gp"), first.id)


# -- flags and their severities ---------------------------------------------------------------


def test_first_review_held_without_input_is_a_high_flag(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    first = _event(view, "CASE_REVIEW_FIRST")
    held = acct.record_event_held(
        nurse, first.id, held_at=OPENED + timedelta(hours=20), chair="SO Patel", now=NOW
    )
    assert [(f.code.value, f.severity.value) for f in held.flags] == [
        ("ACCT_NO_HEALTH_INPUT", "HIGH")
    ]
    assert "first case review" in held.flags[0].message
    _given(nurse, first.id)
    assert _flags(nurse, view.id) == []
    assert _event(acct.case_view(nurse, view.id, NOW), "CASE_REVIEW_FIRST").input_status is (
        acct.InputStatus.QUALIFYING
    )


def test_case_review_without_input_is_medium(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    event = acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW - timedelta(hours=3))
    acct.record_event_held(nurse, event.id, held_at=NOW - timedelta(hours=2), chair="SO", now=NOW)
    assert _flags(nurse, view.id) == [("ACCT_NO_HEALTH_INPUT", "CASE_REVIEW", "MEDIUM")]


def test_closure_without_input_is_high_and_opens_post_closure(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    ahead = acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW + timedelta(days=2))
    _given(nurse, ahead.id, planned=True)  # never held: no flag
    closed_at = NOW - timedelta(hours=1)
    after = acct.close_case(nurse, view.id, held_at=closed_at, chair="SO Patel", now=NOW)
    assert after.status == "POST_CLOSURE"
    assert after.closed_at == closed_at
    assert after.post_closure_review_due == date(2025, 3, 17)
    review = _event(after, "POST_CLOSURE_REVIEW")
    assert review.scheduled_at == closed_at + timedelta(days=7)
    assert _event(after, "CASE_REVIEW").scheduled_at is None  # will not be held now
    # The first review was already two days overdue: it keeps its time and stays a HIGH gap.
    assert _event(after, "CASE_REVIEW_FIRST").scheduled_at == OPENED + timedelta(hours=24)
    assert [(f.event_type.value, f.severity.value) for f in after.flags] == [
        ("CASE_REVIEW_FIRST", "HIGH"),
        ("CLOSURE", "HIGH"),
    ]


def test_post_closure_review_without_input_is_medium_and_ends_the_acct(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    after = acct.close_case(nurse, view.id, held_at=OPENED + timedelta(hours=5), chair="SO")
    _given(nurse, _event(after, "CLOSURE").id)
    review = _event(after, "POST_CLOSURE_REVIEW")
    assert review.scheduled_at is not None
    done = acct.record_event_held(
        nurse, review.id, held_at=review.scheduled_at, chair="SO", now=review.scheduled_at
    )
    assert done.status == "CLOSED"
    assert [(f.event_type.value, f.severity.value) for f in done.flags] == [
        ("POST_CLOSURE_REVIEW", "MEDIUM")
    ]
    with pytest.raises(InvalidInput, match="closed"):
        acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW)


@pytest.mark.parametrize("kind", ["INVITED_UNABLE_TO_ATTEND", "NOT_INVITED"])
def test_non_qualifying_contributions_do_not_count(ward: Ward, kind: str) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    first = _event(view, "CASE_REVIEW_FIRST")
    acct.record_event_held(nurse, first.id, held_at=OPENED + timedelta(hours=2), chair="SO")
    acct.add_contribution(
        nurse, first.id, contribution_type=kind, team="PRIMARY_CARE", summary="", now=NOW
    )
    after = acct.case_view(nurse, view.id, NOW)
    assert [f.severity.value for f in after.flags] == ["HIGH"]
    assert _event(after, "CASE_REVIEW_FIRST").input_status is acct.InputStatus.NON_QUALIFYING_ONLY
    assert not _event(after, "CASE_REVIEW_FIRST").contributions[0].counts_as_health_input


def test_mh_caseload_patient_needs_mh_in_reach_input(ward: Ward) -> None:
    nurse, mh = ward.login("nurse"), ward.login("mh")
    acct.set_caseload(mh, ward.pid(), "MH_IN_REACH", True, today=date(2025, 3, 1))
    view = _open(nurse, ward.pid())
    first = _event(view, "CASE_REVIEW_FIRST")
    acct.record_event_held(nurse, first.id, held_at=OPENED + timedelta(hours=2), chair="SO")
    # No input at all: the general gap and the missing MH voice are flagged separately.
    assert _flags(nurse, view.id) == [
        ("ACCT_NO_HEALTH_INPUT", "CASE_REVIEW_FIRST", "HIGH"),
        ("ACCT_NO_MH_INPUT", "CASE_REVIEW_FIRST", "MEDIUM"),
    ]
    _given(nurse, first.id)
    flags = acct.case_view(nurse, view.id, NOW).flags
    assert [(f.code.value, f.severity.value) for f in flags] == [("ACCT_NO_MH_INPUT", "MEDIUM")]
    assert "no mh in-reach input" in flags[0].message.lower()
    _given(mh, first.id, team="MH_IN_REACH")
    assert _flags(nurse, view.id) == []
    acct.set_caseload(mh, ward.pid(), "MH_IN_REACH", False)
    assert not acct.case_view(nurse, view.id, NOW).on_mh_caseload


def test_contributors_speak_for_their_own_team(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    with pytest.raises(InvalidInput, match="own team"):
        _given(nurse, _event(view, "CASE_REVIEW_FIRST").id, team="MH_IN_REACH")


def test_contribution_problems_are_listed_together(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    other = ward.pid("B2345CD")
    with nurse.transaction() as s:
        note = Encounter(
            patient_id=other, kind="GENERAL", started_at=NOW, narrative="x", signed_at=NOW
        )
        s.add(note)
        s.flush()
        note_id = note.id
    with pytest.raises(InvalidInput) as err:
        acct.add_contribution(
            nurse,
            _event(view, "CASE_REVIEW_FIRST").id,
            contribution_type="WRITTEN_CONTRIBUTION",
            team="PRIMARY_CARE",
            summary="  ",
            clinical_note_id=note_id,
            now=NOW,
        )
    assert "risk-relevant summary" in err.value.message
    assert "not this patient's" in err.value.message
    with pytest.raises(InvalidInput, match="2000 characters"):
        _given(nurse, _event(view, "CASE_REVIEW_FIRST").id, summary="x" * 2001)


# -- the 24-hour warning ----------------------------------------------------------------------


def test_upcoming_review_warns_until_input_is_planned(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid(), opened=NOW - timedelta(hours=4))
    first = _event(view, "CASE_REVIEW_FIRST")
    assert [w.event_id for w in view.warnings] == [first.id]
    _given(nurse, first.id, planned=True)
    after = acct.case_view(nurse, view.id, NOW)
    assert after.warnings == ()
    assert _event(after, "CASE_REVIEW_FIRST").input_status is acct.InputStatus.PLANNED
    # Planned input does not count once the review is held without it being given.
    held = acct.record_event_held(nurse, first.id, held_at=NOW, chair="SO", now=NOW)
    assert [f.severity.value for f in held.flags] == ["HIGH"]
    with pytest.raises(InvalidInput, match="has been held"):
        _given(nurse, first.id, planned=True)


def test_a_review_more_than_24_hours_away_does_not_warn(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid(), opened=NOW - timedelta(hours=1))
    first = _event(view, "CASE_REVIEW_FIRST")
    moved = acct.reschedule_event(
        nurse, first.id, scheduled_at=NOW + timedelta(hours=30), base_rev=first.rev, now=NOW
    )
    assert moved.scheduled_at == NOW + timedelta(hours=30)
    assert acct.case_view(nurse, view.id, NOW).warnings == ()


# -- concurrency, lifecycle errors ------------------------------------------------------------


def test_stale_edit_is_refused_never_merged(ward: Ward) -> None:
    nurse, gp = ward.login("nurse"), ward.login("gp")
    view = _open(nurse, ward.pid())
    first = acct.update_case(nurse, view.id, base_rev=view.rev, risk_level="HIGH", now=NOW)
    assert first.rev == view.rev + 1
    with pytest.raises(InvalidInput, match="changed elsewhere"):
        acct.update_case(gp, view.id, base_rev=view.rev, case_manager="SO Jones", now=NOW)
    kept = acct.case_view(nurse, view.id, NOW)
    assert (kept.risk_level, kept.case_manager, kept.rev) == ("HIGH", "SO Patel", first.rev)
    event = _event(kept, "CASE_REVIEW_FIRST")
    acct.reschedule_event(nurse, event.id, scheduled_at=NOW, base_rev=event.rev, now=NOW)
    with pytest.raises(InvalidInput, match="changed elsewhere"):
        acct.record_event_held(nurse, event.id, held_at=NOW, chair="SO", base_rev=event.rev)


def test_holding_rules(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    first = _event(view, "CASE_REVIEW_FIRST")
    with pytest.raises(InvalidInput) as err:
        acct.record_event_held(nurse, first.id, held_at=NOW + timedelta(days=1), chair=" ", now=NOW)
    assert "future" in err.value.message
    assert "chaired" in err.value.message
    acct.record_event_held(nurse, first.id, held_at=NOW, chair="SO", now=NOW)
    with pytest.raises(InvalidInput, match="already recorded as held"):
        acct.record_event_held(nurse, first.id, held_at=NOW, chair="SO", now=NOW)
    with pytest.raises(InvalidInput, match="still open"):
        acct.add_event(nurse, view.id, "POST_CLOSURE_REVIEW", scheduled_at=NOW)


def test_reopen_from_post_closure_cancels_the_pending_review(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    closed = acct.close_case(nurse, view.id, held_at=NOW - timedelta(hours=2), chair="SO")
    with pytest.raises(InvalidInput, match="Only an open"):
        acct.close_case(nurse, view.id, held_at=NOW, chair="SO")
    with pytest.raises(InvalidInput, match="post-closure"):
        acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW)
    again = acct.reopen_case(
        nurse, view.id, reopened_at=NOW, reason="Self-harm again", base_rev=closed.rev, now=NOW
    )
    assert again.status == "OPEN"
    assert (again.closed_at, again.post_closure_review_due) == (None, None)
    assert _event(again, "POST_CLOSURE_REVIEW").scheduled_at is None
    assert _event(again, "REOPEN").held_at == NOW
    assert "Self-harm again" in again.concern_summary
    with pytest.raises(InvalidInput, match="already open"):
        acct.reopen_case(nurse, view.id, reopened_at=NOW, reason="x", now=NOW)


# -- lists and reports ------------------------------------------------------------------------


def test_open_cases_count_flags_by_severity(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    acct.record_event_held(nurse, _event(view, "CASE_REVIEW_FIRST").id, held_at=NOW, chair="SO")
    review = acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW - timedelta(hours=1))
    acct.record_event_held(nurse, review.id, held_at=NOW, chair="SO", now=NOW)
    nxt = acct.add_event(nurse, view.id, "CASE_REVIEW", scheduled_at=NOW + timedelta(hours=2))
    quiet = _open(nurse, ward.pid("B2345CD"), opened=NOW - timedelta(hours=1))
    rows = {r.case_id: r for r in acct.open_cases(nurse, now=NOW)}
    row = rows[view.id]
    assert (row.high_flags, row.medium_flags, row.flag_count, row.severity) == (1, 1, 2, "HIGH")
    assert (row.next_event_type, row.next_event_at, row.warnings) == (
        "CASE_REVIEW",
        nxt.scheduled_at,
        1,
    )
    assert row.who.prison_number == "A1234BC"
    assert rows[quiet.id].severity is None
    assert acct.open_cases(nurse, establishment="XYZ", now=NOW) == ()


def _held(v: OpenVault, case_id: str, kind: str, when: datetime, given: bool) -> None:
    event = acct.add_event(v, case_id, kind, scheduled_at=when)
    acct.record_event_held(v, event.id, held_at=when, chair="SO", now=LATER)
    if given:
        _given(v, event.id)


def test_monthly_report_percentages_use_london_months(ward: Ward) -> None:
    nurse = ward.login("nurse")
    one = _open(nurse, ward.pid(), opened=datetime(2025, 1, 5, tzinfo=UTC))
    first = _event(one, "CASE_REVIEW_FIRST")
    acct.record_event_held(nurse, first.id, held_at=datetime(2025, 1, 6, tzinfo=UTC), chair="SO")
    _given(nurse, first.id)
    _held(nurse, one.id, "CASE_REVIEW", datetime(2025, 1, 13, tzinfo=UTC), given=False)
    _held(nurse, one.id, "CASE_REVIEW", datetime(2025, 1, 20, tzinfo=UTC), given=True)
    acct.close_case(nurse, one.id, held_at=datetime(2025, 1, 27, tzinfo=UTC), chair="SO")
    two = _open(nurse, ward.pid("B2345CD"), opened=datetime(2025, 3, 20, tzinfo=UTC), now=LATER)
    # 23:30 UTC on 31 March is 00:30 BST on 1 April: an April review.
    _held(nurse, two.id, "CASE_REVIEW", datetime(2025, 3, 31, 23, 30, tzinfo=UTC), given=False)
    report = acct.audit_report(nurse)
    months = {(m.year, m.month): m for m in report.months}
    jan = months[(2025, 1)]
    assert (jan.case_reviews, jan.case_reviews_without_input) == (3, 1)
    assert jan.case_reviews_without_input_pct == pytest.approx(100 / 3)
    assert (jan.closures, jan.closures_without_input, jan.closures_without_input_pct) == (1, 1, 100)
    # Case two's first review (due 21 March) was never held: it counts, in the month it was due.
    march = months[(2025, 3)]
    assert (march.case_reviews, march.case_reviews_not_held, march.case_reviews_without_input) == (
        1,
        1,
        1,
    )
    april = months[(2025, 4)]
    assert (april.case_reviews_without_input_pct, april.closures_without_input_pct) == (100, None)
    assert sorted((f.event_type, f.severity) for f in report.flags) == [
        ("CASE_REVIEW", "MEDIUM"),
        ("CASE_REVIEW", "MEDIUM"),
        ("CLOSURE", "HIGH"),
    ]
    assert all(f.who.prison_number in ("A1234BC", "B2345CD") for f in report.flags)


# -- safety-critical input and sync -----------------------------------------------------------


def test_contributions_carry_needed_by_and_stay_unsynced_until_acked(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid(), opened=NOW - timedelta(hours=23))
    first = _event(view, "CASE_REVIEW_FIRST")
    assert first.scheduled_at == NOW + timedelta(hours=1)
    made = acct.add_contribution(
        nurse,
        first.id,
        contribution_type="WRITTEN_CONTRIBUTION",
        team="PRIMARY_CARE",
        summary="Settled; eating again",
        now=NOW,
    )
    assert made.needed_by == first.scheduled_at
    assert (made.signed_at, made.signed_by) == (NOW, nurse.actor.staff_id)
    with nurse.session() as s:
        row = s.get(AcctContribution, made.id)
        assert row is not None
        assert row.needed_by == first.scheduled_at
    [pending] = acct.unsynced_safety_critical(nurse, NOW)
    assert (pending.contribution_id, pending.needed_by, pending.warn) == (
        made.id,
        first.scheduled_at,
        True,
    )
    assert not acct.unsynced_safety_critical(nurse, NOW - timedelta(hours=2))[0].warn
    assert (
        not _event(acct.case_view(nurse, view.id, NOW), "CASE_REVIEW_FIRST").contributions[0].synced
    )
    with nurse.transaction() as s:
        s.execute(update(OutboxOp).where(OutboxOp.record_id == made.id).values(acked_at=NOW))
    assert acct.unsynced_safety_critical(nurse, NOW) == ()
    assert _event(acct.case_view(nurse, view.id, NOW), "CASE_REVIEW_FIRST").contributions[0].synced


def test_case_view_is_audited_without_identifiers(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    acct.case_view(nurse, view.id, NOW)
    with nurse.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (last.action, last.patient_id) == ("view_acct", ward.pid())
    assert "A1234BC" not in last.detail


# -- a new HA alert on roll import ------------------------------------------------------------


def _counts(v: OpenVault, patient_id: str) -> tuple[int, int]:
    with v.session() as s:
        tasks = s.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.patient_id == patient_id, Task.kind == "ACCT_FIRST_REVIEW_TIME")
        )
        cases = s.scalar(
            select(func.count()).select_from(AcctCase).where(AcctCase.patient_id == patient_id)
        )
    return tasks or 0, cases or 0


def test_new_ha_alert_on_import_raises_one_task_and_mirrors_a_case(
    ward: Ward, roll: RollWriter
) -> None:
    lines = [
        roll.line("A1234BC", alerts="HA"),
        roll.line("B2345CD", location="B-1-002"),
        roll.line("C3456DE"),
    ]
    path = roll.write(lines)
    import_roll(ward.admin, path, today=date(2025, 1, 1))
    pid = ward.pid()
    assert _counts(ward.admin, pid) == (1, 1)
    with ward.admin.session() as s:
        case = s.scalars(select(AcctCase).where(AcctCase.patient_id == pid)).one()
        task = s.scalars(select(Task).where(Task.patient_id == pid)).one()
        events = s.scalars(select(AcctEvent).where(AcctEvent.case_id == case.id)).all()
    assert (case.source, case.status) == ("HA_ALERT", "OPEN")
    assert (task.status, task.source_id, task.title) == (
        "OPEN",
        case.id,
        "Find the first ACCT case review time",
    )
    assert [(e.event_type, e.scheduled_at) for e in events] == [
        ("CASE_REVIEW_FIRST", case.opened_at + timedelta(hours=24))
    ]
    import_roll(ward.admin, path, today=date(2025, 1, 1))  # nothing new: nothing raised
    assert _counts(ward.admin, pid) == (1, 1)
    assert _counts(ward.admin, ward.pid("B2345CD")) == (0, 0)


def test_ha_alert_while_a_task_is_open_raises_no_second(ward: Ward) -> None:
    pid = ward.pid()
    assert len(acct.new_ha_alerts_to_tasks(ward.admin, [pid, pid], NOW)) == 1
    assert acct.new_ha_alerts_to_tasks(ward.admin, [pid], NOW) == ()
    assert _counts(ward.admin, pid) == (1, 1)


@pytest.mark.parametrize(("status", "raised"), [("SNOOZED", 0), ("DONE", 1)])
def test_ha_alert_while_a_task_of_a_status_this_version_does_not_know_raises_no_second(
    ward: Ward, status: str, raised: int
) -> None:
    """The 'find the first review time' task in a status a newer laptop wrote (H-40) still
    stands: another HA alert raises no second task. One done does not stand."""
    pid = ward.pid()
    (task_id,) = acct.new_ha_alerts_to_tasks(ward.admin, [pid], NOW)
    pull_task_status(ward.admin, task_id, status)
    assert len(acct.new_ha_alerts_to_tasks(ward.admin, [pid], NOW)) == raised


def test_ha_alert_reopens_a_post_closure_case(ward: Ward) -> None:
    nurse = ward.login("nurse")
    view = _open(nurse, ward.pid())
    acct.close_case(nurse, view.id, held_at=NOW - timedelta(hours=3), chair="SO", now=NOW)
    acct.new_ha_alerts_to_tasks(ward.admin, [ward.pid()], NOW)
    assert acct.case_view(nurse, view.id, NOW).status == "OPEN"
    assert _counts(nurse, ward.pid()) == (1, 1)


def test_caseload_membership_changes_are_recorded_once(ward: Ward) -> None:
    mh = ward.login("mh")
    first = acct.set_caseload(mh, ward.pid(), "MH_IN_REACH", True, today=date(2025, 3, 1))
    again = acct.set_caseload(mh, ward.pid(), "MH_IN_REACH", True, today=date(2025, 3, 2))
    assert first.started_on == again.started_on == date(2025, 3, 1)
    off = acct.set_caseload(mh, ward.pid(), "MH_IN_REACH", False, today=date(2025, 3, 9))
    assert (off.on, off.ended_on) == (False, date(2025, 3, 9))
    with mh.session() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("caseload_%"))
        ).all()
    assert actions == ["caseload_joined", "caseload_left"]
    with pytest.raises(InvalidInput, match="team"):
        acct.set_caseload(mh, ward.pid(), "CHAPLAINCY", True)
    with pytest.raises(PermissionDenied):
        acct.set_caseload(ward.login("hca"), ward.pid(), "MH_IN_REACH", True)
