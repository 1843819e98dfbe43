"""ACCT mirror writes: open and update a case, and the checks every ACCT write shares.

Use them through `hjdesk.services.acct`, which also holds health contributions and re-exports
the read models.

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.services.acct_views import (
    LIVE_STATUSES,
    AcctCaseView,
    build_case_view,
)
from hjdesk.services.common import get_or_error, patient_or_error, utc_now
from hjdesk.services.permissions import ALL_ROLES, require_role
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import AcctCase, AcctEvent
from hjdesk.storage.vault import OpenVault

MIRROR_EDITORS = ALL_ROLES
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


def fail(problems: list[str]) -> None:
    if problems:
        raise InvalidInput(" ".join(problems))


def check_rev(record: AcctCase | AcctEvent, base_rev: int | None, what: str) -> None:
    """Optimistic concurrency: an edit based on an old revision is refused, never merged."""
    if base_rev is not None and record.rev != base_rev:
        raise InvalidInput(
            f"This {what} was changed elsewhere since you opened it, so nothing was saved. "
            "Open it again to see the change, then make yours."
        )


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


def open_case(
    vault: OpenVault,
    patient_id: str,
    *,
    opened_at: datetime,
    concern_summary: str,
    risk_level: str,
    case_manager: str = "",
    observation_plan: str = "",
    source: str = rules.AcctSource.MANUAL.value,
    now: datetime | None = None,
) -> AcctCaseView:
    """Mirror an ACCT the prison opened; the first case review is pencilled in at 24 hours."""
    require_role(vault.actor, MIRROR_EDITORS, "record ACCTs")
    moment = now or utc_now()
    problems: list[str] = []
    check_moment(opened_at, "time the ACCT was opened", moment, problems)
    if not concern_summary.strip():
        problems.append("Give a short summary of the concern.")
    check_choice(risk_level, rules.AcctRiskLevel, "risk level", problems)
    check_choice(source, rules.AcctSource, "source", problems)
    fail(problems)
    with vault.transaction() as session:
        patient_or_error(session, patient_id)
        case = open_mirror(
            session,
            patient_id,
            opened_at=opened_at,
            concern_summary=concern_summary,
            risk_level=risk_level,
            case_manager=case_manager,
            observation_plan=observation_plan,
            source=source,
        )
        vault.audit(
            "acct_opened",
            patient_id=patient_id,
            detail={"case_id": case.id, "source": source, "risk_level": risk_level},
            session=session,
        )
        return build_case_view(session, case.id, moment)


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
    require_role(vault.actor, MIRROR_EDITORS, "record ACCTs")
    problems: list[str] = []
    if concern_summary is not None and not concern_summary.strip():
        problems.append("The concern summary cannot be blank.")
    if risk_level is not None:
        check_choice(risk_level, rules.AcctRiskLevel, "risk level", problems)
    fail(problems)
    with vault.transaction() as session:
        case = get_or_error(session, AcctCase, case_id, "ACCT")
        check_rev(case, base_rev, "ACCT")
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
        vault.audit(
            "acct_updated",
            patient_id=case.patient_id,
            detail={"case_id": case.id, "fields": changed},
            session=session,
        )
        return build_case_view(session, case.id, now or utc_now())
