"""A record a nurse relies on must be right when it leaves the laptop: the printed transfer
summary, NEWS2 record and ACCT documents read back from the PDF after the situation was built
through the services (amendments, entries in error, London months, withdrawn input).

tests/sync/test_printed_after_transfer.py covers the same documents across prisons and a hub.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.reports.layout import UNSYNCED_MARK
from hjdesk.services import acct
from hjdesk.services.corrections.amendments import ContributionCorrection, amend_contribution
from hjdesk.services.encounters.forms import EscalationInput, VitalsInput
from tests.reports.conftest import pdf_text
from tests.services.care_world import (  # noqa: F401
    NOW,
    TODAY,
    World,
    add_encounter,
    care_template_fixture,
    measured,
    world_fixture,
)


def _render(world: World, kind: str, now: datetime = NOW, **params: object):
    report = render_report(world.vault, ReportRequest(kind, **params), now=now, today=TODAY)  # type: ignore[arg-type]
    return report, pdf_text(report.data)


def _diabetes_review(
    world: World,
    pid: str,
    day: date,
    hba1c: float,
    bp: tuple[int, int],
    foot: str,
    amends: str | None = None,
) -> str:
    return add_encounter(
        world.vault,
        pid,
        "LTC_REVIEW",
        day,
        ltc_condition="DIABETES",
        amends_id=amends,
        measurements=(
            measured("HBA1C", hba1c),
            measured("BP_SYSTOLIC", bp[0]),
            measured("BP_DIASTOLIC", bp[1]),
            measured("FOOT_RISK", foot),
        ),
    )


# -- 1. amended and withdrawn entries ---------------------------------------------------------


def test_summary_prints_the_amended_results_and_nothing_from_an_entry_in_error(
    world: World,
) -> None:
    pid = world.patient(conditions=(("DIABETES", date(2015, 1, 1)),))
    _diabetes_review(world, pid, date(2025, 1, 10), 61, (142, 88), "MODERATE")
    typo = _diabetes_review(world, pid, date(2025, 2, 10), 95, (190, 110), "ACTIVE")
    _diabetes_review(world, pid, date(2025, 2, 10), 59, (138, 86), "HIGH", amends=typo)
    _, pdf = _render(world, "transfer-summary", patient_id=pid)
    assert pdf.has("HbA1c 59 mmol/mol (10/02/2025)")
    assert pdf.has("Blood pressure 138/86 mmHg (10/02/2025)")
    assert pdf.has("Foot risk High (10/02/2025)")
    for superseded in ("95 mmol/mol", "190/110", "Active"):
        assert not pdf.has(superseded), superseded

    # A later reading recorded on the wrong patient and withdrawn: the last results go back to
    # the amended entry, not to the withdrawn one, and never to the superseded typo.
    wrong = add_encounter(
        world.vault,
        pid,
        "CELL_DOOR",
        date(2025, 3, 1),
        measurements=(measured("BP_SYSTOLIC", 171), measured("BP_DIASTOLIC", 99)),
        vitals=VitalsInput(16, 97, False, 171, 72, "A", 36.8, diastolic_bp=99),
    )
    add_encounter(
        world.vault, pid, "CELL_DOOR", date(2025, 3, 1), amends_id=wrong, entered_in_error=True
    )
    _, pdf = _render(world, "transfer-summary", patient_id=pid)
    assert pdf.has("Blood pressure 138/86 mmHg (10/02/2025)")
    assert not pdf.has("171")


WELL = VitalsInput(16, 97, False, 128, 72, "A", 36.8, diastolic_bp=78)
TYPO = VitalsInput(16, 97, False, 82, 72, "A", 36.8, diastolic_bp=50)  # red score on BP


def test_news2_record_prints_the_corrected_set_only(world: World) -> None:
    pid = world.patient()
    add_encounter(world.vault, pid, "CELL_DOOR", date(2025, 2, 1), vitals=WELL)
    typo = add_encounter(
        world.vault,
        pid,
        "CELL_DOOR",
        date(2025, 3, 1),
        vitals=TYPO,
        escalation=EscalationInput("Duty GP", "Dr Raman"),
    )
    corrected = VitalsInput(16, 97, False, 122, 72, "A", 36.8, diastolic_bp=80)
    add_encounter(world.vault, pid, "CELL_DOOR", date(2025, 3, 1), amends_id=typo, vitals=corrected)
    _, pdf = _render(world, "news2", patient_id=pid)
    assert pdf.has("128/78")
    assert pdf.has("122/80")
    assert not pdf.has("82/50")


# -- 3. the ACCT health-input audit -----------------------------------------------------------


def _first_review(world: World, pid: str, held_at: datetime) -> tuple[str, str]:
    """An ACCT opened that morning whose first case review was held at `held_at`."""
    opened = held_at.replace(hour=9, minute=0)
    view = acct.open_case(
        world.vault,
        pid,
        opened_at=opened,
        concern_summary="Cut forearm",
        risk_level="RAISED",
        now=NOW,
    )
    first = next(e for e in view.events if e.event_type == "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=held_at, chair="SO", now=NOW)
    return view.id, first.id


def _give(world: World, event_id: str, kind: str = "ATTENDED_IN_PERSON") -> str:
    return acct.add_contribution(
        world.vault,
        event_id,
        contribution_type=kind,
        team="PRIMARY_CARE",
        summary="Seen; plan agreed",
        now=NOW,
    ).id


def test_audit_months_are_london_months_on_the_printed_page(world: World) -> None:
    # 23:30 UTC on 31 August 2024 is 00:30 BST on 1 September: a September review.
    summer = world.patient(family_name="Summerfield")
    _first_review(world, summer, datetime(2024, 8, 31, 23, 30, tzinfo=UTC))
    # 23:30 UTC on 31 October 2024 is 23:30 GMT (the clocks went back on the 27th): October.
    autumn = world.patient(family_name="Autumnhall")
    _, event = _first_review(world, autumn, datetime(2024, 10, 31, 23, 30, tzinfo=UTC))
    _give(world, event)

    _, august = _render(world, "acct-audit", month=date(2024, 8, 1))
    assert august.has("No case review or closure was held or due in this period.")
    assert not august.has("SUMMERFIELD")
    _, september = _render(world, "acct-audit", month=date(2024, 9, 1))
    assert september.has("September 2024 1 0 1 100% 0 0 –")
    assert september.has("SUMMERFIELD")
    assert september.has("01/09/2024 00:30 BST")  # the time printed is London's too
    _, october = _render(world, "acct-audit", month=date(2024, 10, 1))
    assert october.has("October 2024 1 0 0 0% 0 0 –")
    _, november = _render(world, "acct-audit", month=date(2024, 11, 1))
    assert not november.has("October 2024")


def test_audit_counts_withdrawn_amended_and_unable_to_attend_input_as_the_rule_says(
    world: World,
) -> None:
    """Four first reviews in January: input withdrawn (entered in error), input corrected,
    only 'invited, unable to attend', and input given. Two are without health input."""
    jan = datetime(2025, 1, 14, 11, 0, tzinfo=UTC)
    withdrawn = world.patient(family_name="Withdrawn")
    _, event = _first_review(world, withdrawn, jan)
    amend_contribution(
        world.vault, _give(world, event), reason="Wrong patient", entered_in_error=True, now=NOW
    )
    corrected = world.patient(family_name="Corrected")
    case_c, event = _first_review(world, corrected, jan + timedelta(days=1))
    amend_contribution(
        world.vault,
        _give(world, event),
        reason="Attended by video",
        corrected=ContributionCorrection("ATTENDED_REMOTE", "Seen by video"),
        now=NOW,
    )
    unable = world.patient(family_name="Unable")
    _, event = _first_review(world, unable, jan + timedelta(days=2))
    _give(world, event, "INVITED_UNABLE_TO_ATTEND")
    given = world.patient(family_name="Given")
    _, event = _first_review(world, given, jan + timedelta(days=3))
    _give(world, event)
    # The corrected case closes in February with input: a month of closures and no reviews.
    closed = acct.close_case(
        world.vault, case_c, held_at=datetime(2025, 2, 3, 10, tzinfo=UTC), chair="SO", now=NOW
    )
    closure = next(e for e in closed.events if e.event_type == "CLOSURE")
    _give(world, closure.id)

    _, pdf = _render(world, "acct-audit")
    assert pdf.has("January 2025 4 0 2 50% 0 0 –")
    assert pdf.has("February 2025 0 0 0 – 1 0 0%")  # no reviews: a dash, not a division
    assert pdf.has("All months 4 0 2 50% 1 0 0%")
    assert pdf.has("Flags (2: 2 high, 0 medium)")
    for name in ("WITHDRAWN", "UNABLE"):
        assert pdf.has(name)
    for name in ("CORRECTED", "GIVEN,"):
        assert not pdf.has(name)


# -- 4. the unsynced mark on the questionnaire sheet (the estate test covers the others) ------


def test_questionnaire_sheet_is_marked_while_a_withdrawn_result_waits(world: World) -> None:
    from hjdesk.services.encounters.forms import QuestionnairesInput
    from tests.reports.conftest import ack_everything

    pid = world.patient()
    low = QuestionnairesInput(phq9=(1, 1, 0, 0, 0, 0, 0, 0, 0))
    add_encounter(world.vault, pid, "MH_SESSION", date(2025, 2, 1), questionnaires=low)
    wrong = add_encounter(world.vault, pid, "MH_SESSION", date(2025, 3, 1), questionnaires=low)
    ack_everything(world.vault)  # as if the hub had acknowledged both
    assert not _render(world, "questionnaires", patient_id=pid)[0].unsynced
    add_encounter(world.vault, pid, "CELL_DOOR", date(2025, 3, 2), vitals=WELL)
    assert not _render(world, "questionnaires", patient_id=pid)[0].unsynced  # not on the sheet
    add_encounter(
        world.vault, pid, "MH_SESSION", date(2025, 3, 1), amends_id=wrong, entered_in_error=True
    )
    report, pdf = _render(world, "questionnaires", patient_id=pid)
    assert report.unsynced
    assert all(UNSYNCED_MARK in page for page in pdf.pages)
