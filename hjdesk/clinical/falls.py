"""Falls questions and the trigger for a multifactorial falls assessment.

Source: NICE NG249 (2025), Falls: assessment and prevention in older people; domain.md §4.
NG249 says not to use falls-risk prediction scores, so nothing here is scored: any positive answer
leads to a multifactorial falls assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

FALLS_QUESTIONS: dict[str, str] = {
    "fallen_last_year": "Fallen in the last year",
    "injury": "Injured by a fall",
    "fear_of_falling": "Afraid of falling",
    "gait_or_balance_concern": "Concern about walking (gait) or balance",
}


@dataclass(frozen=True, slots=True)
class FallsAnswers:
    fallen_last_year: bool
    injury: bool
    fear_of_falling: bool
    gait_or_balance_concern: bool

    def __post_init__(self) -> None:
        for answer in fields(self):
            value = getattr(self, answer.name)
            if not isinstance(value, bool):
                question = FALLS_QUESTIONS[answer.name]
                raise ValueError(f"falls question {question!r} must be yes or no, got {value!r}")


def positive_answers(answers: FallsAnswers) -> tuple[str, ...]:
    """The questions answered yes, as FALLS_QUESTIONS keys in form order (for the task text)."""
    return tuple(name for name in FALLS_QUESTIONS if getattr(answers, name))


def needs_multifactorial_assessment(answers: FallsAnswers) -> bool:
    """Any positive answer → a multifactorial falls assessment task (NICE NG249)."""
    return bool(positive_answers(answers))
