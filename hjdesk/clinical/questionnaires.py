"""Scored questionnaires: PHQ-9, GAD-7, 6CIT and AQ-10, with the item texts the UI may show.

Sources: PHQ-9 and GAD-7 (Spitzer, Williams, Kroenke; Pfizer, free to reproduce) — item texts and
severity bands as in domain.md §4; 6CIT weighting and bands (Brooke and Bullock 1999, domain.md §4);
AQ-10 threshold of 6 (NICE CG142). The 6CIT's licence is unclear (domain.md §4 [C]), so only topics
are recorded here, never the published form's wording.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

PHQ9_SNOMED = "720433000"
GAD7_SNOMED = "445455005"

ANSWER_LABELS: tuple[str, ...] = (
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
)

PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family "
    "down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
    "fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
# Not scored: how much the problems get in the way, asked after the nine items.
PHQ9_DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your "
    "work, take care of things at home, or get along with other people?"
)
PHQ9_DIFFICULTY_LABELS: tuple[str, ...] = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)

GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
GAD7_ITEMS: tuple[str, ...] = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

# Keys and topics only: the published 6CIT wording is not reproduced (licence unclear).
SIX_CIT_TOPICS: Mapping[str, str] = MappingProxyType(
    {
        "year": "Orientation: the current year",
        "month": "Orientation: the current month",
        "time": "Orientation: the time of day, to within one hour",
        "count_backwards": "Counting backwards from 20 to 1",
        "months_reverse": "The months of the year in reverse",
        "address_recall": "Recall of a five-part address given earlier",
    }
)

PROMPT_RISK_ASSESSMENT = "Complete an immediate risk assessment"
PROMPT_ACCT = "Consider raising an ACCT concern"

AQ10_THRESHOLD = 6


class Phq9Band(enum.StrEnum):
    MINIMAL = "minimal"
    MILD = "mild"
    MODERATE = "moderate"
    MODERATELY_SEVERE = "moderately severe"
    SEVERE = "severe"


class Gad7Band(enum.StrEnum):
    MINIMAL = "minimal"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class SixCitBand(enum.StrEnum):
    NORMAL = "normal"
    MILD_IMPAIRMENT = "mild impairment"
    SIGNIFICANT_IMPAIRMENT = "significant impairment"


SIX_CIT_ACTIONS: Mapping[SixCitBand, str] = MappingProxyType(
    {
        SixCitBand.NORMAL: "No action needed",
        SixCitBand.MILD_IMPAIRMENT: "Consider referral",
        SixCitBand.SIGNIFICANT_IMPAIRMENT: "Refer",
    }
)


@dataclass(frozen=True, slots=True)
class Phq9Result:
    items: tuple[int, ...]
    total: int
    band: Phq9Band
    suicide_risk_flag: bool
    prompts: tuple[str, ...]

    @property
    def needs_escalation(self) -> bool:
        """Item 9 above 0: a risk assessment must follow, whatever the total."""
        return self.suicide_risk_flag


@dataclass(frozen=True, slots=True)
class Gad7Result:
    items: tuple[int, ...]
    total: int
    band: Gad7Band
    further_evaluation: bool


@dataclass(frozen=True, slots=True)
class SixCitResult:
    """`subscores` holds each topic's weighted score, keyed as SIX_CIT_TOPICS."""

    total: int
    subscores: Mapping[str, int] = field(hash=False)
    band: SixCitBand
    action: str


@dataclass(frozen=True, slots=True)
class Aq10Result:
    """`screen_positive` is the score's verdict; `offer_assessment` is the decision after any
    clinician override, and `overridden` is True when the two differ."""

    items: tuple[int, ...]
    total: int
    screen_positive: bool
    offer_assessment: bool
    overridden: bool


def _check_items(name: str, items: object, count: int, highest: int) -> tuple[int, ...]:
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise ValueError(f"{name} answers must be a list of {count} item scores")
    if len(items) != count:
        raise ValueError(f"{name} needs all {count} items answered, got {len(items)}")
    answers: list[int] = []
    for number, value in enumerate(items, start=1):
        if value is None:
            raise ValueError(f"{name} item {number} is not answered")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"{name} item {number} must be a whole number 0-{highest}, got {value!r}"
            )
        if not 0 <= value <= highest:
            raise ValueError(f"{name} item {number} must be 0-{highest}, got {value}")
        answers.append(value)
    return tuple(answers)


def _phq9_band(total: int) -> Phq9Band:
    if total <= 4:
        return Phq9Band.MINIMAL
    if total <= 9:
        return Phq9Band.MILD
    if total <= 14:
        return Phq9Band.MODERATE
    if total <= 19:
        return Phq9Band.MODERATELY_SEVERE
    return Phq9Band.SEVERE


def phq9(items: Sequence[int]) -> Phq9Result:
    """Score the nine PHQ-9 items (each 0-3, in form order); all nine are required."""
    answers = _check_items("PHQ-9", items, 9, 3)
    total = sum(answers)
    # Item 9 asks about self-harm: any positive answer needs follow-up however low the total.
    flagged = answers[8] > 0
    return Phq9Result(
        items=answers,
        total=total,
        band=_phq9_band(total),
        suicide_risk_flag=flagged,
        prompts=(PROMPT_RISK_ASSESSMENT, PROMPT_ACCT) if flagged else (),
    )


def _gad7_band(total: int) -> Gad7Band:
    if total <= 4:
        return Gad7Band.MINIMAL
    if total <= 9:
        return Gad7Band.MILD
    if total <= 14:
        return Gad7Band.MODERATE
    return Gad7Band.SEVERE


def gad7(items: Sequence[int]) -> Gad7Result:
    """Score the seven GAD-7 items (each 0-3, in form order); all seven are required."""
    answers = _check_items("GAD-7", items, 7, 3)
    total = sum(answers)
    return Gad7Result(
        items=answers, total=total, band=_gad7_band(total), further_evaluation=total >= 10
    )


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"6CIT {name} must be yes or no, got {value!r}")
    return value


def _check_errors(name: str, value: object, most: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"6CIT {name} must be a whole number of errors, got {value!r}")
    if value < 0:
        raise ValueError(f"6CIT {name} cannot be negative (got {value})")
    if most is not None and value > most:
        raise ValueError(f"6CIT {name} can be at most {most}, got {value}")
    return value


def _sequence_errors_score(errors: int) -> int:
    return 0 if errors == 0 else 2 if errors == 1 else 4


def _six_cit_band(total: int) -> SixCitBand:
    if total <= 7:
        return SixCitBand.NORMAL
    if total <= 9:
        return SixCitBand.MILD_IMPAIRMENT
    return SixCitBand.SIGNIFICANT_IMPAIRMENT


def six_cit(
    *,
    year_wrong: bool,
    month_wrong: bool,
    time_wrong: bool,
    count_errors: int,
    months_errors: int,
    address_errors: int,
) -> SixCitResult:
    """Score the 6CIT (0-28, higher is worse) from the answers recorded by topic."""
    subscores = {
        "year": 4 if _check_flag("year wrong", year_wrong) else 0,
        "month": 3 if _check_flag("month wrong", month_wrong) else 0,
        "time": 3 if _check_flag("time of day wrong", time_wrong) else 0,
        "count_backwards": _sequence_errors_score(
            _check_errors("counting backwards errors", count_errors)
        ),
        "months_reverse": _sequence_errors_score(
            _check_errors("months in reverse errors", months_errors)
        ),
        "address_recall": 2 * _check_errors("address recall errors", address_errors, most=5),
    }
    total = sum(subscores.values())
    band = _six_cit_band(total)
    return SixCitResult(
        total=total,
        subscores=MappingProxyType(subscores),
        band=band,
        action=SIX_CIT_ACTIONS[band],
    )


def aq10(items: Sequence[int], *, override: bool | None = None) -> Aq10Result:
    """Score the AQ-10 from its ten item scores (each 0 or 1, already keyed for direction).

    `override` is the clinician's decision on whether to offer an assessment, where it differs
    from, or confirms, the score's verdict; None leaves the score to decide.
    """
    answers = _check_items("AQ-10", items, 10, 1)
    if override is not None and not isinstance(override, bool):
        raise ValueError(f"AQ-10 override must be yes, no or not set, got {override!r}")
    total = sum(answers)
    positive = total >= AQ10_THRESHOLD
    decision = positive if override is None else override
    return Aq10Result(
        items=answers,
        total=total,
        screen_positive=positive,
        offer_assessment=decision,
        overridden=decision != positive,
    )
