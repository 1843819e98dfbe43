"""Questionnaire result sheets and the NEWS2 observation record (domain.md §10 item 8).

Both read signed entries that still stand (an amended or entered-in-error entry is replaced by its
amendment). The NEWS2 record is a table of readings, sub-scores, totals and escalations: the RCP
chart artwork is not reproduced. The 6CIT is printed by topic and the CFS as a level and short name
only (licences: domain.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from hjdesk.clinical.news2 import News2Risk
from hjdesk.clinical.questionnaires import (
    ANSWER_LABELS,
    GAD7_ITEMS,
    GAD7_STEM,
    PHQ9_ITEMS,
    PHQ9_STEM,
    SIX_CIT_TOPICS,
)
from hjdesk.reports.document import Context, Document, identifier_line
from hjdesk.reports.tables import gap, heading, key_values, para, table, warning
from hjdesk.reports.text import answer, moment, short_moment, signer, words
from hjdesk.services.encounters import (
    INSTRUMENT_NAMES,
    RED_FLAG_TEXT,
    EncounterView,
    QuestionnaireView,
    results_unsynced,
    standing_with_results,
)
from hjdesk.services.release import patient_identifiers
from hjdesk.storage.errors import InvalidInput

FULL_NAMES = {
    "PHQ9": "PHQ-9 (depression)",
    "GAD7": "GAD-7 (anxiety)",
    "SIX_CIT": "6CIT (cognitive screen)",
    "AQ10": "AQ-10 (autism screen)",
    "CFS": "Clinical Frailty Scale",
}
ITEMS = {"PHQ9": (PHQ9_STEM, PHQ9_ITEMS), "GAD7": (GAD7_STEM, GAD7_ITEMS)}
RISK_WORDS = {
    News2Risk.HIGH.value: "HIGH",
    News2Risk.MEDIUM.value: "MEDIUM",
    News2Risk.LOW_MEDIUM.value: "LOW-MEDIUM (red score)",
    News2Risk.LOW.value: "Low",
}


# --- questionnaires -------------------------------------------------------------------------


def _score(value: object) -> int | None:
    """An item's score, when it is a whole number (a pulled record may hold anything)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _item9_above_0(q: QuestionnaireView) -> bool:
    """PHQ-9 item 9 scored above 0 (suicide-risk follow-up)."""
    answers = q.answers
    if q.instrument != "PHQ9" or not isinstance(answers, list) or len(answers) != 9:
        return False
    score = _score(answers[8])
    return score is not None and score > 0


def _answer_label(value: object) -> str:
    score = _score(value)
    return ANSWER_LABELS[score] if score is not None and 0 <= score < len(ANSWER_LABELS) else "?"


def _items_table(q: QuestionnaireView) -> Flowable | None:
    """The items and their scores. Answers not of the shape the encounter service stores (a
    pulled record from a device in hostile hands) print as text, with "?" for the answer."""
    known = ITEMS.get(q.instrument)
    answers = q.answers
    if known is not None and isinstance(answers, list):
        stem, items = known
        rows = [
            [n, text, _answer_label(score), answer(score)]
            for n, (text, score) in enumerate(zip(items, answers, strict=False), start=1)
        ]
        flagged = [8] if _item9_above_0(q) else []
        return KeepTogether(
            [
                para(stem, "small"),
                gap(1),
                table(("No.", "Item", "Answer", "Score"), rows, (6, 60, 24, 10), flagged=flagged),
            ]
        )
    if q.instrument == "SIX_CIT" and isinstance(answers, Mapping):
        scores = answers.get("subscores", {})
        if isinstance(scores, Mapping):
            return table(
                ("Topic", "Weighted score"),
                [[SIX_CIT_TOPICS.get(str(k), words(str(k))), answer(v)] for k, v in scores.items()],
                (80, 20),
            )
    if q.instrument == "AQ10" and isinstance(answers, list):
        return table(
            ("Item", "Score"),
            [[f"Item {n}", answer(s)] for n, s in enumerate(answers, start=1)],
            (80, 20),
        )
    if q.instrument == "CFS":
        return None  # the level and its short name are the result
    if isinstance(answers, Mapping):
        return key_values([(words(str(k)), answer(v)) for k, v in answers.items()])
    return None


def _sheet(view: EncounterView, q: QuestionnaireView) -> list[Flowable]:
    name = FULL_NAMES.get(q.instrument, INSTRUMENT_NAMES.get(q.instrument, q.instrument))
    result = f"Level {q.total}: {q.band}" if q.instrument == "CFS" else f"{q.total} · {q.band}"
    pairs: list[tuple[str, object]] = [
        ("Result", result),
        ("Taken", moment(view.started_at)),
        ("Clinician", signer(view.author_name, view.author_role)),
        ("Flagged", "Yes" if q.flagged else "No"),
    ]
    if q.override:
        pairs.append(("Clinician override", answer(dict(q.override))))
    # Start a sheet on a new page unless it fits whole where it is (a split sheet is hard to read).
    answers = len(q.answers) if isinstance(q.answers, list | Mapping) else 0
    out: list[Flowable] = [CondPageBreak((45 + 8 * answers) * mm), heading(name), key_values(pairs)]
    items = _items_table(q)
    if items is not None:
        out += [gap(2), items]
    if _item9_above_0(q):
        out += [
            gap(2),
            warning(
                "PHQ-9 item 9 above 0: suicide-risk follow-up. An immediate risk "
                "assessment is needed; consider raising an ACCT concern."
            ),
        ]
    return out


def _instrument_order(q: QuestionnaireView) -> int:
    order = list(FULL_NAMES)
    return order.index(q.instrument) if q.instrument in order else len(order)


def _escalation_pairs(view: EncounterView) -> list[tuple[str, object]]:
    return [
        ("Red flags", "; ".join(RED_FLAG_TEXT.get(f, words(f)) for f in view.red_flags) or "–"),
        ("Escalation", view.escalation_action or "NONE RECORDED"),
        ("Escalated to", f"{view.escalated_to or '–'} at {moment(view.escalated_at, '–')}"),
    ]


def questionnaire_sheets(ctx: Context, patient_id: str) -> Document:
    views = standing_with_results(ctx.vault, patient_id, holding="questionnaires")
    if not views:
        raise InvalidInput("This patient has no questionnaire results recorded.")
    ids = patient_identifiers(ctx.vault, patient_id, ctx.today)
    latest = views[-1]
    story: list[Flowable] = [
        para(
            f"Questionnaires completed {moment(latest.started_at)} ({words(str(latest.kind))}, "
            f"{latest.place or 'place not recorded'}).",
            "body",
        ),
    ]
    for q in sorted(latest.questionnaires, key=_instrument_order):
        story += _sheet(latest, q)
    if latest.red_flags or latest.escalation_action:
        story += [heading("Escalation recorded"), key_values(_escalation_pairs(latest))]
    history = [(v, q) for v in reversed(views) for q in v.questionnaires]
    story += [
        heading("All questionnaire results"),
        table(
            ("Date", "Questionnaire", "Score", "Result", "Flagged", "Clinician"),
            [
                [
                    short_moment(v.started_at),
                    INSTRUMENT_NAMES.get(q.instrument, q.instrument),
                    q.total,
                    q.band,
                    "Yes" if q.flagged else "",
                    v.author_name,
                ]
                for v, q in history
            ],
            (16, 16, 9, 28, 10, 21),
            flagged=[i for i, (_, q) in enumerate(history) if q.flagged],
        ),
    ]
    return Document(
        title="Questionnaire result sheet",
        story=story,
        file_stem=f"questionnaires-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(ids),
        unsynced=results_unsynced(ctx.vault, patient_id, holding="questionnaires"),
        patient_id=patient_id,
        records={"encounter_id": latest.id},
    )


# --- NEWS2 ----------------------------------------------------------------------------------


def _cell(value: object, subscore: int | None) -> str:
    if subscore is None:
        return str(value)
    mark = " !" if subscore == 3 else ""
    return f"{value} ({subscore}){mark}"


def _news2_row(view: EncounterView) -> list[object]:
    o = view.observation
    assert o is not None
    s = o.subscores
    spo2 = f"{o.spo2}% s{o.spo2_scale}"
    bp = f"{o.systolic_bp}/{o.diastolic_bp}" if o.diastolic_bp is not None else str(o.systolic_bp)
    escalation = (
        "Yes" if view.escalation_action else ("NONE" if o.news2_total >= 5 or o.red_score else "–")
    )
    return [
        short_moment(o.taken_at),
        _cell(o.resp_rate, s.get("resp_rate")),
        _cell(spo2, s.get("spo2")),
        _cell("O2" if o.on_oxygen else "Air", s.get("air_or_oxygen")),
        _cell(bp, s.get("systolic_bp")),
        _cell(o.pulse, s.get("pulse")),
        _cell(o.consciousness, s.get("consciousness")),
        _cell(f"{o.temperature:.1f}", s.get("temperature")),
        o.news2_total,
        RISK_WORDS.get(o.news2_risk, o.news2_risk),
        escalation,
    ]


def _action(view: EncounterView) -> str:
    action = view.escalation_action or "NONE RECORDED"
    if view.pathway and view.pathway != view.escalation_action:
        action += f" (pathway: {view.pathway})"
    return action


def news2_record(ctx: Context, patient_id: str) -> Document:
    views = standing_with_results(ctx.vault, patient_id, holding="observations")
    if not views:
        raise InvalidInput("This patient has no NEWS2 observations recorded.")
    ids = patient_identifiers(ctx.vault, patient_id, ctx.today)
    rows = [_news2_row(v) for v in views]
    alarming = [
        i
        for i, v in enumerate(views)
        if v.observation and (v.observation.news2_total >= 5 or v.observation.red_score)
    ]
    escalated = [v for v in views if v.escalation_action or v.red_flags]
    scale2 = sorted(
        {
            (v.observation.scale2_prescriber, v.observation.scale2_prescribed_on)
            for v in views
            if v.observation and v.observation.spo2_scale == 2
        },
        key=str,
    )
    story: list[Flowable] = [
        para(
            "Each reading is followed by its NEWS2 sub-score in brackets; '!' marks a single "
            "parameter scoring 3. SpO2 s1/s2 is the scale used. ACVPU: A alert, C new confusion, "
            "V voice, P pain, U unresponsive. Times are local (UK).",
            "small",
        ),
        gap(2),
        table(
            (
                "Date/time",
                "Resp.",
                "SpO2",
                "Air/O2",
                "BP",
                "Pulse",
                "ACVPU",
                "Temp °C",
                "NEWS2",
                "Risk",
                "Escal.",
            ),
            rows,
            (15, 8, 13, 8, 13, 8, 8, 9, 9, 14, 8),
            style="cell_small",
            flagged=alarming,
        ),
        gap(2),
        para(
            "Response: 0 routine; 1-4 low, assess; a single 3 low-medium, urgent ward-based "
            "response; 5-6 medium, urgent review by a clinician; 7 or more high, emergency "
            "assessment. Shaded rows needed a recorded escalation.",
            "small",
        ),
    ]
    for prescriber, on in scale2:
        story.append(
            para(
                f"SpO2 scale 2 (target 88-92%) prescribed by {prescriber or 'not recorded'}"
                f" on {on:%d/%m/%Y}."
                if on
                else f"SpO2 scale 2 prescribed by {prescriber or 'not recorded'}.",
                "small",
            )
        )
    story.append(heading(f"Escalations ({len(escalated)})"))
    if escalated:
        story.append(
            table(
                (
                    "Date/time",
                    "NEWS2",
                    "Red flags",
                    "Action taken (local pathway)",
                    "Escalated to, at",
                    "By",
                ),
                [
                    [
                        short_moment(v.started_at),
                        v.news2_total if v.news2_total is not None else "–",
                        "; ".join(RED_FLAG_TEXT.get(f, words(f)) for f in v.red_flags) or "–",
                        _action(v),
                        f"{v.escalated_to or '–'}, {short_moment(v.escalated_at, '–')}",
                        signer(v.author_name, v.author_role),
                    ]
                    for v in escalated
                ],
                (12, 7, 22, 33, 16, 12),
                style="cell_small",
                flagged=[i for i, v in enumerate(escalated) if not v.escalation_action],
            )
        )
    else:
        story.append(para("No escalation was needed or recorded."))
    return Document(
        title="NEWS2 observation record",
        story=story,
        file_stem=f"news2-record-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(ids),
        unsynced=results_unsynced(ctx.vault, patient_id, holding="observations"),
        patient_id=patient_id,
        records={"observations": str(len(views))},
    )
