"""The ACCT screen's service support: the 24-hour warning with late reviews, opening a case by
an event's id, and the contributor's team (services/acct/reports.py, acct_views.py, acct.py)."""

from __future__ import annotations

from datetime import timedelta

from hjdesk.services import acct
from hjdesk.services.common import utc_now
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD


def test_input_due_lists_upcoming_warnings_and_late_reviews(demo):
    due = acct.input_due(demo)
    assert due
    assert not any(d.late for d in due)
    for row in due:
        view = acct.case_view(demo, row.case_id)
        assert row.event_id in {w.event_id for w in view.warnings}
    case_id = due[0].case_id
    now = utc_now()
    late = acct.add_event(demo, case_id, "CASE_REVIEW", scheduled_at=now - timedelta(hours=2))
    later = acct.input_due(demo)
    assert later[0].event_id == late.id
    assert later[0].late
    assert "no health input is planned or recorded" in later[0].message
    row = next(r for r in acct.open_cases(demo) if r.case_id == case_id)
    assert row.late == 1
    view = acct.case_view(demo, case_id)
    assert view.late_event_ids == (late.id,)
    assert next(e for e in view.events if e.id == late.id).input_late


def test_only_input_that_counts_planned_or_given_ends_lateness(demo):
    case_id = next(r.case_id for r in acct.open_cases(demo) if r.status == "OPEN")
    late = acct.add_event(demo, case_id, "CASE_REVIEW", scheduled_at=utc_now() - timedelta(hours=1))
    acct.add_contribution(
        demo, late.id, contribution_type="INVITED_UNABLE_TO_ATTEND", team="PRIMARY_CARE", summary=""
    )
    assert any(d.event_id == late.id for d in acct.input_due(demo))  # does not count
    acct.add_contribution(
        demo,
        late.id,
        contribution_type="ATTENDED_IN_PERSON",
        team="PRIMARY_CARE",
        summary="",
        planned=True,
    )
    assert not any(d.event_id == late.id for d in acct.input_due(demo))


def test_case_view_opens_by_event_id(demo):
    row = acct.open_cases(demo)[0]
    view = acct.case_view(demo, row.case_id)
    by_event = acct.case_view(demo, view.events[-1].id)
    assert by_event.id == view.id


def test_contributor_team_is_the_staff_members_team(demo, demo_home):
    assert acct.contributor_team(demo) == "PRIMARY_CARE"
    mh = Vault(demo_home).unlock("mhnurse", PASSWORD)
    try:
        assert acct.contributor_team(mh) == "MH_IN_REACH"
    finally:
        mh.lock()
