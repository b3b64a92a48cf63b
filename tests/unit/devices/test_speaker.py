"""The speaker: the mock records in order; the espeak-ng driver queues, stops, keeps the
text off the command line, and on a machine without espeak-ng or without an audio output
reports so and never raises; the WAV writer writes real speech."""

from __future__ import annotations

import shutil
import sys
import wave
from pathlib import Path

import pytest

from devices.speaker import (
    AUDIO_FAILED,
    NO_AUDIO,
    NOT_INSTALLED,
    EspeakSpeaker,
    MockSpeaker,
    SpeakerError,
    Utterance,
    find_audio_output,
    write_wav,
)
from devices.speaker.mock_speaker import KEEP
from devices.status import Level
from tests.support.waiting import wait_for

ESPEAK = shutil.which("espeak-ng")
NEEDS_ESPEAK = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (apt install"
                                  " espeak-ng; scripts/test-deps installs it)")


def test_the_mock_records_what_would_have_been_said_in_order() -> None:
    speaker = MockSpeaker()
    speaker.say("请选择要办理的事项。", "zh-CN")
    speaker.stop()
    speaker.say("Choose a service.", "en", slow=True)
    assert speaker.said == [Utterance("请选择要办理的事项。", "zh-CN"),
                            Utterance("Choose a service.", "en", slow=True)]
    assert speaker.stops == 1 and speaker.status().level is Level.OK
    with pytest.raises(ValueError, match="no voice"):
        speaker.say("Bonjour", "fr")  # as the driver: no voice for it


def test_the_mock_keeps_only_the_last_utterances() -> None:
    """A demo kiosk without espeak-ng runs on the mock for days: what it keeps is bounded."""
    speaker = MockSpeaker()
    for n in range(KEEP + 20):
        speaker.say(f"第{n}号", "zh-CN")
    assert len(speaker.said) == KEEP
    assert speaker.said[-1].text == f"第{KEEP + 19}号" and speaker.said[0].text == "第20号"


# -- a stand-in espeak-ng: a real process that records how it was called ------------------
STAND_IN = """\
import sys, pathlib, time
out = pathlib.Path(sys.argv[0]).parent
text = sys.stdin.buffer.read().decode("utf-8")
with open(out / "calls.txt", "a", encoding="utf-8") as log:
    log.write(" ".join(sys.argv[1:]) + "|" + text + "\\n")
if text.startswith("LONG"):
    time.sleep(60)  # a long sentence: only stop() ends it
"""


def stand_in(tmp_path: Path) -> Path:
    program = tmp_path / "espeak-ng"
    program.write_text(f"#!{sys.executable}\n{STAND_IN}", encoding="utf-8")
    program.chmod(0o755)
    return program


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.txt"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_sentences_are_said_in_turn_with_each_languages_voice(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(stand_in(tmp_path)), rate=150, slow_rate=100,
                            audio_output=lambda: "/dev/snd/pcmC0D0p")
    try:
        speaker.say("请将身份证放在读卡区", "zh-CN")
        speaker.say("Tap Next.", "en", slow=True)
        assert speaker.wait_idle(timeout=30)
        assert calls(tmp_path) == ["-v cmn -s 150 --stdin|请将身份证放在读卡区",
                                   "-v en -s 100 --stdin|Tap Next."]
        assert speaker.status().code == "ready" and speaker.status().where == "/dev/snd/pcmC0D0p"
    finally:
        speaker.close()


def test_stop_cuts_the_sentence_and_drops_the_rest(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(stand_in(tmp_path)), audio_output=lambda: "pulse")
    try:
        speaker.say("LONG: the last screen's prompt", "en")
        speaker.say("never said", "en")
        wait_for(lambda: len(calls(tmp_path)) == 1)  # it is saying the long one
        speaker.stop()
        assert speaker.wait_idle(timeout=10)
        assert [c.split("|")[1] for c in calls(tmp_path)] == ["LONG: the last screen's prompt"]
        assert speaker.status().level is Level.OK  # a stop says nothing about the audio
    finally:
        speaker.close()


def test_no_audio_output_is_a_status_not_an_error(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(stand_in(tmp_path)), audio_output=lambda: None)
    try:
        assert speaker.check().code == NO_AUDIO
        assert speaker.status().level is Level.WARNING
        speaker.say("请选择要办理的事项。", "zh-CN")  # does not raise...
        assert speaker.wait_idle(timeout=10)
        assert calls(tmp_path) == [] and speaker.spoken == 0  # ...and runs nothing
        assert speaker.status().code == NO_AUDIO
    finally:
        speaker.close()


def test_a_missing_espeak_is_a_fault_status_not_an_error(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(tmp_path / "no-such-espeak-ng"), audio_output=lambda: "pulse")
    try:
        status = speaker.check()
        assert (status.level, status.code) == (Level.FAULT, NOT_INSTALLED)
        speaker.say("Choose a service.", "en")
        assert speaker.wait_idle(timeout=10)
        assert speaker.status().code == NOT_INSTALLED
    finally:
        speaker.close()


@NEEDS_ESPEAK
def test_real_espeak_without_a_sound_card_reports_and_does_not_raise() -> None:
    """The machine's own case when it has no audio output: espeak-ng runs (the check of
    the output is turned off), cannot play, exits 0 and complains: the driver says so."""
    if find_audio_output() is not None:
        pytest.skip("this machine has an audio output: nothing to fail here")
    speaker = EspeakSpeaker(audio_output=None)
    try:
        speaker.say("请选择要办理的事项。", "zh-CN")
        assert speaker.wait_idle(timeout=30)
        status = speaker.status()
        assert speaker.spoken == 1
        assert (status.level, status.code, status.where) == (Level.WARNING, AUDIO_FAILED,
                                                             "espeak-ng")
        assert "请选择" not in status.detail
    finally:
        speaker.close()
    # and where the output is checked first, it never runs at all
    checked = EspeakSpeaker()
    try:
        assert checked.check().code == NO_AUDIO
    finally:
        checked.close()


def test_finding_an_audio_output(tmp_path: Path) -> None:
    snd = tmp_path / "snd"
    snd.mkdir()
    (snd / "controlC0").touch()
    (snd / "pcmC0D0c").touch()  # a capture device plays nothing
    assert find_audio_output({}, snd, ()) is None
    (snd / "pcmC0D0p").touch()
    assert find_audio_output({}, snd, ()) == str(snd / "pcmC0D0p")
    runtime = tmp_path / "run"
    (runtime / "pulse").mkdir(parents=True)
    (runtime / "pulse" / "native").touch()
    assert find_audio_output({"XDG_RUNTIME_DIR": str(runtime)}, tmp_path / "none", ()) == \
        str(runtime / "pulse" / "native")
    assert find_audio_output({"PULSE_SERVER": "tcp:10.0.0.5"}, snd, ()) == "pulse tcp:10.0.0.5"


def samples(path: Path) -> tuple[bytes, wave.Wave_read]:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes()), wav


@NEEDS_ESPEAK
@pytest.mark.parametrize(("lang", "text"), [("zh-CN", "请将身份证放在读卡区"),
                                            ("en", "Place your ID card on the reader.")])
def test_write_wav_writes_speech(tmp_path: Path, lang: str, text: str) -> None:
    out = tmp_path / "said.wav"
    write_wav(text, lang, out)
    assert out.read_bytes()[:4] == b"RIFF" and out.read_bytes()[8:12] == b"WAVE"
    frames, wav = samples(out)
    assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
    assert len(frames) > wav.getframerate()  # more than half a second of it
    assert frames.strip(b"\0"), "every sample is silence"
    slow = tmp_path / "slow.wav"
    write_wav(text, lang, slow, slow=True)
    assert len(samples(slow)[0]) > len(frames)  # elder mode's rate: longer


def test_write_wav_without_espeak_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(SpeakerError, match="apt install espeak-ng"):
        write_wav("hello", "en", tmp_path / "x.wav", program=str(tmp_path / "no-espeak"))


def test_a_sentence_that_never_ends_is_cut_and_reported(tmp_path: Path) -> None:
    """A stuck audio output must not hold the queue for ever."""
    speaker = EspeakSpeaker(str(stand_in(tmp_path)), audio_output=lambda: "pulse",
                            timeout_s=0.5)
    try:
        speaker.say("LONG: stuck", "en")
        assert speaker.wait_idle(timeout=30)
        status = speaker.status()
        assert (status.code, status.detail) == (AUDIO_FAILED, "no end in 0.5 s")
        speaker.say("after it", "en")  # the next one is said, and the audio is well again
        assert speaker.wait_idle(timeout=30)
        assert [c.split("|")[1] for c in calls(tmp_path)] == ["LONG: stuck", "after it"]
        assert speaker.status().code == "ready"
    finally:
        speaker.close()
