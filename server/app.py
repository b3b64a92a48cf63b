"""The reference platform's HTTP API (FastAPI over SQLAlchemy Core).

Every route needs a credential (``server.http_auth``). The OpenAPI schema is at
``/openapi.json``; docs/platform-api.md walks through it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.types import DecoratedCallable
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.engine import Engine

from contracts.clock import Clock
from contracts.pharmacies import Pharmacies
from contracts.platform_api import (
    ANOMALIES_PATH,
    AUDIT_PATH,
    CABINET_COLLECT_PATH,
    CABINET_CONTENTS_PATH,
    CABINET_LOADS_PATH,
    CABINET_UNLOADS_PATH,
    PICKUP_FLAGS_PATH,
    RATINGS_REPORT_PATH,
    STAFF_CASES_PATH,
    STAFF_ENTRIES_PATH,
    AnomalyList,
    Attempt,
    AuditList,
    CabinetCollect,
    CabinetCollection,
    CabinetContents,
    CabinetLoad,
    CabinetLoadOutcome,
    CabinetUnload,
    CabinetUnloadOutcome,
    CasePage,
    CaseView,
    Day,
    DocumentType,
    EntryOutcome,
    EntryRequest,
    EntryView,
    EntryWithdrawal,
    Ident,
    PickupFlagList,
    RatingReport,
    Redemption,
    RoundConfig,
    RoundStock,
    Withdrawal,
)
from contracts.reference_data import PHARMACIES
from contracts.wire import Batch, BatchResult, Health, ReferenceBody, Versions
from server import audit, cabinet
from server import cases as case_store
from server import draws as draw_store
from server.beacon import BeaconError, chain_named
from server.body_limit import MAX_BODY_BYTES, BodyLimit
from server.caches import PlatformCaches
from server.crash_guard import CrashGuard
from server.credentials import (
    CredentialError,
    Principal,
    Role,
    authenticate,
    enrol,
    parse_token,
    revoke,
)
from server.draws import DrawStateError
from server.entry_desk import HANDLER, TRACE_KEY, EntryDesk, stage_trace
from server.fleet import fleet_router
from server.http_auth import requires
from server.ingest import ingest_batch
from server.lottery import MAX_BEACON_ROUND, DrawError
from server.offline import Reconciler, flags
from server.openapi_doc import publish_transactions
from server.persons import person_of
from server.pickups import attempts, issue, redeem
from server.rate_limits import Kind, RateLimited, RateLimiter, RateLimits
from server.ratings import report
from server.reference import ReferenceDoc
from server.registry import register_insured
from server.reservations import entries_of, withdraw
from server.rounds import RoundExists, create_round, list_rounds, remaining
from server.sealing import PayloadCipher
from server.signing import PickupSigner

_Strict = ConfigDict(extra="forbid")
DrawNumber = Annotated[int, Path(ge=1, le=1_000_000)]
REPORT_DAYS = 30  # the 好差评 report's period when none is given
ANOMALY_DAYS = 1  # the anomalies staff see when no "since" is given
CaseStatus = Literal["received", "reviewing", "approved", "refused", "ready_for_pickup",
                     "collected"]


def _iso_moment(value: Any) -> Any:
    """Only ISO 8601 text with a zone (pydantic would also read "0.5" as 1970)."""
    if isinstance(value, str):
        try:
            if datetime.fromisoformat(value).tzinfo is not None:
                return value
        except ValueError:
            pass
    raise ValueError("expected an ISO 8601 date and time with its zone")


QueryMoment = Annotated[AwareDatetime, BeforeValidator(_iso_moment)]
Filter = Annotated[str | None, Field(min_length=1, max_length=64)]


class ReportQuery(BaseModel):
    """The 好差评 report's period and filters (an unknown parameter is 422)."""

    model_config = _Strict
    since: QueryMoment | None = Field(default=None, description="from (inclusive), with zone")
    until: QueryMoment | None = Field(default=None, description="to (exclusive), with zone;"
                                      " none: up to now")
    kiosk_id: Filter = None
    item_id: Filter = None


class CaseFilter(BaseModel):
    """Staff's case list: filters on received cases, and the page asked for."""

    model_config = _Strict
    status: CaseStatus | None = None
    item_id: Filter = None
    kiosk_id: Filter = None
    since: QueryMoment | None = Field(default=None, description="received from, with zone")
    until: QueryMoment | None = Field(default=None, description="received before, with zone")
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of"
                               " the page before")


def utc(moment: datetime) -> datetime:
    """A query's moment in UTC (SQLite compares stored UTC digits)."""
    return moment.astimezone(UTC)


class Document(BaseModel):
    model_config = _Strict
    document_type: DocumentType = DocumentType.RESIDENT_ID
    document_number: str = Field(min_length=1, max_length=32)


class CaseQuery(BaseModel):
    """By reference (a kiosk: its own cases), or by the citizen's document (any kiosk's
    cases of that person: the card on the reader is the proof), or both. Neither: the
    latest cases a kiosk sent (staff: of every kiosk)."""

    model_config = _Strict
    reference: str | None = Field(default=None, min_length=1, max_length=64)
    document: Document | None = None


class CaseList(BaseModel):
    cases: list[CaseView]


class StatusChange(BaseModel):
    model_config = _Strict
    status: Literal["reviewing", "approved", "refused", "ready_for_pickup"]
    reason: str = Field(default="", max_length=500)
    site: str = Field(default="", max_length=120)  # ready_for_pickup: where to collect
    window: str = Field(default="", max_length=60)  # ready_for_pickup: when


class EntryQuery(BaseModel):
    model_config = _Strict
    document: Document
    round_id: str | None = Field(default=None, max_length=64)


class EntryList(BaseModel):
    entries: list[EntryView]


class RedeemRequest(BaseModel):
    model_config = _Strict
    code: str = Field(min_length=1, max_length=2048)


class AttemptList(BaseModel):
    attempts: list[Attempt]


class CredentialRequest(BaseModel):
    model_config = _Strict
    role: Role
    id: Ident


class Credential(BaseModel):
    role: Role
    id: str
    token: str  # shown once; the platform keeps only its hash


class Revoked(BaseModel):
    revoked: bool


class RoundList(BaseModel):
    rounds: list[RoundConfig]


class CommitRequest(BaseModel):
    model_config = _Strict
    # The public randomness the draw will use: a drand chain (by name or chain hash)
    # and a round of it due at least lottery.MIN_LEAD after now (none: the first such).
    chain: str = Field(default="quicknet", min_length=1, max_length=64)
    beacon_round: int | None = Field(default=None, ge=1, le=MAX_BEACON_ROUND)


class BeaconReveal(BaseModel):
    model_config = _Strict
    # The named round's signature as the chain published it (hex); the test chain's
    # the platform makes itself. There is no seed to post: it is derived.
    signature: str | None = Field(default=None, min_length=96, max_length=96,
                                  pattern=r"^[0-9a-f]+$")


class PublishedDraw(BaseModel):
    number: int
    record: dict[str, Any]  # the lottery record verify-draw reads


class AnomalyQuery(BaseModel):
    model_config = _Strict
    since: QueryMoment | None = Field(default=None, description="from, with zone; none:"
                                      " the last day")


class AuditQuery(BaseModel):
    model_config = _Strict
    credential: str | None = Field(default=None, min_length=1, max_length=80,
                                   description='e.g. "kiosk:XH-CCB-0001"')
    kind: str | None = Field(default=None, min_length=1, max_length=16)
    reference: str | None = Field(default=None, min_length=1, max_length=64)
    limit: int = Field(default=100, ge=1, le=1000)


class InsuredList(BaseModel):
    model_config = _Strict
    document_type: DocumentType = DocumentType.RESIDENT_ID
    document_numbers: list[str] = Field(min_length=1, max_length=10_000)
    since: Day


class Registered(BaseModel):
    added: int


def describer(reference: dict[str, ReferenceDoc]) -> Any:
    """slot -> (site, window) in the words a pickup code and a slip use."""
    stores = {p.id: p for p in Pharmacies.model_validate(reference[PHARMACIES].body).pharmacies}

    def describe(slot: str) -> tuple[str, str]:
        pharmacy_id, window_id, *kind = slot.split("/")
        store = stores.get(pharmacy_id)
        if store is None:
            return pharmacy_id, "/".join([window_id, *kind])
        label = next((w.label for w in store.windows if w.id == window_id), window_id)
        return f"{store.name} {store.address}", " ".join([label, *kind])

    return describe


def create_app(engine: Engine, reference: dict[str, ReferenceDoc], signer: PickupSigner,
               key: bytes, clock: Clock, cipher: PayloadCipher | None = None,
               max_body_bytes: int = MAX_BODY_BYTES,
               limits: RateLimits | None = None, *, allow_test_beacon: bool = False,
               caches: PlatformCaches | None = None) -> FastAPI:
    """``key``: the person key (server.keyring.pseudonym_key opens it with ``cipher``);
    ``cipher`` seals personal fields of stored transactions and the rounds' keys (None:
    a throwaway key, for tools and tests that never read them back); ``limits``: each
    credential's budget per kind of request (None: the defaults); ``allow_test_beacon``:
    draws may use the test beacon chain, whose key is public (the demo platform only);
    ``caches``: what the app keeps between requests (server.caches; None: its own)."""
    app = FastAPI(title="Government-service platform (reference)", version="0.3.0")
    # Added last is outermost: the guard sees everything, the body cap runs before
    # routing, authentication and parsing.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(CrashGuard)
    sealer = cipher or PayloadCipher.throwaway()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer echoes the input: an ID number would travel back in
        # error logs, and a lone surrogate in it cannot even be encoded (a 500).
        detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                  for e in exc.errors()]
        return Response(json.dumps({"detail": detail}, ensure_ascii=True), status_code=422,
                        media_type="application/json")
    caches = caches or PlatformCaches()
    describe = describer(reference)
    desk = EntryDesk(engine, key, sealer, signer, describe, caches)
    app.router.on_shutdown.append(desk.close)
    trace = stage_trace("/api/v1/reservations")  # bench only (PLATFORM_ENTRY_TRACE)
    if trace is not None:
        app.add_middleware(trace.middleware)
        app.router.on_startup.append(trace.watch_gc)
        app.router.on_shutdown.append(trace.dump)

    app.router.on_startup.append(desk.warm)
    looking_up: dict[str, asyncio.Future[Principal | None]] = {}

    async def lookup(token: str) -> Principal | None:
        # In the desk's queue: on SQLite the one connection is the desk's, in turn. A
        # kiosk's requests that miss the cache together (its first ones, or once the 5 s
        # are up) share one look-up: under a burst each waited for its own, in that queue.
        # A token that is not even well formed never joins that queue (it would hold up
        # entries behind it for nothing).
        if parse_token(token) is None:
            return None
        pending = looking_up.get(token)
        if pending is None:
            pending = asyncio.ensure_future(
                desk.call(partial(authenticate, engine, token, caches.credentials)))
            looking_up[token] = pending
            pending.add_done_callback(lambda _: looking_up.pop(token, None))
        return await asyncio.shield(pending)
    anyone = requires(engine, cache=caches.credentials, lookup=lookup)
    kiosk = requires(engine, "kiosk", cache=caches.credentials, lookup=lookup)
    counter = requires(engine, "kiosk", "staff", "admin", cache=caches.credentials,
                       lookup=lookup)
    staff = requires(engine, "staff", "admin", cache=caches.credentials, lookup=lookup)
    admin = requires(engine, "admin", cache=caches.credentials, lookup=lookup)
    offline = Reconciler(key, sealer, signer, describe)

    def now() -> datetime:
        # Always UTC: SQLite keeps a datetime's wall-clock digits and drops its zone,
        # so a kiosk-style local time would be read back hours off.
        return clock.now().astimezone(UTC)
    errors: dict[int | str, dict[str, Any]] = {
        400: {"description": "the body is not JSON"},
        401: {"description": "no credential, or an unknown or revoked one"},
        403: {"description": "this role cannot use this endpoint"},
        413: {"description": "the request body is over the platform's cap"}}

    def get(path: str, **kw: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return app.get(path, responses={**errors, **kw.pop("responses", {})}, **kw)

    def post(path: str, **kw: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return app.post(path, responses={**errors, **kw.pop("responses", {})}, **kw)

    limiter = RateLimiter(limits or RateLimits())
    limited: dict[int | str, dict[str, Any]] = {429: {
        "description": "over this credential's rate limit: try again after Retry-After"
                       " seconds (the refusal is audited and shown to staff)"}}

    def admit(who: Principal, kind: Kind) -> None:
        """Count the request against the caller's budget for ``kind``, or answer 429."""
        try:
            limiter.check(who.tag, kind, now())
        except RateLimited as exc:
            audit.record(engine, now(), who.tag, kind, audit.RATE_LIMITED)
            raise HTTPException(429, str(exc),
                                headers={"Retry-After": str(exc.retry_after)}) from None

    # -- any credential -------------------------------------------------------------
    @get("/api/v1/health")
    def health(who: Principal = Depends(anyone)) -> Health:
        return Health(status="ok", time=now(), caller=who.tag)

    @get("/api/v1/reference")
    def reference_versions(_: Principal = Depends(anyone)) -> Versions:
        return Versions(versions={name: doc.version for name, doc in reference.items()})

    @get("/api/v1/reference/{name}", responses={404: {"description": "no such document"}})
    def reference_document(name: str, _: Principal = Depends(anyone)) -> ReferenceBody:
        doc = reference.get(name)
        if doc is None:
            raise HTTPException(404, f"no reference document {name!r}")
        return ReferenceBody(name=name, version=doc.version, body=doc.body)

    @get("/api/v1/rounds")
    def rounds(_: Principal = Depends(anyone)) -> RoundList:
        return RoundList(rounds=list_rounds(engine))

    @get("/api/v1/rounds/{round_id}/draws/{number}",
         responses={404: {"description": "no such draw"}})
    def draw_record(round_id: str, number: DrawNumber,
                    _: Principal = Depends(anyone)) -> PublishedDraw:
        try:
            return PublishedDraw(number=number,
                                 record=draw_store.published(engine, round_id, number))
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc

    @get("/api/v1/rounds/{round_id}/stock", responses={404: {"description": "no such round"}})
    def round_stock(round_id: str, _: Principal = Depends(anyone)) -> RoundStock:
        left = remaining(engine, round_id, caches.rounds)
        if left is None:
            raise HTTPException(404, f"no round {round_id!r}")
        return RoundStock(round_id=round_id, remaining=left, as_of=now())

    @get(RATINGS_REPORT_PATH, responses={403: {"description": "a kiosk asking for another"
                                               " kiosk's ratings"}})
    def ratings_report(query: Annotated[ReportQuery, Query()],
                       who: Principal = Depends(anyone)) -> RatingReport:
        kiosk_id = query.kiosk_id
        if who.role == "kiosk":
            if kiosk_id not in (None, who.id):
                raise HTTPException(403, "a kiosk reads only its own ratings")
            kiosk_id = who.id
        end = utc(query.until) if query.until is not None else now()
        start = (utc(query.since) if query.since is not None
                 else end - timedelta(days=REPORT_DAYS))
        return report(engine, start, end, kiosk_id, query.item_id,
                      up_to_now=query.until is None)

    # -- kiosks ---------------------------------------------------------------------
    @post("/api/v1/transactions/batch",
          description="Queued transactions, each checked on its own against its kind's"
                      " model (components/schemas/Transaction: application, rating,"
                      " reservation, redemption); one bad item never sinks the batch.")
    def ingest(batch: Batch, who: Principal = Depends(kiosk)) -> BatchResult:
        received = now()
        return BatchResult(results=ingest_batch(engine, batch.transactions, received, who.id,
                                                key, offline, sealer),
                           received_at=received)

    @post("/api/v1/reservations", responses=limited, response_model=EntryOutcome)
    async def reserve(request: EntryRequest, http: Request,
                      who: Principal = Depends(kiosk)) -> Response:
        # On the event loop: the entry is made by the desk's threads, in arrival order
        # (server.entry_desk), and the answer is the model's own JSON (FastAPI would
        # validate it again first: a measurable share under load, bench/RESULTS.md).
        record = http.scope.get(TRACE_KEY)  # the bench's trace (else None)
        if record is not None:
            record[HANDLER] = time.monotonic()
        try:
            limiter.check(who.tag, "entry", now())
        except RateLimited as exc:
            await run_in_threadpool(audit.record, engine, now(), who.tag, "entry",
                                    audit.RATE_LIMITED)
            raise HTTPException(429, str(exc),
                                headers={"Retry-After": str(exc.retry_after)}) from None
        outcome = await desk.enter(request, who.id, now(), trace=record)
        return Response(outcome.model_dump_json(), media_type="application/json")

    # -- a kiosk's pickup cabinet (its own: the credential names the cabinet) ---------
    @post(CABINET_LOADS_PATH, description="Staff at the kiosk loaded an approved case's"
          " goods into a compartment: the case is ready for pickup in this kiosk's cabinet"
          " and its code issued. Refusals are answers (status refused, reason).")
    def cabinet_load(request: CabinetLoad, who: Principal = Depends(kiosk)
                     ) -> CabinetLoadOutcome:
        return cabinet.load(engine, signer, request, who.id, now())

    @post(CABINET_UNLOADS_PATH, description="Staff took a case's goods back out of this"
          " kiosk's cabinet: its code stops working, the case is approved again.")
    def cabinet_unload(request: CabinetUnload, who: Principal = Depends(kiosk)
                       ) -> CabinetUnloadOutcome:
        return cabinet.unload(engine, request, who.id, now())

    @post(CABINET_COLLECT_PATH, responses=limited,
          description="The citizen's ID card on this kiosk's reader: every case of theirs"
          " waiting in its cabinet is redeemed (only there: the goods are behind this"
          " kiosk's doors). Rate-limited and audited.")
    def cabinet_collect(request: CabinetCollect, who: Principal = Depends(kiosk)
                        ) -> CabinetCollection:
        admit(who, "cabinet_collect")
        collection = cabinet.collect(engine, key, request, who.id, now())
        person = person_of(key, request.document_type, request.document_number)
        refs = [r.ref for r in collection.redemptions]
        taken = sum(r.status == "redeemed" for r in collection.redemptions)
        outcome = (f"redeemed:{taken}" if taken else
                   f"refused:{collection.redemptions[0].reason}" if refs else "none")
        audit.record(engine, now(), who.tag, "cabinet_collect", outcome,
                     refs[0] if len(refs) == 1 else "-", person)
        return collection

    @get(CABINET_CONTENTS_PATH, description="This kiosk's cabinet as the platform sees it.")
    def cabinet_contents(who: Principal = Depends(kiosk)) -> CabinetContents:
        return cabinet.contents(engine, who.id, now())

    # -- kiosks and the counter -------------------------------------------------------
    # A document number proves nothing (docs/security/access.md): by document a kiosk
    # gets the status of any kiosk's case or entry, but a pickup code only of its own.
    @post("/api/v1/cases/lookup", responses=limited)
    def case_lookup(query: CaseQuery, who: Principal = Depends(counter)) -> CaseList:
        admit(who, "case_lookup")
        person = None if query.document is None else person_of(
            key, query.document.document_type, query.document.document_number)
        scope = who.id if who.role == "kiosk" else None
        found = case_store.lookup(engine, scope, query.reference, person)
        audit.record(engine, now(), who.tag, "case_lookup", f"found:{len(found)}",
                     query.reference or (found[0].reference if len(found) == 1 else "-"),
                     person or "")
        return CaseList(cases=found)

    @post("/api/v1/reservations/lookup", responses=limited)
    def reservation_lookup(query: EntryQuery, who: Principal = Depends(counter)) -> EntryList:
        admit(who, "entry_lookup")
        person = person_of(key, query.document.document_type, query.document.document_number)
        found = entries_of(engine, person, query.round_id,
                           who.id if who.role == "kiosk" else None)
        audit.record(engine, now(), who.tag, "entry_lookup", f"found:{len(found)}",
                     found[0].reference if len(found) == 1 else "-", person)
        return EntryList(entries=found)

    @post("/api/v1/pickups/redeem", responses=limited)
    def redeem_code(request: RedeemRequest, who: Principal = Depends(counter)) -> Redemption:
        admit(who, "redeem")
        answer = redeem(engine, signer, request.code.strip(), who.tag, now(),
                        who.id if who.role == "kiosk" else None)
        audit.record(engine, now(), who.tag, "redeem", "redeemed" if answer.status ==
                     "redeemed" else f"refused:{answer.reason}", answer.ref or "-")
        return answer

    # -- staff ----------------------------------------------------------------------
    @post("/api/v1/staff/cases/{reference}/status",
          responses={404: {"description": "no such case"},
                     409: {"description": "not a move this case can make"}})
    def case_status(reference: str, change: StatusChange,
                    who: Principal = Depends(staff)) -> CaseView:
        def issue_code(conn: Any, ref: str, expires: datetime) -> None:
            site, window = change.site or "办事窗口", change.window or "工作日 9:00-17:00"
            item = case_store.view(conn, ref)
            issue(conn, signer, ref=ref, kind="case", item=item.item_id if item else "",
                  site=site, window=window, slot="counter", expires=expires, now=now())

        try:
            return case_store.set_status(engine, reference, change.status, change.reason,
                                         who.tag, now(), issue_code=issue_code)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except case_store.CaseError as exc:
            raise HTTPException(409, str(exc)) from exc

    @get(STAFF_CASES_PATH, responses={400: {"description": "a cursor this list did not make"}})
    def staff_cases(query: Annotated[CaseFilter, Query()],
                    _: Principal = Depends(staff)) -> CasePage:
        try:
            return case_store.page(
                engine, status=query.status, item_id=query.item_id, kiosk_id=query.kiosk_id,
                since=None if query.since is None else utc(query.since),
                until=None if query.until is None else utc(query.until),
                limit=query.limit, cursor=query.cursor)
        except case_store.CursorError as exc:
            raise HTTPException(400, str(exc)) from exc

    @get(PICKUP_FLAGS_PATH)
    def pickup_flags(_: Principal = Depends(staff)) -> PickupFlagList:
        return PickupFlagList(flags=flags(engine))

    @get(ANOMALIES_PATH, description="Credentials refused by a rate limit: how often, first"
         " and last time (a kiosk trying ID numbers, or one entering made-up people).")
    def anomalies(query: Annotated[AnomalyQuery, Query()],
                  _: Principal = Depends(staff)) -> AnomalyList:
        since = (utc(query.since) if query.since is not None
                 else now() - timedelta(days=ANOMALY_DAYS))
        return AnomalyList(since=since, anomalies=audit.anomalies(engine, since))

    @get(AUDIT_PATH, description="Lookups, redemptions, withdrawals and rate-limited"
         " requests, newest first: who, what, the outcome (never a document number).")
    def audit_trail(query: Annotated[AuditQuery, Query()],
                    _: Principal = Depends(staff)) -> AuditList:
        return AuditList(entries=audit.trail(engine, credential=query.credential,
                                             kind=query.kind, reference=query.reference,
                                             limit=query.limit))

    @post(STAFF_ENTRIES_PATH + "/{reference}/withdraw",
          description="Withdraw an entry made in someone's name: it stops holding their"
          " place and locking them out; an uncollected code stops working; a first-come"
          " place returns to the stock. Refusals are answers (status refused, reason).")
    def withdraw_entry(reference: Annotated[str, Path(min_length=1, max_length=64)],
                       request: EntryWithdrawal, who: Principal = Depends(staff)
                       ) -> Withdrawal:
        answer = withdraw(engine, reference, request.reason, who.tag, now())
        audit.record(engine, now(), who.tag, "withdraw", answer.status if answer.status ==
                     "withdrawn" else f"refused:{answer.reason}", reference)
        return answer

    @get("/api/v1/staff/pickups/{ref}/attempts")
    def pickup_attempts(ref: str, _: Principal = Depends(staff)) -> AttemptList:
        return AttemptList(attempts=attempts(engine, ref))

    # -- administrators -------------------------------------------------------------
    @post("/api/v1/admin/credentials", responses={422: {"description": "bad id"}})
    def enrol_credential(request: CredentialRequest,
                         _: Principal = Depends(admin)) -> Credential:
        try:
            token = enrol(engine, request.role, request.id, now(), caches.credentials)
        except CredentialError as exc:
            raise HTTPException(422, str(exc)) from exc
        return Credential(role=request.role, id=request.id, token=token)

    @app.delete("/api/v1/admin/credentials/{role}/{ident}", responses=errors)
    def revoke_credential(role: Role, ident: str, _: Principal = Depends(admin)) -> Revoked:
        return Revoked(revoked=revoke(engine, role, ident, now(), caches.credentials))

    @post("/api/v1/admin/rounds", status_code=201,
          responses={409: {"description": "a round with this id exists"}})
    def new_round(config: RoundConfig, _: Principal = Depends(admin)) -> RoundConfig:
        try:
            create_round(engine, config, now(), caches.rounds)
        except RoundExists as exc:
            raise HTTPException(409, str(exc)) from exc
        return config

    @post("/api/v1/admin/rounds/{round_id}/draws", status_code=201,
          responses={404: {"description": "no such round"},
                     409: {"description": "a draw waits for its beacon, not a lottery, the"
                                          " beacon round is not in the future, or the"
                                          " test chain on a platform that is not the"
                                          " demo's"},
                     422: {"description": "an unknown beacon chain"}})
    def commit_draw(round_id: str, request: CommitRequest,
                    _: Principal = Depends(admin)) -> PublishedDraw:
        try:
            number, committed = draw_store.commit_draw(
                engine, sealer, round_id, chain_named(request.chain), request.beacon_round,
                now(), allow_test=allow_test_beacon)
        except BeaconError as exc:
            raise HTTPException(422, str(exc)) from exc
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except (DrawStateError, DrawError) as exc:
            raise HTTPException(409, str(exc)) from exc
        return PublishedDraw(number=number, record=committed.to_json())

    @post("/api/v1/admin/rounds/{round_id}/draws/{number}/beacon",
          responses={404: {"description": "no such draw"},
                     409: {"description": "drawn already, the beacon round is not out yet,"
                                          " the signature is not the chain's, or the test"
                                          " chain on a platform that is not the demo's"}})
    def reveal_beacon(round_id: str, number: DrawNumber, request: BeaconReveal,
                      _: Principal = Depends(admin)) -> PublishedDraw:
        try:
            result = draw_store.run_draw(engine, sealer, signer, describe, round_id,
                                         number, request.signature, now(),
                                         allow_test=allow_test_beacon)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except (DrawStateError, DrawError) as exc:
            raise HTTPException(409, str(exc)) from exc
        return PublishedDraw(number=number, record=result.to_json())

    @post("/api/v1/admin/insured")
    def add_insured(request: InsuredList, _: Principal = Depends(admin)) -> Registered:
        added = register_insured(engine, key, request.document_type, request.document_numbers,
                                 request.since)
        return Registered(added=added)

    app.include_router(fleet_router(engine, now, kiosk, staff, errors))  # issue 18
    publish_transactions(app)
    return app
