"""The real speaker: espeak-ng, playing through its own audio output (PulseAudio,
PipeWire or ALSA, by libpcaudio), one process per sentence, in a thread of its own.

The text goes to espeak-ng on its standard input, never on its command line (another
user could read a command line in /proc). A kiosk without espeak-ng, or without an
audio output, says so in ``status`` and goes on silently: ``say`` never raises.
espeak-ng exits 0 even when it found no sound card (it only complains on stderr), so
the driver looks for an audio output before it speaks and reads espeak-ng's stderr
after.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path

from devices.speaker.speaker import SpeakerError, Utterance, voice_for
from devices.status import DeviceStatus, Level

log = logging.getLogger(__package__)

PROGRAM = "espeak-ng"
RATE = 160  # words per minute (espeak-ng's own default is 175)
SLOW_RATE = 120  # elder mode
SOUND_DIR = Path("/dev/snd")
SYSTEM_SOCKETS = (Path("/run/pulse/native"),)  # a system-wide PulseAudio
# A sentence longer than this in speech is cut (a stuck audio output must not hold the
# queue for ever).
SAY_TIMEOUT_S = 60.0

# The status codes (DeviceStatus.code) besides "ready".
NOT_INSTALLED = "speech_not_installed"  # no espeak-ng (FAULT)
NO_AUDIO = "no_audio_output"  # nowhere to play (WARNING: the kiosk serves, silently)
AUDIO_FAILED = "audio_failed"  # espeak-ng ran but could not play (WARNING)


def find_audio_output(environ: Mapping[str, str] | None = None, sound_dir: Path = SOUND_DIR,
                      system_sockets: tuple[Path, ...] = SYSTEM_SOCKETS) -> str | None:
    """Where espeak-ng's sound would go: a PulseAudio or PipeWire server of the session,
    or an ALSA playback device; None: nowhere (a container, a kiosk without a sound card)."""
    env = os.environ if environ is None else environ
    if env.get("PULSE_SERVER"):
        return "pulse " + env["PULSE_SERVER"]
    runtime = env.get("XDG_RUNTIME_DIR")
    sockets = [Path(runtime) / "pulse" / "native", Path(runtime) / "pipewire-0"] if runtime \
        else []
    sockets.extend(system_sockets)
    for socket in sockets:
        if socket.exists():
            return str(socket)
    try:
        playback = sorted(p.name for p in sound_dir.glob("pcmC*D*p"))
    except OSError:
        playback = []
    return str(sound_dir / playback[0]) if playback else None


class EspeakSpeaker:
    def __init__(self, program: str = PROGRAM, *, rate: int = RATE, slow_rate: int = SLOW_RATE,
                 audio_output: Callable[[], str | None] | None = find_audio_output,
                 timeout_s: float = SAY_TIMEOUT_S) -> None:
        """``audio_output`` finds where the sound goes (None: do not look, always play)."""
        self.program = program
        self.rate = rate
        self.slow_rate = slow_rate
        self.timeout_s = timeout_s
        self._audio_output = audio_output
        self._queue: deque[Utterance] = deque()
        self._cond = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._generation = 0  # stop() moves it on: a sentence of an older one is not said
        self._closed = False
        self._status = DeviceStatus(Level.WARNING, "connecting")
        self.spoken = 0  # sentences espeak-ng finished (played or not)
        self._busy = False  # a sentence taken from the queue is on its way to espeak-ng
        self.check()
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    # -- the Speaker interface -------------------------------------------------------------
    def say(self, text: str, lang: str, *, slow: bool = False) -> None:
        utterance = Utterance(text, lang, slow)
        voice_for(lang)  # an unknown language is the caller's bug: said here, not later
        with self._cond:
            if self._closed:
                return
            self._queue.append(utterance)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._generation += 1
            self._queue.clear()
            process = self._process
        if process is not None:
            _end(process)

    def status(self) -> DeviceStatus:
        with self._cond:
            return self._status

    def check(self) -> DeviceStatus:
        """(A failed play stays the status until a sentence plays: the check cannot
        tell.)"""
        found = self._probe() or self._ready()
        with self._cond:
            if found.level is not Level.OK or self._status.code in (NOT_INSTALLED, NO_AUDIO,
                                                                   "connecting"):
                self._set_status(found)
            return self._status

    def wait_idle(self, timeout: float) -> bool:
        """*Blocking*: until nothing is being said or waits (True), or ``timeout`` passed."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def _idle(self) -> bool:
        return self._process is None and not self._queue and not self._busy

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self.stop()
        self._thread.join(timeout=5)

    # -- the speaking thread ---------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                utterance = self._queue.popleft()
                generation = self._generation
                self._busy = True
            try:
                problem = self._probe()
                if problem is None:
                    self._speak(utterance, generation)
                else:
                    with self._cond:
                        self._set_status(problem)
                        self._queue.clear()  # nothing to say them with
            except Exception as exc:  # noqa: BLE001 - the thread outlives a bad sentence
                log.error("speaker: unexpected %s; the sentence is dropped", type(exc).__name__)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _speak(self, utterance: Utterance, generation: int) -> None:
        rate = self.slow_rate if utterance.slow else self.rate
        command = [self.program, "-v", voice_for(utterance.lang), "-s", str(rate), "--stdin"]
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            with self._cond:
                self._set_status(DeviceStatus(Level.FAULT, NOT_INSTALLED, type(exc).__name__,
                                              where=self.program))
            return
        with self._cond:
            stopped = generation != self._generation or self._closed
            if not stopped:
                self._process = process
        if stopped:
            _end(process)
        hung = False
        try:
            _, err = process.communicate(utterance.text.encode("utf-8"), timeout=self.timeout_s)
        except subprocess.TimeoutExpired:  # a stuck audio output
            hung = True
            _end(process)
            _, err = process.communicate()
        finally:
            with self._cond:
                self._process = None
        complaint = f"no end in {self.timeout_s:g} s" if hung else _first_line(err)
        ready = self._ready()
        with self._cond:
            self.spoken += 1
            if process.returncode < 0 and not hung:
                return  # stopped: it says nothing about the audio
            if process.returncode != 0 or complaint:
                # (espeak-ng's and ALSA's own words: no text of ours is in them)
                self._set_status(DeviceStatus(Level.WARNING, AUDIO_FAILED, complaint,
                                              where=self.program))
            else:
                self._set_status(ready)

    # -- status ----------------------------------------------------------------------------
    def _probe(self) -> DeviceStatus | None:
        """Why nothing could be said now (no program, no audio output); None: try."""
        if shutil.which(self.program) is None:
            return DeviceStatus(Level.FAULT, NOT_INSTALLED, f"{self.program} not found",
                                where=self.program)
        if self._audio_output is not None and self._audio_output() is None:
            return DeviceStatus(Level.WARNING, NO_AUDIO, "no sound card or sound server",
                                where=str(SOUND_DIR))
        return None

    def _ready(self) -> DeviceStatus:
        where = self._audio_output() if self._audio_output is not None else None
        return DeviceStatus(Level.OK, "ready", where=where or "")

    def _set_status(self, status: DeviceStatus) -> None:
        """(Holding the lock.) Each change is logged once."""
        if status != self._status:
            self._status = status
            level = logging.INFO if status.level is Level.OK else logging.WARNING
            log.log(level, "speaker: %s %s%s", status.level, status.code,
                    f" ({status.detail})" if status.detail else "")


def _end(process: subprocess.Popen[bytes]) -> None:
    try:
        process.kill()
    except OSError:
        pass  # it had ended


def _first_line(err: bytes) -> str:
    lines = err.decode("utf-8", errors="replace").strip().splitlines()
    return lines[0][:200] if lines else ""


def write_wav(text: str, lang: str, out: Path, *, slow: bool = False, rate: int = RATE,
              slow_rate: int = SLOW_RATE, program: str = PROGRAM,
              timeout_s: float = SAY_TIMEOUT_S) -> None:
    """*Blocking*: ``text`` spoken into a WAV file (espeak-ng -w), as the kiosk would say
    it; raises SpeakerError when espeak-ng is missing or wrote no sound."""
    found = shutil.which(program)
    if found is None:
        raise SpeakerError(f"{program} not found: install it (apt install espeak-ng)")
    command = [found, "-v", voice_for(lang), "-s", str(slow_rate if slow else rate),
               "-w", str(out), "--stdin"]
    try:
        result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                                timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SpeakerError(f"{program} did not finish in {timeout_s:g} s") from exc
    complaint = _first_line(result.stderr)
    if result.returncode != 0 or not out.is_file():
        raise SpeakerError(f"{program} wrote no sound (exit {result.returncode})"
                           + (f": {complaint}" if complaint else ""))
