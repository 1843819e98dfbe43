"""The screens `test_hostile_content.py` does not drive, with hostile records present: the Sync
page as a whole (records set aside, conflicts whose hub version is hostile, ACCT input needed by a
time at the calendar's ends), the Wing clinics page on hostile sessions and appointments, and the
encounter form and the amend dialog opened on hostile encounters.

The hostile records are those of `test_hostile_content.py` (`HOSTILE`, `Hostile`), stored the
way a pull stores them (`store_as_pulled`) into a copy of its module's demo vault; everything
else is written through the services or the widgets, as a nurse would. Every widget runs
offscreen on the inline runner, which raises bugs: a crash in any of them fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from hjdesk.storage.vault import OpenVault
from tests.sync.test_hostile_content import (
    EARLIEST,
    HOSTILE,
    LATEST,
    Hostile,
    hostile_template,
    nurse,
    store_as_pulled,
)
from tests.sync.test_hostile_content import _patient as patient_of

__all__ = ["hostile_template", "nurse"]  # the module-scoped demo vault and its copy per test


def _context(vault: OpenVault) -> Any:
    from tests.gui.helpers_clinic import page_context

    return page_context(vault)


# -- the encounter form and the amend dialog ---------------------------------------------------

# An LTC review whose foot risk gives the next review date from its start: at the calendar's ends.
FOOT_LATEST = Hostile(
    "measurement",
    {"code": "FOOT_RISK", "value": None, "text_value": "HIGH", "unit": "", "taken_at": LATEST},
    (
        Hostile(
            "encounter",
            {
                "kind": "LTC_REVIEW",
                "ltc_condition": "DIABETES",
                "entered_in_error": False,
                "started_at": LATEST,
            },
        ),
    ),
)
FOOT_ACTIVE_LATEST = Hostile("measurement", {**FOOT_LATEST.changes, "text_value": "ACTIVE"},
                             FOOT_LATEST.parents)  # fmt: skip
FOOT_EARLIEST = Hostile(
    "measurement",
    {**FOOT_LATEST.changes, "taken_at": EARLIEST},
    (Hostile("encounter", {**FOOT_LATEST.parents[0].changes, "started_at": EARLIEST}),),
)
AMENDABLE: dict[str, Hostile] = {
    **{
        name: hostile
        for name, hostile in HOSTILE.items()
        if hostile.kind == "encounter" or any(p.kind == "encounter" for p in hostile.parents)
    },
    "foot-risk-latest": FOOT_LATEST,
    "foot-risk-active-latest": FOOT_ACTIVE_LATEST,
    "foot-risk-earliest": FOOT_EARLIEST,
}


def _encounter_ids(vault: OpenVault, patient_id: str) -> set[str]:
    from sqlalchemy import select

    from hjdesk.storage.models import Encounter

    with vault.session() as session:
        return set(session.scalars(select(Encounter.id).where(Encounter.patient_id == patient_id)))


def _amend(qtbot: Any, vault: OpenVault, patient_id: str, encounter_id: str, in_error: bool) -> str:
    """Amend the entry through the record's Timeline and the amend dialog, as a nurse would;
    what became of it: "signed", the dialog's message in words, or "not amendable"."""
    from hjdesk.ui.pages.patient_record import PatientRecordPage
    from hjdesk.ui.record.timeline import ID_ROLE

    page = PatientRecordPage(_context(vault))
    qtbot.addWidget(page)
    page.show()
    page.open_target(patient_id)
    tree = page.timeline.tree
    (row,) = [
        tree.topLevelItem(r)
        for r in range(tree.topLevelItemCount())
        if tree.topLevelItem(r).data(0, ID_ROLE) == encounter_id  # type: ignore[union-attr]
    ]
    tree.setCurrentItem(row)
    if not page.timeline.amend_button.isEnabled():
        return "not amendable"
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    assert dialog is not None
    assert dialog.isVisible()
    if in_error:
        dialog.in_error.setChecked(True)
    else:
        dialog.narrative.setPlainText(dialog.narrative.toPlainText() + " Corrected.")
    qtbot.keyClicks(dialog.reason, "Checked against the paper record")
    dialog.save_button.click()
    if dialog.result() == dialog.DialogCode.Accepted:
        return "signed"
    assert dialog.error.text().strip(), "refused in words"
    return dialog.error.text()


@pytest.mark.parametrize("name", sorted(AMENDABLE))
def test_a_hostile_encounter_can_be_amended_or_is_refused_in_words(
    qtbot: Any, nurse: OpenVault, name: str
) -> None:
    """Correcting a hostile entry's wording, then marking it entered in error: each is signed
    or refused with a message in the dialog, never a traceback; entered in error always works
    (it is how a nurse withdraws a record no one should rely on)."""
    patient_id = patient_of(nurse)
    before = _encounter_ids(nurse, patient_id)
    store_as_pulled(nurse, AMENDABLE[name], patient_id)
    hostile = sorted(_encounter_ids(nurse, patient_id) - before)
    assert hostile
    for encounter_id in hostile:
        _amend(qtbot, nurse, patient_id, encounter_id, in_error=False)
        assert _amend(qtbot, nurse, patient_id, encounter_id, in_error=True) in (
            "signed", "not amendable",
        )  # fmt: skip
