"""ACCT read models: one case with its events, health input and flags, and the loading and
scoping helpers the ACCT lists and Today share.

The health-input rules (flags, severities, the MH in-reach variant, the 24-hour warning) live in
`hjdesk.clinical.acct`; this module only loads rows, turns them into the rule's inputs and copies
the answers into frozen dataclasses the UI can hold across threads.

Decisions (ours):
- An event's input status has four values: QUALIFYING (input given that counts), PLANNED (only
  input planned, which satisfies the 24-hour warning but never the flag), NON_QUALIFYING_ONLY
  (only "invited, unable to attend" / "not invited") and NONE.
- Health input is *late* for a review whose scheduled time has passed, that is not yet recorded as
  held, and that has no input planned or given: the 24-hour warning's next step, before the
  review is recorded and the no-health-input flag is raised. Staff see both together.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from hjdesk.clinical import acct as rules
from hjdesk.services.actions import user_action
from hjdesk.services.common import clinic_time, get_or_error, utc_now
from hjdesk.services.standing import standing
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    AcctEvent,
    CaseloadMembership,
    Establishment,
    Location,
    OutboxOp,
    Patient,
)
from hjdesk.storage.vault import OpenVault

LIVE_STATUSES = (rules.AcctStatus.OPEN, rules.AcctStatus.POST_CLOSURE)
# Viewing the mirror: everyone, including the admin staff who keep it up to date.


class InputStatus(enum.StrEnum):
    QUALIFYING = "QUALIFYING"
    PLANNED = "PLANNED"
    NON_QUALIFYING_ONLY = "NON_QUALIFYING_ONLY"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class ContributionView:
    id: str
    event_id: str
    case_id: str
    patient_id: str
    contributor_id: str
    team: str
    contribution_type: str
    counts_as_health_input: bool
    summary: str
    clinical_note_id: str | None
    planned: bool
    needed_by: datetime | None
    signed_at: datetime | None
    signed_by: str | None
    synced: bool
    signed_role: str | None = None  # the contributor's role when they signed
    # A correction: the entry it amends, why, and what that entry said (kept readable).
    amends_id: str | None = None
    amendment_reason: str | None = None
    replaced: str | None = None


@dataclass(frozen=True, slots=True)
class AcctEventView:
    id: str
    rev: int
    case_id: str
    event_type: str
    label: str
    scheduled_at: datetime | None
    held_at: datetime | None
    chair: str
    input_status: InputStatus
    contributions: tuple[ContributionView, ...]
    input_late: bool = False  # see the module decisions


@dataclass(frozen=True, slots=True)
class AcctCaseView:
    id: str
    rev: int
    patient_id: str
    opened_at: datetime
    concern_summary: str
    status: str
    risk_level: str
    risk_level_name: str
    case_manager: str
    observation_plan: str
    closed_at: datetime | None
    post_closure_review_due: date | None
    source: str
    on_mh_caseload: bool
    events: tuple[AcctEventView, ...]
    flags: tuple[rules.Flag, ...]
    warnings: tuple[rules.UpcomingWarning, ...]
    late_event_ids: tuple[str, ...] = ()
    # When the person's other live ACCTs were opened, soonest first. Two live ACCTs for one
    # person arise only through the estate (hazard H-38: a roll's HA alert mirrored a case before
    # the history brought the one that travelled with them). An unused mirror closes after the
    # pull (`arrivals`); one someone used stays, and each case says so, so input is not
    # recorded against the wrong one unnoticed.
    other_live_opened: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Who:
    """Enough about a patient to list them and open their record."""

    patient_id: str
    display_name: str
    prison_number: str
    location: str
    wing: str


@dataclass(frozen=True, slots=True)
class CaseHead:
    id: str
    patient_id: str
    status: str
    risk_level: str
    opened_at: datetime


HEAD_COLUMNS = (
    AcctCase.id,
    AcctCase.patient_id,
    AcctCase.status,
    AcctCase.risk_level,
    AcctCase.opened_at,
)


@dataclass(frozen=True, slots=True)
class LoadedCase:
    """A case with its events (as the rule sees them, in order) and the rule's answers."""

    case: CaseHead
    events: tuple[rules.AcctEvent, ...]
    on_mh_caseload: bool
    flags: tuple[rules.Flag, ...]
    warnings: tuple[rules.UpcomingWarning, ...]
    late: tuple[rules.AcctEvent, ...] = ()


def input_late(
    event: rules.AcctEvent, now: datetime, events: Sequence[rules.AcctEvent] = ()
) -> bool:
    """A review past its time, not recorded as held, with no input planned or given (and not
    missed: a review the case closed past is flagged, not waited for)."""
    # `missed` walks every event of the case, so it goes last: most events fail a cheap test first
    # (Today at 100,000 patients runs this for every event of 2,000 live cases).
    return (
        event.type in rules.REVIEW_EVENT_TYPES
        and event.held_at is None
        and event.scheduled_at is not None
        and event.scheduled_at < now
        and not event.has_contribution_planned
        and not rules.missed(event, events)
    )


def display_name(family_name: str, given_names: str) -> str:
    """As patient lists show it: `SMITH, John`."""
    return f"{family_name.upper()}, {given_names}"


def who_columns() -> tuple[Any, ...]:
    return (
        Patient.id,
        Patient.family_name,
        Patient.given_names,
        Patient.prison_number,
        Location.path,
        Location.wing,
    )


def who_from(row: Sequence[Any], offset: int = 0) -> Who:
    pid, family, given, number, path, wing = row[offset : offset + 6]
    return Who(pid, display_name(family, given), number, path or "", wing or "")


def not_an_index_key(column: Any) -> ColumnElement[Any]:
    """`+column`: the same value, which SQLite will not use as an index key (its documented way
    to steer a plan). On a join it keeps SQLite from starting at the other side, e.g. from
    everyone on the roll, probing each person for a row of a far smaller table."""
    return UnaryExpression(column.expression, operator=operators.custom_op("+"))


def scope(
    query: Select[*tuple[Any, ...]], establishment: str | None, wing: str | None
) -> Select[*tuple[Any, ...]]:
    """Join the patient's location (and establishment when filtering) onto a query that already
    selects from `Patient`; keep only the establishment and wing asked for."""
    query = query.outerjoin(Location, Patient.location_id == Location.id)
    if establishment:
        query = query.join(Establishment, Patient.establishment_id == Establishment.id).where(
            Establishment.code == establishment
        )
    if wing:
        query = query.where(Location.wing == wing)
    return query


def _event_order(event: rules.AcctEvent) -> tuple[datetime, str]:
    when = event.held_at or event.scheduled_at
    return (when or datetime.max.replace(tzinfo=UTC), event.id)


Period = tuple[date, date | None]


def mh_caseload_periods(session: Session, patient_ids: Iterable[str]) -> dict[str, list[Period]]:
    """Each patient's spells on the MH in-reach caseload (started on, ended on or None)."""
    ids = list(set(patient_ids))
    found: dict[str, list[Period]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        for pid, began, ended in session.execute(
            select(
                CaseloadMembership.patient_id,
                CaseloadMembership.started_on,
                CaseloadMembership.ended_on,
            ).where(
                CaseloadMembership.patient_id.in_(ids[start : start + 900]),
                CaseloadMembership.team == rules.Team.MH_IN_REACH,
            )
        ):
            found[pid].append((began, ended))
    return found


def on_caseload_at(periods: Sequence[Period]) -> Callable[[datetime], bool]:
    """Whether the patient was on the caseload on the (London) day of a moment: from the day
    they joined, up to but not including the day they left."""

    def at(moment: datetime) -> bool:
        day = clinic_time(moment).date()
        return any(began <= day and (ended is None or day < ended) for began, ended in periods)

    return at


def on_mh_caseload(session: Session, patient_ids: Iterable[str]) -> set[str]:
    ids = list(set(patient_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 900):
        found.update(
            session.scalars(
                select(CaseloadMembership.patient_id).where(
                    CaseloadMembership.patient_id.in_(ids[start : start + 900]),
                    CaseloadMembership.team == rules.Team.MH_IN_REACH,
                    CaseloadMembership.ended_on.is_(None),
                )
            )
        )
    return found


EventRow = tuple[str, str, datetime | None, datetime | None]  # id, type, scheduled, held


def _rows_for(
    session: Session, ids: Sequence[str], event_types: Collection[str] | None = None
) -> tuple[dict[str, list[EventRow]], dict[str, list[rules.Contribution]]]:
    """Events by case and contributions by event, as plain values (not ORM objects: lists of
    hundreds of cases stay fast). With `event_types`, only events of those types and their
    contributions."""
    events: dict[str, list[EventRow]] = defaultdict(list)
    given: dict[str, list[rules.Contribution]] = defaultdict(list)
    kept: set[str] = set()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        query = select(
            AcctEvent.case_id,
            AcctEvent.id,
            AcctEvent.event_type,
            AcctEvent.scheduled_at,
            AcctEvent.held_at,
        ).where(AcctEvent.case_id.in_(chunk))
        if event_types is not None:
            query = query.where(AcctEvent.event_type.in_(sorted(event_types)))
        for case_id, event_id, kind, scheduled, held in session.execute(query):
            events[case_id].append((event_id, kind, scheduled, held))
            kept.add(event_id)
        for event_id, given_as, team, planned in session.execute(
            select(
                AcctContribution.event_id,
                AcctContribution.contribution_type,
                AcctContribution.team,
                AcctContribution.planned,
            )
            .where(AcctContribution.case_id.in_(chunk), *standing(AcctContribution))
            .order_by(AcctContribution.signed_at, AcctContribution.id)
        ):
            if event_types is not None and event_id not in kept:
                continue
            contribution = rules.Contribution(
                rules.ContributionType(given_as), rules.Team(team), planned
            )
            given[event_id].append(contribution)
    return events, given


def load_cases(session: Session, cases: Sequence[CaseHead], now: datetime) -> list[LoadedCase]:
    """Events, contributions and rule answers for `cases`, in three queries however many."""
    events, given = _rows_for(session, [c.id for c in cases])
    mh = on_mh_caseload(session, (c.patient_id for c in cases))
    periods = mh_caseload_periods(session, (c.patient_id for c in cases))
    loaded: list[LoadedCase] = []
    for case in cases:
        rule_events = sorted(
            (
                rules.AcctEvent(
                    event_id, rules.AcctEventType(kind), scheduled, held, tuple(given[event_id])
                )
                for event_id, kind, scheduled, held in events[case.id]
            ),
            key=_event_order,
        )
        on_mh = case.patient_id in mh
        loaded.append(
            LoadedCase(
                case=case,
                events=tuple(rule_events),
                on_mh_caseload=on_mh,
                # The MH rule follows the caseload at each review's time, not today's.
                flags=tuple(
                    rules.health_input_flags(
                        rule_events, on_mh_caseload=on_caseload_at(periods[case.patient_id])
                    )
                ),
                warnings=tuple(rules.upcoming_warnings(rule_events, now)),
                late=tuple(e for e in rule_events if input_late(e, now, rule_events)),
            )
        )
    return loaded


@dataclass(frozen=True, slots=True)
class CaseInput:
    """A live case as Today lists it: its health-input flags and 24-hour warnings, and when the
    flagged events were held (None for a missed review)."""

    who: Who
    case_id: str
    flags: tuple[rules.Flag, ...]
    warnings: tuple[rules.UpcomingWarning, ...]
    held_at: Mapping[str, datetime | None]
    # The events that may warn at another moment (`rules.may_warn`), for a caller that keeps
    # the flags and asks for the warnings again later.
    may_warn: tuple[rules.AcctEvent, ...] = ()


def load_case_input(
    session: Session, cases: Sequence[tuple[Who, CaseHead]], now: datetime
) -> list[CaseInput]:
    """`load_cases`' flags and warnings, reading only what those two rules read: the events of
    `rules.FLAG_EVENT_TYPES` and their contributions, and the MH in-reach spells (not the
    current caseload, nor the late reviews, which Today does not show). At 100,000 patients a
    third of the live cases' events are concern, action-plan and interview events the rules
    pass over (docs/performance.md, "Today: fifth session"); the answers are the full
    loader's (tests/services/test_acct_today_input.py)."""
    events, given = _rows_for(session, [c.id for _, c in cases], rules.FLAG_EVENT_TYPES)
    periods = mh_caseload_periods(session, (c.patient_id for _, c in cases))
    loaded: list[CaseInput] = []
    for who, case in cases:
        rule_events = sorted(
            (
                rules.AcctEvent(
                    event_id, rules.AcctEventType(kind), scheduled, held, tuple(given[event_id])
                )
                for event_id, kind, scheduled, held in events[case.id]
            ),
            key=_event_order,
        )
        flags = rules.health_input_flags(
            rule_events, on_mh_caseload=on_caseload_at(periods[case.patient_id])
        )
        flagged = {f.event_id for f in flags}
        loaded.append(
            CaseInput(
                who=who,
                case_id=case.id,
                flags=tuple(flags),
                warnings=tuple(rules.upcoming_warnings(rule_events, now)),
                held_at={e.id: e.held_at for e in rule_events if e.id in flagged},
                may_warn=tuple(e for e in rule_events if rules.may_warn(e)),
            )
        )
    return loaded


def unacked_record_ids(session: Session, record_ids: Iterable[str]) -> set[str]:
    """Which of these records still have an outbox op the hub has not acknowledged."""
    ids = list(record_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 900):
        found.update(
            session.scalars(
                select(OutboxOp.record_id)
                .where(OutboxOp.record_id.in_(ids[start : start + 900]))
                .where(OutboxOp.acked_at.is_(None))
                .distinct()
            )
        )
    return found


def input_status(event: rules.AcctEvent) -> InputStatus:
    if event.has_health_input:
        return InputStatus.QUALIFYING
    if event.has_contribution_planned:
        return InputStatus.PLANNED
    return InputStatus.NON_QUALIFYING_ONLY if event.contributions else InputStatus.NONE


def replaced_text(c: AcctContribution) -> str:
    """What an amended contribution said, in one line (the correction shows it)."""
    kind = c.contribution_type.replace("_", " ").capitalize()
    planned = " (planned)" if c.planned else ""
    return f"{kind}{planned}: {c.summary}" if c.summary else f"{kind}{planned}"


def contribution_view(
    c: AcctContribution, unsynced: set[str], replaced: AcctContribution | None = None
) -> ContributionView:
    return ContributionView(
        id=c.id,
        event_id=c.event_id,
        case_id=c.case_id,
        patient_id=c.patient_id,
        contributor_id=c.contributor_id,
        team=c.team,
        contribution_type=c.contribution_type,
        counts_as_health_input=rules.counts_as_health_input(c.contribution_type),
        summary=c.summary,
        clinical_note_id=c.clinical_note_id,
        planned=c.planned,
        needed_by=c.needed_by,
        signed_at=c.signed_at,
        signed_by=c.signed_by,
        synced=c.id not in unsynced,
        signed_role=c.signed_role,
        amends_id=c.amends_id,
        amendment_reason=c.amendment_reason,
        replaced=replaced_text(replaced) if replaced is not None else None,
    )


def build_case_view(session: Session, case_id: str, now: datetime) -> AcctCaseView:
    case = get_or_error(session, AcctCase, case_id, "ACCT")
    head = CaseHead(case.id, case.patient_id, case.status, case.risk_level, case.opened_at)
    loaded = load_cases(session, [head], now)[0]
    late = {e.id for e in loaded.late}
    rows = {e.id: e for e in session.scalars(select(AcctEvent).where(AcctEvent.case_id == case.id))}
    contributions = session.scalars(
        select(AcctContribution)
        .where(AcctContribution.case_id == case.id, *standing(AcctContribution))
        .order_by(AcctContribution.signed_at, AcctContribution.id)
    ).all()
    unsynced = unacked_record_ids(session, (c.id for c in contributions))
    amended = [c.amends_id for c in contributions if c.amends_id]
    earlier = {
        c.id: c
        for c in (
            session.scalars(select(AcctContribution).where(AcctContribution.id.in_(amended)))
            if amended
            else ()
        )
    }
    by_event: dict[str, list[ContributionView]] = defaultdict(list)
    for c in contributions:
        by_event[c.event_id].append(contribution_view(c, unsynced, earlier.get(c.amends_id or "")))
    events = tuple(
        AcctEventView(
            id=e.id,
            rev=rows[e.id].rev,
            case_id=case.id,
            event_type=e.type.value,
            label=rules.EVENT_LABELS[e.type],
            scheduled_at=e.scheduled_at,
            held_at=e.held_at,
            chair=rows[e.id].chair,
            input_status=input_status(e),
            contributions=tuple(by_event[e.id]),
            input_late=e.id in late,
        )
        for e in loaded.events
    )
    return AcctCaseView(
        id=case.id,
        rev=case.rev,
        patient_id=case.patient_id,
        opened_at=case.opened_at,
        concern_summary=case.concern_summary,
        status=case.status,
        risk_level=case.risk_level,
        risk_level_name=rules.risk_level_name(case.risk_level),
        case_manager=case.case_manager,
        observation_plan=case.observation_plan,
        closed_at=case.closed_at,
        post_closure_review_due=case.post_closure_review_due,
        source=case.source,
        on_mh_caseload=loaded.on_mh_caseload,
        events=events,
        flags=loaded.flags,
        warnings=loaded.warnings,
        late_event_ids=tuple(e.id for e in loaded.late),
        other_live_opened=tuple(
            session.scalars(
                select(AcctCase.opened_at)
                .where(
                    AcctCase.patient_id == case.patient_id,
                    AcctCase.status.in_(LIVE_STATUSES),
                    AcctCase.id != case.id,
                )
                .order_by(AcctCase.opened_at)
            )
        ),
    )


def case_view(vault: OpenVault, case_id: str, now: datetime | None = None) -> AcctCaseView:
    """One ACCT with its events, health input, flags and 24-hour warnings (an audited view).

    `case_id` may also be the id of one of the case's events (a worklist line names the event
    needing input): the case it belongs to is shown."""
    with user_action(vault, "view_acct") as act:
        if act.session.get(AcctCase, case_id) is None:
            event = act.session.get(AcctEvent, case_id)
            case_id = event.case_id if event is not None else case_id
        view = build_case_view(act.session, case_id, now or utc_now())
        act.audit(patient_id=view.patient_id, detail={"case_id": case_id})
    return view
