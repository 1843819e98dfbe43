"""The medicines tab: allergies and medicines, current first, with the actions to record one and
to mark one no longer current. Critical medicines (they must travel with the patient) say so in
words and in red; an entry no longer current stays listed and says so."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QVBoxLayout, QWidget

from hjdesk.services.patients import (
    MEDICINE_CLASSES,
    NO_ALLERGIES,
    AllergyView,
    MedicinesView,
    MedicineView,
    end_allergy,
    medicines_and_allergies,
    stop_medicine,
)
from hjdesk.services.permissions import may
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.medicine_dialogs import AllergyDialog, EndDialog, MedicineDialog, RecordForm
from hjdesk.ui.record.tab_base import RecordTab, make_tree, tree_item, words

CLASS_NAMES = {code: label.split(" (")[0] for code, label in MEDICINE_CLASSES}
ENDED = "No longer current"
V = TypeVar("V", AllergyView, MedicineView)


def allergy_row(a: AllergyView) -> list[str]:
    return [a.substance, a.reaction or "reaction not recorded", "Current" if a.active else ENDED]


def medicine_row(m: MedicineView) -> list[str]:
    cls = CLASS_NAMES.get(m.medicine_class or "", words(m.medicine_class)) or "–"
    critical = "CRITICAL: must travel with the patient" if m.critical else ""
    return [m.name, m.dose, cls, critical, "Current" if m.active else ENDED]


class MedicinesTab(RecordTab[MedicinesView]):
    title = "&Medicines"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.view: MedicinesView | None = None
        self.allergies = make_tree(("Substance", "Reaction", "Status"), "Allergies", 1)
        self.medicines = make_tree(
            ("Medicine", "Dose", "Class", "Critical", "Status"), "Medicines", 1
        )
        self.no_allergies = QLabel(NO_ALLERGIES)
        self.no_allergies.setAccessibleName("Allergies")
        self.add_allergy = QPushButton("Record an &allergy…")
        self.end_allergy = QPushButton("Allergy &no longer current…")
        self.add_medicine = QPushButton("Record a m&edicine…")
        self.stop_medicine = QPushButton("Medicine s&topped…")
        for button in (self.end_allergy, self.stop_medicine):
            button.setEnabled(False)
        self.dialog: RecordForm | None = None
        self._lay_out()
        self.add_allergy.clicked.connect(self.record_allergy)
        self.add_medicine.clicked.connect(self.record_medicine)
        self.end_allergy.clicked.connect(self.end_chosen_allergy)
        self.stop_medicine.clicked.connect(self.stop_chosen_medicine)
        for tree in (self.allergies, self.medicines):
            tree.currentItemChanged.connect(lambda *_: self._chosen_changed())

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        # A medicine list is usually longer than an allergy list: it gets twice the height.
        for caption, tree, extra, buttons, share in (
            (
                "Allergies",
                self.allergies,
                self.no_allergies,
                (self.end_allergy, self.add_allergy),
                1,
            ),
            ("Medicines", self.medicines, None, (self.stop_medicine, self.add_medicine), 2),
        ):
            layout.addWidget(QLabel(caption))
            if extra is not None:
                layout.addWidget(extra)
            layout.addWidget(tree, share)
            row = QHBoxLayout()
            row.addStretch(1)
            for button in buttons:
                button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
                row.addWidget(button)
            layout.addLayout(row)

    def fetch(self, vault: OpenVault, patient_id: str) -> MedicinesView:
        return medicines_and_allergies(vault, patient_id)

    def show_data(self, data: MedicinesView) -> None:
        self.view = data
        self.reset_trees()
        for a in data.allergies:
            self.allergies.addTopLevelItem(tree_item(allergy_row(a)))
        for m in data.medicines:
            severity = "RED" if m.critical and m.active else None
            self.medicines.addTopLevelItem(tree_item(medicine_row(m), severity))
        self.no_allergies.setVisible(not any(a.active for a in data.allergies))
        vault = self.context.vault
        allowed = vault is not None and may(vault.actor, "allergy_recorded")
        for button in (self.add_allergy, self.add_medicine):
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else "Only registered clinicians record these.")
        if not data.medicines:
            self.say("No medicines recorded for this patient.")
        self._chosen_changed()

    def reset_trees(self) -> None:
        self.allergies.clear()
        self.medicines.clear()

    def reset(self) -> None:
        self.view = None
        self.reset_trees()
        self._chosen_changed()

    # -- choosing and writing ----------------------------------------------------------------
    @staticmethod
    def _chosen(tree: QTreeWidget, rows: Sequence[V]) -> V | None:
        item = tree.currentItem()
        index = -1 if item is None else tree.indexOfTopLevelItem(item)
        return rows[index] if 0 <= index < len(rows) else None

    def chosen_allergy(self) -> AllergyView | None:
        return self._chosen(self.allergies, self.view.allergies) if self.view else None

    def chosen_medicine(self) -> MedicineView | None:
        return self._chosen(self.medicines, self.view.medicines) if self.view else None

    def _chosen_changed(self) -> None:
        vault = self.context.vault
        allowed = vault is not None and may(vault.actor, "allergy_ended")
        allergy, medicine = self.chosen_allergy(), self.chosen_medicine()
        self.end_allergy.setEnabled(allowed and allergy is not None and allergy.active)
        self.stop_medicine.setEnabled(allowed and medicine is not None and medicine.active)

    def _open(self, make: Callable[[str, str], RecordForm]) -> None:
        if self.patient_id is None:
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = make(self.patient_id, self.who())
        self.dialog.accepted.connect(self.changed.emit)
        self.dialog.open()

    def record_allergy(self) -> None:
        self._open(lambda pid, who: AllergyDialog(self.context, pid, who, self))

    def record_medicine(self) -> None:
        self._open(lambda pid, who: MedicineDialog(self.context, pid, who, self))

    def end_chosen_allergy(self) -> None:
        a = self.chosen_allergy()
        if a is None or not a.active:
            return
        what = f"Allergy: {a.substance} ({a.reaction or 'reaction not recorded'})."
        self._open(
            lambda _, who: EndDialog(
                self.context,
                "Allergy no longer current",
                what,
                who,
                lambda vault: end_allergy(vault, a.id, base_rev=a.rev),
                self,
            )
        )

    def stop_chosen_medicine(self) -> None:
        m = self.chosen_medicine()
        if m is None or not m.active:
            return
        what = f"Medicine: {m.name} {m.dose}".rstrip() + "."
        if m.critical:
            what += " It is a CRITICAL medicine: check with the prescriber before you mark it."
        self._open(
            lambda _, who: EndDialog(
                self.context,
                "Medicine stopped",
                what,
                who,
                lambda vault: stop_medicine(vault, m.id, base_rev=m.rev),
                self,
            )
        )
