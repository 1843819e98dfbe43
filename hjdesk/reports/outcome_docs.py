"""Session outcomes and exceptions (domain.md §10 item 2): non-attendance by attribution, the
prison-driven non-attendance summary per wing, and the rebook list.

Two shapes: one session (every appointment's outcome), or a calendar month (the exception report
per wing per ISO week, the prison exceptions without identifiers, and the month's rebook list).
Prison-driven non-attendance is shown on its own and never counted as a DNA.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from reportlab.platypus import Flowable

from hjdesk.clinical.attendance import (
    PRISON_OUTCOMES,
    Attribution,
    AttributionCounts,
    Outcome,
    is_dna,
)
from hjdesk.reports.document import Context, Document
from hjdesk.reports.tables import gap, heading, key_values, para, table
from hjdesk.reports.text import day, listed, long_day, percent, words
from hjdesk.services.clinics import (
    AppointmentView,
    appointment_ids,
    exception_report,
    rebook_list,
    session_view,
)
from hjdesk.services.printing import has_unsynced

MEANINGS = {
    Attribution.SEEN: "Seen (attended, at the cell door or elsewhere)",
    Attribution.PATIENT: "Patient: refused, or chose not to attend (DNA)",
    Attribution.PRISON: "Prison: not unlocked, no escort, regime, lockdown (never a DNA)",
    Attribution.LOCATION: "Elsewhere: court, hospital, segregation, visit, work, moved",
    Attribution.HEALTHCARE: "Healthcare: cancelled by healthcare, session overran",
}


def _attribution_table(counts: AttributionCounts, dna: int | None, open_count: int = 0) -> Flowable:
    total = counts.total
    rows: list[list[object]] = [
        [
            MEANINGS[who],
            counts.count(who),
            percent(100 * counts.count(who) / total if total else None),
        ]
        for who in Attribution
    ]
    if open_count:
        rows.append(["No outcome recorded yet", open_count, ""])
    rows.append(["Total with an outcome", total, ""])
    if dna is not None:
        share = percent(100 * dna / total if total else None)
        rows.append(["of which DNA (patient chose not to attend)", dna, share])
    return table(("Attribution", "Appointments", "Share"), rows, (70, 15, 15))


def _reason(a: AppointmentView) -> str:
    parts = [a.outcome_reason or ""]
    if a.outcome is Outcome.REFUSED:
        parts.append(
            f"risks explained: {_yn(a.risks_explained)}, capacity concern: "
            f"{_yn(a.capacity_concern)}, witness: {a.witness_name or '–'}"
        )
    return "; ".join(p for p in parts if p)


def _yn(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def _rebook_table(rows: list[AppointmentView], with_date: bool) -> Flowable:
    if not rows:
        return para("No appointment needs rebooking.")
    skip = 0 if with_date else 1  # one session's list needs no date column
    header = ("Date", "Location", "Name", "Prison no.", "Outcome", "Reason")[skip:]
    data = [
        [day(a.session_date), a.location, a.name, a.prison_number, words(a.outcome), _reason(a)][
            skip:
        ]
        for a in rows
    ]
    return table(header, data, (14, 14, 30, 16, 22, 34)[skip:])


def session_outcomes(ctx: Context, session_id: str) -> Document:
    view = session_view(ctx.vault, session_id)
    ended = [a for a in view.appointments if a.outcome is not None]
    prison = [a for a in ended if a.attribution is Attribution.PRISON]
    by_outcome = Counter(a.outcome for a in prison)
    story: list[Flowable] = [
        key_values(
            [
                ("Clinic", words(view.clinic_type.value)),
                ("Date and period", f"{long_day(view.session_date)}, {view.period.value}"),
                ("Wings", ", ".join(view.wings)),
                ("Clinicians", listed(view.clinician_names, "–")),
                ("Facilitating officer", view.facilitating_officer or ""),
                ("Status", words(view.status.value)),
            ]
        ),
        heading("Attendance by attribution"),
        _attribution_table(
            view.attendance,
            sum(1 for a in ended if a.outcome is not None and is_dna(a.outcome)),
            len(view.without_outcome),
        ),
        heading("Prison-driven non-attendance"),
        table(
            ("Outcome", "Appointments"),
            [[words(o.value), by_outcome.get(o, 0)] for o in PRISON_OUTCOMES],
            (70, 30),
        ),
        heading("Outcome of each appointment"),
        table(
            (
                "Location",
                "Name",
                "Prison no.",
                "Outcome",
                "Attribution",
                "Reason / details",
                "Rebook",
            ),
            [
                [
                    a.location,
                    a.name,
                    a.prison_number,
                    words(a.outcome) or "not recorded",
                    words(a.attribution),
                    _reason(a),
                    "Yes" if a.rebook_required else "",
                ]
                for a in view.appointments
            ],
            (12, 25, 14, 17, 16, 27, 11),
            flagged=[
                i for i, a in enumerate(view.appointments) if a.attribution is Attribution.PRISON
            ],
        ),
        heading("Rebook list"),
        _rebook_table([a for a in view.appointments if a.rebook_required], with_date=False),
    ]
    ids = [view.id, *(a.id for a in view.appointments)]
    return Document(
        title="Session outcomes and exceptions",
        story=story,
        file_stem=f"session-outcomes-{view.session_date:%Y-%m-%d}-{view.period.value}",
        subtitle=(
            f"{view.establishment} · {words(view.clinic_type.value)} · "
            f"{long_day(view.session_date)} {view.period.value} · Wings {', '.join(view.wings)}"
        ),
        unsynced=has_unsynced(ctx.vault, record_ids=ids),
        records={"session_id": view.id},
    )


def month_bounds(first: date) -> tuple[date, date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def period_outcomes(ctx: Context, month: date, wing: str | None) -> Document:
    start, end = month_bounds(month)
    report = exception_report(ctx.vault, start=start, end=end)
    weeks = [w for w in report.weeks if wing is None or w.wing == wing]
    exceptions = [e for e in report.exceptions if wing is None or e.wing == wing]
    rebooks = [
        a
        for a in rebook_list(ctx.vault, start=start, end=end)
        if wing is None or a.location.split("-")[0] == wing
    ]
    totals: AttributionCounts = report.totals
    dna: int | None = report.dna
    if wing is not None:
        # The weekly figures carry attributions, not outcomes: the DNA line is left out here
        # rather than guessed (the patient line still counts refusals and DNAs together).
        totals = AttributionCounts(
            **{
                who.value.lower(): sum(w.by_attribution.count(who) for w in weeks)
                for who in Attribution
            }
        )
        dna = None
    week_rows = [
        [
            w.wing,
            day(w.week_start),
            w.by_attribution.total,
            w.by_attribution.seen,
            w.prison_non_attendance,
            *(w.prison_by_outcome.get(o, 0) for o in PRISON_OUTCOMES),
            percent(
                100 * w.prison_non_attendance / w.by_attribution.total
                if w.by_attribution.total
                else None
            ),
        ]
        for w in sorted(weeks, key=lambda w: (w.wing, w.week_start))
    ]
    scope = f"Wing {wing}" if wing else "All wings"
    story: list[Flowable] = [
        para(
            f"{scope}, {day(start)} to {day(end)}. Appointments counted against the wing their "
            "session targeted. Prison-driven non-attendance is never counted as a DNA.",
        ),
        heading("Attendance by attribution"),
        _attribution_table(totals, dna),
        heading("Prison-driven non-attendance per wing per week"),
        table(
            (
                "Wing",
                "Week from",
                "Ended",
                "Seen",
                "Prison-driven",
                *(words(o.value) for o in PRISON_OUTCOMES),
                "Share",
            ),
            week_rows,
            (7, 13, 9, 8, 14, 12, 12, 12, 12, 9),
            style="cell_small",
            flagged=[i for i, r in enumerate(week_rows) if isinstance(r[4], int) and r[4] > 0],
        )
        if week_rows
        else para("No appointment ended in this period."),
        heading("Prison exceptions (no identifiers: may be shared with the prison)"),
        table(
            ("Date", "Wing", "Period", "Clinic", "Outcome", "Reason"),
            [
                [
                    day(e.day),
                    e.wing,
                    e.period.value,
                    words(e.clinic_type),
                    words(e.outcome.value),
                    e.reason,
                ]
                for e in exceptions
            ],
            (14, 8, 9, 24, 20, 40),
        )
        if exceptions
        else para("No prison-driven non-attendance in this period."),
        gap(),
        heading("Rebook list"),
        _rebook_table(rebooks, with_date=True),
    ]
    return Document(
        title="Clinic outcomes and exceptions",
        story=story,
        file_stem=f"clinic-exceptions-{month:%Y-%m}" + (f"-wing-{wing}" if wing else ""),
        subtitle=f"{report.establishment or 'All establishments'} · {month:%B %Y} · {scope}",
        unsynced=has_unsynced(
            ctx.vault, record_ids=appointment_ids(ctx.vault, start=start, end=end)
        ),
        records={"month": f"{month:%Y-%m}", "wing": wing or ""},
    )
