"""Checking the audit chain, as a user action (itself audited once the check is done)."""

from __future__ import annotations

from hjdesk.storage import audit
from hjdesk.storage.vault import OpenVault


def verify_chain(vault: OpenVault) -> audit.ChainReport:
    with vault.session() as session:
        report = audit.verify(session)
    if report.ok:
        vault.audit("audit_verified", detail={"events": report.checked})
    return report
