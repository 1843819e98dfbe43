"""One user action: the role check, one transaction, one clock, the revision check, the problems
list and the audit link, written once instead of in every service.

    with user_action(vault, "acct_reopened", now=now) as act:
        case = act.get(AcctCase, case_id, "ACCT", base_rev=base_rev)
        if not reason.strip():
            act.problems.append("Say why the ACCT is reopened.")
        act.check()                    # raise the problems now, before anything is changed
        ...change rows through act.session...
        act.audit(patient_id=case.patient_id, detail={"case_id": case.id})
        return build_case_view(act.session, case.id, act.now)

- The role is checked against `permissions.PERMISSIONS[name]` before the transaction starts, so
  a refused user never takes the vault's write lock.
- Everything inside is one transaction (`OpenVault.transaction`): any exception, including the
  problems raised on the way out, rolls back every row and the audit link together.
- `act.now` is the action's one timestamp (the caller's `now`, injected by tests and the demo,
  or the clock). The audit link records the clock's time of the same moment, so the chain's
  times always move forward even when a test back-dates the action.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hjdesk.services.common import get_or_error, utc_now
from hjdesk.services.permissions import require
from hjdesk.storage import audit as audit_chain
from hjdesk.storage.audit import Actor
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Base
from hjdesk.storage.vault import OpenVault

T = TypeVar("T", bound=Base)


class StaleRevision(InvalidInput):
    """The record changed since the user opened it: nothing was saved, never merged."""


def check_rev(current: int, base_rev: int | None, what: str) -> None:
    """Optimistic concurrency: an edit based on an old revision is refused, never merged
    (`None`: the caller did not open the record first, e.g. a scripted import)."""
    if base_rev is not None and current != base_rev:
        raise StaleRevision(
            f"This {what} was changed by someone else since you opened it, so nothing was saved. "
            "Reload it to see what changed elsewhere, then make your change again."
        )


def fail(problems: list[str]) -> None:
    """The validation error for everything wrong with the input, in one message."""
    if problems:
        raise InvalidInput(" ".join(problems))


@dataclass(slots=True)
class UserAction:
    """What a service needs while it does one user action (see the module docstring)."""

    name: str
    vault: OpenVault
    session: Session
    now: datetime
    clock: datetime  # when it really happened: the audit link's time
    problems: list[str] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return self.vault.actor

    @property
    def staff_id(self) -> str:
        """The signed-in user's staff id (every unlocked user has one; 'system' never acts)."""
        staff_id = self.vault.actor.staff_id
        assert staff_id is not None  # an unlocked user always has a staff record
        return staff_id

    def get(self, model: type[T], record_id: str, what: str, *, base_rev: int | None = None) -> T:
        """The row, or "That <what> is not in this vault."; with `base_rev`, refused as stale
        when the row has moved on since the user opened it."""
        row = get_or_error(self.session, model, record_id, what)
        if base_rev is not None:
            check_rev(row.rev, base_rev, what)  # type: ignore[attr-defined]
        return row

    def check(self) -> None:
        """Raise the problems gathered so far (call before changing anything they affect)."""
        fail(self.problems)

    def audit(
        self,
        *,
        patient_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
        kind: str | None = None,
    ) -> None:
        """Append this action's audit link; `kind` only where one action leaves different
        kinds (e.g. caseload_joined / caseload_left)."""
        audit_chain.append(
            self.session,
            self.vault.actor,
            kind or self.name,
            device_id=self.vault.device_id,
            patient_id=patient_id,
            detail=dict(detail) if detail is not None else None,
            at=self.clock,
        )


@contextmanager
def user_action(
    vault: OpenVault, name: str, *, now: datetime | None = None, what: str | None = None
) -> Iterator[UserAction]:
    """Do action `name` as the signed-in user: refused by role first, then one transaction that
    commits only if the block ends without an exception and without problems. `what` rewords
    the refusal where the action names what it touches."""
    require(vault.actor, name, what)
    with vault.transaction() as session:
        clock = utc_now()
        act = UserAction(name, vault, session, now or clock, clock)
        yield act
        act.check()
