"""Field-test controls for the mock ID card reader: cards and live fault injection.

Only composed when the reader is mocked; the real driver behind the kiosk sees the
faults exactly as it would see them from a real reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Button, Static

from devices.idcard import MockCardReader

if TYPE_CHECKING:
    from screens.app import KioskApp

SLOW_S = 3.0  # slower than the driver's command timeout: the reader stops answering in time
READ_FAILED = 0x41


class IdCardTestPanel(Vertical):
    def __init__(self, reader: MockCardReader, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.reader = reader

    def compose(self) -> ComposeResult:
        t = cast("KioskApp", self.app).t
        yield Static(t("staff.mock_heading"), classes="subtitle")
        yield Static("", id="mock-state")
        with Grid(id="mock-cards"):
            for n, card in enumerate(self.reader.deck):
                label = t.pick(card.label_zh, card.label)
                yield Button(f"{n + 1}. {label}", id=f"mock-card-{n}", classes="sim")
        with Grid(id="mock-faults"):
            for fault in ("remove", "corrupt", "truncate", "fail", "slow", "sam", "unplug"):
                yield Button(t(f"staff.mock_{fault}"), id=f"mock-{fault}", classes="sim")

    def on_mount(self) -> None:
        self.refresh_state()

    def refresh_state(self) -> None:
        t = cast("KioskApp", self.app).t
        state = self.reader.state()
        words = [t("staff.mock_plugged") if state.plugged else t("staff.mock_unplugged")]
        if state.card_index is not None:
            card = self.reader.deck[state.card_index]
            key = "staff.mock_card_read" if state.card_read else "staff.mock_card_on"
            words.append(t(key, card=t.pick(card.label_zh, card.label)))
        else:
            words.append(t("staff.mock_no_card"))
        if state.delay_s:
            words.append(t("staff.mock_delay", seconds=f"{state.delay_s:g}"))
        if state.sam_failure is not None:
            words.append(t("staff.mock_sam_failing", status=f"{state.sam_failure:#04x}"))
        if state.pending_faults:
            faults = [t(f"staff.mock_pending_{code}", status=arg) for code, _, arg
                      in (fault.partition(":") for fault in state.pending_faults)]
            words.append(t("staff.mock_pending", faults=t("staff.list_sep").join(faults)))
        self.query_one("#mock-state", Static).update(" · ".join(words))
        self.query_one("#mock-unplug", Button).label = t(
            "staff.mock_unplug" if state.plugged else "staff.mock_replug")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        reader, name = self.reader, (event.button.id or "").removeprefix("mock-")
        state = reader.state()
        if name.startswith("card-"):
            reader.place(int(name.removeprefix("card-")))
        elif name == "remove":
            reader.remove()
        elif name == "corrupt":
            reader.corrupt_next_read()
        elif name == "truncate":
            reader.truncate_next_read()
        elif name == "fail":
            reader.fail_next_read(READ_FAILED)
        elif name == "slow":
            reader.set_delay(0 if state.delay_s else SLOW_S)
        elif name == "sam":
            reader.set_sam_failure(None if state.sam_failure is not None else 0x60)
        elif name == "unplug":
            if state.plugged:
                reader.unplug()
            else:
                reader.replug()
        self.refresh_state()
