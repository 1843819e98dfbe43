"""The vault: create, unlock, lock and manage the users of one encrypted laptop store.

A `Vault` knows its home folder and key slots; `unlock()` gives an `OpenVault` holding the engine
and the unlocked user. `OpenVault.lock()` disposes the engine and drops the key (drafts are rows in
the vault, so nothing is lost). Errors a person can act on are `KnownError`s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hjdesk.storage.errors import (
    InvalidInput,
    KnownError,
    PermissionDenied,
    SlotTampered,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultMissing,
    translate_database_error,
)
from hjdesk.storage.keyslots import DEFAULT_KDF, KdfParams, KeySlots
from hjdesk.storage.paths import HomePaths

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from hjdesk.storage.audit import Actor
    from hjdesk.storage.models import Staff
    from hjdesk.storage.outbox import DeviceContext

# SQLAlchemy, the models, the engine and Alembic are imported where a vault is opened, not at the
# top: the unlock screen needs only the key slots, and importing them took most of the 0.6 s
# launch budget (docs/performance.md). Python caches a module, so a later import costs nothing.

ROLES = (
    "RN", "RMN", "HCA", "GP", "ANP", "PHARMACIST", "PSYCHOLOGIST", "OT", "SOCIAL_WORKER", "ADMIN",
)  # fmt: skip
ADMIN_ROLE = "ADMIN"
# A write held up longer than this by another of this process's writers is announced as waiting.
WAIT_NOTICE_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class UserInfo:
    """What the unlock screen may show before unlock: no patient data lives in key slots."""

    username: str
    display_name: str
    role: str
    disabled: bool
    seconds_to_wait: float


def _check_role(role: str) -> str:
    value = role.strip().upper()
    if value not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    return value


def _check_username(username: str) -> str:
    value = username.strip().lower()
    if not value or not value.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidInput("A user name uses letters, digits, '.', '_' or '-' only.")
    if len(value) > 40:
        raise InvalidInput("A user name has at most 40 characters.")
    return value


@contextmanager
def known_errors() -> Iterator[None]:
    """Turn database failures a person can act on into KnownErrors; let bugs through."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        known = translate_database_error(exc.orig if exc.orig is not None else exc)
        if known is None:
            raise
        raise known from exc
    except Exception as exc:
        if isinstance(exc, KnownError):
            raise
        known = (
            translate_database_error(exc) if type(exc).__module__.startswith("sqlcipher3") else None
        )
        if known is None:
            raise
        raise known from exc


class Vault:
    """A home folder's vault before unlock."""

    def __init__(self, home: HomePaths) -> None:
        self.home = home

    def exists(self) -> bool:
        return self.home.vault.exists() and self.home.keyslots.exists()

    def _slots(self) -> KeySlots:
        if not self.exists():
            raise VaultMissing(
                f"No vault in {self.home.root}: create one with 'hjdesk init' or 'hjdesk demo'."
            )
        return KeySlots.load(self.home.keyslots)

    def users(self) -> list[UserInfo]:
        slots = self._slots()
        now = datetime.now(UTC)
        return [
            UserInfo(
                s.username,
                s.display_name,
                s.role,
                s.disabled,
                slots.seconds_to_wait(s.username, now=now),
            )
            for s in slots
        ]

    @classmethod
    def create(
        cls,
        home: HomePaths,
        *,
        admin: str,
        password: str,
        display_name: str | None = None,
        kdf: KdfParams = DEFAULT_KDF,
        establishment: str | None = None,
    ) -> OpenVault:
        """Make a new vault with a random 256-bit data key and its first (admin) user.

        With `establishment` (a prison code) the users get their estate-wide ids at once;
        without it, enrolment gives them (staff ids derive from establishment and user name)."""
        from hjdesk.storage import migrate
        from hjdesk.storage.engine import make_engine

        username = _check_username(admin)
        home.ensure()
        if home.vault.exists() or home.keyslots.exists():
            raise VaultExists(f"A vault already exists in {home.root}.")
        data_key = os.urandom(32)
        slots = KeySlots.create(home.keyslots)
        name = display_name or username
        slots.set_password(
            username, password, data_key, display_name=name, role=ADMIN_ROLE, kdf=kdf
        )
        engine = make_engine(home.vault, data_key)
        try:
            with known_errors():
                migrate.upgrade(engine)
                device_id = _init_settings(engine, slots.vault_id, establishment)
                staff_id = _create_staff(engine, device_id, username, name, ADMIN_ROLE)
        except BaseException:
            engine.dispose()
            home.vault.unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                home.vault.with_name(home.vault.name + suffix).unlink(missing_ok=True)
            raise
        slots.save()
        opened = OpenVault(cls(home), engine, slots, device_id, data_key)
        opened._set_user(staff_id, username, ADMIN_ROLE, name)
        opened.audit("vault_created")
        return opened

    def unlock(self, username: str, password: str) -> OpenVault:
        """Open the vault as a user. The role comes from the user's sealed key slot, never from
        the (synced) staff row; a slot whose seal fails is refused and audited."""
        from hjdesk.storage import migrate, rekey
        from hjdesk.storage.engine import make_engine

        slots = self._slots()
        user = _check_username(username)
        opened_slot = slots.open(user, password)
        with known_errors():
            data_key = rekey.settle(self.home.vault, self.home.keyslots, user, opened_slot)
        if data_key != opened_slot.data_key:
            slots = KeySlots.load(self.home.keyslots)
            opened_slot = replace(opened_slot, data_key=data_key)
        engine = make_engine(self.home.vault, data_key)
        try:
            with known_errors():
                if _probe(engine):
                    _finish_first_sync_indexes(engine)
                if migrate.needs_upgrade(engine):
                    migrate.backup(self.home.vault, self.home.backups, engine)
                    migrate.upgrade(engine)
                device_id = _setting(engine, "device_id")
                opened = OpenVault(self, engine, slots, device_id, data_key)
                tampered = slots.verify(user, opened_slot)
                for name in tampered:
                    opened.audit("key_slot_tampered", detail={"username": name})
                if user in tampered:
                    raise SlotTampered(
                        f"The key slot of {user!r} was changed outside HJDesk and is refused: "
                        "ask an administrator to reset the password."
                    )
                staff = opened._staff_by_username(user)
                opened._set_user(staff.id, staff.username, slots.get(user).role, staff.display_name)
                for failure in slots.take_unreported_failures(user):
                    failed_at, _, refused = failure.partition(" ")
                    detail: dict[str, object] = {"at": failed_at}
                    if refused:
                        detail["refused"] = refused
                    opened.audit("unlock_failed", detail=detail)
                opened.audit("unlock")
        except BaseException:
            engine.dispose()
            raise
        return opened


def prepare_unlock() -> None:
    """Do, before a password is given, the one-off work an unlock would otherwise do after the
    key is derived: import the engine, models, SQLite dialect and slot cipher, configure the
    ORM's mappers and read the migration scripts (~0.1 s of CPU quiet, 0.4 s under load: the
    unlock's largest cost after Argon2id, docs/performance.md). Writes no file and holds no
    key; the app runs it on a worker thread while the unlock screen waits for the password."""
    import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401 - the slot cipher
    import sqlalchemy.dialects.sqlite.pysqlite  # noqa: F401 - make_engine's dialect
    from sqlalchemy.orm import configure_mappers

    from hjdesk.storage import audit, engine, migrate, models, outbox, rekey  # noqa: F401

    configure_mappers()
    migrate.scripts()


def rehearsal_vault() -> OpenVault:
    """An unlocked vault in memory holding the schema and no rows: no key, no file, no patient
    data. The app runs the first page's query on it while the password is typed, so the
    process's one-off costs of that query (building and compiling its statements, the ORM's
    loading paths: ~110 ms of CPU, docs/performance.md) are not paid after the unlock. The
    caller locks it."""
    import sqlcipher3
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from hjdesk.storage.models import Base

    # One connection (StaticPool): an in-memory database lives only as long as its connection.
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlcipher3.connect(":memory:", check_same_thread=False),
        module=sqlcipher3.dbapi2,
        poolclass=StaticPool,
    )
    Base.metadata.create_all(engine)
    home = HomePaths(Path(os.devnull) / "rehearsal")  # never written: nothing here has a file
    slots = KeySlots(home.keyslots, vault_id="rehearsal", slots={})
    opened = OpenVault(Vault(home), engine, slots, "rehearsal", bytes(32))
    opened._set_user("rehearsal", "rehearsal", "RN", "Rehearsal")
    return opened


def _probe(engine: Engine) -> bool:
    """Read the schema once: a damaged header or wrong key fails here, not mid-workflow.
    Returns whether a killed first sync left indexes set aside (`_finish_first_sync_indexes`),
    asked in the same read so that an unlock needs no second round for it."""
    from sqlalchemy import text

    from hjdesk.storage import deferred_indexes

    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        return deferred_indexes.pending(conn)


def _finish_first_sync_indexes(engine: Engine) -> None:
    """A first sync killed before it built the indexes it set aside: build them now, before
    anything (a migration, a search) uses the vault (`hjdesk.storage.deferred_indexes`).
    `_probe` has seen them pending; `rebuild` asks again under the write lock."""
    from hjdesk.storage import deferred_indexes
    from hjdesk.storage.engine import IMMEDIATE

    try:
        with engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
            deferred_indexes.rebuild(conn)
    except ValueError as exc:
        raise VaultDamaged(
            "This vault's set-aside index definitions are not valid: restore it from a backup."
        ) from exc


def _init_settings(engine: Engine, vault_id: str, establishment: str | None) -> str:
    from sqlalchemy.orm import Session

    from hjdesk.clinical.identifiers import normalise_establishment_code
    from hjdesk.storage.ids import uuid7
    from hjdesk.storage.models import Setting

    device_id = uuid7()
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Setting(key="device_id", value=device_id),
                Setting(key="vault_id", value=vault_id),
                Setting(key="created_at", value=datetime.now(UTC).isoformat()),
            ]
        )
        if establishment:
            try:
                code = normalise_establishment_code(establishment)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
            session.add(Setting(key="establishment", value=code))
    return device_id


def _setting(engine: Engine, key: str) -> str:
    from sqlalchemy.orm import Session

    from hjdesk.storage.models import Setting

    with Session(engine) as session:
        value = session.get(Setting, key)
        if value is None:
            raise VaultDamaged("The vault is missing its device identity: it may be damaged.")
        return value.value


def _create_staff(engine: Engine, device_id: str, username: str, name: str, role: str) -> str:
    from sqlalchemy.orm import Session

    from hjdesk.storage import id_rewrite
    from hjdesk.storage.models import Staff
    from hjdesk.storage.outbox import CONTEXT_KEY, DeviceContext

    with engine.connect() as conn:
        conn.info[CONTEXT_KEY] = DeviceContext(device_id=device_id)
        with Session(conn) as session:
            staff = Staff(
                id=id_rewrite.staff_key(conn, username),
                username=username,
                display_name=name,
                role=role,
            )
            session.add(staff)
            session.commit()
            staff_id = staff.id
        conn.commit()
    return staff_id


class OpenVault:
    """An unlocked vault: the engine, the user who unlocked it, and their sessions."""

    def __init__(
        self, vault: Vault, engine: Engine, slots: KeySlots, device_id: str, key: bytes
    ) -> None:
        from hjdesk.storage import audit
        from hjdesk.storage.outbox import DeviceContext

        self.vault = vault
        self._key: bytes | None = key
        self.home = vault.home
        self._engine: Engine | None = None
        self._slots = slots
        self.device_id = device_id
        self.context: DeviceContext = DeviceContext(device_id=device_id)
        self.actor: Actor = audit.Actor(staff_id=None, username="system", role="SYSTEM")
        # The unlocked user's name as their staff row gave it at unlock (None: not known). Signing
        # an entry reads the current name with the patient's date of birth and refreshes this
        # copy, so a rename that arrives by sync while unlocked shows on the next entry.
        self.actor_name: str | None = None
        self._write_lock = threading.RLock()
        self._wait_listeners: list[Callable[[bool], None]] = []
        # What a service keeps between calls while the vault is unlocked (Today's kept lists):
        # worked out from the vault's data, so it is forgotten when the vault locks.
        self.memo: dict[str, object] = {}
        self._attach(engine)

    def _attach(self, engine: Engine) -> None:
        """Use `engine` from now on (at unlock, and after a rekey replaced the key)."""
        from sqlalchemy import event
        from sqlalchemy.orm import sessionmaker

        from hjdesk.storage.engine import IMMEDIATE
        from hjdesk.storage.outbox import CONTEXT_KEY

        @event.listens_for(engine, "checkout")
        def _attach(dbapi_conn: object, record: object, proxy: object) -> None:
            record.info[CONTEXT_KEY] = self.context  # type: ignore[attr-defined]

        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        writer = engine.execution_options(**{IMMEDIATE: True})
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False)

    # -- state ----------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultLocked("The vault is locked: unlock it to continue.")
        return self._engine

    @property
    def is_locked(self) -> bool:
        return self._engine is None

    def lock(self) -> None:
        """Dispose every connection and forget the key (it lived only in the engine's creator)."""
        self.memo.clear()
        if self._engine is not None:
            from sqlalchemy.orm import sessionmaker

            self._engine.dispose()
            self._engine = None
            self._key = None
            self._sessions = self._write_sessions = sessionmaker()

    def _set_user(
        self, staff_id: str, username: str, role: str, display_name: str | None = None
    ) -> None:
        from hjdesk.storage import audit

        self.context.author_id = staff_id
        self.context.author_role = role
        self.actor = audit.Actor(staff_id=staff_id, username=username, role=role)
        if display_name is not None:
            self.actor_name = display_name

    def _staff_by_username(self, username: str) -> Staff:
        from sqlalchemy import select

        from hjdesk.storage.models import Staff

        with self.session() as session:
            staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise VaultDamaged(f"User {username!r} has a key slot but no staff record.")
        return staff

    # -- sessions -------------------------------------------------------------------------
    def session(self) -> Session:
        """A session for reads; writes go through `transaction()`."""
        self.engine  # noqa: B018 - raises VaultLocked when locked
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action = one transaction: record, audit and outbox rows commit together.

        Writers of this process queue on one lock first (a wait the app causes itself, e.g. a
        save while sync stores a page, is never reported as "busy"), then BEGIN IMMEDIATE, whose
        busy timeout is then only ever spent on another process."""
        self.engine  # noqa: B018 - raises VaultLocked when locked
        with self.writing(), known_errors(), self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this process's writer lock; listeners hear when a writer has to wait for it."""
        if not self._write_lock.acquire(timeout=WAIT_NOTICE_SECONDS):
            for listener in list(self._wait_listeners):
                listener(True)
            self._write_lock.acquire()
            for listener in list(self._wait_listeners):
                listener(False)
        try:
            yield
        finally:
            self._write_lock.release()

    def add_wait_listener(self, listener: Callable[[bool], None]) -> None:
        """`listener(True)` when a write starts waiting for another of this process, `(False)`
        when it goes ahead. Called on the waiting thread."""
        self._wait_listeners.append(listener)

    def audit(
        self,
        action: str,
        *,
        patient_id: str | None = None,
        detail: dict[str, object] | None = None,
        session: Session | None = None,
    ) -> None:
        from hjdesk.storage import audit

        if session is not None:
            audit.append(
                session,
                self.actor,
                action,
                device_id=self.device_id,
                patient_id=patient_id,
                detail=detail,
            )
            return
        with self.transaction() as own:
            audit.append(
                own,
                self.actor,
                action,
                device_id=self.device_id,
                patient_id=patient_id,
                detail=detail,
            )

    # -- users ----------------------------------------------------------------------------
    def require_admin(self) -> None:
        if self.actor.role != ADMIN_ROLE:
            raise PermissionDenied("Only an administrator can manage users.")

    def add_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str,
        role: str,
        team: str | None = None,
        kdf: KdfParams = DEFAULT_KDF,
    ) -> str:
        from hjdesk.storage.models import Staff

        self.require_admin()
        user, role_value = _check_username(username), _check_role(role)
        with self._slots_locked():
            if user in self._slots:
                raise InvalidInput(f"User {user!r} already exists.")
            from hjdesk.storage import id_rewrite

            with self.transaction() as session:
                staff = Staff(
                    id=id_rewrite.staff_key(session.connection(), user),
                    username=user, display_name=display_name.strip() or user, role=role_value,
                    team=team,
                )  # fmt: skip
                session.add(staff)
                session.flush()
                self.audit(
                    "user_added", detail={"username": user, "role": role_value}, session=session
                )
                self._slots.set_password(
                    user, password, self._data_key(), display_name=staff.display_name,
                    role=role_value, kdf=kdf,
                )  # fmt: skip
                self._slots.save()
                return staff.id

    def reset_password(self, username: str, password: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
        self.require_admin()
        self._rewrap(username, password, kdf, action="password_reset")

    def change_own_password(
        self, old_password: str, new_password: str, *, kdf: KdfParams = DEFAULT_KDF
    ) -> None:
        self.engine  # noqa: B018 - raises VaultLocked when locked
        # Counted like an unlock: a wrong current password counts towards the lockout.
        self._slots.open(self.actor.username, old_password)
        self._rewrap(self.actor.username, new_password, kdf, action="password_changed")

    def set_role(self, username: str, role: str) -> None:
        """Change a user's role: it lives in their sealed key slot, written only here.

        The staff row's role follows in the same transaction: it is what the screens show of a
        colleague (care-plan owners, signers), never what decides a permission."""
        from sqlalchemy import select

        from hjdesk.storage.models import Staff

        self.require_admin()
        user, role_value = _check_username(username), _check_role(role)
        if user == self.actor.username:
            raise InvalidInput("You cannot change your own role.")
        with self._slots_locked():
            self._slots.get(user)
            with self.transaction() as session:
                staff = session.scalar(select(Staff).where(Staff.username == user))
                if staff is not None:
                    staff.role = role_value
                self.audit(
                    "user_role_changed", detail={"username": user, "role": role_value},
                    session=session,
                )  # fmt: skip
                self._slots.reseal(user, self._data_key(), role=role_value)
                self._slots.save()

    def rename_user(self, username: str, display_name: str) -> None:
        """Change the name a user is shown by (their own name changed, or it was mistyped).

        The staff row and the sealed slot change together, as a role does; the staff row's
        change goes to the hub like any other, and the hub refreshes the name cards other
        prisons hold of this person (hazard H-37), so their records name them anew there."""
        from sqlalchemy import select

        from hjdesk.storage.models import Staff

        self.require_admin()
        user, name = _check_username(username), " ".join(display_name.split())
        if not name or len(name) > 120:
            raise InvalidInput("A name is 1 to 120 characters.")
        with self._slots_locked():
            self._slots.get(user)
            with self.transaction() as session:
                staff = session.scalar(select(Staff).where(Staff.username == user))
                if staff is not None:
                    staff.display_name = name
                self.audit("user_renamed", detail={"username": user}, session=session)
                self._slots.reseal(user, self._data_key(), display_name=name)
                self._slots.save()
        if user == self.actor.username:
            self.actor_name = name

    def disable_user(self, username: str) -> list[str]:
        """Disable a user and rotate the vault key so no copy of their slot opens it again.

        Returns the users whose older-format slots the rekey could not carry (they need a
        password reset)."""
        from sqlalchemy import select

        from hjdesk.storage.models import Staff

        self.require_admin()
        user = _check_username(username)
        if user == self.actor.username:
            raise InvalidInput("You cannot disable yourself.")
        with self._slots_locked():
            self._slots.get(user)
            with self.transaction() as session:
                staff = session.scalar(select(Staff).where(Staff.username == user))
                if staff is not None:
                    staff.active = False
                self.audit("user_disabled", detail={"username": user}, session=session)
                self._slots.disable(user, self._data_key())
                self._slots.save()
        return self.rekey(reason="user_disabled")

    def rekey(self, *, reason: str = "requested") -> list[str]:
        """Replace the data key (`PRAGMA rekey`) and re-seal every remaining slot to it."""
        from hjdesk.storage import rekey
        from hjdesk.storage.engine import make_engine

        self.require_admin()
        old_key = self._data_key()
        with self.writing():  # this process's other writers (sync) wait for the new key
            self.engine.dispose()
            try:
                with known_errors():
                    new_key, stranded = rekey.rekey(self.home.vault, self.home.keyslots, old_key)
            except BaseException:
                self._attach(make_engine(self.home.vault, old_key))
                raise
            self._key = new_key
            self._attach(make_engine(self.home.vault, new_key))
        self._slots = KeySlots.load(self.home.keyslots)
        self.audit("vault_rekeyed", detail={"reason": reason, "needs_reset": stranded})
        return stranded

    def _rewrap(self, username: str, password: str, kdf: KdfParams, *, action: str) -> None:
        from sqlalchemy import select

        from hjdesk.storage.models import Staff

        user = _check_username(username)
        with self._slots_locked():
            slot = self._slots.get(user)
            if slot.seal is not None and not self._slots.seal_valid(user, self._data_key()):
                # The role in the slot cannot be trusted: an administrator states it first.
                raise InvalidInput(
                    f"The key slot of {user!r} was changed outside HJDesk: set the user's role "
                    f"again first ('hjdesk users role {user} ROLE'), then reset the password."
                )
            with self.transaction() as session:
                staff = session.scalar(select(Staff).where(Staff.username == user))
                if staff is not None and not staff.active:
                    staff.active = True
                self.audit(action, detail={"username": user}, session=session)
                self._slots.set_password(
                    user, password, self._data_key(), display_name=slot.display_name,
                    role=slot.role, kdf=kdf,
                )  # fmt: skip
                self._slots.save()

    @contextmanager
    def _slots_locked(self) -> Iterator[None]:
        """Re-read keyslots.json under its lock before changing it: since this vault was
        unlocked, other unlock attempts may have counted failures there, and saving a stale
        copy would erase them (and with them a lockout and the failures still to be audited)."""
        self.engine  # noqa: B018 - raises VaultLocked when locked
        with self._slots.locked():
            yield

    def _data_key(self) -> bytes:
        if self._key is None:
            raise VaultLocked("The vault is locked: unlock it to continue.")
        return self._key
