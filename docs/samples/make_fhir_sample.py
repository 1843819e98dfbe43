"""Make docs/samples/transfer-summary.fhir.json: the transfer/release summary of a demo patient
as the FHIR R4 document (UK Core) that `hjdesk export fhir` and "Save FHIR summary…" write.

    .venv/bin/python docs/samples/make_fhir_sample.py            # builds a demo vault first
    .venv/bin/python docs/samples/make_fhir_sample.py --home DIR # from an existing demo vault

The vault is built in a temporary folder that is removed afterwards; the file goes through the
same `save_fhir_summary` the app uses (so the export is audited in that throwaway vault). The demo
has never synced, so the sample is `preliminary` and opens with the unsynced warning section, as
it should. Everything in it is synthetic (NHS numbers from the 999 test range).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, literal, select, union_all

from hjdesk.demo.establishment import build_demo
from hjdesk.interop import save_fhir_summary
from hjdesk.storage.models import (
    AcctCase,
    Allergy,
    CarePlan,
    Condition,
    Medicine,
    Observation,
    QuestionnaireResult,
    ReleasePlan,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

HERE = Path(__file__).resolve().parent
PASSWORD = "demo-password"  # noqa: S105 - the documented password of a synthetic demo vault
TABLES = (AcctCase, Allergy, CarePlan, Condition, Medicine, Observation)


def sample_patient(vault: OpenVault) -> str:
    """A patient with a release plan whose record touches the most kinds of entry."""
    kinds = union_all(
        *(
            select(t.patient_id.label("pid"), literal(t.__tablename__).label("kind")).distinct()
            for t in TABLES
        ),
        select(
            QuestionnaireResult.patient_id.label("pid"),
            QuestionnaireResult.instrument.label("kind"),
        ).distinct(),
    ).subquery()
    with vault.session() as session:
        found = session.execute(
            select(kinds.c.pid, func.count())
            .where(kinds.c.pid.in_(select(ReleasePlan.patient_id)))
            .group_by(kinds.c.pid)
            .order_by(func.count().desc(), kinds.c.pid)
            .limit(1)
        ).first()
    if found is None:
        raise SystemExit("The demo vault has no patient with a release plan.")
    return str(found[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an existing demo vault (password demo-password)")
    parser.add_argument("--out", type=Path, default=HERE / "transfer-summary.fhir.json")
    args = parser.parse_args(argv)
    temp = None
    if args.home is None:
        temp = tempfile.mkdtemp(prefix="hjdesk-fhir-sample-")
        home = HomePaths.resolve(Path(temp))
        # Never synced, as the docstring says: the sample shows the unsynced warning section.
        build_demo(home, password=PASSWORD, synced=False)[0].lock()
    else:
        home = HomePaths.resolve(args.home)
    vault = Vault(home).unlock("nurse", os.environ.get("HJDESK_PASSWORD", PASSWORD))
    try:
        export = save_fhir_summary(vault, sample_patient(vault), args.out)
        state = "preliminary" if export.preliminary else "final"
        print(f"{args.out.name}: {export.resources} resources, {state}")
    finally:
        vault.lock()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
