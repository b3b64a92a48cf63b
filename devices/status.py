"""What a device reports about itself: a level and a code the UI translates, why (a
cause, also a code), where (port, connection, status byte: shown as is), and a detail
in English for the technician's log. Staff screens show only what they can translate
or what is a technical name: never ``detail``."""

from __future__ import annotations

import errno
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
    # Technical detail for the log (port name, errno, the driver's own words); English.
    detail: str = ""
    # Why, when the code alone does not say: a key the UI shows as "device_cause.<cause>".
    cause: str = ""
    # Technical names for staff, shown untranslated: port or connection, an errno name
    # (ENOENT), a status byte (0x60).
    where: str = ""

    @classmethod
    def ready(cls) -> DeviceStatus:
        return cls(Level.OK, "ready")


class Cause(StrEnum):
    """Why a device is in its state, beyond the state's code (see ``DeviceStatus.cause``)."""

    NOT_CHECKED = "not_checked"  # no status query yet since start
    OPEN_FAILED = "open_failed"  # the port or connection could not be opened
    LINE_LOST = "line_lost"  # an open line failed (unplugged mid-use)
    CLOSED = "closed"  # the kiosk closed it (shutting down)
    NO_ANSWER = "no_answer"  # a command went unanswered in time
    BAD_FRAME = "bad_frame"  # an answer was corrupt (checksum, length)
    SAM_STATUS = "sam_status"  # the security module answered a failure status
    STATUS_QUERY = "status_query"  # the status query itself failed
    DURING_JOB = "during_job"  # the state changed while a job printed
    SENDING_JOB = "sending_job"  # the line failed while a job was sent
    CAMERA_GONE = "camera_gone"  # the camera (or its folder) gave no frames


def where(place: str, exc: BaseException | None = None) -> str:
    """A place and, for an OS-level error, its errno name: "/dev/ttyUSB0 ENOENT"."""
    code = getattr(exc, "errno", None) if exc is not None else None
    name = errno.errorcode.get(code, "") if isinstance(code, int) else ""
    return f"{place} {name}".strip()
