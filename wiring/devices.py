"""Building the device hub from the config: real drivers, and mock devices behind them.

A mocked ID card reader is a protocol-faithful device on a pseudo-terminal; the
kiosk still talks to it through the real serial driver, so the demo and field
tests exercise the code a branch runs.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.errors import ConfigError, DataFileError
from devices.cabinet import (
    Feedback,
    LockBoards,
    MockCabinet,
    SerialLockBoards,
    XorBoardFamily,
)
from devices.hub import DeviceHub, MockDevices
from devices.idcard import DeckError, MockCardReader, SerialIdCardReader, load_deck
from devices.printer import EscposSlipPrinter, MockPrinterDevice, PrinterSpec, SlipPrinter
from devices.printer.profile_cache import use_profile_cache
from devices.qr import (
    CameraScanner,
    FolderSource,
    MockCamera,
    QrScanner,
    SerialLineScanner,
    open_source,
)
from devices.qr.camera import decode_with_pipeline
from devices.qr.text import PayloadTextError, payload_text
from devices.serialport import PathPort, PortLocator, locator_for
from devices.speaker import EspeakSpeaker, MockSpeaker, Speaker, find_audio_output
from wiring.config import (
    CabinetSection,
    IdCardSection,
    KioskConfig,
    PrinterSection,
    QrSection,
    SpeechSection,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__package__)


def build_hub(config: KioskConfig) -> DeviceHub:
    data_dir = config.data_dir
    sim = MockDevices()
    reader = _idcard(config.devices.idcard, data_dir, sim)
    scanner = _qr(config.devices.qr, data_dir, sim)
    scanner.check()  # start with a known status
    printer = _printer(config.devices.printer, data_dir, sim)
    printer.check()
    cabinet = _cabinet(config.devices.cabinet, data_dir, sim)
    mocked = any((sim.idcard, sim.qr, sim.printer, sim.cabinet))
    return DeviceHub(reader, scanner, printer, mocks=sim if mocked else None, cabinet=cabinet)


def build_speaker(section: SpeechSection) -> Speaker:
    """espeak-ng, or the mock that records what would be said ("auto": the mock only
    where espeak-ng is not installed, as on a developer's machine)."""
    if section.kind == "mock" or (section.kind == "auto" and shutil.which(section.program)
                                  is None):
        if section.kind == "auto":
            log.info("speech: %s is not installed; prompts are recorded, not said",
                     section.program)
        return MockSpeaker()
    return EspeakSpeaker(section.program, rate=section.rate, slow_rate=section.slow_rate,
                         audio_output=find_audio_output if section.audio_check else None)


def _cabinet(section: CabinetSection, data_dir: Path, sim: MockDevices) -> LockBoards | None:
    if section.kind == "none":
        return None
    family = XorBoardFamily(feedback=Feedback(section.feedback))
    locator: PortLocator
    if section.kind == "mock":
        sim.cabinet = MockCabinet(data_dir / "cabinet-boards", max(section.boards),
                                  section.doors, baudrate=section.baudrate,
                                  auto_close_s=section.auto_close_s, family=family).start()
        locator = PathPort(sim.cabinet.port)
    else:
        try:
            locator = locator_for(section.port, section.usb)
        except ValueError as exc:
            raise ConfigError(f"devices.cabinet: {exc}") from exc
    boards = SerialLockBoards(locator, dict.fromkeys(section.boards, section.doors),
                              family=family, baudrate=section.baudrate,
                              answer_timeout_s=section.timeout_s)
    boards.check()  # start with a known status
    return boards


def _printer(section: PrinterSection, data_dir: Path, sim: MockDevices) -> SlipPrinter:
    use_profile_cache(data_dir / "cache" / "escpos")  # before the first check imports it
    if section.kind == "mock":
        sim.printer = MockPrinterDevice(data_dir / "printer-jobs")
        host, port = sim.printer.serve_tcp()
        spec = PrinterSpec("net", host, port)
    else:
        try:
            spec = PrinterSpec.parse(f"{section.kind}:{section.target}")
        except ValueError as exc:
            raise ConfigError(f"devices.printer: {exc}") from exc
    return EscposSlipPrinter(spec, section.paper_mm, timeout_s=section.timeout_s,
                             native_qr=section.native_qr)


def _decoder(backend: str) -> Callable[[np.ndarray], list[str]]:
    """The camera's decoder. The pipeline (the default) is imported on the first frame,
    in the camera's worker, so OpenCV, numpy and zxing-cpp do not load before the first
    screen. A single backend named in the config is built here: a library it needs that
    is missing (libzbar) stops the start, not a citizen's scan."""
    if backend == "pipeline":
        return decode_with_pipeline
    from devices.qr.backends import BACKENDS

    decoder = BACKENDS[backend]()
    return lambda gray: [text for raw in decoder.decode(gray)
                         if (text := _text_or_none(raw)) is not None]


def _text_or_none(raw: bytes) -> str | None:
    try:
        return payload_text(raw)
    except PayloadTextError:
        return None


def _qr(section: QrSection, data_dir: Path, sim: MockDevices) -> QrScanner:
    decode = _decoder(section.backend)
    if section.kind == "mock":
        camera = sim.qr = MockCamera(data_dir / "camera")
        camera.take_away()  # nothing is held up when the kiosk starts
        return CameraScanner(lambda: FolderSource(camera.folder, section.width, section.height),
                             decode=decode)
    if section.kind == "camera":
        return CameraScanner(lambda: open_source(section.source, section.width, section.height),
                             decode=decode)
    try:
        locator = locator_for(section.port, section.usb)
    except ValueError as exc:
        raise ConfigError(f"devices.qr: {exc}") from exc
    return SerialLineScanner(locator, baudrate=section.baudrate)


def _idcard(section: IdCardSection, data_dir: Path, sim: MockDevices) -> SerialIdCardReader:
    locator: PortLocator
    if section.kind == "mock":
        try:
            deck = load_deck(section.deck)
        except DeckError as exc:
            raise DataFileError(str(exc)) from exc
        sim.idcard = MockCardReader(deck, data_dir / "idcard-reader", section.baudrate,
                                    section.pace).start()
        locator = PathPort(sim.idcard.port)
    else:
        try:
            locator = locator_for(section.port, section.usb)
        except ValueError as exc:
            raise ConfigError(f"devices.idcard: {exc}") from exc
    reader = SerialIdCardReader(locator, baudrate=section.baudrate, timeout_s=section.timeout_s,
                                fingerprint=section.fingerprint)
    reader.check()  # start with a known status: the status bar never says "connecting" for long
    return reader
