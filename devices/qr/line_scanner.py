"""Line-mode scanners (serial or USB-serial): the scanner decodes, then sends one
code per line (CR, LF or CRLF). The driver turns the bytes into text itself,
UTF-8 then GB18030, and survives unplugging like the card reader's driver."""

from __future__ import annotations

import threading
import time

import serial

from devices.qr.text import PayloadTextError, payload_text
from devices.serialport import (
    OPEN_ERRORS,
    SERIAL_ERRORS,
    PortLocator,
    SerialFactory,
    close_quietly,
    open_serial,
)
from devices.status import Cause, DeviceStatus, Level, where

MAX_LINE = 4096  # longer without a line end: noise, dropped


class SerialLineScanner:
    def __init__(self, locator: PortLocator, *, baudrate: int = 9600,
                 reconnect_s: float = 1.0, factory: SerialFactory = serial.Serial) -> None:
        self.locator = locator
        self.baudrate = baudrate
        self.reconnect_s = reconnect_s
        self._factory = factory
        self._port: serial.Serial | None = None
        self._buf = bytearray()
        self._next_attempt = 0.0
        self._lock = threading.Lock()
        self._status = DeviceStatus(Level.WARNING, "connecting", locator.describe(),
                                    where=locator.describe())
        self.rejected = 0  # lines dropped as not text, or as over-long noise

    def read(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self._port is None and not self._connect():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    time.sleep(min(left, self.reconnect_s))
                    continue
                line = self._next_line(deadline)
                if line is not None:
                    return line
                if time.monotonic() >= deadline:
                    return None

    def _next_line(self, deadline: float) -> str | None:
        assert self._port is not None
        while True:
            ends = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0]
            if ends:
                cut = min(ends)
                raw = bytes(self._buf[:cut]).strip()
                del self._buf[:cut + 1]
                if not raw:
                    continue  # the LF of a CRLF, or an empty line
                try:
                    return payload_text(raw)
                except PayloadTextError:
                    self.rejected += 1
                    continue
            else:
                if time.monotonic() >= deadline:
                    return None
                try:
                    chunk = self._port.read(max(1, self._port.in_waiting))
                except SERIAL_ERRORS as exc:
                    self._drop(str(exc), Cause.LINE_LOST, exc)
                    return None
                self._buf += chunk
                if len(self._buf) > MAX_LINE:
                    self._buf.clear()
                    self.rejected += 1

    def _connect(self) -> bool:
        if time.monotonic() < self._next_attempt:
            return False
        self._next_attempt = time.monotonic() + self.reconnect_s
        try:
            self._port = open_serial(self.locator, self.baudrate, 0.05, self._factory)
        except OPEN_ERRORS as exc:
            port = self.locator.describe()
            self._status = DeviceStatus(Level.FAULT, "unplugged", f"{port}: {exc}",
                                        Cause.OPEN_FAILED, where(port, exc))
            return False
        self._buf.clear()
        self._status = DeviceStatus.ready()
        return True

    def _drop(self, detail: str, cause: Cause, exc: BaseException | None = None) -> None:
        port, self._port = self._port, None
        close_quietly(port)
        self._status = DeviceStatus(Level.FAULT, "unplugged", detail, cause,
                                    where(self.locator.describe(), exc))
        self._next_attempt = time.monotonic() + self.reconnect_s

    def status(self) -> DeviceStatus:
        return self._status

    def check(self) -> DeviceStatus:
        if self._lock.acquire(blocking=False):
            try:
                if self._port is None:
                    self._connect()
            finally:
                self._lock.release()
        return self._status

    def close(self) -> None:
        with self._lock:
            if self._port is not None:
                self._drop("closed", Cause.CLOSED)
