"""Overdue reviews for an establishment or a wing (domain.md §10 item 6): care plans, LTC reviews,
diabetes care processes, second-stage assessments and older-prisoner reviews, overdue first."""

from __future__ import annotations

from datetime import date

from reportlab.platypus import Flowable

from hjdesk.reports.document import Context, Document
from hjdesk.reports.tables import heading, para, table
from hjdesk.reports.text import day
from hjdesk.services.printing import has_unsynced
from hjdesk.services.worklists import DueRow, overdue_reviews

SECTIONS = (
    ("care_plans", "Care plan reviews"),
    ("ltc_reviews", "Long-term condition reviews"),
    ("diabetes_care_processes", "Diabetes care processes"),
    ("second_stage_assessments", "Second-stage assessments"),
    ("older_prisoner_reviews", "Older-prisoner reviews"),
    ("second_stage_long_overdue", "Second-stage assessments long overdue (never done this stay)"),
)


def _state(row: DueRow, today: date) -> str:
    if row.overdue:
        return f"OVERDUE {row.days_overdue} d"
    ahead = (row.due_date - today).days
    return "due today" if ahead <= 0 else f"due in {ahead} d"


def _section(rows: tuple[DueRow, ...], today: date) -> Flowable:
    if not rows:
        return para("Nothing overdue or due soon.")
    ordered = sorted(
        rows, key=lambda r: (not r.overdue, -r.days_overdue, r.due_date, r.display_name)
    )
    return table(
        ("Due", "State", "Name", "Prison no.", "Location", "What"),
        [
            [day(r.due_date), _state(r, today), r.display_name, r.prison_number, r.location, r.what]
            for r in ordered
        ],
        (13, 18, 25, 13, 12, 34),
        flagged=[i for i, r in enumerate(ordered) if r.overdue],
    )


def overdue_report(ctx: Context, wing: str | None) -> Document:
    report = overdue_reviews(ctx.vault, wing=wing, today=ctx.today)
    counts = []
    for attribute, label in SECTIONS:
        rows: tuple[DueRow, ...] = getattr(report, attribute)
        overdue = sum(1 for r in rows if r.overdue)
        counts.append([label, overdue, len(rows) - overdue])
    story: list[Flowable] = [
        para(
            f"Reviews overdue, or due within 14 days, on {day(ctx.today)} for people on the roll. "
            "OVERDUE rows are shaded and marked; the number is days past the due date.",
        ),
        heading("Summary"),
        table(("Review", "Overdue", "Due soon"), counts, (60, 20, 20)),
    ]
    for attribute, label in SECTIONS:
        story += [heading(label), _section(getattr(report, attribute), ctx.today)]
    scope = f"Wing {wing}" if wing else "Whole establishment"
    patients = {r.patient_id for r in report.all_rows}
    return Document(
        title="Overdue reviews",
        story=story,
        file_stem=f"overdue-reviews-{ctx.today:%Y-%m-%d}" + (f"-wing-{wing}" if wing else ""),
        subtitle=f"{scope} · {day(ctx.today)}",
        unsynced=has_unsynced(ctx.vault, patient_ids=patients),
        records={"wing": wing or ""},
    )
