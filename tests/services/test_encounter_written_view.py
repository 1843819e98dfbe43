"""Signing returns the entry built from the rows it wrote (no read-back): it must be exactly
the view the record shows when the entry is read back, for every kind of content an entry holds
(observations, questionnaires with an override, measurements, tasks it raised, a time given in
another zone than UTC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hjdesk.services import encounters
from hjdesk.services.encounters import views as encounter_views
from hjdesk.services.encounters.forms import (
    Aq10Input,
    EncounterInput,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
)
from hjdesk.storage.models import Encounter, OutboxOp, Staff
from hjdesk.storage.serialise import row_payload
from hjdesk.storage.vault import OpenVault
from hjdesk.sync.cycle import _record_reply, remote_session
from hjdesk.sync.local_apply import PageResult, apply_changes
from hjdesk.sync.protocol import Change, DeviceState, PushReply
from tests.services.clinic_world import NOON, World
from tests.services.test_encounters import CALM, ESCALATED, MEDIUM, NO_FALLS, visit


def _read_back(vault: OpenVault, encounter_id: str) -> encounter_views.EncounterView:
    with vault.session() as session:
        row = session.get(Encounter, encounter_id)
        assert row is not None
        return encounter_views.encounter_views(session, [row])[0]


def _entries(world: World) -> list[tuple[str, EncounterInput]]:
    london = ZoneInfo("Europe/London")
    return [
        (
            "nurse",
            visit(
                world,
                vitals=MEDIUM,
                escalation=ESCALATED,
                questionnaires=QuestionnairesInput(phq9=(1, 1, 0, 0, 0, 0, 0, 0, 0), gad7=(0,) * 7),
                measurements=(
                    MeasurementInput("HBA1C", 52, "mmol/mol"),
                    MeasurementInput("BMI", 27.5),
                ),
            ),
        ),
        (
            "mhnurse",
            visit(
                world,
                kind="MH_SESSION",
                questionnaires=QuestionnairesInput(phq9=(0,) * 8 + (1,)),
                escalation=ESCALATED,
            ),
        ),
        (
            "mhnurse",
            visit(
                world,
                kind="MH_SESSION",
                questionnaires=QuestionnairesInput(
                    six_cit=SixCitInput(True, False, False, 1, 0, 2),
                    aq10=Aq10Input((1,) * 6 + (0,) * 4, override=False, override_reason="Seen"),
                ),
            ),
        ),
        (
            "nurse",
            visit(
                world,
                "copd_asthma",
                kind="OLDER_PRISONER_REVIEW",
                questionnaires=QuestionnairesInput(cfs_level=6),
                data={"falls": dict(NO_FALLS, fallen_last_year=True)},
            ),
        ),
        (
            "nurse",
            visit(
                world,
                "diabetic_htn",
                kind="LTC_REVIEW",
                ltc_condition="diabetes",
                measurements=(
                    MeasurementInput("HBA1C", 60),
                    MeasurementInput("FOOT_RISK", "active"),
                ),
                data={"on_hypoglycaemic_drug": True},
            ),
        ),
        (
            "nurse",
            replace(
                visit(world, vitals=CALM),
                started_at=(NOON - timedelta(minutes=20)).astimezone(london),
                ended_at=(NOON - timedelta(minutes=5)).astimezone(london),
            ),
        ),
    ]


def test_the_signed_view_is_the_read_back_view(world: World) -> None:
    seen = {"tasks": 0, "questionnaires": 0, "measurements": 0, "observation": 0}
    for user, inp in _entries(world):
        vault = world.vault if user == "nurse" else world.as_user(user)
        signed = encounters.sign_encounter(vault, inp, now=NOON)
        assert signed == _read_back(world.vault, signed.id)
        assert signed.started_at.utcoffset() == timedelta(0)
        seen["tasks"] += len(signed.tasks)
        seen["questionnaires"] += len(signed.questionnaires)
        seen["measurements"] += len(signed.measurements)
        seen["observation"] += signed.observation is not None
    # Every part of a view was compared at least once (the entries above are not all empty).
    assert all(n >= 1 for n in seen.values()), seen


def _pushed(vault: OpenVault) -> None:
    """Everything queued so far is on the hub, as a push's reply records it (a pull holds back
    a record this laptop has not sent yet)."""
    with vault.session() as session:
        last = session.scalar(select(func.max(OutboxOp.seq)))
    assert last is not None
    device = DeviceState(
        device_id=vault.device_id, establishment="MDI", revoked=False, wipe=False, acked_seq=last
    )
    _record_reply(vault, PushReply(acked_seq=last, applied=0, duplicates=0, conflicts=[],
                                   device=device))  # fmt: skip


def _pull_staff_rename(vault: OpenVault, staff_id: str, name: str) -> None:
    """The nurse's staff row as another laptop renamed it, stored the way a pull stores it."""
    _pushed(vault)
    with vault.session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        payload = {**row_payload(staff), "display_name": name, "rev": staff.rev + 1}
    change = Change(
        seq=1, kind="staff", record_id=staff_id, rev=payload["rev"], patient_id=None,
        payload=payload,
    )  # fmt: skip
    result = PageResult()
    with remote_session(vault) as session:
        apply_changes(session, [change], result)
    assert result.applied == 1


def test_a_name_changed_by_a_pull_shows_on_the_next_entry(world: World) -> None:
    """The signer's name is read with each entry, not kept from unlock: a rename stored by a pull
    while the nurse is signed in is on the very next entry they sign, as the record reads it."""
    vault = world.vault
    staff_id = vault.actor.staff_id
    assert staff_id is not None
    first = encounters.sign_encounter(vault, visit(world, vitals=CALM), now=NOON)
    assert first.author_name != "Nurse Renamed-Elsewhere"

    _pull_staff_rename(vault, staff_id, "Nurse Renamed-Elsewhere")
    second = encounters.sign_encounter(vault, visit(world, vitals=CALM), now=NOON)

    assert second.author_name == "Nurse Renamed-Elsewhere"
    assert second == _read_back(vault, second.id)
    assert vault.actor_name == "Nurse Renamed-Elsewhere"
