"""Who the care plan form offers as owner: active registered clinicians only."""

from __future__ import annotations

from hjdesk.services import care_plans


def test_owner_choices_are_registered_clinicians(demo):
    choices = care_plans.owner_choices(demo)
    roles = {c.role for c in choices}
    assert roles == {"RN", "RMN", "GP", "PHARMACIST"}
    assert "HCA" not in roles
    assert "ADMIN" not in roles
    assert [c.display_name for c in choices] == sorted(c.display_name for c in choices)
