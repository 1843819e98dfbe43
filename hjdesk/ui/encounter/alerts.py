"""Who a form is about, and prison alerts in words (domain.md §2): wherever a patient appears,
alerts are shown as text (with an icon where there is room), never as a colour or icon alone."""

from __future__ import annotations

from hjdesk.services.patients import PatientRow
from hjdesk.ui.privacy import PrivacyState

ALERT_WORDS = {
    "HA": "ACCT open",
    "HA1": "ACCT post-closure",
    "PEEP": "PEEP",
    "HID": "Hidden disability",
}
OLDER_PRISONER = "Older prisoner (50+)"


def alert_list(alerts: tuple[str, ...], *, older: bool) -> list[str]:
    out = [ALERT_WORDS.get(code, code) for code in alerts]
    if older:
        out.append(OLDER_PRISONER)
    return out


def alert_words(alerts: tuple[str, ...], *, older: bool) -> str:
    return ", ".join(alert_list(alerts, older=older))


def patient_line(p: PatientRow, privacy: PrivacyState) -> str:
    """Name, numbers, age, location and alerts, through the privacy switch."""
    bits = [
        privacy.name(p.display_name),
        privacy.identifier(p.prison_number),
        f"born {privacy.dob(p.date_of_birth.strftime('%d/%m/%Y'))}",
        "" if privacy.masked else f"age {p.age}",
        p.location,
        alert_words(p.alerts, older=p.older_prisoner),
    ]
    return " · ".join(b for b in bits if b)
