"""好差评 for staff: this kiosk's ratings over a period, as the platform counts them: per
service, by score, and why people gave a bad review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from contracts.platform_api import RatingCount, RatingReport

if TYPE_CHECKING:
    from screens.app import KioskApp

PERIODS = (1, 7, 30)  # days


@dataclass
class ReportLoaded(Message):
    days: int
    report: RatingReport | None


class RatingsPanel(Vertical):
    def compose(self) -> ComposeResult:
        t = self.kiosk.t
        yield Static(t("staff.ratings_heading"), classes="subtitle")
        with Horizontal(id="ratings-periods"):
            for days in PERIODS:
                yield Button(t(f"staff.ratings_period_{days}"), id=f"ratings-{days}")
        yield Static(t("staff.ratings_choose"), id="ratings-report")

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @on(Button.Pressed, "#ratings-periods Button")
    def choose(self, event: Button.Pressed) -> None:
        days = int((event.button.id or "ratings-7").removeprefix("ratings-"))
        for button in self.query("#ratings-periods Button").results(Button):
            button.set_class(button is event.button, "-selected")
        self.query_one("#ratings-report", Static).update(self.kiosk.t("staff.ratings_loading"))
        self.load(days)

    @work(thread=True, exclusive=True, group="ratings")
    def load(self, days: int) -> None:
        self.post_message(ReportLoaded(days, self.kiosk.api.rating_report(days)))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        self.query_one("#ratings-report", Static).update(self.render_report(message))

    def render_report(self, message: ReportLoaded) -> str:
        t, report = self.kiosk.t, message.report
        if report is None:
            return t("staff.ratings_unavailable")
        period = t(f"staff.ratings_period_{message.days}")
        if report.total == 0:
            return t("staff.ratings_none", period=period)
        lines = [t("staff.ratings_total", period=period, total=report.total,
                   bad=sum(group.bad for group in report.by_item))]
        for group in report.by_item:
            name = self.kiosk.api.catalog.name_of(group.key, t.lang)
            lines.append(t("staff.ratings_item", item=name, count=group.count,
                           scores=self.scores(group), bad=group.bad))
        if report.by_reason:
            reasons = t("staff.list_sep").join(
                t("staff.ratings_reason", reason=self.reason(group.key), count=group.count)
                for group in report.by_reason)
            lines.append(t("staff.ratings_reasons", reasons=reasons))
        return "\n".join(lines)

    def scores(self, group: RatingCount) -> str:
        return " ".join(f"{score}★{group.by_score.get(score, 0)}" for score in range(5, 0, -1))

    def reason(self, key: str) -> str:
        # A reason added on the platform after this kiosk was built shows as its code.
        t = self.kiosk.t
        return t(f"rating.reason_{key}") if t.has(f"rating.reason_{key}") else key
