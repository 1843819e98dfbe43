import dataclasses
import itertools
import re

import pytest

from hjdesk.clinical import falls
from hjdesk.clinical.falls import FallsAnswers

QUESTIONS = ("fallen_last_year", "injury", "fear_of_falling", "gait_or_balance_concern")


def answers(**yes):
    return FallsAnswers(**{name: yes.get(name, False) for name in QUESTIONS})


def test_questions_in_form_order():
    assert tuple(falls.FALLS_QUESTIONS) == QUESTIONS
    assert tuple(field.name for field in dataclasses.fields(FallsAnswers)) == QUESTIONS


def test_no_positive_answer_needs_no_assessment():
    result = answers()
    assert not falls.needs_multifactorial_assessment(result)
    assert falls.positive_answers(result) == ()


@pytest.mark.parametrize("question", QUESTIONS)
def test_any_single_positive_answer_needs_an_assessment(question):
    result = answers(**{question: True})
    assert falls.needs_multifactorial_assessment(result)
    assert falls.positive_answers(result) == (question,)


@pytest.mark.parametrize("values", list(itertools.product([False, True], repeat=4)))
def test_every_combination(values):
    result = FallsAnswers(*values)
    assert falls.needs_multifactorial_assessment(result) is any(values)
    assert falls.positive_answers(result) == tuple(
        name for name, value in zip(QUESTIONS, values, strict=True) if value
    )


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("bad", [1, 0, None, "yes"])
def test_answers_must_be_yes_or_no(question, bad):
    text = falls.FALLS_QUESTIONS[question]
    with pytest.raises(ValueError, match=re.escape(f"falls question '{text}' must be yes or no")):
        answers(**{question: bad})


def test_answers_are_frozen():
    result = answers()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.injury = True
    assert not hasattr(result, "__dict__")
