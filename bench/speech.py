"""Spoken prompts: what saying a screen's prompt costs the UI thread.

For every screen prompt in the catalog ([speech.screen], zh-CN and en): the time
``EspeakSpeaker.say`` holds its caller (the UI thread), and the time ``stop`` holds it
when the next screen cuts the sentence. Peers in the same run, for the same sentences:
what a blocking call would have held the UI thread: espeak-ng synthesising the sentence
(``espeak-ng -w``, the least a blocking say costs) and the sentence's length as speech
(what a say that waits for the audio would cost). Needs espeak-ng; no audio output is
needed (the driver is told there is one: espeak-ng then runs and cannot play).

    python bench/speech.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.speaker import EspeakSpeaker, write_wav
from kiosk.i18n import messages


def prompts() -> list[tuple[str, str]]:
    found = []
    for lang in ("zh-CN", "en"):
        found += [(lang, text) for key, text in messages(lang).items()
                  if key.startswith("speech.screen.")]
    return found


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.3f} | {max(values) * 1000:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (apt install espeak-ng)", file=sys.stderr)
        return 2
    sentences = prompts()
    says: list[float] = []
    stops: list[float] = []
    synth: list[float] = []
    spoken: list[float] = []
    speaker = EspeakSpeaker(audio_output=lambda: "bench")
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "said.wav"
            for _ in range(args.rounds):
                for lang, text in sentences:
                    start = time.perf_counter()
                    speaker.say(text, lang)
                    says.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    speaker.stop()  # the next screen
                    stops.append(time.perf_counter() - start)
                    speaker.wait_idle(timeout=30)
                    start = time.perf_counter()
                    write_wav(text, lang, out)
                    synth.append(time.perf_counter() - start)
                    with wave.open(str(out), "rb") as wav:
                        spoken.append(wav.getnframes() / wav.getframerate())
        # And sentences said to the end (not cut), to show the thread does run them.
        before = speaker.spoken
        for lang, text in sentences:
            speaker.say(text, lang)
        speaker.wait_idle(timeout=120)
        ran = speaker.spoken - before
    finally:
        speaker.close()
    print(f"{len(sentences)} screen prompts (zh-CN and en) x {args.rounds} rounds;"
          f" espeak-ng ran {ran} of {len(sentences)} queued sentences to the end\n")
    print("| what holds the UI thread | median ms | max ms |")
    print("| --- | ---: | ---: |")
    print(f"| kiosk: `say` (queued, said by the driver's thread) | {ms(says)} |")
    print(f"| kiosk: `stop` at the next screen (the sentence queued or being said) | {ms(stops)} |")
    print(f"| peer: a blocking synthesis (`espeak-ng -w`) | {ms(synth)} |")
    print(f"| peer: a say that waits for the speech to end | {ms(spoken)} |")
    ratio = statistics.median(synth) / statistics.median(says)
    print(f"\nblocking synthesis / kiosk say (median): {ratio:,.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
