"""QR scanners: the camera (image folder, video file, a device that is not there) with
duplicate suppression and reconnect, and line-mode serial scanners over a pty."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pytest

from devices.qr import (
    CameraGone,
    CameraScanner,
    FolderSource,
    MockCamera,
    MockLineScanner,
    QrScanner,
    SerialLineScanner,
    open_source,
)
from devices.qr.mock_camera import render_held_code
from devices.serialport import PathPort
from devices.status import Level

if TYPE_CHECKING:
    from wiring.config import QrBackendName

EID = "EID1:eyJuYW1lIjoi5byg5LyfIn0"


def read_within(scanner: QrScanner, within: float = 5.0) -> str | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (code := scanner.read(timeout=0.1)) is not None:
            return code
    return None


@pytest.fixture
def folder_camera(tmp_path: Path) -> tuple[MockCamera, CameraScanner]:
    camera = MockCamera(tmp_path / "camera")
    scanner = CameraScanner(lambda: FolderSource(camera.folder), frame_interval_s=0.01,
                            reconnect_s=0.05)
    return camera, scanner


def test_a_code_held_up_is_read_once_until_it_leaves(folder_camera) -> None:
    camera, scanner = folder_camera
    assert scanner.read(timeout=0.2) is None
    camera.show(EID)
    assert read_within(scanner) == EID
    assert scanner.read(timeout=0.3) is None  # still held up: not reported again
    camera.take_away()
    assert scanner.read(timeout=0.3) is None  # gone for enough frames: may count again
    camera.show(EID)
    assert read_within(scanner) == EID


def test_a_chinese_payload_through_the_camera(folder_camera) -> None:
    camera, scanner = folder_camera
    camera.show("取件码：徐汇区漕溪北路药房 3号窗口")
    assert read_within(scanner) == "取件码：徐汇区漕溪北路药房 3号窗口"


def test_a_payload_qrcode_cannot_build_at_level_m_is_still_shown(folder_camera) -> None:
    # Found by the monkey test: qrcode 8 raises "glog(0)" for 200 zeros at level M, and
    # the field tester's camera crashed the run. Another level still makes a code.
    camera, scanner = folder_camera
    camera.show("0" * 200)
    assert read_within(scanner) == "0" * 200


def test_a_half_written_picture_is_no_frame(folder_camera) -> None:
    camera, scanner = folder_camera
    (camera.folder / "broken.png").write_bytes(b"\x89PNG not really")
    assert scanner.read(timeout=0.2) is None
    assert scanner.status().level is Level.OK


def test_a_picture_taken_away_while_the_folder_is_read_is_no_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the monkey test: a code taken away (the file deleted) between the listing
    and the look raised FileNotFoundError in the reading thread and stopped the kiosk."""
    camera = MockCamera(tmp_path / "camera")
    held = camera.show(EID)
    listed = [camera.folder / "held-0000.png", held]  # the first is gone by the look
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(listed))
    source = FolderSource(camera.folder)
    assert source.grab().shape == (720, 1280)  # the picture still there
    held.unlink()
    assert (source.grab() == 160).all()  # both gone: the empty counter


def test_a_picture_that_cannot_be_read_prints_nothing(
        tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the monkey test: cv2.imread warned on stderr (over the kiosk's screen)
    for a picture deleted between the listing and the look, or half written."""
    camera = MockCamera(tmp_path / "camera")
    good = camera.show(EID)
    half = camera.folder / "held-9999.png"
    half.write_bytes(good.read_bytes()[:200])  # newest, and cut short
    source = FolderSource(camera.folder)
    assert (source.grab() == 160).all()
    half.unlink()
    real_read = Path.read_bytes

    def gone(self: Path) -> bytes:  # deleted after its stat, before its read
        self.unlink()
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", gone)
    assert (source.grab() == 160).all()
    monkeypatch.undo()
    assert capfd.readouterr().err == ""


def test_a_camera_that_disappears_is_reported_and_reconnected(tmp_path: Path,
                                                              folder_camera) -> None:
    camera, scanner = folder_camera
    assert scanner.check().level is Level.OK
    renamed = tmp_path / "away"
    camera.folder.rename(renamed)
    assert scanner.read(timeout=0.3) is None
    assert (scanner.status().level, scanner.status().code) == (Level.FAULT, "unplugged")
    renamed.rename(camera.folder)
    camera.show(EID)
    assert read_within(scanner) == EID
    assert scanner.status().level is Level.OK


def test_a_video_file_is_a_camera(tmp_path: Path) -> None:
    video = tmp_path / "held.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 15, (1280, 720))
    blank = np.full((720, 1280), 150, np.uint8)
    for frame in [blank] * 5 + [render_held_code("XH-CCB-0001-000042")] * 10:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    scanner = CameraScanner(lambda: open_source(str(video), 1280, 720), frame_interval_s=0)
    assert read_within(scanner) == "XH-CCB-0001-000042"
    scanner.close()


def test_a_missing_camera_device_is_unplugged_not_a_crash() -> None:
    with pytest.raises(CameraGone):
        open_source("97", 1280, 720)  # no /dev/video97
    scanner = CameraScanner(lambda: open_source("97", 1280, 720), reconnect_s=0.05)
    assert scanner.read(timeout=0.2) is None
    assert scanner.check().code == "unplugged"


@pytest.fixture
def line_scanner(tmp_path: Path) -> Iterator[tuple[MockLineScanner, SerialLineScanner]]:
    mock = MockLineScanner(tmp_path / "scanner").start()
    scanner = SerialLineScanner(PathPort(mock.port), reconnect_s=0.05)
    assert scanner.check().level is Level.OK  # open: what a scanner sends before is lost
    yield mock, scanner
    scanner.close()
    mock.close()


def test_line_scanner_reads_one_code_per_line(line_scanner) -> None:
    mock, scanner = line_scanner
    assert scanner.check().level is Level.OK
    mock.scan("XH-CCB-0001-000042")
    mock.scan("取件码".encode("gb18030"))
    mock.send_raw(b"LF-ONLY\n" + b"CR-ONLY\r")
    assert [read_within(scanner) for _ in range(4)] == [
        "XH-CCB-0001-000042", "取件码", "LF-ONLY", "CR-ONLY"]


def test_line_scanner_skips_lines_that_are_not_text(line_scanner) -> None:
    mock, scanner = line_scanner
    mock.send_raw(b"\xff\xfe\x00\x01\r\n")
    mock.scan("GOOD")
    assert read_within(scanner) == "GOOD"
    assert scanner.rejected == 1


def test_line_scanner_joins_a_line_sent_in_pieces(line_scanner) -> None:
    mock, scanner = line_scanner
    mock.send_raw(b"XH-CCB-")
    assert scanner.read(timeout=0.1) is None
    mock.send_raw(b"0001-000042\r\n")
    assert read_within(scanner) == "XH-CCB-0001-000042"


def test_line_scanner_survives_unplug(line_scanner) -> None:
    mock, scanner = line_scanner
    assert scanner.check().level is Level.OK
    mock.unplug()
    assert scanner.read(timeout=0.2) is None
    assert scanner.status().code == "unplugged"
    mock.replug()
    deadline = time.monotonic() + 5
    while scanner.check().level is not Level.OK:  # what is sent before the port opens is lost
        assert time.monotonic() < deadline
        time.sleep(0.01)
    mock.scan("BACK")
    assert read_within(scanner) == "BACK"
    assert scanner.status().level is Level.OK


@pytest.mark.parametrize("backend", ["pipeline", "zxing", "zbar", "opencv", "opencv_aruco"])
def test_each_backend_can_drive_the_kiosk_camera(tmp_path: Path,
                                                 backend: QrBackendName) -> None:
    from wiring.config import DEMO_CONFIG, load_config
    from wiring.devices import build_hub

    config = load_config(DEMO_CONFIG, data_dir=tmp_path)
    config.devices.qr.backend = backend
    hub = build_hub(config)
    try:
        assert hub.mocks is not None and hub.mocks.qr is not None
        hub.mocks.qr.show("取件码 XH-CCB-0001-000042")
        assert read_within(hub.qr) == "取件码 XH-CCB-0001-000042"
    finally:
        hub.close()
