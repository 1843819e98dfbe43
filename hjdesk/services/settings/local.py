"""Local settings, each declared once with its type, default and range (style.md 11)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from hjdesk.clinical.news2 import DEFAULT_PATHWAYS, EscalationPathways
from hjdesk.services.actions import user_action
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Setting
from hjdesk.storage.vault import OpenVault

T = TypeVar("T", int, str, bool)


@dataclass(frozen=True, slots=True)
class Declared(Generic[T]):
    key: str
    label: str
    default: T
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, text: str) -> T:
        kind = type(self.default)
        if kind is bool:
            return text == "true"
        if kind is int:
            value = int(text)
            return value  # type: ignore[return-value]
        return text  # type: ignore[return-value]

    def check(self, value: T) -> T:
        if isinstance(value, bool) or not isinstance(value, int):
            return value
        if self.minimum is not None and value < self.minimum:
            raise InvalidInput(f"{self.label} must be at least {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise InvalidInput(f"{self.label} must be at most {self.maximum}.")
        return value

    def dump(self, value: T) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


IDLE_MINUTES: Declared[int] = Declared(
    "idle_minutes", "Lock after idle minutes", 5, minimum=1, maximum=60
)
HIGH_CONTRAST: Declared[bool] = Declared("high_contrast", "High-contrast theme", False)
PATHWAY_HIGH: Declared[str] = Declared(
    "news2_pathway_high", "NEWS2 high pathway", DEFAULT_PATHWAYS.high
)
PATHWAY_MEDIUM: Declared[str] = Declared(
    "news2_pathway_medium", "NEWS2 medium pathway", DEFAULT_PATHWAYS.medium
)
PATHWAY_RED: Declared[str] = Declared(
    "news2_pathway_red_score", "NEWS2 red-score pathway", DEFAULT_PATHWAYS.red_score
)
ESTABLISHMENT: Declared[str] = Declared("establishment", "Establishment code", "")

ALL: tuple[Declared[int] | Declared[str] | Declared[bool], ...] = (
    IDLE_MINUTES,
    HIGH_CONTRAST,
    PATHWAY_HIGH,
    PATHWAY_MEDIUM,
    PATHWAY_RED,
    ESTABLISHMENT,
)
ADMIN_ONLY = frozenset({PATHWAY_HIGH.key, PATHWAY_MEDIUM.key, PATHWAY_RED.key, ESTABLISHMENT.key})


def get(vault: OpenVault, setting: Declared[T]) -> T:
    with vault.session() as session:
        row = session.get(Setting, setting.key)
    if row is None:
        return setting.default
    try:
        return setting.parse(row.value)
    except ValueError:
        return setting.default


def put(vault: OpenVault, setting: Declared[T], value: T) -> None:
    admin = setting.key in ADMIN_ONLY
    what = f"change {setting.label.lower()}" if admin else None
    with user_action(
        vault, "change_admin_setting" if admin else "setting_changed", what=what
    ) as act:
        checked = setting.check(value)
        row = act.session.get(Setting, setting.key)
        if row is None:
            act.session.add(Setting(key=setting.key, value=setting.dump(checked)))
        else:
            row.value = setting.dump(checked)
        act.audit(kind="setting_changed", detail={"key": setting.key})


def escalation_pathways(vault: OpenVault) -> EscalationPathways:
    """The NEWS2 pathways as configured on this laptop (for the encounter services' `pathways`)."""
    return replace(
        DEFAULT_PATHWAYS,
        high=get(vault, PATHWAY_HIGH).strip() or DEFAULT_PATHWAYS.high,
        medium=get(vault, PATHWAY_MEDIUM).strip() or DEFAULT_PATHWAYS.medium,
        red_score=get(vault, PATHWAY_RED).strip() or DEFAULT_PATHWAYS.red_score,
    )
