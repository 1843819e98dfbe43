"""Load or refresh the prison roll from CSV (architecture.md §8).

Reconciles rather than replaces: moves update locations, people missing from a full roll are marked
left (never deleted), returning people are matched on prison number. Invalid rows are reported with
their row number and reason while valid rows load; the whole import is one transaction, so nothing
is ever half-written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hjdesk.clinical import estate_ids
from hjdesk.services.acct import raise_ha_alert_work
from hjdesk.services.actions import user_action
from hjdesk.services.common import local_today
from hjdesk.services.permissions import require
from hjdesk.services.roll.reconcile import apply_rows
from hjdesk.services.roll.rows import (
    MAX_BYTES,
    ImportSummary,
    RollFileError,
    decode_roll,
    parse_rows,
)
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.vault import OpenVault


class _Preview(Exception):
    """Raised inside the transaction of a dry run so that everything in it rolls back."""


def import_roll(
    vault: OpenVault,
    path: Path,
    *,
    full_roll: bool = True,
    today: date | None = None,
    dry_run: bool = False,
    as_of: datetime | None = None,
) -> ImportSummary:
    """Load a roll file: every valid row in one transaction, every bad row reported.

    `as_of` is when the roll was taken from the prison system (default: the file's modification
    time); of two rolls, the one taken later wins each field, whatever order they are imported in.

    With `dry_run` the whole import runs and is rolled back: the summary says what it would do
    (the desktop asks before a "full" roll marks a large part of the prison as left).
    """
    require(vault.actor, "import_roll")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RollFileError(f"The roll file is too large ({size // 1_048_576} MiB).")
        data = path.read_bytes()
        taken = as_of or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        raise InvalidInput(f"No file at {path}.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a roll file.") from None
    except PermissionError:
        raise InvalidInput(f"HJDesk may not read {path}.") from None
    now = datetime.now(UTC)
    if taken.tzinfo is None:
        raise InvalidInput(
            "The time the roll was taken needs a time zone (e.g. 2026-12-01T06:00Z)."
        )
    if taken > now + timedelta(minutes=5):
        raise InvalidInput("The time the roll was taken is in the future: check the date.")
    stamp = estate_ids.roll_stamp(taken, now, vault.device_id)
    records = decode_roll(data)
    summary = ImportSummary()
    rows = parse_rows(records, summary, today or local_today())
    if not rows and not summary.rejected:
        raise RollFileError("The roll file has a header but no rows.")
    try:
        # The role was checked before the file was read; the action checks it again (cheaply)
        # and gives the import its one transaction, which a dry run rolls back.
        with user_action(vault, "import_roll") as act:
            apply_rows(
                act.session,
                rows,
                summary,
                full_roll=full_roll,
                stamp=stamp,
                keep=_numbers_in(records),
            )
            # A new HA alert (ACCT opened by the prison): mirror the case, ask for the review time.
            raise_ha_alert_work(act.session, summary.new_acct_alerts, act.clock)
            if dry_run:
                raise _Preview
            detail = {**_audit_detail(summary), "as_of": taken.astimezone(UTC).isoformat()}
            act.audit(kind="roll_import", detail=detail)
    except _Preview:
        pass
    return summary


def _audit_detail(summary: ImportSummary) -> dict[str, object]:
    return {
        "added": summary.added,
        "moved": summary.moved,
        "left": summary.left,
        "returned": summary.returned,
        "updated": summary.updated,
        "rejected": len(summary.rejected),
        "older": summary.older,
        "flagged": summary.flagged,
        "at": datetime.now(UTC).isoformat(),
    }


def _numbers_in(records: list[tuple[int, dict[str | None, str | None]]]) -> set[str]:
    """Every prison number written in the file, valid row or not: a rejected row is never 'left'."""
    return {(r.get("prison_number") or "").strip().upper() for _, r in records}
