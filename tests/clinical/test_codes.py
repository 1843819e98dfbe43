"""The one table of SNOMED CT and LOINC codes the FHIR summary sends: every code carries its
source and passes its terminology's own check digit, so a mistyped code cannot slip in."""

from __future__ import annotations

import pytest

from hjdesk.clinical.codes import CODES, LOINC, NEWS2_COMPONENTS, SNOMED, TEXT_ONLY
from hjdesk.clinical.news2 import NEWS2_PARAMETERS, NEWS2_TOTAL_SNOMED

# Verhoeff's dihedral-group tables (SNOMED CT identifiers end in a Verhoeff check digit).
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_ok(number: str) -> bool:
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def loinc_ok(code: str) -> bool:
    """LOINC's mod-10 check digit (the Luhn scheme) after the hyphen."""
    body, check = code.split("-")
    total = 0
    for i, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10 == int(check)


def test_the_check_digit_functions_catch_a_typo():
    assert verhoeff_ok("1104051000000101")
    assert not verhoeff_ok("1104051000000102")
    assert loinc_ok("8867-4")
    assert not loinc_ok("8867-5")


@pytest.mark.parametrize("key", sorted(CODES))
def test_every_code_is_well_formed_and_sourced(key):
    c = CODES[key]
    assert c.source.strip()
    assert c.display.strip()
    if c.system == SNOMED:
        assert c.code.isdigit()
        assert verhoeff_ok(c.code), f"{key}: {c.code} fails the SNOMED CT check digit"
        assert c.code[-3:-1] in ("00", "10"), "a concept id (short or extension partition)"
    else:
        assert c.system == LOINC
        assert loinc_ok(c.code), f"{key}: {c.code} fails the LOINC check digit"


def test_news2_total_and_every_parameter_have_a_code():
    assert CODES["NEWS2_TOTAL"].code == NEWS2_TOTAL_SNOMED == "1104051000000101"
    assert set(NEWS2_COMPONENTS) == set(NEWS2_PARAMETERS)
    assert all(NEWS2_COMPONENTS[p] in CODES for p in NEWS2_PARAMETERS)


def test_text_only_concepts_have_no_code():
    assert not set(TEXT_ONLY) & set(CODES)


def test_lookup_and_profile_urls():
    from hjdesk.clinical.codes import code, uk_core_profile

    assert code("NEWS2_TOTAL") is CODES["NEWS2_TOTAL"]
    with pytest.raises(KeyError):
        code("not-a-code")
    assert uk_core_profile("Patient") == (
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    )
