"""What the pickup slip says: built from a submission, every personal value masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from contracts.catalog import Item
from contracts.identity import Identity, mask_id_number, mask_name
from contracts.pharmacies import Pharmacy
from contracts.platform_api import RoundConfig
from contracts.slip import Slip
from kiosk.decision import Outcome
from kiosk.i18n import Translator
from kiosk.reservations import ReservationResult, ResultKind
from kiosk.session import Session


def application_slip(session: Session, t: Translator, branch: str, now: datetime) -> Slip:
    sub, item, who = session.submission, session.item, session.identity
    if sub is None or item is None or who is None:
        raise ValueError("a slip needs a submitted application")
    notes = [t(f"slip.outcome.{sub.decision.outcome}")]
    if sub.decision.outcome is Outcome.REFUSED:
        notes.append(t("slip.reason", reason=sub.decision.reason(t.lang)))
    notes.append(t("slip.lookup_hint"))
    return Slip(
        title=t("slip.title"),
        branch=branch,
        printed_at=now.strftime("%Y-%m-%d %H:%M"),
        reference_label=t("slip.reference"),
        reference=sub.reference,
        rows=(
            (t("slip.item"), item.name(t.lang)),
            (t("slip.name"), mask_name(who.shown_name(t.lang))),
            (t("slip.id_number"), mask_id_number(who.id_number)),
        ),
        notes=tuple(notes),
        qr_payload=f"REF:{sub.reference}",
        marker=t("slip.offline") if sub.offline else "",
        label_sep=t("common.label_sep"),
    )


def demo_slip() -> Slip:
    """The demo pickup slip `main.py test-print` prints: fictitious and already masked."""
    t = Translator("zh-CN")
    return Slip(
        title=t("slip.title"),
        branch="建设银行上海徐汇支行",
        printed_at="2026-11-23 10:00",
        reference_label=t("slip.reference"),
        reference="XH-CCB-0001-000042",
        rows=((t("slip.item"), "口罩预约登记"), (t("slip.name"), mask_name("张伟")),
              (t("slip.id_number"), mask_id_number("310104198506121230"))),
        notes=(t("slip.outcome.registered"), t("slip.lookup_hint")),
        qr_payload="REF:XH-CCB-0001-000042",
    )


def reservation_slip(result: ReservationResult, who: Identity, t: Translator, branch: str,
                     now: datetime, item: Item,
                     pharmacy_of: Callable[[str], Pharmacy | None]) -> Slip:
    """A reservation's slip: allocated (its pickup code as the QR), registered for a draw
    (exactly when it is), or registered offline to be confirmed. Only masked identity."""
    rows = [(t("slip.item"), item.name(t.lang)),
            (t("slip.name"), mask_name(who.shown_name(t.lang))),
            (t("slip.id_number"), mask_id_number(who.id_number))]
    slot = result.slot or ""
    if slot:
        pharmacy_id, window_id = slot.split("/")[:2]
        pharmacy = pharmacy_of(pharmacy_id)
        if pharmacy is not None:
            window = next((w.label for w in pharmacy.windows if w.id == window_id), window_id)
            rows += [(t("reserve.slip_pharmacy"), f"{pharmacy.name} {pharmacy.address}"),
                     (t("reserve.slip_window"), window)]
    notes = [result_words(result, t, now.tzinfo)]
    if result.kind is ResultKind.ALLOCATED and result.valid_until is not None:
        notes.append(t("reserve.slip_collect_by", until=when(result.valid_until, now.tzinfo)))
    notes.append(t("reserve.slip_lookup_hint"))
    allocated = result.kind is ResultKind.ALLOCATED and result.pickup_code
    return Slip(
        title=t("reserve.slip_title"),
        branch=branch,
        printed_at=now.strftime("%Y-%m-%d %H:%M"),
        reference_label=t("slip.reference"),
        reference=result.reference,
        rows=tuple(rows),
        notes=tuple(notes),
        qr_payload=result.pickup_code if allocated else f"REF:{result.reference}",
        marker=t("slip.offline") if result.kind is ResultKind.OFFLINE else "",
        label_sep=t("common.label_sep"),
    )


def when(moment: datetime | None, zone: tzinfo | None) -> str:
    """A moment as the kiosk's clock shows time (the platform's answers may be in UTC)."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment is not None else ""


def result_words(result: ReservationResult, t: Translator, zone: tzinfo | None) -> str:
    """The outcome in a person's words: the same sentence on the screen and the slip."""
    kind = result.kind
    if kind is ResultKind.ALLOCATED:
        return t("reserve.result_allocated")
    if kind in (ResultKind.ENTERED, ResultKind.UPDATED):
        key = "reserve.result_entered" if kind is ResultKind.ENTERED else "reserve.result_updated"
        draw = (t("reserve.draw_at", time=when(result.next_draw, zone)) if result.next_draw
                else t("reserve.draw_unannounced"))
        return t(key, draw=draw)
    if kind is ResultKind.OFFLINE:
        return t("reserve.result_offline")
    if kind is ResultKind.FAILED:
        return t("reserve.result_failed")
    return refusal_words(result, t)


def refusal_words(result: ReservationResult, t: Translator) -> str:
    reason = result.reason
    if reason == "locked_out" and result.free_from is not None:
        return t("reserve.refused_locked_out_until", date=f"{result.free_from:%Y-%m-%d}")
    if reason == "not_eligible":
        return t("reserve.refused_not_eligible", why=eligibility_words(result.round, t))
    key = f"reserve.refused_{reason}"
    return t(key) if t.has(key) else t("reserve.refused_other", reason=reason)


def eligibility_words(config: RoundConfig, t: Translator) -> str:
    """Who a round is open to, in words."""
    rule = config.eligibility
    ways = []
    if rule.residence_regions:
        ways.append(t("reserve.open_to_residents",
                      regions=t("common.list_sep").join(rule.residence_regions)))
    if rule.social_security:
        ways.append(t("reserve.open_to_insured"))
    return t("reserve.or").join(ways) if ways else t("reserve.open_to_all")
