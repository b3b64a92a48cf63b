"""The kiosk's one entry point.

    python main.py                 run the kiosk (demo config: mock devices, embedded platform)
    python main.py serve           run the reference platform server
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import DEMO_CONFIG, load_config
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

    return serve_main(["--db", args.db, "--host", args.host, "--port", str(args.port)])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        return run_kiosk(args)
    except KioskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
