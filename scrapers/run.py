"""The one place that starts Scrapy: a run over some sources, recorded in ``runs``.

Twisted's reactor cannot be restarted in one process, so everything that
crawls more than once per process (the demo's two revisions) runs inside a
single :func:`run_in_reactor` call; the scheduler starts each run in a child
process instead (see ``scheduler.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from scrapers.settings import crawl_settings
from scrapers.spiders import SPIDERS
from seeds.config import Source
from storage.store import Store

__all__ = ["RunReport", "SourceReport", "crawl", "run_in_reactor"]

log = logging.getLogger(__name__)
T = TypeVar("T")
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
COUNTS = ("pages", "new_article", "new_version", "unchanged", "seen_before", "skipped",
          "suspect", "fetch_errors", "claims", "events")  # fmt: skip


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

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def _run_counts(reports: Sequence[SourceReport]) -> dict[str, int]:
    total = {k: sum(r.counts.get(k, 0) for r in reports) for k in COUNTS}
    return {
        "pages": total["pages"],
        "new_articles": total["new_article"],
        "new_versions": total["new_version"],
        "unchanged": total["unchanged"] + total["seen_before"],
        "skipped": total["skipped"],
        "errors": total["fetch_errors"],
        "claims": total["claims"],
        "events": total["events"],
    }


async def crawl(
    sources: Sequence[Source],
    *,
    db_path: str | Path,
    trigger: str = "manual",
    overrides: dict[str, Any] | None = None,
    on_item: Callable[[str, Any], None] | None = None,
) -> RunReport:
    """One run over ``sources``, all crawled concurrently; returns what happened.

    Must be awaited inside :func:`run_in_reactor`. ``on_item(source, item)`` is
    called for every item (pages and failures), for progress displays.
    """
    store = Store(db_path)
    try:
        store.sync_sources(s.as_row() for s in sources)
        run_id = store.start_run(trigger=trigger, sources=[s.name for s in sources])
    finally:
        store.close()
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR": REACTOR}))
    crawlers: list[tuple[Source, Crawler]] = []
    for source in sources:
        settings = Settings(
            crawl_settings(source, db_path=db_path, run_id=run_id, overrides=overrides)
        )
        crawler = Crawler(SPIDERS[source.kind], settings)
        if on_item is not None:
            crawler.signals.connect(
                lambda item, _src=source.name, **_: on_item(_src, item), signal=signals.item_scraped
            )
        crawlers.append((source, crawler))
    interrupted = False
    stopping: set[asyncio.Future[None]] = set()  # keep a reference until done

    def stop(*_: Any) -> None:
        nonlocal interrupted
        interrupted = True
        log.warning("stopping: finishing pages in flight, recording the run as interrupted")
        stopping.add(asyncio.ensure_future(runner.stop()))

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        await asyncio.gather(*(runner.crawl(c, source=s) for s, c in crawlers))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    reports = []
    for source, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        counts = {k: int(stats.get(f"deltawatch/{k}", 0)) for k in COUNTS}
        reports.append(SourceReport(source.name, counts, stats.get("finish_reason")))
    store = Store(db_path)
    try:
        errors = list(
            store.db.query(
                "SELECT source, url, reason, status FROM fetch_errors WHERE run_id = ? ORDER BY id",
                [run_id],
            )
        )
        for report in reports:
            first = next((e["reason"] for e in errors if e["source"] == report.name), None)
            message = f"{report.errors} failed URL(s); first: {first}" if report.errors else None
            store.record_source_result(report.name, run_id=run_id, error=message)
        if interrupted:
            status = "interrupted"
        elif not any(r.errors for r in reports):
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
    finally:
        store.close()
    return RunReport(run_id, status, reports, errors)


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
