"""Wing clinic list and the officer unlock list (domain.md §10 item 1).

The clinic list goes onto the wing with the nurse: location order (the order officers unlock
cells), the reason, alert codes and a blank outcome column to write in.

The unlock list goes to the prison: names, prison numbers and locations only. Decision (ours): no
clinic type, no reasons, no alerts (not even the prison's own, which officers hold already), and a
title that names no clinic, so the sheet says nothing about why anyone is being seen.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hjdesk.clinical.attendance import Attribution, Outcome, attribution
from hjdesk.reports.document import Context, Document
from hjdesk.reports.tables import gap, key_values, para, table
from hjdesk.reports.text import listed, long_day, words
from hjdesk.services.clinics import SessionView, session_view
from hjdesk.services.printing import has_unsynced

ALERT_MEANINGS = {
    "HA": "ACCT open",
    "HA1": "ACCT post-closure",
    "PEEP": "personal emergency evacuation plan",
    "HID": "hidden disability",
}
OLDER = "50+"


def _outcome_legend() -> str:
    groups: dict[Attribution, list[str]] = {}
    for outcome in Outcome:
        name = "DNA (patient chose)" if outcome is Outcome.DNA_PATIENT_CHOSE else words(outcome)
        groups.setdefault(attribution(outcome), []).append(name.lower().replace("dna", "DNA"))
    named = {Attribution.LOCATION: "elsewhere"}
    text = " · ".join(
        f"{named.get(who, who.value.lower()).capitalize()}: {', '.join(names)}"
        for who, names in groups.items()
    )
    return (
        f"Outcomes. {text}. Prison outcomes are never a DNA: write the reason. A refusal needs "
        "risks explained, capacity concern and a witness."
    )


def _wings(view: SessionView) -> str:
    return ", ".join(view.wings) or "–"


def _unsynced(ctx: Context, view: SessionView) -> bool:
    ids = [view.id, *(a.id for a in view.appointments)]
    return has_unsynced(ctx.vault, record_ids=ids)


def _stem(prefix: str, view: SessionView) -> str:
    return f"{prefix}-{view.session_date:%Y-%m-%d}-{view.period.value}"


def clinic_list(ctx: Context, session_id: str) -> Document:
    view = session_view(ctx.vault, session_id)
    rows = []
    for number, a in enumerate(view.appointments, start=1):
        tags = list(a.alerts) + ([OLDER] if a.older_prisoner else [])
        rows.append([number, a.location, a.name, a.prison_number, a.reason, " ".join(tags), ""])
    story: list[Flowable] = [
        key_values(
            [
                ("Clinic", words(view.clinic_type.value)),
                ("Date and period", f"{long_day(view.session_date)}, {view.period.value}"),
                ("Wings", _wings(view)),
                ("Clinicians", listed(view.clinician_names, "–")),
                ("Facilitating officer", view.facilitating_officer or ""),
                ("Status", f"{words(view.status.value)} · {len(view.appointments)} on the list"),
            ]
        ),
        gap(),
        table(
            ("No.", "Location", "Name", "Prison no.", "Reason", "Alerts", "Outcome"),
            rows,
            (8, 16, 34, 18, 40, 15, 34),
            min_row_height=24,
        ),
        gap(),
        para(
            "Alerts: "
            + " · ".join(f"{code} {meaning}" for code, meaning in ALERT_MEANINGS.items())
            + f" · {OLDER} older prisoner (aged 50 or over).",
            "small",
        ),
        para(_outcome_legend(), "small"),
    ]
    if not view.appointments:
        story.insert(2, para("Nobody is booked into this session yet."))
    return Document(
        title="Wing clinic list",
        story=story,
        file_stem=_stem("clinic-list", view),
        subtitle=(
            f"{view.establishment} · {words(view.clinic_type.value)} · "
            f"{long_day(view.session_date)} {view.period.value} · Wings {_wings(view)}"
        ),
        unsynced=_unsynced(ctx, view),
        records={"session_id": view.id},
    )


def unlock_list(ctx: Context, session_id: str) -> Document:
    view = session_view(ctx.vault, session_id)
    rows = [
        [number, a.location, a.name, a.prison_number, "", ""]
        for number, a in enumerate(view.appointments, start=1)
    ]
    when = f"{long_day(view.session_date)}, {view.period.value}"
    story: list[Flowable] = [
        key_values(
            [
                ("Date and period", when),
                ("Wings", _wings(view)),
                ("Officer", view.facilitating_officer or ""),
                ("Healthcare staff", listed(view.clinician_names, "–")),
            ]
        ),
        gap(),
        para(
            "Please unlock each person below in turn, in this order, for a healthcare "
            "appointment, and note the time. If someone cannot be unlocked, write why.",
        ),
        gap(2),
        table(
            ("No.", "Location", "Name", "Prison no.", "Unlocked at", "Not unlocked: why"),
            rows,
            (8, 18, 44, 20, 20, 50),
            min_row_height=22,
        ),
    ]
    return Document(
        title="Officer unlock list",
        story=story,
        file_stem=_stem("unlock-list", view),
        subtitle=f"{view.establishment} · {when} · Wings {_wings(view)}",
        unsynced=_unsynced(ctx, view),
        records={"session_id": view.id},
    )
