"""Make one sample PDF of every printed output (domain.md §10) from a fresh demo vault, and a PNG
of each first page, into docs/samples/.

    .venv/bin/python docs/samples/make_samples.py            # builds a demo vault, then prints
    .venv/bin/python docs/samples/make_samples.py --home DIR # prints from an existing demo vault

The vault is built in a temporary folder that is removed afterwards; the PDFs go through the same
`save_report` the app uses (so each print is audited in that throwaway vault). The demo has never
synced, so every sample carries the "contains unsynced entries" mark, as it should. PNGs need
`pdftoppm` (poppler-utils). Everything in the samples is synthetic.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hjdesk.demo.establishment import build_demo
from hjdesk.reports.build import save_report
from hjdesk.reports.kinds import KINDS, ReportRequest
from hjdesk.services.care_plans import plan_view, record_review
from hjdesk.storage.models import (
    AcctCase,
    AcctContribution,
    Allergy,
    Appointment,
    CarePlan,
    CarePlanReview,
    ClinicSession,
    Condition,
    Encounter,
    Medicine,
    Observation,
    QuestionnaireResult,
    ReleasePlan,
    ScreeningEvent,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

HERE = Path(__file__).resolve().parent
PASSWORD = "demo-password"  # noqa: S105 - the documented password of a synthetic demo vault


def _scalar(vault: OpenVault, query: object) -> str:
    with vault.session() as session:
        found = session.scalar(query)  # type: ignore[call-overload]
    if found is None:
        raise SystemExit(f"The demo vault has nothing for {query}")
    return str(found)


def _richest_release_patient(vault: OpenVault) -> str:
    """The patient with a release plan whose summary has the most to say."""
    counts = {}
    with vault.session() as session:
        for table in (Medicine, Allergy, Condition, CarePlan, ScreeningEvent, AcctCase):
            for pid, n in session.execute(
                select(table.patient_id, func.count()).group_by(table.patient_id)
            ):
                counts[pid] = counts.get(pid, 0) + n
        planned = set(session.scalars(select(ReleasePlan.patient_id)))
    return max(planned, key=lambda pid: (counts.get(pid, 0), pid))


def _critical_medicine_patient(vault: OpenVault) -> str:
    """Someone on an anti-seizure medicine (critical: it must travel with them)."""
    return _scalar(
        vault,
        select(Medicine.patient_id)
        .where(Medicine.medicine_class == "ANTI_SEIZURE", Medicine.active.is_(True))
        .order_by(Medicine.patient_id),
    )


def _questionnaire_patient(vault: OpenVault) -> str:
    """A patient whose latest questionnaires include a PHQ-9 item 9 above 0 (the red flag)."""
    with vault.session() as session:
        rows = session.execute(
            select(Encounter.patient_id, Encounter.started_at, Encounter.red_flags)
            .join(QuestionnaireResult, QuestionnaireResult.encounter_id == Encounter.id)
            .order_by(Encounter.patient_id, Encounter.started_at)
        ).all()
    latest = {pid: flags for pid, _, flags in rows}
    flagged = sorted(pid for pid, flags in latest.items() if flags and "PHQ9" in flags)
    return flagged[0] if flagged else rows[-1][0]


def requests(vault: OpenVault) -> dict[str, ReportRequest]:
    planned = _scalar(
        vault,
        select(ClinicSession.id)
        .where(ClinicSession.status == "PLANNED", ClinicSession.clinic_type == "LTC_DIABETES")
        .order_by(ClinicSession.session_date),
    )
    with_exceptions = _scalar(
        vault,
        select(Appointment.session_id)
        .where(Appointment.attribution == "PRISON")
        .group_by(Appointment.session_id)
        .order_by(func.count().desc()),
    )
    contribution = _scalar(  # the latest given input that counts, with a summary shared
        vault,
        select(AcctContribution.event_id)
        .where(
            AcctContribution.planned.is_(False),
            AcctContribution.summary != "",
            AcctContribution.contribution_type.in_(["ATTENDED_IN_PERSON", "WRITTEN_CONTRIBUTION"]),
        )
        .order_by(AcctContribution.signed_at.desc()),
    )
    plan_id = _scalar(
        vault,
        select(CarePlan.id)
        .where(
            CarePlan.status == "ACTIVE",
            CarePlan.ltc_condition == "DIABETES",
            CarePlan.id.not_in(select(CarePlanReview.plan_id)),
        )
        .order_by(CarePlan.id),
    )
    _review(vault, plan_id)
    news2 = _scalar(vault, select(Observation.patient_id).order_by(Observation.news2_total.desc()))
    summary = _richest_release_patient(vault)
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    return {
        "clinic-list": ReportRequest("clinic-list", session_id=planned),
        "unlock-list": ReportRequest("unlock-list", session_id=planned),
        "session-outcomes": ReportRequest("session-outcomes", session_id=with_exceptions),
        "session-outcomes-month": ReportRequest("session-outcomes", month=last_month),
        "acct-contribution": ReportRequest("acct-contribution", event_id=contribution),
        "acct-audit": ReportRequest("acct-audit"),
        "care-plan": ReportRequest("care-plan", plan_id=plan_id),
        "care-plan-patient": ReportRequest("care-plan-patient", plan_id=plan_id),
        "overdue": ReportRequest("overdue", wing="B"),
        "transfer-summary": ReportRequest("transfer-summary", patient_id=summary),
        "medicines-on-release": ReportRequest(
            "medicines-on-release", patient_id=_critical_medicine_patient(vault)
        ),
        "questionnaires": ReportRequest("questionnaires", patient_id=_questionnaire_patient(vault)),
        "news2": ReportRequest("news2", patient_id=news2),
    }


def _review(vault: OpenVault, plan_id: str) -> None:
    """Review the sample plan as a nurse would, so the staff copy shows a review record."""
    plan = plan_view(vault, plan_id)
    record_review(
        vault,
        plan_id,
        review_date=date.today(),
        attendees=["Patient", plan.owner_name or "Named nurse"],
        outcome="Reviewed with the patient at the wing clinic; goals still right",
        changes="Retinal screening booked",
        decision="CONTINUE",
        next_review_due=date.today() + timedelta(days=91),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an existing demo vault (password demo-password)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    temp = None
    if args.home is None:
        temp = tempfile.mkdtemp(prefix="hjdesk-samples-")
        home = HomePaths.resolve(Path(temp))
        build_demo(home, password=PASSWORD)[0].lock()
    else:
        home = HomePaths.resolve(args.home)
    vault = Vault(home).unlock("nurse", os.environ.get("HJDESK_PASSWORD", PASSWORD))
    try:
        made = requests(vault)
        assert {r.kind for r in made.values()} == set(KINDS), "one sample of every kind"
        for name, request in made.items():
            pdf = args.out / f"{name}.pdf"
            report = save_report(vault, request, pdf)
            print(f"{pdf.name}: {report.title}, {report.pages} page(s)")
            if shutil.which("pdftoppm"):
                stem = args.out / name
                pdftoppm = shutil.which("pdftoppm") or "pdftoppm"
                page_one = ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
                subprocess.run([pdftoppm, *page_one, str(pdf), str(stem)], check=True)  # noqa: S603
    finally:
        vault.lock()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
