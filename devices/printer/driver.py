"""The real slip printer driver: python-escpos connections, status checked before and
after every job.

Connections are named ``KIND:TARGET``: ``net:192.0.2.10:9100``,
``serial:/dev/ttyUSB0`` (``@9600`` for another baud rate), ``usb:04b8:0202``,
``file:/tmp/slip.bin``. A file cannot answer status queries: it counts as ready.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import serial
from escpos.exceptions import Error as EscposError

from devices.printer.printer import PrintError
from devices.printer.status import (
    QUERIES,
    PrinterState,
    StatusByteError,
    device_status,
    query,
    state_from,
)
from devices.status import Cause, DeviceStatus, where

try:  # pyusb reports a read with nothing to read as its own timeout
    from usb.core import NoBackendError, USBTimeoutError
except ImportError:  # pragma: no cover - pyusb is a dependency
    USBTimeoutError = TimeoutError
    NoBackendError = LookupError

PRINTABLE = (PrinterState.READY, PrinterState.PAPER_NEAR_END)
# What a connection raises when the printer goes away. python-escpos also asserts that its
# device is open (AssertionError) and touches attributes of a closed one (AttributeError).
# A USB printer on a PC without libusb: pyusb's NoBackendError (a ValueError), a fault
# staff can fix, not a reason to stop the kiosk.
_IO_ERRORS = (OSError, serial.SerialException, EscposError, AttributeError, AssertionError,
              NoBackendError)


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # net | serial | usb | file
    target: str
    port: int = 9100
    baudrate: int = 9600

    @classmethod
    def parse(cls, spec: str) -> PrinterSpec:
        kind, _, target = spec.partition(":")
        if not target:
            raise ValueError(f"printer {spec!r} must look like KIND:TARGET")
        if kind == "net":
            host, _, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
            return cls("net", host or target, int(port) if port else 9100)
        if kind == "serial":
            path, _, baud = target.partition("@")
            return cls("serial", path, baudrate=int(baud) if baud else 9600)
        if kind == "usb":
            vid, _, pid = target.partition(":")
            int(vid, 16), int(pid, 16)  # both hexadecimal, or ValueError
            return cls("usb", target)
        if kind == "file":
            return cls("file", target)
        raise ValueError(f"printer kind {kind!r} is not net, serial, usb or file")

    def describe(self) -> str:
        if self.kind == "net":
            return f"net:{self.target}:{self.port}"
        return f"{self.kind}:{self.target}"

    def connect(self, timeout: float) -> Any:
        """An opened python-escpos printer object for this connection."""
        # Its printer classes bring the profile database, Pillow, qrcode and barcode
        # (about 0.16 s): loaded on the first connection, not when this module is.
        from escpos import printer as escpos_printer

        if self.kind == "net":
            device = escpos_printer.Network(self.target, port=self.port, timeout=timeout)
        elif self.kind == "serial":
            device = escpos_printer.Serial(self.target, baudrate=self.baudrate, timeout=timeout,
                                           dsrdtr=False)
        elif self.kind == "usb":
            vid, _, pid = self.target.partition(":")
            device = escpos_printer.Usb(int(vid, 16), int(pid, 16), timeout=int(timeout * 1000))
        else:
            device = escpos_printer.File(self.target)
        device.open()
        return device


class EscposSlipPrinter:
    def __init__(self, spec: PrinterSpec, paper_mm: int = 80, *, timeout_s: float = 2.0,
                 native_qr: bool = True, connect: Callable[[], Any] | None = None) -> None:
        self.spec = spec
        self.paper_mm = paper_mm
        self.native_qr = native_qr
        self.timeout_s = timeout_s
        self._connect = connect or (lambda: spec.connect(timeout_s))
        self._device: Any = None
        self._lock = threading.Lock()
        self._status = device_status(PrinterState.READY, "not yet checked", Cause.NOT_CHECKED)
        self._error = ""  # why the last check failed, for the log
        self._error_cause, self._error_where = "", ""  # and for staff

    # -- the interface the kiosk uses -------------------------------------------
    def print_job(self, data: bytes) -> None:
        """Check, send, check again. PrintError when the job may not have printed."""
        with self._lock:
            before = self._check()
            if before not in PRINTABLE:
                raise PrintError(self._status)
            try:
                self._device._raw(data)
            except _IO_ERRORS as exc:
                self._drop(f"sending the job: {exc}", Cause.SENDING_JOB, exc)
                raise PrintError(self._status) from exc
            after = self._check()
            if after not in PRINTABLE:
                # The paper ran out or the cover opened during the job: it may be incomplete.
                self._status = device_status(after, "during the job", Cause.DURING_JOB)
                raise PrintError(self._status)

    def status(self) -> DeviceStatus:
        return self._status

    def check(self) -> DeviceStatus:
        if self._lock.acquire(blocking=False):
            try:
                self._check()
            finally:
                self._lock.release()
        return self._status

    def close(self) -> None:
        with self._lock:
            self._drop("closed", Cause.CLOSED)

    # -- status ---------------------------------------------------------------
    def _check(self) -> PrinterState:
        self._error, self._error_cause, self._error_where = "", "", ""
        state = self._query()
        if state is PrinterState.READY:
            self._status = device_status(state)
        else:
            detail = (f"{self.spec.describe()}: {self._error}" if self._error
                      else self.spec.describe())
            self._status = device_status(state, detail, self._error_cause,
                                         self._error_where or self.spec.describe())
        return state

    def _query(self) -> PrinterState:
        if self._device is None:
            try:
                self._device = self._connect()
            except _IO_ERRORS as exc:
                self._device = None
                self._error = " ".join(str(exc).split())
                self._error_cause = Cause.OPEN_FAILED
                self._error_where = where(self.spec.describe(), exc)
                return PrinterState.UNPLUGGED
        if self.spec.kind == "file":
            return PrinterState.READY  # a file has nothing to say
        answers: list[int | None] = []
        try:
            for n in QUERIES:
                self._device._raw(query(n))
                answers.append(self._read_byte())
        except _IO_ERRORS as exc:
            self._drop(f"status query: {exc}", Cause.STATUS_QUERY, exc)
            self._error = f"status query: {exc}"
            self._error_cause = Cause.STATUS_QUERY
            self._error_where = where(self.spec.describe(), exc)
            return PrinterState.UNPLUGGED
        known = [a for a in answers if a is not None]
        if len(known) < len(answers):
            return PrinterState.NOT_RESPONDING
        try:
            return state_from(*known)
        except StatusByteError:
            return PrinterState.NOT_RESPONDING

    def _read_byte(self) -> int | None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                # bytes from a socket or serial port, array('B') from pyusb
                data: Sequence[int] = self._device._read()
            except (TimeoutError, USBTimeoutError):
                return None
            if data:
                return data[-1]  # the newest answer; older bytes are stale
            if self.spec.kind == "net":
                raise ConnectionResetError("the printer closed the connection")
        return None

    def _drop(self, detail: str, cause: Cause, exc: BaseException | None = None) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except _IO_ERRORS:
                pass
        self._status = device_status(PrinterState.UNPLUGGED, detail, cause,
                                     where(self.spec.describe(), exc))
