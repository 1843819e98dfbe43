"""Allergies and medicines recorded by a clinician (services.patients.medicines), and what the
transfer summary and the medicines-on-release checklist then print from them (domain.md §9)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hjdesk.services.actions import StaleRevision
from hjdesk.services.patients import medicines as meds
from hjdesk.services.release.medicines import medicines_on_release_checklist
from hjdesk.services.release.summary import release_summary
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AuditEvent, OutboxOp
from tests.services.clinic_world import World


def _pid(world: World) -> str:
    return world.ids["diabetic"]


def _audit_actions(world: World) -> list[str]:
    with world.vault.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _queued(world: World, record_id: str) -> list[tuple[str, int]]:
    with world.vault.session() as session:
        ops = session.scalars(select(OutboxOp).where(OutboxOp.record_id == record_id)).all()
        return [(op.kind, op.rev) for op in ops]


def test_an_allergy_is_recorded_audited_and_queued_with_its_words_tidied(world: World) -> None:
    view = meds.record_allergy(world.vault, _pid(world), "  Penicillin ", " Anaphylaxis  ")
    assert (view.substance, view.reaction, view.active, view.rev) == (
        "Penicillin", "Anaphylaxis", True, 1,
    )  # fmt: skip
    assert _audit_actions(world)[-1] == "allergy_recorded"
    assert _queued(world, view.id) == [("allergy", 1)]


def test_a_medicine_is_recorded_and_its_class_decides_whether_it_is_critical(
    world: World,
) -> None:
    pid = _pid(world)
    by_class = meds.record_medicine(world.vault, pid, "Levetiracetam", "500 mg bd", "Anti seizure")
    plain = meds.record_medicine(world.vault, pid, "Omeprazole", "20 mg", "PPI")
    flagged = meds.record_medicine(world.vault, pid, "Warfarin", "as INR", critical=True)
    assert (by_class.medicine_class, by_class.critical, by_class.flagged_critical) == (
        "ANTI_SEIZURE", True, False,
    )  # fmt: skip
    assert (plain.critical, flagged.critical, flagged.medicine_class) == (False, True, None)
    assert _audit_actions(world)[-3:] == ["medicine_recorded"] * 3
    assert _queued(world, flagged.id) == [("medicine", 1)]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda v, p: meds.record_allergy(v, p, "   "), "Give the substance"),
        (lambda v, p: meds.record_allergy(v, p, "x" * 121), "substance has at most 120"),
        (lambda v, p: meds.record_allergy(v, p, "Latex", "r" * 201), "reaction has at most 200"),
        (lambda v, p: meds.record_medicine(v, p, ""), "Give the medicine's name"),
        (lambda v, p: meds.record_medicine(v, p, "Aspirin", "d" * 121), "dose has at most 120"),
        (lambda v, p: meds.record_medicine(v, p, "Aspirin", "", "c" * 31), "class has at most 30"),
    ],
)
def test_what_is_missing_or_too_long_is_said_and_nothing_is_written(
    world: World, call, words: str
) -> None:
    before = _audit_actions(world)
    with pytest.raises(InvalidInput, match=words):
        call(world.vault, _pid(world))
    assert _audit_actions(world) == before


def test_an_unknown_patient_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="not in this vault"):
        meds.record_allergy(world.vault, "no-such-patient", "Latex")


def test_a_substance_already_current_is_refused_until_the_old_entry_is_ended(
    world: World,
) -> None:
    pid = _pid(world)
    first = meds.record_allergy(world.vault, pid, "Penicillin", "Rash")
    with pytest.raises(InvalidInput, match="already recorded as a current allergy"):
        meds.record_allergy(world.vault, pid, "PENICILLIN ", "Anaphylaxis")
    ended = meds.end_allergy(world.vault, first.id, base_rev=first.rev)
    assert (ended.active, ended.rev) == (False, 2)
    again = meds.record_allergy(world.vault, pid, "penicillin", "Anaphylaxis")
    view = meds.medicines_and_allergies(world.vault, pid)
    # The current entry first; the ended one stays on the record.
    assert [(a.id, a.active) for a in view.allergies] == [(again.id, True), (first.id, False)]
    assert _queued(world, first.id) == [("allergy", 1), ("allergy", 2)]


def test_an_end_based_on_an_old_revision_is_refused_never_merged(world: World) -> None:
    pid = _pid(world)
    drug = meds.record_medicine(world.vault, pid, "Sertraline", "50 mg")
    meds.stop_medicine(world.vault, drug.id, base_rev=drug.rev)
    with pytest.raises(StaleRevision, match="changed by someone else"):
        meds.stop_medicine(world.vault, drug.id, base_rev=drug.rev)
    latest = meds.medicines_and_allergies(world.vault, pid).medicines[0]
    with pytest.raises(InvalidInput, match="already marked no longer current"):
        meds.stop_medicine(world.vault, drug.id, base_rev=latest.rev)


def test_a_healthcare_assistant_may_read_but_not_record(world: World) -> None:
    pid = _pid(world)
    drug = meds.record_medicine(world.vault, pid, "Metformin", "500 mg")
    hca = world.as_user("hca")
    for call in (
        lambda: meds.record_allergy(hca, pid, "Latex"),
        lambda: meds.record_medicine(hca, pid, "Aspirin"),
        lambda: meds.stop_medicine(hca, drug.id, base_rev=drug.rev),
    ):
        with pytest.raises(PermissionDenied, match=r"\(HCA\) cannot record"):
            call()
    assert [m.name for m in meds.medicines_and_allergies(hca, pid).medicines] == ["Metformin"]


def test_viewing_is_audited(world: World) -> None:
    meds.medicines_and_allergies(world.vault, _pid(world))
    assert _audit_actions(world)[-1] == "view_medicines"


def test_the_summary_and_checklist_print_what_is_current(world: World) -> None:
    """The transfer summary's allergies and medicines, and the checklist's items, are what the
    clinician recorded and did not end: an ended allergy or a stopped medicine has left them."""
    pid = _pid(world)
    v = world.vault
    meds.record_allergy(v, pid, "Penicillin", "Anaphylaxis")
    latex = meds.record_allergy(v, pid, "Latex")
    meds.end_allergy(v, latex.id, base_rev=latex.rev)
    meds.record_medicine(v, pid, "Insulin glargine", "18 units at night", "INSULIN")
    stopped = meds.record_medicine(v, pid, "Gliclazide", "80 mg")
    meds.stop_medicine(v, stopped.id, base_rev=stopped.rev)

    summary = release_summary(v, pid)
    assert [(a.substance, a.reaction) for a in summary.allergies] == [("Penicillin", "Anaphylaxis")]
    assert [(m.name, m.critical) for m in summary.medicines] == [("Insulin glargine", True)]
    checklist = medicines_on_release_checklist(v, pid)
    assert [i.medicine.name for i in checklist.items] == ["Insulin glargine"]
    assert [a.substance for a in checklist.allergies] == ["Penicillin"]
