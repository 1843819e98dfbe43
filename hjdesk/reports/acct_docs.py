"""ACCT documents (domain.md §6, §10 items 3-4): the health contribution sheet for the case
manager, and the health-input audit.

The contribution sheet carries the risk-relevant summary only (the full note stays in the clinical
record), who gave it, their role, when, and a line to sign: it is also the handover slip when a
contribution made on the wing has not reached the office before the review. Input withdrawn as
entered in error is part of the record: it is listed apart, as withdrawn, with who withdrew it,
when and why, never what it said; asked for by patient, the sheet prints even when the only
input there was withdrawn.

The audit lists every ACCT_NO_HEALTH_INPUT flag and, per month, the share of case reviews and
closures without health input (a case review past its time and never recorded as held counts, in
the month it was due, in its own "not held" column too). Decision (ours): with --wing, the monthly
figures are worked out from that wing's cases only (by the patient's present location), so the
percentages and the flags below them describe the same people.
"""

from __future__ import annotations

from datetime import date, datetime

from reportlab.platypus import Flowable, KeepTogether

from hjdesk.clinical import acct as rules
from hjdesk.reports.document import Context, Document, identifier_line
from hjdesk.reports.outcome_docs import month_bounds
from hjdesk.reports.tables import gap, heading, key_values, para, signature_lines, table, warning
from hjdesk.reports.text import moment, percent, words
from hjdesk.services.acct import (
    AcctCaseView,
    AcctEventView,
    AuditFlagRow,
    ContributionView,
    StaffCard,
    WithdrawnInput,
    audit_report,
    audit_unsynced,
    case_of_event,
    case_view,
    event_unsynced,
    latest_contribution_event,
    staff_cards,
    wing_months,
    withdrawn_input,
)
from hjdesk.services.common import CLINIC_ZONE, NAME_NOT_HELD, clinic_time
from hjdesk.services.release import patient_identifiers
from hjdesk.storage.errors import InvalidInput

STATUS_WORDS = {"OPEN": "Open", "POST_CLOSURE": "Post-closure", "CLOSED": "Closed"}


def _contribution_block(c: ContributionView, staff: dict[str, StaffCard], held: bool) -> Flowable:
    card = staff.get(c.contributor_id, StaffCard(NAME_NOT_HELD, "", ""))
    name, present_role = card.name, card.role
    role = c.signed_role or present_role  # as when they signed
    signer = staff.get(c.signed_by or "", StaffCard(name, role, "")).name
    state = "Planned, not yet given" if c.planned else "Given"
    pairs: list[tuple[str, object]] = [
        ("Contributor", name),
        ("Role and team", f"{role} · {words(c.team)}"),
        ("Type of input", f"{words(c.contribution_type)} ({state.lower()})"),
        ("Counts as health input", "Yes" if c.counts_as_health_input else "No"),
        ("Time", moment(c.signed_at, "not signed")),
        ("Needed by", moment(c.needed_by, "–")),
        ("Summary shared (risk-relevant only)", c.summary or "–"),
        ("Electronically signed", f"{signer}, {moment(c.signed_at)}" if c.signed_at else "No"),
    ]
    if c.amends_id is not None:
        # The corrected entry is the one that counts; the sheet says it replaced another, never
        # what that one said (the superseded text stays in the healthcare record).
        pairs.append(("Correction", f"Replaces an earlier entry. Reason: {c.amendment_reason}"))
    parts: list[Flowable] = [key_values(pairs, (1, 2.4))]
    if not c.synced:
        handover = "" if held else ": hand this sheet to the case manager before the review"
        parts.append(warning(f"Not yet at the healthcare office (unsynced){handover}."))
    parts += [gap(1), signature_lines(("Signature", "Printed name", "Date and time")), gap(4)]
    return KeepTogether(parts)


def _withdrawn_block(w: WithdrawnInput, staff: dict[str, StaffCard]) -> Flowable:
    """Input withdrawn as entered in error, as the record holds it: who gave what kind of input
    and when, who withdrew it, when and why. Never its summary (H-23): the withdrawn text stays
    in the healthcare record, and may be about someone else (a wrong-patient entry)."""
    card = staff.get(w.contributor_id, StaffCard(NAME_NOT_HELD, "", ""))
    role = w.signed_role or card.role
    withdrawer = staff.get(w.withdrawn_by or "", StaffCard(NAME_NOT_HELD, "", ""))
    by_role = w.withdrawn_role or withdrawer.role
    state = "planned" if w.planned else "given"
    pairs: list[tuple[str, object]] = [
        ("Contributor", card.name),
        ("Role and team", f"{role} · {words(w.team)}"),
        ("Type of input", f"{words(w.contribution_type)} ({state})"),
        ("Counts as health input", "No (withdrawn)"),
        ("Time", moment(w.signed_at, "not signed")),
        ("Withdrawn (entered in error)",
         f"{withdrawer.name}{f' ({by_role})' if by_role else ''}, {moment(w.withdrawn_at)}"),
        ("Reason", w.reason or "–"),
    ]  # fmt: skip
    if w.corrected_entry:
        pairs.append(("Correction", "The withdrawn entry had replaced an earlier entry."))
    return KeepTogether([key_values(pairs, (1, 2.4)), gap(4)])


def _event_pairs(case: AcctCaseView, event: AcctEventView) -> list[tuple[str, object]]:
    return [
        ("ACCT status", STATUS_WORDS.get(case.status, words(case.status))),
        ("Risk level (as the prison records it)", case.risk_level_name),
        ("Case manager", case.case_manager or "–"),
        ("ACCT opened", moment(case.opened_at)),
        ("Event", _capital(event.label)),
        ("Scheduled", moment(event.scheduled_at, "–")),
        ("Held", moment(event.held_at, "not yet held")),
        ("Chair", event.chair or "–"),
    ]


def contribution_sheet(ctx: Context, patient_id: str | None, event_id: str | None) -> Document:
    if event_id is None:
        if patient_id is None:
            raise InvalidInput("Choose the patient or the ACCT event.")
        event_id = latest_contribution_event(ctx.vault, patient_id)
    case = case_view(ctx.vault, case_of_event(ctx.vault, event_id))
    event = next(e for e in case.events if e.id == event_id)
    ids = patient_identifiers(ctx.vault, case.patient_id, ctx.today)
    contributions = sorted(
        event.contributions,
        key=lambda c: (c.planned, c.signed_at or datetime.max.replace(tzinfo=CLINIC_ZONE)),
    )
    withdrawn = withdrawn_input(ctx.vault, event.id)
    staff = staff_cards(
        ctx.vault,
        {c.contributor_id for c in contributions}
        | {c.signed_by or "" for c in contributions}
        | {w.contributor_id for w in withdrawn}
        | {w.withdrawn_by or "" for w in withdrawn},
    )
    story: list[Flowable] = [
        para(
            "Healthcare's input to this ACCT event, for the case manager. Risk-relevant summary "
            "only: the full clinical note stays in the healthcare record.",
        ),
        gap(2),
        key_values(_event_pairs(case, event), (1, 2.4)),
        heading(f"Health input ({len(contributions)})"),
    ]
    if not contributions and withdrawn:
        story.append(
            para(
                "No health input stands for this event: the input recorded was withdrawn "
                "(entered in error), as listed below."
            )
        )
    elif not contributions:
        story.append(para("No health input is recorded for this event."))
    story += [_contribution_block(c, staff, event.held_at is not None) for c in contributions]
    if withdrawn:
        blocks = [_withdrawn_block(w, staff) for w in withdrawn]
        # The heading stays on the page of the first entry it heads (it was left at a page's foot).
        story.append(
            KeepTogether(
                [
                    heading(f"Withdrawn input ({len(withdrawn)})"),
                    para(
                        "Marked entered in error: it does not count as health input, and what "
                        "it said is not printed (it stays in the healthcare record)."
                    ),
                    gap(2),
                    blocks[0],
                ]
            )
        )
        story += blocks[1:]
    return Document(
        title="ACCT health contribution sheet",
        story=story,
        file_stem=f"acct-contribution-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(ids),
        unsynced=event_unsynced(ctx.vault, event.id),
        patient_id=case.patient_id,
        records={"case_id": case.id, "event_id": event.id},
    )


# --- the audit -----------------------------------------------------------------------------


def _in_month(moment_: datetime | None, month: date | None) -> bool:
    if month is None:
        return True
    if moment_ is None:
        return False
    local = clinic_time(moment_).date()
    start, end = month_bounds(month)
    return start <= local <= end


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _flag_rows(flags: list[AuditFlagRow]) -> list[list[object]]:
    return [
        [
            f.severity,
            moment(f.held_at, "–"),
            _capital(rules.EVENT_LABELS[rules.AcctEventType(f.event_type)]),
            f"{f.who.display_name}\n{f.who.prison_number}",
            f.who.location,
            STATUS_WORDS.get(f.case_status, words(f.case_status)),
            f.message,
        ]
        for f in flags
    ]


def health_input_audit(ctx: Context, month: date | None, wing: str | None) -> Document:
    report = audit_report(ctx.vault)
    months = list(report.months) if wing is None else wing_months(ctx.vault, wing, ctx.printed_at)
    if month is not None:
        months = [m for m in months if (m.year, m.month) == (month.year, month.month)]
    flags = [
        f
        for f in report.flags
        if (wing is None or f.who.wing == wing) and _in_month(f.held_at, month)
    ]
    flags.sort(
        key=lambda f: (
            f.severity != rules.Severity.HIGH.value,
            f.held_at or datetime.min.replace(tzinfo=CLINIC_ZONE),
        )
    )
    month_rows: list[list[object]] = [
        [
            f"{date(m.year, m.month, 1):%B %Y}",
            m.case_reviews,
            m.case_reviews_not_held,
            m.case_reviews_without_input,
            percent(m.case_reviews_without_input_pct),
            m.closures,
            m.closures_without_input,
            percent(m.closures_without_input_pct),
        ]
        for m in months
    ]
    if len(months) > 1:
        reviews = sum(m.case_reviews for m in months)
        not_held = sum(m.case_reviews_not_held for m in months)
        reviews_without = sum(m.case_reviews_without_input for m in months)
        closures = sum(m.closures for m in months)
        closures_without = sum(m.closures_without_input for m in months)
        month_rows.append(
            [
                "All months",
                reviews,
                not_held,
                reviews_without,
                percent(rules.percentage(reviews_without, reviews)),
                closures,
                closures_without,
                percent(rules.percentage(closures_without, closures)),
            ]
        )
    scope_text = (f"Wing {wing}" if wing else "All wings") + (
        f" · {month:%B %Y}" if month else " · every month held"
    )
    high = sum(1 for f in flags if f.severity == rules.Severity.HIGH.value)
    story: list[Flowable] = [
        para(
            "Case reviews (first and later) and closures held with no qualifying health input "
            "(attended in person or remotely, written contribution, information shared with the "
            "case manager, or healthcare assessor). 'Invited, unable to attend' and 'not "
            "invited' do not count. A case review past its time and not recorded as held counts "
            "in the month it was due ('not held'), without health input unless input was given.",
        ),
        heading("Per month"),
        table(
            (
                "Month",
                "Case reviews",
                "of which not held",
                "without health input",
                "%",
                "Closures",
                "without health input",
                "%",
            ),
            month_rows,
            (19, 11, 11, 14, 8, 11, 14, 8),
            flagged=[
                i
                for i, m in enumerate(months)
                if m.case_reviews_without_input or m.closures_without_input
            ],
        )
        if month_rows
        else para("No case review or closure was held or due in this period."),
        heading(f"Flags ({len(flags)}: {high} high, {len(flags) - high} medium)"),
        table(
            ("Severity", "Held", "Event", "Patient", "Location", "ACCT", "Flag"),
            _flag_rows(flags),
            (11, 14, 15, 23, 10, 14, 33),
            style="cell_small",
            flagged=[i for i, f in enumerate(flags) if f.severity == rules.Severity.HIGH.value],
        )
        if flags
        else para(
            "No flags: every case review and closure held in scope had health input."
            + (
                " Reviews past their time and not recorded as held are counted above ('of "
                "which not held') and shown as late on the ACCT screen."
                if any(m.case_reviews_not_held for m in months)
                else ""
            )
        ),
    ]
    return Document(
        title="ACCT health-input audit",
        story=story,
        file_stem="acct-audit"
        + (f"-{month:%Y-%m}" if month else "")
        + (f"-wing-{wing}" if wing else ""),
        subtitle=scope_text,
        unsynced=audit_unsynced(ctx.vault, wing=wing),
        records={"month": f"{month:%Y-%m}" if month else "", "wing": wing or ""},
    )
