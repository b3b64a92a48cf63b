"""What goes on a slip, independent of how a printer encodes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slip:
    """A pickup slip or receipt. Every personal value in it is already masked."""

    title: str
    branch: str
    printed_at: str  # already formatted for the slip's language
    reference_label: str
    reference: str
    rows: tuple[tuple[str, str], ...] = ()  # label, value
    notes: tuple[str, ...] = ()  # free lines under the rows (decision, reason, next steps)
    qr_payload: str = ""
    marker: str = ""  # e.g. "COPY" or "OFFLINE, pending confirmation"; printed large at the top
    label_sep: str = "："  # between a row's label and value: the slip language's own colon
