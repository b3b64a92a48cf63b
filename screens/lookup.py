"""查询办理进度: scan the QR code on a slip (or type its reference number) to see where
an application made at this kiosk stands. Nothing personal is shown: anyone holding
the slip may look."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from contracts.errors import CodeError
from kiosk.scanned_codes import ReferenceCode, reference_problem
from offline_cache.outbox import CaseStatus
from screens.qr_watch import QrRead, QrScreen


@dataclass
class CaseFound(Message):
    reference: str
    case: CaseStatus | None


class LookupScreen(QrScreen):
    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="lookup"):
            yield Static(t("lookup.title"), classes="title")
            yield Static(t("lookup.prompt"), classes="prompt")
            with Horizontal(id="lookup-entry"):
                yield Input(id="reference", placeholder="XH-CCB-0001-000042", max_length=40,
                            restrict=r"[A-Za-z0-9-]*")
                yield Button(t("lookup.search"), id="search", variant="primary")
            yield Static("", id="lookup-result")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def on_qr_read(self, message: QrRead) -> None:
        code = self.read_code(message.payload)
        result = self.query_one("#lookup-result", Static)
        if isinstance(code, ReferenceCode):
            self.query_one("#reference", Input).value = code.reference
            self.show(code.reference)
        elif isinstance(code, CodeError):
            result.update(self.t(code.key))
        else:
            result.update(self.t("qr.wrong_place_lookup"))

    @on(Input.Submitted, "#reference")
    @on(Button.Pressed, "#search")
    def search(self) -> None:
        reference = self.query_one("#reference", Input).value.strip().upper()
        if reference_problem(reference):
            self.query_one("#lookup-result", Static).update(self.t("lookup.bad_reference"))
            return
        self.show(reference)

    @work(thread=True, exclusive=True, group="lookup")
    def show(self, reference: str) -> None:
        """Look the case up off the UI thread (a read of the outbox), then show it.

        A message, not ``call_from_thread``: a screen left meanwhile drops it."""
        self.post_message(CaseFound(reference, self.api.lookup(reference)))

    def on_case_found(self, message: CaseFound) -> None:
        reference, case = message.reference, message.case
        t = self.t
        result = self.query_one("#lookup-result", Static)
        if case is None:
            result.update(t("lookup.not_here", reference=reference))
            return
        item = self.api.catalog.name_of(case.item_id, t.lang)
        result.update(t("lookup.found", reference=reference, item=item,
                        when=case.created_at[:16].replace("T", " "),
                        state=t(f"lookup.state_{case.state}", reason=case.reason)))

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.kiosk.reset_session()
