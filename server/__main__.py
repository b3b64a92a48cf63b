"""The reference platform.

    python -m server --db URL --port N      serve the HTTP API (SQLite file by default)
                     [--ssl-certfile PEM --ssl-keyfile PEM]
                                            over HTTPS (or behind a TLS reverse proxy)
    python -m server stats --db URL [--json]
                                            per-kiosk transaction counts, distinct ids
                                            and per round: entries, allocations,
                                            refusals by reason, offline entries
    python -m server cases --db URL [--status S] [--item ID] [--kiosk ID]
                         [--since ISO] [--until ISO] [--limit N] [--json]
                                            staff's case list, newest first (a case
                                            waiting in a kiosk's pickup cabinet: where)
    python -m server verify-draw DRAW.json [--allow-test-chain]
                                            reproduce a published lottery draw: check
                                            the beacon offline, derive the seed, redraw:
                                            exit 0 if it matches, 1 if not (or its seed
                                            cannot be derived), 2 if unreadable
    python -m server beacon-round --at ISO [--chain quicknet]
                                            the first beacon round published at or after
                                            a moment: what a draw's commit names
    python -m server enrol --db URL ROLE ID [--out FILE]
                                            a credential for a kiosk, staff or admin
    python -m server revoke --db URL ROLE ID
    python -m server round --db URL ROUND.toml
                                            configure a reservation round
    python -m server revision -m MESSAGE [--db URL]
                                            write the next schema migration: what the
                                            models in server/db.py add (docs/platform.md)

Without --db, the database is platform.db in the platform's folder under the user data
folder (platformdirs: ~/.local/share/gov-kiosk-platform on Linux), made 0700, with the
signing key and the data key beside it; every file there is 0600. The data key (which
seals personal fields) may come from PLATFORM_DATA_KEY (base64) instead of its file.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

# Never the current folder: a platform started from a checkout would write personal
# data and keys where `git add .` finds them.
HOME = Path(user_data_dir("gov-kiosk-platform", appauthor=False))
DEFAULT_DB = f"sqlite:///{HOME / 'platform.db'}"


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy database URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--signing-key", type=Path, default=HOME / "platform-signing.key",
                        help="Ed25519 key for pickup codes (made 0600 on first use)")
    parser.add_argument("--ssl-certfile", type=Path, help="serve HTTPS: the certificate"
                        " chain (PEM) kiosks verify (docs/deploy.md)")
    parser.add_argument("--ssl-keyfile", type=Path, help="serve HTTPS: its private key (PEM)")
    parser.add_argument("--data-key", type=Path, help="AES-256 key sealing personal fields"
                        " (made 0600 on first use; default: beside the signing key;"
                        " PLATFORM_DATA_KEY, base64, wins)")
    parser.add_argument("--rate-limit", type=int, default=None, metavar="N",
                        help="requests a credential may make per minute of each kind"
                             " (lookups, entries, redemptions, cabinet collection);"
                             " default 30")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (PostgreSQL only; each keeps its own rate"
                             " limits and caches: docs/platform.md#performance)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="no line per request from uvicorn (the platform's own"
                             " warnings and errors are still logged)")
    args = parser.parse_args(argv)
    if args.workers < 1 or (args.workers > 1 and not args.db.startswith("postgresql")):
        parser.error("--workers above 1 needs PostgreSQL (SQLite has one writer)")
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        parser.error("--ssl-certfile and --ssl-keyfile go together")
    if args.ssl_certfile is None and args.host not in ("127.0.0.1", "::1", "localhost"):
        # Kiosks refuse http:// off their machine: TLS here, or a proxy in front of it.
        print(f"warning: plain HTTP on {args.host}: kiosks refuse it; give --ssl-certfile"
              " and --ssl-keyfile, or put a TLS reverse proxy in front", file=sys.stderr)

    import uvicorn

    from server.platform import build_platform
    from server.sealing import ENV_KEY, DataKeyError

    # The platform's own lines (a refused body, an unhandled error: never personal data)
    # beside uvicorn's, with a time.
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.signing_key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # Never the test beacon chain here: its key is public (only the demo's platform).
        platform = build_platform(args.db, args.signing_key, data_key=args.data_key,
                                  data_key_text=os.environ.get(ENV_KEY),
                                  rate_limit=args.rate_limit)
    except DataKeyError as exc:  # a loose key file, or another platform's data key
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {"ssl_certfile": args.ssl_certfile,
                               "ssl_keyfile": args.ssl_keyfile,
                               "access_log": not args.no_access_log}
    if args.workers == 1:
        settle_heap()
        uvicorn.run(platform.app, host=args.host, port=args.port, **options)
        return 0
    # The platform keeps nothing between requests that another worker needs (the
    # database holds it all); the keys now exist, so each worker only loads them.
    platform.engine.dispose()
    os.environ[_WORKER_ARGS] = json.dumps(
        {"db": args.db, "signing_key": str(args.signing_key), "rate_limit": args.rate_limit,
         "data_key": None if args.data_key is None else str(args.data_key)})
    uvicorn.run("server.__main__:worker_app", factory=True, workers=args.workers,
                host=args.host, port=args.port, **options)
    return 0


_WORKER_ARGS = "PLATFORM_WORKER_ARGS"  # serve() -> its worker processes


def worker_app() -> Any:
    """One worker's app (uvicorn --workers imports it in each worker process)."""
    from server.platform import build_platform
    from server.sealing import ENV_KEY

    given = json.loads(os.environ[_WORKER_ARGS])
    app = build_platform(given["db"], Path(given["signing_key"]),
                         data_key=None if given["data_key"] is None
                         else Path(given["data_key"]),
                         data_key_text=os.environ.get(ENV_KEY),
                         rate_limit=given["rate_limit"]).app
    settle_heap()
    return app


def settle_heap() -> None:
    """Everything built at start-up (modules, the app, its routes and models: about
    110,000 objects) is moved out of the garbage collector's sight: a full collection
    under load then scans only what requests made. Measured (bench/RESULTS.md, "the
    tail"): a full collection took up to 139 ms, paused every thread, and 35 of the
    slowest 40 requests of a burst overlapped one; after, 19 ms at most."""
    gc.collect()
    gc.freeze()


def stats(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server stats")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy database URL")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    from server.db import make_engine
    from server.stats import format_stats, platform_stats

    engine = make_engine(args.db)
    try:
        result = platform_stats(engine)
    finally:
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json
          else format_stats(result))
    return 0


def cases_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server cases")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy database URL")
    parser.add_argument("--status", choices=["received", "reviewing", "approved", "refused",
                                             "ready_for_pickup", "collected"])
    parser.add_argument("--item", help="service item id")
    parser.add_argument("--kiosk", help="kiosk id")
    parser.add_argument("--since", help="received from (ISO 8601; no zone: UTC)")
    parser.add_argument("--until", help="received before (ISO 8601; no zone: UTC)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (1-1000)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    from datetime import UTC, datetime

    from server.cabinet import waiting
    from server.cases import page
    from server.db import make_engine

    def moment(text: str | None) -> datetime | None:
        if text is None:
            return None
        stamp = datetime.fromisoformat(text)
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC)

    try:
        since, until = moment(args.since), moment(args.until)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not 1 <= args.limit <= 1000:
        print("error: --limit is 1 to 1000", file=sys.stderr)
        return 2
    engine = make_engine(args.db)
    try:
        found = page(engine, status=args.status, item_id=args.item, kiosk_id=args.kiosk,
                     since=since, until=until, limit=args.limit)
        cabinets = waiting(engine, [case.reference for case in found.cases])
    finally:
        engine.dispose()
    if args.json:
        print(found.model_dump_json(indent=2))
        return 0
    for case in found.cases:
        where = cabinets.get(case.reference)
        print(f"{case.reference:<24} {case.status:<17} {case.item_id:<28}"
              f" {case.received_at.isoformat()}" + (f"  cabinet {where}" if where else ""))
    more = " (more: narrow the filters or raise --limit)" if found.next_cursor else ""
    print(f"{len(found.cases)} cases{more}")
    return 0


def verify_draw(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server verify-draw")
    parser.add_argument("record", type=Path, help="the published draw record (JSON)")
    parser.add_argument("--allow-test-chain", action="store_true",
                        help="accept the test beacon (the demo's): its key is public")
    args = parser.parse_args(argv)

    from server.lottery import LEGACY_FORMAT, parse_draw, verify

    try:
        raw = json.loads(args.record.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and "record" in raw and "format" not in raw:
            raw = raw["record"]  # as GET /api/v1/rounds/{id}/draws/{n} answers
        if isinstance(raw, dict) and raw.get("format") == LEGACY_FORMAT:
            print(f"MISMATCH: round {raw.get('round_id')}: a {LEGACY_FORMAT} record, whose"
                  " seed was posted at the draw: it cannot be derived, so the draw cannot"
                  " be verified")
            return 1
        published = parse_draw(raw)
    except (OSError, ValueError) as exc:  # DrawError and JSONDecodeError are ValueErrors
        print(f"error: {args.record}: {exc}", file=sys.stderr)
        return 2
    problems = verify(published, allow_test_chain=args.allow_test_chain)
    if problems:
        print(f"MISMATCH: round {published.round_id}")
        for problem in problems:
            print(f"  {problem}")
        return 1
    test = " (TEST beacon: not a real draw)" if published.chain.get("test") else ""
    print(f"MATCH: round {published.round_id}: commitment {published.commitment[:16]}..."
          f" reproduced from {len(published.entrants)} entrants; beacon round"
          f" {published.beacon_round} of chain {published.chain.get('name')}{test} verified,"
          f" published after the commit; seed derived; all {len(published.winners)} winners"
          " redrawn in order")
    return 0


def beacon_round_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server beacon-round")
    parser.add_argument("--at", required=True, help="when the draw is held (ISO 8601 with zone)")
    parser.add_argument("--chain", default="quicknet", help="drand chain: quicknet, or test")
    args = parser.parse_args(argv)

    from datetime import datetime

    from server.beacon import BeaconError, chain_named

    try:
        chain = chain_named(args.chain)
        moment = datetime.fromisoformat(args.at)
        if moment.tzinfo is None:
            raise ValueError("give the moment's zone (+08:00, Z)")
    except (BeaconError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    number = chain.round_at(moment)
    if chain.round_time(number) < moment:
        number += 1
    print(f"chain {chain.name} round {number} comes out at {chain.round_time(number).isoformat()}")
    return 0


def enrol_command(argv: list[str], revoking: bool = False) -> int:
    name = "revoke" if revoking else "enrol"
    parser = argparse.ArgumentParser(prog=f"python -m server {name}")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy database URL")
    parser.add_argument("role", choices=["kiosk", "staff", "admin"])
    parser.add_argument("id", help="the kiosk id, or the person's login name")
    if not revoking:
        parser.add_argument("--out", type=Path,
                            help="write the token to this file (mode 0600) instead of printing")
    args = parser.parse_args(argv)

    from datetime import UTC, datetime

    from server.credentials import CredentialError, enrol, revoke, write_token_file
    from server.db import make_engine

    engine = make_engine(args.db)
    try:
        if revoking:
            done = revoke(engine, args.role, args.id, datetime.now(UTC))
            print(f"{args.role} {args.id}: " + ("revoked" if done else "had no live credential"))
            return 0 if done else 1
        token = enrol(engine, args.role, args.id, datetime.now(UTC))
    except CredentialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.out is None:
        print(token)
    else:
        write_token_file(args.out, token)
        print(f"{args.role} {args.id}: token written to {args.out}")
    return 0


def round_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server round")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy database URL")
    parser.add_argument("file", type=Path, help="the round's rules (TOML)")
    args = parser.parse_args(argv)

    from datetime import UTC, datetime

    from pydantic import ValidationError

    from server.db import make_engine
    from server.rounds import RoundExists, create_round, read_round_file

    try:
        config = read_round_file(args.file)
    except (OSError, ValueError) as exc:  # tomllib and pydantic errors are ValueErrors
        detail = exc if not isinstance(exc, ValidationError) else "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"error: {args.file}: {detail}", file=sys.stderr)
        return 2
    engine = make_engine(args.db)
    try:
        create_round(engine, config, datetime.now(UTC))
    except RoundExists as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"round {config.id}: {config.mode}, {len(config.quotas)} slots,"
          f" {sum(config.quotas.values())} places, {config.opens_at} to {config.closes_at}")
    return 0


def revision_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server revision")
    parser.add_argument("-m", "--message", required=True, help="what the revision changes")
    parser.add_argument("--db", help="a database to compare with, migrated to head first"
                                     " (default: a throwaway SQLite file)")
    args = parser.parse_args(argv)

    import tempfile

    from server.db import make_engine
    from server.schema import new_revision

    with tempfile.TemporaryDirectory() as scratch:
        # SQLite renders batch operations, which run on PostgreSQL as plain ALTERs too.
        engine = make_engine(args.db or f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            path = new_revision(engine, args.message)
        finally:
            engine.dispose()
    print(f"wrote {path}: review it, then run the tests (tests/server/test_migrations.py)")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"stats": stats, "cases": cases_command, "verify-draw": verify_draw,
                "beacon-round": beacon_round_command,
                "enrol": enrol_command, "revoke": lambda a: enrol_command(a, revoking=True),
                "round": round_command, "revision": revision_command}
    if argv[:1] and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return serve(argv)


if __name__ == "__main__":
    raise SystemExit(main())
