"""Transfer and release planning: when planning starts, medicines on release, plan completeness.

Sources: domain.md §9; NICE NG57 (release planning starts at least 1 month before release); NICE
QS156 statement 5 (at least 7 days of medicines, or a prescription, on release); NHS England
RECONNECT (works with people from up to 12 weeks before release).

Decisions (ours, where domain.md is silent):
- "1 month" is a calendar month: release on 15 June → planning from 15 May.
- Which checks apply depends on the movement. The community GP, RECONNECT status and the 7-day
  supply apply to RELEASE; the Person Escort Record (PER) health information applies to escorted
  moves (everything except RELEASE). Both sets are policy so a prison can widen them.
- A patient of no fixed abode needs no destination address on release.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from hjdesk.clinical.acct import AcctStatus
from hjdesk.clinical.dates import add_months


class MovementType(enum.StrEnum):
    RELEASE = "RELEASE"
    TRANSFER = "TRANSFER"
    COURT = "COURT"
    HOSPITAL = "HOSPITAL"
    REMOVAL = "REMOVAL"


class AcctSummaryStatus(enum.StrEnum):
    """ACCT status as shown on every transfer/release summary."""

    OPEN = "OPEN"
    POST_CLOSURE = "POST_CLOSURE"
    NONE = "NONE"


class GpRegistrationStatus(enum.StrEnum):
    REGISTERED = "REGISTERED"
    APPLICATION_SENT = "APPLICATION_SENT"
    NOT_REGISTERED = "NOT_REGISTERED"


class ReconnectStatus(enum.StrEnum):
    NOT_REFERRED = "NOT_REFERRED"
    REFERRED = "REFERRED"
    ACCEPTED = "ACCEPTED"
    DECLINED_BY_PATIENT = "DECLINED_BY_PATIENT"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


class SummarySection(enum.StrEnum):
    """Contents of the transfer/release health summary, in print order (domain.md §9)."""

    IDENTIFIERS = "IDENTIFIERS"
    ALLERGIES = "ALLERGIES"
    PROBLEMS_AND_LTCS = "PROBLEMS_AND_LTCS"
    MEDICINES = "MEDICINES"
    SUPPLY_GIVEN = "SUPPLY_GIVEN"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    ACCT = "ACCT"
    OUTSTANDING_APPOINTMENTS = "OUTSTANDING_APPOINTMENTS"
    SCREENING_AND_IMMUNISATION = "SCREENING_AND_IMMUNISATION"
    FRAILTY_AND_SOCIAL_CARE = "FRAILTY_AND_SOCIAL_CARE"
    COMMUNICATION_AND_NEURODIVERSITY = "COMMUNICATION_AND_NEURODIVERSITY"
    END_OF_LIFE = "END_OF_LIFE"
    RECONNECT = "RECONNECT"


_ESCORTED = frozenset(
    {MovementType.TRANSFER, MovementType.COURT, MovementType.HOSPITAL, MovementType.REMOVAL}
)


@dataclass(frozen=True, slots=True)
class ReleasePolicy:
    """National timings and which checks apply to which movements."""

    planning_starts_months_before: int = 1
    reconnect_window: timedelta = timedelta(weeks=12)
    minimum_supply_days: int = 7
    community_checks_for: frozenset[MovementType] = frozenset({MovementType.RELEASE})
    per_required_for: frozenset[MovementType] = _ESCORTED

    def __post_init__(self) -> None:
        if self.planning_starts_months_before < 1 or self.minimum_supply_days < 1:
            raise ValueError("Release planning timings must be positive")
        if self.reconnect_window <= timedelta(0):
            raise ValueError("The RECONNECT window must be longer than zero")


DEFAULT_RELEASE_POLICY = ReleasePolicy()


def acct_summary_status(status: AcctStatus | None) -> AcctSummaryStatus:
    """What the summary shows: an open or post-closure ACCT, or none (closed or never opened)."""
    if status is None:
        return AcctSummaryStatus.NONE
    status = AcctStatus(status)
    if status is AcctStatus.OPEN:
        return AcctSummaryStatus.OPEN
    if status is AcctStatus.POST_CLOSURE:
        return AcctSummaryStatus.POST_CLOSURE
    return AcctSummaryStatus.NONE


def release_planning_should_start(
    expected_date: date, today: date, policy: ReleasePolicy = DEFAULT_RELEASE_POLICY
) -> bool:
    """True from 1 calendar month before the expected release (NG57) onwards."""
    return today >= add_months(expected_date, -policy.planning_starts_months_before)


def reconnect_window_open(
    expected_date: date, today: date, policy: ReleasePolicy = DEFAULT_RELEASE_POLICY
) -> bool:
    """True from 12 weeks before the expected release onwards (counted forward from today: a
    move dated in the calendar's first weeks, which only a record pulled from a device in
    hostile hands holds, is simply within the window, not an OverflowError)."""
    return today + policy.reconnect_window >= expected_date


def medicine_supply_ok(
    days_supplied: int, fp10_given: bool, policy: ReleasePolicy = DEFAULT_RELEASE_POLICY
) -> bool:
    """At least 7 days of medicines, or an FP10 prescription (QS156 statement 5)."""
    if isinstance(days_supplied, bool) or not isinstance(days_supplied, int) or days_supplied < 0:
        raise ValueError(f"Days of medicine supplied must be 0 or more, got {days_supplied!r}")
    return fp10_given or days_supplied >= policy.minimum_supply_days


@dataclass(frozen=True, slots=True)
class ReleasePlanInput:
    """The parts of a transfer/release plan that the completeness check reads."""

    movement_type: MovementType
    expected_date: date | None = None
    destination: str | None = None
    no_fixed_abode: bool = False
    community_gp: str | None = None
    gp_registration: GpRegistrationStatus | None = None
    reconnect_status: ReconnectStatus | None = None
    days_of_medicine_supplied: int | None = None
    fp10_given: bool = False
    per_done: bool = False


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _community_problems(plan: ReleasePlanInput, policy: ReleasePolicy) -> list[str]:
    problems: list[str] = []
    if _blank(plan.community_gp):
        problems.append("Record the community GP.")
    if plan.gp_registration is None:
        problems.append("Record whether the patient is registered with the community GP.")
    elif plan.gp_registration is GpRegistrationStatus.NOT_REGISTERED:
        problems.append("The patient is not registered with a GP: start the registration.")
    if plan.days_of_medicine_supplied is None and not plan.fp10_given:
        problems.append("Record the medicines supplied on release (days, or an FP10).")
    elif not medicine_supply_ok(plan.days_of_medicine_supplied or 0, plan.fp10_given, policy):
        problems.append(
            f"Supply at least {policy.minimum_supply_days} days of medicines, or give an FP10."
        )
    if plan.reconnect_status is None:
        problems.append("Record the RECONNECT referral status.")
    return problems


def release_plan_problems(
    plan: ReleasePlanInput, policy: ReleasePolicy = DEFAULT_RELEASE_POLICY
) -> list[str]:
    """What is still missing from the plan; an empty list means it is complete."""
    movement = MovementType(plan.movement_type)
    problems: list[str] = []
    if plan.expected_date is None:
        problems.append("Record the expected date of the move.")
    nfa_release = plan.no_fixed_abode and movement is MovementType.RELEASE
    if _blank(plan.destination) and not nfa_release:
        problems.append("Record where the patient is going.")
    if movement in policy.community_checks_for:
        problems.extend(_community_problems(plan, policy))
    if movement in policy.per_required_for and not plan.per_done:
        problems.append("Complete the health information on the Person Escort Record (PER).")
    return problems
