"""ACCT lists and reports: live cases for the ACCT screen, the monthly health-input audit with its
flags, and safety-critical contributions not yet at the office (domain.md §6, §10 item 4).

Decisions (ours):
- The ACCT screen lists OPEN and POST_CLOSURE cases ("live"): a closed case needs no more input,
  and its flags stay visible in the health-input audit.
- Months follow the calendar in Europe/London, where the reviews are held.
- Every contribution is safety-critical until the hub acknowledges it, planned ones included: the
  case manager needs to know who is coming as much as what was said. A contribution without a
  needed-by time (its event had no scheduled time) is listed but never raises the warning.
- Needed-by follows the event: if a review is moved after a contribution was signed, the list uses
  the review's current time (the signed row keeps the time it was written with).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal_column, or_, select, text
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.services.acct.views import (
    HEAD_COLUMNS,
    LIVE_STATUSES,
    CaseHead,
    CaseInput,
    LoadedCase,
    Who,
    load_case_input,
    load_cases,
    not_an_index_key,
    scope,
    who_columns,
    who_from,
)
from hjdesk.services.actions import user_action
from hjdesk.services.common import CLINIC_ZONE, utc_now
from hjdesk.services.permissions import require
from hjdesk.services.printing import waits_for_hub
from hjdesk.services.staff_names import staff_names
from hjdesk.services.standing import standing
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    PENDING_CONTRIBUTIONS,
    AcctCase,
    AcctContribution,
    AcctEvent,
    OutboxOp,
    Patient,
)
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class AuditFlagRow:
    """One ACCT_NO_HEALTH_INPUT (or MH in-reach) flag, with where to find it."""

    case_id: str
    case_status: str
    event_id: str
    event_type: str
    held_at: datetime | None
    code: str
    severity: str
    message: str
    who: Who


@dataclass(frozen=True, slots=True)
class AcctAuditReport:
    months: tuple[rules.MonthRow, ...]
    flags: tuple[AuditFlagRow, ...]


@dataclass(frozen=True, slots=True)
class UnsyncedContribution:
    """A contribution still waiting for the hub; `warn` when within the ACCT policy's
    sync-warning window (`AcctPolicy.unsynced_warning_window`) of needed-by, or past it."""

    contribution_id: str
    event_id: str
    case_id: str
    event_type: str
    contribution_type: str
    needed_by: datetime | None
    signed_at: datetime | None
    warn: bool
    who: Who


@dataclass(frozen=True, slots=True)
class AcctCaseRow:
    """One live case on the ACCT screen, with its flag counts and worst severity."""

    case_id: str
    who: Who
    status: str
    risk_level: str
    risk_level_name: str
    opened_at: datetime
    next_event_type: str | None
    next_event_at: datetime | None
    high_flags: int
    medium_flags: int
    warnings: int
    late: int = 0  # reviews past their time with no health input planned (acct_views)
    on_mh_caseload: bool = False

    @property
    def flag_count(self) -> int:
        return self.high_flags + self.medium_flags

    @property
    def severity(self) -> str | None:
        if self.high_flags:
            return rules.Severity.HIGH.value
        return rules.Severity.MEDIUM.value if self.medium_flags else None


def audit_report(vault: OpenVault, *, establishment: str | None = None) -> AcctAuditReport:
    """Per month, closures and case reviews without health input (reviews past their time and
    never recorded as held included: clinical.acct); and every flag."""
    now = utc_now()
    with user_action(vault, "view_acct_audit") as act:
        query = scope(
            select(*HEAD_COLUMNS, *who_columns()).join(Patient, AcctCase.patient_id == Patient.id),
            establishment,
            None,
        ).order_by(AcctCase.opened_at, AcctCase.id)
        rows = act.session.execute(query).all()
        loaded = load_cases(act.session, [CaseHead(*r[:5]) for r in rows], now)
        act.audit(detail={"establishment": establishment or ""})
    months = rules.monthly_health_input_report(
        (e for case in loaded for e in case.events), tz=CLINIC_ZONE, now=now
    )
    flags: list[AuditFlagRow] = []
    for row, case in zip(rows, loaded, strict=True):
        held = {e.id: e.held_at for e in case.events}
        flags.extend(
            AuditFlagRow(
                case_id=case.case.id,
                case_status=case.case.status,
                event_id=f.event_id,
                event_type=f.event_type.value,
                held_at=held[f.event_id],
                code=f.code.value,
                severity=f.severity.value,
                message=f.message,
                who=who_from(row, 5),
            )
            for f in case.flags
        )
    return AcctAuditReport(tuple(months), tuple(flags))


def unsynced_contributions(
    session: Session,
    now: datetime,
    *,
    establishment: str | None = None,
    wing: str | None = None,
) -> list[UnsyncedContribution]:
    """Contributions with an outbox op not yet acknowledged, soonest needed first."""
    # From the unacknowledged contribution ops (a partial index holding only those, migration
    # 0011) to their contributions by primary key: not a probe of the outbox for every
    # contribution ever written, nor a walk of every op not yet sent (docs/performance.md,
    # Today fourth session). The condition is the index's own text, which SQLite needs to see
    # that the index answers it; named, because without statistics the planner prefers the
    # acked_at index, whose NULL range is every op not yet sent.
    pending = AcctContribution.id.in_(
        select(literal_column("record_id"))
        .select_from(text(f"{OutboxOp.__tablename__} INDEXED BY ix_outbox_pending_contributions"))
        .where(text(PENDING_CONTRIBUTIONS))
    )
    query = scope(
        select(
            AcctContribution.id,
            AcctContribution.event_id,
            AcctContribution.case_id,
            AcctContribution.contribution_type,
            AcctContribution.needed_by,
            AcctContribution.signed_at,
            AcctEvent.event_type,
            AcctEvent.scheduled_at,
            *who_columns(),
        )
        .join(AcctEvent, AcctContribution.event_id == AcctEvent.id)
        .join(Patient, AcctContribution.patient_id == Patient.id)
        .where(pending),
        establishment,
        wing,
    ).order_by(AcctContribution.needed_by.is_(None), AcctContribution.needed_by)
    out: list[UnsyncedContribution] = []
    for row in session.execute(query):
        cid, event_id, case_id, kind, stored, signed_at, event_type, scheduled = row[:8]
        # A signed contribution keeps the needed-by it was written with; if the review has been
        # moved since, the event's current time is the one that matters.
        needed = rules.needed_by(scheduled) if scheduled is not None else stored
        warn = needed is not None and rules.unsynced_warning(needed, now, synced=False)
        out.append(
            UnsyncedContribution(
                contribution_id=cid,
                event_id=event_id,
                case_id=case_id,
                event_type=event_type,
                contribution_type=kind,
                needed_by=needed,
                signed_at=signed_at,
                warn=warn,
                who=who_from(row, 8),
            )
        )
    return out


def unsynced_safety_critical(
    vault: OpenVault, now: datetime | None = None, *, establishment: str | None = None
) -> tuple[UnsyncedContribution, ...]:
    """ACCT contributions the office has not received yet (offer a printed handover slip)."""
    require(vault.actor, "view_acct")
    with vault.session() as session:
        return tuple(unsynced_contributions(session, now or utc_now(), establishment=establishment))


def live_cases(
    session: Session,
    now: datetime,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    on_roll: bool = False,
) -> list[tuple[Who, LoadedCase]]:
    """OPEN and POST_CLOSURE cases in scope, with their patient, in opening order."""
    query = scope(
        select(*HEAD_COLUMNS, *who_columns())
        .join(Patient, AcctCase.patient_id == Patient.id)
        .where(AcctCase.status.in_(LIVE_STATUSES)),
        establishment,
        wing,
    ).order_by(AcctCase.opened_at, AcctCase.id)
    if on_roll:
        query = query.where(Patient.on_roll.is_(True))
    rows = session.execute(query).all()
    loaded = load_cases(session, [CaseHead(*r[:5]) for r in rows], now)
    return [(who_from(r, 5), case) for r, case in zip(rows, loaded, strict=True)]


def live_case_input(
    session: Session,
    now: datetime,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    only: Sequence[str] | None = None,
) -> list[CaseInput]:
    """Today's ACCT list: live cases of people on the roll, in opening order, with their flags
    and 24-hour warnings (as `live_cases` gives them; see `load_case_input`); with `only`, the
    cases of those people alone."""
    # The case's patient_id may not serve as an index key, so SQLite reads the live cases
    # by status and looks each person up by (on_roll, id) in the covering ix_patients_worklists,
    # instead of probing for a case for every one of the 100,000 people on the roll.
    query = scope(
        select(*HEAD_COLUMNS, *who_columns())
        .join(Patient, Patient.id == not_an_index_key(AcctCase.patient_id))
        .where(AcctCase.status.in_(LIVE_STATUSES), Patient.on_roll.is_(True)),
        establishment,
        wing,
    ).order_by(AcctCase.opened_at, AcctCase.id)
    if only is not None:
        query = query.where(AcctCase.patient_id.in_(only))
    rows = session.execute(query).all()
    return load_case_input(session, [(who_from(r, 5), CaseHead(*r[:5])) for r in rows], now)


def _next_event(loaded: LoadedCase, now: datetime) -> rules.AcctEvent | None:
    upcoming = [e for e in loaded.events if e.held_at is None and e.scheduled_at is not None]
    future = [e for e in upcoming if e.scheduled_at is not None and e.scheduled_at >= now]
    pool = future or upcoming
    return min(pool, key=lambda e: (e.scheduled_at, e.id)) if pool else None


def open_cases(
    vault: OpenVault, *, establishment: str | None = None, now: datetime | None = None
) -> tuple[AcctCaseRow, ...]:
    """The ACCT screen: every live case with its next event and flag counts."""
    require(vault.actor, "view_acct")
    moment = now or utc_now()
    with vault.session() as session:
        cases = live_cases(session, moment, establishment=establishment)
    rows: list[AcctCaseRow] = []
    for who, loaded in cases:
        case, nxt = loaded.case, _next_event(loaded, moment)
        high = sum(1 for f in loaded.flags if f.severity is rules.Severity.HIGH)
        rows.append(
            AcctCaseRow(
                case_id=case.id,
                who=who,
                status=case.status,
                risk_level=case.risk_level,
                risk_level_name=rules.risk_level_name(rules.AcctRiskLevel(case.risk_level)),
                opened_at=case.opened_at,
                next_event_type=nxt.type.value if nxt else None,
                next_event_at=nxt.scheduled_at if nxt else None,
                high_flags=high,
                medium_flags=len(loaded.flags) - high,
                warnings=len(loaded.warnings),
                late=len(loaded.late),
                on_mh_caseload=loaded.on_mh_caseload,
            )
        )
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class InputDueRow:
    """A review needing health input now: within the next 24 hours with none planned, or
    already past its time with none given (`late`)."""

    case_id: str
    event_id: str
    event_type: str
    scheduled_at: datetime
    late: bool
    message: str
    who: Who


def input_due(
    vault: OpenVault, *, establishment: str | None = None, now: datetime | None = None
) -> tuple[InputDueRow, ...]:
    """The ACCT screen's 24-hour warning: late reviews first, then the soonest due."""
    require(vault.actor, "view_acct")
    moment = now or utc_now()
    with vault.session() as session:
        cases = live_cases(session, moment, establishment=establishment)
    rows: list[InputDueRow] = []
    for who, loaded in cases:
        for event in loaded.late:
            assert event.scheduled_at is not None
            label = rules.EVENT_LABELS[event.type]
            message = f"The {label} was due and no health input is planned or recorded."
            rows.append(
                InputDueRow(
                    loaded.case.id,
                    event.id,
                    event.type.value,
                    event.scheduled_at,
                    True,
                    message,
                    who,
                )
            )
        rows.extend(
            InputDueRow(
                loaded.case.id,
                w.event_id,
                w.event_type.value,
                w.scheduled_at,
                False,
                w.message,
                who,
            )
            for w in loaded.warnings
        )
    rows.sort(key=lambda r: (not r.late, r.scheduled_at, r.who.display_name))
    return tuple(rows)


# --- what the printed ACCT documents read (hjdesk.reports uses these, never the tables) ----------


@dataclass(frozen=True, slots=True)
class StaffCard:
    """How a printed ACCT record names a contributor."""

    name: str
    role: str
    team: str


def latest_contribution_event(vault: OpenVault, patient_id: str) -> str:
    """The event of the patient's most recent standing health contribution; with none standing,
    the event of the input most recently withdrawn (entered in error). A withdrawal is part of
    the record, so the sheet prints it as withdrawn rather than refusing to print (H-23)."""
    require(vault.actor, "view_acct")
    latest = (
        AcctContribution.signed_at.is_(None),
        AcctContribution.signed_at.desc(),
        AcctContribution.id.desc(),
    )
    with vault.session() as session:
        found = session.scalar(
            select(AcctContribution.event_id)
            .where(AcctContribution.patient_id == patient_id, *standing(AcctContribution))
            .order_by(*latest)
            .limit(1)
        )
        if found is None:
            found = session.scalar(
                select(AcctContribution.event_id)
                .where(
                    AcctContribution.patient_id == patient_id,
                    AcctContribution.entered_in_error.is_(True),
                    AcctContribution.signed_at.is_not(None),
                )
                .order_by(*latest)
                .limit(1)
            )
    if found is None:
        raise InvalidInput("No ACCT health contribution is recorded for this patient.")
    return found


@dataclass(frozen=True, slots=True)
class WithdrawnInput:
    """Health input to an event withdrawn as entered in error: the entry as it was signed (what
    kind, by whom, when), and the withdrawal (who, when, why). Not its summary: the withdrawn
    text stays in the healthcare record and is never printed (H-23)."""

    contribution_id: str
    contributor_id: str
    team: str
    contribution_type: str
    planned: bool
    signed_at: datetime | None
    signed_role: str | None
    corrected_entry: bool  # the withdrawn entry was itself a correction of an earlier one
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_role: str | None
    reason: str


def withdrawn_input(vault: OpenVault, event_id: str) -> tuple[WithdrawnInput, ...]:
    """The event's input withdrawn as entered in error, in the order it was given."""
    require(vault.actor, "view_acct")
    with vault.session() as session:
        withdrawals = session.scalars(
            select(AcctContribution).where(
                AcctContribution.event_id == event_id,
                AcctContribution.entered_in_error.is_(True),
                AcctContribution.signed_at.is_not(None),
                AcctContribution.amends_id.is_not(None),
            )
        ).all()
        ids = [w.amends_id for w in withdrawals if w.amends_id]
        targets = {
            c.id: c
            for c in session.scalars(select(AcctContribution).where(AcctContribution.id.in_(ids)))
        }
        found = [
            WithdrawnInput(
                contribution_id=target.id,
                contributor_id=target.contributor_id,
                team=target.team.value,
                contribution_type=target.contribution_type.value,
                planned=target.planned,
                signed_at=target.signed_at,
                signed_role=target.signed_role,
                corrected_entry=target.amends_id is not None,
                withdrawn_at=w.signed_at,
                withdrawn_by=w.signed_by,
                withdrawn_role=w.signed_role,
                reason=w.amendment_reason or "",
            )
            for w in withdrawals
            if (target := targets.get(w.amends_id or "")) is not None
        ]
    far = datetime.max.replace(tzinfo=CLINIC_ZONE)
    return tuple(sorted(found, key=lambda w: (w.signed_at or far, w.contribution_id)))


def case_of_event(vault: OpenVault, event_id: str) -> str:
    """The case an ACCT event belongs to."""
    require(vault.actor, "view_acct")
    with vault.session() as session:
        found = session.scalar(select(AcctEvent.case_id).where(AcctEvent.id == event_id))
    if found is None:
        raise InvalidInput("That ACCT event is not in this vault.")
    return found


def staff_cards(vault: OpenVault, staff_ids: set[str]) -> dict[str, StaffCard]:
    """Contributors by id, as a printed record names them (another establishment's staff by the
    hub's name card, with where they work: `staff_names`)."""
    require(vault.actor, "view_acct")
    with vault.session() as session:
        return {
            staff_id: StaffCard(n.display_name, n.role, n.team)
            for staff_id, n in staff_names(session, staff_ids).items()
        }


def wing_months(vault: OpenVault, wing: str, now: datetime) -> list[rules.MonthRow]:
    """The monthly health-input rows for one wing's cases (the audit report, narrowed)."""
    require(vault.actor, "view_acct_audit")
    with vault.session() as session:
        query = scope(
            select(*HEAD_COLUMNS).join(Patient, AcctCase.patient_id == Patient.id), None, wing
        )
        heads = [CaseHead(*row) for row in session.execute(query)]
        loaded = load_cases(session, heads, now)
    return rules.monthly_health_input_report(
        (e for case in loaded for e in case.events), tz=CLINIC_ZONE, now=now
    )


# --- the "contains unsynced entries" mark on the printed ACCT documents (domain.md §10) ----------

ACCT_KINDS = ("acct_case", "acct_event", "acct_contribution")
# The MH in-reach caseload decides which reviews carry the "no MH in-reach input" flag.
AUDIT_KINDS = (*ACCT_KINDS, "caseload_membership")


def audit_unsynced(vault: OpenVault, *, wing: str | None = None) -> bool:
    """Whether anything the health-input audit counts still waits for the hub: the ACCT records
    and MH caseload spells of the people whose ACCTs are in its scope (one wing, or every wing).
    Another wing's entry changes nothing on a wing's audit, so it does not mark it."""
    require(vault.actor, "view_acct_audit")
    people = scope(
        select(AcctCase.patient_id).join(Patient, AcctCase.patient_id == Patient.id), None, wing
    )
    with vault.session() as session:
        return waits_for_hub(
            session, OutboxOp.kind.in_(AUDIT_KINDS), OutboxOp.patient_id.in_(people)
        )


def event_unsynced(vault: OpenVault, event_id: str) -> bool:
    """Whether the event, its case, or any input to it waits for the hub, input withdrawn or
    corrected included: until the withdrawal reaches the office, the office's copy still shows
    the input the printed sheet leaves out."""
    require(vault.actor, "view_acct")
    with vault.session() as session:
        case_id = session.scalar(select(AcctEvent.case_id).where(AcctEvent.id == event_id))
        own = [event_id] if case_id is None else [event_id, case_id]
        given = select(AcctContribution.id).where(AcctContribution.event_id == event_id)
        return waits_for_hub(
            session,
            OutboxOp.kind.in_(ACCT_KINDS),
            or_(OutboxOp.record_id.in_(own), OutboxOp.record_id.in_(given)),
        )
