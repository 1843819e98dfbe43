"""Today: the worklists a nurse opens first (architecture.md §6), in one call.

A handful of queries whatever the size of the prison (one per list, grouped in SQL); the rules
come from `hjdesk.clinical` (ACCT flags and warnings, care-plan overdue, LTC review interval,
second-stage due date, older-prisoner review due). Each list can also be worked out for a few
people only (`only`): `kept.py` keeps the lists between calls and works out again just the
people whose records changed, which is what `today_worklists` returns unless `kept=False`.

Decisions (ours, where domain.md is silent):
- Only people on the roll appear, except in "unsynced" (a record must reach the office whoever it
  is about). Filtering by wing uses the patient's current location; open tasks about nobody in
  particular appear only when no establishment or wing is chosen.
- ACCT: flags of live (open or post-closure) cases only — a closed case's gaps are history, kept in
  the health-input audit — and every 24-hour warning.
- A review counts when its encounter is signed and has not been marked entered in error.
- LTC reviews list the overdue ones. With no review recorded, the interval runs from the later of
  the condition's onset and the patient's reception (a condition found in prison, or a new arrival,
  gets a full interval); with neither date known the review is overdue now.
- Second-stage assessments list receptions in the last 8 weeks [TodayPolicy] with no assessment
  since reception, DUE up to reception + 7 days and OVERDUE after. Older receptions never
  assessed stay visible in their own "long overdue" list (hazard H-27: a gap must not drop off
  because time passed) until the assessment is done or the person leaves the roll; kept apart so
  a backlog does not bury this week's arrivals.
- Older-prisoner review: the first flag is the later of the reception date and the 50th birthday.
- Open tasks: every task not DONE or WITHDRAWN. A status this version does not know (a newer
  laptop's, arrived by sync) is shown HIGH with the status as stored, never left out (H-40).
- Severity: HIGH for overdue and safety-critical items (ACCT gaps and warnings, unsynced input
  within the sync-warning window of needed-by: `AcctPolicy.unsynced_warning_window`), MEDIUM
  for items due now, LOW for open tasks not yet due.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from hjdesk.clinical import acct as acct_rules
from hjdesk.clinical import care_plans, ltc, reception
from hjdesk.clinical.dates import add_months
from hjdesk.services.acct import (
    CaseInput,
    Who,
    live_case_input,
    not_an_index_key,
    scope,
    unsynced_contributions,
    who_columns,
    who_from,
)
from hjdesk.services.common import CLINIC_ZONE, clinic_time, utc_now
from hjdesk.services.permissions import require
from hjdesk.services.standing import standing
from hjdesk.services.task_status import KNOWN_STATUSES, not_closed, unknown_status_note
from hjdesk.storage.models import CarePlan, CarePlanReview, Condition, Encounter, Patient, Task
from hjdesk.storage.vault import OpenVault

HIGH, MEDIUM, LOW = "HIGH", "MEDIUM", "LOW"
LONG_OVERDUE_SECOND_STAGE = "Second-stage assessments long overdue (never done this stay)"
_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}


@dataclass(frozen=True, slots=True)
class TodayPolicy:
    second_stage_lookback_days: int = 56


DEFAULT_TODAY_POLICY = TodayPolicy()


@dataclass(frozen=True, slots=True)
class TodayItem:
    """One line of a worklist: what to open (`target_kind`, `target_id`), whom and what it is
    about, when it is due and how urgent. `source_id` is the row behind it (event, plan,
    condition, contribution, task)."""

    target_kind: str  # "acct_case", "care_plan", "patient", "encounter" or "task"
    target_id: str
    source_id: str
    patient_id: str | None
    patient_name: str
    prison_number: str
    location: str
    wing: str
    what: str
    due: date | None
    due_at: datetime | None
    severity: str


@dataclass(frozen=True, slots=True)
class TodayLists:
    acct: tuple[TodayItem, ...]
    care_plan_reviews: tuple[TodayItem, ...]
    ltc_reviews: tuple[TodayItem, ...]
    second_stage: tuple[TodayItem, ...]
    older_prisoner_reviews: tuple[TodayItem, ...]
    unsynced: tuple[TodayItem, ...]
    tasks: tuple[TodayItem, ...]
    second_stage_long_overdue: tuple[TodayItem, ...] = ()

    def named(self) -> tuple[tuple[str, tuple[TodayItem, ...]], ...]:
        return (
            ("ACCT events needing health input", self.acct),
            ("Overdue care-plan reviews", self.care_plan_reviews),
            ("Overdue LTC reviews", self.ltc_reviews),
            ("Second-stage assessments due", self.second_stage),
            ("Older-prisoner reviews due", self.older_prisoner_reviews),
            ("Unsynced safety-critical records", self.unsynced),
            ("Open tasks", self.tasks),
            # Last: a backlog, in view without pushing this shift's lists down.
            (LONG_OVERDUE_SECOND_STAGE, self.second_stage_long_overdue),
        )


def _item(
    who: Who | None,
    kind: str,
    target: str,
    source: str,
    what: str,
    severity: str,
    *,
    due: date | None = None,
    due_at: datetime | None = None,
) -> TodayItem:
    return TodayItem(
        target_kind=kind,
        target_id=target,
        source_id=source,
        patient_id=who.patient_id if who else None,
        patient_name=who.display_name if who else "",
        prison_number=who.prison_number if who else "",
        location=who.location if who else "",
        wing=who.wing if who else "",
        what=what,
        due=due if due is not None or due_at is None else clinic_time(due_at).date(),
        due_at=due_at,
        severity=severity,
    )


def sort_key(item: TodayItem) -> tuple[int, date, str, str, str]:
    """Where a line goes in its list: by urgency, then due date, then name. Prison number and
    source break ties (two people of the same name due the same day), so the order never
    depends on which index SQLite happened to read the rows through."""
    return (
        _RANK[item.severity],
        item.due or date.max,
        item.patient_name,
        item.prison_number,
        item.source_id,
    )


def sorted_items(items: Iterable[TodayItem]) -> tuple[TodayItem, ...]:
    return tuple(sorted(items, key=sort_key))


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else clinic_time(moment).date()


def _signed_standing(encounter: Any) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses for an (aliased) encounter that counts as a review: signed, not marked
    entered in error, and not withdrawn by an amendment marked entered in error. The amendment
    check is correlated on the amends_id index: cheaper than listing every amendment in the
    vault. (Not `services.standing.standing`: that also leaves out entries merely amended.)"""
    amendment = aliased(Encounter)
    in_error = (
        select(amendment.id)
        .where(amendment.amends_id == encounter.id, amendment.entered_in_error.is_(True))
        .exists()
    )
    return (encounter.signed_at.is_not(None), encounter.entered_in_error.is_(False), ~in_error)


def _last_signed(kind: str, patient_id: Any, condition: Any = None) -> Any:
    """Start of the latest signed, not-in-error encounter of `kind` for the patient (and LTC
    condition) of the enclosing row: a correlated subquery, one walk of the
    `ix_encounters_latest` index per row listed. Grouping every such encounter in the vault first
    cost a temporary B-tree and a table read per encounter (docs/performance.md)."""
    latest = aliased(Encounter)
    query = select(func.max(latest.started_at)).where(
        latest.kind == kind,
        latest.patient_id == patient_id,
        *_signed_standing(latest),
    )
    if condition is not None:
        query = query.where(latest.ltc_condition == condition)
    return query.scalar_subquery()


# How far a stored value can sit past the cut-off worked out in Python and still turn out due:
# the local day of a UTC time is at most a day later, and a month-end clamped by add_months at
# most one more. The exact rule decides in Python after SQL has left out the rows that cannot be
# due (docs/performance.md; tests/services/test_today_prefilter.py).
_SLACK = timedelta(days=2)


def _none_or_before(value: Any, cutoff: ColumnElement[str] | str) -> ColumnElement[bool]:
    """`value` (a stored date or UTC time) is NULL or earlier than `cutoff` (ISO text): SQLite
    stores both as ISO text, which orders as the moments do."""
    stored: ColumnElement[str] = type_coerce(func.coalesce(value, literal_column("''")), String)
    return stored < cutoff


def _not_assessed_since_reception() -> ColumnElement[bool]:
    """No signed, standing second-stage assessment of the patient started on or after the UTC
    day of their reception: a superset of the people the exact rule lists. The rule counts an
    assessment whose local (London) day is on or after the reception date, and the local day of
    a moment is never earlier than its UTC day, so any assessment this finds is one the rule
    counts. One probe of `ix_encounters_latest` per person that stops at the first match,
    instead of the latest assessment of everyone on the roll (worked out twice, for the filter
    and the column). ISO text: '2025-03-06 12:00:00' >= '2025-03-06'."""
    done = aliased(Encounter)
    since: ColumnElement[str] = type_coerce(done.started_at, String)
    received: ColumnElement[str] = type_coerce(Patient.reception_date, String)
    return ~(
        select(done.id)
        .where(
            done.kind == "SECOND_STAGE_ASSESSMENT",
            done.patient_id == Patient.id,
            # Lets the probe seek on started_at (the next column of the index). An assessment
            # recorded with a condition is not seen here: its patient is kept, the rule decides.
            done.ltc_condition.is_(None),
            since >= received,
            *_signed_standing(done),
        )
        .exists()
    )


def _rows(
    session: Session, query: Select[*tuple[Any, ...]], only: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    params = {} if only is None else {"only": list(only)}
    return [tuple(row) for row in session.execute(query, params)]


def _of(column: Any, restricted: bool) -> tuple[ColumnElement[bool], ...]:
    """With `restricted`, a WHERE clause keeping the people bound as `only` when run: the kept
    lists (kept.py) work out a few changed people with the same statement as everyone."""
    return (column.in_(bindparam("only", expanding=True)),) if restricted else ()


# The lists' statements, built once per day and scope. Building one (its aliases, correlated
# subqueries and CASE) costs more than running it for a few people, which is what the kept
# lists do after every change (docs/performance.md, "Today: kept lists").
_statement_cache = functools.lru_cache(maxsize=32)


def _on_roll_any_plan(
    query: Select[*tuple[Any, ...]], establishment: str | None, wing: str | None
) -> Select[*tuple[Any, ...]]:
    """As `_on_roll`, leaving SQLite free to use an on_roll index: for the lists that read
    everyone on the roll (LTC, second stage), the covering `ix_patients_worklists` (on_roll
    first) answers them without reading the patients table (docs/performance.md)."""
    return scope(query, establishment, wing).where(Patient.on_roll.is_(True))


def _on_roll(
    query: Select[*tuple[Any, ...]], establishment: str | None, wing: str | None
) -> Select[*tuple[Any, ...]]:
    # CAST: left bare, SQLite answers "on_roll" from its index, fetching everyone on the roll
    # one random read at a time before any other filter; a plain scan, or the query's other
    # indexes (condition codes, dates), are far cheaper (docs/performance.md).
    return scope(query, establishment, wing).where(cast(Patient.on_roll, Integer) == 1)


# -- the lists -------------------------------------------------------------------------------


def flag_items(live: CaseInput) -> list[TodayItem]:
    """A live case's health-input flags as Today lines (they do not change with the time)."""
    return [
        _item(
            live.who,
            "acct_case",
            live.case_id,
            flag.event_id,
            flag.message,
            flag.severity.value,
            due_at=live.held_at[flag.event_id],
        )
        for flag in live.flags
    ]


def warning_items(
    who: Who, case_id: str, warnings: Iterable[acct_rules.UpcomingWarning]
) -> list[TodayItem]:
    """A live case's 24-hour warnings as Today lines."""
    return [
        _item(
            who,
            "acct_case",
            case_id,
            warning.event_id,
            warning.message,
            HIGH,
            due_at=warning.scheduled_at,
        )
        for warning in warnings
    ]


def _acct(
    session: Session, now: datetime, establishment: str | None, wing: str | None
) -> list[TodayItem]:
    items: list[TodayItem] = []
    for live in live_case_input(session, now, establishment=establishment, wing=wing):
        items += flag_items(live)
        items += warning_items(live.who, live.case_id, live.warnings)
    return items


def care_plan_items(
    session: Session,
    today: date,
    establishment: str | None,
    wing: str | None,
    only: Sequence[str] | None = None,
) -> list[TodayItem]:
    query = _care_plan_query(today, establishment, wing, only is not None)
    items: list[TodayItem] = []
    for row in _rows(session, query, only):
        plan_id, title, review_due, last_review = row[:4]
        if care_plans.is_overdue(review_due, last_review, today):
            what = f"Care plan review overdue: {title}"
            items.append(
                _item(who_from(row, 4), "care_plan", plan_id, plan_id, what, HIGH, due=review_due)
            )
    return items


@_statement_cache
def _care_plan_query(
    today: date, establishment: str | None, wing: str | None, restricted: bool
) -> Select[*tuple[Any, ...]]:
    # Correlated: only the plans past their review date are looked up (plan_id index), instead
    # of grouping every review in the vault.
    last = (
        select(func.max(CarePlanReview.review_date))
        .where(CarePlanReview.plan_id == CarePlan.id, *standing(CarePlanReview))
        .scalar_subquery()
    )
    live = (care_plans.CarePlanStatus.ACTIVE.value, care_plans.CarePlanStatus.REVIEW_DUE.value)
    # The plans are read by status; each person is then looked up by (on_roll, id) in the
    # covering ix_patients_worklists, not in the patients table, whose wide rows took a page
    # of the cache each (docs/performance.md, "Today: fifth session").
    return _on_roll_any_plan(
        select(CarePlan.id, CarePlan.title, CarePlan.review_due, last, *who_columns())
        .join(Patient, Patient.id == not_an_index_key(CarePlan.patient_id))
        .where(
            CarePlan.status.in_(live),
            CarePlan.review_due < today,
            *_of(CarePlan.patient_id, restricted),
        ),
        establishment,
        wing,
    )


def ltc_items(
    session: Session,
    today: date,
    establishment: str | None,
    wing: str | None,
    only: Sequence[str] | None = None,
) -> list[TodayItem]:
    items: list[TodayItem] = []
    for row in _rows(session, _ltc_query(today, establishment, wing, only is not None), only):
        condition_id, code, onset, received, last_review = row[:5]
        reviewed = _local_day(last_review)
        baseline = reviewed or max((d for d in (onset, received) if d is not None), default=None)
        due = ltc.next_ltc_review_due(baseline, ltc.LtcCondition(code)) if baseline else None
        if due is not None and due >= today:
            continue
        label = code.replace("_", " ").lower()
        what = (
            f"LTC review overdue ({label})"
            if reviewed
            else f"LTC review overdue ({label}): none recorded"
        )
        who = who_from(row, 5)
        items.append(_item(who, "patient", who.patient_id, condition_id, what, HIGH, due=due))
    return items


@_statement_cache
def _ltc_query(
    today: date, establishment: str | None, wing: str | None, restricted: bool
) -> Select[*tuple[Any, ...]]:
    last = _last_signed("LTC_REVIEW", Condition.patient_id, Condition.code)
    codes = [c.value for c in ltc.LtcCondition]
    # Overdue when add_months(baseline, interval) < today; add_months only grows with its
    # argument, so no baseline after add_months(today, -interval) (plus slack) can be overdue.
    intervals = ltc.DEFAULT_LTC_POLICY.review_interval_months
    cutoff = case(
        {c.value: (add_months(today, -intervals[c]) + _SLACK).isoformat() for c in intervals},
        value=Condition.code,
    )
    onset_or_received = func.max(
        func.coalesce(Condition.onset, Patient.reception_date),
        func.coalesce(Patient.reception_date, Condition.onset),
    )
    return _on_roll_any_plan(
        select(
            Condition.id,
            Condition.code,
            Condition.onset,
            Patient.reception_date,
            last,
            *who_columns(),
        )
        .join(Patient, Condition.patient_id == Patient.id)
        .where(
            Condition.active.is_(True),
            Condition.code.in_(codes),
            _none_or_before(func.coalesce(last, onset_or_received), cutoff),
            *_of(Condition.patient_id, restricted),
        ),
        establishment,
        wing,
    )


def second_stage_items(
    session: Session,
    today: date,
    establishment: str | None,
    wing: str | None,
    policy: TodayPolicy,
    only: Sequence[str] | None = None,
) -> tuple[list[TodayItem], list[TodayItem]]:
    """Receptions within the look-back not yet assessed, then older ones never assessed."""
    since = today - timedelta(days=policy.second_stage_lookback_days)
    query = _second_stage_query(today, establishment, wing, only is not None)
    items: list[TodayItem] = []
    long_overdue: list[TodayItem] = []
    for row in _rows(session, query, only):
        received, last_done = row[0], _local_day(row[1])
        done = last_done if last_done is not None and last_done >= received else None
        status = reception.second_stage_status(received, done, today)
        if status is reception.SecondStageStatus.DONE:
            continue
        due = reception.second_stage_due(received)
        overdue = status is reception.SecondStageStatus.OVERDUE
        who = who_from(row, 2)
        if received < since:
            what = f"Second-stage assessment never done (received {received:%d %b %Y})"
            long_overdue.append(
                _item(who, "patient", who.patient_id, who.patient_id, what, HIGH, due=due)
            )
            continue
        what = "Second-stage assessment " + ("overdue" if overdue else "due")
        items.append(
            _item(
                who,
                "patient",
                who.patient_id,
                who.patient_id,
                what,
                HIGH if overdue else MEDIUM,
                due=due,
            )
        )
    return items, long_overdue


@_statement_cache
def _second_stage_query(
    today: date, establishment: str | None, wing: str | None, restricted: bool
) -> Select[*tuple[Any, ...]]:
    # Everyone on the roll is read, so from the covering ix_patients_worklists (on_roll first),
    # not through the reception-date index and the table (docs/performance.md, migration 0010).
    # Every reception on the roll counts (a gap never drops off with time); SQL leaves out only
    # those assessed since reception (exact rule in the caller), and works out the latest
    # assessment only for the few it keeps (docs/performance.md, "Today: fourth session").
    last = _last_signed("SECOND_STAGE_ASSESSMENT", Patient.id)
    return _on_roll_any_plan(
        select(Patient.reception_date, last, *who_columns()).where(
            Patient.reception_date <= today,
            _not_assessed_since_reception(),
            *_of(Patient.id, restricted),
        ),
        establishment,
        wing,
    )


def older_prisoner_items(
    session: Session,
    today: date,
    establishment: str | None,
    wing: str | None,
    only: Sequence[str] | None = None,
) -> list[TodayItem]:
    years = reception.DEFAULT_RECEPTION_POLICY.older_prisoner_age
    query = _older_prisoner_query(today, establishment, wing, only is not None)
    items: list[TodayItem] = []
    for row in _rows(session, query, only):
        born, received = row[0], row[1]
        if not reception.is_older_prisoner(born, today):
            continue
        flagged = min(today, max(d for d in (received, add_months(born, 12 * years)) if d))
        reviewed = _local_day(row[2])
        reviewed = min(reviewed, today) if reviewed and reviewed >= born else None
        due = reception.older_prisoner_review_due(born, flagged, reviewed, today)
        if due is None or due > today:
            continue
        what = "Older-prisoner review " + ("overdue" if due < today else "due")
        who = who_from(row, 3)
        items.append(
            _item(
                who,
                "patient",
                who.patient_id,
                who.patient_id,
                what,
                HIGH if due < today else MEDIUM,
                due=due,
            )
        )
    return items


@_statement_cache
def _older_prisoner_query(
    today: date, establishment: str | None, wing: str | None, restricted: bool
) -> Select[*tuple[Any, ...]]:
    last = _last_signed("OLDER_PRISONER_REVIEW", Patient.id)
    years = reception.DEFAULT_RECEPTION_POLICY.older_prisoner_age
    born_by = add_months(today, -12 * years) + timedelta(days=1)  # exact check in the caller
    months = reception.DEFAULT_RECEPTION_POLICY.older_prisoner_review_months
    reviewed_by = add_months(today, -months)
    return _on_roll(
        select(Patient.date_of_birth, Patient.reception_date, last, *who_columns()).where(
            Patient.date_of_birth <= born_by,
            # Not due while the last review is younger than the interval (exact check in the
            # caller).
            _none_or_before(last, (reviewed_by + _SLACK).isoformat()),
            *_of(Patient.id, restricted),
        ),
        establishment,
        wing,
    )


def unsynced_items(
    session: Session, now: datetime, establishment: str | None, wing: str | None
) -> list[TodayItem]:
    items: list[TodayItem] = []
    for c in unsynced_contributions(session, now, establishment=establishment, wing=wing):
        label = acct_rules.EVENT_LABELS[acct_rules.AcctEventType(c.event_type)]
        what = f"ACCT input for the {label} not yet at the office"
        items.append(
            _item(
                c.who,
                "acct_case",
                c.case_id,
                c.contribution_id,
                what,
                HIGH if c.warn else MEDIUM,
                due_at=c.needed_by,
            )
        )
    return items


def task_items(
    session: Session, now: datetime, establishment: str | None, wing: str | None
) -> list[TodayItem]:
    items: list[TodayItem] = []
    for row in _rows(session, _task_query(establishment, wing)):
        task_id, patient_id, kind, title, due_at, source_id, status = row[:7]
        who = who_from(row, 7) if patient_id else None
        if kind == acct_rules.FIND_FIRST_REVIEW_TASK and source_id:
            target_kind, target = "acct_case", source_id
        elif who is not None:
            target_kind, target = "patient", who.patient_id
        else:
            target_kind, target = "task", task_id
        late = due_at is not None and due_at <= now
        severity = HIGH if late else LOW
        if status not in KNOWN_STATUSES:  # a newer version's: someone must look (H-40)
            title, severity = f"{title} ({unknown_status_note(status)})", HIGH
        items.append(_item(who, target_kind, target, task_id, title, severity, due_at=due_at))
    return items


@_statement_cache
def _task_query(establishment: str | None, wing: str | None) -> Select[*tuple[Any, ...]]:
    columns = (
        Task.id, Task.patient_id, Task.kind, Task.title, Task.due_at, Task.source_id, Task.status
    )  # fmt: skip
    query = select(*columns, *who_columns()).outerjoin(Patient, Task.patient_id == Patient.id)
    query = scope(query, establishment, wing).where(not_closed())
    if establishment or wing:
        return query.where(Patient.on_roll.is_(True))
    return query.where((Patient.on_roll.is_(True)) | (Task.patient_id.is_(None)))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the lists are built. Tens of thousands of rows, rule
    objects and items (none of them in a reference cycle) set off collection after collection,
    each walking every object the process holds: about a fifth of the call at 100,000 patients,
    more in the app's larger heap (docs/performance.md, "Today: fourth session"). Left off only
    if it was off already; two overlapping calls at worst leave it on early."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def today_worklists(
    vault: OpenVault,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    now: datetime | None = None,
    policy: TodayPolicy = DEFAULT_TODAY_POLICY,
    kept: bool = True,
) -> TodayLists:
    """Every Today worklist for an establishment, or one wing of it. From the lists kept
    since the last call, brought up to date (`kept`); with `kept=False`, all worked out afresh
    without reading or changing what is kept (the tests hold the one to the other)."""
    require(vault.actor, "view_caseload")
    moment = now or utc_now()
    today = moment.astimezone(CLINIC_ZONE).date()
    if kept:
        # Here, not at the top: the kept lists are built from this module's lists.
        from hjdesk.services.worklists.kept import kept_worklists

        return kept_worklists(vault, moment, today, (establishment, wing, policy))
    with collector_paused(), vault.session() as session:
        second, long_overdue = second_stage_items(session, today, establishment, wing, policy)
        return TodayLists(
            acct=sorted_items(_acct(session, moment, establishment, wing)),
            care_plan_reviews=sorted_items(care_plan_items(session, today, establishment, wing)),
            ltc_reviews=sorted_items(ltc_items(session, today, establishment, wing)),
            second_stage=sorted_items(second),
            older_prisoner_reviews=sorted_items(
                older_prisoner_items(session, today, establishment, wing)
            ),
            unsynced=sorted_items(unsynced_items(session, moment, establishment, wing)),
            tasks=sorted_items(task_items(session, moment, establishment, wing)),
            second_stage_long_overdue=sorted_items(long_overdue),
        )
