"""One sync's push and pull loops (the public entry point is `hjdesk.sync.client.sync`).

Push sends unacknowledged outbox ops oldest first and marks them done only in the transaction that
records the hub's reply; a crash anywhere before that just means they are sent again, and the hub
skips what it has. Pull applies a page and stores the new cursor in one transaction.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Row, func, select, update
from sqlalchemy.orm import Session

from hjdesk.storage import deferred_indexes
from hjdesk.storage.engine import IMMEDIATE, PRAGMAS
from hjdesk.storage.models import OutboxOp, Patient, SyncPendingPurge, utcnow
from hjdesk.storage.outbox import REMOTE_KEY
from hjdesk.storage.vault import OpenVault, known_errors
from hjdesk.sync import conflicts, local_state, protocol, quarantine
from hjdesk.sync.errors import SyncError
from hjdesk.sync.local_apply import (
    PageResult,
    applied_tables,
    apply_changes,
    drop_held,
    held_changes,
    purge_patient,
    store_transfer_notes,
)
from hjdesk.sync.protocol import ChangesReply, DeviceState, PushReply, WireOp, op_id
from hjdesk.sync.transport import HubClient, OpsRefusedByHub, SeqGapRefused

log = logging.getLogger("hjdesk.sync")


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """A step of a running sync, for a progress line or bar. `total` is None when unknown."""

    phase: str  # "connect", "push", "pull", "index", "purge", "wipe" or "done"
    done: int
    total: int | None
    message: str


ProgressFn = Callable[[SyncProgress], None]


@dataclass(slots=True)
class Tally:
    pushed: int = 0
    duplicates: int = 0
    new_conflicts: int = 0
    pull: PageResult = field(default_factory=PageResult)
    pulled: int = 0
    quarantined: int = 0
    # Pulled records an earlier version set aside, stored by this sync's automatic retry.
    stored_set_aside: int = 0
    # Records an earlier pull kept for a newer version (`held_for_newer`), stored by this sync
    # now that this version knows their kind.
    stored_held: int = 0
    state: DeviceState | None = None


def unsent(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
    ) or 0  # fmt: skip


def _wire(op: OutboxOp, resolves: list[int]) -> WireOp:
    return WireOp(
        op_id=op_id(op.device_id, op.seq), seq=op.seq, kind=op.kind, record_id=op.record_id,
        patient_id=op.patient_id, base_rev=op.base_rev, rev=op.rev, hlc=op.hlc,
        created_at=op.created_at.isoformat(), payload=json.loads(op.payload), resolves=resolves,
    )  # fmt: skip


_WIRE_COLUMNS = (
    OutboxOp.seq, OutboxOp.device_id, OutboxOp.kind, OutboxOp.record_id, OutboxOp.patient_id,
    OutboxOp.base_rev, OutboxOp.rev, OutboxOp.hlc, OutboxOp.created_at, OutboxOp.payload,
)  # fmt: skip


def _wire_json(op: Row[*tuple[Any, ...]], resolves: list[int]) -> str:
    """One op as `WireOp` JSON, its payload spliced in as stored.

    Same document as `_wire(op).model_dump_json()`, without parsing every payload only to write
    it out again: that and building the models was most of the laptop's share of a push. The
    hub validates every op as before."""
    head = json.dumps(
        {
            "op_id": op_id(op.device_id, op.seq), "seq": op.seq, "kind": op.kind,
            "record_id": op.record_id, "patient_id": op.patient_id, "base_rev": op.base_rev,
            "rev": op.rev, "hlc": op.hlc, "created_at": op.created_at.isoformat(),
            "resolves": resolves,
        },
        ensure_ascii=False,
    )  # fmt: skip
    return f'{head[:-1]},"payload":{op.payload}}}'


@dataclass(frozen=True, slots=True)
class _Batch:
    first: int
    last: int
    body: bytes


def _next_batch(vault: OpenVault, after: int, size: int) -> _Batch | None:
    """The next unacknowledged ops after seq `after`, written as a push request of at most
    `size` ops and `protocol.PUSH_BODY_BUDGET` bytes (an op too large alone was set aside by
    `quarantine.set_aside_oversized` before the push began)."""
    budget = protocol.PUSH_BODY_BUDGET
    with vault.session() as session:
        ops = session.execute(
            select(*_WIRE_COLUMNS)
            .where(OutboxOp.acked_at.is_(None), OutboxOp.seq > after)
            .order_by(OutboxOp.seq)
            .limit(size)
        ).all()
        if not ops:
            return None
        resolves = conflicts.resolutions(session, ops[0].seq, ops[-1].seq)
        withdrawn = quarantine.withdrawn_json(session, after, ops[-1].seq)
    parts: list[bytes] = []
    used = len(withdrawn) + 64
    for op in ops:
        part = _wire_json(op, resolves.get(op.seq, [])).encode()
        if parts and used + len(part) + 1 > budget:
            break
        parts.append(part)
        used += len(part) + 1
    last = ops[len(parts) - 1].seq
    body = b'{"ops":[' + b",".join(parts) + b'],"withdrawn":' + withdrawn + b"}"
    return _Batch(ops[0].seq, last, body)


@dataclass(frozen=True, slots=True)
class _Acked:
    marked: int
    new_conflicts: int


def _record_reply(vault: OpenVault, reply: PushReply) -> _Acked:
    """Mark every op up to the hub's watermark done, with the hub's conflicts, in one
    transaction. The watermark may pass the batch sent: a killed earlier run may have sent more
    before it could record the reply. Everything up to it is on the hub."""
    acked = reply.acked_seq
    with vault.transaction() as session:
        result = session.execute(
            update(OutboxOp)
            .where(OutboxOp.seq <= acked, OutboxOp.acked_at.is_(None))
            .values(acked_at=utcnow())
        )
        marked = cast(CursorResult[Any], result).rowcount
        found = conflicts.store_hub_conflicts(session, reply.conflicts)
        conflicts.forget_resolved(session, acked)
        local_state.put(session, local_state.LAST_RECEIPT, utcnow().isoformat())
    return _Acked(marked, found)


def push(
    vault: OpenVault, hub: HubClient, tally: Tally, progress: ProgressFn, batch_size: int
) -> None:
    tally.quarantined += quarantine.set_aside_oversized(vault, protocol.PUSH_BODY_BUDGET)
    with vault.session() as session:
        total = unsent(session)
    done = 0
    requeued = False
    recording: Future[_Acked] | None = None

    def collect() -> None:
        """Wait for the reply being recorded; count it and show the progress."""
        nonlocal recording, done
        if recording is None:
            return
        acked, recording = recording.result(), None
        tally.pushed += acked.marked
        tally.new_conflicts += acked.new_conflicts
        done += acked.marked
        shown = max(total, done)
        progress(SyncProgress("push", done, shown, f"sent {done} of {shown}"))

    # The laptop's side runs beside the hub's: while the hub applies batch n, a helper thread
    # records the reply to batch n-1 and reads out batch n+1, so both cores work. Ops are
    # immutable once queued (the batch read ahead is what the next loop would have read),
    # replies are recorded in order, and an op is still marked sent only once the hub has
    # acknowledged it; if the laptop stops in between, the hub skips what it has next time.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hjdesk-push") as helper:
        batch = _next_batch(vault, 0, batch_size)
        while batch is not None:
            upcoming = helper.submit(_next_batch, vault, batch.last, batch_size)
            try:
                reply = hub.push_json(batch.body)
            except OpsRefusedByHub as refused:
                collect()
                upcoming.result()
                # The hub stored nothing of the batch and named every op it refuses: set those
                # aside (kept, audited, listed on the Sync page) and send the rest again.
                moved = quarantine.set_aside_refused(vault, refused.refused)
                if not moved:
                    raise
                tally.quarantined += moved
                batch = _next_batch(vault, 0, batch_size)
                continue
            except SeqGapRefused as gap:
                collect()
                if requeued or gap.expected_seq >= batch.first:
                    raise
                # The hub lost ops it had acknowledged (restored from a backup): resend them.
                requeued = True
                upcoming.result()
                total = _requeue_from(vault, gap.expected_seq)
                batch = _next_batch(vault, 0, batch_size)
                continue
            collect()
            recording = helper.submit(_record_reply, vault, reply)
            tally.duplicates += reply.duplicates
            tally.state = reply.device
            if reply.acked_seq < batch.first:
                collect()
                raise SyncError("The hub did not acknowledge the ops sent: try again later.")
            batch = upcoming.result()
        collect()


def _requeue_from(vault: OpenVault, seq: int) -> int:
    """Mark ops from `seq` on as not yet acknowledged; return how many are now unsent."""
    with vault.transaction() as session:
        session.execute(update(OutboxOp).where(OutboxOp.seq >= seq).values(acked_at=None))
        return unsent(session)


@contextmanager
def remote_session(vault: OpenVault, held: Connection | None = None) -> Iterator[Session]:
    """A transaction that writes the hub's records: no outbox ops, references not enforced.
    On `held`, a connection the caller keeps for a whole first sync, or on one of the pool's."""
    with vault.writing(), known_errors(), _connection(vault, held) as conn:
        conn.execution_options(**{IMMEDIATE: True})
        raw = conn.connection.dbapi_connection
        assert raw is not None
        # Only outside a transaction does SQLite honour this pragma; it is restored below.
        raw.execute("PRAGMA foreign_keys = OFF")
        conn.info[REMOTE_KEY] = True
        try:
            with Session(bind=conn) as session:
                session.info[REMOTE_KEY] = True
                with session.begin():
                    yield session
        finally:
            conn.info.pop(REMOTE_KEY, None)
            if conn.connection.dbapi_connection is not None:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _connection(vault: OpenVault, held: Connection | None) -> Iterator[Connection]:
    if held is not None:
        yield held
    else:
        with vault.engine.connect() as conn:
            yield conn


# A first sync's storing connection keeps up to this many KiB of decrypted pages (the pool's
# connections keep 64 MiB, storage/engine.py): the tables' primary-key indexes are still written
# in random order, and at a million records a larger cache saves re-reading and re-decrypting
# their pages (docs/performance.md). Set back when the first sync ends.
FIRST_SYNC_CACHE_KIB = 262_144


class _FirstFill:
    """A first sync into an empty vault: one storing connection with a larger page cache and no
    disk sync per commit, and the tables' plain secondary indexes set aside until the last page
    is stored (`hjdesk.storage.deferred_indexes`).

    Empty means no cursor yet (nothing was ever pulled) and no patient: every clinical record
    belongs to one, so nothing a person entered here is in the tables being filled. Indexes are
    rebuilt before a page that purges (a purge deletes by patient, which wants them), when the
    last page is stored, when the pull fails, and otherwise at the next unlock."""

    def __init__(self, vault: OpenVault, progress: ProgressFn) -> None:
        self._vault = vault
        self._progress = progress
        self.conn: Connection | None = vault.engine.connect()
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        raw.execute(f"PRAGMA cache_size = -{FIRST_SYNC_CACHE_KIB}")
        # No disk sync per page's commit, for this connection during the fill: in WAL mode a
        # power cut can then lose the last pages committed, never the vault's consistency, and
        # each page is stored with its cursor, so what is lost is pulled again. Every other
        # connection (a clinician's entry) still syncs its commit, and with it the pages before.
        raw.execute("PRAGMA synchronous = NORMAL")
        self.deferred = False
        try:
            with remote_session(vault, self.conn) as session:
                self.deferred = deferred_indexes.defer(session.connection(), applied_tables()) > 0
        except BaseException:
            self.close()
            raise

    @staticmethod
    def wanted(vault: OpenVault, since: int) -> bool:
        if since != 0:
            return False
        with vault.session() as session:
            return session.scalar(select(Patient.id).limit(1)) is None

    def build_indexes(self) -> None:
        """Build what was set aside (once); the pull stores its later pages with them."""
        if not self.deferred:
            return
        self._progress(SyncProgress("index", 0, None, "building indexes"))
        with remote_session(self._vault, self.conn) as session:
            deferred_indexes.rebuild(session.connection())
        self.deferred = False

    def close(self) -> None:
        """Give the connection back with the pool's page cache size (a smaller size frees the
        pages above it)."""
        if self.conn is None:
            return
        raw = self.conn.connection.dbapi_connection
        if raw is not None:
            raw.execute(_POOL_SYNCHRONOUS)
            raw.execute(_POOL_CACHE)
        self.conn.close()
        self.conn = None


# The pool's own `cache_size` pragma (storage/engine.py): a connection goes back as it came.
_POOL_CACHE = next(p for p in PRAGMAS if "cache_size" in p)
_POOL_SYNCHRONOUS = next(p for p in PRAGMAS if "synchronous" in p)


def _end_deferral(vault: OpenVault) -> None:
    """Indexes left set aside by a first sync that did not finish in this session of the
    vault (its rebuild failed): build them before anything else is stored."""
    with vault.session() as session:
        if not deferred_indexes.pending(session.connection()):
            return
    with remote_session(vault) as session:
        deferred_indexes.rebuild(session.connection())


def pull(vault: OpenVault, hub: HubClient, tally: Tally, progress: ProgressFn, page: int) -> None:
    _end_deferral(vault)
    _retry_set_aside_earlier(vault, tally, progress)
    _store_held_for_this_version(vault, tally, progress)
    with vault.session() as session:
        since = local_state.cursor(session)
    fill = _FirstFill(vault, progress) if _FirstFill.wanted(vault, since) else None
    kept_before = tally.pull.kept
    try:
        _pull_pages(vault, hub, tally, progress, page, since, fill)
        if fill is not None:
            fill.build_indexes()
    except Exception:
        if fill is not None and fill.deferred:
            # Not left without its indexes while this vault stays open; if this fails too, the
            # next unlock (or the next sync) builds them. The pull's own error is the one shown.
            # (Interrupted by the person, Ctrl-C, it stops at once: the next unlock builds them.)
            with contextlib.suppress(Exception):
                fill.build_indexes()
        # The pages stored before the failure are kept, and so is what they kept: audited too,
        # unless that fails as well (the pull's own error is the one shown).
        with contextlib.suppress(Exception):
            _audit_kept(vault, tally, kept_before)
        raise
    finally:
        if fill is not None:
            fill.close()
    _audit_kept(vault, tally, kept_before)


HELD_KEPT_ACTION = "sync_held_for_newer"
HELD_STORED_ACTION = "sync_held_stored"


def _audit_kept(vault: OpenVault, tally: Tally, before: int) -> None:
    """One audit event for a pull that kept records of kinds this version does not know: how
    many and of which kinds, nothing about whom (they are not problems for a person, so not
    audited one by one, unlike records set aside)."""
    kept = tally.pull.kept - before
    if kept:
        vault.audit(
            HELD_KEPT_ACTION,
            detail={"kept": kept, "kinds": sorted(k[:40] for k in tally.pull.kept_kinds)[:20]},
        )


def _store_held_for_this_version(vault: OpenVault, tally: Tally, progress: ProgressFn) -> None:
    """Records an earlier pull kept for a newer version (`held_for_newer`) whose kind this
    version knows: applied now through the pull's own path (`apply_changes` on a REMOTE
    connection: the rev rules, unsent-work and conflict hold-backs and payload checks apply; one
    that fails its checks is set aside as a pulled record would be) and removed from the held
    table in the same transaction, 500 at a time.

    Beside `_retry_set_aside_earlier` and for the same reasons: before the pages (which may then
    supersede what it stores; the rev rules decide either way), needing nothing from the hub.
    Usually there is nothing: one query on a small table. A failure never stops the sync: it is
    logged by type only (no record values), the rows stay for the next sync, and the pull goes
    on."""
    stored = set_aside = 0
    kinds: set[str] = set()
    try:
        while True:
            result = PageResult()  # counted once its batch is committed
            with remote_session(vault) as session:
                changes = held_changes(session)
                if not changes:
                    break
                apply_changes(session, changes, result)
                drop_held(session, changes)
            stored += result.applied
            set_aside += result.quarantined
            kinds.update(c.kind for c in changes)
    except Exception as error:  # the sync goes on; the rows stay for the next one
        log.warning("storing records kept for this version failed: %s", type(error).__name__)
    if not kinds:
        return
    tally.stored_held += stored
    tally.pull.quarantined += set_aside
    try:
        vault.audit(
            HELD_STORED_ACTION,
            detail={"stored": stored, "set_aside": set_aside,
                    "kinds": sorted(k[:40] for k in kinds)[:20]},
        )  # fmt: skip
    except Exception as error:  # what was stored stays stored; the sync goes on
        log.warning("auditing records kept for this version failed: %s", type(error).__name__)
    if stored:
        progress(SyncProgress("pull", 0, None, f"stored {stored} records kept for this version"))


def _retry_set_aside_earlier(vault: OpenVault, tally: Tally, progress: ProgressFn) -> None:
    """Pulled records an earlier version of HJDesk set aside, retried now that a version with
    newer apply rules runs (`quarantine.retry_set_aside_earlier`).

    Here, at the start of the pull, rather than at unlock: it is the pull's own work (the same
    apply path and rules, on the same REMOTE connection kind), it needs nothing from the hub, and
    unlock stays quick and belongs to storage, which may not call sync. Before the pages, so the
    pages that follow may supersede what it stores (the usual rev rules decide, either order),
    and a retry never reads the cursor or decides a first fill (a vault with records set aside
    has a cursor already). Usually nothing matches: one indexed query on a small table. A
    failure here never stops the sync: each record's retry is caught inside, and anything else
    is logged by type only (no record values) and the pull goes on."""
    try:
        stored = quarantine.retry_set_aside_earlier(vault)
    except Exception as error:  # the sync goes on; the rows stay for the next one
        log.warning("retrying records set aside earlier failed: %s", type(error).__name__)
        return
    if stored:
        tally.stored_set_aside += stored
        progress(
            SyncProgress(
                "pull", 0, None, f"stored {stored} records set aside by an earlier version"
            )
        )


def _pull_pages(
    vault: OpenVault,
    hub: HubClient,
    tally: Tally,
    progress: ProgressFn,
    page: int,
    since: int,
    fill: _FirstFill | None,
) -> None:
    # The next page is asked for while this one is stored: the hub and the laptop work at once.
    # A page is still stored, with its cursor, in one transaction, in order.
    # The first page also asks how many records follow it, so progress can show the time left
    # (a hub from before `remaining` sends none: then records and rate only).
    total: int | None = None
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="hjdesk-pull") as fetcher,
        _Pages(vault, fill) as pages,
    ):
        pending = fetcher.submit(hub.changes, since, page, count=True)
        first = True
        while True:
            reply = pending.result()
            if first and reply.remaining is not None:
                total = tally.pulled + len(reply.changes) + reply.remaining
            first = False
            if reply.more:
                pending = fetcher.submit(hub.changes, reply.next_since, page)
            if fill is not None and reply.purges:
                pages.commit()
                fill.build_indexes()  # a purge deletes by patient: with its indexes
            pages.store(reply, tally)
            if not pending.done() or not reply.more:
                pages.commit()  # never hold the vault's write turn while waiting on the hub
            tally.pulled += len(reply.changes)
            tally.state = reply.device
            if total is not None:
                # Records pushed by others while this pull runs arrive too: the total grows.
                total = max(total, tally.pulled + (reply.remaining or 0))
                if not reply.more:
                    total = tally.pulled
            progress(SyncProgress("pull", tally.pulled, total, f"received {tally.pulled}"))
            if not reply.more:
                return


# Pages a first fill may store in one transaction. Each commit writes every page of the vault it
# dirtied to the log, encrypted, and the next commit writes again those both touched (the tables'
# last pages, the keys' inner pages, the cursor's); a million records are 400 pulled pages
# (docs/performance.md, "First sync: pages per commit").
FILL_PAGES_PER_COMMIT = 4


class _Pages:
    """Stores pulled pages in order, each with its cursor, so that a crash keeps only whole pages
    and the pull resumes after the last one kept.

    A page is one transaction, except during a first fill (an empty vault, on the fill's own
    connection), when up to `FILL_PAGES_PER_COMMIT` pages that arrived while the last was being
    stored share one. The caller commits before it waits for the hub (`commit`), so the vault's
    write turn is never held across the network: a clinician's entry waits at most for those few
    pages to be stored.

    A page stored is a page kept: when the pull stops for anything but storing itself (the hub
    gone, a refused request, an interrupt between pages), the pages stored so far are committed
    and then the error goes on. Only a failure while a page is being stored rolls back the open
    group (its pages, cursor included, are pulled again next time)."""

    def __init__(self, vault: OpenVault, fill: _FirstFill | None) -> None:
        self._vault = vault
        self._fill = fill
        self._open: contextlib.ExitStack | None = None
        self._session: Session | None = None
        self._stored: list[ChangesReply] = []

    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        # Every page in the open group was stored whole: keep them, whatever stopped the pull
        # (a failure inside `store` has already rolled its group back). An error committing is
        # raised with the pull's own error as its context.
        self.commit()

    def store(self, reply: ChangesReply, tally: Tally) -> None:
        if self._fill is None:
            with remote_session(self._vault) as session:
                _store_in(session, reply, tally)
            _observe(self._vault, reply)
            return
        if self._open is None:
            self._open = contextlib.ExitStack()
            self._session = self._open.enter_context(remote_session(self._vault, self._fill.conn))
        assert self._session is not None
        try:
            _store_in(self._session, reply, tally)
        except BaseException as error:
            self._roll_back(error)
            raise
        self._stored.append(reply)
        if len(self._stored) >= FILL_PAGES_PER_COMMIT:
            self.commit()

    def commit(self) -> None:
        if self._open is None:
            return
        opened, self._open, self._session = self._open, None, None
        opened.close()
        for reply in self._stored:
            _observe(self._vault, reply)
        self._stored.clear()

    def _roll_back(self, error: BaseException) -> None:
        """Storing failed: the open group goes (pulled again next time, after the last cursor
        kept)."""
        opened, self._open, self._session = self._open, None, None
        self._stored.clear()
        if opened is not None:
            opened.__exit__(type(error), error, error.__traceback__)


def _store_in(session: Session, reply: ChangesReply, tally: Tally) -> None:
    """One page of changes, its purges and its cursor, in the caller's transaction."""
    apply_changes(session, reply.changes, tally.pull)
    for purge in reply.purges:
        if purge_patient(session, purge.patient_id):
            tally.pull.purged += 1
    if not reply.more:
        store_transfer_notes(session, reply.transfers)
    local_state.put(session, local_state.CURSOR, str(reply.next_since))
    local_state.put(session, local_state.LAST_RECEIPT, utcnow().isoformat())


def _observe(vault: OpenVault, reply: ChangesReply) -> None:
    """The clock moves past the newest stamp of a page once it is committed."""
    stamps = [c.payload.get("hlc") for c in reply.changes]
    latest = max((s for s in stamps if isinstance(s, str) and _is_hlc(s)), default=None)
    if latest:
        vault.context.clock.observe(latest)


def _is_hlc(stamp: str) -> bool:
    ms, _, count = stamp.partition(".")
    return ms.isdigit() and (count == "" or count.isdigit())


def run_pending_purges(vault: OpenVault, tally: Tally) -> None:
    """Purges that waited for unsent ops: now they are acknowledged, carry them out."""
    with vault.session() as session:
        waiting = list(session.scalars(select(SyncPendingPurge.patient_id)))
    if not waiting:
        return
    with remote_session(vault) as session:
        for patient_id in waiting:
            if purge_patient(session, patient_id):
                tally.pull.purged += 1
        tally.pull.purges_waiting = session.scalar(
            select(func.count()).select_from(SyncPendingPurge)
        ) or 0  # fmt: skip
