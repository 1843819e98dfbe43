"""Amend and entered-in-error for ACCT contributions, screening events and care-plan reviews:
the new signed row, the rules about chains and reasons, and the effects downstream (flags
recomputed, the transfer summary, the printed contribution sheet, the plan's review date)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.corrections.amendments import (
    ContributionCorrection,
    ReviewCorrection,
    ScreeningCorrection,
    amend_care_plan_review,
    amend_contribution,
    amend_screening,
)
from hjdesk.services.patients.screening import record_screening, screening_history
from hjdesk.services.release.summary import release_summary
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AuditEvent, CarePlanReview
from tests.reports.conftest import pdf_text
from tests.services.care_world import (  # noqa: F401
    NOW,
    TODAY,
    World,
    at_noon,
    care_template_fixture,
    world_fixture,
)

SUMMARY = "Low mood after bad news; no current plans"


def _held_first_review(world: World) -> tuple[str, str, str]:
    """A case whose first review was held with one contribution; (case, event, contribution)."""
    pid = world.patient()
    view = acct.open_case(world.vault, pid, opened_at=NOW - timedelta(days=3),
                          concern_summary="Ligature", risk_level="RAISED", now=NOW)  # fmt: skip
    first = next(e for e in view.events if e.event_type == "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=NOW - timedelta(days=2), chair="SO",
                           now=NOW)  # fmt: skip
    given = acct.add_contribution(world.vault, first.id, contribution_type="ATTENDED_IN_PERSON",
                                  team="PRIMARY_CARE", summary=SUMMARY, now=NOW)  # fmt: skip
    assert acct.case_view(world.vault, view.id, NOW).flags == ()
    return view.id, first.id, given.id


def _severities(world: World, case_id: str) -> list[str]:
    return [f.severity.value for f in acct.case_view(world.vault, case_id, NOW).flags]


def test_contribution_entered_in_error_brings_the_flag_back_and_leaves_the_sheet(
    world: World,
) -> None:
    case_id, event_id, given = _held_first_review(world)
    amend_contribution(world.vault, given, reason="Wrong patient", entered_in_error=True, now=NOW)
    assert _severities(world, case_id) == ["HIGH"]
    event = next(e for e in acct.case_view(world.vault, case_id, NOW).events if e.id == event_id)
    assert event.contributions == ()
    sheet = render_report(world.vault, ReportRequest("acct-contribution", event_id=event_id),
                          now=NOW, today=TODAY)  # fmt: skip
    text = pdf_text(sheet.data)
    assert not text.has(SUMMARY)
    assert text.has("No health input stands for this event: the input recorded was withdrawn")
    assert text.has("Wrong patient")  # listed as withdrawn, with the reason
    with world.vault.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "acct_contribution_entered_in_error" in actions
    with pytest.raises(InvalidInput, match="already been amended"):
        amend_contribution(world.vault, given, reason="again", entered_in_error=True, now=NOW)


def test_contribution_correction_is_checked_and_recounted(world: World) -> None:
    case_id, _, given = _held_first_review(world)
    with pytest.raises(InvalidInput, match="reason"):
        amend_contribution(world.vault, given, reason=" ", entered_in_error=True)
    with pytest.raises(InvalidInput, match="not both"):
        amend_contribution(world.vault, given, reason="x")
    with pytest.raises(PermissionDenied):
        amend_contribution(world.as_user("hca"), given, reason="x", entered_in_error=True)
    fixed = amend_contribution(
        world.vault, given, reason="Was invited, could not attend",
        corrected=ContributionCorrection("INVITED_UNABLE_TO_ATTEND", ""), now=NOW,
    )  # fmt: skip
    assert fixed.contribution_type == "INVITED_UNABLE_TO_ATTEND"
    assert _severities(world, case_id) == ["HIGH"]  # no qualifying input now
    again = amend_contribution(
        world.vault, fixed.id, reason="Sent a written note after all",
        corrected=ContributionCorrection("WRITTEN_CONTRIBUTION", SUMMARY), now=NOW,
    )  # fmt: skip
    assert again.summary == SUMMARY
    assert _severities(world, case_id) == []


def test_screening_entered_in_error_leaves_the_summary_and_is_marked_in_history(
    world: World,
) -> None:
    pid = world.patient()
    older = record_screening(world.vault, pid, "FLU", date(2024, 10, 1), "GIVEN",
                             now=at_noon(date(2024, 10, 1)), today=TODAY)  # fmt: skip
    wrong = record_screening(world.vault, pid, "FLU", date(2025, 3, 1), "GIVEN", batch="AB12",
                             now=at_noon(date(2025, 3, 1)), today=TODAY)  # fmt: skip
    assert [s.event_date for s in release_summary(world.vault, pid, today=TODAY).screening] == [
        date(2025, 3, 1)
    ]
    amend_screening(world.vault, wrong.id, reason="Given to another patient",
                    entered_in_error=True, now=NOW)  # fmt: skip
    assert [s.event_date for s in release_summary(world.vault, pid, today=TODAY).screening] == [
        date(2024, 10, 1)
    ]
    history = {s.id: s for s in screening_history(world.vault, pid)}
    assert history[wrong.id].superseded
    assert any(s.entered_in_error and s.amends_id == wrong.id for s in history.values())
    fixed = amend_screening(
        world.vault, older.id, reason="Batch number misread",
        corrected=ScreeningCorrection(date(2024, 10, 1), "GIVEN", batch="XY99"), now=NOW,
        today=TODAY,
    )  # fmt: skip
    assert fixed.batch == "XY99"
    tomorrow = ScreeningCorrection(TODAY + timedelta(days=1), "GIVEN")
    with pytest.raises(InvalidInput, match="future"):
        amend_screening(world.vault, fixed.id, reason="x", today=TODAY, corrected=tomorrow)


def _reviewed_plan(world: World) -> tuple[str, str]:
    pid = world.patient()
    plan = cp.create_plan(world.vault, pid, "MENTAL_HEALTH", today=TODAY - timedelta(days=60))
    plan = cp.update_plan(world.vault, plan.id, base_rev=plan.rev,
                          review_due=TODAY - timedelta(days=5), patient_involvement="AGREED",
                          risk_management_plan="Crisis: call MH duty",
                          shared_with=["GP"])  # fmt: skip
    cp.activate_plan(world.vault, plan.id, today=TODAY - timedelta(days=60))
    cp.record_review(world.vault, plan.id, review_date=TODAY - timedelta(days=2),
                     attendees=["Patient", "RMN"], outcome="Settled", decision="CONTINUE",
                     next_review_due=TODAY + timedelta(days=90), today=TODAY)  # fmt: skip
    with world.vault.session() as session:
        review = session.scalar(select(CarePlanReview.id).where(CarePlanReview.plan_id == plan.id))
    assert review is not None
    return plan.id, review


def test_care_plan_review_entered_in_error_puts_the_plan_back_to_due(world: World) -> None:
    _, review = _reviewed_plan(world)
    view = amend_care_plan_review(world.vault, review, reason="Recorded on the wrong plan",
                                  entered_in_error=True, today=TODAY, now=NOW)  # fmt: skip
    assert view.review_due == TODAY - timedelta(days=2)  # due when the withdrawn review was
    assert view.display_status.value == "OVERDUE"
    assert len(view.reviews) == 0


def test_care_plan_review_correction_moves_the_next_review(world: World) -> None:
    _, review = _reviewed_plan(world)
    view = amend_care_plan_review(
        world.vault, review, reason="Next review agreed sooner", today=TODAY, now=NOW,
        corrected=ReviewCorrection(
            ["Patient", "RMN"], "Settled", next_review_due=TODAY + timedelta(days=28)
        ),
    )  # fmt: skip
    assert view.review_due == TODAY + timedelta(days=28)
    assert [r.outcome for r in view.reviews] == ["Settled"]


# -- a correction through to the screens' reads and the printouts -----------------------------

CORRECTED = "Settled since the move; no thoughts of self-harm"


def test_a_corrected_contribution_counts_prints_and_keeps_the_original_readable(
    world: World,
) -> None:
    case_id, event_id, given = _held_first_review(world)
    fixed = amend_contribution(
        world.vault, given, reason="Summary written about the wrong review", now=NOW,
        corrected=ContributionCorrection("WRITTEN_CONTRIBUTION", CORRECTED),
    )  # fmt: skip
    assert (fixed.amends_id, fixed.amendment_reason) == (
        given,
        "Summary written about the wrong review",
    )
    event = next(e for e in acct.case_view(world.vault, case_id, NOW).events if e.id == event_id)
    (shown,) = event.contributions
    assert (shown.id, shown.summary, shown.contribution_type) == (
        fixed.id,
        CORRECTED,
        "WRITTEN_CONTRIBUTION",
    )
    assert shown.replaced == f"Attended in person: {SUMMARY}"  # the original stays readable
    assert _severities(world, case_id) == []  # a written contribution still counts
    sheet = render_report(world.vault, ReportRequest("acct-contribution", event_id=event_id),
                          now=NOW, today=TODAY)  # fmt: skip
    text = pdf_text(sheet.data)
    assert text.has(CORRECTED)
    assert not text.has(SUMMARY)  # the superseded text is not handed to the case manager
    assert text.has("Replaces an earlier entry. Reason: Summary written about the wrong review")
    with world.vault.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "acct_contribution_amended" in actions


def test_a_corrected_planned_contribution_that_no_longer_counts_brings_the_warning_back(
    world: World,
) -> None:
    pid = world.patient()
    view = acct.open_case(world.vault, pid, opened_at=NOW - timedelta(hours=4),
                          concern_summary="Ligature", risk_level="RAISED", now=NOW)  # fmt: skip
    first = next(e for e in view.events if e.event_type == "CASE_REVIEW_FIRST")
    planned = acct.add_contribution(
        world.vault, first.id, contribution_type="ATTENDED_IN_PERSON", team="PRIMARY_CARE",
        summary="", planned=True, now=NOW,
    )  # fmt: skip
    assert acct.case_view(world.vault, view.id, NOW).warnings == ()
    amend_contribution(
        world.vault, planned.id, reason="Not invited after all", now=NOW,
        corrected=ContributionCorrection("NOT_INVITED", ""),
    )  # fmt: skip
    (warning,) = acct.case_view(world.vault, view.id, NOW).warnings
    assert warning.event_id == first.id


def test_a_corrected_screening_event_replaces_the_original_on_the_summary(world: World) -> None:
    pid = world.patient()
    wrong = record_screening(world.vault, pid, "FLU", date(2025, 3, 1), "Declined",
                             now=at_noon(date(2025, 3, 1)), today=TODAY)  # fmt: skip
    with pytest.raises(InvalidInput, match="60 characters"):
        amend_screening(world.vault, wrong.id, reason="x", today=TODAY,
                        corrected=ScreeningCorrection(date(2025, 3, 1), "G" * 61))  # fmt: skip
    fixed = amend_screening(
        world.vault, wrong.id, reason="Outcome recorded wrongly", now=NOW, today=TODAY,
        corrected=ScreeningCorrection(date(2025, 3, 2), "Given", "AB12", date(2026, 3, 1)),
    )  # fmt: skip
    (item,) = release_summary(world.vault, pid, today=TODAY).screening
    assert (item.event_date, item.outcome, item.next_due) == (
        date(2025, 3, 2),
        "Given",
        date(2026, 3, 1),
    )
    printed = render_report(world.vault, ReportRequest("transfer-summary", patient_id=pid),
                            now=NOW, today=TODAY)  # fmt: skip
    text = pdf_text(printed.data)
    assert text.has("Given")
    assert not text.has("Declined")
    history = {s.id: s for s in screening_history(world.vault, pid)}
    assert history[wrong.id].superseded
    assert history[fixed.id].amends_id == wrong.id


def test_a_corrected_review_prints_the_correction_not_the_superseded_text(world: World) -> None:
    plan_id, review = _reviewed_plan(world)
    view = amend_care_plan_review(
        world.vault, review, reason="Outcome typed into the wrong plan", today=TODAY, now=NOW,
        corrected=ReviewCorrection(["Patient", "RMN", "GP"], "Mood lifting, sleeping better",
                                   "Crisis plan updated", TODAY + timedelta(days=60)),
    )  # fmt: skip
    (row,) = view.reviews
    assert (row.outcome, row.attendees, row.amends_id) == (
        "Mood lifting, sleeping better",
        ("Patient", "RMN", "GP"),
        review,
    )
    assert row.replaced is not None
    assert row.replaced.startswith("Settled")
    printed = render_report(world.vault, ReportRequest("care-plan", plan_id=plan_id),
                            now=NOW, today=TODAY)  # fmt: skip
    text = pdf_text(printed.data)
    assert text.has("Mood lifting, sleeping better")
    assert not text.has("Settled")
    assert text.has("Reason: Outcome typed into the wrong plan")
    with pytest.raises(InvalidInput, match="already been amended"):
        amend_care_plan_review(world.vault, review, reason="x", entered_in_error=True)


def test_only_the_contributing_team_corrects_its_input(world: World) -> None:
    """As when signing: no one outside MH in-reach can alter or clear what MH in-reach said."""
    pid = world.patient()
    mh = world.as_user("mhnurse")
    view = acct.open_case(world.vault, pid, opened_at=NOW - timedelta(days=3),
                          concern_summary="Ligature", risk_level="RAISED", now=NOW)  # fmt: skip
    first = next(e for e in view.events if e.event_type == "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=NOW - timedelta(days=2), chair="SO",
                           now=NOW)  # fmt: skip
    given = acct.add_contribution(mh, first.id, contribution_type="ATTENDED_IN_PERSON",
                                  team="MH_IN_REACH", summary=SUMMARY, now=NOW)  # fmt: skip
    with pytest.raises(PermissionDenied, match="another team"):
        amend_contribution(world.vault, given.id, reason="x", entered_in_error=True, now=NOW)
    too_long = ContributionCorrection("WRITTEN_CONTRIBUTION", "x" * 2001)
    with pytest.raises(InvalidInput, match="2000 characters"):
        amend_contribution(mh, given.id, reason="x", now=NOW, corrected=too_long)
    written = ContributionCorrection("WRITTEN_CONTRIBUTION", SUMMARY)
    fixed = amend_contribution(mh, given.id, reason="Wrote it up", now=NOW, corrected=written)
    assert (fixed.team, fixed.contribution_type) == ("MH_IN_REACH", "WRITTEN_CONTRIBUTION")


def test_the_sheet_by_patient_prints_when_their_only_input_was_withdrawn(world: World) -> None:
    """The person's only health input on the case was withdrawn (entered in error): the sheet
    asked for by patient still prints, for that event, showing the input as withdrawn, with the
    reason and who withdrew it and when, never its summary, and saying no input stands."""
    case_id, event_id, given = _held_first_review(world)
    amend_contribution(world.vault, given, reason="Typed against the wrong review",
                       entered_in_error=True, now=NOW + timedelta(hours=1))  # fmt: skip
    patient_id = acct.case_view(world.vault, case_id, NOW).patient_id
    sheet = render_report(world.vault, ReportRequest("acct-contribution", patient_id=patient_id),
                          now=NOW + timedelta(hours=2), today=TODAY)  # fmt: skip
    assert sheet.records == {"case_id": case_id, "event_id": event_id}
    text = pdf_text(sheet.data)
    assert text.has("Health input (0)")
    assert text.has("No health input stands for this event: the input recorded was withdrawn")
    assert text.has("Withdrawn input (1)")
    assert text.has("Typed against the wrong review")
    assert text.has("Withdrawn (entered in error)")
    assert text.has(f"{world.vault.actor_name} (RN),")  # who withdrew it, as they signed
    assert text.has("Counts as health input No (withdrawn)")
    assert not text.has(SUMMARY)  # the withdrawn text stays in the healthcare record


def test_the_sheet_lists_standing_input_and_withdrawn_input_apart(world: World) -> None:
    _, event_id, given = _held_first_review(world)
    acct.add_contribution(world.vault, event_id, contribution_type="WRITTEN_CONTRIBUTION",
                          team="PRIMARY_CARE", summary="Sleeping better", now=NOW)  # fmt: skip
    amend_contribution(world.vault, given, reason="Wrong patient", entered_in_error=True, now=NOW)
    sheet = render_report(world.vault, ReportRequest("acct-contribution", event_id=event_id),
                          now=NOW, today=TODAY)  # fmt: skip
    text = pdf_text(sheet.data)
    assert text.has("Health input (1)")
    assert text.has("Sleeping better")
    assert text.has("Withdrawn input (1)")
    assert text.has("Wrong patient")
    assert not text.has(SUMMARY)
    assert not text.has("No health input stands")
