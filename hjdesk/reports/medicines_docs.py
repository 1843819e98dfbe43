"""The medicines-on-release checklist (domain.md §9, §10 item 7): each current medicine with its
checks to tick, critical medicines marked (they travel with the patient), the supply given, and
the checks before the patient leaves. Built from this laptop's vault alone."""

from __future__ import annotations

from reportlab.platypus import Flowable

from hjdesk.reports.document import Context, Document, identifier_line
from hjdesk.reports.release_docs import movement_pairs
from hjdesk.reports.tables import TICK_BOX, gap, heading, key_values, para, signature_lines, table
from hjdesk.reports.text import listed, yes_no
from hjdesk.services.release import medicines_on_release_checklist


def medicines_checklist(ctx: Context, patient_id: str) -> Document:
    c = medicines_on_release_checklist(ctx.vault, patient_id, today=ctx.today, now=ctx.printed_at)
    plan = c.release_plan
    days = "not recorded"
    if plan is not None and plan.days_of_medicine_supplied is not None:
        days = f"{plan.days_of_medicine_supplied} days"
    story: list[Flowable] = [
        key_values(
            [
                *movement_pairs(plan)[:2],
                ("Supply", f"{days} · FP10 given: {yes_no(plan.fp10_given if plan else None)}"),
                (
                    "Allergies",
                    listed(
                        (f"{a.substance} ({a.reaction})" for a in c.allergies),
                        "none recorded (not 'no known allergies': ask)",
                    ),
                ),
            ]
        ),
        heading("Each medicine"),
    ]
    rows = [
        [
            TICK_BOX,
            item.medicine.name,
            item.medicine.dose,
            "CRITICAL" if item.medicine.critical else "",
            "\n".join(f"{TICK_BOX} {check}" for check in item.checks),
        ]
        for item in c.items
    ]
    story.append(
        table(
            ("Done", "Medicine", "Dose", "Critical", "Checks"),
            rows,
            (7, 24, 22, 11, 50),
            flagged=[i for i, item in enumerate(c.items) if item.medicine.critical],
        )
        if rows
        else para("No current medicines recorded.")
    )
    story += [
        heading("Before the patient leaves"),
        para("\n".join(f"{TICK_BOX} {check}" for check in c.general_checks), "cell_large"),
        gap(4),
        signature_lines(("Checked by", "Role", "Date and time", "Received by (escort or patient)")),
    ]
    return Document(
        title="Medicines-on-release checklist",
        story=story,
        file_stem=f"medicines-on-release-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(c.identifiers),
        unsynced=c.contains_unsynced,
        patient_id=patient_id,
        records={"release_plan_id": plan.id if plan else ""},
    )
