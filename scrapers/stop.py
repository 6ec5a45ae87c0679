"""Stopping a crawl on SIGINT/SIGTERM without losing a write: :class:`Stop`.

Shared by a local run (:func:`scrapers.run.crawl`) and a cluster worker
(:func:`scrapers.cluster.worker.run_worker`), which both run Scrapy crawlers in one
reactor and must let pages in flight finish.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

__all__ = ["Stop"]

log = logging.getLogger(__name__)


class Stop:
    """SIGINT/SIGTERM during a run: stop fetching, finish pages in flight, record ``interrupted``.

    Installed when the run begins (before locks are taken), so a signal at any moment is
    handled rather than killing the process between writes. A crawler told to stop before
    its engine runs forgets it was told and never finishes (``Crawler.stop_async`` only
    stops a running engine, and the engine_started signal comes before the engine counts as
    running), so each crawler is stopped once its engine runs, however late the signal or the
    start.
    """

    def __init__(self) -> None:
        self.requested = False
        self._running: set[Crawler] = set()
        self._pending: set[asyncio.Future[None]] = set()  # keep references until done
        self._previous: dict[int, Any] = {}
        self._receivers: dict[Crawler, Any] = {}

    def __enter__(self) -> Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self.request)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def request(self, *_: Any) -> None:
        """The signal handler (also callable directly): stop every crawler, once."""
        if self.requested:
            return
        self.requested = True
        log.warning("stopping: finishing pages in flight, recording the run as interrupted")
        for crawler in list(self._running):
            self._stop(crawler)

    def watch(self, crawler: Crawler) -> None:
        """Stop ``crawler`` too when a stop is requested, even before its engine runs."""
        receiver = self._receivers[crawler] = lambda **_: self._started(crawler)
        crawler.signals.connect(receiver, signal=signals.engine_started, weak=False)

    def forget(self, crawler: Crawler) -> None:
        """Let go of a finished crawler: a receiver connected with ``weak=False`` stays in
        pydispatch's global registry, and would keep the crawler (and all it holds) alive
        for as long as a long-lived crawl process runs (issue 17: ~160 KB per source run)."""
        receiver = self._receivers.pop(crawler, None)
        if receiver is not None:
            crawler.signals.disconnect(receiver, signal=signals.engine_started, weak=False)
        self._running.discard(crawler)

    def _started(self, crawler: Crawler) -> None:
        self._running.add(crawler)
        if self.requested:
            self._stop(crawler)

    def _stop(self, crawler: Crawler) -> None:
        self._pending.add(asyncio.ensure_future(self._stop_when_running(crawler)))

    @staticmethod
    async def _stop_when_running(crawler: Crawler) -> None:
        # engine_started fires before the engine counts as running; wait for it to.
        while crawler.crawling and not (crawler.engine and crawler.engine.running):
            await asyncio.sleep(0.05)
        if crawler.crawling:
            await crawler.stop_async()
