"""The hazard log (docs/clinical-safety/hazard-log.md) is evidence, so it is checked like code:
every hazard has every field, its risk ratings follow DCB0129's 5 x 5 matrix, the residual risk
is no worse than the initial one, and every test it names as proof of a control exists on this
branch (found by parsing the test files, not by trusting the log)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"
SAFETY_CASE = ROOT / "docs" / "clinical-safety" / "safety-case.md"

SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
LIKELIHOODS = ("Very low", "Low", "Medium", "High", "Very high")
# DCB0129 clinical risk matrix: MATRIX[likelihood][severity] is the risk rating (1-5).
MATRIX = {
    "Very high": (3, 4, 4, 5, 5),
    "High": (2, 3, 3, 4, 5),
    "Medium": (2, 2, 3, 3, 4),
    "Low": (1, 2, 2, 3, 4),
    "Very low": (1, 1, 2, 2, 3),
}
FIELDS = ("Cause", "Effect", "Initial risk", "Controls", "Residual risk", "Evidence")
RISK = re.compile(
    r"severity (?P<severity>[A-Za-z]+), likelihood (?P<likelihood>[A-Za-z ]+?), "
    r"rating (?P<rating>[1-5])\b"
)
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]]*\])?`")


@dataclass
class Hazard:
    ident: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> list[Hazard]:
    hazards: list[Hazard] = []
    current: str | None = None
    for line in text.splitlines():
        head = re.match(r"^## (H-\d{2,3}): (.+)$", line)
        if head:
            hazards.append(Hazard(head.group(1), head.group(2).strip()))
            current = None
            continue
        if not hazards:
            continue
        item = re.match(r"^- \*\*(.+?):\*\*\s*(.*)$", line)
        if item:
            current = item.group(1)
            hazards[-1].fields[current] = item.group(2).strip()
        elif current is not None and line.strip() and not line.startswith("#"):
            hazards[-1].fields[current] += " " + line.strip()
    return hazards


@cache
def defined_tests(path: str) -> frozenset[str]:
    """Test functions (and methods as Class::name) defined in a test file, by parsing it."""
    file = ROOT / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
    return frozenset(n for n in names if n.startswith("test_"))


def rating(value: str) -> tuple[str, str, int]:
    found = RISK.search(value)
    assert found, f"risk not in the form 'severity S, likelihood L, rating N': {value!r}"
    return found["severity"], found["likelihood"], int(found["rating"])


HAZARDS = parse(LOG.read_text(encoding="utf-8"))


def test_the_log_holds_at_least_thirty_distinct_hazards() -> None:
    assert len(HAZARDS) >= 30
    idents = [h.ident for h in HAZARDS]
    assert len(idents) == len(set(idents))


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.ident)
def test_each_hazard_is_complete_and_rated_on_the_matrix(hazard: Hazard) -> None:
    missing = [f for f in FIELDS if not hazard.fields.get(f, "").strip()]
    assert not missing, f"{hazard.ident} lacks {missing}"
    before = rating(hazard.fields["Initial risk"])
    after = rating(hazard.fields["Residual risk"])
    for severity, likelihood, value in (before, after):
        assert severity in SEVERITIES, f"{hazard.ident}: unknown severity {severity!r}"
        assert likelihood in LIKELIHOODS, f"{hazard.ident}: unknown likelihood {likelihood!r}"
        expected = MATRIX[likelihood][SEVERITIES.index(severity)]
        assert value == expected, f"{hazard.ident}: {severity}/{likelihood} is rated {expected}"
    assert after[2] <= before[2], f"{hazard.ident}: the controls make the risk worse"


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.ident)
def test_every_named_test_exists(hazard: Hazard) -> None:
    named = TEST_ID.findall(hazard.fields.get("Evidence", ""))
    assert named, f"{hazard.ident} names no test as evidence"
    absent = [f"{p}::{n}" for p, n in named if n not in defined_tests(p)]
    assert not absent, f"{hazard.ident} names tests that do not exist: {absent}"


def test_the_checker_would_catch_a_missing_test_and_a_missing_field() -> None:
    broken = parse(
        "## H-99: Example\n- **Cause:** c\n- **Effect:** e\n"
        "- **Initial risk:** severity Major, likelihood Medium, rating 3\n"
        "- **Evidence:** `tests/test_hazard_log.py::test_that_does_not_exist`\n"
    )
    (hazard,) = broken
    assert "Controls" not in hazard.fields
    (path, name) = TEST_ID.findall(hazard.fields["Evidence"])[0]
    assert name not in defined_tests(path)
    assert "test_every_named_test_exists" in defined_tests("tests/test_hazard_log.py")
    assert rating("severity Major, likelihood Medium, rating 3") == ("Major", "Medium", 3)


def test_the_safety_case_points_at_the_log_and_names_dcb0160_duties() -> None:
    text = SAFETY_CASE.read_text(encoding="utf-8")
    assert "hazard-log.md" in text
    assert "DCB0160" in text
    assert "DCB0129" in text
