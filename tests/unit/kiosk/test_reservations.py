"""The reservation use cases without screens: what the document decides, the choices a
round offers, places, the platform's answers, and the offline queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from contracts.catalog import Catalog, load_catalog
from contracts.clock import FakeClock
from contracts.identity import Document, Identity, IdSource
from contracts.platform_api import EntryOutcome, RoundStock
from contracts.wire import ReservationPayload
from kiosk.i18n import Translator
from kiosk.reservations import (
    Choice,
    IdentifyRefusal,
    ReservationDraft,
    ReservationResult,
    ResultKind,
    entry_request,
    open_rounds,
    places,
    queue_entry,
    refusal_at_identify,
    result_of,
    round_item,
    submit_reservation,
)
from kiosk.slips import reservation_slip
from offline_cache.platform_client import PlatformUnavailable
from offline_cache.sync_errors import SyncError
from tests.support.reservations import CLOSES, DRAW, make_round
from wiring.assembly import Assembly
from wiring.config import DEMO_CONFIG, load_config

SHANGHAI = Identity(name="张伟", id_number="310104198506121230", source=IdSource.CARD)
XIAMEN = Identity(name="李娜", id_number="350203199001011237", source=IdSource.CARD)


def test_only_rounds_open_by_the_kiosk_clock_are_offered() -> None:
    first = make_round("a", "lottery")
    later = make_round("b", "lottery", opens_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert open_rounds((first, later), datetime(2026, 11, 23, tzinfo=UTC)) == [first]
    assert open_rounds((first,), CLOSES) == []  # closes_at itself is closed


def test_what_the_document_decides() -> None:
    residents = make_round("r", "lottery", eligibility={"residence_regions": ["3502"]})
    assert refusal_at_identify(residents, SHANGHAI) is IdentifyRefusal.NOT_ELIGIBLE
    assert refusal_at_identify(residents, XIAMEN) is None
    # Social security too: only the platform knows who is insured.
    either = make_round("s", "lottery", eligibility={"residence_regions": ["3502"],
                                                    "social_security": True})
    assert refusal_at_identify(either, SHANGHAI) is None
    ids_only = make_round("d", "lottery", document_types=("resident_id",))
    foreigner = Identity(name="玛丽", id_number="931250199005200023", source=IdSource.CARD,
                         document=Document.FOREIGNER_CARD)
    assert refusal_at_identify(ids_only, foreigner) is IdentifyRefusal.DOCUMENT_TYPE
    typed = Identity(name="张伟", id_number=SHANGHAI.id_number, source=IdSource.MANUAL)
    assert refusal_at_identify(ids_only, typed) is IdentifyRefusal.MANUAL_ENTRY
    assert refusal_at_identify(make_round("m", "lottery", manual_entry=True), typed) is None


def test_the_choices_follow_the_round() -> None:
    plain = ReservationDraft(make_round("p", "first_come"), SHANGHAI)
    assert plain.steps() == [Choice.DISTRICT, Choice.PHARMACY, Choice.WINDOW, Choice.HEALTH]
    typed = ReservationDraft(make_round("t", "lottery", product_types=("kn95", "surgical"),
                                        quotas={"sm-01/am/kn95": 1, "sm-01/am/surgical": 1}),
                             SHANGHAI)
    assert typed.steps()[-3:] == [Choice.PRODUCT, Choice.HEALTH, Choice.EITHER]
    for value in ("思明区", "sm-01", "am", "kn95", "well", "yes"):
        typed.pick(value)
    assert typed.current() is None
    request = entry_request(typed)
    assert (request.slot, request.product_type, request.accept_either, request.health) == (
        "sm-01/am", "kn95", True, "well")
    assert typed.back() and typed.current() is Choice.EITHER


def test_places_live_last_known_or_per_draw() -> None:
    first = make_round("f", "first_come")
    stock = RoundStock(round_id="f", remaining={"sm-01/am": 2, "sm-01/pm": 0},
                       as_of=datetime(2026, 11, 23, tzinfo=UTC))
    assert places(first, stock, True, "sm-01").count == 2
    assert not places(first, stock, False, "sm-01").live
    assert places(first, None, False, "sm-01").count == 10  # the quota: never counted
    lottery = places(make_round("l", "lottery"), None, True, "sm-01")
    assert lottery.per_draw and lottery.count == 10


def test_a_lockout_answer_keeps_its_date_and_a_lottery_entry_its_draw() -> None:
    config = make_round("l", "lottery")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    refused = result_of(config, EntryOutcome(
        request_id="x", status="refused", reason="locked_out",
        detail="a place was won on 2026-11-20; entries are open again from 2026-11-30"), now)
    assert refused.free_from == date(2026, 11, 30)
    entered = result_of(config, EntryOutcome(request_id="x", status="entered",
                                             reference="R-1"), now)
    assert entered.kind is ResultKind.ENTERED and entered.next_draw == DRAW


class _Down:
    def enter(self, request: object) -> EntryOutcome:
        raise PlatformUnavailable(SyncError.UNREACHABLE)


@pytest.mark.parametrize("offset", [12.5, -10 * 86_400.0])
def test_offline_the_entry_is_queued_with_its_time_and_drift(assembly: Assembly,
                                                              clock: FakeClock,
                                                              offset: float) -> None:
    draft = ReservationDraft(make_round("q", "first_come"), SHANGHAI,
                             {Choice.DISTRICT: "思明区", Choice.PHARMACY: "sm-01",
                              Choice.WINDOW: "am", Choice.HEALTH: "well"})
    outbox = assembly.store.outbox
    result = submit_reservation(draft, _Down(), outbox, clock, offset)  # type: ignore[arg-type]
    assert result.kind is ResultKind.OFFLINE and not result.pickup_code
    (tx,) = outbox.unsent("reservation")
    assert tx.reference == result.reference
    payload = ReservationPayload.model_validate(tx.payload)
    assert payload.made_at == clock.now()
    assert payload.clock_offset_s == max(offset, -86_400)  # the wire's bound
    again = queue_entry(outbox, draft.round, entry_request(draft), clock.now(), None)
    assert again.kind == "reservation" and again.reference != tx.reference


def test_the_slip_masks_the_person_and_shows_times_as_the_kiosk_does() -> None:
    config = make_round("s", "first_come")
    shanghai = timezone(timedelta(hours=8))
    result = ReservationResult(ResultKind.ALLOCATED, config, "R-1", slot="sm-01/am",
                               pickup_code="CODE", valid_until=datetime(2026, 11, 25, 1, 30,
                                                                         tzinfo=UTC))
    item = round_item(_catalog(), config)
    slip = reservation_slip(result, SHANGHAI, Translator("zh-CN"), "支行",
                            datetime(2026, 11, 23, 17, 0, tzinfo=shanghai), item,
                            lambda _: None)
    text = "\n".join([*(f"{a}{b}" for a, b in slip.rows), *slip.notes])
    assert "张*" in text and "310***********1230" in text and "张伟" not in text
    assert "2026-11-25 09:30" in text  # 01:30 UTC, at a kiosk on Beijing time
    assert slip.qr_payload == "CODE" and not slip.marker


def _catalog() -> Catalog:
    return load_catalog(load_config(DEMO_CONFIG).catalog.path)
