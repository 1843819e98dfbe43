"""An arrival's HA-alert ACCT gives way to the ACCT that travelled with the person (hazard H-38).

The next prison's roll gives an arriving person the HA alert before their history reaches its
laptops, so the roll import mirrors an ACCT (`health_input.raise_ha_alert_work`). When the history
then brings the ACCT still open at the previous prison, the person has two live cases. After every
pull, the laptop that mirrored the case closes it as superseded when the rule allows
(`clinical.acct.superseded_by`: nobody used it, and an OPEN case opened before it exists), points
its "find the first review time" task at the case that continues, and audits both ids. The
closure goes through the outbox like any write, so the prison's other laptops see one live case
at their next pull.

Decisions (ours):
- Only the laptop that created the mirror closes it (its `origin_device`), and only a mirror no
  one has changed (its revision and its first review's are still the ones it was created with):
  one writer, so two laptops never write the same row and no conflict can arise from this.
- The task stays open and now opens the travelling case: the receiving prison still holds a case
  review for a person who arrives on an ACCT, and health input to it has to be arranged. Only
  tasks this laptop raised are re-pointed, for the same one-writer reason; another laptop's task
  still opens the closed mirror, whose summary says which case continues.
- Cheap when there is nothing to do (every sync): one indexed query over the live cases (the
  status index; a few thousand rows at 100,000 patients), each probed by patient for an earlier
  open case; nothing is written or audited unless a mirror closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from hjdesk.clinical import acct as rules
from hjdesk.services.acct.events import close_superseded
from hjdesk.services.acct.views import LIVE_STATUSES
from hjdesk.services.actions import user_action
from hjdesk.services.common import clinic_time
from hjdesk.services.task_status import not_closed
from hjdesk.storage.models import AcctCase, AcctContribution, AcctEvent, Task
from hjdesk.storage.vault import OpenVault

CREATED_REV = 1  # the revision a row is created with (storage.outbox stamps it)


@dataclass(frozen=True, slots=True)
class Superseded:
    """A mirror closed because the person arrived with another open ACCT."""

    mirror_id: str
    continuing_id: str
    patient_id: str
    cancelled_events: tuple[str, ...]
    task_ids: tuple[str, ...]


def _day(moment: datetime) -> str:
    return clinic_time(moment).strftime("%d/%m/%Y")


def superseded_reason(closed_at: datetime, continuing_opened_at: datetime) -> str:
    """What the closed mirror says, in plain words, about why it closed."""
    return (
        f"Closed on arrival {_day(closed_at)}: the person arrived with an open ACCT (opened "
        f"{_day(continuing_opened_at)}), which continues here. This case was opened from the "
        "prison's HA alert before their history reached this prison, and nothing was recorded "
        "on it."
    )


def _candidates(session: Session, device_id: str) -> list[AcctCase]:
    """Live HA-alert mirrors this laptop created and nobody changed, whose person has an open
    case opened before them: the only cases `superseded_by` could close."""
    other = aliased(AcctCase)
    earlier_open = exists().where(
        other.patient_id == AcctCase.patient_id,
        other.id != AcctCase.id,
        other.status == rules.AcctStatus.OPEN,
        other.opened_at < AcctCase.opened_at,
    )
    return list(
        session.scalars(
            select(AcctCase)
            .where(
                AcctCase.status.in_(LIVE_STATUSES),
                AcctCase.source == rules.AcctSource.HA_ALERT,
                AcctCase.origin_device == device_id,
                AcctCase.rev == CREATED_REV,
                earlier_open,
            )
            .order_by(AcctCase.opened_at, AcctCase.id)
        )
    )


def _facts(session: Session, case: AcctCase, *, with_use: bool) -> rules.CaseFacts:
    """The case as the rule weighs it; `with_use` also loads its events and contributions."""
    if not with_use:
        return rules.CaseFacts(
            case.id, rules.AcctStatus(case.status), case.opened_at, rules.AcctSource(case.source)
        )
    events = list(session.scalars(select(AcctEvent).where(AcctEvent.case_id == case.id)))
    given = session.scalar(
        select(func.count())
        .select_from(AcctContribution)
        .where(AcctContribution.case_id == case.id)
    )
    return rules.CaseFacts(
        id=case.id,
        status=rules.AcctStatus(case.status),
        opened_at=case.opened_at,
        source=rules.AcctSource(case.source),
        edited=case.rev != CREATED_REV or any(e.rev != CREATED_REV for e in events),
        events=tuple(
            rules.AcctEvent(e.id, rules.AcctEventType(e.event_type), e.scheduled_at, e.held_at)
            for e in events
        ),
        contributions=given or 0,
    )


def _continuing(session: Session, mirror: AcctCase) -> AcctCase | None:
    """The case `mirror` gives way to, or None when the rule keeps it."""
    others = session.scalars(
        select(AcctCase).where(
            AcctCase.patient_id == mirror.patient_id,
            AcctCase.id != mirror.id,
            AcctCase.status.in_(LIVE_STATUSES),
        )
    ).all()
    chosen = rules.superseded_by(
        _facts(session, mirror, with_use=True),
        (_facts(session, case, with_use=False) for case in others),
    )
    return None if chosen is None else next(c for c in others if c.id == chosen.id)


def _repoint_tasks(
    session: Session, device_id: str, mirror: AcctCase, continuing: AcctCase
) -> tuple[str, ...]:
    """This laptop's open "find the first review time" tasks for the mirror now open the case
    that continues, and say why."""
    tasks = session.scalars(
        select(Task).where(
            Task.patient_id == mirror.patient_id,
            Task.kind == rules.FIND_FIRST_REVIEW_TASK,
            not_closed(),
            Task.source_id == mirror.id,
            Task.origin_device == device_id,
        )
    ).all()
    note = (
        f"The person arrived with an open ACCT (opened {_day(continuing.opened_at)}), which "
        "continues here: ask its case manager when the next case review is, and arrange health "
        "input."
    )
    for task in tasks:
        task.source_id = continuing.id
        task.detail = f"{task.detail}\n{note}" if task.detail else note
    return tuple(task.id for task in tasks)


def supersede_arrival_mirrors(session: Session, device_id: str, now: datetime) -> list[Superseded]:
    """Close, in the caller's transaction, every mirror of `device_id` that an earlier open
    ACCT supersedes (see the module docstring); what was closed, for the caller to audit."""
    done: list[Superseded] = []
    for mirror in _candidates(session, device_id):
        continuing = _continuing(session, mirror)
        if continuing is None:
            continue
        reason = superseded_reason(now, continuing.opened_at)
        cancelled = close_superseded(session, mirror, now, reason)
        tasks = _repoint_tasks(session, device_id, mirror, continuing)
        session.flush()
        done.append(
            Superseded(mirror.id, continuing.id, mirror.patient_id, tuple(cancelled), tasks)
        )
    return done


def settle_arrival_mirrors(vault: OpenVault, now: datetime | None = None) -> tuple[Superseded, ...]:
    """After a pull: `supersede_arrival_mirrors` for this laptop as the signed-in user's action,
    one audit event per mirror closed (kind "acct_mirror_superseded", naming both cases)."""
    with user_action(vault, "acct_mirror_superseded", now=now) as act:
        done = supersede_arrival_mirrors(act.session, vault.device_id, act.now)
        for closed in done:
            act.audit(
                patient_id=closed.patient_id,
                detail={
                    "case_id": closed.mirror_id,
                    "continuing_case_id": closed.continuing_id,
                    "cancelled_events": list(closed.cancelled_events),
                    "tasks": list(closed.task_ids),
                },
            )
    return tuple(done)
