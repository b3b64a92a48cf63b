"""The staff's view of the upload queue: counts, the last sync, every refused item by its
slip's reference, the kiosk clock against the platform's, reference data versions,
and "sync now"."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from contracts.reference_data import NAMES
from kiosk.api import QueueView
from kiosk.i18n import sync_error_text
from offline_cache.outbox import QueueSummary

if TYPE_CHECKING:
    from screens.app import KioskApp

REFRESH_S = 2.0


class QueuePanel(Vertical):
    def compose(self) -> ComposeResult:
        t = self.kiosk.t
        yield Static(t("staff.queue_heading"), classes="subtitle")
        yield Static("", id="queue-state")
        yield Static("", id="clock-state")
        yield Static("", id="quarantined")
        yield Static("", id="reference-versions")
        with Horizontal(id="queue-actions"):
            yield Button(t("staff.sync_now"), id="sync-now", variant="primary")

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def on_mount(self) -> None:
        self.load()
        self.set_interval(REFRESH_S, self.load)

    @work(thread=True, exclusive=True, group="queue-panel")
    def load(self) -> None:
        """Read the store off the UI thread; show it on it."""
        self.app.call_from_thread(self.show, self.kiosk.api.queue_view())

    def show(self, view: QueueView) -> None:
        t = self.kiosk.t
        s = view.summary
        oldest = s.oldest_pending[:16].replace("T", " ") if s.oldest_pending else t("staff.none")
        success = s.last_success[:16].replace("T", " ") if s.last_success else t("staff.never")
        self.query_one("#queue-state", Static).update(
            t("staff.queue_counts", pending=s.pending, oldest=oldest,
              acknowledged=s.acknowledged, purged=s.purged)
            + "\n" + t("staff.queue_last", success=success,
                        error=sync_error_text(t, s.last_error) if s.last_error
                        else t("staff.none")))
        self.query_one("#clock-state", Static).update(self.clock_line(s))
        lines = [t("staff.quarantined_heading", count=len(view.quarantined))]
        catalog = self.kiosk.api.catalog
        for item in view.quarantined:
            lines.append(t("staff.quarantined_item", reference=item.reference,
                           item=catalog.name_of(item.item_id, t.lang),
                           when=item.created_at[:16].replace("T", " "),
                           reason=sync_error_text(t, item.reason)))
        self.query_one("#quarantined", Static).update("\n".join(lines))
        self.query_one("#reference-versions", Static).update(t(
            "staff.reference_versions",
            **{name: view.versions.get(name, t("staff.reference_missing")) for name in NAMES}))

    def clock_line(self, summary: QueueSummary) -> str:
        t = self.kiosk.t
        offset = summary.clock_offset_s
        if offset is None:
            return t("staff.clock_unknown")
        minutes, seconds = divmod(round(abs(offset)), 60)
        amount = t("staff.duration_min", m=minutes, s=seconds) if minutes else t(
            "staff.duration_s", s=seconds)
        amount = t("staff.clock_ahead" if offset > 0 else "staff.clock_behind", amount=amount)
        limit = self.kiosk.api.settings.max_clock_drift_s
        if self.kiosk.api.clock_drift_exceeds(summary):
            return t("staff.clock_warning", offset=amount, limit=round(limit))
        return t("staff.clock_ok", offset=amount)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "sync-now":
            event.stop()
            self.kiosk.sync_now()
            self.query_one("#queue-state", Static).update(self.kiosk.t("staff.sync_started"))
