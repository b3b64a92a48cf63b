"""Real-time status of an ESC/POS printer: DLE EOT n, and what each answer means.

    DLE EOT 1  printer status    bit 3: off line
    DLE EOT 2  off-line cause    bit 2: cover open; bit 5: stopped by paper end
    DLE EOT 4  paper sensor      bits 2-3: paper near end; bits 5-6: paper out

Each answer byte has the fixed pattern 0xx1xx10 (bit 1 set, bits 0, 4 and 7 as
shown), which tells a status byte from stray data. Printers lie and USB reads
can block: the status is advice, checked before and after every job.
"""

from __future__ import annotations

from enum import StrEnum

from devices.status import DeviceStatus, Level

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 4)


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NOT_RESPONDING = "not_responding"
    UNPLUGGED = "unplugged"


_LEVEL = {
    PrinterState.READY: Level.OK,
    PrinterState.PAPER_NEAR_END: Level.WARNING,  # still prints: staff should load paper soon
}


class StatusByteError(ValueError):
    """An answer that is not a DLE EOT status byte."""


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def check_byte(value: int) -> int:
    if value & 0b10010011 != 0b00010010:
        raise StatusByteError(f"{value:#04x} is not a status byte (pattern 0xx1xx10)")
    return value


def state_from(status1: int, status2: int, status4: int) -> PrinterState:
    """The one state that matters most, from the answers to DLE EOT 1, 2 and 4."""
    for value in (status1, status2, status4):
        check_byte(value)
    if status4 & 0x60 or status2 & 0x20:
        return PrinterState.PAPER_OUT
    if status2 & 0x04:
        return PrinterState.COVER_OPEN
    if status1 & 0x08:
        return PrinterState.OFFLINE
    if status4 & 0x0C:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.READY


def status_bytes(state: PrinterState) -> dict[int, int]:
    """What a printer in ``state`` answers to each query (the mock printer's side)."""
    s1, s2, s4 = 0x12, 0x12, 0x12
    if state is PrinterState.PAPER_OUT:
        s1, s2, s4 = s1 | 0x08, s2 | 0x20, s4 | 0x6C
    elif state is PrinterState.COVER_OPEN:
        s1, s2 = s1 | 0x08, s2 | 0x04
    elif state is PrinterState.OFFLINE:
        s1 |= 0x08
    elif state is PrinterState.PAPER_NEAR_END:
        s4 |= 0x0C
    return {1: s1, 2: s2, 4: s4}


def device_status(state: PrinterState, detail: str = "", cause: str = "",
                  where: str = "") -> DeviceStatus:
    return DeviceStatus(_LEVEL.get(state, Level.FAULT), str(state), detail, cause, where)
