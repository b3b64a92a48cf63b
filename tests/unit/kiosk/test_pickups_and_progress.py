"""The pickup and progress use cases without Textual: the offline-redemption rule, the
cabinet hook, the document a card's cases are filed under, and what the kiosk keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.clock import FakeClock
from contracts.identity import Document, Identity, IdSource
from contracts.pickup_codes import read_unverified, sign_pickup_code
from contracts.platform_api import CaseEvent, CaseView, DocumentType, Redemption
from devices.cabinet import Door
from kiosk.cabinet import CompartmentView
from kiosk.cabinet_layout import Compartment, Size
from kiosk.pickups import NextStep, PickupDesk, Verdict, offline_allowed
from kiosk.progress import ProgressDesk, Source, case_document
from offline_cache.cabinet_journal import CompartmentState
from offline_cache.platform_client import PlatformRefused, PlatformUnavailable
from tests.support.cases import round_for
from wiring.assembly import Assembly

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
KEYS = {"k1": KEY.public_key()}


def code(ref: str = "R-1", item: str = "mask-reservation") -> str:
    return sign_pickup_code(KEY, "k1", ref=ref, item=item, site="药房", window="09:00-11:00",
                            expires=NOW + timedelta(days=1))


@dataclass
class FakePlatform:
    """The platform's online endpoints: an answer, or unreachable (None)."""

    redemption: Redemption | None = None
    views: list[CaseView] | None = None
    refuses: bool = False  # answers 4xx: the kiosk's request is not taken
    asked: list[str] = field(default_factory=list)

    def redeem(self, text: str) -> Redemption:
        self.asked.append(text)
        if self.refuses:
            raise PlatformRefused("HTTP 401")
        if self.redemption is None:
            raise PlatformUnavailable("unreachable")
        return self.redemption

    def cases(self, reference: str | None = None,
              document: tuple[DocumentType, str] | None = None) -> list[CaseView]:
        if self.views is None:
            raise PlatformUnavailable("unreachable")
        return self.views


@dataclass
class Cabinet:
    holds: tuple[str, ...] = ()
    opened: list[str] = field(default_factory=list)

    def redeemed(self, reference: str) -> CompartmentView | None:
        if reference not in self.holds:
            return None
        self.opened.append(reference)
        place = Compartment(7, Door(1, 7), Size.SMALL, 2, 1)
        return CompartmentView(place, CompartmentState.RELEASING, reference, True, None,
                               None, NOW)


def desk(assembly: Assembly, platform: FakePlatform, cabinet: Cabinet | None = None
         ) -> PickupDesk:
    store = assembly.store
    return PickupDesk(platform, store.outbox, store.collected, FakeClock(NOW),  # type: ignore[arg-type]
                      "XH-CCB-0001", cabinet)


def test_offline_redemption_needs_every_round_of_the_item_to_allow_it() -> None:
    yes, no = round_for("mask-reservation", True, NOW, "a"), round_for("mask-reservation",
                                                                        False, NOW, "b")
    other = round_for("thermometer", False, NOW, "c")
    assert offline_allowed("mask-reservation", (yes, other))
    assert not offline_allowed("mask-reservation", (yes, no))
    assert not offline_allowed("mask-reservation", ())
    assert not offline_allowed("marriage-record-proof", (yes,))  # a case: no round


def test_a_cabinet_opens_for_a_code_the_platform_redeemed(assembly: Assembly) -> None:
    cabinet = Cabinet(holds=("R-1",))
    text = code()
    redeemed = Redemption(status="redeemed", ref="R-1", item="mask-reservation",
                          redeemed_at=NOW, redeemed_by="kiosk:XH-CCB-0001")
    answer = desk(assembly, FakePlatform(redeemed), cabinet).redeem(text, KEYS, ())
    assert answer.verdict is Verdict.COLLECTED and answer.next_step is NextStep.CABINET
    assert cabinet.opened == ["R-1"] and answer.compartment is not None
    assert answer.compartment.compartment.label == "07"
    assert assembly.store.collected.find(text) is not None


def test_the_cabinet_never_opens_on_a_code_the_platform_has_not_confirmed(
        assembly: Assembly) -> None:
    cabinet = Cabinet(holds=("R-2", "R-3"))
    rounds = (round_for("mask-reservation", True, NOW),)
    answer = desk(assembly, FakePlatform(), cabinet).redeem(code("R-2"), KEYS, rounds)
    assert answer.verdict is Verdict.COLLECTED_OFFLINE and answer.offline
    assert answer.next_step is NextStep.GO_TO_SITE and cabinet.opened == []
    refused = desk(assembly, FakePlatform(), cabinet).redeem(code("R-3"), KEYS, ())
    assert refused.verdict is Verdict.CANNOT_CONFIRM and cabinet.opened == []


def test_a_code_for_another_kiosks_cabinet_names_where_it_waits(assembly: Assembly) -> None:
    elsewhere = Redemption(status="refused", ref="R-5", reason="elsewhere",
                           detail="waits in the cabinet of XH-CCB-0002")
    answer = desk(assembly, FakePlatform(elsewhere), Cabinet()).redeem(code("R-5"), KEYS, ())
    assert answer.verdict is Verdict.REFUSED and answer.reason == "elsewhere"
    assert answer.next_step is NextStep.GO_TO_SITE and answer.code is not None


def test_a_kiosk_the_platform_refuses_hands_nothing_over(assembly: Assembly) -> None:
    rounds = (round_for("mask-reservation", True, NOW),)
    answer = desk(assembly, FakePlatform(refuses=True)).redeem(code("R-4"), KEYS, rounds)
    assert answer.verdict is Verdict.CANNOT_CONFIRM
    assert assembly.store.outbox.summary().pending == 0


def test_an_unknown_platform_answer_is_never_taken_for_a_collection(assembly: Assembly) -> None:
    odd = Redemption(status="refused", reason="something_new")
    answer = desk(assembly, FakePlatform(odd)).redeem(code(), KEYS, ())
    assert answer.verdict is Verdict.REFUSED and answer.reason == "damaged"


def test_a_code_without_claims_has_none_to_read() -> None:
    assert read_unverified("GKP1.not-json.sig") is None
    assert read_unverified("hello") is None
    claims = read_unverified(code("R-9"))
    assert claims is not None and claims.ref == "R-9" and claims.kid == "k1"


@pytest.mark.parametrize(("number", "document", "expected"), [
    ("310104198506121230", Document.RESIDENT_ID, DocumentType.RESIDENT_ID),
    ("810000199001011236", Document.HMT_PERMIT, DocumentType.HMT_RESIDENCE_PERMIT),
    ("USA310079040115", Document.FOREIGNER_CARD, DocumentType.FOREIGN_PERMANENT),
    # The platform files an application by the number's shape (server/cases.py).
    ("932682198001010017", Document.FOREIGNER_CARD, DocumentType.RESIDENT_ID),
])
def test_a_cards_cases_are_asked_for_as_the_platform_filed_them(
        number: str, document: Document, expected: DocumentType) -> None:
    identity = Identity(name="x", id_number=number, source=IdSource.CARD, document=document)
    assert case_document(identity) == (expected, number)


def test_a_case_view_is_cached_without_its_pickup_code(assembly: Assembly) -> None:
    ready = CaseView(reference="XH-CCB-0001-000001", item_id="marriage-record-proof",
                     status="ready_for_pickup", received_at=NOW, rated=False,
                     timeline=[CaseEvent(status="received", reason="", at=NOW),
                               CaseEvent(status="ready_for_pickup", reason="", at=NOW)],
                     pickup_code=code("XH-CCB-0001-000001", "marriage-record-proof"))
    store = assembly.store
    online = ProgressDesk(FakePlatform(views=[ready]), store.cases, store.outbox)  # type: ignore[arg-type]
    found = online.by_reference(ready.reference).cases[0]
    assert (found.source, found.pickup_site, found.pickup_window) == (
        Source.PLATFORM, "药房", "09:00-11:00")
    offline = ProgressDesk(FakePlatform(), store.cases, store.outbox)  # type: ignore[arg-type]
    answer = offline.by_reference(ready.reference)
    assert not answer.online and answer.cases[0].source is Source.CACHED
    assert answer.cases[0].pickup_site == "药房"
    cached = store.cases.get(ready.reference)
    assert cached is not None and cached.view.pickup_code == ""
    row = store.connections[0].execute("SELECT body FROM case_views").fetchone()
    assert "GKP1." not in row["body"]
