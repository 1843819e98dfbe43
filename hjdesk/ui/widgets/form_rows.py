"""The one way a form's labelled rows are built.

Every row a keyboard or screen-reader user meets needs the same four things, and forgetting one is
easy when each form builds its rows by hand: a caption whose mnemonic (`&Reason:` → Alt+R) focuses
the field (the caption is the field's buddy); an accessible name on the field (the caption's words
unless the form gives a better one) and, where the field needs explaining, an accessible
description; a required marker said in words, not by colour or an asterisk alone; and, where a
field can be refused on its own, a problem line right under it (a `MessageLine`, hidden while
empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLayout, QRadioButton, QWidget

from hjdesk.ui.widgets.message_line import MessageLine


def plain(caption: str) -> str:
    """A caption's words without its mnemonic marker and colon: "&User name:" → "User name"."""
    return caption.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip(":")


@dataclass(frozen=True, slots=True)
class FormRow:
    """What `FormRows.add` built: the caption (None for a check box or a radio button, which
    carries its own text), the field, and the field's problem line if asked for."""

    caption: QLabel | None
    field: QWidget
    problem: MessageLine | None


class FormRows:
    """Adds labelled rows to a `QFormLayout` (a new one unless given)."""

    def __init__(self, layout: QFormLayout | None = None) -> None:
        self.layout = layout if layout is not None else QFormLayout()

    def add(
        self,
        caption: str,
        field: QWidget,
        *,
        name: str | None = None,
        description: str = "",
        required: bool = False,
        problem: bool = False,
        shown: QWidget | QLayout | None = None,
        wrap: bool = False,
    ) -> FormRow:
        """Add `field` under `caption` (which may carry a mnemonic). `name` replaces the field's
        accessible name (by default the caption's words, unless the field already has one);
        `shown` is what goes in the layout when the field sits inside a wider widget or a row
        layout (the field and a button beside it); `wrap`
        lets a long caption (a questionnaire item) wrap instead of widening the form."""
        if name is not None or not field.accessibleName():
            field.setAccessibleName(name if name is not None else plain(caption))
        said = " ".join(part for part in ("Required." if required else "", description) if part)
        if said:
            field.setAccessibleDescription(said)
        label: QLabel | None = None
        if isinstance(field, QCheckBox | QRadioButton) and shown is None:
            self.layout.addRow("", field)
        else:
            text = f"{caption.rstrip(':')} (required):" if required else caption
            label = QLabel(text)
            label.setBuddy(field)
            if wrap:
                label.setWordWrap(True)
                label.setMinimumWidth(label.fontMetrics().horizontalAdvance("x" * 40))
            self.layout.addRow(label, shown if shown is not None else field)
        line = None
        if problem:
            line = MessageLine(f"{plain(caption)}: problem")
            self.layout.addRow("", line)
        return FormRow(label, field, line)

    def under(self, widget: QWidget | QLayout) -> None:
        """A row without a caption, lined up with the fields (a hint, a counter, a check box
        group)."""
        self.layout.addRow("", widget)
