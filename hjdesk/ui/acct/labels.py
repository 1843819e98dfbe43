"""Words (and severity colours) for the ACCT codes, and how ACCT times are written.

Health input status and flags are shown as a colour *and* a word ("HIGH", "LATE", "None"), so
nothing depends on seeing colour. Times are shown in England's local time, where reviews happen.
"""

from __future__ import annotations

from datetime import datetime

from hjdesk.clinical import acct as rules
from hjdesk.services.acct import AcctEventView, InputStatus
from hjdesk.services.common import CLINIC_ZONE, clinic_time

CONTRIBUTION_TYPES: dict[str, str] = {
    rules.ContributionType.ATTENDED_IN_PERSON: "Attended in person",
    rules.ContributionType.ATTENDED_REMOTE: "Attended remotely (phone or video)",
    rules.ContributionType.WRITTEN_CONTRIBUTION: "Written contribution",
    rules.ContributionType.INFORMATION_SHARED_TO_CASE_MANAGER: "Information shared with the case "
    "manager",
    rules.ContributionType.HEALTHCARE_ASSESSOR: "Healthcare assessor",
    rules.ContributionType.INVITED_UNABLE_TO_ATTEND: "Invited, unable to attend",
    rules.ContributionType.NOT_INVITED: "Not invited",
}
TEAMS: dict[str, str] = {
    rules.Team.PRIMARY_CARE: "Primary care",
    rules.Team.MH_IN_REACH: "Mental health in-reach",
    rules.Team.SUBSTANCE_MISUSE: "Substance misuse",
    rules.Team.SOCIAL_CARE: "Social care",
}
CASE_STATUSES: dict[str, str] = {
    rules.AcctStatus.OPEN: "Open",
    rules.AcctStatus.POST_CLOSURE: "Post-closure",
    rules.AcctStatus.CLOSED: "Closed",
}
SEVERITY_COLOUR = {rules.Severity.HIGH.value: "RED", rules.Severity.MEDIUM.value: "AMBER"}


def upcoming_within(policy: rules.AcctPolicy | None = None) -> str:
    """The ACCT policy's upcoming-review window (`AcctPolicy.upcoming_window`) as words, e.g.
    "24 hours": every text naming the window says it so, never a written number (H-14). By
    default the policy the services use, read at each call."""
    chosen = rules.DEFAULT_ACCT_POLICY if policy is None else policy
    return rules.window_text(chosen.upcoming_window)


def type_text(code: str) -> str:
    """The contribution type, saying whether it counts as health input."""
    name = CONTRIBUTION_TYPES.get(code, code)
    counts = rules.counts_as_health_input(rules.ContributionType(code))
    return f"{name} — {'counts' if counts else 'does not count'} as health input"


def event_label(code: str) -> str:
    label = rules.EVENT_LABELS[rules.AcctEventType(code)]
    return label[0].upper() + label[1:]


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """`Mon 23 Nov 14:05`, with `today`/`tomorrow` where it helps, and the year when it is not
    this year's (a review next January; a time at the calendar's ends, which only a record
    pulled from a device in hostile hands holds, must not read as one this year)."""
    if moment is None:
        return "not set"
    local = clinic_time(moment)
    if now is not None:
        today = now.astimezone(CLINIC_ZONE).date()
        days = (local.date() - today).days
        if days in (-1, 0, 1):
            word = {-1: "yesterday", 0: "today", 1: "tomorrow"}[days]
            return f"{word} {local:%H:%M}"
        if local.year != today.year:
            return local.strftime("%a %d %b %Y %H:%M")
    return local.strftime("%a %d %b %H:%M")


def hours_between(earlier: datetime, later: datetime) -> str:
    hours = (later - earlier).total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    return f"{round(hours)} h" if hours < 48 else f"{round(hours / 24)} days"


def is_review(event: AcctEventView) -> bool:
    return rules.AcctEventType(event.event_type) in rules.REVIEW_EVENT_TYPES


def input_text(event: AcctEventView, *, due_soon: bool = False) -> tuple[str, str | None]:
    """An event's health input as words, and the severity colour to draw them in; `due_soon`:
    the review is within the upcoming window (`upcoming_within`) with no input planned."""
    status = event.input_status
    review = is_review(event)
    if status is InputStatus.QUALIFYING:
        return "Given", "GREEN"
    if status is InputStatus.PLANNED:
        return "Planned (not yet given)", "AMBER"
    needed = review and (event.held_at is not None or event.input_late)
    if status is InputStatus.NON_QUALIFYING_ONLY:
        text = "None that counts (unable / not invited)"
        return (f"MISSING: {text}" if needed else text), ("RED" if needed else "AMBER")
    if not review:
        return "Not required", "GREY"
    if event.input_late:
        return "LATE: none planned or given", "RED"
    if event.held_at is not None:
        return "MISSING: none recorded", "RED"
    if due_soon:
        return f"NEEDED within {upcoming_within()}: none planned", "RED"
    return "None yet", None
