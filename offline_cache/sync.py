"""Pushing the outbox to the platform.

Each pass sends pending transactions in batches; the server answers per item,
so an accepted or duplicate item is acknowledged, a refused one quarantined
with the server's reason, and the rest stay pending for the next pass.
Nothing is deleted here.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from offline_cache.outbox import Outbox


@dataclass(frozen=True, slots=True)
class SyncReport:
    online: bool
    acknowledged: int = 0
    quarantined: int = 0
    error: str = ""


class SyncEngine:
    def __init__(self, outbox: Outbox, client: httpx.Client, batch_size: int) -> None:
        self._outbox = outbox
        self._client = client
        self._batch_size = batch_size

    def sync_once(self) -> SyncReport:
        """Drain what can be drained now; never raises for network or server trouble."""
        acknowledged = quarantined = 0
        while batch := self._outbox.pending(self._batch_size):
            ids = [tx.id for tx in batch]
            try:
                response = self._client.post(
                    "/api/v1/transactions/batch",
                    json={"transactions": [tx.wire() for tx in batch]},
                )
                response.raise_for_status()
                results = response.json()["results"]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                error = _describe(exc)
                self._outbox.record_failure(ids, error)
                self._outbox.note_sync(False, error)
                return SyncReport(False, acknowledged, quarantined, error)
            done, refused = [], 0
            for result in results:
                if result["id"] not in ids:
                    continue  # not ours: never act on an id we did not send
                if result["status"] in ("accepted", "duplicate"):
                    done.append(result["id"])
                else:
                    self._outbox.quarantine(result["id"], result.get("reason", "refused"))
                    refused += 1
            self._outbox.mark_acknowledged(done)
            acknowledged += len(done)
            quarantined += refused
            if len(done) + refused < len(batch):
                break  # the server left some unanswered: they stay pending for the next pass
        self._outbox.note_sync(True)
        return SyncReport(True, acknowledged, quarantined)


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"server answered {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "server did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "cannot reach the platform"
    if isinstance(exc, httpx.HTTPError):
        return f"network error: {type(exc).__name__}"
    return "server answered with something that is not a batch result"
