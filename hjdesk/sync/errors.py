"""Sync errors a person can act on; each says what to do, never shows a patient identifier."""

from __future__ import annotations

from hjdesk.storage.errors import KnownError


class SyncError(KnownError):
    """Any sync failure with a plain message."""


class NotEnrolled(SyncError):
    pass


class AlreadyEnrolled(SyncError):
    pass


class HubUnreachable(SyncError):
    """The hub did not answer (offline, wrong address, hub stopped): try again later."""


class HubCertificateUntrusted(SyncError):
    pass


class HubRefused(SyncError):
    """The hub answered with a refusal (bad token, used code, revoked…)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
