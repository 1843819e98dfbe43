"""The demo establishment's clinical history (issue #3 item 9), built after the roll.

Deterministic from the seed, with dates relative to the demo's day: eight weeks of wing clinics
with mixed outcomes and today's planned sessions; encounters with observations, questionnaires
and LTC results; earlier LTC and older-prisoner reviews (some now overdue); care plans of every
type and state; ACCT mirrors with and without health input; the MH in-reach caseload; medicines,
allergies, screening and release plans; second-stage assessments of earlier receptions (about
one in 150 never done) and a few new receptions whose assessment is late. Rows go in through the
ORM inside vault transactions (so each is audited as one build and queued in the outbox like any
other write), in batches that keep memory flat at 100,000 patients.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.demo.acct import acct_history
from hjdesk.demo.care_plans import care_plans
from hjdesk.demo.clinics import earlier_assessments, past_sessions, todays_sessions
from hjdesk.demo.context import Batch, DemoContext, load_patients, load_staff
from hjdesk.demo.last_sync import LAST_SYNC_AGO, mark_delivered_before
from hjdesk.demo.records import (
    care_record,
    caseload_rows,
    choose_caseload,
    review_history,
)
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.storage.models import Establishment, Location, Patient
from hjdesk.storage.vault import OpenVault

LATE_RECEPTION_DAYS = (8, 10)  # days ago: second-stage assessment overdue, none done


@dataclass(frozen=True, slots=True)
class HistoryCounts:
    """Rows written, by record type (class name)."""

    rows: Mapping[str, int] = field(hash=False)

    def __getitem__(self, kind: str) -> int:
        return self.rows.get(kind, 0)


def _late_receptions(session: Session, today: date) -> set[str]:
    """Two people still in reception, received 8 and 10 days ago, with no second-stage
    assessment (the Today list's overdue examples)."""
    # Only the two chosen are loaded: loading everyone took seconds at 100,000 patients.
    on_roll = select(Patient).where(Patient.on_roll.is_(True)).order_by(Patient.prison_number)
    wanted = len(LATE_RECEPTION_DAYS)
    chosen = list(
        session.scalars(
            on_roll.join(Location, Patient.location_id == Location.id)
            .where(Location.wing == "RECP")
            .limit(wanted)
        )
    ) or list(session.scalars(on_roll.limit(wanted)))
    for patient, days in zip(chosen, LATE_RECEPTION_DAYS, strict=False):
        patient.reception_date = today - timedelta(days=days)
    session.flush()
    return {p.id for p in chosen}


def _default_now(today: date) -> datetime:
    """The real time when building for today; otherwise midday on the demo's day."""
    if today == date.today():
        return datetime.now(UTC)
    return datetime.combine(today, time(12, 0), CLINIC_ZONE).astimezone(UTC)


def _write(vault: OpenVault, batches: Iterable[Batch], counts: Counter[str]) -> None:
    for batch in batches:
        with vault.transaction() as session:
            batch.write(session)
        counts.update(batch.counts())


Writer = Callable[[OpenVault, Iterable[Batch], Counter[str]], None]


def build_history(
    vault: OpenVault,
    *,
    seed: int,
    today: date,
    now: datetime | None = None,
    write: Writer = _write,
    synced: bool = False,
) -> HistoryCounts:
    """Fill a freshly built demo vault with clinical history (see the module docstring).

    `write` stores each batch; the default goes through the ORM in vault transactions, like any
    service. (The benchmarks store a 100,000-patient history as a hub would send it instead.)
    With `synced`, the laptop last reached the office `LAST_SYNC_AGO` before now: only what was
    signed since waits to be sent (`hjdesk.demo.last_sync`)."""
    moment = now or _default_now(today)
    with vault.transaction() as session:
        late = _late_receptions(session, today)
        establishment_id = session.scalars(select(Establishment.id).order_by(Establishment.code))
        ctx = DemoContext(
            seed=seed,
            today=today,
            now=moment,
            staff=load_staff(session),
            patients=load_patients(session),
            establishment_id=next(iter(establishment_id)),
        )
    choose_caseload(ctx)
    counts: Counter[str] = Counter()
    write(vault, [caseload_rows(ctx)], counts)
    write(vault, earlier_assessments(ctx), counts)
    write(vault, past_sessions(ctx, late), counts)
    write(vault, [todays_sessions(ctx)], counts)
    write(vault, review_history(ctx), counts)
    write(vault, care_plans(ctx), counts)
    write(vault, [acct_history(ctx)], counts)
    write(vault, care_record(ctx), counts)
    if synced:
        mark_delivered_before(vault, moment - LAST_SYNC_AGO)
    result = HistoryCounts(MappingProxyType(dict(sorted(counts.items()))))
    vault.audit("demo_history_built", detail={"seed": seed, "rows": dict(result.rows)})
    return result
