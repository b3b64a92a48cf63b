"""Spoken prompts through the real screens (issue 18 part 5), with the mock speaker that
records what would have been said: journey A in Chinese and in English, the home screen's
toggle, elder mode turning it on (slowly), a refusal and a card problem read aloud, and the
next visitor starting silent. What is said is checked, not the sound."""

from __future__ import annotations

import importlib
from typing import cast

import pytest
from textual.widgets import Button

from devices.speaker import MockSpeaker, Utterance
from kiosk.i18n import Translator, messages
from screens.app import KioskApp
from screens.base import KioskScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from tests.support.kiosk_driver import (
    mock_reader,
    on_screen,
    refused_by_answer,
    screen_text,
    tap,
    to_identify,
    until,
)
from wiring.assembly import Assembly
from wiring.config import KioskConfig


@pytest.fixture
def config(config: KioskConfig) -> KioskConfig:
    config.speech.kind = "mock"  # the tests hand in the mock: it records, says nothing
    return config


def speaker_of(assembly: Assembly) -> MockSpeaker:
    speaker = assembly.api.speaker
    assert isinstance(speaker, MockSpeaker)
    return speaker


def toggle_label(app: KioskApp) -> str:
    return str(app.screen.query_one("#speech-toggle", Button).label)


def every_screen_class() -> list[type[KioskScreen]]:
    found: list[type[KioskScreen]] = []
    todo: list[type[KioskScreen]] = [KioskScreen]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_screens_prompt_is_in_both_languages() -> None:
    # Every screen module loaded (the app imports the journey's; these are pushed later).
    for module in ("screens.cabinet_staff", "screens.door", "screens.reserve_mine"):
        importlib.import_module(module)

    keys = {cls.__name__: cls.prompt_key for cls in every_screen_class() if cls.prompt_key}
    assert {"HomeScreen", "CatalogScreen", "IdentifyScreen", "FormScreen", "ConfirmScreen",
            "RatingScreen", "PickupScreen", "LookupScreen", "DoorScreen",
            "ReserveIdentifyScreen", "MyReservationScreen"} <= set(keys)
    for lang in ("zh-CN", "en"):
        assert [k for k in keys.values() if k not in messages(lang)] == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_journey_a_read_aloud(assembly: Assembly, lang: str) -> None:
    speaker = speaker_of(assembly)
    t = Translator(lang)
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        if lang == "en":
            await tap(pilot, "#lang-toggle")
            await until(lambda: "Start" in screen_text(app))
        assert toggle_label(app) == t("speech.toggle_off")
        assert speaker.said == []  # off for a visitor until asked
        await tap(pilot, "#speech-toggle")
        await until(lambda: toggle_label(app) == t("speech.toggle_on"))

        await pilot.press("1")  # hot item 1: marriage registration record proof
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(0)  # 张伟's card
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await pilot.press("enter")
        await on_screen(pilot, FormScreen)
        await pilot.press("enter")  # the form's one choice: the form done
        await until(lambda: t("speech.screen.confirm") in speaker.texts())
        await pilot.press("enter")  # submit
        await on_screen(pilot, DoneScreen)
        await until(lambda: t("done.printed") in screen_text(app))
        reference = f"{assembly.config.kiosk.id}-000001"
        assert speaker.said == [Utterance(text, lang) for text in [
            t("speech.screen.home"),
            t("speech.screen.identify"),
            t("speech.identified"),
            t("speech.screen.form"),
            t("speech.screen.confirm"),
            t("done.title_approved"),
            t("speech.reference", reference=reference),
            t("done.printed"),
        ]]
        # Never the name or the ID number, though the screens show them masked.
        said = " ".join(speaker.texts())
        assert "张" not in said and "1230" not in said

        await tap(pilot, "#home")  # the visit ends: the next visitor starts silent
        await on_screen(pilot, HomeScreen)
        count = len(speaker.said)
        assert toggle_label(app) == Translator("zh-CN")("speech.toggle_off")
        assert not assembly.api.speech_enabled and len(speaker.said) == count


async def test_the_toggle_turns_it_on_and_off(assembly: Assembly) -> None:
    speaker = speaker_of(assembly)
    zh = Translator("zh-CN")
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#speech-toggle")
        await until(lambda: toggle_label(app) == zh("speech.toggle_on"))
        assert speaker.texts() == [zh("speech.screen.home")]
        stops = speaker.stops
        await tap(pilot, "#speech-toggle")
        await until(lambda: toggle_label(app) == zh("speech.toggle_off"))
        assert speaker.stops > stops  # what was being said stops at once
        await tap(pilot, "#start")
        await until(lambda: app.session.step == "choose_item")
        await pilot.pause()
        assert speaker.texts() == [zh("speech.screen.home")]  # nothing more


async def test_elder_mode_turns_it_on_slowly_until_the_visitor_says_no(
        assembly: Assembly) -> None:
    speaker = speaker_of(assembly)
    zh = Translator("zh-CN")
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#elder-toggle")
        await until(lambda: app.elder and toggle_label(app) == zh("speech.toggle_on"))
        assert speaker.said == [Utterance(zh("speech.screen.home"), "zh-CN", slow=True)]
        await tap(pilot, "#start")
        await until(lambda: len(speaker.said) == 2)
        assert speaker.said[-1] == Utterance(zh("speech.screen.catalog"), "zh-CN", slow=True)

        await tap(pilot, "#home")  # a new visitor: normal mode, silent
        await on_screen(pilot, HomeScreen)
        await until(lambda: not app.elder)
        await tap(pilot, "#elder-toggle")
        await until(lambda: app.elder and len(speaker.said) == 3)
        await tap(pilot, "#speech-toggle")  # in elder mode, but no reading aloud, please
        await until(lambda: toggle_label(app) == zh("speech.toggle_off"))
        await tap(pilot, "#start")
        await until(lambda: app.session.step == "choose_item")
        await pilot.pause()
        assert len(speaker.said) == 3 and app.elder


async def test_a_refusal_and_a_card_problem_are_read_aloud(assembly: Assembly) -> None:
    speaker = speaker_of(assembly)
    zh = Translator("zh-CN")
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assembly.api.set_speech(True)
        await refused_by_answer(app, pilot)
        await until(lambda: zh("done.printed") in speaker.texts())
        done = cast(DoneScreen, app.screen)
        reason = done.submission.decision.reason("zh-CN")
        texts = speaker.texts()
        start = texts.index(zh("done.title_refused"))
        assert texts[start:] == [zh("done.title_refused"), zh("done.reason", reason=reason),
                                 zh("speech.reference",
                                    reference=done.submission.reference),
                                 zh("done.printed")]

        await tap(pilot, "#home")
        await on_screen(pilot, HomeScreen)
        assembly.api.set_speech(True)
        # The elderly allowance is for 65 and over: 张伟 (41) is refused by his card.
        await to_identify(pilot, "elderly-allowance")
        mock_reader(assembly).place(0)
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await until(lambda: speaker.texts()[-1] != zh("speech.screen.identify"))
        shown = str(app.screen.query_one("#identity-summary").render())
        assert speaker.texts()[-1] in shown  # the refusal as the screen shows it
        assert "张" not in speaker.texts()[-1]


async def test_the_idle_warning_is_read_aloud_and_silenced_when_closed(
        assembly: Assembly, clock) -> None:
    speaker = speaker_of(assembly)
    zh = Translator("zh-CN")
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assembly.api.set_speech(True)
        await to_identify(pilot, "marriage-record-proof")
        clock.advance(app.api.idle.timeout_s - 10)
        app.idle_tick()
        await on_screen(pilot, IdleWarning)
        await until(lambda: speaker.texts()[-1] == zh("speech.screen.idle_warning"))
        stops = speaker.stops
        await pilot.press("space")  # still here
        await on_screen(pilot, IdentifyScreen)
        await until(lambda: speaker.stops > stops)
        assert speaker.texts()[-1] == zh("speech.screen.idle_warning")  # not said again


async def test_a_pickup_codes_answer_is_read_aloud(assembly: Assembly) -> None:
    speaker = speaker_of(assembly)
    en = Translator("en")
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.set_language("en")
        assembly.api.set_speech(True)
        await until(lambda: "Start" in screen_text(app))
        await tap(pilot, "#pickup")
        await until(lambda: en("speech.screen.pickup") in speaker.texts())
        await tap(pilot, "#sim-pickup-altered")
        status, after = app.screen.query_one("#pickup-status"), app.screen.query_one("#pickup-next")
        await until(lambda: bool(str(after.render())))
        # The answer and the next step as the screen shows them, without its symbols (✖).
        shown = str(status.render())
        assert shown.startswith("✖ ")
        assert speaker.said[-2:] == [Utterance(shown.removeprefix("✖ "), "en"),
                                     Utterance(str(after.render()), "en")]
