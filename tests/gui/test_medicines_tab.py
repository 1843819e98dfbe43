"""The record's medicines tab, driven as a nurse would: record an allergy and a medicine through
the dialogs, see them listed (critical said in words), mark them no longer current, and see a
refusal on the form with what was typed kept."""

from __future__ import annotations

from sqlalchemy import select

from hjdesk.services.patients.medicines import (
    NO_ALLERGIES,
    end_allergy,
    medicines_and_allergies,
    record_allergy,
)
from hjdesk.services.release.summary import release_summary
from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui.pages.patient_record import PatientRecordPage
from hjdesk.ui.record.medicine_dialogs import AllergyDialog, EndDialog, MedicineDialog
from tests.conftest import PASSWORD
from tests.gui.helpers_care import page_context, show


def _page(qtbot, vault: OpenVault, patient_id: str) -> PatientRecordPage:
    page = PatientRecordPage(page_context(vault))
    show(qtbot, page)
    page.open_target(patient_id)
    page.tabs.setCurrentWidget(page.medicines)
    return page


def _rows(tree) -> list[list[str]]:
    return [
        [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
        for r in range(tree.topLevelItemCount())
    ]


def _new_patient(vault: OpenVault) -> str:
    """A demo patient with no allergy or medicine the demo gave them."""
    held = medicines_and_allergies
    with vault.session() as session:
        ids = session.scalars(select(Patient.id).order_by(Patient.prison_number)).all()
    return next(p for p in ids if held(vault, p).allergies == held(vault, p).medicines == ())


def test_a_nurse_records_an_allergy_and_a_critical_medicine_and_ends_them(qtbot, demo):
    pid = _new_patient(demo)
    page = _page(qtbot, demo, pid)
    tab = page.medicines
    assert tab.no_allergies.isVisible()
    assert tab.no_allergies.text() == NO_ALLERGIES
    assert tab.message.text() == "No medicines recorded for this patient."

    tab.add_allergy.click()
    dialog = tab.dialog
    assert isinstance(dialog, AllergyDialog)
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.substance, "Penicillin")
    qtbot.keyClicks(dialog.reaction, "Anaphylaxis")
    dialog.save_button.click()
    assert not dialog.isVisible(), dialog.error.text()
    assert _rows(tab.allergies) == [["Penicillin", "Anaphylaxis", "Current"]]
    assert not tab.no_allergies.isVisible()

    tab.add_medicine.click()
    dialog = tab.dialog
    assert isinstance(dialog, MedicineDialog)
    qtbot.keyClicks(dialog.name, "Levetiracetam")
    qtbot.keyClicks(dialog.dose, "500 mg twice daily")
    dialog.medicine_class.setCurrentIndex(dialog.medicine_class.findData("ANTI_SEIZURE"))
    dialog.save_button.click()
    assert not dialog.isVisible(), dialog.error.text()
    assert _rows(tab.medicines) == [
        ["Levetiracetam", "500 mg twice daily", "Anti-seizure",
         "CRITICAL: must travel with the patient", "Current"],
    ]  # fmt: skip
    summary = release_summary(demo, pid)
    assert [m.name for m in summary.critical_medicines] == ["Levetiracetam"]

    # Nothing chosen: nothing to end.
    assert not tab.stop_medicine.isEnabled()
    tab.medicines.setCurrentItem(tab.medicines.topLevelItem(0))
    assert tab.stop_medicine.isEnabled()
    tab.stop_medicine.click()
    end = tab.dialog
    assert isinstance(end, EndDialog)
    assert "CRITICAL medicine: check with the prescriber" in end.what.text()
    end.save_button.click()
    assert not end.isVisible(), end.error.text()
    assert _rows(tab.medicines)[0][-1] == "No longer current"
    assert release_summary(demo, pid).medicines == ()
    tab.medicines.setCurrentItem(tab.medicines.topLevelItem(0))
    assert not tab.stop_medicine.isEnabled()  # already ended

    tab.allergies.setCurrentItem(tab.allergies.topLevelItem(0))
    tab.end_allergy.click()
    assert isinstance(tab.dialog, EndDialog)
    tab.dialog.save_button.click()
    assert _rows(tab.allergies) == [["Penicillin", "Anaphylaxis", "No longer current"]]
    assert tab.no_allergies.isVisible()


def test_a_refused_allergy_is_said_on_the_form_and_what_was_typed_is_kept(qtbot, demo):
    pid = _new_patient(demo)
    record_allergy(demo, pid, "Latex", "Contact dermatitis")
    page = _page(qtbot, demo, pid)
    tab = page.medicines
    tab.add_allergy.click()
    dialog = tab.dialog
    assert isinstance(dialog, AllergyDialog)
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.error.text() == "Give the substance."
    assert dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.substance, "latex")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "already recorded as a current allergy" in dialog.error.text()
    assert dialog.substance.text() == "latex"


def test_an_edit_made_elsewhere_first_is_refused_not_merged(qtbot, demo):
    pid = _new_patient(demo)
    saved = record_allergy(demo, pid, "Codeine", "Vomiting")
    page = _page(qtbot, demo, pid)
    tab = page.medicines
    tab.allergies.setCurrentItem(tab.allergies.topLevelItem(0))
    tab.end_allergy.click()
    end = tab.dialog
    assert isinstance(end, EndDialog)
    end_allergy(demo, saved.id, base_rev=saved.rev)  # another user, before this one saves
    end.save_button.click()
    assert end.isVisible()
    assert "changed by someone else" in end.error.text()


def test_a_healthcare_assistant_sees_the_lists_but_cannot_record(qtbot, demo, demo_home):
    pid = _new_patient(demo)
    record_allergy(demo, pid, "Peanut", "Facial swelling")
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        page = _page(qtbot, hca, pid)
        tab = page.medicines
        assert _rows(tab.allergies) == [["Peanut", "Facial swelling", "Current"]]
        assert not tab.add_allergy.isEnabled()
        assert not tab.add_medicine.isEnabled()
        assert tab.add_allergy.toolTip() == "Only registered clinicians record these."
        tab.allergies.setCurrentItem(tab.allergies.topLevelItem(0))
        assert not tab.end_allergy.isEnabled()
    finally:
        hca.lock()
