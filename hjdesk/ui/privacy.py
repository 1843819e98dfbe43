"""The privacy switch: officers and other prisoners can see a wing laptop's screen, so names and
identifiers can be masked everywhere at once (architecture.md §6)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


def mask_name(name: str) -> str:
    """`SMITH, John Paul` → `S•••, J•••`: enough for the clinician who knows the list."""
    parts = [p.strip() for p in name.replace(",", " , ").split(" ") if p.strip()]
    out = []
    for part in parts:
        out.append(part if part == "," else part[0] + "•••")
    return " ".join(out).replace(" ,", ",")


def mask_identifier(value: str) -> str:
    """Keep the last two characters so a clinician can still check against a wristband."""
    value = value.strip()
    if len(value) <= 2:
        return "••"
    return "•" * (len(value) - 2) + value[-2:]


def mask_date(_: str) -> str:
    return "••/••/••••"


class PrivacyState(QObject):
    """One switch for the whole app; views listen to `changed` and redraw."""

    changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self._masked = False

    @property
    def masked(self) -> bool:
        return self._masked

    def set_masked(self, masked: bool) -> None:
        if masked != self._masked:
            self._masked = masked
            self.changed.emit(masked)

    def name(self, value: str) -> str:
        return mask_name(value) if self._masked else value

    def identifier(self, value: str) -> str:
        return mask_identifier(value) if self._masked else value

    def dob(self, value: str) -> str:
        return mask_date(value) if self._masked else value
