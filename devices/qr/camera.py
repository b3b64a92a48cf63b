"""A camera as a QR scanner: frames from OpenCV (a device, a video file) or an image
folder (the field-test mock), decoded by the pipeline, each code reported once.

A code held in front of the camera is reported once; it must be out of view
for ``leave_frames`` frames in a row before the same code counts again. A
camera that stops giving frames is closed and reopened every ``reconnect_s``.
Blocking: call ``read`` from a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from devices.status import Cause, DeviceStatus, Level

if TYPE_CHECKING:
    import numpy as np

# OpenCV, numpy and the decoders are imported where a frame is first grabbed or decoded
# (the camera's worker thread), not when the kiosk starts: together they cost about a
# fifth of a second and tens of MB before the first screen (bench/startup.py). An image
# folder with no picture in it has nothing to decode: its empty view loads none of them
# (32 MB resident, bench/kiosk_memory.py --profile), so a kiosk whose identify screen
# polls an empty field-test camera stays without them until a code is held up.

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


class CameraGone(Exception):
    """The camera cannot be opened or stopped giving frames."""


class FrameSource(Protocol):
    def grab(self) -> np.ndarray:
        """The next greyscale frame; CameraGone when there is none to be had."""

    def view(self) -> np.ndarray | None:
        """The next frame to decode; None when nothing at all is in view (nothing to
        decode); CameraGone as ``grab``."""

    def close(self) -> None: ...


class CaptureSource:
    """OpenCV VideoCapture on a device index (``"0"``) or a video file (which loops)."""

    def __init__(self, source: str, width: int = 1280, height: int = 720) -> None:
        import cv2

        self.source = source
        self.is_file = not source.isdigit()
        self._cap = cv2.VideoCapture(source if self.is_file else int(source))
        if not self._cap.isOpened():
            raise CameraGone(f"cannot open camera {source!r}")
        if not self.is_file:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def grab(self) -> np.ndarray:
        import cv2

        ok, frame = self._cap.read()
        if not ok and self.is_file:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # a test video plays on a loop
            ok, frame = self._cap.read()
        if not ok or frame is None:
            raise CameraGone(f"camera {self.source!r} gave no frame")
        return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)

    def view(self) -> np.ndarray:
        return self.grab()

    def close(self) -> None:
        self._cap.release()


class FolderSource:
    """An image folder as a camera: the newest image is what the camera sees.

    A field tester (or the mocks buttons) drops a picture in; deleting it takes
    the code away. An empty folder shows an empty counter.
    """

    def __init__(self, folder: Path, width: int = 1280, height: int = 720) -> None:
        if not folder.is_dir():
            raise CameraGone(f"camera folder {folder} does not exist")
        self.folder = folder
        self._size = (height, width)
        self._blank_frame: np.ndarray | None = None
        self._cache: tuple[Path, float, np.ndarray] | None = None

    @property
    def _blank(self) -> np.ndarray:
        """An empty counter (made on the first grab: numpy loads in the worker)."""
        if self._blank_frame is None:
            import numpy as np

            self._blank_frame = np.full(self._size, 160, dtype=np.uint8)
        return self._blank_frame

    def grab(self) -> np.ndarray:
        frame = self.view()
        return self._blank if frame is None else frame

    def view(self) -> np.ndarray | None:
        """The newest picture; None for an empty counter (no picture, or one taken away,
        half-written or not an image), without loading numpy or OpenCV."""
        dated: list[tuple[float, Path]] = []
        try:
            listing = list(self.folder.iterdir())
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise CameraGone(f"camera folder {self.folder} is gone") from exc
        for path in listing:
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                dated.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue  # taken away between the listing and the look: not in view
        if not dated:
            return None
        mtime, newest = max(dated)
        if self._cache is None or self._cache[:2] != (newest, mtime):
            # Bytes read here and decoded in memory: cv2.imread prints a warning to the
            # terminal, over the kiosk's screen, for a picture deleted in the meantime.
            try:
                raw = newest.read_bytes()
            except OSError:
                return None  # taken away between the listing and the look
            if not raw:
                return None  # not written yet
            import cv2
            import numpy as np

            frame = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
            if frame is None:
                return None  # half-written or not an image: like a smudged lens
            self._cache = (newest, mtime, frame)
        return self._cache[2]

    def close(self) -> None:
        self._cache = None


def open_source(source: str, width: int, height: int) -> FrameSource:
    path = Path(source)
    if path.is_dir():
        return FolderSource(path, width, height)
    return CaptureSource(source, width, height)


def decode_with_pipeline(gray: np.ndarray) -> list[str]:
    """The kiosk's pipeline (``devices.qr.pipeline.decode_frame``), imported on the first
    frame decoded."""
    from devices.qr.pipeline import decode_frame

    return decode_frame(gray)


class CameraScanner:
    def __init__(self, opener: Callable[[], FrameSource], *,
                 decode: Callable[[np.ndarray], list[str]] = decode_with_pipeline,
                 frame_interval_s: float = 1 / 15, leave_frames: int = 5,
                 reconnect_s: float = 1.0) -> None:
        self._opener = opener
        self._decode = decode
        self.frame_interval_s = frame_interval_s
        self.leave_frames = leave_frames
        self.reconnect_s = reconnect_s
        self._source: FrameSource | None = None
        self._next_attempt = 0.0
        self._in_view: dict[str, int] = {}  # code -> frames since it was last seen
        self._status = DeviceStatus(Level.WARNING, "connecting")
        self._lock = threading.Lock()  # one reader at a time: the seen-codes state is shared

    def read(self, timeout: float) -> str | None:
        with self._lock:
            return self._read(timeout)

    def _read(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            code = self._one_frame()
            if code is not None:
                return code
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(left, self.frame_interval_s if self._source else self.reconnect_s))

    def _one_frame(self) -> str | None:
        if self._source is None and not self._connect():
            return None
        assert self._source is not None
        try:
            frame = self._source.view()
        except CameraGone as exc:
            self._drop(str(exc))
            return None
        # Nothing in view: no code, and no decoder loaded or run to learn it.
        seen = set(self._decode(frame)) if frame is not None else set()
        for code in list(self._in_view):
            if code not in seen:
                self._in_view[code] += 1
                if self._in_view[code] >= self.leave_frames:
                    del self._in_view[code]  # it has left the view: may count again
        new = [code for code in seen if code not in self._in_view]
        for code in seen:
            self._in_view[code] = 0
        return new[0] if new else None

    def _connect(self) -> bool:
        if time.monotonic() < self._next_attempt:
            return False
        self._next_attempt = time.monotonic() + self.reconnect_s
        try:
            self._source = self._opener()
        except CameraGone as exc:
            self._status = DeviceStatus(Level.FAULT, "unplugged", str(exc), Cause.CAMERA_GONE)
            return False
        self._status = DeviceStatus.ready()
        return True

    def _drop(self, detail: str) -> None:
        if self._source is not None:
            self._source.close()
        self._source = None
        self._in_view.clear()
        self._status = DeviceStatus(Level.FAULT, "unplugged", detail, Cause.CAMERA_GONE)

    def status(self) -> DeviceStatus:
        return self._status

    def check(self) -> DeviceStatus:
        """Open the camera if it is not open (reconnects one that came back)."""
        if self._lock.acquire(blocking=False):
            try:
                if self._source is None:
                    self._connect()
            finally:
                self._lock.release()
        return self._status

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None
