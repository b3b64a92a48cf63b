"""Why a sync pass or an item failed, as the outbox stores it (``last_error``): a code,
and after a colon a technical detail where one helps. Codes, not prose: staff screens
translate them (``sync_error.<code>``); the log and the CLI show them as they are."""

from __future__ import annotations

from enum import StrEnum


class SyncError(StrEnum):
    """Why a pass or an item failed, as stored (``last_error``) and reported: a code, and
    after a colon a technical detail where one helps (an HTTP status, an exception's
    type). Staff screens translate the code; the log and the CLI show it as is."""

    UNREACHABLE = "unreachable"  # no connection to the platform
    TIMEOUT = "timeout"  # connected, no answer in time
    HTTP_STATUS = "http_status"  # the platform answered an error status (detail: the status)
    CONNECTION_FAILED = "connection_failed"  # dropped mid-answer (detail: the error's type)
    MALFORMED = "malformed"  # the answer is not what the wire contract says
    UNANSWERED = "unanswered"  # the batch was answered, this item was not
    REFUSED = "refused"  # refused, the platform gave no reason
    KIOSK_FAULT = "kiosk_fault"  # the kiosk failed sending (detail: the error's type)
    UNREADABLE = "unreadable"  # the kiosk cannot open the sealed record (purged, other key)
    RATE_LIMITED = "rate_limited"  # HTTP 429: try again later (detail: Retry-After seconds)
    TOO_LARGE = "too_large"  # the answer passed the kiosk's size cap; the rest was not read
    DISK_FULL = "disk_full"  # the kiosk's disk is full: nothing more can be written
    TLS = "tls"  # the platform's certificate was refused (CA, host or pin): nothing sent

    def with_detail(self, detail: object) -> str:
        return f"{self}:{detail}"


def error_parts(stored: str) -> tuple[str, str]:
    """A stored error as (code, detail); a code this kiosk does not know (a platform's
    reason, or an error written by an older kiosk) comes back whole as the detail."""
    code, _, detail = stored.partition(":")
    known = {e.value for e in SyncError}
    return (code, detail) if code in known else ("", stored)
