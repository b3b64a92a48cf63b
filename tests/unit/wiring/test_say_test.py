"""`main.py say-test` and the speaker built from the config: a WAV of real speech (as a
process: the command an installer runs), "not said" and why on a machine without an audio
output, and espeak-ng or the mock as [speech] says."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from devices.speaker import EspeakSpeaker, MockSpeaker, find_audio_output
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, SpeechSection, load_config
from wiring.devices import build_speaker

NEEDS_ESPEAK = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt install espeak-ng;"
                                  " scripts/test-deps installs it)")
SPOKEN = "受理编号 XH-CCB-0001-000042"


def say_test(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "say-test", "--data-dir",
                           str(tmp_path / "data"), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


@NEEDS_ESPEAK
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_say_test_writes_a_wav_of_speech(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "said.wav"
    done = say_test(tmp_path, "--lang", lang, "--out", str(out), SPOKEN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out}: ") and lang in done.stdout
    head = out.read_bytes()[:12]
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    with wave.open(str(out), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        assert wav.getnframes() > wav.getframerate()  # over a second of speech
    assert frames.strip(b"\0"), "every sample is silence"
    # What was said is in no log and no output: only in the file asked for.
    assert SPOKEN not in done.stdout + done.stderr
    logs = tmp_path / "data" / "logs"
    assert not logs.exists() or all(SPOKEN not in p.read_text(errors="replace")
                                    for p in logs.iterdir())


@NEEDS_ESPEAK
def test_say_test_default_sentence_and_elder_rate(tmp_path: Path) -> None:
    normal, slow = tmp_path / "normal.wav", tmp_path / "slow.wav"
    assert say_test(tmp_path, "--out", str(normal)).returncode == 0
    assert say_test(tmp_path, "--out", str(slow), "--slow").returncode == 0
    assert slow.stat().st_size > normal.stat().st_size


def test_say_test_without_an_audio_output_says_why(tmp_path: Path) -> None:
    if find_audio_output() is not None:
        pytest.skip("this machine has an audio output: say-test would speak")
    done = say_test(tmp_path, "Hello")
    assert done.returncode == 1
    reason = "no_audio_output" if shutil.which("espeak-ng") else "speech_not_installed"
    assert f"not said: {reason}" in done.stderr and "--out FILE.wav" in done.stderr


def test_the_speaker_the_config_asks_for(tmp_path: Path) -> None:
    assert load_config(DEMO_CONFIG, data_dir=tmp_path).speech.kind == "auto"
    assert isinstance(build_speaker(SpeechSection(kind="mock")), MockSpeaker)
    # "auto" without espeak-ng: the mock (a developer's machine).
    missing = SpeechSection(kind="auto", program=str(tmp_path / "no-espeak-ng"))
    assert isinstance(build_speaker(missing), MockSpeaker)
    # "espeak" without it: the driver, reporting it (a deployed kiosk must not pass silently).
    speaker = build_speaker(SpeechSection(kind="espeak", program=str(tmp_path / "no-espeak-ng"),
                                          rate=170, slow_rate=110))
    try:
        assert isinstance(speaker, EspeakSpeaker)
        assert speaker.status().code == "speech_not_installed"
        assert (speaker.rate, speaker.slow_rate) == (170, 110)
    finally:
        speaker.close()
