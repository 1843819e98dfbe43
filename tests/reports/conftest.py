"""Fixtures for the printed outputs: one read-mostly demo vault per module, PDF text, and the
demo items each document is made from (found by query, so a change to the demo seed does not
silently empty a test)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from hjdesk.storage.models import (
    AcctContribution,
    Appointment,
    CarePlan,
    CarePlanReview,
    ClinicSession,
    Medicine,
    Observation,
    OutboxOp,
    Patient,
    QuestionnaireResult,
    ReleasePlan,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD


@dataclass(frozen=True)
class PdfText:
    pages: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    def has(self, needle: str) -> bool:
        return squash(needle) in squash(self.text)


def squash(text: str) -> str:
    """Whitespace collapsed: a cell that wraps still reads as one phrase."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(data: bytes) -> PdfText:
    import io

    assert data.startswith(b"%PDF"), "not a PDF"
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = (float(v) for v in page.mediabox[2:])
        assert (round(width), round(height)) == (595, 842), "every page is A4 portrait"
    return PdfText([page.extract_text() or "" for page in reader.pages])


@pytest.fixture(scope="module")
def shared_demo(demo_template, tmp_path_factory) -> Iterator[OpenVault]:
    """A demo vault shared by a module's read-only tests (rendering only adds audit events)."""
    target = tmp_path_factory.mktemp("reports-demo") / "demo"
    shutil.copytree(demo_template, target)
    opened = Vault(HomePaths.resolve(target)).unlock("nurse", PASSWORD)
    assert FAST_KDF  # the template was built with the cheap KDF, so this unlock is quick
    yield opened
    opened.lock()


def ack_everything(vault: OpenVault) -> None:
    """As if a sync had just been acknowledged by the hub."""
    with vault.transaction() as session:
        session.execute(update(OutboxOp).values(acked_at=datetime.now(UTC)))


def planned_session(vault: OpenVault) -> str:
    with vault.session() as session:
        found = session.scalar(
            select(ClinicSession.id)
            .join(Appointment, Appointment.session_id == ClinicSession.id)
            .where(ClinicSession.status == "PLANNED")
            .order_by(ClinicSession.session_date, ClinicSession.id)
            .limit(1)
        )
    assert found
    return found


def session_with_prison_outcomes(vault: OpenVault) -> str:
    with vault.session() as session:
        found = session.scalar(
            select(Appointment.session_id).where(Appointment.attribution == "PRISON").limit(1)
        )
    assert found
    return found


def patient_with(vault: OpenVault, column, *where) -> str:
    """The patient with the most rows of `column`'s table (ties broken by id)."""
    with vault.session() as session:
        found = session.execute(
            select(column, func.count())
            .where(*where)
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(1)
        ).first()
    assert found, "the demo has such a patient"
    return str(found[0])


def contribution_patient(vault: OpenVault) -> str:
    return patient_with(vault, AcctContribution.patient_id, AcctContribution.planned.is_(False))


def unreviewed_plan(vault: OpenVault, plan_type: str) -> str:
    """An active plan with no review yet (tests record their own reviews through the service)."""
    with vault.session() as session:
        found = session.scalar(
            select(CarePlan.id)
            .where(
                CarePlan.status == "ACTIVE",
                CarePlan.plan_type == plan_type,
                CarePlan.id.not_in(select(CarePlanReview.plan_id)),
            )
            .order_by(CarePlan.id)
            .limit(1)
        )
    assert found, f"the demo has an unreviewed active {plan_type} plan"
    return found


def medicines_patient(vault: OpenVault) -> str:
    with vault.session() as session:
        found = session.scalar(
            select(Medicine.patient_id)
            .join(ReleasePlan, ReleasePlan.patient_id == Medicine.patient_id)
            .where(Medicine.active.is_(True))
            .limit(1)
        )
    return found or patient_with(vault, Medicine.patient_id, Medicine.active.is_(True))


def questionnaire_patient(vault: OpenVault) -> str:
    return patient_with(
        vault, QuestionnaireResult.patient_id, QuestionnaireResult.instrument == "PHQ9"
    )


def news2_patient(vault: OpenVault) -> str:
    """The patient whose observations include the highest NEWS2 total (an escalation)."""
    with vault.session() as session:
        found = session.scalar(
            select(Observation.patient_id).order_by(Observation.news2_total.desc()).limit(1)
        )
    assert found
    return found


def patient_row(vault: OpenVault, patient_id: str) -> Patient:
    with vault.session() as session:
        found = session.get(Patient, patient_id)
        assert found is not None
        session.expunge(found)
        return found
