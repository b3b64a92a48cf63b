"""The slip printer driver against the mock printer: status bytes, every printer state,
a job interrupted by paper out, each connection kind, and test-print."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer import (
    EscposSlipPrinter,
    MockPrinterDevice,
    PrintError,
    PrinterSpec,
    PrinterState,
    render_slip,
)
from devices.printer.status import StatusByteError, check_byte, state_from, status_bytes
from devices.status import Level
from kiosk.slips import demo_slip
from tests.support import REPO_ROOT

JOB = render_slip(demo_slip(), 80)


# -- status bytes ----------------------------------------------------------------------
@pytest.mark.parametrize(("s1", "s2", "s4", "state"), [
    (0x12, 0x12, 0x12, PrinterState.READY),
    (0x12, 0x12, 0x1E, PrinterState.PAPER_NEAR_END),  # DLE EOT 4 bits 2-3
    (0x1A, 0x32, 0x72, PrinterState.PAPER_OUT),  # DLE EOT 4 bits 5-6
    (0x12, 0x12, 0x72, PrinterState.PAPER_OUT),
    (0x1A, 0x16, 0x12, PrinterState.COVER_OPEN),  # DLE EOT 2 bit 2
    (0x1A, 0x12, 0x12, PrinterState.OFFLINE),  # DLE EOT 1 bit 3
])
def test_status_bytes_by_hand(s1: int, s2: int, s4: int, state: PrinterState) -> None:
    assert state_from(s1, s2, s4) is state


@pytest.mark.parametrize("state", [s for s in PrinterState
                                   if s not in (PrinterState.NOT_RESPONDING,
                                                PrinterState.UNPLUGGED)])
def test_what_the_mock_answers_reads_back_as_its_state(state: PrinterState) -> None:
    answers = status_bytes(state)
    assert state_from(answers[1], answers[2], answers[4]) is state


@pytest.mark.parametrize("value", [0x00, 0xFF, 0x13, 0x02, 0x92])
def test_a_byte_without_the_status_pattern_is_refused(value: int) -> None:
    with pytest.raises(StatusByteError):
        check_byte(value)


# -- the driver against the mock printer -------------------------------------------
@pytest.fixture
def device(tmp_path: Path) -> Iterator[MockPrinterDevice]:
    mock = MockPrinterDevice(tmp_path / "jobs")
    mock.serve_tcp()
    yield mock
    mock.close()


@pytest.fixture
def printer(device: MockPrinterDevice) -> Iterator[EscposSlipPrinter]:
    assert device.address is not None
    host, port = device.address
    driver = EscposSlipPrinter(PrinterSpec("net", host, port), timeout_s=1.0)
    yield driver
    driver.close()


def test_a_job_arrives_byte_for_byte(device: MockPrinterDevice,
                                     printer: EscposSlipPrinter) -> None:
    printer.print_job(JOB)
    assert [job.read_bytes() for job in device.jobs()] == [JOB]
    assert printer.status().level is Level.OK


def test_paper_near_end_prints_and_warns(device: MockPrinterDevice,
                                         printer: EscposSlipPrinter) -> None:
    device.set_state(PrinterState.PAPER_NEAR_END)
    printer.print_job(JOB)
    assert len(device.jobs()) == 1
    assert (printer.status().level, printer.status().code) == (Level.WARNING, "paper_near_end")


@pytest.mark.parametrize("state", [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN,
                                   PrinterState.OFFLINE])
def test_a_printer_that_cannot_print_refuses_before_sending(
        device: MockPrinterDevice, printer: EscposSlipPrinter, state: PrinterState) -> None:
    device.set_state(state)
    with pytest.raises(PrintError) as caught:
        printer.print_job(JOB)
    assert (caught.value.status.level, caught.value.status.code) == (Level.FAULT, str(state))
    device.load_paper()  # (and closes the cover, and goes back on line)
    assert device.jobs() == []  # nothing was sent while it could not print


def test_paper_running_out_mid_job_is_caught_after_the_job(
        device: MockPrinterDevice, printer: EscposSlipPrinter) -> None:
    device.run_out_after(150)
    with pytest.raises(PrintError) as caught:
        printer.print_job(JOB)
    assert caught.value.status.code == "paper_out"
    assert caught.value.status.detail == "during the job"
    assert device.jobs() == []
    assert len(list(device.jobs_dir.glob("*.partial"))) == 1
    device.load_paper()
    printer.print_job(JOB)  # the kept job, printed again once paper is loaded
    assert [job.read_bytes() for job in device.jobs()] == [JOB]


def test_an_unplugged_printer_is_reported_and_reconnected(tmp_path: Path) -> None:
    first = MockPrinterDevice(tmp_path / "jobs")
    host, port = first.serve_tcp()
    driver = EscposSlipPrinter(PrinterSpec("net", host, port), timeout_s=0.5)
    assert driver.check().level is Level.OK
    first.close()
    assert driver.check().code == "unplugged"
    with pytest.raises(PrintError):
        driver.print_job(JOB)
    again = MockPrinterDevice(tmp_path / "jobs")
    again.serve_tcp(host, port)
    try:
        assert driver.check().level is Level.OK
        driver.print_job(JOB)
        assert len(again.jobs()) == 1
    finally:
        driver.close()
        again.close()


def test_a_printer_that_never_answers_is_not_responding() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    host, port = server.getsockname()[:2]
    driver = EscposSlipPrinter(PrinterSpec("net", host, port), timeout_s=0.3)
    try:
        assert driver.check().code == "not_responding"
        with pytest.raises(PrintError):
            driver.print_job(JOB)
    finally:
        driver.close()
        for conn in accepted:
            conn.close()
        server.close()


def test_a_serial_printer_on_a_pty(tmp_path: Path) -> None:
    mock = MockPrinterDevice(tmp_path / "jobs")
    link = mock.serve_pty(tmp_path / "printer")
    driver = EscposSlipPrinter(PrinterSpec.parse(f"serial:{link}@115200"), timeout_s=1.0)
    try:
        mock.set_state(PrinterState.PAPER_NEAR_END)
        assert driver.check().code == "paper_near_end"
        driver.print_job(JOB)
        assert [job.read_bytes() for job in mock.jobs()] == [JOB]
    finally:
        driver.close()
        mock.close()


def test_a_file_printer(tmp_path: Path) -> None:
    target = tmp_path / "slip.bin"
    driver = EscposSlipPrinter(PrinterSpec.parse(f"file:{target}"))
    driver.print_job(JOB)
    driver.close()
    assert target.read_bytes() == JOB


@pytest.mark.parametrize(("text", "spec"), [
    ("net:192.0.2.10:9100", PrinterSpec("net", "192.0.2.10", 9100)),
    ("net:printer.local", PrinterSpec("net", "printer.local", 9100)),
    ("serial:/dev/ttyUSB0", PrinterSpec("serial", "/dev/ttyUSB0", baudrate=9600)),
    ("serial:/dev/ttyS1@115200", PrinterSpec("serial", "/dev/ttyS1", baudrate=115200)),
    ("usb:04b8:0202", PrinterSpec("usb", "04b8:0202")),
    ("file:/tmp/slip.bin", PrinterSpec("file", "/tmp/slip.bin")),
])
def test_printer_specs(text: str, spec: PrinterSpec) -> None:
    assert PrinterSpec.parse(text) == spec


@pytest.mark.parametrize("text", ["", "net", "laser:x", "usb:zz:01", "net:host:port"])
def test_bad_printer_specs(text: str) -> None:
    with pytest.raises(ValueError):
        PrinterSpec.parse(text)


# -- test-print ------------------------------------------------------------------------
def run_test_print(target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "test-print",
                           "--printer", target], capture_output=True, text=True, timeout=60)


def test_test_print_to_a_file(tmp_path: Path) -> None:
    done = run_test_print(f"file:{tmp_path / 'slip.bin'}")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "slip.bin").read_bytes() == JOB


@pytest.mark.parametrize("kind", ["net", "serial"])
def test_test_print_to_the_mock_printer(tmp_path: Path, kind: str) -> None:
    mock = MockPrinterDevice(tmp_path / "jobs")
    if kind == "net":
        host, port = mock.serve_tcp()
        target = f"net:{host}:{port}"
    else:
        target = f"serial:{mock.serve_pty(tmp_path / 'printer')}"
    try:
        done = run_test_print(target)
        assert done.returncode == 0, done.stderr
        assert [job.read_bytes() for job in mock.jobs()] == [JOB]
        mock.set_state(PrinterState.COVER_OPEN)
        done = run_test_print(target)
        assert done.returncode == 1 and "cover_open" in done.stderr
    finally:
        mock.close()


def test_test_print_explains_a_bad_target() -> None:
    done = run_test_print("laser:x")
    assert done.returncode == 2 and "not net, serial, usb or file" in done.stderr


def test_a_usb_printer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import usb.core

    from main import main

    mock = MockPrinterDevice(tmp_path / "jobs")
    found: list[dict[str, Any]] = []

    def find(**kwargs: Any) -> object:
        found.append(kwargs)
        return mock.as_usb() if (kwargs["idVendor"], kwargs["idProduct"]) == (0x04B8, 0x0202) \
            else None

    monkeypatch.setattr(usb.core, "find", find)
    assert main(["test-print", "--printer", "usb:04b8:0202"]) == 0
    assert [job.read_bytes() for job in mock.jobs()] == [JOB]
    mock.set_state(PrinterState.PAPER_OUT)
    assert main(["test-print", "--printer", "usb:04b8:0202"]) == 1
    assert main(["test-print", "--printer", "usb:1a86:7584"]) == 1  # not plugged in
    assert found[0] == {"idVendor": 0x04B8, "idProduct": 0x0202}


def test_a_usb_printer_without_libusb_is_a_fault_not_a_crash() -> None:
    from usb.core import NoBackendError

    def no_backend() -> Any:
        raise NoBackendError("No backend available")

    driver = EscposSlipPrinter(PrinterSpec.parse("usb:0416:5011"), connect=no_backend)
    status = driver.check()
    assert status.level is Level.FAULT
    assert driver.status().level is Level.FAULT
    with pytest.raises(PrintError):
        driver.print_job(b"\x1b@")
