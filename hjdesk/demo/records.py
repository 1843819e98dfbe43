"""Demo record history outside the clinics: earlier LTC and older-prisoner reviews (some now
overdue), the MH in-reach caseload, medicines (insulin, critical anti-seizure medicines, common
others), allergies, screening and immunisations, and release plans for people due out soon.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from hjdesk.clinical import ltc, reception
from hjdesk.clinical.dates import add_months
from hjdesk.clinical.release import ReconnectStatus, reconnect_window_open
from hjdesk.demo.context import (
    Batch,
    DemoContext,
    DemoPatient,
    at,
    new_id,
    signed,
)
from hjdesk.demo.encounters import (
    blood_pressure,
    diabetes_results,
    frailty_and_falls,
    ltc_answers,
    visit,
    vitals,
)
from hjdesk.storage.models import (
    Allergy,
    CaseloadMembership,
    Medicine,
    ReleasePlan,
    ScreeningEvent,
)

MH_SHARE = 0.03
BATCH_ROWS = 20_000
ANTI_SEIZURE = (
    ("Levetiracetam", "500 mg twice daily"),
    ("Lamotrigine", "100 mg twice daily"),
    ("Sodium valproate", "500 mg twice daily"),
    ("Carbamazepine", "200 mg twice daily"),
)
ALLERGIES = (
    ("Penicillin", "Rash"),
    ("Penicillin", "Anaphylaxis"),
    ("NSAIDs", "Wheeze"),
    ("Codeine", "Vomiting"),
    ("Latex", "Contact dermatitis"),
    ("Peanut", "Facial swelling"),
)
TOWNS = ("Leeds", "Bradford", "Wakefield", "Sheffield", "Hull", "York", "Doncaster")


def choose_caseload(ctx: DemoContext) -> None:
    """About 3% on the MH in-reach caseload: many with an ACCT, the rest at random."""
    rng = ctx.rng(10)
    target = max(1, round(MH_SHARE * len(ctx.patients)))
    for p in ctx.patients:
        if ("HA" in p.alerts and rng.random() < 0.5) or ("HA1" in p.alerts and rng.random() < 0.3):
            ctx.mh.add(p.id)
    others = [p.id for p in ctx.patients if p.id not in ctx.mh]
    ctx.mh.update(rng.sample(others, max(0, min(len(others), target - len(ctx.mh)))))
    hypo = ctx.rng(11)
    ctx.hypo_drug = {p.id for p in ctx.patients if p.has("DIABETES") and hypo.random() < 0.45}


def caseload_rows(ctx: DemoContext) -> Batch:
    rng, batch = ctx.rng(12), Batch()
    lead = ctx.staff["mhnurse"]
    for p in ctx.patients:
        if p.id in ctx.mh:
            start = ctx.today - timedelta(days=rng.randint(14, 400))
            if p.reception_date:
                start = max(start, p.reception_date)
            batch.add(
                0,
                CaseloadMembership(
                    patient_id=p.id,
                    team="MH_IN_REACH",
                    started_on=start,
                    lead_id=lead,
                    author_id=lead,
                ),
            )
    return batch


def _review_day(
    ctx: DemoContext,
    rng: random.Random,
    p: DemoPatient,
    earliest: date | None,
    recent: float,
    late: float,
) -> date | None:
    """A past review: within the year (`recent`), 13-20 months ago (`late`), or none."""
    roll = rng.random()
    if roll < recent:
        day = ctx.today - timedelta(days=rng.randint(60, 330))
    elif roll < recent + late:
        day = ctx.today - timedelta(days=rng.randint(380, 600))
    else:
        return None
    floor = max((d for d in (earliest, p.reception_date) if d is not None), default=None)
    return None if floor is not None and day < floor else day


def _ltc_reviews(ctx: DemoContext, rng: random.Random, p: DemoPatient, batch: Batch) -> None:
    for _, code, onset in p.conditions:
        day = _review_day(ctx, rng, p, onset, 0.55, 0.2)
        if day is None:
            continue
        v = visit(
            ctx,
            p,
            "LTC_REVIEW",
            at(day, 10, rng.choice([0, 20, 40])),
            "gp" if code == "EPILEPSY" else "nurse",
            place="Healthcare unit",
            ltc_condition=code,
            narrative=f"Annual {code.lower()} review.",
        )
        if code == "DIABETES":
            diabetes_results(batch, rng, v, p.id in ctx.hypo_drug)
        elif code == "HYPERTENSION":
            blood_pressure(batch, rng, v, ctx.age(p, day))
        else:
            ltc_answers(rng, v, code)
        v.finish(batch)


def _older_review(ctx: DemoContext, rng: random.Random, p: DemoPatient, batch: Batch) -> None:
    if not reception.is_older_prisoner(p.date_of_birth, ctx.today):
        return
    years = reception.DEFAULT_RECEPTION_POLICY.older_prisoner_age
    day = _review_day(ctx, rng, p, add_months(p.date_of_birth, 12 * years), 0.6, 0.2)
    if day is None:
        return
    v = visit(
        ctx,
        p,
        "OLDER_PRISONER_REVIEW",
        at(day, 14, 30),
        "nurse",
        place="Healthcare unit",
        narrative="Older prisoner review.",
        minutes=40,
    )
    frailty_and_falls(batch, rng, v, ctx.age(p, day))
    if rng.random() < 0.5:
        vitals(batch, rng, v)
    v.finish(batch)


def review_history(ctx: DemoContext) -> Iterator[Batch]:
    """LTC reviews per condition and older-prisoner reviews from before the clinic weeks."""
    rng, batch = ctx.rng(30), Batch()
    for p in ctx.patients:
        _ltc_reviews(ctx, rng, p, batch)
        _older_review(ctx, rng, p, batch)
        if sum(len(layer) for layer in batch.layers) > BATCH_ROWS:
            yield batch
            batch = Batch()
    yield batch


def _medicines(ctx: DemoContext, rng: random.Random, p: DemoPatient) -> list[Medicine]:
    found: list[tuple[str, str, str]] = []
    if p.id in ctx.hypo_drug:
        found.append(
            ("Insulin glargine", "18 units at night", "INSULIN")
            if rng.random() < 0.65
            else ("Gliclazide", "80 mg twice daily", "SULFONYLUREA")
        )
    if p.has("DIABETES") and rng.random() < 0.7:
        found.append(("Metformin", "500 mg twice daily", "BIGUANIDE"))
    if p.has("EPILEPSY"):
        found.append((*rng.choice(ANTI_SEIZURE), "ANTI_SEIZURE"))
    if p.has("HYPERTENSION"):
        found.append(
            rng.choice(
                [
                    ("Amlodipine", "5 mg daily", "CALCIUM_CHANNEL_BLOCKER"),
                    ("Ramipril", "5 mg daily", "ACE_INHIBITOR"),
                ]
            )
        )
    if p.has("ASTHMA") or p.has("COPD"):
        found.append(("Salbutamol inhaler", "100 micrograms, 2 puffs when needed", "SABA"))
    if p.has("ASTHMA") and rng.random() < 0.6:
        found.append(("Beclometasone inhaler", "100 micrograms, 2 puffs twice daily", "ICS"))
    if p.has("COPD"):
        found.append(("Tiotropium inhaler", "2.5 micrograms, 2 puffs daily", "LAMA"))
    if p.id in ctx.mh and rng.random() < 0.6:
        found.append(("Sertraline", "50 mg daily", "SSRI"))
    if rng.random() < 0.06:
        found.append(("Omeprazole", "20 mg daily", "PPI"))
    author = ctx.staff["pharmacist"]
    return [
        Medicine(
            patient_id=p.id,
            name=name,
            dose=dose,
            medicine_class=cls,
            critical=ltc.is_critical_medicine(cls),
            author_id=author,
        )
        for name, dose, cls in found
    ]


def _screening(ctx: DemoContext, rng: random.Random, p: DemoPatient) -> list[ScreeningEvent]:
    nurse = ctx.staff["nurse"]
    out: list[tuple[str, date, str, str | None, date | None]] = []
    if reception.aaa_screening_due(p.date_of_birth, reception.RegisteredSex.MALE, ctx.today.year):
        day = ctx.today - timedelta(days=rng.randint(5, 60))
        out.append(("AAA_SCREENING", day, "Normal: aorta under 3 cm", None, None))
    if rng.random() < 0.08:
        day = ctx.today - timedelta(days=rng.randint(3, 80))
        out.append(
            (
                "HEPATITIS_B_VACCINE",
                day,
                "Dose 1 given",
                f"HB{rng.randint(10000, 99999)}",
                add_months(day, 1),
            )
        )
    if ctx.age(p) >= 50 and rng.random() < 0.45:
        autumn = date(ctx.today.year - (ctx.today.month < 10), 10, 1)
        day = min(ctx.today, autumn + timedelta(days=rng.randint(0, 60)))
        out.append(
            (
                "FLU_VACCINE",
                day,
                "Given",
                f"FL{rng.randint(10000, 99999)}",
                date(day.year + 1, 10, 1),
            )
        )
    received = p.reception_date
    if received and (ctx.today - received).days <= 56 and rng.random() < 0.6:
        day = min(ctx.today, received + timedelta(days=rng.randint(1, 5)))
        out.append(("BBV_TEST", day, "Negative (HIV, hepatitis B, hepatitis C)", None, None))
    return [
        ScreeningEvent(
            patient_id=p.id,
            programme=programme,
            event_date=day,
            outcome=outcome,
            batch=batch,
            next_due=next_due,
            **signed(at(day, 11), nurse),
        )
        for programme, day, outcome, batch, next_due in out
    ]


def _release_plan(ctx: DemoContext, rng: random.Random, p: DemoPatient) -> ReleasePlan | None:
    release = p.release_date
    if release is None or not ctx.today < release <= ctx.today + timedelta(weeks=12):
        return None
    if rng.random() > 0.85:
        return None
    nfa = rng.random() < 0.1
    window = reconnect_window_open(release, ctx.today)
    reconnect = (
        rng.choice(
            [ReconnectStatus.REFERRED, ReconnectStatus.ACCEPTED, ReconnectStatus.NOT_REFERRED]
        )
        if window
        else ReconnectStatus.NOT_REFERRED
    )
    soon = (release - ctx.today).days <= 7
    return ReleasePlan(
        patient_id=p.id,
        movement_type="RELEASE",
        expected_date=release,
        destination="" if nfa else f"{rng.choice(TOWNS)} (family address)",
        no_fixed_abode=nfa,
        community_gp="" if rng.random() < 0.3 else f"{rng.choice(TOWNS)} Road Medical Centre",
        gp_registration=rng.choice(["REGISTERED", "APPLICATION_SENT", "NOT_REGISTERED", None]),
        reconnect_status=reconnect,
        days_of_medicine_supplied=rng.choice([14, 28]) if soon and rng.random() < 0.7 else None,
        status="OPEN",
        author_id=ctx.staff["nurse"],
    )


def care_record(ctx: DemoContext) -> Iterator[Batch]:
    """Medicines, allergies, screening and release plans, patient by patient."""
    rng, batch = ctx.rng(40), Batch()
    for p in ctx.patients:
        batch.add(0, *_medicines(ctx, rng, p), *_screening(ctx, rng, p))
        if rng.random() < 0.07:
            substance, reaction = rng.choice(ALLERGIES)
            batch.add(
                0,
                Allergy(
                    id=new_id(),
                    patient_id=p.id,
                    substance=substance,
                    reaction=reaction,
                    author_id=ctx.staff["nurse"],
                ),
            )
        plan = _release_plan(ctx, rng, p)
        if plan is not None:
            batch.add(0, plan)
        if len(batch.layers[0]) > BATCH_ROWS:
            yield batch
            batch = Batch()
    yield batch
