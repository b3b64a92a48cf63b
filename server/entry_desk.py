"""Where the reservation endpoint's entries are made: off the event loop, in arrival
order, by as many threads as the database can use at once.

Under a burst (bench/reservation_load.py) the endpoint used to run in the server's
shared thread pool: forty threads under one GIL, taken in no particular order, so the
slowest answers waited behind later arrivals. Here an entry joins one FIFO queue and
the endpoint awaits its answer without holding a thread.

- PostgreSQL: ``threads`` threads, each making one entry per transaction
  (``server.reservations.enter``, unchanged: its retry on a collision included).
- SQLite has one writer, and a commit is an fsync (``synchronous=FULL``). One thread
  takes every entry waiting (at most ``batch``) into one transaction, each entry in a
  savepoint of its own, and answers them all after the one commit: group commit. The
  fsync is shared, not skipped: nobody is answered before their entry is on disk, and
  an entry that fails (or collides, and is tried again) rolls back only its own
  savepoint. A commit that fails answers every entry of its batch with the error; the
  kiosk sends the same request again, which is idempotent.

On SQLite the endpoint's other database work (a credential the app does not remember)
joins the same queue (``call``): a thread of its own would wait for the one pooled
connection, which the desk takes again batch after batch ahead of it.

Invariant: an answer is given only after the transaction holding the entry committed.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.platform_api import EntryOutcome, EntryRequest
from server.caches import PlatformCaches
from server.reservations import Describe, enter, enter_in, enter_in_one_write
from server.sealing import PayloadCipher
from server.signing import PickupSigner

log = logging.getLogger(__name__)

POSTGRESQL_THREADS = 8  # below the engine's pool (server.db: 20 + 20 overflow)
SQLITE_BATCH = 64  # entries in one transaction at most: bounds the connection's hold
_ATTEMPTS = 3  # as server.reservations.enter: a collision is tried again


R = TypeVar("R")

# -- bench only: one request's life, stage by stage -------------------------------------
# With PLATFORM_ENTRY_TRACE=PATH in the environment (bench/reservation_load.py --stages),
# each reservation request's monotonic timestamps are kept in memory and written to
# PATH.<pid>.json when the app shuts down; nothing is logged, and nothing of the request
# (no person, no id) is kept: only the times, the batch's size and the GC's pauses.
TRACE_ENV = "PLATFORM_ENTRY_TRACE"
TRACE_KEY = "entry_trace"  # the record in the ASGI scope
STAGES = ("arrived", "handler", "queued", "batch", "committed", "answered", "resumed",
          "written")
ARRIVED, HANDLER, QUEUED, BATCH, COMMITTED, ANSWERED, RESUMED, WRITTEN, SIZE = range(9)


class StageTrace:
    """The records of one app (one worker process) and its GC's pauses."""

    def __init__(self, path: Path, path_of: str) -> None:
        self._path, self._path_of = path, path_of
        self.records: list[list[float]] = []
        self.gc_pauses: list[tuple[float, float, int]] = []  # start, end, generation
        self._gc_start = 0.0

    @staticmethod
    def record() -> list[float]:
        return [time.monotonic(), *([float("nan")] * (len(STAGES) - 1)), 0.0]

    def watch_gc(self) -> None:
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.monotonic()
        else:
            self.gc_pauses.append((self._gc_start, time.monotonic(), info["generation"]))

    def dump(self) -> None:
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        out = self._path.with_name(f"{self._path.name}.{os.getpid()}.json")
        out.write_text(json.dumps({"stages": STAGES, "records": self.records,
                                   "gc": self.gc_pauses, "gc_frozen": gc.get_freeze_count()}))

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Outermost: the request's arrival (uvicorn has parsed its head) and the moment
        its answer's last byte was handed to the transport."""
        trace = self

        async def traced(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"] != trace._path_of:
                await app(scope, receive, send)
                return
            record = trace.record()
            scope[TRACE_KEY] = record

            async def sending(message: Message) -> None:
                await send(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    record[WRITTEN] = time.monotonic()
            await app(scope, receive, sending)
            trace.records.append(record)
        return traced


def stage_trace(path_of: str) -> StageTrace | None:
    """The bench's trace when PLATFORM_ENTRY_TRACE names a file (else None)."""
    given = os.environ.get(TRACE_ENV)
    return StageTrace(Path(given), path_of) if given else None


@dataclass
class _Call:
    """Other database work, in its turn (not inside an entry's batch)."""

    work: Callable[[], Any]
    answer: Future[Any] = field(default_factory=Future)


@dataclass
class _Job:
    request: EntryRequest
    kiosk_id: str
    now: datetime
    answer: Future[EntryOutcome] = field(default_factory=Future)
    trace: list[float] | None = None  # StageTrace's record (bench only)


class EntryDesk:
    """Makes entries for the HTTP endpoint; threads start with the first entry."""

    def __init__(self, engine: Engine, key: bytes, cipher: PayloadCipher,
                 signer: PickupSigner, describe: Describe, caches: PlatformCaches,
                 threads: int | None = None, batch: int | None = None) -> None:
        self._engine, self._key, self._cipher = engine, key, cipher
        self._signer, self._describe, self._caches = signer, describe, caches
        grouped = engine.dialect.name == "sqlite"
        self._threads = threads or (1 if grouped else POSTGRESQL_THREADS)
        self._batch = batch or (SQLITE_BATCH if grouped else 1)
        self._queue: queue.SimpleQueue[_Job | _Call | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._closed = False

    async def enter(self, request: EntryRequest, kiosk_id: str, now: datetime,
                    trace: list[float] | None = None) -> EntryOutcome:
        job = _Job(request, kiosk_id, now, trace=trace)
        self._start()
        if trace is not None:
            trace[QUEUED] = time.monotonic()
        self._queue.put(job)
        outcome = await asyncio.wrap_future(job.answer)
        if trace is not None:
            trace[RESUMED] = time.monotonic()
        return outcome

    async def call(self, work: Callable[[], R]) -> R:
        """``work()`` run by the desk in arrival order, between batches."""
        job = _Call(work)
        self._start()
        self._queue.put(job)
        answer: R = await asyncio.wrap_future(job.answer)
        return answer

    def warm(self) -> None:
        """At start-up: the threads started and the connections they take opened, so a
        burst's first entries do not wait for them (bench/RESULTS.md, "the tail")."""
        self._start()
        opened = [self._engine.connect() for _ in range(self._threads)]
        for conn in opened:
            conn.close()  # back to the pool, open

    def close(self) -> None:
        """Let the threads finish the entries queued and stop."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for _ in workers:
            self._queue.put(None)
        for worker in workers:
            worker.join(timeout=30)

    def _start(self) -> None:
        if self._workers:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("the entry desk is closed")
            while len(self._workers) < self._threads:
                worker = threading.Thread(target=self._work, daemon=True,
                                          name=f"entry-desk-{len(self._workers)}")
                worker.start()
                self._workers.append(worker)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if isinstance(job, _Call):
                self._call(job)
                continue
            jobs: list[_Job] = [job]
            after: _Call | None = None
            stop = False
            while len(jobs) < self._batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                if isinstance(more, _Call):
                    after = more  # the batch first, then it: arrival order
                    break
                jobs.append(more)
            if self._batch == 1:
                self._one(job)
            else:
                self._group(jobs)
            if after is not None:
                self._call(after)
            if stop:
                return

    @staticmethod
    def _call(job: _Call) -> None:
        try:
            result = job.work()
        except Exception as exc:  # noqa: BLE001 - the awaiting request raises it
            _settle(job.answer, error=exc)
            return
        _settle(job.answer, result)

    def _one(self, job: _Job) -> None:
        given = (self._engine, self._key, self._cipher, self._signer, self._describe,
                 job.request, job.kiosk_id, job.now, self._caches)
        _mark([job], BATCH, 1)
        try:
            # A refusal or a replay without BEGIN and COMMIT; anything more in one
            # transaction (server.reservations).
            outcome = enter_in_one_write(*given) or enter(*given)
        except Exception as exc:  # noqa: BLE001 - the endpoint raises it (CrashGuard: a 500)
            _settle(job.answer, error=exc)
            return
        _mark([job], COMMITTED)
        _mark([job], ANSWERED)  # before: the event loop may run its handler at once
        _settle(job.answer, outcome)

    def _group(self, jobs: list[_Job]) -> None:
        results: list[EntryOutcome | BaseException] = []
        _mark(jobs, BATCH, len(jobs))
        try:
            with self._engine.begin() as conn:
                results = [self._in_savepoint(conn, job) for job in jobs]
        except Exception as exc:  # noqa: BLE001 - nothing of the batch committed: all fail
            for job in jobs:
                _settle(job.answer, error=exc)
            return
        _mark(jobs, COMMITTED)
        for job, result in zip(jobs, results, strict=True):
            _mark([job], ANSWERED)  # before: the event loop may run its handler at once
            if isinstance(result, BaseException):
                _settle(job.answer, error=result)
            else:
                _settle(job.answer, result)

    def _in_savepoint(self, conn: Connection, job: _Job) -> EntryOutcome | BaseException:
        req = job.request
        for _ in range(_ATTEMPTS):
            try:
                with conn.begin_nested():
                    return enter_in(conn, self._key, self._cipher, self._signer,
                                    self._describe, req, job.kiosk_id, job.now,
                                    caches=self._caches)
            except IntegrityError:
                continue  # as in enter: the next pass sees the row it collided with
            except Exception as exc:  # noqa: BLE001 - its savepoint rolled back; go on
                return exc
        return RuntimeError(f"request {req.id}: the same person kept colliding")


def _settle(answer: Future[Any], result: Any = None, error: BaseException | None = None
            ) -> None:
    """Answer a request, unless nobody waits for it any more: a client that went away
    cancels its future (asyncio passes the cancel on), and setting a cancelled future
    raises, which would end the desk's thread and every answer after it. The entry
    itself stands either way (a retry of the same request id gets it as a replay)."""
    if answer.done():
        return
    try:
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result)
    except InvalidStateError:
        pass  # cancelled between the check and the answer


def _mark(jobs: list[_Job], stage: int, size: int = 0) -> None:
    """The bench's trace (a no-op without one)."""
    at = time.monotonic()
    for job in jobs:
        if job.trace is not None:
            job.trace[stage] = at
            if size:
                job.trace[SIZE] = size
