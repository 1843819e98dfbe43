"""How printed documents write dates, times, codes and yes/no, so every PDF reads the same way.

Times are stored in UTC and printed in Europe/London, where the care happens, with GMT or BST
written out so a reader never has to guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from hjdesk.services.common import clinic_time

_CODE = re.compile(r"[A-Z0-9_\-]+")
NOT_RECORDED = "not recorded"
# Words that stay in capitals when a code is turned into words.
_ACRONYMS = {
    "LTC": "LTC",
    "MH": "MH",
    "ACCT": "ACCT",
    "GP": "GP",
    "FP10": "FP10",
    "PER": "PER",
    "DNACPR": "DNACPR",
    "COPD": "COPD",
    "BP": "BP",
    "HBA1C": "HbA1c",
    "NEWS2": "NEWS2",
    "PHQ9": "PHQ-9",
    "GAD7": "GAD-7",
    "CFS": "CFS",
    "AQ10": "AQ-10",
    "RECONNECT": "RECONNECT",
    "AAA": "AAA",
    "HIV": "HIV",
    "BBV": "BBV",
    "ED": "ED",
    "AM": "AM",
    "PM": "PM",
    "UACR": "UACR",
    "BMI": "BMI",
    "ACE": "ACE",
    "SABA": "SABA",
    "LABA": "LABA",
    "LAMA": "LAMA",
    "ICS": "ICS",
    "SSRI": "SSRI",
    "SNRI": "SNRI",
    "PPI": "PPI",
    "NSAID": "NSAID",
    "OT": "OT",
    "RN": "RN",
    "RMN": "RMN",
    "HCA": "HCA",
    "ANP": "ANP",
}


def words(code: str | None) -> str:
    """`LTC_DIABETES` → `LTC diabetes`; `SEEN_AT_CELL_DOOR` → `Seen at cell door`. Text that is
    not a code (it has lower case or spaces) is returned as it was written."""
    if not code:
        return ""
    if not _CODE.fullmatch(code):
        return code
    parts = code.replace("-", "_").split("_")
    out = []
    for index, part in enumerate(p for p in parts if p):
        upper = part.upper()
        if upper in _ACRONYMS:
            out.append(_ACRONYMS[upper])
        elif index == 0:
            out.append(part.capitalize())
        else:
            out.append(part.lower())
    return " ".join(out)


def signer(name: str, role: str) -> str:
    """Who signed, with their role at signing where the name does not already carry it (a
    previous prison's clinician is named from the hub's card: "Nurse Test (RN, AAA)")."""
    return f"{name} ({role})" if role else name


def day(value: date | None, missing: str = "") -> str:
    return missing if value is None else f"{value:%d/%m/%Y}"


def long_day(value: date) -> str:
    return f"{value:%a %d %b %Y}"


def local(value: datetime) -> datetime:
    return clinic_time(value)


def moment(value: datetime | None, missing: str = "") -> str:
    """`23/11/2026 09:30 GMT`."""
    if value is None:
        return missing
    shown = local(value)
    return f"{shown:%d/%m/%Y %H:%M} {shown.tzname()}"


def short_moment(value: datetime | None, missing: str = "") -> str:
    """`23/11 09:30`: for tables where the year and zone are in the heading."""
    if value is None:
        return missing
    return f"{local(value):%d/%m/%y %H:%M}"


def yes_no(value: bool | None, missing: str = NOT_RECORDED) -> str:
    if value is None:
        return missing
    return "Yes" if value else "No"


def listed(values: Iterable[object], missing: str = "none recorded") -> str:
    items = [str(v) for v in values if str(v).strip()]
    return "; ".join(items) if items else missing


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def answer(value: object) -> str:
    """A form answer as words: yes/no, lists joined, nested details as `Label: value`."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{words(str(k))}: {answer(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(answer(v) for v in value) or "–"
    return str(value)
