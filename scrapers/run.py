"""The one place that starts Scrapy: a run over some sources, recorded in ``runs``.

Twisted's reactor cannot be restarted in one process, so everything that
crawls more than once per process (the demo's two revisions) runs inside a
single :func:`run_in_reactor` call; the scheduler starts each run in a child
process instead (see ``scheduler.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from pipelines.ingest import DEFAULT_RECHECK
from pipelines.scrapy_pipeline import default_analyze_processes, start_analysis
from scrapers.failures import ROBOTS_DISALLOWED
from scrapers.plan import RECHECK_BUDGET, SourcePlan, plan_round
from scrapers.settings import crawl_settings
from scrapers.spiders import SPIDERS
from scrapers.stop import Stop
from seeds.config import Source
from storage import queries
from storage.store import Store

__all__ = ["RunReport", "SourceReport", "crawl", "run_in_reactor"]

log = logging.getLogger(__name__)
T = TypeVar("T")
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
COUNTS = (
    "pages",
    "extracted",
    "new_article",
    "new_version",
    "unchanged",
    "seen_before",
    "skipped",
    "suspect",
    "not_modified",
    "not_due",
    "refetch_signal",
    "retired",
    "robots_blocked",
    "fetch_errors",
    "claims",
    "events",
)


@dataclass(slots=True)
class SourceReport:
    """What one source's crawl did, from its Scrapy stats."""

    name: str
    counts: dict[str, int] = field(default_factory=dict)
    finish_reason: str | None = None

    @property
    def errors(self) -> int:
        return self.counts.get("fetch_errors", 0)

    @property
    def failed(self) -> bool:
        """Nothing fetched and something failed: the source as a whole is down."""
        return self.errors > 0 and self.counts.get("pages", 0) == 0


@dataclass(slots=True)
class RunReport:
    run_id: int
    status: str  # ok | partial | failed | interrupted
    sources: list[SourceReport]
    errors: list[dict[str, Any]]
    #: A stop was asked for during the run (always so when ``status`` is interrupted, and
    #: also when it came after the work was recorded): a caller starts nothing more (the
    #: demo's revision 2, notifications) and exits 130.
    stopped: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def _run_counts(reports: Sequence[SourceReport]) -> dict[str, int]:
    total = {k: sum(r.counts.get(k, 0) for r in reports) for k in COUNTS}
    return {
        "pages": total["pages"],
        "new_articles": total["new_article"],
        "new_versions": total["new_version"],
        "unchanged": total["unchanged"] + total["seen_before"] + total["not_modified"],
        "skipped": total["skipped"],
        "errors": total["fetch_errors"],
        "claims": total["claims"],
        "events": total["events"],
    }


async def _acquire_locks(
    store: Store,
    sources: Sequence[Source],
    *,
    wait: float,
    on_wait: Callable[[str], None] | None,
    stop: Stop,
) -> tuple[list[Source], dict[str, str]]:
    """Take each source's run lock, waiting up to ``wait`` seconds; report the ones still taken."""
    host, pid = socket.gethostname(), os.getpid()
    pending = list(sources)
    taken: list[Source] = []
    holders: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + wait
    while pending:
        still = []
        for source in pending:
            holder = store.acquire_lock(f"source:{source.name}", pid=pid, host=host, run_id=None)
            if holder is None:
                taken.append(source)
            else:
                holders[source.name] = holder
                still.append(source)
        pending = still
        if not pending or time.monotonic() >= deadline or stop.requested:
            break
        if on_wait is not None:
            on_wait(", ".join(s.name for s in pending))
        await asyncio.sleep(min(1.0, max(deadline - time.monotonic(), 0)))
    locked = {
        s.name: f"source is being crawled by pid {holders[s.name]['pid']} on "
        f"{holders[s.name]['host']} since {holders[s.name]['acquired_at']}; skipped"
        for s in pending
    }
    return taken, locked


async def crawl(
    sources: Sequence[Source],
    *,
    db_path: str | Path,
    trigger: str = "manual",
    recheck: Sequence[timedelta] = DEFAULT_RECHECK,
    overrides: dict[str, Any] | None = None,
    on_item: Callable[[str, Any], None] | None = None,
    lock_wait: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
) -> RunReport:
    """One run over ``sources``, all crawled concurrently; returns what happened.

    Must be awaited inside :func:`run_in_reactor`. ``on_item(source, item)`` is
    called for every item (pages and failures), for progress displays. A source
    another process is crawling is waited for up to ``lock_wait`` seconds, then
    skipped with a message naming the holder.
    """
    with Stop() as stop:
        with Store(db_path) as store:
            store.sync_sources(s.as_row() for s in sources)
            taken, locked = await _acquire_locks(
                store, sources, wait=lock_wait, on_wait=on_wait, stop=stop
            )
            run_id = store.start_run(
                trigger=trigger, sources=[s.name for s in sources], pid=os.getpid()
            )
            budget = int((overrides or {}).get("DELTAWATCH_RECHECK_BUDGET", RECHECK_BUDGET))
            plans = plan_round(store, taken, now=store.now(), budget=budget)
        processes = (overrides or {}).get("DELTAWATCH_ANALYZE_PROCESSES")
        if (default_analyze_processes() if processes is None else int(processes)) and any(
            not plans[s.name].known for s in taken
        ):
            # A source never crawled: every page it finds is new and will be analysed, so the
            # analysis process loads its extractors while the crawlers are built and the
            # first pages fetched (it would hold up the first page otherwise).
            start_analysis()
        try:
            report = await _crawl_locked(
                taken,
                plans,
                locked,
                run_id=run_id,
                db_path=db_path,
                recheck=recheck,
                overrides=overrides,
                on_item=on_item,
                stop=stop,
            )
        finally:
            with Store(db_path) as store:
                for source in taken:
                    store.release_lock(f"source:{source.name}", pid=os.getpid())
        report.stopped = stop.requested
        return report


async def _crawl_locked(
    sources: Sequence[Source],
    plans: dict[str, SourcePlan],
    locked: dict[str, str],
    *,
    run_id: int,
    db_path: str | Path,
    recheck: Sequence[timedelta],
    overrides: dict[str, Any] | None,
    on_item: Callable[[str, Any], None] | None,
    stop: Stop,
) -> RunReport:
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR": REACTOR}))
    crawlers: list[tuple[Source, Crawler]] = []
    progress: dict[Crawler, Callable[..., None]] = {}
    ladder = [d.total_seconds() for d in recheck]
    for source in sources:
        settings = crawl_settings(source, db_path=db_path, run_id=run_id, overrides=overrides)
        settings["DELTAWATCH_RECHECK"] = ladder
        crawler = Crawler(SPIDERS[source.kind], Settings(settings))
        if on_item is not None:
            progress[crawler] = lambda item, _src=source.name, **_: on_item(_src, item)
            # Held strongly (a lambda held weakly would be collected at once), so it is
            # disconnected below: pydispatch's global registry would keep the crawler alive.
            crawler.signals.connect(progress[crawler], signal=signals.item_scraped, weak=False)
        crawlers.append((source, crawler))
    for _, crawler in crawlers:
        stop.watch(crawler)
    if not stop.requested:
        await asyncio.gather(
            *(
                runner.crawl(c, source=s, known=plans[s.name].known, due=plans[s.name].due)
                for s, c in crawlers
            )
        )
    reports = []
    for source, crawler in crawlers:
        try:
            stats = crawler.stats.get_stats() if crawler.stats else {}
        except RuntimeError:  # stopped before it started: Scrapy sets stats at the start
            stats = {}
        counts = {k: int(stats.get(f"deltawatch/{k}", 0)) for k in COUNTS}
        reports.append(SourceReport(source.name, counts, stats.get("finish_reason")))
        stop.forget(crawler)
        if crawler in progress:
            crawler.signals.disconnect(
                progress.pop(crawler), signal=signals.item_scraped, weak=False
            )
    with Store(db_path) as store:
        # URLs robots.txt keeps us from are recorded in fetch_errors too, but are not failures.
        errors = [
            e for e in queries.run_errors(store.db, run_id) if e["reason"] != ROBOTS_DISALLOWED
        ]
        by_name = {s.name: s for s in sources}
        for report in reports:
            message = _source_failure(by_name[report.name], report, errors)
            store.record_source_result(report.name, run_id=run_id, error=message)
        for name, message in locked.items():
            reports.append(SourceReport(name, dict.fromkeys(COUNTS, 0), "locked"))
            errors.append({"source": name, "url": "", "reason": message, "status": None})
        # Read last: a signal while the crawlers wound down (pages written, batch committed)
        # still makes the run interrupted.
        if stop.requested:
            status = "interrupted"
        elif not any(r.errors for r in reports) and not locked:
            status = "ok"
        elif all(r.failed for r in reports):
            status = "failed"
        else:
            status = "partial"
        store.finish_run(
            run_id,
            status=status,
            counts=_run_counts(reports),
            stats={r.name: {"counts": r.counts, "finish_reason": r.finish_reason} for r in reports},
        )
    return RunReport(run_id, status, reports, errors)


def _source_failure(
    source: Source, report: SourceReport, errors: Sequence[dict[str, Any]]
) -> str | None:
    """Why the source as a whole failed this run, or None when it worked.

    A source fails when its feed, sitemap or listing could not be read, or when nothing of
    it could be fetched at all. One dead article in a healthy feed is not the source
    failing: the article is retired, its error listed, and the source is not backed off
    run after run for it (robots.txt blocks are not in ``errors`` at all).
    """
    own = [e for e in errors if e["source"] == source.name]
    if source.kind != "page":
        start = next((e for e in own if e["url"] in source.urls), None)
        if start is not None:
            return f"{source.kind} unreadable: {start['reason']} ({start['url']})"
    if report.failed:
        return (
            f"nothing fetched: {report.errors} failed URL(s); first: {own[0]['reason']}"
            if own
            else f"nothing fetched: {report.errors} failed URL(s)"
        )
    return None


def run_in_reactor(main: Callable[[], Awaitable[T]], *, log_level: str = "WARNING") -> T:
    """Install the asyncio reactor, run ``main()`` to completion, stop; return its result."""
    install_reactor(REACTOR)
    from twisted.internet import reactor

    configure_logging({"LOG_LEVEL": log_level, "LOG_INSTALL_ROOT_HANDLER": False})
    outcome: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            outcome["value"] = await main()
        except BaseException as exc:  # re-raised below, outside the reactor
            outcome["error"] = exc
        finally:
            reactor.stop()

    reactor.callWhenRunning(lambda: deferred_from_coro(wrapper()))
    reactor.run(installSignalHandlers=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
