"""Sync commands of `hjdesk`: the hub (serve, enrol-code, revoke, wipe, devices, audit-report,
admin-log, …) and the laptop side (enrol, sync, conflicts). Registered into the main parser by
`hjdesk.cli`.

Hub modules are imported inside the commands: the desktop app's start-up should not pay for
FastAPI.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hjdesk.storage.errors import InvalidInput, KnownError
from hjdesk.storage.vault import OpenVault

DEFAULT_DB = "hub.db"
log = logging.getLogger("hjdesk.sync")
_CODE = re.compile(r"^[A-Z0-9]{2,10}$")

if TYPE_CHECKING:
    from hjdesk.sync.hub.store import HubStore

T = TypeVar("T")
OpenVaultFn = Callable[[argparse.Namespace], OpenVault]


def register(
    sub: Any,
    vault_options: Callable[[argparse.ArgumentParser], None],
    open_vault: OpenVaultFn,
) -> None:
    """Add `hub …`, `enrol`, `sync` and `conflicts` to the main parser."""
    _register_hub(sub)

    p = sub.add_parser("enrol", help="enrol this laptop with a hub (admin)")
    vault_options(p)
    p.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub:8443")
    p.add_argument("--code", required=True, help="the one-time code from the hub administrator")
    p.add_argument("--ca-bundle", type=Path, help="PEM file of the CA that signed the hub's cert")
    p.set_defaults(func=lambda args: cmd_enrol(args, open_vault))

    p = sub.add_parser("sync", help="send this laptop's changes to the hub, then receive")
    vault_options(p)
    p.add_argument(
        "--check",
        action="store_true",
        help="after syncing, ask the hub whether everything on this laptop is at the office "
        "(exit 0 yes, 1 no): before handing the laptop over or wiping it",
    )
    p.add_argument(
        "--quarantine",
        action="store_true",
        help="list what sync set aside (refused by the hub, or not storable here), without syncing",
    )
    p.add_argument("--show", type=int, metavar="ID", help="print a set-aside record in full")
    p.add_argument(
        "--resend", type=int, metavar="ID", help="queue a refused change again (after a fix)"
    )
    p.add_argument(
        "--retry", type=int, metavar="ID", help="try again to store a record from the office"
    )
    p.add_argument(
        "--dismiss",
        type=int,
        metavar="ID",
        help="let a set-aside record go (administrator; needs --reason); it stays readable",
    )
    p.add_argument("--reason", help="why it is dismissed (with --dismiss)")
    p.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)
    # protocol.DEFAULT_PAGE (not imported: the CLI starts without the sync protocol's models)
    p.add_argument("--page-size", type=int, default=2500, help=argparse.SUPPRESS)
    p.set_defaults(func=lambda args: cmd_sync(args, open_vault))

    p = sub.add_parser("conflicts", help="list sync conflicts, or resolve one")
    vault_options(p)
    p.add_argument("--resolve", type=int, metavar="ID", help="the conflict to resolve")
    p.add_argument("--keep", choices=["mine", "hub"], help="which version to keep")
    p.set_defaults(func=lambda args: cmd_conflicts(args, open_vault))


def _register_hub(sub: Any) -> None:
    """`hub serve`, `hub enrol-code`,
    `hub revoke|wipe|devices|audit-report|refusals|check-records|transfers|name-cards|admin-log`."""
    hub = sub.add_parser("hub", help="run and manage the sync hub (healthcare office)")
    hub_sub = hub.add_subparsers(dest="hub_cmd", required=True, parser_class=type(hub))

    def hub_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = hub_sub.add_parser(name, help=help_text)
        p.add_argument(
            "--db",
            default=DEFAULT_DB,
            help="SQLite file or database URL (postgresql+psycopg://…); default ./hub.db",
        )
        return p

    p = hub_parser("serve", "serve the hub over HTTPS")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (chain) of the hub")
    p.add_argument("--tls-key", type=Path, help="PEM private key of the certificate")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])  # fmt: skip
    p.set_defaults(func=cmd_hub_serve)

    p = hub_parser("enrol-code", "make a one-time code to enrol a laptop")
    p.add_argument("--establishment", required=True, help="establishment code, e.g. DMO")
    p.add_argument("--valid-hours", type=float, default=72.0)
    p.set_defaults(func=cmd_hub_enrol_code)

    for name, help_text in (
        ("revoke", "stop a laptop pulling records (it may still upload)"),
        ("wipe", "have a laptop destroy its vault at its next sync, once all is uploaded"),
    ):
        p = hub_parser(name, help_text)
        p.add_argument("--device", required=True, help="device id (see 'hjdesk hub devices')")
        p.set_defaults(func=cmd_hub_device_action)

    p = hub_parser("devices", "list enrolled laptops")
    p.set_defaults(func=cmd_hub_devices)

    p = hub_parser("audit-report", "report each laptop's audit chain and any break in it")
    p.set_defaults(func=cmd_hub_audit_report)

    p = hub_parser("refusals", "list the changes the hub refused, with the device and the rule")
    p.set_defaults(func=cmd_hub_refusals)

    p = hub_parser("check-records", "list stored records laptops set aside under today's rules")
    p.set_defaults(func=cmd_hub_check_records)

    p = hub_parser("transfers", "list transfers waiting for the origin's roll, or confirm one")
    p.add_argument("--confirm", type=int, metavar="ID", help="make a pending transfer effective")
    p.add_argument("--all", action="store_true", help="also list effective and cancelled ones")
    p.set_defaults(func=cmd_hub_transfers)

    p = hub_parser(
        "name-cards",
        "write the name cards that histories which arrived before the hub made them need "
        "(once after upgrading; safe to run again)",
    )
    p.set_defaults(func=cmd_hub_name_cards)

    p = hub_parser("admin-log", "list what administrators did to the hub, oldest first")
    p.add_argument(
        "--verify",
        action="store_true",
        help="check the log's hash chain (exit 0 intact, 1 naming the first bad event)",
    )
    p.set_defaults(func=cmd_hub_admin_log)


# -- hub ------------------------------------------------------------------------------------


def cmd_hub_serve(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.serve import serve

    serve(args.db, host=args.host, port=args.port, tls_cert=args.tls_cert,
          tls_key=args.tls_key, log_level=args.log_level)  # fmt: skip
    return 0


def cmd_hub_enrol_code(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.devices import create_enrol_code

    establishment = args.establishment.strip().upper()
    if not _CODE.match(establishment):
        raise InvalidInput("An establishment code is 2 to 10 letters or digits, e.g. DMO.")
    if not 0 < args.valid_hours <= 24 * 30:
        raise InvalidInput("--valid-hours must be between 0 and 720.")
    hours = args.valid_hours
    code = _on_hub(args, lambda s: create_enrol_code(s, establishment, valid_hours=hours))
    print(f"One-time enrolment code for a laptop at {establishment}, valid {args.valid_hours:g} h:")
    print(code)
    return 0


def cmd_hub_device_action(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.devices import request_wipe, revoke

    if args.hub_cmd == "revoke":
        _on_hub(args, lambda s: revoke(s, args.device))
        print(f"Revoked {args.device}: it can no longer pull records (it may still upload).")
    else:
        _on_hub(args, lambda s: request_wipe(s, args.device))
        print(f"{args.device} will wipe its vault at its next sync, once all is uploaded.")
    return 0


def _on_hub(args: argparse.Namespace, use: Callable[[HubStore], T]) -> T:
    """One use of the hub's database, closed whatever happens."""
    from hjdesk.sync.hub.store import HubStore

    store = HubStore(args.db)
    try:
        return use(store)
    finally:
        store.close()


def _print_rows(rows: Sequence[T], empty: str, line: Callable[[T], str]) -> int:
    """A list as tab-separated lines (for people and for `cut`), or what it means to be empty."""
    if not rows:
        print(empty)
    for row in rows:
        print(line(row))
    return 0


def cmd_hub_devices(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.devices import list_devices

    def line(d: Any) -> str:
        seen = f"{d.last_seen_at:%Y-%m-%d %H:%M}" if d.last_seen_at else "never"
        return (f"{d.id}\t{d.establishment}\t{d.status}\tlast seen {seen}\t{d.acked_seq} ops\t"
                f"{d.open_conflicts} open conflicts\t{d.name}")  # fmt: skip

    return _print_rows(_on_hub(args, list_devices), "No laptops are enrolled.", line)


def cmd_hub_transfers(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub import transfers
    from hjdesk.sync.hub.devices import HubRefusal

    if args.confirm is not None:
        try:
            done = _on_hub(args, lambda store: transfers.confirm(store, args.confirm))
        except HubRefusal as exc:
            raise InvalidInput(exc.message) from None
        print(
            f"Transfer {done.id} is effective: {done.to_code} receives the history, "
            f"{done.from_code} removes it once its laptops have sent their work."
        )
        return 0

    def listed(store: HubStore) -> tuple[list[Any], dict[str, str]]:
        rows = transfers.list_transfers(store, every=args.all)
        return rows, transfers.prison_numbers(store, [r.patient_id for r in rows])

    rows, numbers = _on_hub(args, listed)

    def line(r: Any) -> str:
        decided = f"{r.decided_at:%Y-%m-%d %H:%M} by {r.decided_by}" if r.decided_at else "-"
        return (f"{r.id}\t{numbers.get(r.patient_id, '?')}\t{r.from_code or '?'} -> {r.to_code}\t"
                f"{r.status}\tclaimed {r.claimed_at:%Y-%m-%d %H:%M}\t{decided}")  # fmt: skip

    return _print_rows(rows, "No transfers." if args.all else "No transfers are waiting.", line)


def cmd_hub_audit_report(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.audit_check import audit_report

    chains = _on_hub(args, audit_report)
    broken = 0
    for chain in chains:
        state = "intact" if not chain.breaks else f"{len(chain.breaks)} break(s)"
        print(f"{chain.device_id} ({chain.establishment}): checked to event {chain.verified_to}, "
              f"{state}")  # fmt: skip
        for seq, event_id, reason, when in chain.breaks:
            print(f"  BREAK at event {seq} (id {event_id}): {reason} [found {when:%Y-%m-%d %H:%M}]")
        broken += len(chain.breaks)
    print(f"{len(chains)} devices, {broken} breaks.")
    return 1 if broken else 0


def cmd_hub_check_records(args: argparse.Namespace) -> int:
    """Exit 1 when the hub holds a record every laptop would set aside (like `audit-report`)."""
    from hjdesk.sync.hub.record_check import records_laptops_set_aside

    held = _on_hub(args, records_laptops_set_aside)
    for r in held:
        print(f"{r.updated_at:%Y-%m-%d %H:%M}\t{r.origin_device} ({r.establishment})\t"
              f"{r.kind} {r.record_id}\t{r.reason}")  # fmt: skip
    if held:
        count = len({r.origin_device for r in held})
        devices = "1 device" if count == 1 else f"{count} devices"
        print(
            f"{len(held)} stored records fail the payload rules (pushed by {devices}): every "
            "laptop in scope sets them aside. Look at the devices that pushed them."
        )
        return 1
    print("Every stored record passes the payload rules.")
    return 0


def cmd_hub_name_cards(args: argparse.Namespace) -> int:
    """Counts only: never who the cards or the records are about."""
    from hjdesk.sync.hub.card_backfill import write_missing_cards

    print(_on_hub(args, write_missing_cards).line())
    return 0


def cmd_hub_admin_log(args: argparse.Namespace) -> int:
    """Times in UTC, like the hub's other lists; details hold ids, codes and counts only."""
    from hjdesk.sync.hub import admin_log

    if args.verify:
        checked = _on_hub(args, admin_log.verify)
        if checked.bad_seq is not None:
            raise KnownError(
                f"The admin log is broken at event {checked.bad_seq}: {checked.reason}."
            )
        print(f"{checked.count} events, chain intact.")
        return 0

    def line(e: Any) -> str:
        return (f"{e.seq}\t{e.at:%Y-%m-%d %H:%M:%S} UTC\t{e.who}\t{e.action}\t{e.target or '-'}\t"
                f"{e.detail}")  # fmt: skip

    return _print_rows(_on_hub(args, admin_log.events), "No administrator events.", line)


def cmd_hub_refusals(args: argparse.Namespace) -> int:
    from hjdesk.sync.hub.refusals import list_refusals

    def line(r: Any) -> str:
        return (f"{r.refused_at:%Y-%m-%d %H:%M}\t{r.device_id} ({r.establishment})\tseq {r.seq}\t"
                f"{r.kind} {r.record_id}\t{r.rule}: {r.reason}")  # fmt: skip

    return _print_rows(_on_hub(args, list_refusals), "The hub has refused nothing.", line)


# -- laptop ---------------------------------------------------------------------------------


def cmd_enrol(args: argparse.Namespace, open_vault: OpenVaultFn) -> int:
    from hjdesk.sync.client import enrol

    opened = open_vault(args)
    try:
        result = enrol(opened, args.hub, args.code, ca_bundle=args.ca_bundle)
    finally:
        opened.lock()
    print(f"Enrolled as device {result.device_id} of {result.establishment} with {result.hub_url}.")
    return 0


def cmd_sync(args: argparse.Namespace, open_vault: OpenVaultFn) -> int:
    from hjdesk.sync.client import SyncProgress, sync
    from hjdesk.sync.handover import check_handover
    from hjdesk.sync.progress import RateMeter

    meter = RateMeter()

    def show(step: SyncProgress) -> None:
        # Records so far, the rate and (when the total is known) the time left.
        print(f"{step.phase}: {meter.update(step).text()}", flush=True)

    chosen = (args.show, args.resend, args.retry, args.dismiss)
    actions = sum(v is not None for v in chosen) + int(args.quarantine)
    if actions > 1 or (actions and args.check):
        raise InvalidInput(
            "Give one of --quarantine, --show, --resend, --retry, --dismiss (they do not sync)."
        )
    if (args.dismiss is None) != (args.reason is None):
        raise InvalidInput("Give --dismiss ID together with --reason TEXT.")
    opened = open_vault(args)
    try:
        if actions:
            return _quarantine_action(args, opened)
        try:
            summary = sync(opened, progress=show, batch_size=args.batch_size,
                           page_size=args.page_size)  # fmt: skip
            for line in summary.lines():
                print(line)
            if not args.check or summary.wiped:
                return 0
            report = check_handover(opened)
        except KnownError:
            raise
        except Exception as exc:  # a bug: one plain line, never a traceback (nor record data)
            log.error("sync failed: %s", type(exc).__name__)
            raise KnownError(
                f"Sync stopped on an unexpected problem ({type(exc).__name__}). Your work is kept "
                "on this laptop; tell the system administrator."
            ) from None
    finally:
        opened.lock()
    for line in report.lines():
        print(line)
    return 0 if report.complete else 1


def _quarantine_action(args: argparse.Namespace, opened: Any) -> int:
    from hjdesk.sync import quarantine

    if args.show is not None:
        print(quarantine.payload_text(opened, args.show))
    elif args.resend is not None:
        quarantine.resend(opened, args.resend)
        print(f"Change {args.resend} is queued again: the next sync sends it.")
    elif args.retry is not None:
        if quarantine.retry(opened, args.retry):
            print(f"Record {args.retry} is stored on this laptop.")
        else:
            print(f"Record {args.retry} still cannot be stored: it is set aside again.")
            return 1
    elif args.dismiss is not None:
        quarantine.dismiss(opened, args.dismiss, args.reason)
        print(
            f"Dismissed {args.dismiss}; it stays readable with 'hjdesk sync --show {args.dismiss}'."
        )
    else:
        _print_quarantine(quarantine.list_quarantine(opened), quarantine.list_dismissed(opened))
    return 0


def _print_quarantine(items: list[Any], dismissed: list[Any]) -> None:
    if not items:
        print("Nothing is set aside.")
    for item in items:
        print(f"{item.id}\t{item.direction}\t{item.kind}\t{item.record_id}\t{item.rule}: "
              f"{item.reason}\n\t{item.advice}")  # fmt: skip
    for item in dismissed:
        print(f"{item.id}\tdismissed by {item.dismissed_by} "
              f"{item.dismissed_at:%Y-%m-%d %H:%M}\t{item.kind}\t{item.record_id}\t"
              f"{item.rule}: {item.dismissal_reason}")  # fmt: skip


def cmd_conflicts(args: argparse.Namespace, open_vault: OpenVaultFn) -> int:
    from hjdesk.sync.client import list_conflicts, resolve_conflict

    if (args.resolve is None) != (args.keep is None):
        raise InvalidInput("Give --resolve ID together with --keep mine or --keep hub.")
    opened = open_vault(args)
    try:
        if args.resolve is not None:
            resolve_conflict(opened, args.resolve, args.keep)
            print(f"Resolved conflict {args.resolve}: the next sync sends the new revision.")
            return 0
        found = list_conflicts(opened)
    finally:
        opened.lock()
    if not found:
        print("No conflicts to resolve.")
    for c in found:
        fields = ", ".join(c.changed_fields) or "-"
        print(f"{c.id}\t{c.reason}\t{c.kind}\t{c.record_id}\tdiffers in: {fields}")
    return 0
