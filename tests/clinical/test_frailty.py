import dataclasses

import pytest

from hjdesk.clinical import frailty


def test_snomed_code():
    assert frailty.CFS_SNOMED == "763264000"


@pytest.mark.parametrize(
    ("level", "name", "is_frail"),
    [
        (1, "Very fit", False),
        (2, "Fit", False),
        (3, "Managing well", False),
        (4, "Living with very mild frailty", False),
        (5, "Living with mild frailty", True),
        (6, "Living with moderate frailty", True),
        (7, "Living with severe frailty", True),
        (8, "Living with very severe frailty", True),
        (9, "Terminally ill", True),
    ],
)
def test_levels(level, name, is_frail):
    result = frailty.cfs_level(level)
    assert result.level == level
    assert result.name == name
    assert result.is_frail is is_frail
    assert result.label == f"{level} {name}"
    assert frailty.CFS_LEVELS[level - 1] == result


def test_there_are_nine_levels_in_order():
    assert [item.level for item in frailty.CFS_LEVELS] == list(range(1, 10))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0, "must be 1-9, got 0"),
        (10, "must be 1-9, got 10"),
        (-1, "must be 1-9, got -1"),
        (True, "must be a whole number"),
        (5.0, "must be a whole number"),
        ("5", "must be a whole number"),
        (None, "must be a whole number"),
    ],
)
def test_invalid_levels(value, reason):
    with pytest.raises(ValueError, match=reason):
        frailty.cfs_level(value)


@pytest.mark.parametrize(
    ("age", "caveat"),
    [(0, True), (50, True), (64, True), (65, False), (66, False), (100, False)],
)
def test_age_caveat_under_65(age, caveat):
    result = frailty.age_caveat(age)
    if caveat:
        assert result == frailty.AGE_CAVEAT
        assert "65" in result
    else:
        assert result is None


@pytest.mark.parametrize("age", [-1, True, 64.5, "64", None])
def test_age_caveat_refuses_impossible_ages(age):
    with pytest.raises(ValueError, match="age must be a whole number"):
        frailty.age_caveat(age)


def test_levels_are_frozen():
    level = frailty.cfs_level(5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        level.level = 1
    assert not hasattr(level, "__dict__")
