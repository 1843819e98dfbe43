"""Reception and age-based checks: second-stage assessment, AAA screening, older-prisoner review.

Sources: domain.md §7-8; NICE NG57/QS156 (second-stage health assessment within 7 days of
reception); NHS AAA screening programme (men are invited in the year they turn 65); HMPPS older
prisoner threshold of 50 (Justice Committee HC 304, 2020). The older-prisoner review interval is
local policy (domain.md §7 [C]).

Decisions (ours):
- Ages use `identifiers.age_on`: someone born on 29 February turns a year older on 1 March in a
  common year.
- AAA invitations go by the sex registered with the NHS; an unknown registered sex gives no
  invitation here (the national programme sends them) and shows as not due.
- Older-prisoner review: due on the day of the first flag, then a year after the last review. A
  patient not yet flagged but aged 50 or over is due today.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from hjdesk.clinical import identifiers
from hjdesk.clinical.dates import add_months
from hjdesk.clinical.identifiers import OLDER_PRISONER_AGE, age_on

__all__ = [
    "DEFAULT_RECEPTION_POLICY",
    "ReceptionPolicy",
    "RegisteredSex",
    "SecondStageStatus",
    "aaa_screening_due",
    "age_on",
    "is_older_prisoner",
    "older_prisoner_review_due",
    "second_stage_due",
    "second_stage_on_time",
    "second_stage_status",
]


class SecondStageStatus(enum.StrEnum):
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    DONE = "DONE"


class RegisteredSex(enum.StrEnum):
    """Sex as registered with the NHS, which screening invitations follow."""

    MALE = "MALE"
    FEMALE = "FEMALE"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class ReceptionPolicy:
    """National thresholds and the local older-prisoner review interval (domain.md §7 [C])."""

    second_stage_within_days: int = 7
    aaa_screening_age: int = 65
    older_prisoner_age: int = OLDER_PRISONER_AGE
    older_prisoner_review_months: int = 12

    def __post_init__(self) -> None:
        if self.second_stage_within_days < 1 or self.older_prisoner_review_months < 1:
            raise ValueError("Review intervals must be positive")


DEFAULT_RECEPTION_POLICY = ReceptionPolicy()


def second_stage_due(
    reception_date: date, policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY
) -> date:
    """The last day for the second-stage assessment: reception date + 7 days (the calendar's
    last day for a reception date in its last week, which only a pulled record from a device in
    hostile hands holds)."""
    if reception_date > date.max - timedelta(days=policy.second_stage_within_days):
        return date.max
    return reception_date + timedelta(days=policy.second_stage_within_days)


def second_stage_status(
    reception_date: date,
    completed_on: date | None,
    today: date,
    policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> SecondStageStatus:
    """DONE once completed; otherwise DUE up to and including the due day, OVERDUE after."""
    if today < reception_date:
        raise ValueError("Today is before the reception date: check the reception date")
    if completed_on is not None:
        if completed_on < reception_date:
            raise ValueError("The second-stage assessment cannot be before reception")
        return SecondStageStatus.DONE
    if today > second_stage_due(reception_date, policy):
        return SecondStageStatus.OVERDUE
    return SecondStageStatus.DUE


def second_stage_on_time(
    reception_date: date,
    completed_on: date,
    policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> bool:
    """Completed on or before the due day (for the '% within 7 days' figure)."""
    if completed_on < reception_date:
        raise ValueError("The second-stage assessment cannot be before reception")
    return completed_on <= second_stage_due(reception_date, policy)


def aaa_screening_due(
    date_of_birth: date,
    sex: RegisteredSex,
    year: int,
    policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> bool:
    """Abdominal aortic aneurysm screening: men, in the calendar year they turn 65."""
    if year < date_of_birth.year:
        raise ValueError("The year is before the date of birth")
    return (
        RegisteredSex(sex) is RegisteredSex.MALE
        and year - date_of_birth.year == policy.aaa_screening_age
    )


def is_older_prisoner(
    date_of_birth: date, on: date, policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY
) -> bool:
    """Aged the policy's age (50, HMPPS operational threshold) or over on the day:
    `identifiers.is_older_prisoner` with the policy's age."""
    return identifiers.is_older_prisoner(date_of_birth, on, from_age=policy.older_prisoner_age)


def older_prisoner_review_due(
    date_of_birth: date,
    first_flagged: date | None,
    last_review: date | None,
    today: date,
    policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> date | None:
    """When the older-prisoner review is due; None if the patient is under 50 today.

    A date on or before today means the review should be done now; after it, it is overdue.
    """
    if not is_older_prisoner(date_of_birth, today, policy):
        return None
    for name, value in (("first flagged", first_flagged), ("last review", last_review)):
        if value is not None and not date_of_birth <= value <= today:
            raise ValueError(f"The {name} date must be between the date of birth and today")
    if last_review is not None:
        return add_months(last_review, policy.older_prisoner_review_months)
    return first_flagged if first_flagged is not None else today
