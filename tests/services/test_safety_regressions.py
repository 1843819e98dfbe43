"""Regressions for the clinical safety defects of issue 12: each was reproduced through the
service functions, and each test here failed on the code before its fix. What leaves the laptop
(the transfer summary, printed) is checked as printed where the defect reached paper.

The hazard log (docs/clinical-safety/hazard-log.md) names these tests as the proof of its
controls.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services.encounter_forms import EscalationInput, QuestionnairesInput
from hjdesk.services.release_summary import release_summary
from hjdesk.storage.models import AuditEvent, Task
from tests.reports.conftest import pdf_text
from tests.services.care_world import (  # noqa: F401
    NOW,
    TODAY,
    World,
    add_encounter,
    care_template_fixture,
    world_fixture,
)

ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 1)
NO_ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 0)
ESCALATED = EscalationInput("Risk assessment started on the wing", "MH in-reach duty worker")


def _printed_summary(world: World, pid: str) -> str:
    report = render_report(
        world.vault, ReportRequest("transfer-summary", patient_id=pid), now=NOW, today=TODAY
    )
    return pdf_text(report.data).text


# -- 1. social care needs and equipment reach the summary -----------------------------------


def test_older_prisoner_review_needs_and_equipment_reach_the_summary(world: World) -> None:
    pid = world.patient(dob=date(1956, 2, 2))
    add_encounter(
        world.vault,
        pid,
        "OLDER_PRISONER_REVIEW",
        date(2025, 3, 1),
        data={
            "cfs_level": 6,
            "social_care_needs": True,
            "social_care_referral": False,
            "mobility_equipment": "Walking frame; shower chair",
        },
    )
    s = release_summary(world.vault, pid, today=TODAY, now=NOW)
    assert s.social_care.needs == ("Social care needs identified at the older prisoner review",)
    assert s.social_care.equipment == ("Walking frame", "shower chair")
    assert s.social_care.referral == ()
    assert s.social_care.needs_referral
    assert s.frailty is not None
    assert (s.frailty.cfs_level, s.frailty.source) == (6, "OLDER_PRISONER_REVIEW")
    printed = _printed_summary(world, pid)
    assert "Walking frame" in printed
    assert "shower chair" in printed
    assert "Social care needs with no referral to the local authority" in printed


# -- 2. tasks of an entry withdrawn do not travel ---------------------------------------------


def _phq9_session(world: World, pid: str, items: tuple[int, ...]) -> str:
    return add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        questionnaires=QuestionnairesInput(phq9=items),
        escalation=ESCALATED,
    )


def _task_status(world: World, pid: str, kind: str) -> list[str]:
    with world.vault.session() as session:
        return list(
            session.scalars(select(Task.status).where(Task.patient_id == pid, Task.kind == kind))
        )


def test_entered_in_error_withdraws_its_tasks_from_worklists_and_the_summary(
    world: World,
) -> None:
    pid = world.patient()
    wrong = _phq9_session(world, pid, ITEM9)
    assert [r.kind for r in release_summary(world.vault, pid, today=TODAY).referrals] == [
        "RISK_ASSESSMENT"
    ]
    add_encounter(
        world.vault, pid, "MH_SESSION", date(2025, 3, 10), amends_id=wrong, entered_in_error=True
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["WITHDRAWN"]
    assert release_summary(world.vault, pid, today=TODAY).referrals == ()
    assert "Immediate risk assessment" not in _printed_summary(world, pid)
    with world.vault.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == pid)
        ).all()
    assert "task_withdrawn" in actions


def test_a_correction_withdraws_only_the_tasks_it_no_longer_calls_for(world: World) -> None:
    pid = world.patient()
    first = _phq9_session(world, pid, ITEM9)
    kept = add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        amends_id=first,
        questionnaires=QuestionnairesInput(phq9=ITEM9),
        escalation=ESCALATED,
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["OPEN"]  # still called for
    add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        amends_id=kept,
        questionnaires=QuestionnairesInput(phq9=NO_ITEM9),
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["WITHDRAWN"]
