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


def test_a_role_change_shows_in_the_owner_choices_at_once(demo_home):
    """`hjdesk users role` reseals the key slot; the staff row the form lists follows it, so the
    form never offers an HCA made a nurse's plan owner nor hides a nurse made a registered one."""
    from hjdesk.storage.vault import Vault
    from tests.conftest import PASSWORD

    admin = Vault(demo_home).unlock("admin", PASSWORD)
    try:
        admin.set_role("hca", "RN")
        admin.set_role("pharmacist", "HCA")
    finally:
        admin.lock()
    nurse = Vault(demo_home).unlock("nurse", PASSWORD)
    try:
        owners = {c.display_name: c.role for c in care_plans.owner_choices(nurse)}
    finally:
        nurse.lock()
    assert owners["Jo Whitfield"] == "RN"
    assert all(role != "PHARMACIST" for role in owners.values())
