"""Spoken prompts: the speaker interface, the espeak-ng driver and WAV writer, the mock
that records what would have been said (docs/speech.md)."""

from devices.speaker.espeak import (
    AUDIO_FAILED,
    NO_AUDIO,
    NOT_INSTALLED,
    EspeakSpeaker,
    find_audio_output,
    write_wav,
)
from devices.speaker.mock_speaker import MockSpeaker
from devices.speaker.speaker import VOICES, Speaker, SpeakerError, Utterance, voice_for

__all__ = ["AUDIO_FAILED", "NOT_INSTALLED", "NO_AUDIO", "VOICES", "EspeakSpeaker", "MockSpeaker",
           "Speaker", "SpeakerError", "Utterance", "find_audio_output", "voice_for", "write_wav"]
