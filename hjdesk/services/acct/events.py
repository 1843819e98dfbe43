"""ACCT events: schedule, move and hold them; closing and reopening a case (domain.md §6).

Use them through the package's face, `hjdesk.services.acct`. Holding the CLOSURE event closes the
case (POST_CLOSURE, post-closure review scheduled per policy); holding the POST_CLOSURE_REVIEW of a
post-closure case ends it (CLOSED). Events still pending when a case closes or reopens keep their
row but lose their scheduled time, so no warning asks for input to a review that will not happen;
the audit event names them. Only events due *after* the closure (or reopening) are cancelled: a
review already overdue keeps its time, so the gap stays on the record and in the audit as a missed
review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.services.acct.cases import (
    CLOSED,
    check_choice,
    check_editable,
    check_moment,
    live_case,
)
from hjdesk.services.acct.views import AcctCaseView, AcctEventView, build_case_view
from hjdesk.services.actions import user_action
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import AcctCase, AcctEvent
from hjdesk.storage.vault import OpenVault


def _cancel_pending(case: AcctCase, events: Iterable[AcctEvent], at: datetime) -> list[str]:
    """Pending events of a case that closed or reopened at `at`, due after it: they will not
    be held. Those due before it were missed and keep their time (clinical.acct.missed)."""
    cancelled = []
    for event in events:
        if (
            event.case_id == case.id
            and event.held_at is None
            and event.scheduled_at is not None
            and event.scheduled_at > at
        ):
            event.scheduled_at = None
            cancelled.append(event.id)
    return cancelled


def _case_events(session: Session, case: AcctCase) -> list[AcctEvent]:
    return list(session.scalars(select(AcctEvent).where(AcctEvent.case_id == case.id)))


def _apply_hold(session: Session, case: AcctCase, event: AcctEvent) -> list[str]:
    """What holding an event does to the case: closure and the post-closure review."""
    assert event.held_at is not None
    kind = event.event_type
    if kind is rules.AcctEventType.CLOSURE:
        others = [e for e in _case_events(session, case) if e.id != event.id]
        cancelled = _cancel_pending(case, others, event.held_at)
        due = rules.post_closure_review_due(event.held_at)
        case.status = rules.AcctStatus.POST_CLOSURE
        case.closed_at = event.held_at
        case.post_closure_review_due = due.astimezone(CLINIC_ZONE).date()
        session.add(
            AcctEvent(
                case_id=case.id,
                patient_id=case.patient_id,
                event_type=rules.AcctEventType.POST_CLOSURE_REVIEW,
                scheduled_at=due,
            )
        )
        return cancelled
    if (
        kind is rules.AcctEventType.POST_CLOSURE_REVIEW
        and case.status == rules.AcctStatus.POST_CLOSURE
    ):
        case.status = CLOSED
    return []


def _hold(
    session: Session, case: AcctCase, event: AcctEvent, held_at: datetime, chair: str
) -> list[str]:
    event.held_at = held_at
    event.chair = chair.strip()
    session.flush()
    cancelled = _apply_hold(session, case, event)
    session.flush()
    return cancelled


def _event_allowed(case: AcctCase, event_type: str) -> str | None:
    """Why this event cannot be added to the case now, or None."""
    kind = rules.AcctEventType(event_type)
    if kind is rules.AcctEventType.REOPEN:
        return "Use 'reopen' to reopen an ACCT."
    if case.status == rules.AcctStatus.POST_CLOSURE:
        if kind is not rules.AcctEventType.POST_CLOSURE_REVIEW:
            return "This ACCT is in post-closure: reopen it to add a review."
    elif kind is rules.AcctEventType.POST_CLOSURE_REVIEW:
        return "A post-closure review follows a closure: this ACCT is still open."
    return None


def _event_view(session: Session, case_id: str, event_id: str, now: datetime) -> AcctEventView:
    view = build_case_view(session, case_id, now)
    return next(e for e in view.events if e.id == event_id)


def add_event(
    vault: OpenVault,
    case_id: str,
    event_type: str,
    *,
    scheduled_at: datetime | None,
    chair: str = "",
    now: datetime | None = None,
) -> AcctEventView:
    """Schedule an event (a case review, …); `scheduled_at` None means the time is not known."""
    with user_action(vault, "acct_event_added", now=now) as act:
        check_choice(event_type, rules.AcctEventType, "kind of ACCT event", act.problems)
        if scheduled_at is not None and scheduled_at.utcoffset() is None:
            act.problems.append("The scheduled time needs a time zone.")
        act.check()
        case = act.get(AcctCase, case_id, "ACCT")
        check_editable(case)
        refusal = _event_allowed(case, event_type)
        if refusal:
            raise InvalidInput(refusal)
        event = AcctEvent(
            case_id=case.id,
            patient_id=case.patient_id,
            event_type=event_type,
            scheduled_at=scheduled_at,
            chair=chair.strip(),
        )
        act.session.add(event)
        act.session.flush()
        act.audit(
            patient_id=case.patient_id,
            detail={"case_id": case.id, "event_id": event.id, "event_type": event_type},
        )
        return _event_view(act.session, case.id, event.id, act.now)


def reschedule_event(
    vault: OpenVault,
    event_id: str,
    *,
    scheduled_at: datetime,
    base_rev: int,
    now: datetime | None = None,
) -> AcctEventView:
    """Move an event not yet held (e.g. once the case manager gives the first review time)."""
    with user_action(vault, "acct_event_rescheduled", now=now) as act:
        if scheduled_at.utcoffset() is None:
            raise InvalidInput("The scheduled time needs a time zone.")
        event = act.get(AcctEvent, event_id, "ACCT event", base_rev=base_rev)
        case = act.get(AcctCase, event.case_id, "ACCT")
        check_editable(case)
        if event.held_at is not None:
            raise InvalidInput("This event has been held: it cannot be moved.")
        event.scheduled_at = scheduled_at
        act.audit(patient_id=case.patient_id, detail={"case_id": case.id, "event_id": event.id})
        return _event_view(act.session, case.id, event.id, act.now)


def record_event_held(
    vault: OpenVault,
    event_id: str,
    *,
    held_at: datetime,
    chair: str,
    base_rev: int | None = None,
    now: datetime | None = None,
) -> AcctCaseView:
    """Record that an event took place; holding a closure or post-closure review moves the case
    on (see the module decisions)."""
    with user_action(vault, "acct_event_held", now=now) as act:
        event = act.get(AcctEvent, event_id, "ACCT event", base_rev=base_rev)
        case = act.get(AcctCase, event.case_id, "ACCT")
        check_editable(case)
        if event.held_at is not None:
            act.problems.append("This event is already recorded as held.")
        check_moment(held_at, "time the event was held", act.now, act.problems)
        if event.event_type in rules.REVIEW_EVENT_TYPES and not chair.strip():
            act.problems.append("Name who chaired the review.")
        act.check()
        cancelled = _hold(act.session, case, event, held_at, chair)
        act.audit(
            patient_id=case.patient_id,
            detail={
                "case_id": case.id,
                "event_id": event.id,
                "event_type": event.event_type,
                "status": case.status,
                "cancelled_events": cancelled,
            },
        )
        return build_case_view(act.session, case.id, act.now)


def close_case(
    vault: OpenVault,
    case_id: str,
    *,
    held_at: datetime,
    chair: str,
    base_rev: int | None = None,
    now: datetime | None = None,
) -> AcctCaseView:
    """A case review decided to close the ACCT: hold the closure (the scheduled one if any)."""
    with user_action(vault, "acct_closed", now=now) as act:
        check_moment(held_at, "time of the closure review", act.now, act.problems)
        if not chair.strip():
            act.problems.append("Name who chaired the closure review.")
        act.check()
        case = act.get(AcctCase, case_id, "ACCT", base_rev=base_rev)
        if case.status != rules.AcctStatus.OPEN:
            raise InvalidInput("Only an open ACCT can be closed.")
        closure = next(
            (
                e
                for e in _case_events(act.session, case)
                if e.event_type == rules.AcctEventType.CLOSURE and e.held_at is None
            ),
            None,
        )
        if closure is None:
            closure = AcctEvent(
                case_id=case.id,
                patient_id=case.patient_id,
                event_type=rules.AcctEventType.CLOSURE,
                scheduled_at=held_at,
            )
            act.session.add(closure)
        cancelled = _hold(act.session, case, closure, held_at, chair)
        act.audit(
            patient_id=case.patient_id,
            detail={"case_id": case.id, "event_id": closure.id, "cancelled_events": cancelled},
        )
        return build_case_view(act.session, case.id, act.now)


def reopen(session: Session, case: AcctCase, reopened_at: datetime, reason: str) -> list[str]:
    """Back to OPEN with a held REOPEN event; the reason joins the concern summary."""
    cancelled = _cancel_pending(case, _case_events(session, case), reopened_at)
    case.status = rules.AcctStatus.OPEN
    case.closed_at = None
    case.post_closure_review_due = None
    stamp = reopened_at.astimezone(CLINIC_ZONE).strftime("%d/%m/%Y")
    case.concern_summary = f"{case.concern_summary}\n\nReopened {stamp}: {reason.strip()}".strip()
    session.add(
        AcctEvent(
            case_id=case.id,
            patient_id=case.patient_id,
            event_type=rules.AcctEventType.REOPEN,
            scheduled_at=reopened_at,
            held_at=reopened_at,
        )
    )
    session.flush()
    return cancelled


def close_superseded(
    session: Session, case: AcctCase, closed_at: datetime, reason: str
) -> list[str]:
    """Close a mirror that duplicated another ACCT (H-38, `clinical.acct.superseded_by`):
    CLOSED at once, with no closure review (no review decided it, so none may count in the
    audit as a closure without health input), the reason joined to the concern summary.

    Its pending events are cancelled as a closure cancels them, counted from its opening rather
    than from now: the mirror duplicated the other case from the start, so a first review of
    it whose time has passed was never a review missed."""
    cancelled = _cancel_pending(case, _case_events(session, case), case.opened_at)
    case.status = CLOSED
    case.closed_at = closed_at
    case.post_closure_review_due = None
    case.concern_summary = f"{case.concern_summary}\n\n{reason.strip()}".strip()
    session.flush()
    return cancelled


def reopen_case(
    vault: OpenVault,
    case_id: str,
    *,
    reopened_at: datetime,
    reason: str,
    base_rev: int | None = None,
    now: datetime | None = None,
) -> AcctCaseView:
    """Reopen a closed or post-closure ACCT (new concerns)."""
    with user_action(vault, "acct_reopened", now=now) as act:
        check_moment(reopened_at, "time the ACCT was reopened", act.now, act.problems)
        if not reason.strip():
            act.problems.append("Say why the ACCT was reopened.")
        act.check()
        case = act.get(AcctCase, case_id, "ACCT", base_rev=base_rev)
        if case.status == rules.AcctStatus.OPEN:
            raise InvalidInput("This ACCT is already open.")
        if live_case(act.session, case.patient_id) not in (None, case):
            raise InvalidInput("This patient has another live ACCT: add to that one.")
        cancelled = reopen(act.session, case, reopened_at, reason)
        act.audit(
            patient_id=case.patient_id,
            detail={"case_id": case.id, "cancelled_events": cancelled},
        )
        return build_case_view(act.session, case.id, act.now)
