"""The kiosk's one entry point.

    python main.py                 run the kiosk (demo config: mock devices, embedded platform)
    python main.py serve           run the reference platform server
    python main.py sync [--once]   push the outbox to the platform (staff, headless)
    python main.py queue [--json]  where every queued transaction stands
    python main.py simulate --transactions N   enqueue synthetic transactions (field tests)
    python main.py mock-reader     a protocol-faithful ID card reader on a pseudo-terminal
    python main.py staff-pin       make the hash of a staff PIN for the config
    python main.py test-print --printer KIND:TARGET   print the demo pickup slip
    python main.py preview JOB.bin --out slip.png     a picture of a printed slip
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import DEMO_CONFIG, KioskConfig, load_config
from kiosk.errors import KioskError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="Government-service kiosk for bank branches.",
    )
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG,
                        help="kiosk config TOML (default: the demo config in config/demo.toml)")
    parser.add_argument("--data-dir", type=Path, help="where the outbox, keys and slips live")
    parser.add_argument("--platform-url",
                        help="platform base URL, or 'embedded' for a loopback platform")
    parser.add_argument("--mock", action="store_true", help="mock every device")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the kiosk (the default)")
    serve = sub.add_parser("serve", help="run the reference platform server")
    serve.add_argument("--db", default="sqlite:///platform.db", help="SQLAlchemy database URL")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--signing-key", type=Path, default=Path("platform-signing.key"),
                       help="Ed25519 key for pickup codes (made 0600 on first use)")
    sync = sub.add_parser("sync", help="push the outbox to the platform")
    sync.add_argument("--once", action="store_true",
                      help="drain what can be drained now, then exit (0: nothing left to upload)")
    queue = sub.add_parser("queue", help="show where every queued transaction stands")
    queue.add_argument("--json", action="store_true", help="machine-readable output")
    simulate = sub.add_parser("simulate", help="enqueue synthetic transactions")
    simulate.add_argument("--transactions", type=int, required=True, metavar="N")
    simulate.add_argument("--seed", type=int, help="make the made-up people repeatable")
    simulate.add_argument("--echo", action="store_true",
                          help="print each transaction id as soon as it is durable")
    mock = sub.add_parser("mock-reader", help="run a mock ID card reader on a pseudo-terminal")
    mock.add_argument("--link", type=Path, required=True,
                      help="symlink to create for the reader's tty (point the kiosk's port here)")
    mock.add_argument("--deck", type=Path, help="card deck TOML (default: the demo deck)")
    mock.add_argument("--baudrate", type=int, default=115200)
    mock.add_argument("--no-pace", action="store_true", help="answer at once, not at line speed")
    sub.add_parser("staff-pin", help="print the pin_hash line for a staff PIN read from stdin")
    test_print = sub.add_parser("test-print", help="print the demo pickup slip")
    test_print.add_argument("--printer", required=True,
                            help="KIND:TARGET, e.g. file:/tmp/slip.bin, serial:/dev/ttyUSB0, "
                                 "net:192.0.2.10:9100, usb:04b8:0202")
    test_print.add_argument("--paper", type=int, choices=(58, 80), default=80)
    test_print.add_argument("--image-qr", action="store_true",
                            help="send the QR code as an image (a printer without GS ( k)")
    preview = sub.add_parser("preview", help="turn a slip's ESC/POS bytes into a PNG picture")
    preview.add_argument("job", type=Path, help="an ESC/POS file (printer-jobs/job-NNNNNN.bin)")
    preview.add_argument("--out", type=Path, required=True, help="the PNG to write")
    preview.add_argument("--paper", type=int, choices=(58, 80), default=80)
    return parser


def run_kiosk(args: argparse.Namespace) -> int:
    from kiosk.services import build_services
    from screens.app import KioskApp

    config = load_config(args.config, data_dir=args.data_dir,
                         platform_url=args.platform_url, mock=args.mock)
    services = build_services(config)
    try:
        KioskApp(services).run()
    finally:
        services.close()
    return 0


def serve(args: argparse.Namespace) -> int:
    from server.__main__ import main as serve_main

    return serve_main(["--db", args.db, "--host", args.host, "--port", str(args.port),
                       "--signing-key", str(args.signing_key)])


def sync(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.sync_setup import connect_platform, open_kiosk_store, sync_loop
    from offline_cache.sync import SyncReport

    config = _config(args)
    clock = SystemClock()
    store = open_kiosk_store(config, clock, "main.py sync")
    link = connect_platform(config, clock, store)

    def show(report: SyncReport) -> None:
        queue = store.outbox.summary()
        state = "online" if report.online else f"{report.link}: {report.error}"
        print(f"{clock.now():%H:%M:%S} accepted {report.acknowledged},"
              f" quarantined {report.quarantined}, {queue.pending} still to upload;"
              f" platform {state}", flush=True)

    try:
        if args.once:
            report = link.sync.sync_once()
            show(report)
            return 0 if report.online and store.outbox.summary().pending == 0 else 1
        loop = sync_loop(config, link, show)
        try:
            loop.run()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        link.close()
        store.close()


def queue(args: argparse.Namespace) -> int:
    import json

    from kiosk.clock import SystemClock
    from offline_cache.queue_report import format_queue, queue_report
    from offline_cache.store import open_store_readonly

    config = _config(args)
    db = open_store_readonly(config.data_dir / "kiosk.db")
    try:
        report = queue_report(db, SystemClock().now(), config.platform.max_clock_drift_s)
    finally:
        db.close()
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json
          else format_queue(report))
    return 0


def simulate(args: argparse.Namespace) -> int:
    import random
    import time

    from kiosk.clock import SystemClock
    from kiosk.sync_setup import open_kiosk_store
    from kiosk.synthetic import synthetic_application

    if args.transactions < 1:
        print("error: --transactions must be at least 1", file=sys.stderr)
        return 2
    config = _config(args)
    store = open_kiosk_store(config, SystemClock(), "main.py simulate")
    rng = random.Random(args.seed)
    latencies = []
    try:
        for _ in range(args.transactions):
            item_id, payload = synthetic_application(rng)
            start = time.perf_counter()
            tx = store.outbox.enqueue("application", item_id, payload)
            latencies.append(time.perf_counter() - start)
            if args.echo:
                print(tx.id, flush=True)
    finally:
        store.close()
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(f"enqueued {len(latencies)} synthetic applications in {sum(latencies):.2f} s;"
          f" durable enqueue p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms",
          file=sys.stderr if args.echo else sys.stdout)
    return 0


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(args.config, data_dir=args.data_dir, platform_url=args.platform_url)


def mock_reader(args: argparse.Namespace) -> int:
    from devices.idcard import DeckError, MockCardReader, load_deck
    from devices.idcard.mock_console import run_console
    from kiosk.config import DEMO_DECK

    try:
        deck = load_deck(args.deck or DEMO_DECK)
    except DeckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reader = MockCardReader(deck, args.link, args.baudrate, pace=not args.no_pace).start()
    try:
        run_console(reader, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    return 0


def staff_pin() -> int:
    import getpass

    from kiosk.staff import hash_pin

    if sys.stdin.isatty():
        pin = getpass.getpass("staff PIN (4 to 12 digits): ")
        if getpass.getpass("again: ") != pin:
            print("error: the two PINs differ", file=sys.stderr)
            return 2
    else:
        pin = sys.stdin.readline().strip()
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        print("error: a staff PIN is 4 to 12 digits", file=sys.stderr)
        return 2
    print(f'[staff]\npin_hash = "{hash_pin(pin)}"')
    return 0


def test_print(args: argparse.Namespace) -> int:
    from devices.printer import EscposSlipPrinter, PrintError, PrinterSpec, render_slip
    from kiosk.slips import demo_slip

    try:
        spec = PrinterSpec.parse(args.printer)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    printer = EscposSlipPrinter(spec, args.paper, native_qr=not args.image_qr)
    data = render_slip(demo_slip(), args.paper, printer.native_qr)
    try:
        printer.print_job(data)
    except PrintError as exc:
        print(f"error: {spec.describe()}: not printed: {exc}", file=sys.stderr)
        return 1
    finally:
        printer.close()
    print(f"printed the demo slip on {spec.describe()} ({len(data)} bytes, {args.paper} mm)")
    return 0


def preview(args: argparse.Namespace) -> int:
    from devices.printer.preview import PreviewError, preview_slip

    try:
        image = preview_slip(args.job.read_bytes(), args.paper)
    except (OSError, PreviewError) as exc:
        print(f"error: {args.job}: {exc}", file=sys.stderr)
        return 2
    image.save(args.out)
    print(f"{args.out}: {image.width}x{image.height}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "sync":
            return sync(args)
        if args.command == "queue":
            return queue(args)
        if args.command == "simulate":
            return simulate(args)
        if args.command == "mock-reader":
            return mock_reader(args)
        if args.command == "staff-pin":
            return staff_pin()
        if args.command == "test-print":
            return test_print(args)
        if args.command == "preview":
            return preview(args)
        return run_kiosk(args)
    except KioskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
