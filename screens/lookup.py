"""查询办理进度, like parcel tracking: scan the QR code on a slip, type its reference,
or place the ID card on the reader (that person's cases from any kiosk). The platform's
timeline is shown; offline, the last state this kiosk heard with its date, or this
kiosk's own record, said plainly (kiosk/progress.py). Nothing personal beyond the
masked name: anyone holding the slip may look."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from contracts.errors import CodeError
from contracts.identity import mask_name
from devices.idcard import CardHolder, CardProblem, CardRemoved, ReaderEvent
from kiosk.card_identity import identity_from_card
from kiosk.progress import ProgressAnswer
from kiosk.scanned_codes import ReferenceCode, reference_problem
from screens.field_test.dock import FieldTestDock
from screens.progress_words import ProgressWords
from screens.qr_watch import POLL_S, QrRead, QrScreen

# A list by ID card shows this many cases; older ones are looked up by reference.
CASES_SHOWN = 4


@dataclass
class CaseFound(Message):
    reference: str
    answer: ProgressAnswer


@dataclass
class CasesOfCard(Message):
    name: str  # masked
    answer: ProgressAnswer


@dataclass
class LookupCardEvent(Message):
    event: ReaderEvent


class LookupScreen(QrScreen):
    prompt_key = "speech.screen.lookup"
    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="lookup"):
            yield Static(t("lookup.title"), classes="title")
            yield Static(t("lookup.prompt"), classes="prompt")
            with Horizontal(id="lookup-entry"):
                yield Input(id="reference", placeholder="XH-CCB-0001-000042", max_length=40,
                            restrict=r"[A-Za-z0-9-]*")
                yield Button(t("lookup.search"), id="search", variant="primary")
            yield Static("", id="lookup-status", classes="problem")
            yield Static("", id="lookup-result")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        if self.api.field_test is not None:
            yield FieldTestDock(self.api.field_test, cards=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#lookup-result").display = False
        self.watch_card_reader()

    # -- what starts a lookup ------------------------------------------------------------
    def on_qr_read(self, message: QrRead) -> None:
        code = self.read_code(message.payload)
        if isinstance(code, ReferenceCode):
            self.query_one("#reference", Input).value = code.reference
            self.search_reference(code.reference)
        elif isinstance(code, CodeError) and code.key != "qr.unknown_code":
            self.show_problem(code.key)
        else:
            self.show_problem("lookup.wrong_code")

    @on(Input.Submitted, "#reference")
    @on(Button.Pressed, "#search")
    def search(self) -> None:
        reference = self.query_one("#reference", Input).value.strip().upper()
        if reference_problem(reference):
            self.show_problem("lookup.bad_reference")
            return
        self.search_reference(reference)

    @work(thread=True, exclusive=True, group="idcard")
    def watch_card_reader(self) -> None:
        worker = get_current_worker()
        api = self.api
        while not worker.is_cancelled:
            event = api.read_card(timeout=POLL_S)
            if event is not None:
                self.post_message(LookupCardEvent(event))

    def on_lookup_card_event(self, message: LookupCardEvent) -> None:
        event = message.event
        if isinstance(event, CardRemoved):
            return
        if isinstance(event, CardProblem):
            self.show_problem(f"idcard.{event.remedy}")
            return
        card = event.holder
        problem = self.api.card_problem(card)
        if problem:
            day = card.valid_until if problem == "expired" else card.valid_from
            self.show_problem(f"idcard.{problem}", date=f"{day:%Y-%m-%d}")
            return
        name = mask_name(identity_from_card(card).shown_name(self.t.lang))
        self.show_checking()
        self.look_up_card(card, name)

    # -- workers: the platform, the cache, the outbox ---------------------------------
    def search_reference(self, reference: str) -> None:
        self.show_checking()
        self.look_up_reference(reference)

    @work(thread=True, exclusive=True, group="lookup")
    def look_up_reference(self, reference: str) -> None:
        """A message, not ``call_from_thread``: a screen left meanwhile drops it."""
        self.post_message(CaseFound(reference, self.api.progress_by_reference(reference)))

    @work(thread=True, exclusive=True, group="lookup")
    def look_up_card(self, card: CardHolder, name: str) -> None:
        self.post_message(CasesOfCard(name, self.api.progress_by_card(card)))

    # -- showing -------------------------------------------------------------------------
    @property
    def words(self) -> ProgressWords:
        return ProgressWords(self.t, self.api)

    def show_problem(self, key: str, **values: object) -> None:
        status = self.query_one("#lookup-status", Static)
        status.set_class(True, "problem")
        status.update(self.t(key, **values))
        self.query_one("#lookup-result").display = False
        self.speak_result(key, **values)

    def show_checking(self) -> None:
        status = self.query_one("#lookup-status", Static)
        status.set_class(False, "problem")
        status.update(self.t("lookup.checking"))

    def show_result(self, text: str, note: str = "") -> None:
        status = self.query_one("#lookup-status", Static)
        status.set_class(bool(note), "problem")
        status.update(note)
        result = self.query_one("#lookup-result", Static)
        result.update(text)
        result.display = True
        for said in (text, note):
            if said:
                self.speak_result("speech.shown", text=said)

    def on_case_found(self, message: CaseFound) -> None:
        reference, answer = message.reference, message.answer
        if not answer.cases:
            self.show_problem("lookup.not_found" if answer.online else "lookup.not_here_offline",
                              reference=reference)
            return
        case = answer.cases[0]
        self.show_result(self.words.timeline(case), self.words.source_note(case))

    def on_cases_of_card(self, message: CasesOfCard) -> None:
        t, answer = self.t, message.answer
        if not answer.online:
            self.show_problem("lookup.by_card_offline")
            return
        if not answer.cases:
            self.show_result(t("lookup.by_card_none", name=message.name))
            return
        lines = [t("lookup.by_card", name=message.name, count=len(answer.cases))]
        lines += [self.words.summary_line(case) for case in answer.cases[:CASES_SHOWN]]
        if len(answer.cases) > CASES_SHOWN:
            lines.append(t("lookup.by_card_more", count=len(answer.cases) - CASES_SHOWN))
        self.show_result("\n".join(lines))

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.kiosk.reset_session()
