"""The transfer/release health summary as HTML for the release tab: one small function per
section of domain.md §9, in print order. Everything is escaped; warnings are bold, coloured and
worded."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from hjdesk.services.release import UNKNOWN_STATUS, ReleasePlanView, ReleaseSummary
from hjdesk.ui.record.release_plan_dialog import MOVEMENTS
from hjdesk.ui.record.tab_base import day_text, moment_text, words
from hjdesk.ui.theme import severity_colour


def _section(title: str, lines: Iterable[str], empty: str) -> str:
    found = [f"<li>{line}</li>" for line in lines]
    body = f"<ul>{''.join(found)}</ul>" if found else f"<p>{escape(empty)}</p>"
    return f"<h3>{escape(title)}</h3>{body}"


def _warn(text: str, severity: str = "RED") -> str:
    colour = severity_colour(severity).name()
    return f"<b style='color:{colour}'>{escape(text)}</b>"


def plan_lines(plan: ReleasePlanView) -> list[str]:
    names = {kind.value: name for kind, name in MOVEMENTS.items()}
    movement = names.get(plan.movement_type, words(plan.movement_type))
    lines = [
        escape(f"{movement}, expected {day_text(plan.expected_date, 'date not known')}"),
        escape(
            "Destination: "
            + ("no fixed abode" if plan.no_fixed_abode else plan.destination or "not recorded")
        ),
        escape(
            f"Community GP: {plan.community_gp or 'not recorded'}"
            f" ({words(plan.gp_registration) or 'registration not recorded'})"
        ),
        escape(
            f"RECONNECT: {words(plan.reconnect_status) or 'not recorded'}"
            + (" (referral window open)" if plan.reconnect_window_open else "")
        ),
    ]
    supply = (
        f"{plan.days_of_medicine_supplied} days of medicine"
        if plan.days_of_medicine_supplied is not None
        else "medicine supply not recorded"
    ) + (", FP10 given" if plan.fp10_given else "")
    if plan.supply_ok is False:
        lines.append(_warn(f"Supply: {supply} — LESS THAN THE MINIMUM (7 days or an FP10)"))
    else:
        lines.append(escape(f"Supply: {supply}"))
    lines.append(escape("PER health information " + ("done" if plan.per_done else "not done")))
    if plan.status_known:
        lines.append(escape(f"Plan status: {words(plan.status)}"))
    else:
        lines.append(_warn(f"Plan status: {UNKNOWN_STATUS.format(status=plan.status)}", "AMBER"))
    if plan.notes:
        lines.append(escape(f"Notes: {plan.notes}"))
    lines += [_warn(f"Still missing: {p}", "AMBER") for p in plan.problems]
    return lines


def _plan(s: ReleaseSummary) -> str:
    if s.release_plan is None:
        return "<h3>Plan</h3><p>No open transfer or release plan.</p>"
    return _section("Plan", plan_lines(s.release_plan), "")


def _allergies(s: ReleaseSummary) -> str:
    return _section(
        "Allergies",
        (escape(f"{a.substance}: {a.reaction}") for a in s.allergies),
        "None recorded (not the same as no known allergies).",
    )


def _conditions(s: ReleaseSummary) -> str:
    k = s.key_results
    results = []
    if k.hba1c is not None:
        results.append(f"HbA1c {k.hba1c.value:g} {k.hba1c.unit} ({day_text(k.hba1c.taken_on)})")
    if k.blood_pressure is not None:
        bp = k.blood_pressure
        dia = f"/{bp.diastolic:g}" if bp.diastolic is not None else ""
        results.append(f"BP {bp.systolic:g}{dia} mmHg ({day_text(bp.taken_on)})")
    if k.foot_risk is not None:
        results.append(f"Foot risk {k.foot_risk.text_value} ({day_text(k.foot_risk.taken_on)})")
    lines = [
        escape(f"{c.name} (last review {day_text(c.last_review, 'never recorded here')})")
        for c in s.conditions
    ]
    if results:
        lines.append(escape("Last results: " + "; ".join(results)))
    return _section("Problems and long-term conditions", lines, "None recorded.")


def _medicines(s: ReleaseSummary) -> str:
    critical = " " + _warn("CRITICAL: must travel with the patient")
    return _section(
        "Medicines",
        (escape(f"{m.name} {m.dose}") + (critical if m.critical else "") for m in s.medicines),
        "None recorded.",
    )


def _acct(s: ReleaseSummary) -> str:
    acct = s.acct
    line = words(acct.status.value)
    if acct.risk_level_name:
        line += f", risk {acct.risk_level_name}"
    if acct.case_manager:
        line += f", case manager {acct.case_manager}"
    if acct.post_closure_review_due:
        line += f", post-closure review due {day_text(acct.post_closure_review_due)}"
    live = acct.status.value != "NONE"
    return _section("ACCT", [_warn(line) if live else escape(line)], "")


def _mental_health(s: ReleaseSummary) -> str:
    mh = s.mental_health
    lines = [escape(f"Care plan: {mh.plan.title}")] if mh.plan else []
    if mh.risk_management_plan:
        lines.append(escape(f"Risk management plan: {mh.risk_management_plan}"))
    if mh.shared_with:
        lines.append(escape("Shared with: " + ", ".join(mh.shared_with)))
    if mh.on_mh_in_reach_caseload:
        lines.append("On the MH in-reach caseload")
    return _section("Mental health", lines, "No mental health care plan.")


def _outstanding(s: ReleaseSummary) -> str:
    lines = [
        escape(f"{day_text(a.session_date)}: {words(a.clinic_type)} — {a.reason}")
        for a in s.outstanding_appointments
    ]
    lines += [escape(f"{r.title} (due {moment_text(r.due_at, 'no date')})") for r in s.referrals]
    return _section("Outstanding appointments and referrals", lines, "None.")


def _screening(s: ReleaseSummary) -> str:
    return _section(
        "Screening and immunisation",
        (
            escape(
                f"{words(x.programme)}: {x.outcome} ({day_text(x.event_date)})"
                + (f", next due {day_text(x.next_due)}" if x.next_due else "")
            )
            for x in s.screening
        ),
        "None recorded.",
    )


def _social_care(s: ReleaseSummary) -> str:
    care, frail = s.social_care, s.frailty
    lines = []
    if frail is not None:
        lines.append(
            escape(f"CFS {frail.cfs_level} {frail.cfs_name} ({day_text(frail.assessed_on)})")
        )
    lines += [escape(f"Need: {n}") for n in care.needs]
    lines += [escape(f"Equipment: {e}") for e in care.equipment]
    lines += [escape(f"Referral: {r}") for r in care.referral]
    if care.needs_referral:
        lines.append(_warn("Social care needs without a referral to the local authority"))
    if care.peep:
        lines.append("PEEP in place")
    return _section("Frailty and social care", lines, "None recorded.")


def _communication(s: ReleaseSummary) -> str:
    comm = s.communication
    lines = [escape(a) for a in comm.adjustments] + [escape(n) for n in comm.needs]
    if comm.hidden_disability:
        lines.append("Hidden disability alert")
    return _section("Communication and neurodiversity", lines, "None recorded.")


def _end_of_life(s: ReleaseSummary) -> str:
    eol = s.end_of_life
    lines = [escape(eol.plan.title)] if eol.plan else []
    if eol.dnacpr_form_ref:
        lines.append(escape(f"DNACPR form: {eol.dnacpr_form_ref}"))
    return _section("End of life", lines, "No end-of-life plan.")


SECTIONS = (
    _plan,
    _allergies,
    _conditions,
    _medicines,
    _acct,
    _mental_health,
    _outstanding,
    _screening,
    _social_care,
    _communication,
    _end_of_life,
)


def summary_html(s: ReleaseSummary) -> str:
    parts = []
    if s.contains_unsynced:
        unsynced = _warn("Contains unsynced entries: sync before the move if you can.")
        parts.append(f"<p>{unsynced}</p>")
    parts += [section(s) for section in SECTIONS]
    parts.append(
        f"<p>Summary produced {escape(moment_text(s.generated_at))} for "
        f"{escape(s.generated_by)} ({escape(s.generated_by_role)}).</p>"
    )
    return "".join(parts)
