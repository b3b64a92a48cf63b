"""What the pickup slip says: built from a submission, every personal value masked."""

from __future__ import annotations

from datetime import datetime

from contracts.identity import mask_id_number, mask_name
from contracts.slip import Slip
from kiosk.decision import Outcome
from kiosk.i18n import Translator
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
