"""The kiosk's command line: one argparse tree, each sub-command bound to its function.

The global options (``--config``, ``--data-dir``, ``--platform-url``, ``--mock``) are
accepted before or after the sub-command, and paths are made absolute as they are
read, so a relative ``--data-dir`` means the same to every command. The platform
has its own entry point, ``python -m server``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.errors import KioskError
from wiring.config import DEMO_CONFIG, KioskConfig, load_config
from wiring.logs import report_crash, setup_logging

if TYPE_CHECKING:
    import random

    from contracts.clock import Clock
    from offline_cache.kiosk_store import KioskStore
    from screens.app import KioskApp

log = logging.getLogger(__package__)

Command = Callable[[argparse.Namespace], int]


def _path(text: str) -> Path:
    return Path(text).expanduser().resolve()


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Added to the top parser (with defaults) and to every sub-command (without, so a
    value given before the sub-command is not overwritten by the sub-parser's default)."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--config", type=_path, help="kiosk config TOML (default: the demo "
                        "config in config/demo.toml)", default=default(DEMO_CONFIG))
    parser.add_argument("--data-dir", type=_path, help="where the outbox, keys, slips and "
                        "logs live", default=default(None))
    parser.add_argument("--platform-url", help="platform base URL, or 'embedded' for a "
                        "loopback demo platform", default=default(None))
    parser.add_argument("--mock", action="store_true", help="mock every device",
                        default=default(False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py",
                                     description="Government-service kiosk for bank branches.")
    _global_options(parser, defaults=True)
    parser.set_defaults(func=run_kiosk)
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(child, defaults=False)
        child.set_defaults(func=func)
        return child

    command("run", run_kiosk, "run the kiosk (the default)")
    sync = command("sync", sync_command, "push the outbox to the platform")
    sync.add_argument("--once", action="store_true",
                      help="drain what can be drained now, then exit (0: nothing left to upload)")
    queue = command("queue", queue_command, "show where every queued transaction stands")
    queue.add_argument("--json", action="store_true", help="machine-readable output")
    export = command("export-outbox", export_outbox_command, "save the queued records still"
                     " readable (a damaged store, a kiosk that cannot start) to a 0600 file")
    export.add_argument("--out", type=_path, required=True,
                        help="the file to write (JSON lines; holds personal data)")
    simulate = command("simulate", simulate_command, "enqueue synthetic transactions")
    what = simulate.add_mutually_exclusive_group(required=True)
    what.add_argument("--transactions", type=int, metavar="N", help="N synthetic applications")
    what.add_argument("--reservations", type=int, metavar="N",
                      help="N synthetic entries in the round --round, queued as the kiosk"
                           " queues an entry made offline")
    simulate.add_argument("--round", metavar="ROUND_ID",
                          help="the reservation round (listed by the platform)")
    simulate.add_argument("--seed", type=int, help="make the made-up people repeatable")
    simulate.add_argument("--echo", action="store_true",
                          help="print each transaction id as soon as it is durable")
    mock = command("mock-reader", mock_reader_command,
                   "run a mock ID card reader on a pseudo-terminal")
    mock.add_argument("--link", type=_path, required=True,
                      help="symlink to create for the reader's tty (point the kiosk's port here)")
    mock.add_argument("--deck", type=_path, help="card deck TOML (default: the demo deck)")
    mock.add_argument("--baudrate", type=int, default=115200)
    mock.add_argument("--no-pace", action="store_true", help="answer at once, not at line speed")
    cabinet = command("mock-cabinet", mock_cabinet_command,
                      "run a mock pickup cabinet (lock boards) on a pseudo-terminal")
    cabinet.add_argument("--link", type=_path, required=True,
                         help="symlink to create for the cabinet's tty (point the kiosk here)")
    cabinet.add_argument("--boards", type=int, default=1, help="lock boards, addresses 1..N")
    cabinet.add_argument("--doors", type=int, default=12, help="doors on each board")
    cabinet.add_argument("--baudrate", type=int, default=9600)
    cabinet.add_argument("--auto-close", type=float, metavar="SECONDS",
                         help="doors close by themselves after this long (unless left open)")
    cabinet.add_argument("--no-pace", action="store_true",
                         help="answer at once, not at line speed")
    cabinet_test = command("cabinet-test", cabinet_test_command,
                           "open one door of a cabinet and print its board's door states "
                           "(exit 0 opened, 1 not opened, 2 bad target)")
    cabinet_test.add_argument("--cabinet", required=True,
                              help="serial:PATH (a /dev/serial/by-id link is best) or "
                                   "usb:VID:PID[:SERIAL]")
    cabinet_test.add_argument("--door", type=int, required=True, help="lock channel, from 1")
    cabinet_test.add_argument("--board", type=int, default=1, help="board address (DIP)")
    cabinet_test.add_argument("--locks", type=int,
                              help="lock channels in use on the board (default: all 24)")
    cabinet_test.add_argument("--baudrate", type=int, default=9600)
    command("staff-pin", staff_pin_command,
            "print the pin_hash line for a staff PIN read from stdin")
    test_print = command("test-print", test_print_command, "print the demo pickup slip")
    test_print.add_argument("--printer", required=True,
                            help="KIND:TARGET, e.g. file:/tmp/slip.bin, serial:/dev/ttyUSB0, "
                                 "net:192.0.2.10:9100, usb:04b8:0202")
    test_print.add_argument("--paper", type=int, choices=(58, 80), default=80)
    test_print.add_argument("--image-qr", action="store_true",
                            help="send the QR code as an image (a printer without GS ( k)")
    preview = command("preview", preview_command, "turn a slip's ESC/POS bytes into a PNG")
    preview.add_argument("job", type=_path, help="an ESC/POS file (printer-jobs/job-NNNNNN.bin)")
    preview.add_argument("--out", type=_path, required=True, help="the PNG to write")
    preview.add_argument("--paper", type=int, choices=(58, 80), default=80)
    served = command("web", web_command, "serve the kiosk to a browser on this machine (one"
                     " session at a time; docs/web.md)")
    served.add_argument("--host", default="127.0.0.1", help="address to listen on")
    served.add_argument("--port", type=int, default=8000, help="port to listen on")
    served.add_argument("--session", action="store_true", help=argparse.SUPPRESS)

    say = command("say-test", say_test_command, "say a sentence with espeak-ng as the kiosk"
                  " would, or write it to a WAV file (exit 0 said or written, 1 not)")
    say.add_argument("text", nargs="?", help="what to say (default: a test sentence)")
    say.add_argument("--lang", choices=("zh-CN", "en"),
                     help="the kiosk language to say it in (default: the config's)")
    say.add_argument("--out", type=_path, help="write a WAV file (espeak-ng -w) instead of"
                     " playing it")
    say.add_argument("--slow", action="store_true", help="at elder mode's rate")
    return parser


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(args.config, data_dir=args.data_dir, platform_url=args.platform_url,
                       mock=args.mock)


# -- the kiosk ------------------------------------------------------------------------
def run_kiosk(args: argparse.Namespace) -> int:
    from screens.app import KioskApp

    return run_app(_config(args), KioskApp)


def run_app(config: KioskConfig, app_class: type[KioskApp]) -> int:
    """The kiosk's app on its assembled API until it exits: in a terminal, or in a
    browser session (``wiring.web``'s app class)."""
    from wiring.assembly import assemble

    setup_logging(config.data_dir)
    log.info("kiosk %s starting (data in %s, %s)", config.kiosk.id, config.data_dir,
             app_class.__name__)
    assembly = assemble(config)
    try:
        app = app_class(assembly.api)
        app.run()
    finally:
        assembly.close()
    code = app.return_code or 0
    log.info("kiosk %s stopped (exit status %d)", config.kiosk.id, code)
    return code


# -- staff tools for the outbox ---------------------------------------------------------
def sync_command(args: argparse.Namespace) -> int:
    from contracts.clock import SystemClock
    from kiosk.i18n import Translator, sync_error_text
    from offline_cache.sync import SyncReport
    from wiring.sync import connect_platform, store_from_config, sync_loop_factory

    config = _config(args)
    setup_logging(config.data_dir)
    clock = SystemClock()
    store = store_from_config(config, clock, "main.py sync")
    connection = connect_platform(config, clock, store)

    def show(report: SyncReport) -> None:
        queue = store.outbox.summary()
        state = "online" if report.online else \
            f"{report.link}: {sync_error_text(Translator('en'), report.error)}"
        print(f"{clock.now():%H:%M:%S} accepted {report.acknowledged},"
              f" quarantined {report.quarantined}, {queue.pending} still to upload;"
              f" platform {state}", flush=True)

    try:
        if args.once:
            report = connection.sync.sync_once()
            show(report)
            return 0 if report.online and store.outbox.summary().pending == 0 else 1
        loop = sync_loop_factory(config, connection)(show)
        try:
            loop.run()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        connection.close()
        store.close()


def queue_command(args: argparse.Namespace) -> int:
    import json

    from contracts.clock import SystemClock
    from offline_cache.kiosk_store import STORE_FILE
    from offline_cache.queue_report import format_queue, queue_report
    from offline_cache.store import open_store_readonly

    config = _config(args)
    db = open_store_readonly(config.data_dir / STORE_FILE)
    try:
        report = queue_report(db, SystemClock().now(), config.platform.max_clock_drift_s)
    finally:
        db.close()
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json
          else format_queue(report))
    return 0


def export_outbox_command(args: argparse.Namespace) -> int:
    """Staff's way out of a damaged store or a kiosk that cannot start: what is still
    readable of the queue, to a 0600 file (it holds personal data: never to the screen)."""
    from offline_cache.kiosk_store import STORE_FILE
    from offline_cache.outbox_export import export_outbox
    from offline_cache.sealing import DataKeyError, load_cipher
    from offline_cache.store import open_store_readonly

    config = _config(args)
    db = open_store_readonly(config.data_dir / STORE_FILE)
    try:
        try:
            cipher = load_cipher(config.key_file, create=False)
        except DataKeyError as exc:
            print(f"warning: {exc}: nothing can be opened, references only", file=sys.stderr)
            cipher = None
        report = export_outbox(db, cipher, args.out)
    finally:
        db.close()
    print(f"exported {report.exported} queued records to {args.out} (mode 600: it holds"
          " personal data; hand it to the platform's operator, then delete it)")
    if report.unreadable:
        print(f"{len(report.unreadable)} could not be opened: {', '.join(report.unreadable)}")
    if report.damaged_rows:
        print(f"{report.damaged_rows} rows could not be read at all (damaged pages)")
    return 0 if not (report.unreadable or report.damaged_rows) else 1


def simulate_command(args: argparse.Namespace) -> int:
    import random
    import time

    from contracts.clock import SystemClock
    from kiosk.synthetic import synthetic_application
    from wiring.sync import store_from_config

    count = args.reservations if args.reservations is not None else args.transactions
    if count < 1:
        flag = "--reservations" if args.reservations is not None else "--transactions"
        print(f"error: {flag} must be at least 1", file=sys.stderr)
        return 2
    if args.reservations is not None and not args.round:
        print("error: --reservations needs --round ROUND_ID", file=sys.stderr)
        return 2
    config = _config(args)
    setup_logging(config.data_dir)
    clock = SystemClock()
    store = store_from_config(config, clock, "main.py simulate")
    rng = random.Random(args.seed)
    latencies = []
    what = "applications"
    try:
        if args.reservations is not None:
            what = "reservation entries"
            enqueue = _reservation_enqueuer(config, clock, store, args.round, rng)
            if enqueue is None:
                return 2
        else:
            def enqueue() -> str:
                item_id, payload = synthetic_application(rng)
                return store.outbox.enqueue("application", item_id, payload).id
        for _ in range(count):
            start = time.perf_counter()
            tx_id = enqueue()
            latencies.append(time.perf_counter() - start)
            if args.echo:
                print(tx_id, flush=True)
    finally:
        store.close()
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    log.info("simulate: %d synthetic %s enqueued", len(latencies), what)
    print(f"enqueued {len(latencies)} synthetic {what} in {sum(latencies):.2f} s;"
          f" durable enqueue p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms",
          file=sys.stderr if args.echo else sys.stdout)
    return 0


def _reservation_enqueuer(config: KioskConfig, clock: Clock, store: KioskStore, round_id: str,
                          rng: random.Random) -> Callable[[], str] | None:
    """Queue one synthetic entry per call through the kiosk's offline path (the round as the
    kiosk's reference cache holds it, else as the platform lists it now); None: no such
    round (said on stderr)."""
    from kiosk.reference import cached_rounds
    from kiosk.reservations import entry_request, queue_entry
    from kiosk.synthetic import synthetic_reservation
    from offline_cache.platform_client import PlatformRefused, PlatformUnavailable
    from wiring.sync import connect_platform

    known = {r.id: r for r in cached_rounds(store.references)}
    if round_id not in known:
        connection = connect_platform(config, clock, store)
        try:
            known.update({r.id: r for r in connection.platform.rounds()})
        except (PlatformUnavailable, PlatformRefused) as exc:
            log.warning("simulate: the platform's rounds could not be listed (%s)", exc)
        finally:
            connection.close()
    found = known.get(round_id)
    if found is None:
        print(f"error: round {round_id!r} is not known here and the platform does not list"
              " it", file=sys.stderr)
        return None
    config_round = found  # (bound for the closure)
    offset = store.outbox.summary().clock_offset_s

    def enqueue() -> str:
        request = entry_request(synthetic_reservation(rng, config_round))
        return queue_entry(store.outbox, config_round, request, clock.now(), offset).id

    return enqueue


# -- devices ------------------------------------------------------------------------------
def mock_reader_command(args: argparse.Namespace) -> int:
    from devices.idcard import DeckError, MockCardReader, load_deck
    from devices.idcard.mock_console import run_console
    from wiring.config import DEMO_DECK

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


def mock_cabinet_command(args: argparse.Namespace) -> int:
    from devices.cabinet import MockCabinet
    from devices.cabinet.mock_console import run_console

    try:
        cabinet = MockCabinet(args.link, args.boards, args.doors, baudrate=args.baudrate,
                              pace=not args.no_pace, auto_close_s=args.auto_close)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cabinet.start()
    try:
        run_console(cabinet, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        pass
    finally:
        cabinet.close()
    return 0


def cabinet_test_command(args: argparse.Namespace) -> int:
    from devices.cabinet import Door, try_door

    outcome = try_door(args.cabinet, Door(args.board, args.door), locks=args.locks,
                       baudrate=args.baudrate)
    for line in outcome.out:
        print(line)
    for line in outcome.err:
        print(line, file=sys.stderr)
    return outcome.code


def staff_pin_command(args: argparse.Namespace) -> int:
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


def test_print_command(args: argparse.Namespace) -> int:
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


def preview_command(args: argparse.Namespace) -> int:
    from devices.printer.preview import PreviewError, preview_slip

    try:
        image = preview_slip(args.job.read_bytes(), args.paper)
    except (OSError, PreviewError) as exc:
        print(f"error: {args.job}: {exc}", file=sys.stderr)
        return 2
    image.save(args.out)
    print(f"{args.out}: {image.width}x{image.height}")
    return 0


def web_command(args: argparse.Namespace) -> int:
    from wiring.web import WebKioskApp, serve

    return run_app(_config(args), WebKioskApp) if args.session else serve(_config(args), args)


def say_test_command(args: argparse.Namespace) -> int:
    """The speaker's test for an installer: nothing said is logged."""
    import wave

    from devices.speaker import EspeakSpeaker, SpeakerError, find_audio_output, write_wav
    from devices.status import Level
    from kiosk.i18n import Translator

    config = _config(args)
    section = config.speech
    lang = args.lang or config.kiosk.language
    text = args.text or Translator(lang)("speech.sample")
    rate = section.slow_rate if args.slow else section.rate
    if args.out is not None:
        try:
            write_wav(text, lang, args.out, slow=args.slow, rate=section.rate,
                      slow_rate=section.slow_rate, program=section.program)
            with wave.open(str(args.out), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
        except (SpeakerError, wave.Error, EOFError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.out}: {seconds:.1f} s of speech ({lang}, {rate} words a minute)")
        return 0
    speaker = EspeakSpeaker(section.program, rate=section.rate, slow_rate=section.slow_rate,
                            audio_output=find_audio_output if section.audio_check else None)
    try:
        status = speaker.check()
        if status.level is Level.OK:
            speaker.say(text, lang, slow=args.slow)
            speaker.wait_idle(timeout=120)
            status = speaker.status()
    finally:
        speaker.close()
    if status.level is not Level.OK:
        print(f"not said: {status.code}: {status.detail} ({status.where}); --out FILE.wav"
              " writes it to a file instead", file=sys.stderr)
        return 1
    print(f"said it on {status.where or 'the audio output'} ({lang}, {rate} words a minute)")
    return 0


def _os_error_line(exc: OSError) -> str:
    import errno

    where = f"{exc.filename}: " if exc.filename else ""
    line = f"{where}{exc.strerror or type(exc).__name__}"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        line += ("; the data folder must be writable by the kiosk's user"
                 " (`python main.py queue` still reads the queue)")
    elif exc.errno == errno.ENOSPC:
        line += "; free space on that disk (`python main.py queue` still reads the queue)"
    return line


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KioskError as exc:
        # A kiosk fault's text names files, counts and codes, never a person.
        log.error("stopped: %s", exc)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder it may not write, a full disk: the file and why
        print(f"error: {_os_error_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a crash: its type and place, never its text
        report_crash(exc)
        return 1
    return code
