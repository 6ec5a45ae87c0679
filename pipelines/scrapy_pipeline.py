"""The Scrapy item pipeline: hands each fetched page to :class:`~pipelines.ingest.Ingestor`.

Reads its settings in ``from_crawler`` and takes plain values in ``__init__``
(STYLE.md), so it can be built in a test without a crawler. Outcomes are
counted in Scrapy's stats under ``deltawatch/...`` and become the run's row.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from pipelines.ingest import DEFAULT_RECHECK, Analysis, Ingestor, analyze
from pipelines.model import Page
from storage.store import Store, pid_alive

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["StorePipeline", "analyze_elsewhere", "default_analyze_processes"]

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None


def default_analyze_processes() -> int:
    """``$DELTAWATCH_ANALYZE_PROCESSES``, else one when there is a second core, else none."""
    configured = os.environ.get("DELTAWATCH_ANALYZE_PROCESSES")
    if configured is not None and configured.isdigit():
        return int(configured)
    return 1 if (os.cpu_count() or 1) > 1 else 0


def _shared_pool() -> ProcessPoolExecutor:
    """One pool per crawl process, shared by every source's pipeline, started on first use.

    ``forkserver``: the reactor process has threads, and forking it directly could copy a
    lock some thread holds; the fork server is a clean single-threaded parent.
    """
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["pipelines.ingest", "datasketch"])
        _pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
        )
    return _pool


def _exit_with(crawl_pid: int) -> None:
    """In the analysis process: leave as soon as the crawl that started it is gone.

    A pool's worker holds both ends of its own task queue, so a crawl killed with SIGKILL
    (no chance to shut the pool down) would leave it, and the fork server it keeps alive,
    waiting forever. Ctrl-C reaches every process of the terminal's group; the crawl
    decides how to stop, so the analysis process ignores SIGINT (else it dies with a
    KeyboardInterrupt traceback in the middle of the crawl's orderly stop).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while pid_alive(crawl_pid):
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


async def analyze_elsewhere(page: Page) -> Analysis:
    """Extraction and figures of one page in the analysis process, awaited without blocking.

    The reactor keeps fetching and the store keeps writing on this core while the other one
    extracts. If the pool breaks (its process was killed), the page is analysed here.
    """
    global _pool
    try:
        return await asyncio.wrap_future(_shared_pool().submit(analyze, page))
    except BrokenProcessPool:
        log.warning("analysis process gone; analysing in the crawl process from now on")
        _pool = None
        return analyze(page)


class StorePipeline:
    def __init__(
        self,
        db_path: str | Path,
        run_id: int | None,
        stats: StatsCollector,
        recheck: Sequence[timedelta] = DEFAULT_RECHECK,
        analyze_processes: int = 0,
    ) -> None:
        self.db_path = db_path
        self.analyze_processes = analyze_processes
        self.run_id = run_id
        self.stats = stats
        self.recheck = tuple(recheck)
        self.store: Store | None = None
        self.ingestor: Ingestor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        db_path = crawler.settings.get("DELTAWATCH_DB")
        if not db_path:
            raise NotConfigured("DELTAWATCH_DB is not set")
        ladder = crawler.settings.getlist("DELTAWATCH_RECHECK") or None
        return cls(
            db_path,
            crawler.settings.get("DELTAWATCH_RUN_ID"),
            crawler.stats,
            [timedelta(seconds=float(s)) for s in ladder] if ladder else DEFAULT_RECHECK,
            crawler.settings.getint("DELTAWATCH_ANALYZE_PROCESSES", default_analyze_processes()),
        )

    def open_spider(self) -> None:
        self.store = Store(self.db_path)
        self.ingestor = Ingestor(self.store, run_id=self.run_id, recheck=self.recheck)

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()

    async def process_item(self, item: Any) -> Any:
        assert self.store is not None and self.ingestor is not None
        if isinstance(item, Page):
            outcome = self.ingestor.settle_unchanged(item)
            if outcome is None:  # changed or new: only these are worth extracting
                analysis = await analyze_elsewhere(item) if self.analyze_processes else None
                outcome = self.ingestor.ingest(item, analysis=analysis, checked=True)
                self.stats.inc_value("deltawatch/extracted")
            self.stats.inc_value("deltawatch/pages")
            self.stats.inc_value(f"deltawatch/{outcome.status}")
            self.stats.inc_value("deltawatch/claims", outcome.claims)
            self.stats.inc_value("deltawatch/events", outcome.events)
            if outcome.status == "error":
                self.stats.inc_value("deltawatch/fetch_errors")
        else:  # FetchError: counted by the spider that made it
            outcome = self.ingestor.record_failure(
                source=item.source,
                url=item.url,
                reason=item.reason,
                status=item.status,
                detail=item.detail,
            )
            if outcome.status == "retired":
                self.stats.inc_value("deltawatch/retired")
        return item
