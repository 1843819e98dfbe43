import dataclasses

import pytest

from hjdesk.clinical import questionnaires as q
from hjdesk.clinical.questionnaires import Gad7Band, Phq9Band, SixCitBand


def items_with_total(total, count, highest=3, last=0):
    """`count` item scores summing to `total`, with the last item fixed at `last`."""
    items = [0] * count
    items[-1] = last
    remaining = total - last
    for index in range(count - 1):
        items[index] = min(highest, remaining)
        remaining -= items[index]
    assert remaining == 0, "total not reachable"
    return items


def test_snomed_codes():
    assert q.PHQ9_SNOMED == "720433000"
    assert q.GAD7_SNOMED == "445455005"


# --- item texts -------------------------------------------------------------------------------


def test_answer_labels_match_scores_0_to_3():
    assert q.ANSWER_LABELS == (
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    )


def test_phq9_item_texts():
    assert len(q.PHQ9_ITEMS) == 9
    assert q.PHQ9_ITEMS[0] == "Little interest or pleasure in doing things"
    assert "better off dead" in q.PHQ9_ITEMS[8]
    assert "hurting yourself" in q.PHQ9_ITEMS[8]
    assert len(set(q.PHQ9_ITEMS)) == 9
    assert "2 weeks" in q.PHQ9_STEM
    assert len(q.PHQ9_DIFFICULTY_LABELS) == 4


def test_gad7_item_texts():
    assert len(q.GAD7_ITEMS) == 7
    assert q.GAD7_ITEMS[0] == "Feeling nervous, anxious or on edge"
    assert q.GAD7_ITEMS[6] == "Feeling afraid as if something awful might happen"
    assert len(set(q.GAD7_ITEMS)) == 7
    assert "2 weeks" in q.GAD7_STEM


def test_six_cit_records_topics_only():
    assert tuple(q.SIX_CIT_TOPICS) == (
        "year",
        "month",
        "time",
        "count_backwards",
        "months_reverse",
        "address_recall",
    )


# --- PHQ-9 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, Phq9Band.MINIMAL),
        (4, Phq9Band.MINIMAL),
        (5, Phq9Band.MILD),
        (9, Phq9Band.MILD),
        (10, Phq9Band.MODERATE),
        (14, Phq9Band.MODERATE),
        (15, Phq9Band.MODERATELY_SEVERE),
        (19, Phq9Band.MODERATELY_SEVERE),
        (20, Phq9Band.SEVERE),
        (24, Phq9Band.SEVERE),
    ],
)
def test_phq9_bands(total, band):
    items = items_with_total(total, 9)
    result = q.phq9(items)
    assert result.total == total
    assert result.band is band
    assert result.items == tuple(items)
    assert not result.suicide_risk_flag
    assert not result.needs_escalation
    assert result.prompts == ()


def test_phq9_band_values():
    assert [band.value for band in Phq9Band] == [
        "minimal",
        "mild",
        "moderate",
        "moderately severe",
        "severe",
    ]


def test_phq9_maximum():
    result = q.phq9([3] * 9)
    assert result.total == 27
    assert result.band == "severe"
    assert result.suicide_risk_flag


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("total_of_others", [0, 3, 24])
def test_phq9_item_9_flags_whatever_the_total(item9, total_of_others):
    items = items_with_total(total_of_others + item9, 9, last=item9)
    result = q.phq9(items)
    assert result.total == total_of_others + item9
    assert result.suicide_risk_flag
    assert result.needs_escalation
    assert result.prompts == (
        "Complete an immediate risk assessment",
        "Consider raising an ACCT concern",
    )


def test_phq9_flag_with_minimal_total():
    result = q.phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.band is Phq9Band.MINIMAL
    assert result.suicide_risk_flag


@pytest.mark.parametrize("position", range(8))
def test_phq9_only_item_9_raises_the_flag(position):
    items = [0] * 9
    items[position] = 3
    result = q.phq9(items)
    assert result.total == 3
    assert not result.suicide_risk_flag
    assert result.prompts == ()


def test_phq9_accepts_a_tuple():
    assert q.phq9((1,) * 9).total == 9


# --- GAD-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "further"),
    [
        (0, Gad7Band.MINIMAL, False),
        (4, Gad7Band.MINIMAL, False),
        (5, Gad7Band.MILD, False),
        (9, Gad7Band.MILD, False),
        (10, Gad7Band.MODERATE, True),
        (14, Gad7Band.MODERATE, True),
        (15, Gad7Band.SEVERE, True),
        (21, Gad7Band.SEVERE, True),
    ],
)
def test_gad7_bands(total, band, further):
    items = items_with_total(total, 7, last=min(3, total))
    result = q.gad7(items)
    assert result.total == total
    assert result.band is band
    assert result.further_evaluation is further
    assert result.items == tuple(items)


def test_gad7_band_values():
    assert [band.value for band in Gad7Band] == ["minimal", "mild", "moderate", "severe"]


# --- item validation, shared by PHQ-9, GAD-7 and AQ-10 ----------------------------------------

SCORERS = [(q.phq9, "PHQ-9", 9, 3), (q.gad7, "GAD-7", 7, 3), (q.aq10, "AQ-10", 10, 1)]


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_item_count(scorer, name, count, highest, delta):
    with pytest.raises(ValueError, match=f"{name} needs all {count} items answered"):
        scorer([0] * (count + delta))


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
def test_no_items(scorer, name, count, highest):
    with pytest.raises(ValueError, match=r"got 0$"):
        scorer([])


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
@pytest.mark.parametrize("items", [None, 5, "0", {"a": 1}])
def test_items_must_be_a_sequence(scorer, name, count, highest, items):
    with pytest.raises(ValueError, match=f"{name} answers must be a list"):
        scorer(items)


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
def test_items_as_a_string_are_refused(scorer, name, count, highest):
    with pytest.raises(ValueError, match="must be a list"):
        scorer("0" * count)


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (None, "is not answered"),
        (True, "must be a whole number"),
        (False, "must be a whole number"),
        (1.0, "must be a whole number"),
        ("1", "must be a whole number"),
        (-1, "must be 0-"),
        (4, "must be 0-"),
    ],
)
@pytest.mark.parametrize("position", [0, 3])
def test_bad_item_is_named(scorer, name, count, highest, bad, reason, position):
    items = [0] * count
    items[position] = bad
    with pytest.raises(ValueError, match=f"{name} item {position + 1} {reason}"):
        scorer(items)


@pytest.mark.parametrize(("scorer", "name", "count", "highest"), SCORERS)
def test_one_above_the_highest_item_score(scorer, name, count, highest):
    items = [0] * count
    items[-1] = highest + 1
    with pytest.raises(ValueError, match=f"{name} item {count} must be 0-{highest}, got"):
        scorer(items)
    items[-1] = highest
    assert scorer(items).total == highest


# --- 6CIT -------------------------------------------------------------------------------------

NO_ERRORS = {
    "year_wrong": False,
    "month_wrong": False,
    "time_wrong": False,
    "count_errors": 0,
    "months_errors": 0,
    "address_errors": 0,
}


def six_cit(**changes):
    return q.six_cit(**{**NO_ERRORS, **changes})


@pytest.mark.parametrize(
    ("changes", "topic", "weight"),
    [
        ({"year_wrong": True}, "year", 4),
        ({"month_wrong": True}, "month", 3),
        ({"time_wrong": True}, "time", 3),
        ({"count_errors": 1}, "count_backwards", 2),
        ({"count_errors": 2}, "count_backwards", 4),
        ({"count_errors": 7}, "count_backwards", 4),
        ({"months_errors": 1}, "months_reverse", 2),
        ({"months_errors": 2}, "months_reverse", 4),
        ({"months_errors": 12}, "months_reverse", 4),
        ({"address_errors": 1}, "address_recall", 2),
        ({"address_errors": 2}, "address_recall", 4),
        ({"address_errors": 3}, "address_recall", 6),
        ({"address_errors": 4}, "address_recall", 8),
        ({"address_errors": 5}, "address_recall", 10),
    ],
)
def test_six_cit_weights(changes, topic, weight):
    result = six_cit(**changes)
    assert result.subscores[topic] == weight
    assert result.total == weight
    assert all(value == 0 for key, value in result.subscores.items() if key != topic)


def test_six_cit_subscores_use_the_topic_keys():
    assert tuple(six_cit().subscores) == tuple(q.SIX_CIT_TOPICS)


@pytest.mark.parametrize(
    ("changes", "total", "band", "action"),
    [
        ({}, 0, SixCitBand.NORMAL, "No action needed"),
        ({"year_wrong": True, "month_wrong": True}, 7, SixCitBand.NORMAL, "No action needed"),
        (
            {"year_wrong": True, "count_errors": 2},
            8,
            SixCitBand.MILD_IMPAIRMENT,
            "Consider referral",
        ),
        (
            {"year_wrong": True, "month_wrong": True, "months_errors": 1},
            9,
            SixCitBand.MILD_IMPAIRMENT,
            "Consider referral",
        ),
        (
            {"year_wrong": True, "month_wrong": True, "time_wrong": True},
            10,
            SixCitBand.SIGNIFICANT_IMPAIRMENT,
            "Refer",
        ),
        (
            {
                "year_wrong": True,
                "month_wrong": True,
                "time_wrong": True,
                "count_errors": 20,
                "months_errors": 12,
                "address_errors": 5,
            },
            28,
            SixCitBand.SIGNIFICANT_IMPAIRMENT,
            "Refer",
        ),
    ],
)
def test_six_cit_bands(changes, total, band, action):
    result = six_cit(**changes)
    assert result.total == total
    assert result.band is band
    assert result.action == action


def test_six_cit_band_values():
    assert [band.value for band in SixCitBand] == [
        "normal",
        "mild impairment",
        "significant impairment",
    ]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"year_wrong": 1}, "6CIT year wrong must be yes or no"),
        ({"month_wrong": None}, "6CIT month wrong must be yes or no"),
        ({"time_wrong": "yes"}, "6CIT time of day wrong must be yes or no"),
        ({"count_errors": -1}, "6CIT counting backwards errors cannot be negative"),
        ({"count_errors": True}, "6CIT counting backwards errors must be a whole number"),
        ({"count_errors": 1.0}, "6CIT counting backwards errors must be a whole number"),
        ({"months_errors": -1}, "6CIT months in reverse errors cannot be negative"),
        ({"months_errors": "2"}, "6CIT months in reverse errors must be a whole number"),
        ({"address_errors": -1}, "6CIT address recall errors cannot be negative"),
        ({"address_errors": 6}, "6CIT address recall errors can be at most 5"),
        ({"address_errors": None}, "6CIT address recall errors must be a whole number"),
    ],
)
def test_six_cit_errors(changes, reason):
    with pytest.raises(ValueError, match=reason):
        six_cit(**changes)


# --- AQ-10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "positive"),
    [(0, False), (5, False), (6, True), (10, True)],
)
def test_aq10_threshold(total, positive):
    items = [1] * total + [0] * (10 - total)
    result = q.aq10(items)
    assert result.total == total
    assert result.screen_positive is positive
    assert result.offer_assessment is positive
    assert not result.overridden
    assert result.items == tuple(items)


@pytest.mark.parametrize(
    ("total", "override", "offer", "overridden"),
    [
        (3, True, True, True),
        (5, True, True, True),
        (6, False, False, True),
        (9, False, False, True),
        # Confirming the score's verdict is not an override.
        (8, True, True, False),
        (2, False, False, False),
        (5, None, False, False),
        (6, None, True, False),
    ],
)
def test_aq10_clinician_override(total, override, offer, overridden):
    result = q.aq10([1] * total + [0] * (10 - total), override=override)
    assert result.screen_positive is (total >= 6)
    assert result.offer_assessment is offer
    assert result.overridden is overridden


@pytest.mark.parametrize("override", [1, 0, "yes"])
def test_aq10_override_must_be_yes_no_or_unset(override):
    with pytest.raises(ValueError, match="AQ-10 override must be"):
        q.aq10([0] * 10, override=override)


def test_aq10_item_above_one_is_refused():
    with pytest.raises(ValueError, match="AQ-10 item 2 must be 0-1, got 2"):
        q.aq10([0, 2, 0, 0, 0, 0, 0, 0, 0, 0])


# --- results are frozen -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        q.phq9([0] * 9),
        q.gad7([0] * 7),
        q.six_cit(**NO_ERRORS),
        q.aq10([0] * 10),
    ],
)
def test_results_are_frozen_with_slots(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 99
    assert not hasattr(result, "__dict__")
    hash(result)


def test_six_cit_subscores_cannot_be_changed():
    with pytest.raises(TypeError):
        q.six_cit(**NO_ERRORS).subscores["year"] = 0
