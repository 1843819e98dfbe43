"""Recording an allergy or a medicine, and marking one no longer current (services.patients.
medicines). Each dialog writes on the worker and shows a refusal on the form, keeping what was
typed, so a nurse can correct it and save again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.patients import (
    DOSE_MAX,
    MEDICINE_CLASSES,
    NAME_MAX,
    REACTION_MAX,
    SUBSTANCE_MAX,
    record_allergy,
    record_medicine,
)
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.write_dialog import WriteDialog
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


class RecordForm(WriteDialog):
    """A titled form for one patient with a problem line and Save / Cancel."""

    def __init__(
        self, context: PageContext, title: str, who: str, save_text: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.saved: Any = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.for_whom = QLabel(f"For {who}")
        self.for_whom.setAccessibleName("Patient")
        self.form = FormRows(QFormLayout())
        self.error = MessageLine(f"{title}: problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(save_text)
        self.save_button.setAccessibleName(save_text.replace("&", ""))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.for_whom)
        layout.addLayout(self.form.layout)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def write(self, job: Callable[[OpenVault], object]) -> None:
        vault = self.context.vault
        if vault is None:
            self._problem("The laptop is locked.")
            return
        self.save_button.setEnabled(False)
        self.context.runner.run_task(lambda: job(vault), self._saved, self._failed, write=True)

    def _saved(self, view: object) -> None:
        self.saved = view
        self.accept()

    def save(self) -> None:
        raise NotImplementedError


def _line(name: str, most: int, hint: str = "") -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(name)
    line.setMaxLength(most)
    if hint:
        line.setPlaceholderText(hint)
    return line


class AllergyDialog(RecordForm):
    def __init__(
        self, context: PageContext, patient_id: str, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, "Record an allergy", who, "&Save allergy", parent)
        self.patient_id = patient_id
        self.substance = _line("Substance", SUBSTANCE_MAX, "e.g. Penicillin, Latex, Peanut")
        self.reaction = _line("Reaction", REACTION_MAX, "e.g. Anaphylaxis, Rash (if known)")
        self.form.add("&Substance:", self.substance, required=True)
        self.form.add("&Reaction:", self.reaction)
        self.lay_out()

    def save(self) -> None:
        patient_id, substance = self.patient_id, self.substance.text()
        reaction = self.reaction.text()
        self.write(lambda vault: record_allergy(vault, patient_id, substance, reaction))


class MedicineDialog(RecordForm):
    def __init__(
        self, context: PageContext, patient_id: str, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, "Record a medicine", who, "&Save medicine", parent)
        self.patient_id = patient_id
        self.name = _line("Medicine", NAME_MAX, "e.g. Levetiracetam")
        self.dose = _line("Dose and directions", DOSE_MAX, "e.g. 500 mg twice daily")
        self.medicine_class = QComboBox()
        self.medicine_class.setAccessibleName("Class of medicine")
        self.medicine_class.addItem("Not given", None)
        for code, label in MEDICINE_CLASSES:
            self.medicine_class.addItem(label, code)
        self.critical = QCheckBox("&Critical: must travel with the patient (beyond its class)")
        self.critical.setAccessibleName("Critical medicine")
        self.critical.setAccessibleDescription(
            "Anti-seizure, insulin and Parkinson's medicines are always critical; tick this for "
            "any other medicine whose omission would harm the patient."
        )
        self.form.add("&Medicine:", self.name, required=True)
        self.form.add("&Dose:", self.dose)
        self.form.add("C&lass:", self.medicine_class)
        self.form.add("", self.critical)
        self.lay_out()

    def save(self) -> None:
        patient_id, name, dose = self.patient_id, self.name.text(), self.dose.text()
        chosen = self.medicine_class.currentData()
        critical = self.critical.isChecked()
        self.write(
            lambda vault: record_medicine(vault, patient_id, name, dose, chosen, critical=critical)
        )


class EndDialog(RecordForm):
    """Confirm marking an entry no longer current; says what it is and that it stays listed."""

    def __init__(
        self,
        context: PageContext,
        title: str,
        what: str,
        who: str,
        job: Callable[[OpenVault], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(context, title, who, "&Mark no longer current", parent)
        self.job = job
        self.what = QLabel(
            f"{what}\n\nIt stays on the record, marked no longer current, and leaves the transfer "
            "summary and the medicines-on-release checklist."
        )
        self.what.setWordWrap(True)
        self.what.setAccessibleName("Entry to mark no longer current")
        self.form.layout.addRow(self.what)
        self.lay_out()

    def save(self) -> None:
        self.write(self.job)
