"""ACCT health input: the mirror's enums, the no-health-input flags, warnings and the monthly audit.

Sources: domain.md §6; PSI 64/2011 (ACCT process: first case review within 24 hours of opening,
closure decided at a case review, post-closure review); Health and justice framework 2022-25,
footnote 33 (40% of ACCTs closed in one prison had no health input). The post-closure review
interval and the risk-level names are local policy (domain.md §6 [C]).

Decisions (ours, where domain.md is silent):
- A contribution marked `planned` (e.g. someone booked to attend) satisfies the upcoming-event
  warning but never the held-event flag: only input actually given counts once the event is held.
- The "no MH in-reach input" flag applies to the same held review events as the health-input flag.
  When an event has no health input at all, a patient on the MH caseload gets both flags: the
  general gap and the missing MH in-reach voice are audited separately.
- The upcoming warning covers the same review event types: it is the early form of the flag.
  The window is inclusive at both ends (now ... now + 24 hours); past events are not "upcoming".
- Monthly figures group by the calendar month of `held_at` in the zone the caller passes
  (services pass Europe/London so a review at 00:30 BST on 1 April counts in April).
- A case review whose time has passed and that is not recorded as held (missed, or not yet
  written up) counts in the monthly figures too, in the month it was due, as a review without
  health input unless input was given for it: a review that never happened must not improve the
  percentage (domain.md §6 counts case reviews without health input, not only those held). It
  counts from its scheduled time, as the late-input warning does; once recorded as held it
  counts in the month it was held.
- A review that was due before the case closed (or reopened) and was never recorded as held is
  *missed*: it keeps its scheduled time and, without health input, carries the same flag as a
  held review. Closing a case must not make the gap disappear.
- The MH in-reach variant follows the caseload *at the time of the review* (held, or due when
  missed): a later discharge does not erase past flags and a later referral does not create them.
- Attendance (in person, remote, as healthcare assessor) can only be given once the review takes
  place: before that it can only be planned (`attendance_given_too_early`).
- Input not yet at the office is *due soon* while its needed-by time (the review's start) is
  ahead but within the sync-warning window, and has *passed* from that time on: "before the
  review" means before it starts, and a passed time must never be read as one still ahead
  (`input_timing`).
- An ACCT mirrored from the HA alert of a person who turns out to have arrived with an open
  ACCT gives way to that one, but only while nobody has used it (`superseded_by`, hazard H-38):
  closing a case someone relied on would hide what they recorded, so then both stay.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from types import MappingProxyType

from hjdesk.clinical.dates import in_zone, require_aware

FIRST_CASE_REVIEW_WITHIN = timedelta(hours=24)  # PSI 64/2011: within 24 hours of opening


class AcctStatus(enum.StrEnum):
    OPEN = "OPEN"
    POST_CLOSURE = "POST_CLOSURE"
    CLOSED = "CLOSED"


class AcctRiskLevel(enum.StrEnum):
    """Risk levels; the names shown to staff come from AcctPolicy.risk_level_names."""

    LOW = "LOW"
    RAISED = "RAISED"
    HIGH = "HIGH"


class AcctSource(enum.StrEnum):
    """How healthcare learned of the ACCT: the prison's HA alert, or entered by hand."""

    HA_ALERT = "HA_ALERT"
    MANUAL = "MANUAL"


class AcctEventType(enum.StrEnum):
    CONCERN_AND_KEEP_SAFE = "CONCERN_AND_KEEP_SAFE"
    IMMEDIATE_ACTION_PLAN = "IMMEDIATE_ACTION_PLAN"
    ASSESSMENT_INTERVIEW = "ASSESSMENT_INTERVIEW"
    CASE_REVIEW_FIRST = "CASE_REVIEW_FIRST"
    CASE_REVIEW = "CASE_REVIEW"
    CLOSURE = "CLOSURE"
    POST_CLOSURE_REVIEW = "POST_CLOSURE_REVIEW"
    REOPEN = "REOPEN"
    TRANSFER_OUT_OPEN = "TRANSFER_OUT_OPEN"


class ContributionType(enum.StrEnum):
    ATTENDED_IN_PERSON = "ATTENDED_IN_PERSON"
    ATTENDED_REMOTE = "ATTENDED_REMOTE"
    WRITTEN_CONTRIBUTION = "WRITTEN_CONTRIBUTION"
    INFORMATION_SHARED_TO_CASE_MANAGER = "INFORMATION_SHARED_TO_CASE_MANAGER"
    HEALTHCARE_ASSESSOR = "HEALTHCARE_ASSESSOR"
    INVITED_UNABLE_TO_ATTEND = "INVITED_UNABLE_TO_ATTEND"
    NOT_INVITED = "NOT_INVITED"


class Team(enum.StrEnum):
    PRIMARY_CARE = "PRIMARY_CARE"
    MH_IN_REACH = "MH_IN_REACH"
    SUBSTANCE_MISUSE = "SUBSTANCE_MISUSE"
    SOCIAL_CARE = "SOCIAL_CARE"


class FlagCode(enum.StrEnum):
    ACCT_NO_HEALTH_INPUT = "ACCT_NO_HEALTH_INPUT"
    ACCT_NO_MH_INPUT = "ACCT_NO_MH_INPUT"


class Severity(enum.StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"


_NOT_HEALTH_INPUT = frozenset(
    {ContributionType.INVITED_UNABLE_TO_ATTEND, ContributionType.NOT_INVITED}
)

#: Held events of these types must have health input (domain.md §6).
REVIEW_EVENT_TYPES = frozenset(
    {
        AcctEventType.CASE_REVIEW_FIRST,
        AcctEventType.CASE_REVIEW,
        AcctEventType.CLOSURE,
        AcctEventType.POST_CLOSURE_REVIEW,
    }
)
_HIGH_SEVERITY_TYPES = frozenset({AcctEventType.CASE_REVIEW_FIRST, AcctEventType.CLOSURE})

EVENT_LABELS: Mapping[AcctEventType, str] = MappingProxyType(
    {
        AcctEventType.CONCERN_AND_KEEP_SAFE: "Concern and Keep Safe form",
        AcctEventType.IMMEDIATE_ACTION_PLAN: "immediate action plan",
        AcctEventType.ASSESSMENT_INTERVIEW: "assessment interview",
        AcctEventType.CASE_REVIEW_FIRST: "first case review",
        AcctEventType.CASE_REVIEW: "case review",
        AcctEventType.CLOSURE: "closure review",
        AcctEventType.POST_CLOSURE_REVIEW: "post-closure review",
        AcctEventType.REOPEN: "reopening",
        AcctEventType.TRANSFER_OUT_OPEN: "transfer out while open",
    }
)


def _default_risk_names() -> Mapping[AcctRiskLevel, str]:
    return MappingProxyType(
        {AcctRiskLevel.LOW: "Low", AcctRiskLevel.RAISED: "Raised", AcctRiskLevel.HIGH: "High"}
    )


@dataclass(frozen=True, slots=True)
class AcctPolicy:
    """Local ACCT policy (domain.md §6 [C]) and our sync-warning decision."""

    post_closure_review_days: int = 7
    risk_level_names: Mapping[AcctRiskLevel, str] = field(
        default_factory=_default_risk_names, hash=False
    )
    unsynced_warning_window: timedelta = timedelta(hours=2)
    upcoming_window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.post_closure_review_days < 1:
            raise ValueError("The post-closure review must be at least 1 day after closure")
        missing = [level.value for level in AcctRiskLevel if level not in self.risk_level_names]
        if missing:
            raise ValueError(f"Give a display name for every ACCT risk level: {missing}")
        if self.unsynced_warning_window <= timedelta(0) or self.upcoming_window <= timedelta(0):
            raise ValueError("Warning windows must be longer than zero")


DEFAULT_ACCT_POLICY = AcctPolicy()


def window_text(window: timedelta) -> str:
    """A policy window as a person reads it: "2 hours", "1 hour", "90 minutes" (whole hours as
    hours, else whole minutes, else seconds), so a text that names a window follows the policy
    instead of repeating its number."""
    seconds = round(window.total_seconds())
    if seconds <= 0:
        raise ValueError("A window must be longer than zero")
    for unit, length in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % length == 0:
            count = seconds // length
            return f"{count} {unit}" if count == 1 else f"{count:,} {unit}s"
    raise AssertionError("unreachable: every whole number of seconds is whole seconds")


def unsynced_warning_window_text(policy: AcctPolicy = DEFAULT_ACCT_POLICY) -> str:
    """The sync-warning window (`AcctPolicy.unsynced_warning_window`) as text, e.g. "2 hours"."""
    return window_text(policy.unsynced_warning_window)


def risk_level_name(level: AcctRiskLevel, policy: AcctPolicy = DEFAULT_ACCT_POLICY) -> str:
    return policy.risk_level_names[AcctRiskLevel(level)]


def counts_as_health_input(contribution_type: ContributionType) -> bool:
    return ContributionType(contribution_type) not in _NOT_HEALTH_INPUT


@dataclass(frozen=True, slots=True)
class Contribution:
    """Healthcare's contribution to one ACCT event; `planned` means not yet given."""

    type: ContributionType
    team: Team
    planned: bool = False

    @property
    def is_health_input(self) -> bool:
        """Given (not just planned) and of a type that counts."""
        return not self.planned and counts_as_health_input(self.type)


@dataclass(frozen=True, slots=True)
class AcctEvent:
    id: str
    type: AcctEventType
    scheduled_at: datetime | None = None
    held_at: datetime | None = None
    contributions: tuple[Contribution, ...] = ()

    def __post_init__(self) -> None:
        if self.scheduled_at is not None:
            require_aware(self.scheduled_at, "The event's scheduled time")
        if self.held_at is not None:
            require_aware(self.held_at, "The event's held time")

    @property
    def has_health_input(self) -> bool:
        return any(c.is_health_input for c in self.contributions)

    @property
    def has_mh_in_reach_input(self) -> bool:
        return any(c.is_health_input and c.team is Team.MH_IN_REACH for c in self.contributions)

    @property
    def has_contribution_planned(self) -> bool:
        """Any contribution that would count, whether planned or already given."""
        return any(counts_as_health_input(c.type) for c in self.contributions)


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    event_id: str
    event_type: AcctEventType
    severity: Severity
    message: str


def _no_health_input_flag(event: AcctEvent, *, was_missed: bool = False) -> Flag:
    severity = Severity.HIGH if event.type in _HIGH_SEVERITY_TYPES else Severity.MEDIUM
    label = EVENT_LABELS[event.type]
    message = f"No health input was recorded for the {label}."
    if was_missed:
        message = (
            f"The {label} was due before the ACCT closed and is not recorded as held; "
            "no health input was recorded for it."
        )
    return Flag(
        code=FlagCode.ACCT_NO_HEALTH_INPUT,
        event_id=event.id,
        event_type=event.type,
        severity=severity,
        message=message,
    )


def _no_mh_input_flag(event: AcctEvent) -> Flag:
    return Flag(
        code=FlagCode.ACCT_NO_MH_INPUT,
        event_id=event.id,
        event_type=event.type,
        severity=Severity.MEDIUM,
        message=(
            f"No MH in-reach input was recorded for the {EVENT_LABELS[event.type]}, "
            "and the patient is on the MH in-reach caseload."
        ),
    )


_ENDS_THE_WAIT = frozenset({AcctEventType.CLOSURE, AcctEventType.REOPEN})


#: Every event type `health_input_flags` and `upcoming_warnings` read: the reviews they flag or
#: warn about, and the events that end the wait for a review (`missed`). They pass over every
#: other event, so a loader that feeds only these two rules may leave the rest out (Today does,
#: and tests/services/test_acct_today_input.py holds it to the full loader's answers). A rule that
#: starts reading another type must add it here.
FLAG_EVENT_TYPES = REVIEW_EVENT_TYPES | _ENDS_THE_WAIT


def missed(event: AcctEvent, events: Sequence[AcctEvent]) -> bool:
    """A review never recorded as held, due before a closure (or reopening) that was held."""
    due = event.scheduled_at
    if event.held_at is not None or due is None or event.type not in REVIEW_EVENT_TYPES:
        return False
    return any(
        other.type in _ENDS_THE_WAIT and other.held_at is not None and other.held_at >= due
        for other in events
        if other.id != event.id
    )


def health_input_flags(
    events: Iterable[AcctEvent], *, on_mh_caseload: bool | Callable[[datetime], bool]
) -> list[Flag]:
    """Flags for held (or missed) review events lacking health (or MH in-reach) input, in event
    order. `on_mh_caseload` is either a constant or says whether the patient was on the MH
    in-reach caseload at a given moment (the review's time)."""
    every = list(events)
    flags: list[Flag] = []
    for event in every:
        if event.type not in REVIEW_EVENT_TYPES:
            continue
        moment = event.held_at
        if moment is None:
            if not missed(event, every):
                continue
            moment = event.scheduled_at
        assert moment is not None
        if not event.has_health_input:
            flags.append(_no_health_input_flag(event, was_missed=event.held_at is None))
        on_caseload = on_mh_caseload(moment) if callable(on_mh_caseload) else on_mh_caseload
        if on_caseload and not event.has_mh_in_reach_input:
            flags.append(_no_mh_input_flag(event))
    return flags


ATTENDANCE_TYPES = frozenset(
    {
        ContributionType.ATTENDED_IN_PERSON,
        ContributionType.ATTENDED_REMOTE,
        ContributionType.HEALTHCARE_ASSESSOR,
    }
)


def attendance_given_too_early(
    contribution_type: ContributionType,
    *,
    planned: bool,
    scheduled_at: datetime | None,
    held_at: datetime | None,
    now: datetime,
    slack: timedelta = timedelta(minutes=10),
) -> bool:
    """Attendance recorded as given for a review that has not taken place (not held, and its
    time not yet come, give or take a few minutes of clock difference)."""
    if planned or ContributionType(contribution_type) not in ATTENDANCE_TYPES or held_at:
        return False
    return scheduled_at is None or scheduled_at > require_aware(now, "The current time") + slack


@dataclass(frozen=True, slots=True)
class UpcomingWarning:
    event_id: str
    event_type: AcctEventType
    scheduled_at: datetime
    message: str


def may_warn(event: AcctEvent) -> bool:
    """Whether `upcoming_warnings` warns about this event at some moment: a review with a time,
    not held, with no contribution planned. Which moments then depends only on its time, so a
    caller may keep these events and ask again later (Today's kept lists do)."""
    return (
        event.scheduled_at is not None
        and event.held_at is None
        and event.type in REVIEW_EVENT_TYPES
        and not event.has_contribution_planned
    )


def upcoming_warnings(
    events: Iterable[AcctEvent], now: datetime, policy: AcctPolicy = DEFAULT_ACCT_POLICY
) -> list[UpcomingWarning]:
    """Review events due within the upcoming window (24 hours), not yet held, with no
    contribution planned."""
    now = require_aware(now, "The current time")
    horizon = now + policy.upcoming_window
    within = window_text(policy.upcoming_window)
    warnings: list[UpcomingWarning] = []
    for event in events:
        due = event.scheduled_at
        if due is None or not may_warn(event):
            continue
        if now <= due <= horizon:
            warnings.append(
                UpcomingWarning(
                    event_id=event.id,
                    event_type=event.type,
                    scheduled_at=due,
                    message=(
                        f"The {EVENT_LABELS[event.type]} is within the next {within} and "
                        "no health input is planned."
                    ),
                )
            )
    return warnings


def percentage(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`; None when there is nothing to divide by."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"Cannot take {part} as a percentage of {whole}")
    return None if whole == 0 else 100.0 * part / whole


@dataclass(frozen=True, slots=True)
class MonthRow:
    """Health-input audit for one calendar month; case reviews include the first review."""

    year: int
    month: int
    closures: int
    closures_without_input: int
    case_reviews: int
    case_reviews_without_input: int
    case_reviews_not_held: int = 0  # past their time, never recorded as held (in case_reviews)

    @property
    def closures_without_input_pct(self) -> float | None:
        return percentage(self.closures_without_input, self.closures)

    @property
    def case_reviews_without_input_pct(self) -> float | None:
        return percentage(self.case_reviews_without_input, self.case_reviews)


_CASE_REVIEWS = frozenset({AcctEventType.CASE_REVIEW_FIRST, AcctEventType.CASE_REVIEW})


def review_not_held(event: AcctEvent, now: datetime) -> bool:
    """A case review past its scheduled time that is not recorded as held."""
    return (
        event.type in _CASE_REVIEWS
        and event.held_at is None
        and event.scheduled_at is not None
        and event.scheduled_at < now
    )


def monthly_health_input_report(
    events: Iterable[AcctEvent], tz: tzinfo = UTC, now: datetime | None = None
) -> list[MonthRow]:
    """Per month: closures and case reviews, and how many had no health input. With `now`, case
    reviews past their time and never recorded as held count too, in the month they were due."""
    # counts per month: [closures, without, case reviews, without, reviews not held]
    months: dict[tuple[int, int], list[int]] = {}
    cutoff = None if now is None else require_aware(now, "The report time")
    for event in events:
        if event.type not in (_CASE_REVIEWS | {AcctEventType.CLOSURE}):
            continue
        unheld = cutoff is not None and review_not_held(event, cutoff)
        moment = event.scheduled_at if unheld else event.held_at
        if moment is None:
            continue
        local = in_zone(moment, tz)
        counts = months.setdefault((local.year, local.month), [0, 0, 0, 0, 0])
        offset = 0 if event.type is AcctEventType.CLOSURE else 2
        counts[offset] += 1
        counts[offset + 1] += 0 if event.has_health_input else 1
        counts[4] += 1 if unheld else 0
    return [MonthRow(year, month, *counts) for (year, month), counts in sorted(months.items())]


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One ACCT case as `superseded_by` weighs it. `edited`: changed anywhere since it was
    opened (its details, or one of its events moved or held); `contributions` counts every
    contribution recorded on it, planned and withdrawn ones included."""

    id: str
    status: AcctStatus
    opened_at: datetime
    source: AcctSource = AcctSource.MANUAL
    edited: bool = False
    events: tuple[AcctEvent, ...] = ()
    contributions: int = 0


def _unused_ha_mirror(case: CaseFacts) -> bool:
    """A live case mirrored from the prison's HA alert exactly as it was opened: nobody has
    given it a detail, a time, a held event or a word of input."""
    if case.source != AcctSource.HA_ALERT or case.edited or case.contributions:
        return False
    if case.status not in (AcctStatus.OPEN, AcctStatus.POST_CLOSURE) or len(case.events) != 1:
        return False
    first = case.events[0]
    return (
        first.type == AcctEventType.CASE_REVIEW_FIRST
        and first.held_at is None
        and first.scheduled_at == first_case_review_due(case.opened_at)
    )


def superseded_by(mirror: CaseFacts, others: Iterable[CaseFacts]) -> CaseFacts | None:
    """The ACCT that an arrival's HA-alert mirror duplicates (hazard H-38), or None to keep it.

    The next prison's roll gives an arriving person the HA alert before their history comes, so
    a case is mirrored; the history then brings the ACCT that travelled with them. The mirror
    gives way only when nothing could be lost by closing it: it is unused (`_unused_ha_mirror`)
    and the person has another case that is OPEN and was opened before it (the earliest such is
    the one that continues). A travelling case in post-closure does not count: the HA alert says
    the prison has the ACCT open again, which the mirror says and that case does not. Anything
    else keeps both, and each says in red that the other exists."""
    if not _unused_ha_mirror(mirror):
        return None
    earlier = [
        case
        for case in others
        if case.id != mirror.id
        and case.status == AcctStatus.OPEN
        and case.opened_at < mirror.opened_at
    ]
    return min(earlier, key=lambda case: (case.opened_at, case.id), default=None)


def post_closure_review_due(
    closed_at: datetime, policy: AcctPolicy = DEFAULT_ACCT_POLICY
) -> datetime:
    closed_at = require_aware(closed_at, "The closure time")
    return closed_at + timedelta(days=policy.post_closure_review_days)


def first_case_review_due(opened_at: datetime) -> datetime:
    """The latest time for the first case review (PSI 64/2011: within 24 hours of opening)."""
    return require_aware(opened_at, "The opening time") + FIRST_CASE_REVIEW_WITHIN


def needed_by(event_scheduled_at: datetime) -> datetime:
    """A wing contribution must reach the office before the event starts."""
    return require_aware(event_scheduled_at, "The event's scheduled time")


class InputTiming(enum.StrEnum):
    """Where input not yet at the office stands against its needed-by time."""

    AT_OFFICE = "AT_OFFICE"  # synced: nothing to warn about
    IN_TIME = "IN_TIME"  # needed later than the warning window
    DUE_SOON = "DUE_SOON"  # needed within the window, and the time is still ahead
    PASSED = "PASSED"  # the needed-by time has come: the review may start without it


def input_timing(
    needed_by: datetime,
    now: datetime,
    synced: bool,
    policy: AcctPolicy = DEFAULT_ACCT_POLICY,
) -> InputTiming:
    """How near an unsynced contribution is to its needed-by time (domain.md §6: input must
    reach the office before the review starts, so at the start time it is already too late)."""
    if synced:
        return InputTiming.AT_OFFICE
    needed_by = require_aware(needed_by, "The needed-by time")
    now = require_aware(now, "The current time")
    if needed_by <= now:
        return InputTiming.PASSED
    # Counted forward from now: a needed-by time at the calendar's first moment (only a record
    # pulled from a device in hostile hands holds one) is simply passed, not an OverflowError.
    if needed_by <= now + policy.unsynced_warning_window:
        return InputTiming.DUE_SOON
    return InputTiming.IN_TIME


def unsynced_warning(
    needed_by: datetime,
    now: datetime,
    synced: bool,
    policy: AcctPolicy = DEFAULT_ACCT_POLICY,
) -> bool:
    """Warn (and offer a handover slip) when an unsynced contribution is near or past needed-by."""
    timing = input_timing(needed_by, now, synced, policy)
    return timing in (InputTiming.DUE_SOON, InputTiming.PASSED)


@dataclass(frozen=True, slots=True)
class AcctTask:
    """A task for healthcare staff, created when an ACCT comes to light."""

    code: str
    patient_id: str
    title: str
    detail: str
    due_at: datetime
    first_review_by: datetime


FIND_FIRST_REVIEW_TASK = "ACCT_FIRST_REVIEW_TIME"


def new_ha_alert_task(patient_id: str, alert_raised_at: datetime) -> AcctTask:
    """A new HA alert: find when the first case review is, so health input can be arranged."""
    if not patient_id.strip():
        raise ValueError("The task needs the patient it is about")
    raised = require_aware(alert_raised_at, "The alert time")
    return AcctTask(
        code=FIND_FIRST_REVIEW_TASK,
        patient_id=patient_id,
        title="Find the first ACCT case review time",
        detail=(
            "An ACCT has been opened (HA alert). Ask the case manager when the first case review "
            "is - it is due within 24 hours of opening - and arrange health input."
        ),
        due_at=raised,
        first_review_by=first_case_review_due(raised),
    )
