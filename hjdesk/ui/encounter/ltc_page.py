"""What every long-term condition page shares: its fields by key, the patient's age for the
rules that depend on it, and reading its answers into `EncounterInput.data`."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit

from hjdesk.services.encounters import MEASUREMENTS
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, Section, TextArea, clean

SMOKING = (("SMOKER", "Smoker"), ("EX_SMOKER", "Ex-smoker"), ("NEVER_SMOKED", "Never smoked"))


def unit(code: str) -> str:
    return MEASUREMENTS[code].unit


class ConditionPage(Section):
    """One condition's fields; `age` and `today` feed the rules that depend on them."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.setFlat(True)
        self.age: int | None = None

    def contribute(self, parts: FormParts) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Redraw live results (pages without any keep the default)."""

    def texts(self, keys: tuple[str, ...]) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for key in keys:
            widget = self.fields[key]
            if isinstance(widget, Combo):
                value = widget.value()
            elif isinstance(widget, TextArea):
                value = widget.toPlainText().strip() or None
            elif isinstance(widget, QLineEdit):
                value = clean(widget.text()) or None
            else:
                continue
            if value is not None:
                answers[key] = value
        return answers
