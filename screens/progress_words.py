"""A case's progress in words: its timeline step by step, a one-line summary, and where
the record came from. The lookup screen and the staff screen say it the same way."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.api import KioskApi
from kiosk.i18n import Translator
from kiosk.progress import Progress, Source


@dataclass(frozen=True)
class ProgressWords:
    t: Translator
    api: KioskApi

    def status_name(self, status: str) -> str:
        key = f"progress.status.{status}"
        return self.t(key if self.t.has(key) else "progress.status.other")

    def reason_text(self, reason: str) -> str:
        key = f"progress.reason.{reason}"
        return self.t(key) if self.t.has(key) else reason

    def timeline(self, case: Progress) -> str:
        t = self.t
        lines = [t("lookup.case", reference=case.reference,
                   item=self.api.catalog.name_of(case.item_id, t.lang))]
        if case.source is Source.OUTBOX:
            when = self.api.shown_time(case.as_of) if case.as_of else "-"
            lines.append(t("lookup.outbox_state", when=when,
                           state=t(f"lookup.state_{case.status}")))
            return "\n".join(lines)
        last = len(case.steps) - 1
        for n, step in enumerate(case.steps):
            values = {"mark": t("lookup.mark_now" if n == last else "lookup.mark_done"),
                      "at": self.api.shown_time(step.at), "status": self.status_name(step.status)}
            if step.reason:
                lines.append(t("lookup.step_reason", reason=self.reason_text(step.reason),
                               **values))
            else:
                lines.append(t("lookup.step", **values))
        if case.pickup_site:
            lines.append(t("lookup.pickup_where", site=case.pickup_site,
                           window=case.pickup_window))
        return "\n".join(lines)

    def source_note(self, case: Progress) -> str:
        if case.source is Source.CACHED and case.as_of is not None:
            return self.t("lookup.source_cached", when=self.api.shown_time(case.as_of))
        if case.source is Source.OUTBOX:
            return self.t("lookup.source_outbox")
        return ""

    def summary_line(self, case: Progress) -> str:
        t = self.t
        last = case.steps[-1] if case.steps else None
        status = self.status_name(case.status)
        if last is not None and last.reason:
            status = t("lookup.status_reason", status=status, reason=self.reason_text(last.reason))
        line = t("lookup.case_line", reference=case.reference,
                 item=self.api.catalog.name_of(case.item_id, t.lang), status=status,
                 at=self.api.shown_time(last.at) if last else "-")
        if case.pickup_site:
            line += "\n   " + t("lookup.pickup_where", site=case.pickup_site,
                                 window=case.pickup_window).replace("\n", "\n   ")
        return line
