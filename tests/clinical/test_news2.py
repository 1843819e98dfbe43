import dataclasses
import math
from decimal import Decimal

import pytest

from hjdesk.clinical import news2
from hjdesk.clinical.news2 import Consciousness, News2Risk

NORMAL = {
    "resp_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": 37.0,
}


def score(**changes):
    return news2.score(**{**NORMAL, **changes})


def test_snomed_code():
    assert news2.NEWS2_TOTAL_SNOMED == "1104051000000101"


def test_normal_observations_score_zero_in_every_parameter():
    result = score()
    assert tuple(result.subscores) == news2.NEWS2_PARAMETERS
    assert tuple(result.subscores) == (
        "resp_rate",
        "spo2",
        "air_or_oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    )
    assert set(result.subscores.values()) == {0}
    assert result.total == 0
    assert result.spo2_scale == 1


# --- chart 1, parameter by parameter, both sides of every band edge --------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0, 3),
        (8, 3),
        (9, 1),
        (11, 1),
        (12, 0),
        (20, 0),
        (21, 2),
        (24, 2),
        (25, 3),
        (80, 3),
    ],
)
def test_respiration_rate(rate, expected):
    result = score(resp_rate=rate)
    assert result.subscores["resp_rate"] == expected
    assert result.total == expected


@pytest.mark.parametrize("on_oxygen", [False, True])
@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (0, 3),
        (91, 3),
        (92, 2),
        (93, 2),
        (94, 1),
        (95, 1),
        (96, 0),
        (100, 0),
    ],
)
def test_spo2_scale_1_ignores_oxygen(spo2, on_oxygen, expected):
    result = score(spo2=spo2, on_oxygen=on_oxygen, spo2_scale=1)
    assert result.subscores["spo2"] == expected
    assert result.spo2_scale == 1


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "expected"),
    [
        (0, False, 3),
        (83, False, 3),
        (83, True, 3),
        (84, False, 2),
        (85, True, 2),
        (86, False, 1),
        (87, True, 1),
        (88, False, 0),
        (88, True, 0),
        (92, False, 0),
        (92, True, 0),
        # At or above 93 on air is within the table's "≥93 on air" cell: 0.
        (93, False, 0),
        (97, False, 0),
        (100, False, 0),
        # Above target on oxygen: the higher the worse.
        (93, True, 1),
        (94, True, 1),
        (95, True, 2),
        (96, True, 2),
        (97, True, 3),
        (100, True, 3),
    ],
)
def test_spo2_scale_2(spo2, on_oxygen, expected):
    result = score(spo2=spo2, on_oxygen=on_oxygen, spo2_scale=2)
    assert result.subscores["spo2"] == expected
    assert result.spo2_scale == 2


@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize(("on_oxygen", "expected"), [(False, 0), (True, 2)])
def test_air_or_oxygen(scale, on_oxygen, expected):
    result = score(spo2=90, on_oxygen=on_oxygen, spo2_scale=scale)
    assert result.subscores["air_or_oxygen"] == expected


@pytest.mark.parametrize(
    ("systolic", "expected"),
    [
        (0, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
        (300, 3),
    ],
)
def test_systolic_bp(systolic, expected):
    result = score(systolic_bp=systolic)
    assert result.subscores["systolic_bp"] == expected
    assert result.total == expected


@pytest.mark.parametrize(
    ("pulse", "expected"),
    [
        (0, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (300, 3),
    ],
)
def test_pulse(pulse, expected):
    result = score(pulse=pulse)
    assert result.subscores["pulse"] == expected
    assert result.total == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Consciousness.A, 0),
        (Consciousness.C, 3),
        (Consciousness.V, 3),
        (Consciousness.P, 3),
        (Consciousness.U, 3),
        ("A", 0),
        ("C", 3),
        ("V", 3),
        ("P", 3),
        ("U", 3),
        ("a", 0),
        (" u ", 3),
    ],
)
def test_consciousness(level, expected):
    result = score(consciousness=level)
    assert result.subscores["consciousness"] == expected
    assert result.total == expected


def test_consciousness_enum_is_acvpu():
    assert [member.value for member in Consciousness] == ["A", "C", "V", "P", "U"]
    assert Consciousness.C == "C"
    assert Consciousness.A.label == "Alert"
    assert Consciousness.C.label == "New confusion"
    assert all(member.label for member in Consciousness)


@pytest.mark.parametrize(
    ("temperature", "expected"),
    [
        (25, 3),
        (34.9, 3),
        (35.0, 3),
        (Decimal("35.0"), 3),
        (35.01, 1),
        (Decimal("35.05"), 1),
        (35.1, 1),
        (36.0, 1),
        (Decimal("36.00"), 1),
        (36.01, 0),
        (36.1, 0),
        (37, 0),
        (38.0, 0),
        (38.01, 1),
        (38.1, 1),
        (39.0, 1),
        (Decimal("39.0"), 1),
        (39.01, 2),
        (39.1, 2),
        (45, 2),
        (Decimal("45.0"), 2),
    ],
)
def test_temperature_half_open_intervals(temperature, expected):
    result = score(temperature=temperature)
    assert result.subscores["temperature"] == expected
    assert result.total == expected


# --- chart 4: risk, red score, response, escalation, checked in the chart's order -------------

HIGH = (News2Risk.HIGH, news2.RESPONSE_HIGH)
MEDIUM = (News2Risk.MEDIUM, news2.RESPONSE_MEDIUM)
RED = (News2Risk.LOW_MEDIUM, news2.RESPONSE_RED_SCORE)
LOW = (News2Risk.LOW, news2.RESPONSE_LOW)
ROUTINE = (News2Risk.LOW, news2.RESPONSE_ROUTINE)

WORST = {
    "resp_rate": 25,
    "spo2": 80,
    "on_oxygen": True,
    "systolic_bp": 80,
    "pulse": 140,
    "consciousness": "U",
    "temperature": 34.0,
}


@pytest.mark.parametrize(
    ("changes", "total", "red", "band"),
    [
        ({}, 0, False, ROUTINE),
        ({"pulse": 91}, 1, False, LOW),
        ({"pulse": 111}, 2, False, LOW),
        ({"pulse": 111, "temperature": 38.5}, 3, False, LOW),
        ({"pulse": 111, "resp_rate": 21}, 4, False, LOW),
        # A single 3 outranks a low total.
        ({"consciousness": "C"}, 3, True, RED),
        ({"resp_rate": 8}, 3, True, RED),
        ({"resp_rate": 8, "pulse": 91}, 4, True, RED),
        ({"pulse": 111, "resp_rate": 21, "temperature": 38.5}, 5, False, MEDIUM),
        ({"pulse": 111, "resp_rate": 22, "systolic_bp": 95}, 6, False, MEDIUM),
        # Total 5-6 outranks a red score.
        ({"resp_rate": 25, "pulse": 111}, 5, True, MEDIUM),
        ({"resp_rate": 25, "systolic_bp": 100, "pulse": 91}, 6, True, MEDIUM),
        (
            {"on_oxygen": True, "resp_rate": 21, "pulse": 111, "temperature": 38.5},
            7,
            False,
            HIGH,
        ),
        ({"resp_rate": 25, "consciousness": "V", "pulse": 91}, 7, True, HIGH),
        (WORST, 20, True, HIGH),
        ({**WORST, "spo2": 97, "spo2_scale": 2}, 20, True, HIGH),
    ],
)
def test_clinical_response(changes, total, red, band):
    risk, response = band
    result = score(**changes)
    assert result.total == total
    assert result.total == sum(result.subscores.values())
    assert result.red_score is red
    assert result.risk is risk
    assert result.response == response
    assert result.needs_escalation is (risk is not News2Risk.LOW)


def test_worst_case_scores_three_everywhere_but_oxygen():
    result = score(**WORST)
    assert dict(result.subscores) == {
        "resp_rate": 3,
        "spo2": 3,
        "air_or_oxygen": 2,
        "systolic_bp": 3,
        "pulse": 3,
        "consciousness": 3,
        "temperature": 3,
    }


def test_risk_values_are_the_chart_4_strings():
    assert [risk.value for risk in News2Risk] == ["low", "low-medium", "medium", "high"]
    assert score(pulse=91).risk == "low"
    assert score(consciousness="P").risk == "low-medium"


@pytest.mark.parametrize(
    ("changes", "default_text", "custom_text"),
    [
        ({}, news2.DEFAULT_PATHWAYS.routine, "Z"),
        ({"pulse": 91}, news2.DEFAULT_PATHWAYS.low, "L"),
        ({"pulse": 111, "resp_rate": 21}, news2.DEFAULT_PATHWAYS.low, "L"),
        ({"consciousness": "C"}, news2.DEFAULT_PATHWAYS.red_score, "R"),
        ({"resp_rate": 25, "pulse": 111}, news2.DEFAULT_PATHWAYS.medium, "M"),
        (WORST, news2.DEFAULT_PATHWAYS.high, "H"),
    ],
)
def test_pathway_for_each_band(changes, default_text, custom_text):
    result = score(**changes)
    custom = news2.EscalationPathways(high="H", medium="M", red_score="R", low="L", routine="Z")
    assert news2.pathway_for(result) == default_text
    assert news2.pathway_for(result, custom) == custom_text


def test_default_pathways_name_the_local_routes():
    pathways = news2.DEFAULT_PATHWAYS
    assert "999" in pathways.high
    assert "medical emergency code" in pathways.high
    assert "duty GP" in pathways.medium
    assert "duty GP" in pathways.red_score
    assert len({pathways.high, pathways.medium, pathways.red_score, pathways.low}) == 4


def test_results_are_immutable():
    result = score()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 3
    with pytest.raises(TypeError):
        result.subscores["pulse"] = 3
    assert not hasattr(result, "__dict__")
    assert hash(result) == hash(score())
    assert result == score()
    with pytest.raises(dataclasses.FrozenInstanceError):
        news2.DEFAULT_PATHWAYS.high = "x"


# --- impossible readings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"resp_rate": -1}, "respiration rate cannot be negative"),
        ({"resp_rate": 81}, "respiration rate of 81 is not possible"),
        ({"resp_rate": 16.0}, "respiration rate must be a whole number"),
        ({"resp_rate": True}, "respiration rate must be a whole number"),
        ({"resp_rate": "16"}, "respiration rate must be a whole number"),
        ({"resp_rate": None}, "respiration rate must be a whole number"),
        ({"spo2": -1}, "SpO2 cannot be negative"),
        ({"spo2": 101}, "SpO2 of 101 is not possible"),
        ({"spo2": 101, "spo2_scale": 2}, "SpO2 of 101 is not possible"),
        ({"spo2": 96.5}, "SpO2 must be a whole number"),
        ({"systolic_bp": -1}, "systolic BP cannot be negative"),
        ({"systolic_bp": 301}, "systolic BP of 301 is not possible"),
        ({"systolic_bp": False}, "systolic BP must be a whole number"),
        ({"pulse": -1}, "pulse cannot be negative"),
        ({"pulse": 301}, "pulse of 301 is not possible"),
        ({"pulse": 70.5}, "pulse must be a whole number"),
        ({"temperature": 24.9}, "temperature of 24.9 °C is not possible"),
        ({"temperature": Decimal("24.99")}, "temperature of 24.99 °C is not possible"),
        ({"temperature": 45.1}, "temperature of 45.1 °C is not possible"),
        ({"temperature": -37}, "temperature of -37 °C is not possible"),
        ({"temperature": math.nan}, "temperature must be a number"),
        ({"temperature": math.inf}, "temperature must be a number"),
        ({"temperature": Decimal("NaN")}, "temperature must be a number"),
        ({"temperature": "37.0"}, "temperature must be a number"),
        ({"temperature": True}, "temperature must be a number"),
        ({"spo2_scale": 0}, "SpO2 scale must be 1 or 2"),
        ({"spo2_scale": 3}, "SpO2 scale must be 1 or 2"),
        ({"spo2_scale": True}, "SpO2 scale must be 1 or 2"),
        ({"spo2_scale": "2"}, "SpO2 scale must be 1 or 2"),
        ({"on_oxygen": 1}, "on oxygen must be yes or no"),
        ({"on_oxygen": "yes"}, "on oxygen must be yes or no"),
        ({"on_oxygen": None}, "on oxygen must be yes or no"),
        ({"consciousness": "X"}, "consciousness must be one of A, C, V, P or U"),
        ({"consciousness": ""}, "consciousness must be one of A, C, V, P or U"),
        ({"consciousness": "Alert"}, "consciousness must be one of A, C, V, P or U"),
        ({"consciousness": None}, "consciousness must be one of A, C, V, P or U"),
    ],
)
def test_impossible_readings_are_refused_with_a_reason(changes, reason):
    with pytest.raises(ValueError, match=reason):
        score(**changes)


def test_limits_are_published_for_the_ui():
    limits = news2.OBSERVATION_LIMITS
    assert limits.resp_rate == (0, 80)
    assert limits.spo2 == (0, 100)
    assert limits.systolic_bp == (0, 300)
    assert limits.pulse == (0, 300)
    assert limits.temperature == (Decimal(25), Decimal(45))


# --- validity warnings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "pregnant", "expected"),
    [
        (None, False, []),
        (16, False, []),
        (50, False, []),
        (15, False, [news2.UNDER_16_WARNING]),
        (0, False, [news2.UNDER_16_WARNING]),
        (30, True, [news2.PREGNANCY_WARNING]),
        (None, True, [news2.PREGNANCY_WARNING]),
        (15, True, [news2.PREGNANCY_WARNING, news2.UNDER_16_WARNING]),
    ],
)
def test_validity_warnings(age, pregnant, expected):
    assert news2.validity_warnings(age_years=age, pregnant=pregnant) == expected


def test_validity_warnings_say_why():
    assert "pregnancy" in news2.PREGNANCY_WARNING
    assert "under 16" in news2.UNDER_16_WARNING


@pytest.mark.parametrize("age", [-1, True, 15.5, "15"])
def test_validity_warnings_refuse_impossible_ages(age):
    with pytest.raises(ValueError, match="age must be a whole number"):
        news2.validity_warnings(age_years=age, pregnant=False)
