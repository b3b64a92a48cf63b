"""The fleet view (issue 18): each kiosk's latest report, for the administration.

A kiosk's sync posts a ``contracts.wire.KioskReport`` at each pass (``POST
KIOSK_REPORT_PATH``, kiosk credential). The kiosk is the credential's, never a field of
the body. The platform keeps the latest report per kiosk with its own receipt time and
the kiosk's clock drift then: receipt time minus the kiosk's ``sent_at`` minus half the
kiosk's last round trip (positive: the kiosk's clock is behind).

Staff read the fleet as JSON (``GET /api/v1/staff/fleet``) or as one server-rendered
page (``GET /staff/fleet``): every kiosk with a live credential, its last contact
("stale" when older than ``FleetSettings.stale_after_s``), its queue, its devices, its
clock drift (flagged past ``drift_warning_s``, alarmed past ``drift_limit_s``, the
kiosk's own warning threshold) and what it has out of service. The page needs nothing
from outside the platform: inline CSS, no script, no font, no image (its
Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from contracts.platform_api import Moment
from contracts.wire import KIOSK_REPORT_PATH, KioskReport, KioskReportAck, Outage
from server.credentials import Principal, authenticate
from server.db import aware, credentials, kiosk_reports

log = logging.getLogger(__package__)

FLEET_PATH = "/api/v1/staff/fleet"
FLEET_PAGE_PATH = "/staff/fleet"
DriftFlag = Literal["ok", "warning", "over"]
# China Standard Time: how the page shows moments (the JSON stays in UTC).
BEIJING = timezone(timedelta(hours=8), "UTC+8")


@dataclass(frozen=True, slots=True)
class FleetSettings:
    # A kiosk reports at each sync pass: every platform.sync_interval_s (10 s by default)
    # while it reaches the platform. Silent this long: "stale" (a few missed passes).
    stale_after_s: float = 60.0
    # A clock kept by NTP is milliseconds off: past this the page flags the drift.
    drift_warning_s: float = 2.0
    # The kiosk warns its own staff past platform.max_clock_drift_s (120 s by default).
    drift_limit_s: float = 120.0
    display_tz: timezone = BEIJING


class OutageBody(Outage):
    """``contracts.wire.Outage`` as the platform reads it: ``since`` is ISO 8601 text with
    its zone (pydantic alone would take a number, or a moment without a zone)."""

    since: Moment


class KioskReportBody(KioskReport):
    """``contracts.wire.KioskReport`` as the platform reads it: numbers are JSON numbers
    and moments ISO 8601 text with their zone, as the published schema says (pydantic
    alone would take "5" for 5 and 0 for 1970, and a drift cannot be measured against a
    moment without a zone)."""

    sent_at: Moment
    last_rtt_ms: int | None = Field(default=None, ge=0, strict=True)
    queue_length: int = Field(ge=0, strict=True)
    oldest_queued_at: Moment | None = None
    outages: list[OutageBody] = Field(  # type: ignore[assignment]  # narrower, on purpose
        default_factory=list, max_length=100)


class KioskStatus(BaseModel):
    kiosk_id: str
    # None: enrolled, never reported.
    received_at: datetime | None
    drift_s: float | None
    stale: bool  # silent past the fleet's stale_after_s (or never heard from)
    drift: DriftFlag
    out_of_service: bool  # the whole kiosk ("*") is out of service
    report: KioskReportBody | None


class FleetView(BaseModel):
    as_of: datetime
    stale_after_s: float
    drift_warning_s: float
    drift_limit_s: float
    kiosks: list[KioskStatus]


def drift_of(report: KioskReport, received_at: datetime) -> float:
    """Platform minus kiosk clock, seconds: the report left at ``sent_at`` (kiosk clock)
    and took about half a round trip to arrive."""
    half_trip = (report.last_rtt_ms or 0) / 2000
    return (received_at - report.sent_at).total_seconds() - half_trip


def store_report(engine: Engine, kiosk_id: str, report: KioskReport, received_at: datetime,
                 drift_s: float) -> None:
    """Keep ``report`` as the kiosk's latest (the last one received wins)."""
    row = {"kiosk_id": kiosk_id, "report": report.model_dump(mode="json"),
           "received_at": received_at, "drift_s": drift_s}
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(kiosk_reports).values(**row)
    statement = statement.on_conflict_do_update(
        index_elements=[kiosk_reports.c.kiosk_id],
        set_={name: statement.excluded[name] for name in ("report", "received_at",
                                                          "drift_s")})
    with engine.begin() as conn:
        conn.execute(statement)


def fleet(engine: Engine, now: datetime, settings: FleetSettings) -> FleetView:
    """Every kiosk with a live credential, by id (a revoked kiosk leaves the fleet; its
    last report stays in the table, and shows again if it is enrolled again)."""
    with engine.connect() as conn:
        enrolled = set(conn.execute(select(credentials.c.id).where(
            credentials.c.role == "kiosk", credentials.c.revoked_at.is_(None))).scalars())
        rows = {r.kiosk_id: r for r in conn.execute(select(kiosk_reports))}
    kiosks = []
    for kiosk_id in sorted(enrolled):
        row = rows.get(kiosk_id)
        report = received = drift = None
        if row is not None:
            try:
                report = KioskReportBody.model_validate(row.report)
            except ValidationError:  # stored under an older contract: contact time only
                log.warning("fleet: kiosk %s's stored report no longer reads", kiosk_id)
            received, drift = aware(row.received_at), float(row.drift_s)
        stale = received is None or (now - received).total_seconds() > settings.stale_after_s
        flag: DriftFlag = ("ok" if drift is None or abs(drift) <= settings.drift_warning_s
                           else "warning" if abs(drift) <= settings.drift_limit_s else "over")
        # Built from values checked above (the report just validated): not validated
        # again (it was most of the view's time; bench/fleet_report.py).
        kiosks.append(KioskStatus.model_construct(
            kiosk_id=kiosk_id, received_at=received, drift_s=drift, stale=stale, drift=flag,
            out_of_service=report is not None and any(o.service == "*"
                                                      for o in report.outages),
            report=report))
    return FleetView(as_of=now, stale_after_s=settings.stale_after_s,
                     drift_warning_s=settings.drift_warning_s,
                     drift_limit_s=settings.drift_limit_s, kiosks=kiosks)


def _storable(report: KioskReport) -> bool:
    """Whether every text of the report can be stored (UTF-8 has no lone surrogate)."""
    try:
        json.dumps(report.model_dump(mode="json"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def fleet_router(engine: Engine, now: Callable[[], datetime],
                 kiosk: Callable[..., Awaitable[Principal]],
                 staff: Callable[..., Awaitable[Principal]],
                 responses: dict[int | str, dict[str, Any]],
                 settings: FleetSettings | None = None) -> APIRouter:
    """The fleet's endpoints. ``now``: the platform's clock in UTC; ``kiosk`` and
    ``staff``: the credential dependencies (server.http_auth); ``responses``: the error
    answers every route documents."""
    chosen = settings or FleetSettings()
    router = APIRouter(responses=responses)
    page_staff = browser_staff(engine)

    @router.post(KIOSK_REPORT_PATH, responses={422: {
        "description": "not a KioskReport (a moment needs its zone)"}},
        description="A kiosk's state at its sync pass: queue, devices, outages, clock."
        " The platform keeps the latest per kiosk (the credential's) and answers the"
        " kiosk's clock drift as it measured it.")
    def kiosk_report(report: KioskReportBody, who: Principal = Depends(kiosk)
                     ) -> KioskReportAck:
        received = now()
        try:
            drift = drift_of(report, received)
        except OverflowError:
            raise HTTPException(422, "sent_at is out of range") from None
        if not _storable(report):
            raise HTTPException(422, "text that is not valid Unicode (a lone surrogate)")
        store_report(engine, who.id, report, received, drift)
        return KioskReportAck(received_at=received, drift_s=drift)

    @router.get(FLEET_PATH, description="Every kiosk: last contact (stale or not), queue,"
                " devices, clock drift and what is out of service.")
    def fleet_json(_: Principal = Depends(staff)) -> FleetView:
        return fleet(engine, now(), chosen)

    @router.get(FLEET_PAGE_PATH, response_class=HTMLResponse,
                responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                                 "description": "the fleet as one HTML page"}},
                description="The fleet view as a page for staff's browser: the staff"
                " credential as Authorization: Bearer, or as the password of HTTP Basic"
                " (any user name), so a plain browser asks for it.")
    def fleet_page(_: Principal = Depends(page_staff)) -> HTMLResponse:
        page = render(fleet(engine, now(), chosen), chosen)
        return HTMLResponse(page, headers=PAGE_HEADERS)

    return router


_page_basic = HTTPBasic(auto_error=False, realm="fleet")
_page_bearer = HTTPBearer(auto_error=False)
# A browser shows its own sign-in box for this, so staff need no header-adding tool.
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="fleet", charset="UTF-8"'}


def browser_staff(engine: Engine) -> Callable[..., Awaitable[Principal]]:
    """The page's caller: a staff or admin credential, as a bearer token or as HTTP
    Basic's password. Asked of the database each time (a page a person opens, not an
    API a fleet calls)."""

    async def dependency(basic: HTTPBasicCredentials | None = Depends(_page_basic),
                         bearer: HTTPAuthorizationCredentials | None = Depends(_page_bearer)
                         ) -> Principal:
        token = bearer.credentials if bearer else basic.password if basic else ""
        if not token:
            raise HTTPException(401, "a staff credential is required (any user name,"
                                " the credential as the password)", headers=_CHALLENGE)
        who = await run_in_threadpool(authenticate, engine, token)
        if who is None:
            raise HTTPException(401, "unknown or revoked credential", headers=_CHALLENGE)
        if who.role not in ("staff", "admin"):
            raise HTTPException(403, f"{who.role} credentials cannot use this endpoint")
        return who

    return dependency


# -- the page -------------------------------------------------------------------------

# Nothing loads from anywhere: inline style only, no script, no frame around it.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline';"
                               " frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

DEVICE_STATES = {"ok": "正常", "warning": "警告", "fault": "故障", "absent": "未连接"}
OUTAGE_REASONS = {
    "staff": "工作人员停用", "no_paper": "缺纸", "printer_down": "打印机故障",
    "reader_down": "读卡器故障", "camera_down": "摄像头故障", "cabinet_down": "取件柜故障",
    "maintenance": "维护", "platform_unreachable": "平台不可达", "other": "其他"}
BY = {"staff": "工作人员 staff", "auto": "自动 auto"}

STYLE = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 1.5rem;
       color: #1d2327; background: #f6f7f7; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.en { color: #50575e; font-weight: normal; font-size: .85em; }
.summary { margin: 0 0 1rem; }
.summary span { margin-right: 1.25rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #c3c4c7; padding: .45rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #e8eaeb; font-size: .95rem; }
.count { font-size: 1.1rem; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: .25rem; padding: 0 .4rem; font-size: .85rem;
         border: 1px solid transparent; white-space: nowrap; }
.when, td[data-col="kiosk"] { white-space: nowrap; }
.ok { background: #e6f4ea; color: #135e2b; border-color: #9ad1a8; }
.warning { background: #fff4d6; color: #6b4f00; border-color: #e0c060; }
.fault, .over, .stale, .oos { background: #fbe9e9; color: #8a1414; border-color: #e09a9a; }
.absent, .never { background: #eceded; color: #3c434a; border-color: #c3c4c7; }
tr.is-stale td, tr.is-oos td { background: #fff8f8; }
ul { margin: 0; padding-left: 1rem; }
li { margin: .1rem 0; }
.muted { color: #646970; font-size: .85rem; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _moment(moment: datetime | None, settings: FleetSettings) -> str:
    if moment is None:
        return "—"
    shown = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)
             ).astimezone(settings.display_tz)
    return shown.strftime("%Y-%m-%d %H:%M:%S")


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} 秒前 s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} 分钟前 min ago"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} 小时前 h ago"
    return f"{seconds / 86400:.0f} 天前 d ago"


def _contact(kiosk: KioskStatus, as_of: datetime, settings: FleetSettings) -> str:
    if kiosk.received_at is None:
        return '<span class="badge never">从未联系 never</span>'
    text = (f'<span class="when">{_e(_moment(kiosk.received_at, settings))}</span>'
            f'<br><span class="muted">'
            f"{_e(_age((as_of - kiosk.received_at).total_seconds()))}</span>")
    if kiosk.stale:
        text += ' <span class="badge stale">失联 stale</span>'
    return text


def _queue(report: KioskReport | None, as_of: datetime, settings: FleetSettings) -> str:
    if report is None:
        return "—"
    text = f'<strong class="count">{report.queue_length}</strong>'
    oldest = report.oldest_queued_at
    if oldest is not None and report.queue_length:
        since = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        text += (f"<br><span class=\"muted\">最早 oldest {_e(_moment(since, settings))}"
                 f" ({_e(_age((as_of - since).total_seconds()))})</span>")
    return text


def _devices(report: KioskReport | None) -> str:
    if report is None:
        return "—"
    if not report.devices:
        return '<span class="muted">未报告 none reported</span>'
    items = []
    for name, device in sorted(report.devices.items()):
        detail = f' <span class="muted">{_e(device.detail)}</span>' if device.detail else ""
        items.append(f'<li data-device="{_e(name)}">{_e(name)}: <span class="badge'
                     f' {device.state}">{DEVICE_STATES[device.state]} {device.state}</span>'
                     f"{detail}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _drift(kiosk: KioskStatus) -> str:
    if kiosk.drift_s is None:
        return "—"
    # drift_s is platform minus kiosk: positive, the kiosk's clock is behind. The page
    # says which way in words rather than by a sign staff would have to decode.
    size = abs(kiosk.drift_s)
    words = ("" if size < 0.05 else " 慢 behind" if kiosk.drift_s > 0 else " 快 ahead")
    return f'<span class="badge {kiosk.drift}">{size:.1f} s{words}</span>'


# A device down pauses every service that needs it (paper out: every slip service, one
# outage each): past this many alike, they are one line with a count, not a screenful.
GROUP_OUTAGES_OVER = 3


def _outages(report: KioskReport | None, settings: FleetSettings) -> str:
    if report is None:
        return "—"
    if not report.outages:
        return '<span class="badge ok">服务中 in service</span>'
    alike: dict[tuple[str, str, str, str], list[Outage]] = {}
    for outage in sorted(report.outages, key=lambda o: (o.service != "*", o.service)):
        key = ("*" if outage.service == "*" else "", outage.reason, outage.by, outage.note)
        alike.setdefault(key, []).append(outage)
    items: list[str] = []
    for group in alike.values():
        singles = group if len(group) <= GROUP_OUTAGES_OVER else []
        items.extend(_outage_item(outage, settings) for outage in singles)
        if not singles:
            items.append(_outage_item(group[0], settings, also=group[1:]))
    return f"<ul>{''.join(items)}</ul>"


def _outage_item(outage: Outage, settings: FleetSettings, also: list[Outage] | None = None
                 ) -> str:
    if also:
        services = [outage.service, *(o.service for o in also)]
        shown = ", ".join(_e(s) for s in services[:GROUP_OUTAGES_OVER])
        what = f"{len(services)} 项服务 services ({shown}, …)"
        attribute = f'data-services="{len(services)}"'
        since = min(o.since for o in [outage, *also])
    else:
        what = ('<span class="badge oos">整机停用 whole kiosk</span>' if outage.service == "*"
                else f"{_e(outage.service)}")
        attribute = f'data-service="{_e(outage.service)}"'
        since = outage.since
    note = f'<br><span class="muted">{_e(outage.note)}</span>' if outage.note else ""
    return (f"<li {attribute}>{what}: {OUTAGE_REASONS[outage.reason]} {outage.reason}"
            f' <span class="muted">({BY[outage.by]}, 自 since'
            f" {_e(_moment(since, settings))})</span>{note}</li>")


def render(view: FleetView, settings: FleetSettings) -> str:
    """The fleet as one HTML page: every text escaped, nothing loaded from outside."""
    rows = []
    for kiosk in view.kiosks:
        report = kiosk.report
        classes = " ".join(c for c, on in (("is-stale", kiosk.stale),
                                           ("is-oos", kiosk.out_of_service)) if on)
        software = (f'<br><span class="muted">{_e(report.software)}</span>'
                    if report is not None and report.software else "")
        rows.append(
            f'<tr data-kiosk="{_e(kiosk.kiosk_id)}" class="{classes}">'
            f'<td data-col="kiosk"><strong>{_e(kiosk.kiosk_id)}</strong>{software}</td>'
            f'<td data-col="contact">{_contact(kiosk, view.as_of, settings)}</td>'
            f'<td data-col="queue">{_queue(report, view.as_of, settings)}</td>'
            f'<td data-col="devices">{_devices(report)}</td>'
            f'<td data-col="drift">{_drift(kiosk)}</td>'
            f'<td data-col="outages">{_outages(report, settings)}</td></tr>')
    stale = sum(k.stale for k in view.kiosks)
    down = sum(k.out_of_service for k in view.kiosks)
    body = "".join(rows) or ('<tr><td colspan="6" class="muted">尚无终端 no kiosk enrolled'
                             "</td></tr>")
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="30">
<title>终端状态 Kiosk fleet</title>
<style>{STYLE}</style>
</head>
<body>
<h1>终端状态 <span class="en">Kiosk fleet</span></h1>
<p class="summary">
<span>截至 as of {_e(_moment(view.as_of, settings))} ({_e(settings.display_tz)})</span>
<span data-summary="kiosks">终端 kiosks: {len(view.kiosks)}</span>
<span data-summary="stale">失联 stale: {stale}</span>
<span data-summary="oos">整机停用 out of service: {down}</span>
</p>
<table>
<thead><tr>
<th>终端 <span class="en">Kiosk</span></th>
<th>最后联系 <span class="en">Last contact</span></th>
<th>队列 <span class="en">Queue</span></th>
<th>设备 <span class="en">Devices</span></th>
<th>时钟偏差 <span class="en">Clock drift</span></th>
<th>停用 <span class="en">Out of service</span></th>
</tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="muted">失联: 超过 {view.stale_after_s:.0f} 秒未联系 (stale: silent over
{view.stale_after_s:.0f} s) · 时钟偏差: 终端时钟比平台快或慢, 超过
{view.drift_warning_s:g} 秒标黄, 超过 {view.drift_limit_s:g} 秒标红 (clock drift: the
kiosk's clock ahead of or behind the platform's; yellow over {view.drift_warning_s:g} s,
red over {view.drift_limit_s:g} s)</p>
</body>
</html>
"""
