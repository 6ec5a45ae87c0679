"""The item queue between Redis workers and the single writer (issue 8).

Workers fetch and extract; the writer (``deltawatch ingest``) versions, diffs and
stores. What travels between them is one JSON document per fetched page or failed
URL, on a Redis list. This module owns that wire format and the reliable-queue
moves on the list, and knows nothing of Scrapy or SQLite, so both sides share it.

Reliability is Redis's documented reliable-queue pattern: the writer takes an
item with ``BLMOVE`` onto a processing list and removes it (``LREM``) only after
its SQLite transaction committed. A writer killed in between leaves the item on
the processing list, and the next writer ingests it again first; that is safe
because ingesting the same page twice changes nothing (see :mod:`scrapers.cluster.writer`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import socket
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pipelines.extract import ExtractionError
from pipelines.model import Article, Page
from scrapers.cluster.wire import DEFAULT_PREFIX
from storage.store import pid_alive

__all__ = [
    "FORMAT",
    "ItemQueue",
    "QueueLockedError",
    "Queued",
    "decode_item",
    "encode_failure",
    "encode_page",
]

#: The wire format's version; a writer refuses items of a format it does not know.
FORMAT = 1
#: How long the writer's lock lives without a refresh (a killed writer frees it by then).
LOCK_TTL = 15


@dataclass(frozen=True, slots=True)
class Queued:
    """One decoded queue item: a page with what extraction made of it, or a failed URL."""

    kind: str  # "page" | "failure"
    run_id: int | None
    page: Page | None = None
    prepared: Article | ExtractionError | None = None
    failure: Mapping[str, Any] | None = None


def encode_page(
    page: Page,
    prepared: Article | ExtractionError,
    *,
    run_id: int | None,
    worker: str | None = None,
) -> bytes:
    """A fetched page and its extraction, as JSON; the body is zlib + base64.

    The body must travel: the store keeps the raw page so ``reprocess`` needs no network.
    Compressing it here keeps a backlog of items small in Redis's memory.
    """
    fields = asdict(page)
    fields["body"] = base64.b64encode(zlib.compress(page.body, 6)).decode("ascii")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "kind": "page",
        "run_id": run_id,
        "page": fields,
        "worker": worker,
    }
    if isinstance(prepared, ExtractionError):
        doc["error"] = prepared.reason
    else:
        doc["article"] = asdict(prepared)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")


def encode_failure(
    failure: Mapping[str, Any], *, run_id: int | None, worker: str | None = None
) -> bytes:
    """A URL that could not be fetched (the fields of ``scrapers.items.FetchError``).

    ``worker`` (on pages too) names who fetched it, for the operator and the tests.
    """
    doc = {
        "format": FORMAT,
        "kind": "failure",
        "run_id": run_id,
        "failure": dict(failure),
        "worker": worker,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_item(raw: bytes | str) -> Queued:
    """The inverse of the encoders; raises ValueError on anything else."""
    try:
        doc = json.loads(raw)
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown item format {doc.get('format')!r}")
        run_id = doc.get("run_id")
        if doc["kind"] == "failure":
            return Queued("failure", run_id, failure=doc["failure"])
        if doc["kind"] != "page":
            raise ValueError(f"unknown item kind {doc['kind']!r}")
        fields = dict(doc["page"])
        fields["body"] = zlib.decompress(base64.b64decode(fields["body"]))
        page = Page(**fields)
        prepared: Article | ExtractionError
        prepared = ExtractionError(doc["error"]) if "error" in doc else Article(**doc["article"])
        return Queued("page", run_id, page=page, prepared=prepared)
    except (KeyError, TypeError, zlib.error, json.JSONDecodeError, binascii.Error) as exc:
        raise ValueError(f"malformed queue item: {exc!r}") from None


class QueueLockedError(RuntimeError):
    """Another writer holds the queue; ``holder`` says which (``host:pid``)."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        super().__init__(f"another ingest is running: {holder}")


class ItemQueue:
    """The extracted-items list, its processing list, and the single writer's lock.

    Args:
        client: a ``redis.Redis`` client (bytes responses).
        prefix: the key prefix shared by the workers and the writer.
    """

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.items = f"{prefix}:items"
        self.processing = f"{prefix}:items:processing"
        self.dead = f"{prefix}:items:dead"
        self.lock = f"{prefix}:ingest:lock"
        self.me = f"{socket.gethostname()}:{os.getpid()}"

    # -- producers (workers) -----------------------------------------------------

    def push(self, raw: bytes) -> None:
        self.client.lpush(self.items, raw)

    # -- the single consumer -------------------------------------------------------

    def acquire(self) -> None:
        """Become the single writer, or raise :class:`QueueLockedError`.

        A lock left by a killed writer on this host (its pid is gone) is taken over at
        once; one from another host expires after ``LOCK_TTL`` seconds without refresh.
        """
        if self.client.set(self.lock, self.me, nx=True, ex=LOCK_TTL):
            return
        holder = (self.client.get(self.lock) or b"").decode()
        host, _, pid = holder.rpartition(":")
        if holder == self.me or (
            host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))
        ):
            self.client.set(self.lock, self.me, ex=LOCK_TTL)
            return
        raise QueueLockedError(holder)

    def refresh(self) -> None:
        """Keep the lock while working; losing it means another writer took over."""
        holder = self.client.get(self.lock)
        if holder is not None and holder.decode() != self.me:
            raise QueueLockedError(holder.decode())
        self.client.set(self.lock, self.me, ex=LOCK_TTL)

    def release(self) -> None:
        if (self.client.get(self.lock) or b"").decode() == self.me:
            self.client.delete(self.lock)

    def unfinished(self) -> list[bytes]:
        """Items a previous writer took but never acknowledged, oldest first."""
        return list(reversed(self.client.lrange(self.processing, 0, -1)))

    def take(self, timeout: float) -> bytes | None:
        """The oldest item, moved onto the processing list; None after ``timeout`` seconds."""
        return self.client.blmove(self.items, self.processing, timeout, "RIGHT", "LEFT")

    def ack(self, raw: bytes) -> None:
        """Done with an item (after the SQLite commit): drop it from the processing list."""
        self.client.lrem(self.processing, -1, raw)

    def bury(self, raw: bytes) -> None:
        """An item that cannot be decoded: kept aside for a person, never retried."""
        with self.client.pipeline() as pipe:
            pipe.lpush(self.dead, raw)
            pipe.lrem(self.processing, -1, raw)
            pipe.execute()

    def backlog(self) -> int:
        return int(self.client.llen(self.items)) + int(self.client.llen(self.processing))
