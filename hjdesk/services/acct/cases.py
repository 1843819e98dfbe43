"""ACCT mirror writes: open and update a case, and the checks every ACCT write shares.

Use them through the package's face, `hjdesk.services.acct`; health contributions are in
`health_input`, the read models in `views`.

Decisions (ours, where domain.md is silent):
- Admin staff may keep the mirror up to date (open, schedule, record held, close, reopen), as
  may every clinical role; contributing health input is for registered clinicians (`acct`).
- One live (open or post-closure) ACCT per patient: new concerns go on it, or reopen it.
- Edits carry the revision they were based on; a stale one is refused, never merged.
- Opening schedules the first case review at the latest time allowed (24 hours after opening);
  `reschedule_event` moves it once the case manager gives the real time.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Required, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.services.acct.views import (
    LIVE_STATUSES,
    AcctCaseView,
    build_case_view,
)
from hjdesk.services.actions import user_action
from hjdesk.services.common import patient_or_error
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import AcctCase, AcctEvent
from hjdesk.storage.vault import OpenVault

HA_CONCERN = (
    "Opened from the prison's HA alert: ask the case manager for the concern, the risk level "
    "and the first case review time."
)
CLOSED = rules.AcctStatus.CLOSED


# -- checks ----------------------------------------------------------------------------------


def check_moment(value: datetime | None, what: str, now: datetime, problems: list[str]) -> None:
    """A time a person entered: present, with a time zone, and not in the future."""
    if value is None:
        problems.append(f"Give the {what}.")
    elif value.tzinfo is None or value.utcoffset() is None:
        problems.append(f"The {what} needs a time zone.")
    elif value > now:
        problems.append(f"The {what} cannot be in the future.")


def check_choice(value: str, allowed: type[enum.StrEnum], what: str, problems: list[str]) -> None:
    if value not in {member.value for member in allowed}:
        problems.append(f"Choose a {what} from the list.")


def check_editable(case: AcctCase) -> None:
    if case.status == CLOSED:
        raise InvalidInput("This ACCT is closed: reopen it to change it.")


def live_case(session: Session, patient_id: str) -> AcctCase | None:
    return session.scalar(
        select(AcctCase)
        .where(AcctCase.patient_id == patient_id, AcctCase.status.in_(LIVE_STATUSES))
        .order_by(AcctCase.opened_at.desc())
        .limit(1)
    )


# -- cases -----------------------------------------------------------------------------------


def open_mirror(
    session: Session,
    patient_id: str,
    *,
    opened_at: datetime,
    concern_summary: str,
    risk_level: str,
    case_manager: str,
    observation_plan: str,
    source: str,
) -> AcctCase:
    if live_case(session, patient_id) is not None:
        raise InvalidInput(
            "This patient already has an open (or post-closure) ACCT: add to that one."
        )
    case = AcctCase(
        patient_id=patient_id,
        opened_at=opened_at,
        concern_summary=concern_summary.strip(),
        status=rules.AcctStatus.OPEN,
        risk_level=risk_level,
        case_manager=case_manager.strip(),
        observation_plan=observation_plan.strip(),
        source=source,
    )
    session.add(case)
    session.flush()
    session.add(
        AcctEvent(
            case_id=case.id,
            patient_id=patient_id,
            event_type=rules.AcctEventType.CASE_REVIEW_FIRST,
            scheduled_at=rules.first_case_review_due(opened_at),
        )
    )
    session.flush()
    return case


class AcctOpening(TypedDict, total=False):
    """What the prison's ACCT says at opening; the case manager and plan may follow later."""

    opened_at: Required[datetime]
    concern_summary: Required[str]
    risk_level: Required[str]
    case_manager: str
    observation_plan: str
    source: str


def open_case(
    vault: OpenVault,
    patient_id: str,
    *,
    now: datetime | None = None,
    **opening: Unpack[AcctOpening],
) -> AcctCaseView:
    """Mirror an ACCT the prison opened; the first case review is pencilled in at 24 hours."""
    opened_at, concern_summary = opening["opened_at"], opening["concern_summary"]
    risk_level = opening["risk_level"]
    source = opening.get("source", rules.AcctSource.MANUAL.value)
    with user_action(vault, "acct_opened", now=now) as act:
        check_moment(opened_at, "time the ACCT was opened", act.now, act.problems)
        if not concern_summary.strip():
            act.problems.append("Give a short summary of the concern.")
        check_choice(risk_level, rules.AcctRiskLevel, "risk level", act.problems)
        check_choice(source, rules.AcctSource, "source", act.problems)
        act.check()
        patient_or_error(act.session, patient_id)
        case = open_mirror(
            act.session,
            patient_id,
            opened_at=opened_at,
            concern_summary=concern_summary,
            risk_level=risk_level,
            case_manager=opening.get("case_manager", ""),
            observation_plan=opening.get("observation_plan", ""),
            source=source,
        )
        act.audit(
            patient_id=patient_id,
            detail={"case_id": case.id, "source": source, "risk_level": risk_level},
        )
        return build_case_view(act.session, case.id, act.now)


def update_case(
    vault: OpenVault,
    case_id: str,
    *,
    base_rev: int,
    concern_summary: str | None = None,
    risk_level: str | None = None,
    case_manager: str | None = None,
    observation_plan: str | None = None,
    now: datetime | None = None,
) -> AcctCaseView:
    """Change the mirror's details; refused if someone changed the case since `base_rev`."""
    with user_action(vault, "acct_updated", now=now) as act:
        if concern_summary is not None and not concern_summary.strip():
            act.problems.append("The concern summary cannot be blank.")
        if risk_level is not None:
            check_choice(risk_level, rules.AcctRiskLevel, "risk level", act.problems)
        act.check()
        case = act.get(AcctCase, case_id, "ACCT", base_rev=base_rev)
        check_editable(case)
        changes = {
            "concern_summary": concern_summary.strip() if concern_summary is not None else None,
            "risk_level": risk_level,
            "case_manager": case_manager.strip() if case_manager is not None else None,
            "observation_plan": observation_plan.strip() if observation_plan is not None else None,
        }
        changed = [k for k, v in changes.items() if v is not None and getattr(case, k) != v]
        for name in changed:
            setattr(case, name, changes[name])
        act.audit(patient_id=case.patient_id, detail={"case_id": case.id, "fields": changed})
        return build_case_view(act.session, case.id, act.now)
