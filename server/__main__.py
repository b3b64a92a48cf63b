"""``python -m server --db URL --port N``: run the reference platform."""

from __future__ import annotations

import argparse

import uvicorn

from server.app import create_app
from server.db import make_engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--db", default="sqlite:///platform.db", help="SQLAlchemy database URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(make_engine(args.db)), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
