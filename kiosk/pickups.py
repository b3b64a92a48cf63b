"""凭码取件: a pickup code is redeemed once, by the platform when it can be reached.

Online the platform decides (it checks the signature itself and logs every attempt),
so a code whose key this kiosk lacks is still judged. Offline the kiosk checks the
signature, and hands goods over on a code it cannot confirm only when the code's item
allows offline redemption (``offline_allowed``): then the redemption is queued in the
outbox, durable before the person is told to take the goods, and remembered here so the
same code is refused at this kiosk. A code whose key this kiosk never had is "cannot
check here now", never "forged". Every answer says what to do next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.clock import Clock
from contracts.errors import CodeError
from contracts.pickup_codes import PickupCode, read_unverified, verify_pickup_code
from contracts.platform_api import Redemption, RoundConfig
from contracts.wire import RedemptionPayload
from kiosk.cabinet import CompartmentView
from offline_cache.collected_codes import CollectedCodes
from offline_cache.outbox import Outbox
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable

log = logging.getLogger(__package__)


class Verdict(StrEnum):
    COLLECTED = "collected"  # the platform redeemed it just now
    COLLECTED_OFFLINE = "collected_offline"  # honoured offline, queued for the platform
    ALREADY_COLLECTED = "already_collected"  # when and where: ``collected_at``, ``by``
    REFUSED = "refused"  # ``reason``: forged, altered, expired, damaged, not_issued
    CANNOT_CHECK = "cannot_check"  # offline, and this kiosk has no key for the code
    CANNOT_CONFIRM = "cannot_confirm"  # offline, genuine, its item needs the platform


class NextStep(StrEnum):
    CABINET = "cabinet"  # the cabinet door opens: take the goods from it
    GO_TO_SITE = "go_to_site"  # collect at the code's site, in its window
    TRY_LATER = "try_later"  # ask again when the kiosk is back online, or ask staff
    ASK_STAFF = "ask_staff"
    NONE = "none"


class CollectedBy(StrEnum):
    THIS_KIOSK = "this_kiosk"
    ANOTHER_KIOSK = "another_kiosk"  # or a counter: who exactly is not the person's business


# elsewhere: the goods wait in another kiosk's cabinet (the code's site says which);
# withdrawn: staff took them back out of the cabinet (uncollected): the counter has them
REFUSAL_REASONS = ("forged", "altered", "expired", "damaged", "not_issued", "elsewhere",
                   "withdrawn")


@dataclass(frozen=True, slots=True)
class PickupAnswer:
    verdict: Verdict
    next_step: NextStep
    code: PickupCode | None = None  # the claims, when the code carries readable ones
    reason: str = ""  # REFUSED: one of REFUSAL_REASONS
    collected_at: datetime | None = None  # ALREADY_COLLECTED
    by: CollectedBy | None = None  # ALREADY_COLLECTED
    offline: bool = False  # decided by this kiosk alone
    compartment: CompartmentView | None = None  # CABINET: the door to open


class Cabinet(Protocol):
    """The pickup cabinet (kiosk/cabinet.py)."""

    def redeemed(self, reference: str) -> CompartmentView | None:
        """The platform redeemed this case: the compartment holding its goods, to be
        opened for the citizen; None when they are not in this cabinet."""


def offline_allowed(item_id: str, rounds: tuple[RoundConfig, ...]) -> bool:
    """May goods for ``item_id`` be handed over on a code the platform has not confirmed?

    A code names its item, not its round. So: only when the cached rounds hold at least
    one round for the item and every round for that item allows offline redemption (one
    that forbids it forbids it for the item: the code may be that round's). An item with
    no round (a case's certificate) always needs the platform."""
    for_item = [r for r in rounds if r.item_id == item_id]
    return bool(for_item) and all(r.offline_redemption for r in for_item)


@dataclass
class PickupDesk:
    platform: PlatformClient
    outbox: Outbox
    collected: CollectedCodes
    clock: Clock
    kiosk_id: str
    cabinet: Cabinet | None = None  # None: goods are handed over at the code's site

    def redeem(self, text: str, keys: dict[str, Ed25519PublicKey],
               rounds: tuple[RoundConfig, ...]) -> PickupAnswer:
        """*Blocking*: redeem a pickup code (the text the camera read)."""
        text = text.strip()
        try:
            answer = self.platform.redeem(text)
        except PlatformUnavailable as exc:
            log.info("pickup code checked offline (%s)", exc)
            return self._offline(text, keys, rounds)
        except PlatformRefused as exc:
            # The platform is there but will not take this kiosk's request (a revoked
            # credential, say): check the code, but hand nothing over on it.
            log.warning("pickup code refused by the platform as a request (%s)", exc)
            return self._offline(text, keys, ())
        return self._online(text, answer)

    # -- the platform decided ----------------------------------------------------------
    def _online(self, text: str, answer: Redemption) -> PickupAnswer:
        code = read_unverified(text)  # the platform has checked it: its claims are true
        if answer.status == "redeemed":
            self.collected.remember(text, answer.ref, confirmed=True)
            log.info("pickup %s redeemed", answer.ref)
            view = self.cabinet.redeemed(answer.ref) if self.cabinet is not None else None
            if view is not None:  # the goods are in this cabinet: its door, or staff
                step = NextStep.CABINET if view.state == "releasing" else NextStep.ASK_STAFF
                return PickupAnswer(Verdict.COLLECTED, step, code, compartment=view)
            return PickupAnswer(Verdict.COLLECTED, self._hand_over(code), code)
        log.info("pickup %s refused by the platform: %s", answer.ref or "-", answer.reason)
        if answer.reason == "already_redeemed":
            by = (CollectedBy.THIS_KIOSK if answer.redeemed_by == f"kiosk:{self.kiosk_id}"
                  else CollectedBy.ANOTHER_KIOSK)
            return PickupAnswer(Verdict.ALREADY_COLLECTED, NextStep.ASK_STAFF, code,
                                collected_at=answer.redeemed_at, by=by)
        reason = answer.reason if answer.reason in REFUSAL_REASONS else "damaged"
        if reason == "elsewhere":
            return PickupAnswer(Verdict.REFUSED, NextStep.GO_TO_SITE, code, reason)
        return PickupAnswer(Verdict.REFUSED, NextStep.ASK_STAFF,
                            code if reason in ("expired", "not_issued", "withdrawn") else None,
                            reason)

    # -- this kiosk alone -----------------------------------------------------------------
    def _offline(self, text: str, keys: dict[str, Ed25519PublicKey],
                 rounds: tuple[RoundConfig, ...]) -> PickupAnswer:
        claimed = read_unverified(text)
        if claimed is not None and claimed.kid not in keys:
            return PickupAnswer(Verdict.CANNOT_CHECK, NextStep.TRY_LATER, offline=True)
        try:
            code = verify_pickup_code(text, keys, self.clock.now())
        except CodeError as exc:
            reason = exc.key.removeprefix("qr.").removesuffix("_code")
            reason = reason if reason in REFUSAL_REASONS else "damaged"
            shown = claimed if reason == "expired" else None
            return PickupAnswer(Verdict.REFUSED, NextStep.ASK_STAFF, shown, reason,
                                offline=True)
        earlier = self.collected.find(text)
        if earlier is not None:
            return PickupAnswer(Verdict.ALREADY_COLLECTED, NextStep.ASK_STAFF, code,
                                collected_at=earlier.collected_at, by=CollectedBy.THIS_KIOSK,
                                offline=True)
        if not offline_allowed(code.item, rounds):
            return PickupAnswer(Verdict.CANNOT_CONFIRM, NextStep.TRY_LATER, code, offline=True)
        self._queue(text, code)
        return PickupAnswer(Verdict.COLLECTED_OFFLINE, self._hand_over(code), code, offline=True)

    def _queue(self, text: str, code: PickupCode) -> None:
        """Durable before the person is told: the outbox row first, then the local note
        (a kiosk stopped between the two has queued the redemption; the platform flags a
        second one to staff)."""
        drift = self.outbox.summary().clock_offset_s or 0.0
        payload = RedemptionPayload(code=text, redeemed_at=self.clock.now(),
                                    clock_offset_s=max(-86_400.0, min(86_400.0, drift)))
        self.outbox.enqueue("redemption", code.item, payload.model_dump(mode="json"),
                            reference=code.ref)
        self.collected.remember(text, code.ref, confirmed=False)
        log.info("pickup %s honoured offline, redemption queued", code.ref)

    def _hand_over(self, code: PickupCode | None) -> NextStep:
        if code is None:  # redeemed, but its claims cannot be read: staff know the case
            return NextStep.ASK_STAFF
        return NextStep.GO_TO_SITE
