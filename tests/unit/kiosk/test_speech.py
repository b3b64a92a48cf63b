"""The spoken-prompts policy with the mock speaker: when it speaks, what, how fast, and
that each screen's words cut the last screen's."""

from __future__ import annotations

from devices.speaker import MockSpeaker, Utterance
from kiosk.i18n import Translator
from kiosk.speech import SpeechPolicy, speakable

ZH, EN = Translator("zh-CN"), Translator("en")


def test_off_for_a_visitor_until_asked() -> None:
    speaker = MockSpeaker()
    policy = SpeechPolicy(speaker)
    assert not policy.enabled
    assert policy.screen("speech.screen.home", "zh-CN") is None
    assert policy.result("done.printed", "zh-CN") is None
    assert speaker.said == [] and speaker.stops == 1  # a new screen silences all the same


def test_a_screen_cuts_the_last_one_and_a_result_follows_it() -> None:
    speaker = MockSpeaker()
    policy = SpeechPolicy(speaker)
    policy.choose(True)
    policy.screen("speech.screen.identify", "zh-CN")
    stops = speaker.stops
    said = policy.result("idcard.expired", "zh-CN", date="2020-01-01")
    assert speaker.stops == stops  # a result waits its turn, it does not cut the prompt
    policy.screen("speech.screen.form", "en")
    assert speaker.stops == stops + 1
    assert speaker.said == [Utterance(ZH("speech.screen.identify"), "zh-CN"),
                            Utterance(ZH("idcard.expired", date="2020-01-01"), "zh-CN"),
                            Utterance(EN("speech.screen.form"), "en")]
    assert said == ZH("idcard.expired", date="2020-01-01")
    assert policy.screen("", "en") is None and len(speaker.said) == 3  # a screen without one


def test_elder_mode_turns_it_on_slowly_and_the_visitors_choice_wins() -> None:
    speaker = MockSpeaker()
    policy = SpeechPolicy(speaker)
    policy.set_elder(True)
    assert policy.enabled
    policy.screen("speech.screen.home", "zh-CN")
    assert speaker.said[-1] == Utterance(ZH("speech.screen.home"), "zh-CN", slow=True)
    policy.choose(False)  # "朗读：关" in elder mode
    stops = speaker.stops
    assert not policy.enabled and policy.screen("speech.screen.catalog", "zh-CN") is None
    policy.set_elder(True)
    assert not policy.enabled  # elder mode does not overrule the visitor
    policy.reset()  # the next visitor
    assert not policy.enabled and speaker.stops > stops
    policy.set_elder(True)
    assert policy.enabled
    policy.set_elder(False)
    assert not policy.enabled


def test_elder_mode_off_stops_it_mid_sentence() -> None:
    speaker = MockSpeaker()
    policy = SpeechPolicy(speaker)
    policy.set_elder(True)
    policy.screen("speech.screen.home", "zh-CN")
    stops = speaker.stops
    policy.set_elder(False)
    assert speaker.stops == stops + 1


def test_the_config_may_turn_it_on_for_everyone_or_not_with_elder_mode() -> None:
    everyone = SpeechPolicy(MockSpeaker(), on_for_everyone=True)
    assert everyone.enabled
    everyone.choose(False)
    assert not everyone.enabled
    everyone.reset()
    assert everyone.enabled
    not_elder = SpeechPolicy(MockSpeaker(), on_in_elder_mode=False)
    not_elder.set_elder(True)
    assert not not_elder.enabled


def test_symbols_and_line_breaks_are_not_read() -> None:
    assert speakable("✔ 柜门已打开\n请关好柜门") == "柜门已打开 请关好柜门"
    assert speakable("✖ Not here  ·  ask staff") == "Not here · ask staff"
    speaker = MockSpeaker()
    policy = SpeechPolicy(speaker)
    policy.choose(True)
    assert policy.result("door.open", "zh-CN") == speakable(ZH("door.open"))
    assert speaker.texts() == [speakable(ZH("door.open"))] and "✔" not in speaker.texts()[0]
