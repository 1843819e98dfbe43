"""The record's header: who this is (name, prison and NHS numbers, date of birth and age), where
they are, and their alerts as text badges. Identifiers go through the privacy switch."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hjdesk.clinical.identifiers import PSEUDO_LOCATIONS
from hjdesk.services.patients import ALERT_LABELS, PatientRow
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour

# Badge text and severity: the words carry the meaning, the border colour only repeats it.
BADGES: dict[str, tuple[str, str]] = {
    "HA": ("ACCT open", "RED"),
    "HA1": ("ACCT post-closure", "AMBER"),
    "PEEP": ("PEEP", "AMBER"),
    "HID": ("Hidden disability", "GREY"),
}
OLDER_PRISONER = ("Older prisoner (50+)", "GREY")
OFF_ROLL = ("Not on the roll", "GREY")
ARRIVING = "Arriving — history at the office"


def badges_for(row: PatientRow) -> list[tuple[str, str]]:
    """The badges a patient's header shows, in a fixed order."""
    found = [BADGES.get(code, (ALERT_LABELS.get(code, code), "GREY")) for code in row.alerts]
    if row.older_prisoner:
        found.append(OLDER_PRISONER)
    if not row.on_roll:
        found.append(OFF_ROLL)
    if row.transfer == "arriving":
        # The roll here lists them; the hub still holds their history (until the other prison's
        # roll lets them go, or the office confirms): what is shown here is not all there is.
        found.append((f"{ARRIVING} (from {row.transfer_other})", "AMBER"))
    elif row.transfer == "leaving":
        found.append((f"Leaving — to {row.transfer_other}", "AMBER"))
    return found


def location_text(row: PatientRow) -> str:
    where = PSEUDO_LOCATIONS.get(row.location, row.location) or "no location"
    return f"{where} ({row.establishment})" if row.establishment else where


class RecordHeader(QWidget):
    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.privacy = privacy
        self.row: PatientRow | None = None
        self.name = QLabel("")
        self.name.setObjectName("heading")
        self.name.setAccessibleName("Patient name")
        self.prison_number = QLabel("")
        self.prison_number.setAccessibleName("Prison number")
        self.nhs_number = QLabel("")
        self.nhs_number.setAccessibleName("NHS number")
        self.birth = QLabel("")
        self.birth.setAccessibleName("Date of birth and age")
        self.location = QLabel("")
        self.location.setAccessibleName("Location")
        self.badges: list[QLabel] = []
        self._badge_row = QHBoxLayout()
        self._badge_row.setContentsMargins(0, 0, 0, 0)
        self._badge_row.addStretch(1)

        facts = QHBoxLayout()
        facts.setContentsMargins(0, 0, 0, 0)
        for label in (self.prison_number, self.nhs_number, self.birth, self.location):
            facts.addWidget(label)
            facts.addSpacing(18)
        facts.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.name)
        layout.addLayout(facts)
        layout.addLayout(self._badge_row)
        privacy.changed.connect(lambda _: self._draw())

    def show_patient(self, row: PatientRow) -> None:
        self.row = row
        self._draw()

    def clear(self) -> None:
        self.row = None
        self._draw()

    def who(self) -> str:
        """Name and prison number for a dialog's "for whom" line, masked when private."""
        if self.row is None:
            return ""
        p = self.privacy
        return f"{p.name(self.row.display_name)} ({p.identifier(self.row.prison_number)})"

    def _draw(self) -> None:
        row, p = self.row, self.privacy
        for badge in self.badges:
            self._badge_row.removeWidget(badge)
            badge.deleteLater()
        self.badges = []
        if row is None:
            for label in (self.name, self.prison_number, self.nhs_number, self.birth):
                label.clear()
            self.location.clear()
            return
        self.name.setText(p.name(row.display_name))
        self.prison_number.setText(f"Prison no. {p.identifier(row.prison_number)}")
        nhs = p.identifier(row.nhs_display) if row.nhs_number else row.nhs_display
        self.nhs_number.setText(f"NHS no. {nhs}")
        born = p.dob(row.date_of_birth.strftime("%d/%m/%Y"))
        self.birth.setText(f"Born {born} (age {row.age})")
        self.location.setText(f"Location {location_text(row)}")
        for text, severity in badges_for(row):
            badge = QLabel(text)
            badge.setObjectName("alertBadge")
            badge.setAccessibleName(f"Alert: {text}")
            colour = severity_colour(severity).name()
            badge.setStyleSheet(
                f"QLabel {{ border: 2px solid {colour}; border-radius: 4px; padding: 1px 6px;"
                " font-weight: 600; }"
            )
            self._badge_row.insertWidget(len(self.badges), badge)
            self.badges.append(badge)
