"""This laptop's settings (services/settings/local.py declares each one): idle lock, high
contrast, the NEWS2 escalation pathways and the establishment. The service checks ranges and
roles and audits every change.

Decisions (ours):
- High contrast is saved and applied the moment it is ticked: someone who cannot read the screen
  should not have to find a Save button first.
- The other fields are saved together by "Save settings", and only those that changed, so the
  audit trail shows what was really changed.
- Everyone may set the idle lock (down to 1 minute) and the theme; the pathways and the
  establishment are the administrator's (read-only for others, with a sentence saying so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.identifiers import normalise_establishment_code
from hjdesk.services import settings
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.vault import ADMIN_ROLE, OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.theme import apply_theme
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    idle_minutes: int
    high_contrast: bool
    pathway_high: str
    pathway_medium: str
    pathway_red: str
    establishment: str


def load_settings(vault: OpenVault) -> LoadedSettings:
    return LoadedSettings(
        idle_minutes=settings.get(vault, settings.IDLE_MINUTES),
        high_contrast=settings.get(vault, settings.HIGH_CONTRAST),
        pathway_high=settings.get(vault, settings.PATHWAY_HIGH),
        pathway_medium=settings.get(vault, settings.PATHWAY_MEDIUM),
        pathway_red=settings.get(vault, settings.PATHWAY_RED),
        establishment=settings.get(vault, settings.ESTABLISHMENT),
    )


def _text_box(name: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)  # keyboard users can leave the box with Tab
    box.setMaximumHeight(box.fontMetrics().lineSpacing() * 4)
    return box


class SettingsPanel(QWidget):
    # For the shell: the idle lock and the theme take effect without a new unlock.
    idle_minutes_changed = Signal(int)
    high_contrast_changed = Signal(bool)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loaded: LoadedSettings | None = None

        self.idle = QSpinBox()
        self.idle.setRange(settings.IDLE_MINUTES.minimum or 1, settings.IDLE_MINUTES.maximum or 60)
        self.idle.setSuffix(" minutes")
        self.idle.setAccessibleName("Lock after this many idle minutes")
        self.high_contrast = QCheckBox("High-&contrast theme (applies at once)")
        self.high_contrast.setAccessibleName("High-contrast theme")
        laptop = QGroupBox("This laptop")
        rows = FormRows(QFormLayout(laptop))
        idle_row = QHBoxLayout()
        idle_row.addWidget(self.idle)
        idle_row.addStretch(1)
        rows.add("Loc&k after idle:", self.idle, shown=idle_row)
        rows.add("", self.high_contrast)

        self.pathway_high = _text_box("NEWS2 high score pathway")
        self.pathway_medium = _text_box("NEWS2 medium score pathway")
        self.pathway_red = _text_box("NEWS2 single red parameter pathway")
        self.establishment = QLineEdit()
        self.establishment.setAccessibleName("Establishment code")
        self.establishment.setPlaceholderText("three letters, e.g. MDI")
        self.establishment.setMaxLength(3)
        self.establishment.setMaximumWidth(self.establishment.fontMetrics().averageCharWidth() * 24)
        self.admin_only = QLabel(
            "Only an administrator can change the escalation pathways and the establishment."
        )
        self.admin_only.setWordWrap(True)
        self.admin_only.setAccessibleName("Why some settings are read-only")
        local = QGroupBox("NEWS2 escalation pathways and establishment (administrator)")
        admin_rows = FormRows(QFormLayout(local))
        for text, field in (
            ("NEWS2 hi&gh score (7+):", self.pathway_high),
            ("NEWS2 &medium score (5-6):", self.pathway_medium),
            ("Single &red parameter (3):", self.pathway_red),
            ("&Establishment:", self.establishment),
        ):
            admin_rows.add(text, field)
        admin_rows.layout.addRow(self.admin_only)

        self.save = QPushButton("&Save settings")
        self.save.setAccessibleName("Save the settings")
        self.message = MessageLine(
            "Settings: result of the last change", problem_prefix="Not done: "
        )
        layout = QVBoxLayout(self)
        layout.addWidget(laptop)
        layout.addWidget(local)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save)
        save_row.addStretch(1)
        layout.addLayout(save_row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.save.clicked.connect(self.save_settings)
        self.high_contrast.toggled.connect(self._contrast_toggled)

    @property
    def is_admin(self) -> bool:
        vault = self.context.vault
        return vault is not None and vault.actor.role == ADMIN_ROLE

    def refresh(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        admin = self.is_admin
        for box in (self.pathway_high, self.pathway_medium, self.pathway_red):
            box.setReadOnly(not admin)
        self.establishment.setReadOnly(not admin)
        self.admin_only.setVisible(not admin)
        self.context.runner.run_task(lambda: load_settings(vault), self._show, self.message.fail)

    def clear(self) -> None:
        self.loaded = None
        self.message.clear()
        for box in (self.pathway_high, self.pathway_medium, self.pathway_red):
            box.clear()
        self.establishment.clear()

    def _show(self, loaded: LoadedSettings) -> None:
        if self.context.vault is None:
            return
        self.loaded = loaded
        self.idle.setValue(loaded.idle_minutes)
        self.high_contrast.blockSignals(True)
        self.high_contrast.setChecked(loaded.high_contrast)
        self.high_contrast.blockSignals(False)
        self.pathway_high.setPlainText(loaded.pathway_high)
        self.pathway_medium.setPlainText(loaded.pathway_medium)
        self.pathway_red.setPlainText(loaded.pathway_red)
        self.establishment.setText(loaded.establishment)

    # -- saving ---------------------------------------------------------------------------
    def _contrast_toggled(self, on: bool) -> None:
        vault = self.context.vault
        if vault is None:
            return
        apply_theme(high_contrast=on)
        self.high_contrast_changed.emit(on)

        def saved(_: object) -> None:
            self.message.info("High-contrast theme " + ("on." if on else "off."))

        self.context.runner.run_task(
            lambda: settings.put(vault, settings.HIGH_CONTRAST, on),
            saved,
            self.message.fail,
            write=True,
        )

    def _changes(self, vault: OpenVault) -> list[tuple[str, Callable[[], None]]]:
        """(label, write) for every field that differs from what was loaded."""
        loaded = self.loaded
        assert loaded is not None
        out: list[tuple[str, Callable[[], None]]] = []

        def text_change(declared: settings.Declared[str], value: str) -> None:
            out.append((declared.label, lambda: settings.put(vault, declared, value)))

        idle = self.idle.value()
        if idle != loaded.idle_minutes:
            out.append(
                (
                    settings.IDLE_MINUTES.label,
                    lambda: settings.put(vault, settings.IDLE_MINUTES, idle),
                )
            )
        if not self.is_admin:
            return out
        for declared, box, before in (
            (settings.PATHWAY_HIGH, self.pathway_high, loaded.pathway_high),
            (settings.PATHWAY_MEDIUM, self.pathway_medium, loaded.pathway_medium),
            (settings.PATHWAY_RED, self.pathway_red, loaded.pathway_red),
        ):
            text = box.toPlainText().strip()
            if not text:
                raise InvalidInput(f"The {declared.label} cannot be empty.")
            if text != before:
                text_change(declared, text)
        code = self.establishment.text().strip().upper()
        if code:
            try:
                code = normalise_establishment_code(code)
            except ValueError as exc:
                raise InvalidInput(f"The {exc}.") from None
        if code != loaded.establishment:
            text_change(settings.ESTABLISHMENT, code)
        return out

    def save_settings(self) -> None:
        vault = self.context.vault
        if vault is None or self.loaded is None:
            return
        try:
            changes = self._changes(vault)
        except InvalidInput as exc:
            self.message.problem(str(exc))
            return
        if not changes:
            self.message.info("Nothing to save: no setting was changed.")
            return

        def write() -> LoadedSettings:
            for _, put in changes:
                put()
            return load_settings(vault)

        def saved(loaded: LoadedSettings) -> None:
            idle_changed = self.loaded is None or loaded.idle_minutes != self.loaded.idle_minutes
            self._show(loaded)
            names = ", ".join(label.lower() for label, _ in changes)
            self.message.info(f"Saved: {names}.")
            if idle_changed:
                self.idle_minutes_changed.emit(loaded.idle_minutes)

        self.context.runner.run_task(write, saved, self.message.fail, write=True)
