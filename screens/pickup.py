"""凭码取件: a pickup code held up to the camera is checked offline against the
platform's signature; the person sees where and when to collect, or why not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from contracts.errors import CodeError
from contracts.identity import Identity
from contracts.pickup_codes import PickupCode
from screens.field_test.dock import FieldTestDock
from screens.qr_watch import QrRead, QrScreen


class PickupScreen(QrScreen):
    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="pickup"):
            yield Static(t("pickup.title"), classes="title")
            yield Static(t("pickup.prompt"), classes="prompt")
            yield Static("", id="pickup-status", classes="problem")
            yield Static("", id="pickup-details")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        if self.api.field_test is not None:
            yield FieldTestDock(self.api.field_test, pickup=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pickup-details").display = False

    def on_qr_read(self, message: QrRead) -> None:
        t = self.t
        status = self.query_one("#pickup-status", Static)
        details = self.query_one("#pickup-details", Static)
        code = self.read_code(message.payload)
        if not isinstance(code, PickupCode):
            details.display = False
            if isinstance(code, CodeError):
                status.update(t(code.key))
            else:
                status.update(t("qr.wrong_place_eid" if isinstance(code, Identity)
                                else "qr.wrong_place_reference_pickup"))
            return
        item = self.api.catalog.name_of(code.item, t.lang)
        status.update("")
        details.update(t("pickup.details", item=item, site=code.site, window=code.window,
                         reference=code.ref, expires=code.expires.strftime("%Y-%m-%d %H:%M")))
        details.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "home":
            self.kiosk.reset_session()
