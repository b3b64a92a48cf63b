"""暂停与恢复服务 (staff, issue 18): what is out of service now, by whom and why; pausing the
whole kiosk or one service with a reason and a note; resuming what staff paused. A pause
the kiosk made itself (a device down) ends when the device is back, not here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from contracts.wire import Outage, OutageReason
from kiosk.service_status import SPECIAL_SERVICES, WHOLE_KIOSK
from screens.base import StaffArea
from screens.out_of_service import service_name

REASONS: tuple[OutageReason, ...] = get_args(OutageReason)
CHOSEN = "✔ "


@dataclass
class OutageChanged(Message):
    text: str


class ServiceStaffScreen(StaffArea):
    CSS_PATH = "out_of_service.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.service: str | None = None
        self.reason: OutageReason | None = None

    def compose(self) -> ComposeResult:
        t, api = self.t, self.api
        scroll = VerticalScroll(id="service-staff")
        scroll.can_focus = False
        with scroll:
            yield Static(t("oos_staff.title"), classes="title")
            yield Static(t("oos_staff.current"), classes="subtitle")
            yield Static("", id="outage-list")
            yield Static("", id="outage-result")
            yield Static(t("oos_staff.pick_service"), classes="heading")
            services = [WHOLE_KIOSK, *SPECIAL_SERVICES, *(i.id for i in api.catalog.items)]
            with Grid(id="outage-services"):
                for number, service in enumerate(services):
                    label = t("oos_staff.whole") if service == WHOLE_KIOSK else \
                        service_name(t, api, service)
                    yield Button(label, id=f"svc-{number}", name=service,
                                 classes="outage-service")
            yield Static(t("oos_staff.pick_reason"), classes="heading")
            with Grid(id="outage-reasons"):
                for reason in REASONS:
                    yield Button(t(f"oos_staff.reason.{reason}"), id=f"reason-{reason}",
                                 name=reason, classes="outage-reason")
            yield Static(t("oos_staff.note_prompt"), classes="label")
            yield Input(id="outage-note", max_length=200)
        # Pause and resume beside "back", always in view: the list above scrolls.
        with Horizontal(classes="nav-row"):
            yield Button(t("oos_staff.put_out"), id="outage-put", variant="error")
            yield Button(t("oos_staff.bring_back"), id="outage-back", variant="success")
            yield Button(t("oos_staff.back"), id="staff-cancel", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.show_outages()

    def show_outages(self) -> None:
        t, api = self.t, self.api
        lines = []
        for outage in api.outages():
            lines.append(self.outage_line(outage))
        text = "\n".join(lines) if lines else t("oos_staff.none")
        self.query_one("#outage-list", Static).update(text)

    def outage_line(self, outage: Outage) -> str:
        t, api = self.t, self.api
        name = t("oos_staff.whole") if outage.service == WHOLE_KIOSK else \
            service_name(t, api, outage.service)
        line = t("oos_staff.line", service=name, reason=t(f"oos_staff.reason.{outage.reason}"),
                 by=t(f"oos_staff.by_{outage.by}"), since=api.shown_time(outage.since))
        return line + (t("oos_staff.note", note=outage.note) if outage.note else "")

    def select(self, kind: str, chosen: Button) -> None:
        """The chosen button marked by a tick as well as reversed (never colour alone)."""
        for button in self.query(kind).results(Button):
            label = str(button.label).removeprefix(CHOSEN)
            button.label = CHOSEN + label if button is chosen else label
            button.set_class(button is chosen, "-selected")

    @on(Button.Pressed, ".outage-service")
    def pick_service(self, event: Button.Pressed) -> None:
        self.service = event.button.name
        self.select(".outage-service", event.button)

    @on(Button.Pressed, ".outage-reason")
    def pick_reason(self, event: Button.Pressed) -> None:
        self.reason = next((r for r in REASONS if r == event.button.name), None)
        self.select(".outage-reason", event.button)

    @on(Button.Pressed, "#outage-put")
    def put_out(self) -> None:
        if self.service is None or self.reason is None:
            self.query_one("#outage-result", Static).update(self.t("oos_staff.choose_first"))
            return
        note = self.query_one("#outage-note", Input).value
        self.change(self.service, self.reason, note)

    @on(Button.Pressed, "#outage-back")
    def bring_back(self) -> None:
        if self.service is None:
            self.query_one("#outage-result", Static).update(self.t("oos_staff.choose_first"))
            return
        self.change(self.service, None, "")

    def name_of(self, service: str) -> str:
        return self.t("oos_staff.whole") if service == WHOLE_KIOSK else \
            service_name(self.t, self.api, service)

    @work(thread=True, exclusive=True, group="outage")
    def change(self, service: str, reason: OutageReason | None, note: str) -> None:
        """A store write: off the UI thread."""
        t, name = self.t, self.name_of(service)
        if reason is not None:
            self.api.put_out_of_service(service, reason, note)
            text = t("oos_staff.done_out", service=name)
        elif self.api.bring_back_into_service(service):
            text = t("oos_staff.done_back", service=name)
        else:
            text = t("oos_staff.not_staffs", service=name)
        self.post_message(OutageChanged(text))

    def on_outage_changed(self, message: OutageChanged) -> None:
        self.query_one("#outage-result", Static).update(message.text)
        self.query_one("#outage-note", Input).value = ""
        self.show_outages()

    @on(Button.Pressed, "#staff-cancel")
    def back(self) -> None:
        self.app.pop_screen()
