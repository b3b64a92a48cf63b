"""凭码取件: a pickup code held up to the camera is checked offline against the
platform's signature; the person sees where and when to collect, or why not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.codes import CodeError
from kiosk.identity import Identity
from kiosk.pickup_codes import PickupCode
from screens.qr_watch import QrRead, QrScreen

SIM_CODES = ("genuine", "altered", "forged", "expired")


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
        services = self.kiosk.services
        if services.hub.simulator is not None and services.hub.simulator.qr is not None \
                and services.platform is not None:
            with Horizontal(id="simulator"):
                yield Static(t("sim.heading"), classes="sim-label")
                for kind in SIM_CODES:
                    yield Button(t(f"sim.pickup_{kind}"), id=f"sim-pickup-{kind}", classes="sim")
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
        item = self.kiosk.services.catalog.name_of(code.item, t.lang)
        status.update("")
        details.update(t("pickup.details", item=item, site=code.site, window=code.window,
                         reference=code.ref, expires=code.expires.strftime("%Y-%m-%d %H:%M")))
        details.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        services = self.kiosk.services
        if button_id == "home":
            self.kiosk.reset_session()
        elif button_id.startswith("sim-pickup-"):
            sim, platform = services.hub.simulator, services.platform
            assert sim is not None and sim.qr is not None and platform is not None
            codes = platform.demo_pickup_codes(services.clock.now().astimezone())
            sim.qr.show(codes[button_id.removeprefix("sim-pickup-")])
