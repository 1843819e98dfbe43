"""The laptop's sync client: enrol with a hub, then `sync()` — push, pull, purge, revoke, wipe.

This is what the desktop app and the command line call. Every function takes an unlocked
`OpenVault`, does its own transactions, and returns frozen dataclasses (safe to pass from a worker
thread to the UI). Failures a person can act on are `SyncError`s (a `KnownError`) with a plain
message; an unreachable hub is one of them, and nothing is lost when it happens.

    summary = sync(vault, progress=lambda p: print(p.message))
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import platform
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from hjdesk.services import acct
from hjdesk.storage import id_rewrite
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import utcnow
from hjdesk.storage.vault import ADMIN_ROLE, OpenVault
from hjdesk.sync import conflicts, cycle, local_state, quarantine
from hjdesk.sync.conflicts import ConflictView, list_conflicts, resolve_conflict
from hjdesk.sync.cycle import ProgressFn, SyncProgress, Tally
from hjdesk.sync.errors import AlreadyEnrolled, NotEnrolled, SyncError
from hjdesk.sync.local_state import SyncConfig
from hjdesk.sync.protocol import DEFAULT_BATCH, DEFAULT_PAGE, MAX_BATCH, MAX_PAGE, EnrolRequest
from hjdesk.sync.transport import HubClient

__all__ = [
    "ConflictView",
    "EnrolResult",
    "SyncProgress",
    "SyncSummary",
    "enrol",
    "hub_reachable",
    "list_conflicts",
    "resolve_conflict",
    "sync",
    "sync_config",
]

CA_FILE = "hub-ca.pem"


@dataclass(frozen=True, slots=True)
class EnrolResult:
    device_id: str
    establishment: str
    hub_url: str


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What one sync did. `waiting` is ops still unsent (0 after a complete sync)."""

    pushed: int
    duplicates: int
    new_conflicts: int
    pulled: int
    applied: int
    skipped: int
    deferred: int
    purged: int
    purges_waiting: int
    open_conflicts: int
    waiting: int
    revoked: bool
    wiped: bool
    receipt_at: datetime
    quarantined: int = 0  # set aside by this sync (refused by the hub, or not appliable here)
    in_quarantine: int = 0  # all set aside on this laptop
    # The ACCT cases this sync closed as mirrors an arrival's HA alert made, the person having
    # arrived with an open ACCT (H-38): case ids only, never who they are about.
    mirrors_closed: tuple[str, ...] = ()
    # Pulled records an earlier version of HJDesk set aside, stored by this sync (retried once
    # the laptop runs a version that can apply them): a count only, naming nobody.
    stored_set_aside: int = 0
    # Records of a kind this version does not know (a newer version's), kept on this laptop by
    # this sync's pull, and records kept earlier stored by it now that this version knows their
    # kind: counts only, naming nobody.
    kept_for_newer: int = 0
    stored_held: int = 0

    def lines(self) -> list[str]:
        out = [
            f"Sent {self.pushed} changes ({self.duplicates} the hub already had).",
            f"Received {self.pulled} records: {self.applied} stored, {self.skipped} already here, "
            f"{self.deferred} waiting behind unsent edits.",
        ]
        if self.stored_set_aside:
            out.append(stored_set_aside_line(self.stored_set_aside))
        if self.stored_held:
            out.append(stored_held_line(self.stored_held))
        if self.kept_for_newer:
            out.append(kept_for_newer_line(self.kept_for_newer))
        if self.purged or self.purges_waiting:
            out.append(
                f"Removed {self.purged} patients who left this establishment"
                + (f"; {self.purges_waiting} wait for unsent work." if self.purges_waiting else ".")
            )
        if self.open_conflicts:
            out.append(
                f"{self.open_conflicts} conflicts to resolve ({self.new_conflicts} new): both "
                "versions are kept until someone chooses."
            )
        if self.quarantined or self.in_quarantine:
            out.append(
                f"{self.in_quarantine} records set aside ({self.quarantined} new): the hub "
                "refused them or they could not be stored here. See 'hjdesk sync --quarantine' "
                "or the Sync page."
            )
        if self.mirrors_closed:
            out.append(mirrors_closed_line(len(self.mirrors_closed)))
        if self.revoked:
            out.append("This laptop's access was revoked at the hub: it can no longer receive.")
        if self.wiped:
            out.append("The hub asked for this laptop to be wiped: the vault has been destroyed.")
        out.append(f"{self.waiting} changes waiting to be sent.")
        return out


def mirrors_closed_line(count: int) -> str:
    """What a sync says when it closed ACCTs mirrored on arrival (H-38)."""
    if count == 1:
        return (
            "Closed 1 ACCT mirrored on arrival: the person arrived with an open ACCT, which "
            "continues here."
        )
    return (
        f"Closed {count} ACCTs mirrored on arrival: each person arrived with an open ACCT, "
        "which continues here."
    )


def stored_set_aside_line(count: int) -> str:
    """What a sync says when it stored records an earlier version of HJDesk had set aside."""
    if count == 1:
        return "Stored 1 record set aside by an earlier version of HJDesk."
    return f"Stored {count} records set aside by an earlier version of HJDesk."


def kept_for_newer_line(count: int) -> str:
    """What a sync says when its pull kept records of a kind this version cannot show."""
    if count == 1:
        return (
            "Kept 1 record of a kind this version of HJDesk cannot show; it is shown once HJDesk "
            "is updated."
        )
    return (
        f"Kept {count} records of a kind this version of HJDesk cannot show; they are shown "
        "once HJDesk is updated."
    )


def stored_held_line(count: int) -> str:
    """What a sync says when it stored records kept earlier for this version of HJDesk."""
    if count == 1:
        return "Stored 1 record kept for this version of HJDesk."
    return f"Stored {count} records kept for this version of HJDesk."


def sync_config(vault: OpenVault) -> SyncConfig | None:
    """The hub this laptop is enrolled with, or None."""
    with vault.session() as session:
        return local_state.config(session)


def _require_config(vault: OpenVault) -> SyncConfig:
    found = sync_config(vault)
    if found is None:
        raise NotEnrolled(
            "This laptop is not enrolled with a hub: run 'hjdesk enrol' with a code from the hub "
            "administrator."
        )
    return found


def enrol(
    vault: OpenVault,
    hub_url: str,
    code: str,
    *,
    ca_bundle: Path | None = None,
    device_name: str | None = None,
) -> EnrolResult:
    """Exchange a one-time code for this laptop's device token (administrators only)."""
    if vault.actor.role != ADMIN_ROLE:
        raise PermissionDenied("Only an administrator can enrol this laptop with a hub.")
    check_hub_address(hub_url)
    if sync_config(vault) is not None:
        raise AlreadyEnrolled("This laptop is already enrolled with a hub.")
    stored_bundle: Path | None = None
    if ca_bundle is not None:
        if not ca_bundle.is_file():
            raise InvalidInput(f"No CA bundle at {ca_bundle}.")
        # A copy in the home folder: the laptop must still sync if the original moves.
        stored_bundle = vault.home.root / CA_FILE
        shutil.copyfile(ca_bundle, stored_bundle)
        os.chmod(stored_bundle, 0o600)
    name = (device_name or platform.node() or "laptop")[:120]
    with HubClient(hub_url, ca_bundle=stored_bundle) as hub:
        reply = hub.enrol(
            EnrolRequest(code=code.strip(), device_id=vault.device_id, device_name=name)
        )
    with vault.transaction() as session:
        local_state.put(session, local_state.HUB_URL, hub_url.rstrip("/"))
        local_state.put(session, local_state.TOKEN, reply.token)
        local_state.put(session, local_state.ESTABLISHMENT, reply.establishment)
        if stored_bundle is not None:
            local_state.put(session, local_state.CA_BUNDLE, str(stored_bundle))
        local_state.put(session, local_state.CURSOR, "0")
        _derive_staff_ids(vault, session)
        vault.audit("sync_enrolled", detail={"establishment": reply.establishment}, session=session)
    return EnrolResult(reply.device_id, reply.establishment, hub_url.rstrip("/"))


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_hub_address(hub_url: str) -> None:
    """An https:// address, or plain http:// only to this machine (a hub on loopback, tests):
    over a network, plain http would show the device token and records to anyone listening."""
    parsed = urlsplit(hub_url.strip())
    try:
        host = parsed.hostname or ""
    except ValueError:
        host = ""
    if parsed.scheme == "https" and host:
        return
    if parsed.scheme == "http" and host:
        if _loopback(host):
            return
        raise InvalidInput(
            f"Refusing plain http:// to {host}: use the hub's https:// address (plain http is "
            "only for a hub on this machine)."
        )
    raise InvalidInput("The hub address starts with https:// (for example https://hub:8443).")


def _derive_staff_ids(vault: OpenVault, session: Session) -> None:
    """Users made before the laptop knew its establishment get their estate-wide ids now, before
    anything is pushed: the same person on every laptop of the prison (architecture.md §5a)."""
    session.flush()
    conn = session.connection()
    plan = id_rewrite.plan_vault(conn, staff_only=True)
    id_rewrite.apply(conn, plan)
    session.expire_all()
    actor = vault.actor
    new_id = plan.mapping.get(actor.staff_id or "")
    if new_id is not None:
        vault._set_user(new_id, actor.username, actor.role)


def hub_reachable(vault: OpenVault, *, timeout: float = 3.0) -> bool:
    """Whether the hub answers now (for automatic sync); never raises for network trouble."""
    found = sync_config(vault)
    if found is None:
        return False
    try:
        with HubClient(found.hub_url, ca_bundle=found.ca_bundle, timeout=timeout) as hub:
            hub.health()
    except SyncError:
        return False
    return True


def _quiet(progress: SyncProgress) -> None:
    pass


def sync(
    vault: OpenVault,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = DEFAULT_BATCH,
    page_size: int = DEFAULT_PAGE,
) -> SyncSummary:
    """Push, then pull, then carry out what the hub decided (revoke, wipe). Audited ("sync").

    Safe to interrupt at any point: a later sync resumes without losing or duplicating anything.
    """
    report = progress or _quiet
    batch_size = max(1, min(batch_size, MAX_BATCH))
    page_size = max(1, min(page_size, MAX_PAGE))
    found = _require_config(vault)
    tally = Tally()
    closed: tuple[acct.Superseded, ...] = ()
    with HubClient(found.hub_url, token=found.token, ca_bundle=found.ca_bundle) as hub:
        report(SyncProgress("connect", 0, None, f"connecting to {found.hub_url}"))
        tally.state = hub.device()
        cycle.push(vault, hub, tally, report, batch_size)
        revoked = tally.state.revoked if tally.state else False
        if not revoked:  # a revoked laptop may no longer read: no conflicts, no pull
            listed = hub.conflicts()
            with vault.transaction() as session:
                tally.new_conflicts += conflicts.store_hub_conflicts(
                    session, listed.conflicts, complete=True
                )
            cycle.pull(vault, hub, tally, report, page_size)
            # What the pull brought may supersede an ACCT this laptop mirrored from an arrival's
            # HA alert (H-38); the closure is pushed below with the sync's audit event.
            closed = acct.settle_arrival_mirrors(vault)
        quarantine.audit_pending(vault)
        with vault.transaction() as session:
            local_state.put(session, local_state.REVOKED, "true" if revoked else "false")
            vault.audit(
                "sync",
                detail={"pushed": tally.pushed, "pulled": tally.pulled,
                        "conflicts": tally.new_conflicts, "purged": tally.pull.purged,
                        "mirrors_closed": len(closed)},
                session=session,
            )  # fmt: skip
        # The audit event just written (and anything saved meanwhile) goes now, not next time.
        cycle.push(vault, hub, tally, report, batch_size)
        # Purges that waited for unsent work: everything is acknowledged now.
        cycle.run_pending_purges(vault, tally)
        wiped = bool(tally.state and tally.state.wipe) and _wipe(vault, hub, report)
    in_quarantine = 0
    if wiped:
        waiting = open_conflicts = 0
    else:
        with vault.session() as session:
            waiting, open_conflicts = cycle.unsent(session), conflicts.count_open(session)
            in_quarantine = quarantine.count(session)
    summary = SyncSummary(
        pushed=tally.pushed, duplicates=tally.duplicates, new_conflicts=tally.new_conflicts,
        pulled=tally.pulled, applied=tally.pull.applied, skipped=tally.pull.skipped,
        deferred=tally.pull.deferred, purged=tally.pull.purged,
        purges_waiting=tally.pull.purges_waiting, open_conflicts=open_conflicts, waiting=waiting,
        revoked=revoked, wiped=wiped, receipt_at=utcnow(),
        quarantined=tally.quarantined + tally.pull.quarantined, in_quarantine=in_quarantine,
        mirrors_closed=tuple(c.mirror_id for c in closed),
        stored_set_aside=tally.stored_set_aside, kept_for_newer=tally.pull.kept,
        stored_held=tally.stored_held,
    )  # fmt: skip
    report(SyncProgress("done", 1, 1, "sync complete"))
    return summary


def _wipe(vault: OpenVault, hub: HubClient, report: ProgressFn) -> bool:
    """Destroy the key slots and the vault, but only once every op is on the hub."""
    with vault.session() as session:
        if cycle.unsent(session):
            return False
    report(SyncProgress("wipe", 0, 1, "wiping this laptop as the hub asked"))
    home = vault.home
    vault.lock()
    # The key slots go first: without them the vault file is unreadable ciphertext.
    # (and an interrupted rekey's new slots beside them, which hold key material as well)
    for slots in (home.keyslots, home.keyslots.with_name(home.keyslots.name + ".rekey")):
        if slots.exists():
            size = slots.stat().st_size
            with open(slots, "r+b") as handle:
                handle.write(os.urandom(max(size, 1)))
                handle.flush()
                os.fsync(handle.fileno())
            slots.unlink()
    for path in (home.vault, home.vault.with_name(home.vault.name + "-wal"),
                 home.vault.with_name(home.vault.name + "-shm"), home.root / CA_FILE, home.log,
                 home.keyslots.with_name(home.keyslots.name + ".lock")):  # fmt: skip
        path.unlink(missing_ok=True)
    shutil.rmtree(home.backups, ignore_errors=True)
    # If the hub does not hear, it shows "wipe requested" still; the vault is gone regardless.
    with contextlib.suppress(SyncError):
        hub.wiped()
    report(SyncProgress("wipe", 1, 1, "wiped"))
    return True
