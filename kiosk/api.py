"""The one object the screens talk to: every use case of the kiosk behind plain calls.

Screens ask it and render what it returns; they never hold the outbox, the device
hub or the clock. Methods marked *blocking* do disk, device or network I/O: call
them from a thread worker, never on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.catalog import Catalog, Category, FieldSpec, Item, Prefill
from contracts.clock import Clock
from contracts.errors import CodeError
from contracts.identity import Identity, IdNumberProblem, id_number_problem
from contracts.pharmacies import Pharmacies, Pharmacy, PickupWindow
from contracts.platform_api import RatingReport, RoundConfig, RoundStock
from contracts.slip import Slip
from contracts.wire import Outage, OutageReason
from devices.hub import DeviceHub
from devices.idcard import CardHolder, ReaderEvent, SerialIdCardReader
from devices.speaker import MockSpeaker, Speaker
from devices.status import DeviceStatus
from kiosk.applications import Rating, submit_application, submit_rating
from kiosk.cabinet import (
    CabinetDesk,
    CardCollection,
    CompartmentView,
    DoorAnswer,
    LoadAnswer,
    ReconcileReport,
)
from kiosk.cabinet_layout import Size
from kiosk.card_identity import card_problem, identity_from_card
from kiosk.catalog_search import CatalogIndex
from kiosk.decision import EarlyRefusal, refusal_before_form
from kiosk.field_test import FieldTest
from kiosk.forms import answer_problem
from kiosk.i18n import Translator
from kiosk.idle import IdleMonitor
from kiosk.pickups import PickupAnswer, PickupDesk, Verdict
from kiosk.printing import JournalState, PrintResult, SlipPrinting
from kiosk.progress import ProgressAnswer, ProgressDesk
from kiosk.reference import cached_catalog, cached_pharmacies, cached_pickup_keys, cached_rounds
from kiosk.reservations import (
    IdentifyRefusal,
    MyReservations,
    Places,
    ReservationDraft,
    ReservationResult,
    ResultKind,
    my_reservations,
    next_draw,
    open_rounds,
    places,
    refusal_at_identify,
    round_districts,
    round_item,
    round_pharmacies,
    round_windows,
    submit_reservation,
)
from kiosk.scanned_codes import (
    REFERENCE_PREFIX,
    ScannedCode,
    is_pickup_code,
    read_code,
    typed_reference,
)
from kiosk.service_status import (
    SPECIAL_SERVICES,
    STAFF_REASONS,
    MemoryState,
    ServiceBoard,
    ServiceStatus,
    StateStore,
    service_needs,
)
from kiosk.session import Session, Submission
from kiosk.slips import application_slip, demo_slip, reservation_slip, when
from kiosk.speech import SpeechPolicy
from kiosk.staff import LockoutStore, LongPress, PinGate, verify_pin
from offline_cache.cabinet_journal import CabinetEvent
from offline_cache.kiosk_store import KioskStore
from offline_cache.outbox import CaseStatus, QuarantinedItem, QueueSummary
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable
from offline_cache.queue_report import drift_exceeds
from offline_cache.slip_journal import JobKind, JournalEntry
from offline_cache.sync import SyncEngine, SyncReport
from offline_cache.sync_loop import SyncLoop

log = logging.getLogger(__package__)

IDENTITY_PREFILLS = (Prefill.NAME, Prefill.ID_NUMBER)
# Elder mode doubles the idle timeout: generous time.
ELDER_TIME_FACTOR = 2


@dataclass(frozen=True, slots=True)
class KioskSettings:
    """What the core needs to know of the config (the wiring fills it in)."""

    kiosk_id: str
    branch_zh: str
    branch_en: str
    language: str
    idle_timeout_s: float
    idle_warning_s: float
    staff_pin_hash: str  # empty: no staff screen
    max_clock_drift_s: float
    # How long closing waits for a sync request in flight before the store closes.
    sync_stop_s: float
    # The done screen stays at least this long, and until its slip has printed.
    done_min_s: float = 3.0
    # Holding the status bar's staff corner this long opens the PIN pad (touch-only kiosks).
    staff_long_press_s: float = 3.0
    # Spoken prompts (kiosk/speech.py): on for every visitor, and on in elder mode.
    speech_for_everyone: bool = False
    speech_in_elder_mode: bool = True
    # Where a citizen goes when a service is out here (config; empty: the branch counter).
    go_instead_zh: str = ""
    go_instead_en: str = ""


@dataclass
class SyncStatus:
    """What the kiosk last learned about the platform and its upload queue."""

    online: bool | None = None  # None: not tried yet
    queue: QueueSummary | None = None  # refreshed after every sync pass and every submission


@dataclass(frozen=True, slots=True)
class QueueView:
    """The upload queue as staff see it."""

    summary: QueueSummary
    quarantined: list[QuarantinedItem]
    versions: dict[str, str]


@dataclass(frozen=True, slots=True)
class ReaderDetail:
    port: str
    sam_id: str


@dataclass(frozen=True, slots=True)
class FoundSlip:
    """A slip staff looked up: its journal entry, and its case's item (named in the staff's
    language, not the citizen's); None when the outbox has no case for it."""

    entry: JournalEntry
    item_id: str | None


@dataclass
class KioskApi:
    settings: KioskSettings
    clock: Clock = field(repr=False)
    catalog: Catalog
    devices: DeviceHub
    store: KioskStore
    sync_engine: SyncEngine
    build_sync_loop: Callable[[Callable[[SyncReport], None]], SyncLoop]
    platform: PlatformClient  # the online endpoints, asked while a person waits
    # Pickup-code keys from the config (and the embedded platform's); published ones
    # from the reference cache are added to them.
    fixed_pickup_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    field_test: FieldTest | None = None  # only with mock devices
    cabinet: CabinetDesk | None = None  # the pickup cabinet, where the kiosk has one
    cabinet_uncollected_days: float = 7.0  # staff are shown goods waiting this long
    session: Session = field(default_factory=Session)
    sync_status: SyncStatus = field(default_factory=SyncStatus)
    pharmacies: Pharmacies | None = None  # None: never fetched
    pickup_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    rounds: tuple[RoundConfig, ...] = ()  # reservation rounds as last listed
    # Unexpected errors in a screen since start: each went back home; staff see the count.
    ui_faults: int = 0
    # Where wrong staff PINs and the lockout are kept (the kiosk's store: across restarts).
    staff_lockout: LockoutStore | None = None
    # Says the prompts aloud (devices/speaker); the default records them and says nothing.
    speaker: Speaker = field(default_factory=MockSpeaker)
    # The outages and device states kept in the store (None: kept in memory only).
    kiosk_state: StateStore | None = None

    def __post_init__(self) -> None:
        self.service_status = ServiceStatus(self.kiosk_state or MemoryState(), self.clock)
        self.bundled_catalog = self.catalog
        s = self.settings
        self.idle = IdleMonitor(self.clock, s.idle_timeout_s, s.idle_warning_s)
        self.staff_gate = PinGate(self.clock, self.staff_lockout)
        self.staff_corner = LongPress(self.clock, s.staff_long_press_s)
        self.printing = SlipPrinting(self.devices, self.store.journal)
        self.speech = SpeechPolicy(self.speaker, s.speech_for_everyone, s.speech_in_elder_mode)
        self._loop: SyncLoop | None = None
        self._catalog_index: CatalogIndex | None = None
        self.apply_reference()

    # -- the kiosk itself --------------------------------------------------------------
    def branch_name(self, lang: str) -> str:
        return self.settings.branch_zh if lang == "zh-CN" else self.settings.branch_en

    def set_elder_time(self, on: bool) -> None:
        """Elder mode: twice the idle time (the monitor is kept: a print may hold it), and
        prompts read aloud, slowly, unless the visitor turned them off."""
        factor = ELDER_TIME_FACTOR if on else 1
        self.idle.timeout_s = self.settings.idle_timeout_s * factor
        self.speech.set_elder(on)

    def reset_session(self) -> None:
        """Every piece of personal data in the session is dropped (and the last visitor's
        choice of spoken prompts)."""
        self.session.reset()
        self.idle.touch()
        self.speech.reset()

    # -- spoken prompts (kiosk/speech.py) --------------------------------------------------
    @property
    def speech_enabled(self) -> bool:
        return self.speech.enabled

    def set_speech(self, on: bool) -> None:
        """The home screen's toggle: this visitor's choice, until the visit ends."""
        self.speech.choose(on)

    def speak_screen(self, prompt_key: str, lang: str) -> str | None:
        """A screen became active: the last one's words stop and this one's prompt (an
        i18n key; "" none) is said when spoken prompts are on. Never blocks."""
        return self.speech.screen(prompt_key, lang)

    def speak_result(self, key: str, lang: str, **values: object) -> str | None:
        """A result the screen shows (an i18n key and its values), said after what is
        being said when spoken prompts are on. Never blocks."""
        return self.speech.result(key, lang, **values)

    def speech_status(self) -> DeviceStatus:
        return self.speaker.status()

    # -- choosing an item ---------------------------------------------------------------
    def find_items(self, text: str, lang: str, category: Category | None = None) -> list[Item]:
        """Items matching pinyin initials (zh), English word starts (en) or typed text."""
        index = self._catalog_index
        if index is None or index.catalog is not self.catalog:  # a refresh brought another
            index = self._catalog_index = CatalogIndex(self.catalog)
        return index.find(text, lang, category)

    # -- identification and forms ------------------------------------------------------
    def read_card(self, timeout: float) -> ReaderEvent | None:
        """*Blocking*: the next card event from the reader, or None after ``timeout``."""
        return self.devices.idcard.read(timeout=timeout)

    def card_left_on_reader(self) -> bool:
        """The card read last is still on the reader (``read_card`` learns when it goes)."""
        return self.devices.idcard.holding_card()

    def wait_for_card_removal(self, timeout: float) -> bool:
        """*Blocking*: True once the card read last has left the reader (up to
        ``timeout``); a new card placed meanwhile stays for ``read_card``."""
        return self.devices.idcard.wait_for_removal(timeout=timeout)

    def reader_status(self) -> DeviceStatus:
        return self.devices.idcard.status()

    def read_qr(self, timeout: float) -> str | None:
        """*Blocking*: the next code the QR scanner read, or None after ``timeout``."""
        return self.devices.qr.read(timeout=timeout)

    def card_problem(self, card: CardHolder) -> str | None:
        """Why a card cannot be used today ("expired", "not_yet_valid"), or None."""
        return card_problem(card, self.today())

    def refusal_before_form(self, item: Item, identity: Identity) -> EarlyRefusal | None:
        """What this person's identity already decides for the item (the document it
        takes, age, household registration): said on the identify screen, before the
        form, and the session does not go on. The item is the screen's: a card read in
        the frame the session was reset finds no item in the session."""
        return refusal_before_form(item, identity, self.today())

    def id_number_problem(self, raw: str) -> IdNumberProblem | None:
        return id_number_problem(raw, self.today())

    def answer_problem(self, spec: FieldSpec, value: str, while_typing: bool) -> str | None:
        # What comes from the identity (the name and number on a card, a permit or a
        # foreigner's card) was checked when it was read, by that document's own rules:
        # the resident ID's rules would refuse a foreigner's card number (issue 13).
        if spec.prefill in IDENTITY_PREFILLS and self.session.identity is not None:
            return None
        return answer_problem(spec, value, self.today(), while_typing)

    def read_code(self, payload: str) -> ScannedCode | CodeError:
        """What a scanned code is (e-ID, pickup code, slip reference), or why not."""
        try:
            return read_code(payload, now=self.clock.now(), keys=self.pickup_keys)
        except CodeError as exc:
            return exc

    def today(self) -> date:
        return self.clock.now().date()

    # -- submitting and rating ---------------------------------------------------------
    def submit(self) -> Submission:
        """*Blocking*: decide and write the application durably. The session moves on
        with ``session.submitted(...)`` on the UI thread once this returns."""
        outbox = self.store.outbox
        submission = submit_application(self.session, outbox, self.clock,
                                        self.sync_status.online is True)
        self.sync_status.queue = outbox.summary()
        log.info("application %s queued (%s)", submission.reference, submission.decision.outcome)
        self.sync_soon()
        return submission

    def rate(self, rating: Rating, reason: str) -> None:
        """*Blocking*: one rating for the session's case, queued like the application."""
        submit_rating(self.session, self.store.outbox, rating, reason)
        self.sync_soon()

    def lookup(self, reference: str) -> CaseStatus | None:
        """*Blocking*: where a case made at this kiosk stands (a read of the outbox)."""
        return self.store.outbox.case_status(reference)

    # -- pickup and progress (journeys C and D) --
    def is_pickup_code(self, payload: str) -> bool:
        """The text is meant as a pickup code (genuine or not): the pickup desk answers."""
        return is_pickup_code(payload)

    def redeem_pickup(self, payload: str) -> PickupAnswer:
        """*Blocking*: redeem a pickup code, online when the platform answers (kiosk/pickups)."""
        store = self.store
        desk = PickupDesk(self.platform, store.outbox, store.collected, self.clock,
                          self.settings.kiosk_id, self.cabinet)
        answer = desk.redeem(payload, self.pickup_keys, self.rounds)
        if answer.verdict is Verdict.COLLECTED_OFFLINE:
            self.sync_status.queue = store.outbox.summary()
            self.sync_soon()
        return answer

    def progress_by_reference(self, reference: str) -> ProgressAnswer:
        """*Blocking*: a case's timeline by its slip's reference (kiosk/progress)."""
        return self._progress_desk().by_reference(reference)

    def progress_by_card(self, card: CardHolder) -> ProgressAnswer:
        """*Blocking*: the cases of the person whose card is on the reader (a card valid
        today: ask ``card_problem`` first, as the identify screen does)."""
        return self._progress_desk().by_identity(identity_from_card(card))

    def shown_time(self, at: datetime | None) -> str:
        """A time as the screens and slips show it: minutes, in the kiosk clock's zone
        (the platform answers in UTC); empty for none."""
        return when(at, self.time_zone())

    def _progress_desk(self) -> ProgressDesk:
        return ProgressDesk(self.platform, self.store.cases, self.store.outbox)

    # -- the pickup cabinet (kiosk/cabinet) ----------------------------------------------
    # Door calls block until the board answered; waits block until the door sensor says
    # closed or the time allowed is up: all from workers.
    @property
    def has_cabinet(self) -> bool:
        return self.cabinet is not None

    def _desk(self) -> CabinetDesk:
        if self.cabinet is None:
            raise RuntimeError("this kiosk has no pickup cabinet")
        return self.cabinet

    def cabinet_faults(self) -> int:
        """Compartments that need staff (no I/O: the status bar asks every second)."""
        return self.cabinet.faults if self.cabinet is not None else 0

    def cabinet_view(self) -> list[CompartmentView]:
        """*Blocking* (a read of the journal): every compartment and its state."""
        return self._desk().view() if self.cabinet is not None else []

    def cabinet_uncollected(self) -> list[CompartmentView]:
        return self._desk().uncollected(self.cabinet_uncollected_days)

    def cabinet_events(self, limit: int = 20) -> list[CabinetEvent]:
        return self._desk().events(limit)

    def cabinet_reference(self, typed: str) -> str | None:
        """A case reference as staff type or scan it (a slip's QR code too); None:
        not one."""
        text = typed.strip()
        scanned = text.removeprefix(REFERENCE_PREFIX)
        return typed_reference(scanned, self.settings.kiosk_id)

    def cabinet_load(self, reference: str, size: Size) -> DoorAnswer:
        """*Blocking*: open an empty compartment for this case's goods."""
        return self._desk().load(reference, size)

    def cabinet_finish_load(self, number: int) -> LoadAnswer:
        """*Blocking*: wait for the door to close, then tell the platform."""
        return self._desk().finish_load(number, staff="staff")

    def cabinet_empty(self, number: int, reason: str) -> DoorAnswer:
        """*Blocking*: open a compartment for staff to take out what is inside."""
        return self._desk().empty(number, reason, staff="staff")

    def cabinet_finish_empty(self, number: int) -> bool:
        return self._desk().finish_empty(number)

    def cabinet_collect(self, card: CardHolder) -> CardCollection | None:
        """*Blocking*: what the card on the reader collects here; None when the platform
        cannot be asked (collection needs its word)."""
        try:
            return self._desk().collect(identity_from_card(card))
        except PlatformUnavailable as exc:
            log.info("cabinet collection by card needs the platform (%s)", exc)
            return None

    def cabinet_open(self, number: int) -> DoorAnswer:
        """*Blocking*: open a compartment the platform released to the citizen."""
        return self._desk().open_for_citizen(number)

    def cabinet_finish_release(self, number: int) -> bool:
        return self._desk().finish_release(number)

    def cabinet_reconcile(self) -> ReconcileReport | None:
        """*Blocking*: after a start: doors left mid-way, loads to confirm, the platform's
        view. None: no cabinet."""
        return self._desk().reconcile() if self.cabinet is not None else None

    # -- printing ----------------------------------------------------------------------
    def application_slip(self, t: Translator) -> Slip:
        return application_slip(self.session, t, self.branch_name(t.lang), self.clock.now())

    def print_slip(self, slip: Slip) -> PrintResult:
        """*Blocking*: journal the slip, print it, and say how it went."""
        return self.printing.print_slip(slip)

    def reprint_last(self, copy_label: str) -> PrintResult | None:
        """*Blocking*: staff's reprint of the last citizen's slip, marked COPY and counted."""
        return self.printing.reprint_last(copy_label)

    def slip_reference(self, typed: str) -> str | None:
        """What staff typed as a slip's reference (digits alone: this kiosk's case number);
        None: not a reference."""
        return typed_reference(typed, self.settings.kiosk_id)

    def find_slip(self, reference: str) -> FoundSlip | None:
        """*Blocking*: a citizen's slip printed here, by its reference; None: none."""
        entry = self.printing.find_slip(reference)
        if entry is None:
            return None
        case = self.store.outbox.case_status(reference)
        return FoundSlip(entry, case.item_id if case else None)

    def reprint(self, reference: str, copy_label: str) -> PrintResult | None:
        """*Blocking*: staff's reprint of a slip found by reference, marked COPY and counted
        like ``reprint_last``; None: no such slip here."""
        return self.printing.reprint(reference, copy_label)

    def test_print(self) -> PrintResult:
        """*Blocking*: the demo slip after loading paper, journalled like any other."""
        log.info("staff test print")
        return self.printing.print_slip(demo_slip(), JobKind.TEST)

    def journal_state(self) -> JournalState:
        """*Blocking*: a read of the slip journal."""
        return self.printing.journal_state()

    # -- devices -----------------------------------------------------------------------
    def device_statuses(self) -> dict[str, DeviceStatus]:
        """Last known status of each device (no I/O: safe on the UI thread)."""
        return self.devices.statuses()

    def check_devices(self) -> dict[str, DeviceStatus]:
        """*Blocking*: probe each device (the status bar notices an unplug this way); a
        cabinet door reported left open that is closed now is cleared."""
        statuses = self.devices.check()
        if self.cabinet is not None:
            self.cabinet.tidy()
        # A service whose device is down goes out of service (and back) by itself; the
        # store is written only when something changed.
        self.service_status.observe(statuses, service_needs(self.catalog, self.has_cabinet))
        return statuses

    def reader_detail(self) -> ReaderDetail | None:
        reader = self.devices.idcard
        if not isinstance(reader, SerialIdCardReader):
            return None
        return ReaderDetail(reader.locator.describe(), reader.sam_id or "-")

    # -- staff -------------------------------------------------------------------------
    @property
    def staff_enabled(self) -> bool:
        return bool(self.settings.staff_pin_hash)

    def staff_locked_until(self) -> datetime | None:
        """When staff may try a PIN again (the kiosk's clock); None: not locked."""
        left = self.staff_gate.locked_for_s()
        return self.clock.now() + timedelta(seconds=left) if left else None

    def check_staff_pin(self, pin: str) -> bool:
        """*Blocking* (PBKDF2 is slow on purpose). The check is noted before it runs: a
        restart mid-check counts it as a wrong PIN."""
        self.staff_gate.checking()
        ok = verify_pin(pin, self.settings.staff_pin_hash)
        log.info("staff PIN %s", "accepted" if ok else "refused")
        return ok

    def rating_report(self, days: int) -> RatingReport | None:
        """*Blocking*: this kiosk's 好差评 counts over the last ``days`` days, as the
        platform has them; None when the platform cannot be asked now."""
        try:
            return self.platform.rating_report(self.clock.now() - timedelta(days=days))
        except (PlatformUnavailable, PlatformRefused) as exc:
            log.info("rating report unavailable: %s", exc)
            return None

    # -- sync and reference data -------------------------------------------------------
    def start_sync_loop(self, on_report: Callable[[SyncReport], None]) -> None:
        """Set up the background loop; ``run_sync_loop`` then runs it in a thread worker."""
        self._loop = self.build_sync_loop(on_report)

    def run_sync_loop(self) -> None:
        """*Blocking*: sync passes, backoff and the connectivity monitor until stopped."""
        if self._loop is not None:
            self._loop.run()

    def stop_sync_loop(self) -> None:
        if self._loop is not None:
            self._loop.stop()
            self._loop.join(self.settings.sync_stop_s)

    def sync_soon(self) -> None:
        """A new record is waiting: push it now rather than at the next interval."""
        if self._loop is not None:
            self._loop.wake()

    @property
    def sync_loop(self) -> SyncLoop | None:
        return self._loop

    @property
    def syncs_in_background(self) -> bool:
        return self._loop is not None

    def sync_once(self) -> SyncReport:
        """*Blocking*: one pass now (staff's "sync now" when no loop runs)."""
        return self.sync_engine.sync_once()

    def take_report(self, report: SyncReport) -> QueueSummary:
        """*Blocking*, on the sync thread: take up new reference data, read the queue."""
        if report.reference_updated:
            self.apply_reference()
        return self.store.outbox.summary()

    def note_sync(self, report: SyncReport, queue: QueueSummary) -> None:
        self.sync_status.online = report.online
        self.sync_status.queue = queue

    def queue_view(self) -> QueueView:
        """*Blocking*: the queue, refused items and reference versions for staff."""
        outbox = self.store.outbox
        return QueueView(outbox.summary(), outbox.quarantined(), self.store.references.versions())

    def clock_drift_exceeds(self, summary: QueueSummary) -> bool:
        return drift_exceeds(summary, self.settings.max_clock_drift_s)

    def apply_reference(self) -> None:
        """Take up the cached reference data (at start-up, and after a refresh brought some)."""
        references = self.store.references
        self.catalog = cached_catalog(references, self.bundled_catalog)
        self.pharmacies = cached_pharmacies(references)
        self.pickup_keys = {**self.fixed_pickup_keys, **cached_pickup_keys(references)}
        self.rounds = cached_rounds(references)

    # -- reservations (journey B) --------------------------------------------------------
    # The last first-come counts seen, per round: shown, marked as such, when offline.
    _stock_seen: dict[str, RoundStock] = field(default_factory=dict, init=False, repr=False)

    def open_rounds(self) -> list[RoundConfig]:
        """The cached rounds taking entries now by the kiosk's clock."""
        return open_rounds(self.rounds, self.clock.now())

    def round_item(self, config: RoundConfig) -> Item:
        return round_item(self.catalog, config)

    def reservation_refusal(self, config: RoundConfig,
                            identity: Identity) -> IdentifyRefusal | None:
        """What the document alone decides for the round, said right after identification."""
        return refusal_at_identify(config, identity)

    def start_reservation(self, config: RoundConfig, identity: Identity) -> ReservationDraft:
        self.idle.touch()
        return ReservationDraft(config, identity)

    def round_districts(self, config: RoundConfig) -> list[str]:
        return round_districts(config, self.pharmacies)

    def round_pharmacies(self, config: RoundConfig, district: str) -> list[Pharmacy]:
        return round_pharmacies(config, self.pharmacies, district)

    def round_windows(self, config: RoundConfig, pharmacy_id: str) -> list[PickupWindow]:
        found = [p for p in round_pharmacies(config, self.pharmacies) if p.id == pharmacy_id]
        return round_windows(config, found[0]) if found else []

    def pharmacy(self, pharmacy_id: str) -> Pharmacy | None:
        listed = self.pharmacies.pharmacies if self.pharmacies is not None else ()
        return next((p for p in listed if p.id == pharmacy_id), None)

    def round_stock(self, config: RoundConfig) -> tuple[RoundStock | None, bool]:
        """*Blocking*: a first-come round's places left, and whether the count is live
        (False: the last this kiosk saw, or none at all)."""
        if config.mode != "first_come":
            return None, True
        try:
            stock = self.platform.stock(config.id)
        except (PlatformUnavailable, PlatformRefused):
            return self._stock_seen.get(config.id), False
        if stock is None:
            return self._stock_seen.get(config.id), False
        self._stock_seen[config.id] = stock
        return stock, True

    def places(self, config: RoundConfig, stock: RoundStock | None, live: bool,
               prefix: str) -> Places:
        return places(config, stock, live, prefix)

    def reserve(self, draft: ReservationDraft) -> ReservationResult:
        """*Blocking*: the entry sent to the platform, or queued durably when it cannot be
        reached (before this returns)."""
        outbox = self.store.outbox
        result = submit_reservation(draft, self.platform, outbox, self.clock,
                                    outbox.summary().clock_offset_s)
        if result.kind is ResultKind.OFFLINE:
            self.sync_status.queue = outbox.summary()
            self.sync_soon()
        return result

    def my_reservations(self, identity: Identity) -> MyReservations:
        """*Blocking*: this person's entries on the platform and those queued here."""
        return my_reservations(identity, self.platform, self.store.outbox)

    def time_zone(self) -> tzinfo | None:
        """The zone the kiosk's clock shows time in (moments from the platform are shown
        in it)."""
        return self.clock.now().tzinfo

    def next_draw(self, config: RoundConfig) -> datetime | None:
        """A lottery's next draw by the kiosk's clock; None: none announced."""
        return next_draw(config, self.clock.now())

    def round_of(self, round_id: str) -> RoundConfig | None:
        return next((r for r in self.rounds if r.id == round_id), None)

    def reservation_slip(self, result: ReservationResult, identity: Identity,
                         t: Translator) -> Slip:
        return reservation_slip(result, identity, t, self.branch_name(t.lang),
                                self.clock.now(), self.round_item(result.round), self.pharmacy)

    # -- out of service (kiosk/service_status) --------------------------------------------
    def service_board(self) -> ServiceBoard:
        """What is out of service now and why (no I/O: the home screen asks each second)."""
        services = [item.id for item in self.catalog.items] + list(SPECIAL_SERVICES)
        return self.service_status.board(services)

    def service_out(self, service: str) -> Outage | None:
        """The outage that stops this service (the whole kiosk's too); None: it works."""
        return self.service_board().outage_of(service)

    def outages(self) -> list[Outage]:
        """Every outage, staff's and the kiosk's own, for the staff screen."""
        return self.service_status.outages()

    @property
    def staff_outage_reasons(self) -> tuple[OutageReason, ...]:
        return STAFF_REASONS

    def go_instead(self, lang: str) -> str:
        """The configured "go instead" text; empty: the screens name the branch counter."""
        s = self.settings
        return s.go_instead_zh if lang.startswith("zh") else s.go_instead_en

    def department_of(self, service: str, lang: str) -> str | None:
        """The department that handles a catalog item (where else to apply); None: not
        an item."""
        try:
            item = self.catalog.get(service)
        except KeyError:
            return None
        return item.department_zh if lang.startswith("zh") else item.department_en

    def service_name(self, service: str, lang: str) -> str | None:
        """A catalog item's name; None for the whole kiosk and the home screen's own
        services (the screens name those)."""
        try:
            return self.catalog.get(service).name(lang)
        except KeyError:
            return None

    def put_out_of_service(self, service: str, reason: OutageReason,
                           note: str = "") -> Outage:
        """*Blocking* (a store write): staff put a service, or ``*`` the whole kiosk, out
        of service. The note is for staff and the fleet view: no personal data."""
        return self.service_status.put_out(service, reason, note)

    def bring_back_into_service(self, service: str) -> bool:
        """*Blocking*: staff lift their outage; False: staff had none on it."""
        return self.service_status.bring_back(service)
