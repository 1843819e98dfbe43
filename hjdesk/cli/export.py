"""`hjdesk export fhir --patient PRISON_NUMBER --out FILE.json`: the transfer/release summary as
a FHIR R4 document (UK Core) another NHS system can read. Registered by `hjdesk.cli`.

The bundle is made in memory and written only to --out; the export is audited in the same call.
A patient not in the vault, or an --out that is not a file in an existing folder, is a one-line
error and no file is written. The FHIR models load inside the command, so `hjdesk --help` stays
cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hjdesk.cli.report import patient_id_of
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.vault import OpenVault

OpenVaultFn = Callable[[argparse.Namespace], OpenVault]


def register(
    sub: Any,
    vault_options: Callable[[argparse.ArgumentParser], None],
    open_vault: OpenVaultFn,
) -> None:
    """Add `export` (with its one format, `fhir`) to the main parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="export a patient's transfer/release summary for another NHS system (FHIR)",
        description="Write a document another system reads, only to --out.",
    )
    formats = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    f = formats.add_parser(
        "fhir",
        help="the transfer/release summary as a FHIR R4 document Bundle (UK Core), JSON",
        description=(
            "The transfer/release health summary as a FHIR R4 document Bundle in the UK Core "
            "profiles, with the printed PDF inside it. See docs/fhir.md for what it holds."
        ),
    )
    vault_options(f)
    f.add_argument("--patient", required=True, metavar="PRISON_NUMBER", help="e.g. A1234BC")
    f.add_argument("--out", required=True, type=Path, metavar="FILE.json", help="where to save")
    f.set_defaults(func=lambda args: cmd_export_fhir(args, open_vault))


def cmd_export_fhir(args: argparse.Namespace, open_vault: OpenVaultFn) -> int:
    out: Path = args.out
    # Mistakes in the command are refused before asking for a password.
    if out.is_dir() or not out.parent.is_dir():
        raise InvalidInput("--out must name a JSON file in a folder that exists.")
    from hjdesk.clinical.identifiers import is_valid_prison_number

    if not is_valid_prison_number(args.patient):
        raise InvalidInput(
            f"{args.patient!r} is not a prison number: one letter, 4 digits, 2 letters."
        )
    opened = open_vault(args)
    try:
        patient_id = patient_id_of(opened, args.patient)
        from hjdesk.interop import save_fhir_summary

        export = save_fhir_summary(opened, patient_id, out)
    finally:
        opened.lock()
    print(f"Saved the FHIR transfer/release summary ({export.resources} resources) to {out}.")
    if export.preliminary:
        print("It contains entries not yet synced: the document is marked preliminary.")
    return 0
