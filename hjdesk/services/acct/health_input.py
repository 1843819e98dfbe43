"""ACCT health input (domain.md §6): the one place the UI imports ACCT use cases from.

Here: health contributions, the MH in-reach caseload and the work a new HA alert raises. The
mirror's own writes live in `acct_cases`, the read models in `acct_views` and `acct_reports`; all
are re-exported below.

Decisions (ours, where domain.md is silent):
- Only registered clinicians contribute health input (permissions.REGISTERED_CLINICIANS: not
  HCAs, whose input reaches the review through a registered colleague, and not ADMIN).
- A contributor speaks for their own team: staff with a team cannot record input as another team,
  so the "no MH in-reach input" flag cannot be cleared by someone outside that team.
- Given input needs its risk-relevant summary (at most 2,000 characters: the full note stays in
  the clinical record, linked by `clinical_note_id`); a planned contribution or a "not invited" /
  "unable to attend" record may leave it blank. Input cannot be "planned" for an event already
  held. A contribution may be recorded after the review it was given at (staff write it up back
  on the wing); its signed time shows when — also once the case has CLOSED, for a review already
  held (the post-closure review's input is often written up after it ends the case). Attendance
  cannot be recorded as given before the review takes place: only planned.
- Needed-by is the event's scheduled time; an event with no time yet gives no needed-by.
- A new HA alert mirrors a case (source HA_ALERT, opened when the alert was seen, risk RAISED
  until the case manager says otherwise, first case review pencilled in at the 24-hour limit); a
  post-closure case is reopened instead. At most one open "find the first review time" task per
  patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.services.acct.cases import (
    HA_CONCERN,
    live_case,
    open_case,
    open_mirror,
    update_case,
)
from hjdesk.services.acct.events import (
    add_event,
    close_case,
    record_event_held,
    reopen,
    reopen_case,
    reschedule_event,
)
from hjdesk.services.acct.reports import (
    AcctAuditReport,
    AcctCaseRow,
    AuditFlagRow,
    InputDueRow,
    UnsyncedContribution,
    audit_report,
    input_due,
    open_cases,
    unsynced_safety_critical,
)
from hjdesk.services.acct.views import (
    AcctCaseView,
    AcctEventView,
    ContributionView,
    InputStatus,
    case_view,
    contribution_view,
)
from hjdesk.services.actions import user_action
from hjdesk.services.common import local_today, patient_or_error
from hjdesk.services.task_status import OPEN, not_closed
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    CaseloadMembership,
    Encounter,
    Staff,
    Task,
)
from hjdesk.storage.vault import OpenVault

__all__ = [
    "AcctAuditReport",
    "AcctCaseRow",
    "AcctCaseView",
    "AcctEventView",
    "AuditFlagRow",
    "CaseloadView",
    "ContributionView",
    "InputDueRow",
    "InputStatus",
    "UnsyncedContribution",
    "add_contribution",
    "add_event",
    "audit_report",
    "case_view",
    "close_case",
    "contributor_team",
    "input_due",
    "new_ha_alerts_to_tasks",
    "open_case",
    "open_cases",
    "raise_ha_alert_work",
    "record_event_held",
    "reopen_case",
    "reschedule_event",
    "set_caseload",
    "unsynced_safety_critical",
    "update_case",
]

SUMMARY_MAX = 2000


@dataclass(frozen=True, slots=True)
class CaseloadView:
    patient_id: str
    team: str
    on: bool
    started_on: date | None
    ended_on: date | None


# -- contributions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Given:
    """What the contribution form holds."""

    contribution_type: str
    team: str
    summary: str
    clinical_note_id: str | None
    planned: bool


def _contribution_problems(
    session: Session, event: AcctEvent, given: _Given, staff_team: str | None, now: datetime
) -> list[str]:
    problems: list[str] = []
    types = {t.value for t in rules.ContributionType}
    if given.contribution_type not in types:
        problems.append("Choose how healthcare contributed from the list.")
    if given.team not in {t.value for t in rules.Team}:
        problems.append("Choose the team from the list.")
    elif staff_team and given.team != staff_team:
        problems.append("Record input for your own team only.")
    counts = given.contribution_type in types and rules.counts_as_health_input(
        rules.ContributionType(given.contribution_type)
    )
    if counts and not given.planned and not given.summary.strip():
        problems.append("Write the risk-relevant summary shared with the case manager.")
    if len(given.summary) > SUMMARY_MAX:
        problems.append(
            f"Keep the summary to {SUMMARY_MAX} characters: share what is risk-relevant and "
            "link the full note."
        )
    if given.planned and event.held_at is not None:
        problems.append("This review has been held: record the input given, not planned input.")
    if given.contribution_type in types and rules.attendance_given_too_early(
        rules.ContributionType(given.contribution_type),
        planned=given.planned,
        scheduled_at=event.scheduled_at,
        held_at=event.held_at,
        now=now,
    ):
        problems.append(
            "This review has not taken place yet: record the attendance as planned now, and as "
            "given once the review is held."
        )
    if given.clinical_note_id is not None:
        note = session.get(Encounter, given.clinical_note_id)
        if note is None or note.patient_id != event.patient_id:
            problems.append("The linked clinical note is not this patient's.")
    return problems


def _view(c: AcctContribution) -> ContributionView:
    """A contribution just signed here: by definition not at the hub yet."""
    return contribution_view(c, {c.id})


def _signed_row(event: AcctEvent, given: _Given, staff_id: str, at: datetime) -> AcctContribution:
    return AcctContribution(
        event_id=event.id,
        case_id=event.case_id,
        patient_id=event.patient_id,
        contributor_id=staff_id,
        team=given.team,
        contribution_type=given.contribution_type,
        summary=given.summary.strip(),
        clinical_note_id=given.clinical_note_id,
        planned=given.planned,
        needed_by=rules.needed_by(event.scheduled_at) if event.scheduled_at else None,
        signed_at=at,
        signed_by=staff_id,
    )


def add_contribution(
    vault: OpenVault,
    event_id: str,
    *,
    contribution_type: str,
    team: str,
    summary: str,
    clinical_note_id: str | None = None,
    planned: bool = False,
    now: datetime | None = None,
) -> ContributionView:
    """Healthcare's signed input to one ACCT event; safety-critical until the office has it."""
    given = _Given(contribution_type, team, summary, clinical_note_id, planned)
    with user_action(vault, "acct_contribution_added", now=now) as act:
        event = act.get(AcctEvent, event_id, "ACCT event")
        case = act.get(AcctCase, event.case_id, "ACCT")
        if case.status == rules.AcctStatus.CLOSED and (event.held_at is None or given.planned):
            raise InvalidInput(
                "This ACCT is closed: input can only be written up for a review already held "
                "(reopen it to plan input)."
            )
        staff = act.session.get(Staff, act.staff_id)
        own_team = staff.team if staff else None
        act.problems += _contribution_problems(act.session, event, given, own_team, act.now)
        act.check()
        row = _signed_row(event, given, act.staff_id, act.now)
        act.session.add(row)
        act.session.flush()
        detail = {
            "case_id": case.id,
            "event_id": event.id,
            "contribution_id": row.id,
            "type": contribution_type,
            "team": team,
            "planned": planned,
        }
        act.audit(patient_id=case.patient_id, detail=detail)
        return _view(row)


def contributor_team(vault: OpenVault) -> str | None:
    """The team the signed-in clinician records input for (None: staff without a team may
    choose), so the form can offer the one choice the rule above accepts."""
    staff_id = vault.actor.staff_id
    if staff_id is None:
        return None
    with vault.session() as session:
        staff = session.get(Staff, staff_id)
        return staff.team if staff is not None else None


# -- caseload --------------------------------------------------------------------------------


def set_caseload(
    vault: OpenVault, patient_id: str, team: str, on: bool, *, today: date | None = None
) -> CaseloadView:
    """Put a patient on (or take them off) a team's caseload, e.g. MH in-reach."""
    with user_action(vault, "caseload_changed") as act:
        if team not in {t.value for t in rules.Team}:
            raise InvalidInput("Choose the team from the list.")
        day = today or local_today(act.now)
        patient_or_error(act.session, patient_id)
        current = act.session.scalar(
            select(CaseloadMembership).where(
                CaseloadMembership.patient_id == patient_id,
                CaseloadMembership.team == team,
                CaseloadMembership.ended_on.is_(None),
            )
        )
        changed = (current is None) == on
        if on and current is None:
            current = CaseloadMembership(
                patient_id=patient_id, team=team, started_on=day, lead_id=act.staff_id
            )
            act.session.add(current)
        elif not on and current is not None:
            current.ended_on = max(day, current.started_on)
        if changed and current is not None:
            act.session.flush()
            act.audit(
                kind="caseload_joined" if on else "caseload_left",
                patient_id=patient_id,
                detail={"team": team, "membership_id": current.id},
            )
        started = current.started_on if current else None
        ended = current.ended_on if current else None
    return CaseloadView(patient_id, team, on, started, ended)


# -- HA alerts -------------------------------------------------------------------------------


def raise_ha_alert_work(session: Session, patient_ids: Iterable[str], now: datetime) -> list[str]:
    """For each patient with a new HA alert: mirror (or reopen) the case and raise one task to
    find the first review time. Runs inside the caller's transaction (e.g. the roll import)."""
    task_ids: list[str] = []
    for patient_id in dict.fromkeys(patient_ids):
        task = rules.new_ha_alert_task(patient_id, now)
        case = live_case(session, patient_id)
        if case is None:
            case = open_mirror(
                session,
                patient_id,
                opened_at=now,
                concern_summary=HA_CONCERN,
                risk_level=rules.AcctRiskLevel.RAISED.value,
                case_manager="",
                observation_plan="",
                source=rules.AcctSource.HA_ALERT.value,
            )
        elif case.status == rules.AcctStatus.POST_CLOSURE:
            reopen(session, case, now, "The prison's HA alert is active again.")
        open_task = session.scalar(
            select(Task.id).where(
                Task.patient_id == patient_id, Task.kind == task.code, not_closed()
            )
        )
        if open_task is not None:
            continue
        row = Task(
            patient_id=patient_id,
            kind=task.code,
            title=task.title,
            detail=task.detail,
            due_at=task.due_at,
            status=OPEN,
            source_id=case.id,
        )
        session.add(row)
        session.flush()
        task_ids.append(row.id)
    return task_ids


def new_ha_alerts_to_tasks(
    vault: OpenVault, patient_ids: Iterable[str], now: datetime | None = None
) -> tuple[str, ...]:
    """Raise the HA-alert work (see `raise_ha_alert_work`) in its own transaction."""
    with user_action(vault, "acct_alert_tasks", now=now) as act:
        ids = raise_ha_alert_work(act.session, patient_ids, act.now)
        act.audit(detail={"tasks": ids})
    return tuple(ids)
