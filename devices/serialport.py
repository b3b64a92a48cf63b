"""Finding and opening serial devices, shared by every serial driver.

A USB-serial adapter may come back under another name after it is unplugged
(ttyUSB0 becomes ttyUSB1), so a driver reconnects through a locator: a fixed
path (a /dev/serial/by-id link is best) or the adapter's USB vid/pid/serial.
"""

from __future__ import annotations

import termios
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import serial
from serial.tools.list_ports import comports

# What pyserial lets through when a device goes away: its own exception, a bare
# OSError (EIO from the tty) or termios.error from a tcsetattr on a dead fd.
SERIAL_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)


class PortNotFound(Exception):
    """No device matches the locator right now (unplugged)."""


# What open_serial raises when the device is not there or will not open.
OPEN_ERRORS: tuple[type[BaseException], ...] = (PortNotFound, *SERIAL_ERRORS)


class PortLocator(Protocol):
    def locate(self) -> str:
        """The device path to open now; PortNotFound when it is not there."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class PathPort:
    path: str

    def locate(self) -> str:
        return self.path

    def describe(self) -> str:
        return self.path


@dataclass(frozen=True)
class UsbPort:
    """An adapter found by USB ids, wherever the kernel enumerates it."""

    vid: int
    pid: int
    serial_number: str | None = None
    list_ports: Callable[[], Iterable[Any]] = field(default=comports, compare=False)

    @classmethod
    def parse(cls, spec: str) -> UsbPort:
        """'1a86:7523' or '1a86:7523:A50285BI' (hex ids, then the adapter's serial number)."""
        parts = spec.split(":", 2)
        if len(parts) < 2:
            raise ValueError(f"USB id {spec!r} must look like VID:PID or VID:PID:SERIAL")
        try:
            vid, pid = int(parts[0], 16), int(parts[1], 16)
        except ValueError as exc:
            raise ValueError(f"USB id {spec!r}: VID and PID are hexadecimal") from exc
        return cls(vid, pid, parts[2] if len(parts) == 3 else None)

    def locate(self) -> str:
        for port in self.list_ports():
            if (port.vid, port.pid) == (self.vid, self.pid) and (
                self.serial_number is None or port.serial_number == self.serial_number
            ):
                return str(port.device)
        raise PortNotFound(f"no USB serial device {self.describe()}")

    def describe(self) -> str:
        ident = f"{self.vid:04x}:{self.pid:04x}"
        return f"{ident}:{self.serial_number}" if self.serial_number else ident


def locator_for(port: str | None, usb: str | None) -> PortLocator:
    if usb:
        return UsbPort.parse(usb)
    if port:
        return PathPort(port)
    raise ValueError("a serial device needs a port path or a USB id")


SerialFactory = Callable[..., serial.Serial]


def open_serial(locator: PortLocator, baudrate: int, timeout: float,
                factory: SerialFactory = serial.Serial) -> serial.Serial:
    """Open 8N1 with no flow control; raises PortNotFound or one of SERIAL_ERRORS."""
    return factory(locator.locate(), baudrate=baudrate, bytesize=serial.EIGHTBITS,
                   parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                   timeout=timeout, write_timeout=1.0, exclusive=True)


def close_quietly(port: serial.Serial | None) -> None:
    """Close a port whose device may be gone: there is nothing left to release then."""
    if port is None:
        return
    try:
        port.close()
    except SERIAL_ERRORS:
        pass
