"""What a device reports about itself: a level and a code the UI translates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"  # still works; staff should look (paper near end)
    FAULT = "fault"  # cannot serve (unplugged, paper out)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    level: Level
    # Stable code such as "ready", "paper_out"; the UI shows the i18n text "device.<code>".
    code: str
    # Technical detail for staff and logs (port name, errno); never shown to citizens.
    detail: str = ""

    @classmethod
    def ready(cls) -> DeviceStatus:
        return cls(Level.OK, "ready")
