"""Demo ACCT mirrors: an OPEN case for every HA alert, a POST_CLOSURE case for every HA1 alert,
and closed cases from earlier months (for the monthly audit), with events and health input.

Built to show every part of the health-input rules: held reviews with qualifying input, with only
"invited, unable to attend", and with none (flags, HIGH for first reviews and closures); MH
in-reach patients reviewed without their team (the MH flag); the newest case's first review due
within 24 hours with no input planned (the warning, and its "find the first review time" task);
another review within 24 hours with input planned (no warning). Case states follow the service:
a held closure means POST_CLOSURE with the review 7 days on; a held post-closure review, CLOSED.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hjdesk.clinical import acct as rules
from hjdesk.demo.context import Batch, DemoContext, DemoPatient, new_id, signed, task
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.storage.models import AcctCase, AcctContribution, AcctEvent

E, C = rules.AcctEventType, rules.ContributionType
GIVEN = {
    C.ATTENDED_IN_PERSON: 40,
    C.WRITTEN_CONTRIBUTION: 25,
    C.INFORMATION_SHARED_TO_CASE_MANAGER: 20,
    C.ATTENDED_REMOTE: 10,
    C.HEALTHCARE_ASSESSOR: 5,
}
CONCERNS = (
    "Found with a ligature in cell; staff intervened",
    "Told his officer he wanted to end his life after bad news from home",
    "Self-harm (cuts to arms) disclosed at a wing clinic",
    "Low mood and not eating since his sentence was confirmed",
    "Concern raised by family on a social visit",
)
PLANS = (
    "Conversations: 2 a day. Observations: 1 an hour day and night.",
    "Conversations: 3 a day. Observations: 2 an hour at night.",
    "Conversations: 1 a day. Observations: 5 a day, 1 an hour at night.",
)
MANAGERS = ("SO Patel", "SO Campbell", "SO Wright", "SO Adeyemi", "CM Lewis")
SUMMARIES = (
    "Engaging with MH in-reach; no current plans to self-harm; sleep poor.",
    "Seen on the wing: low mood, protective factors family contact; supports current obs level.",
    "Physical health stable; medicines reviewed; no self-harm injuries needing treatment.",
)


class _Case:
    def __init__(
        self,
        ctx: DemoContext,
        rng: random.Random,
        batch: Batch,
        p: DemoPatient,
        opened: datetime,
        status: rules.AcctStatus,
    ) -> None:
        self.ctx, self.rng, self.batch, self.p = ctx, rng, batch, p
        self.case = AcctCase(
            id=new_id(),
            patient_id=p.id,
            opened_at=opened,
            concern_summary=rng.choice(CONCERNS),
            status=status,
            case_manager=rng.choice(MANAGERS),
            risk_level=rng.choices(list(rules.AcctRiskLevel), weights=[30, 55, 15])[0],
            observation_plan=rng.choice(PLANS),
            source=rules.AcctSource.HA_ALERT if rng.random() < 0.7 else rules.AcctSource.MANUAL,
            author_id=ctx.staff["nurse"],
        )
        batch.add(0, self.case)

    def event(
        self, kind: rules.AcctEventType, scheduled: datetime, held: datetime | None = None
    ) -> AcctEvent:
        reviewed = held is not None and kind in rules.REVIEW_EVENT_TYPES
        chair = self.case.case_manager if reviewed else ""
        event = AcctEvent(
            id=new_id(),
            case_id=self.case.id,
            patient_id=self.p.id,
            event_type=kind,
            scheduled_at=scheduled,
            held_at=held,
            chair=chair,
            author_id=self.ctx.staff["nurse"],
        )
        self.batch.add(1, event)
        return event

    def contribute(self, event: AcctEvent, how: str) -> None:
        """`how`: given, unable (does not count), planned, or none."""
        if how == "none":
            return
        mh = self.p.id in self.ctx.mh and self.rng.random() < 0.6
        who = "mhnurse" if mh else ("gp" if self.rng.random() < 0.2 else "nurse")
        kind = {"unable": C.INVITED_UNABLE_TO_ATTEND, "planned": C.ATTENDED_IN_PERSON}.get(
            how, self.rng.choices(list(GIVEN), weights=list(GIVEN.values()))[0]
        )
        if how == "planned" or event.held_at is None:
            when = self.ctx.now - timedelta(hours=self.rng.randint(1, 4))
        elif kind is C.WRITTEN_CONTRIBUTION:
            when = event.held_at - timedelta(hours=2)
        else:
            when = min(self.ctx.now, event.held_at + timedelta(minutes=self.rng.randint(20, 180)))
        assert event.scheduled_at is not None
        self.batch.add(
            2,
            AcctContribution(
                event_id=event.id,
                case_id=self.case.id,
                patient_id=self.p.id,
                contributor_id=self.ctx.staff[who],
                team="MH_IN_REACH" if mh else "PRIMARY_CARE",
                contribution_type=kind,
                planned=how == "planned",
                summary="" if how == "unable" else self.rng.choice(SUMMARIES),
                needed_by=rules.needed_by(event.scheduled_at),
                **signed(when, self.ctx.staff[who]),
            ),
        )

    def review(self, kind: rules.AcctEventType, at: datetime, how: str | None = None) -> AcctEvent:
        held = at + timedelta(minutes=self.rng.randint(0, 40))
        event = self.event(kind, at, held if held <= self.ctx.now else None)
        if how is None:
            how = self.rng.choices(["given", "unable", "none"], weights=[65, 15, 20])[0]
        self.contribute(event, how if event.held_at is not None else "none")
        return event

    def opening(self, first_review: str | None = None) -> datetime:
        """The first day's events; returns the time of the first case review."""
        opened = self.case.opened_at
        self.event(E.CONCERN_AND_KEEP_SAFE, opened, opened)
        self.event(
            E.IMMEDIATE_ACTION_PLAN, opened + timedelta(hours=1), opened + timedelta(hours=1)
        )
        interview = opened + timedelta(hours=18)
        if interview <= self.ctx.now:
            self.event(E.ASSESSMENT_INTERVIEW, interview, interview)
        first = rules.first_case_review_due(opened) - timedelta(hours=2)
        if first > self.ctx.now:
            first = rules.first_case_review_due(opened)
            self.event(E.CASE_REVIEW_FIRST, first)  # pending: the 24-hour warning
        else:
            self.review(E.CASE_REVIEW_FIRST, first, first_review)
        return first

    def weekly(self, start: datetime, until: datetime) -> datetime:
        """Case reviews every 7 days after `start` while before `until`; returns the last."""
        at = start + timedelta(days=7)
        while at + timedelta(hours=1) < until:
            self.review(E.CASE_REVIEW, at)
            start, at = at, at + timedelta(days=7)
        return start

    def close(self, closed: datetime) -> None:
        self.review(E.CLOSURE, closed, self.rng.choices(["given", "none"], weights=[60, 40])[0])
        due = rules.post_closure_review_due(closed)
        self.case.closed_at = closed
        self.case.post_closure_review_due = due.astimezone(CLINIC_ZONE).date()
        if due + timedelta(hours=1) < self.ctx.now:
            self.review(E.POST_CLOSURE_REVIEW, due)
            self.case.status = rules.AcctStatus.CLOSED
        else:
            self.event(E.POST_CLOSURE_REVIEW, due)


def _open_case(ctx: DemoContext, rng: random.Random, batch: Batch, p: DemoPatient, n: int) -> None:
    now = ctx.now
    ages = {0: timedelta(hours=5), 1: timedelta(days=2, hours=3)}
    opened = now - ages.get(n, timedelta(days=rng.randint(3, 35), hours=rng.randint(0, 10)))
    case = _Case(ctx, rng, batch, p, opened, rules.AcctStatus.OPEN)
    first = case.opening("given" if n == 1 else "none" if n == 2 else None)
    if n == 0:
        case.case.source = rules.AcctSource.HA_ALERT
        alert = rules.new_ha_alert_task(p.id, opened)
        batch.add(
            1,
            task(
                p.id,
                alert.code,
                alert.title,
                alert.detail,
                due_at=alert.due_at,
                open_=True,
                source_id=case.case.id,
                author_id=ctx.staff["nurse"],
            ),
        )
        return
    last = case.weekly(first, now)
    upcoming = now + timedelta(hours=6) if n == 1 else now + timedelta(hours=rng.randint(30, 150))
    event = case.event(E.CASE_REVIEW, max(upcoming, last + timedelta(hours=1)))
    if n == 1:
        case.contribute(event, "planned")


def _ended_case(
    ctx: DemoContext,
    rng: random.Random,
    batch: Batch,
    p: DemoPatient,
    opened: datetime,
    closed: datetime,
) -> None:
    case = _Case(ctx, rng, batch, p, opened, rules.AcctStatus.POST_CLOSURE)
    first = case.opening()
    case.weekly(first, closed - timedelta(days=1))
    case.close(closed)


def acct_history(ctx: DemoContext) -> Batch:
    rng, batch = ctx.rng(60), Batch()
    now = ctx.now
    for n, p in enumerate(q for q in ctx.patients if "HA" in q.alerts):
        _open_case(ctx, rng, batch, p, n)
    for p in (q for q in ctx.patients if "HA1" in q.alerts and "HA" not in q.alerts):
        closed = now - timedelta(days=rng.randint(1, 5), hours=rng.randint(1, 8))
        _ended_case(ctx, rng, batch, p, closed - timedelta(days=rng.randint(15, 50)), closed)
    others = [p for p in ctx.patients if not p.alerts & {"HA", "HA1"}]
    for p in rng.sample(others, min(len(others), max(1, round(0.006 * len(ctx.patients))))):
        closed = now - timedelta(days=rng.randint(30, 170), hours=rng.randint(1, 8))
        _ended_case(ctx, rng, batch, p, closed - timedelta(days=rng.randint(9, 40)), closed)
    return batch
