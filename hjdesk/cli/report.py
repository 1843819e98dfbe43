"""`hjdesk report KIND … --out FILE.pdf`: any printed output (domain.md §10) from the command line.
Registered into the main parser by `hjdesk.cli`.

ReportLab is imported inside the command, so building the parser (and `hjdesk --help`) stays
cheap. The PDF is made in memory and written only to `--out`; the print is audited in the same
call. A patient or session that is not in the vault is a one-line error and no file is written.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hjdesk.reports.kinds import KINDS, Need, ReportKind, ReportRequest, parse_month
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.vault import OpenVault

OpenVaultFn = Callable[[argparse.Namespace], OpenVault]
SESSIONS_LISTED = 12


def _epilog() -> str:
    width = max(len(name) for name in KINDS)
    lines = ["kinds:"]
    for kind in KINDS.values():
        needs = [
            f"--{what}" if need is Need.REQUIRED else f"[--{what}]"
            for what, need in (
                ("patient", kind.patient),
                ("session", kind.session),
                ("wing", kind.wing),
                ("month", kind.month),
            )
            if need is not Need.NO
        ]
        lines.append(f"  {kind.name:<{width}}  {kind.label} {' '.join(needs)}")
        indent = " " * (width + 4)
        lines += textwrap.wrap(kind.about, 78, initial_indent=indent, subsequent_indent=indent)
    lines += [
        "",
        "--patient picks the patient's latest item of that kind (care plan, ACCT event,",
        "questionnaires). Without --session, session kinds list the sessions to choose from.",
    ]
    return "\n".join(lines)


def register(
    sub: Any,
    vault_options: Callable[[argparse.ArgumentParser], None],
    open_vault: OpenVaultFn,
) -> None:
    """Add `report` to the main parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="print a document to PDF (clinic lists, ACCT, care plans, summaries…)",
        description="Make one of the printed outputs as an A4 PDF, written only to --out.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vault_options(p)
    p.add_argument("kind", choices=list(KINDS), metavar="KIND", help="what to print (see below)")
    p.add_argument("--patient", metavar="PRISON_NUMBER", help="the patient, e.g. A1234BC")
    p.add_argument("--session", metavar="ID", help="the clinic session id")
    p.add_argument("--wing", metavar="W", help="one wing, e.g. B")
    p.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf", help="where to save")
    p.set_defaults(func=lambda args: cmd_report(args, open_vault))


def patient_id_of(vault: OpenVault, text: str) -> str:
    """The vault's patient with this prison number; a one-line error if none."""
    from hjdesk.clinical.identifiers import is_valid_prison_number, normalise_prison_number
    from hjdesk.services.patients import search

    if not is_valid_prison_number(text):
        raise InvalidInput(f"{text!r} is not a prison number: one letter, 4 digits, 2 letters.")
    number = normalise_prison_number(text)
    found = [row for row in search(vault, number, limit=20) if row.prison_number == number]
    if not found:
        raise InvalidInput("No patient with that prison number is in this vault.")
    # A person who left and came back keeps the number: the one on the roll now comes first.
    return found[0].id


def _list_sessions(vault: OpenVault) -> None:
    from hjdesk.services.clinics import list_sessions
    from hjdesk.services.common import local_today

    today = local_today()
    sessions = list_sessions(vault, date=today) or list_sessions(vault)[:SESSIONS_LISTED]
    for s in sessions:
        print(
            f"{s.id}  {s.session_date:%Y-%m-%d} {s.period.value:<2}  {s.clinic_type.value:<24} "
            f"wings {','.join(s.wings):<8} {s.status.value:<11} {s.appointments} booked"
        )


def _request(args: argparse.Namespace, kind: ReportKind, vault: OpenVault) -> ReportRequest:
    return ReportRequest(
        kind=kind.name,
        patient_id=patient_id_of(vault, args.patient) if args.patient else None,
        session_id=args.session.strip() if args.session else None,
        wing=args.wing.strip().upper() if args.wing else None,
        month=parse_month(args.month) if args.month else None,
    )


def cmd_report(args: argparse.Namespace, open_vault: OpenVaultFn) -> int:
    kind = KINDS[args.kind]
    # Mistakes in the command are refused before asking for a password.
    if args.month:
        parse_month(args.month)
    out: Path = args.out
    if out.is_dir() or not out.parent.is_dir():
        raise InvalidInput("--out must name a PDF file in a folder that exists.")
    if kind.patient is Need.REQUIRED and not args.patient:
        raise InvalidInput(f"{kind.name} is about one patient: give --patient PRISON_NUMBER.")
    opened = open_vault(args)
    try:
        if kind.session is Need.REQUIRED and not args.session:
            _list_sessions(opened)
            raise InvalidInput(f"{kind.name} needs --session ID: choose one of the sessions above.")
        request = _request(args, kind, opened)
        from hjdesk.reports.build import save_report

        report = save_report(opened, request, args.out)
    finally:
        opened.lock()
    pages = f"{report.pages} page{'s' if report.pages != 1 else ''}"
    print(f"Saved {report.title} ({pages}) to {args.out}.")
    if report.unsynced:
        print("It contains entries not yet synced; every page says so.")
    return 0
