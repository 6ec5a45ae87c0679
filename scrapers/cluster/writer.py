"""The single writer of a Redis cluster: items from workers, in order, into SQLite (issue 8).

Workers already extracted each page; this loop runs the rest of the pipeline
(relevance, versioning, figures, diff, dedup) through the same :class:`Ingestor` a
local crawl uses, so a page gives the same store whichever way it came.

An item is acknowledged (removed from the processing list) only after its SQLite
transaction committed. A writer killed in between ingests it again on restart, which
is harmless: the Ingestor finds the same body (``unchanged``) or the same text
(``unchanged``/``seen_before``) and writes no version, figure or event; the only trace
is the recheck ladder moving one rung on, as for any unchanged refetch.

Failed URLs (and pages without an article) are the exception: each is a
``fetch_errors`` row, so a replayed one is recognised by its run, URL and reason
and skipped.

A round (a run queued by ``crawl --redis`` or the scheduler) is finished here, when
the writer is idle and no start entry, queued request, leased request or item of the
round's sources is left anywhere in Redis.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipelines.extract import ExtractionError
from pipelines.ingest import DEFAULT_RECHECK, Analysis, Ingestor, Outcome
from scrapers.cluster.items_queue import ItemQueue, Queued, decode_item
from scrapers.cluster.wire import DEFAULT_PREFIX, Keys
from storage.store import Store

__all__ = ["IngestReport", "drain_finished_runs", "ingest_queue"]

log = logging.getLogger(__name__)

#: Runs queued through Redis carry this trigger suffix ("manual+redis", "schedule+redis").
REDIS_TRIGGER = "+redis"
#: The count columns of ``runs``.
RUN_COUNTS = (
    "pages",
    "new_articles",
    "new_versions",
    "unchanged",
    "skipped",
    "errors",
    "claims",
    "events",
)


@dataclass(slots=True)
class IngestReport:
    """What one ``ingest`` process did."""

    items: int = 0
    replayed: int = 0  # items a killed writer had taken and not acknowledged
    buried: int = 0  # items that could not be decoded (kept on the dead list)
    outcomes: dict[str, int] = field(default_factory=dict)
    finished_runs: list[int] = field(default_factory=list)


def _counts(item: Queued, outcome: Outcome | None) -> dict[str, int]:
    """An item's contribution to its run's counts (the columns of ``runs``)."""
    if outcome is None:  # a failed URL
        return {"errors": 1}
    status = outcome.status
    return {
        "pages": 1,
        "new_articles": int(status == "new_article"),
        "new_versions": int(status == "new_version"),
        "unchanged": int(status in ("unchanged", "seen_before", "not_modified")),
        "skipped": int(status == "skipped"),
        "errors": int(status == "error"),
        "claims": outcome.claims,
        "events": outcome.events,
    }


class _Writer:
    def __init__(self, store: Store, recheck: Sequence[timedelta]) -> None:
        self.store = store
        self.recheck = tuple(recheck)
        self.ingestors: dict[int | None, Ingestor] = {}

    def apply(self, item: Queued) -> Outcome | None:
        ingestor = self.ingestors.get(item.run_id)
        if ingestor is None:
            ingestor = Ingestor(self.store, run_id=item.run_id, recheck=self.recheck)
            self.ingestors[item.run_id] = ingestor
        if item.kind == "page":
            assert item.page is not None
            if isinstance(item.prepared, ExtractionError) and self.store.error_recorded(
                run_id=item.run_id, url=item.page.fetched_url, reason=item.prepared.reason
            ):
                return None  # a replayed page without an article: recorded already
            outcome = ingestor.ingest(item.page, analysis=Analysis(item.prepared))
        else:
            failure = dict(item.failure or {})
            # Failures are rows of their own, not upserts: a replayed one is recognised
            # (within a round a URL is fetched once) and not recorded twice.
            if self.store.error_recorded(
                run_id=item.run_id, url=failure["url"], reason=failure["reason"]
            ):
                return None
            ingestor.record_failure(
                source=failure["source"],
                url=failure["url"],
                reason=failure["reason"],
                status=failure.get("status"),
                detail=failure.get("detail"),
            )
            outcome = None
        if item.run_id is not None:
            self.store.bump_run_counts(item.run_id, _counts(item, outcome))
        return outcome


def drain_finished_runs(store: Store, client: Any, *, keys: Keys, queue: ItemQueue) -> list[int]:
    """Finish the rounds with nothing left in Redis; returns their run ids.

    Status as for a local run: ``ok`` without failed URLs, ``failed`` when every source
    failed and no page came, ``partial`` otherwise; each source's health is updated.
    """
    if queue.backlog():
        return []
    finished = []
    for run in store.open_runs(trigger_suffix=REDIS_TRIGGER):
        with client.pipeline() as pipe:
            for name in run["sources"]:
                start, requests, inflight = keys.source_keys(name)
                pipe.llen(start)
                pipe.zcard(requests)
                pipe.hlen(inflight)
            if any(pipe.execute()):
                continue
        errors = store.run_errors(run["id"])
        failing: dict[str, list[str]] = {}
        for error in errors:
            failing.setdefault(error["source"], []).append(error["reason"])
        for name in run["sources"]:
            reasons = failing.get(name)
            message = f"{len(reasons)} failed URL(s); first: {reasons[0]}" if reasons else None
            store.record_source_result(name, run_id=run["id"], error=message)
        if not errors:
            status = "ok"
        elif not run["pages"] and set(failing) >= set(run["sources"]):
            status = "failed"
        else:
            status = "partial"
        counts = {k: run[k] or 0 for k in RUN_COUNTS}  # zeros, as a local run records them
        store.finish_run(run["id"], status=status, counts=counts)
        log.warning("event=run_end run=%s status=%s errors=%s", run["id"], status, len(errors))
        finished.append(run["id"])
    return finished


def ingest_queue(
    client: Any,
    db_path: str | Path,
    *,
    prefix: str = DEFAULT_PREFIX,
    recheck: Sequence[timedelta] = DEFAULT_RECHECK,
    stop: threading.Event | None = None,
    drain: bool = False,
    timeout: float = 1.0,
    on_item: Callable[[Queued, Outcome | None], None] | None = None,
    on_round: Callable[[list[int]], None] | None = None,
) -> IngestReport:
    """Ingest items until ``stop`` is set (or, with ``drain``, until every round is done).

    ``on_round(run_ids)`` is called once rounds are finished and committed (the CLI
    delivers their notifications there).

    Raises :class:`scrapers.cluster.items_queue.QueueLockedError` when another writer is running.
    """
    stop = stop or threading.Event()
    queue = ItemQueue(client, prefix=prefix)
    keys = Keys(prefix)
    report = IngestReport()
    queue.acquire()
    try:
        with Store(db_path) as store:
            _consume(
                store,
                client,
                queue,
                report,
                keys=keys,
                recheck=recheck,
                stop=stop,
                drain=drain,
                timeout=timeout,
                on_item=on_item,
                on_round=on_round,
            )
    finally:
        queue.release()
    return report


def _consume(
    store: Store,
    client: Any,
    queue: ItemQueue,
    report: IngestReport,
    *,
    keys: Keys,
    recheck: Sequence[timedelta],
    stop: threading.Event,
    drain: bool,
    timeout: float,
    on_item: Callable[[Queued, Outcome | None], None] | None,
    on_round: Callable[[list[int]], None] | None,
) -> None:
    """The writer's loop (see :func:`ingest_queue`): replayed items first, then new ones."""
    writer = _Writer(store, recheck)

    def handle(raw: bytes) -> None:
        try:
            item = decode_item(raw)
        except ValueError as exc:
            log.error("event=item_buried reason=%s", exc)
            queue.bury(raw)
            report.buried += 1
            return
        outcome = writer.apply(item)
        queue.ack(raw)  # only now: the item's transaction has committed
        report.items += 1
        status = outcome.status if outcome is not None else "fetch_error"
        report.outcomes[status] = report.outcomes.get(status, 0) + 1
        if on_item is not None:
            on_item(item, outcome)

    for raw in queue.unfinished():
        handle(raw)
        report.replayed += 1
    while not stop.is_set():
        queue.refresh()
        raw = queue.take(timeout)
        if raw is not None:
            handle(raw)
            continue
        finished = drain_finished_runs(store, client, keys=keys, queue=queue)
        report.finished_runs += finished
        if finished and on_round is not None:
            on_round(finished)
        if drain and not store.open_runs(trigger_suffix=REDIS_TRIGGER):
            break
