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
import weakref
from collections.abc import Sequence
from datetime import timedelta
from multiprocessing import forkserver, resource_tracker
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from pipelines.channel import AnalysisGone, AnalysisProcess
from pipelines.ingest import (
    DEFAULT_RECHECK,
    Analysis,
    Ingestor,
    Outcome,
    analyze,
)
from pipelines.model import Page
from storage.store import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "StorePipeline",
    "analyze_elsewhere",
    "default_analyze_processes",
    "start_analysis",
    "start_helpers_early",
]

log = logging.getLogger(__name__)

#: The analysis process being started, awaited by the pages that need it.
_starting: asyncio.Future[AnalysisProcess] | None = None
#: Starts that failed and were logged (once each, not once a page).
_failed_starts: weakref.WeakSet[asyncio.Future[AnalysisProcess]] = weakref.WeakSet()

#: Page writes between two commits (a changed page is two: its check, then its version): at
#: most this many, or this many seconds' worth.
BATCH_PAGES = 64
BATCH_SECONDS = 0.5


def default_analyze_processes() -> int:
    """``$DELTAWATCH_ANALYZE_PROCESSES``, else one when there is a second core, else none."""
    configured = os.environ.get("DELTAWATCH_ANALYZE_PROCESSES")
    if configured is not None and configured.isdigit():
        return int(configured)
    return 1 if (os.cpu_count() or 1) > 1 else 0


def start_helpers_early() -> None:
    """Start multiprocessing's fork server and resource tracker now, with SIGINT ignored.

    Call at a command's start, while the process has one thread (``crawl`` and ``demo`` do).
    Ctrl-C reaches the terminal's whole process group, and a helper that gets it while
    Python is still importing prints a KeyboardInterrupt traceback (both ignore SIGINT only
    once their ``main`` runs). An ignored signal stays ignored across ``exec``, and Python
    then installs no KeyboardInterrupt handler, so they are started with SIGINT ignored.
    The signal is blocked meanwhile, and with one thread none other can take it: a Ctrl-C
    in these milliseconds waits and reaches this process's own handler, never lost. Later,
    with threads about (the reactor's pool), another thread could take it while it is
    ignored, so :func:`start_analysis` starts the helpers plainly if this was not called.
    Costs two small processes (~27 MB) even for a run that extracts nothing. Idempotent:
    ``ensure_running`` leaves running helpers alone.
    """
    if default_analyze_processes() == 0 or threading.active_count() > 1:
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.get_context("forkserver").set_forkserver_preload([])  # as AnalysisProcess
        resource_tracker.ensure_running()
        forkserver.ensure_running()
    finally:
        # None: a handler not set from Python; the default is the closest to put back.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


async def _start_analysis() -> AnalysisProcess:
    process = AnalysisProcess()
    # Starting waits for the fork server's answer: in a thread, so downloads go on meanwhile.
    await asyncio.to_thread(process.start)
    await process.connect()
    return process


def start_analysis() -> asyncio.Future[AnalysisProcess]:
    """Start the analysis process unless it is starting or up; its future.

    Started when the first page needs it, or as a run starts that has a source never crawled
    (its every page is new: see :func:`scrapers.run.crawl`), not with every crawl: a
    re-crawl of pages that did not change never pays for the process and its imports. Pages
    sent before it has loaded its extractors wait in the pipe.
    """
    global _starting
    if _starting is None or _starting.get_loop() is not asyncio.get_running_loop():
        old = _starting  # a process of another event loop (a test's second crawl): let it go
        if old is not None and old.done() and not old.cancelled() and old.exception() is None:
            old.result().close()
        _starting = asyncio.ensure_future(_start_analysis())
    return _starting


async def analyze_elsewhere(page: Page) -> Analysis:
    """Extraction and figures of one page in the analysis process, awaited without blocking.

    The reactor keeps fetching and the store keeps writing on this core while the other one
    extracts. If the process cannot start (no fork server here, say), this crawl process
    analyses every page itself; if it ends (killed), the pages waiting for it are analysed
    here and the next page starts a new one.
    """
    global _starting
    starting = start_analysis()
    try:
        process = await asyncio.shield(starting)
    except Exception as exc:  # the start failed: every page of this event loop sees it
        if starting not in _failed_starts:
            log.warning("no analysis process (%s); pages are analysed in the crawl process", exc)
            _failed_starts.add(starting)
        return analyze(page)
    try:
        return await process.submit(page)
    except AnalysisGone as exc:
        log.warning("analysis process gone (%s); analysing this page in the crawl process", exc)
        if _starting is starting:
            _starting = None
            process.close()  # its pipes: the next page starts a new process
        return analyze(page)


class _Writer:
    """The crawl process's one connection to a store, shared by every source's pipeline.

    Pages are committed in batches (:data:`BATCH_PAGES` or :data:`BATCH_SECONDS`, whichever
    comes first), each page a savepoint of its own, so a killed crawl still leaves whole
    pages. One connection for all sources: two connections of one process, each holding a
    batch open, would wait on each other's write lock on the reactor's only thread.
    """

    def __init__(self, path: str | Path) -> None:
        self.store = Store(path)
        self.users = 0
        self.pages = 0
        self._timer: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        self.store.hold()

    def written(self) -> None:
        """One more page in the open batch: commit when the batch is full, or soon."""
        self.pages += 1
        if self.pages >= BATCH_PAGES:
            self.commit()
        elif self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(BATCH_SECONDS, self.commit)
            except RuntimeError:  # no event loop (a caller outside the crawl): commit now
                self.commit()

    def commit(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.pages = 0
        self.store.commit()


_writers: dict[Path, _Writer] = {}


def _open_writer(db_path: str | Path) -> _Writer:
    key = Path(db_path).resolve()
    writer = _writers.get(key)
    if writer is None:
        writer = _writers[key] = _Writer(db_path)
    writer.users += 1
    return writer


def _close_writer(writer: _Writer) -> None:
    writer.commit()
    writer.users -= 1
    if writer.users == 0:
        _writers.pop(writer.store.path.resolve(), None)
        writer.store.close()


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
        self.writer: _Writer | None = None
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
        self.writer = _open_writer(self.db_path)
        self.ingestor = Ingestor(self.writer.store, run_id=self.run_id, recheck=self.recheck)

    def close_spider(self) -> None:
        if self.writer is not None:
            _close_writer(self.writer)
            self.writer = None

    async def _store_page(self, page: Page, writer: _Writer) -> Outcome:
        """Settle an unchanged page cheaply; analyse and store a changed or new one."""
        assert self.ingestor is not None
        writer.begin()
        outcome = self.ingestor.settle_unchanged(page)
        writer.written()
        if outcome is None:  # changed or new: only these are worth extracting
            analysis = await analyze_elsewhere(page) if self.analyze_processes else None
            writer.begin()
            outcome = self.ingestor.ingest(page, analysis=analysis, checked=True)
            writer.written()
            self.stats.inc_value("deltawatch/extracted")
        return outcome

    async def process_item(self, item: Any) -> Any:
        assert self.writer is not None and self.ingestor is not None
        writer = self.writer
        if isinstance(item, Page):
            try:
                outcome = await self._store_page(item, writer)
            except Exception as exc:
                # A bug met on one page (or a write the store refused): the page's own writes
                # went with its savepoint; it is recorded as failed, with the error, and the
                # crawl goes on. Uncaught, Scrapy would log it and the run would look clean.
                log.exception("storing %s failed", item.url)
                writer.begin()
                outcome = self.ingestor.record_failure(
                    source=item.source,
                    url=item.url,
                    reason=f"internal error ({type(exc).__name__}: {exc})"[:300],
                    status=item.status,
                )
                writer.written()
            self.stats.inc_value("deltawatch/pages")
            self.stats.inc_value(f"deltawatch/{outcome.status}")
            self.stats.inc_value("deltawatch/claims", outcome.claims)
            self.stats.inc_value("deltawatch/events", outcome.events)
            if outcome.status == "error":
                self.stats.inc_value("deltawatch/fetch_errors")
        else:  # FetchError: counted by the spider that made it
            writer.begin()
            outcome = self.ingestor.record_failure(
                source=item.source,
                url=item.url,
                reason=item.reason,
                status=item.status,
                detail=item.detail,
            )
            writer.written()
            if outcome.status == "retired":
                self.stats.inc_value("deltawatch/retired")
        return item
