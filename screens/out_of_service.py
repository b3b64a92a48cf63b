"""Out of service as a citizen sees it (issue 18; the rules are kiosk/service_status.py):

- ``ServiceNotice``, on the home screen when some services are out: which, why in plain
  words, what still works here, and where to go instead;
- ``OutOfServicePanel``, the home screen's whole content when the whole kiosk is out:
  large, with the reason and where to go instead. Staff still come in by F12 or the
  status bar's corner;
- the helpers the home and catalog screens use to grey a service's button and to say,
  rather than start, a journey that cannot be done here now.

Both watch the board once a second and show the home screen again when it changed (a
device failed or came back, staff changed something).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from contracts.wire import Outage
from kiosk.i18n import Translator
from kiosk.service_status import LOOKUP, MY_RESERVATIONS, PICKUP, ServiceBoard
from kiosk.session import Step

if TYPE_CHECKING:
    from kiosk.api import KioskApi
    from screens.app import KioskApp

# Names listed in a line before "and N more".
NAMES_SHOWN = 3
# The home screen's own services, named by its buttons' words.
_SPECIAL_NAMES = {PICKUP: "home.pickup", LOOKUP: "home.lookup", MY_RESERVATIONS: "myres.title"}


def service_name(t: Translator, api: KioskApi, service: str) -> str:
    if service in _SPECIAL_NAMES:
        return t(_SPECIAL_NAMES[service])
    return api.service_name(service, t.lang) or service


def reason_text(t: Translator, outage: Outage) -> str:
    """Why, in plain words for a citizen (staff's note is never shown here)."""
    return t(f"oos.reason.{outage.reason}")


def go_instead(t: Translator, api: KioskApi, service: str | None = None) -> str:
    """Where to go instead: the configured text, else the branch's counter; and, for a
    catalog item, the department that handles it."""
    place = api.go_instead(t.lang) or t("oos.counter", branch=api.branch_name(t.lang))
    text = t("oos.go_instead", place=place)
    department = api.department_of(service, t.lang) if service else None
    if department:
        text += t("oos.or_department", department=department)
    return text


def names(t: Translator, listed: list[str]) -> str:
    shown = t("common.list_sep").join(listed[:NAMES_SHOWN])
    if len(listed) > NAMES_SHOWN:
        shown += t("oos.and_more", total=len(listed))
    return shown


def out_label(t: Translator, board: ServiceBoard, service: str, label: str) -> str:
    """A service's button label, marked when it is out (with a word: never grey alone)."""
    return t("oos.button_out", label=label) if board.is_out(service) else label


def said_out(screen_kiosk: KioskApp, service: str) -> bool:
    """When the service is out: say why and where to go instead, and answer True (the
    journey does not start)."""
    api, t = screen_kiosk.api, screen_kiosk.t
    outage = api.service_out(service)
    if outage is None:
        return False
    screen_kiosk.notify(t("oos.pressed", service=service_name(t, api, service),
                          reason=reason_text(t, outage)) + "\n" + go_instead(t, api, service),
                        severity="warning", timeout=8)
    return True


class _BoardWatch(Vertical):
    """Shows the home screen again when what is out of service changed."""

    def __init__(self, board: ServiceBoard, id: str | None = None) -> None:
        super().__init__(id=id)
        self.board = board

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.look)

    def look(self) -> None:
        kiosk = self.kiosk
        if (kiosk.api.service_board().signature != self.board.signature
                and kiosk.screen is self.screen and kiosk.session.step is Step.ATTRACT):
            kiosk.show_step()


class ServiceNotice(_BoardWatch):
    """Some services out: a line for each reason, what still works, where to go."""

    def compose(self) -> ComposeResult:
        kiosk = self.kiosk
        t, api, board = kiosk.t, kiosk.api, self.board
        if not board.out:
            return
        self.add_class("-shown")
        by_reason: dict[str, list[str]] = {}
        for service, outage in board.out.items():
            by_reason.setdefault(reason_text(t, outage), []).append(
                service_name(t, api, service))
        yield Static(t("oos.partial_heading"), id="oos-heading")
        for reason, listed in by_reason.items():
            yield Static(t("oos.partial_line", services=names(t, listed), reason=reason),
                         classes="oos-line")
        working = [service_name(t, api, s) for s in board.still_working
                   if s in _SPECIAL_NAMES]
        if working:
            yield Static(t("oos.still_works", services=names(t, working)),
                         id="oos-still")
        yield Static(go_instead(t, api), id="oos-go")


class OutOfServicePanel(_BoardWatch):
    """The whole kiosk out: the home screen's only content (large and plain)."""

    def compose(self) -> ComposeResult:
        kiosk = self.kiosk
        t, api, whole = kiosk.t, kiosk.api, self.board.whole
        yield Static(t("oos.whole_title"), id="oos-title")
        yield Static(api.branch_name(t.lang), id="oos-branch")
        if whole is not None:
            yield Static(t("oos.whole_reason", reason=reason_text(t, whole)),
                         id="oos-reason")
        yield Static(go_instead(t, api), id="oos-where")
        yield Static(t("oos.sorry"), id="oos-sorry")
        with Center():
            yield Button(t("home.language_switch"), id="oos-lang", classes="big")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "oos-lang":
            event.stop()
            kiosk = self.kiosk
            kiosk.set_language("en" if kiosk.t.is_zh else "zh-CN")
