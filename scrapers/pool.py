"""A long-lived crawl process: batches of sources in one reactor, one run per batch (issue 17).

A fresh Python per source run costs 1-2 s of imports and ~100 MB before the first request,
so the scheduler keeps a few of these processes and hands them batches over a pipe. Each
batch is one :func:`scrapers.run.crawl` (one run row; per-source health, counts and exit
reasons as for any run), all inside one :func:`run_in_reactor` call, since the reactor
cannot be restarted. Memory follows what is in flight: a batch's crawlers are dropped when
it ends, and the process retires itself after ``max_batches`` batches or once it has grown
past ``memory_mb``, so a slow leak never accumulates.

Messages: the parent sends a list of source names; the process answers each with
:func:`batch_result`'s dict. It stops between batches on SIGTERM/SIGINT or when the pipe
closes; during a batch, the crawl's own handler stops it and records ``interrupted``.
"""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pipelines.extract import trim_heap
from scrapers.run import RunReport, SourceReport, crawl, run_in_reactor
from seeds.config import Source
from storage.db import limit_sqlite_memory

__all__ = ["batch_result", "rss_mb", "serve_batches"]

#: How often an idle process looks at its pipe and its stop flag.
_IDLE_POLL = 0.05
#: Scrapy settings for a batch's crawlers on top of each source's own (politeness unchanged):
#: the stats logger and the memory watcher run a timer per crawler, and the pool watches its
#: own memory between batches.
BATCH_SETTINGS: dict[str, Any] = {
    "EXTENSIONS": {
        "scrapy.extensions.logstats.LogStats": None,
        "scrapy.extensions.memusage.MemoryUsage": None,
    },
}


def rss_mb() -> float:
    """This process's resident memory in MB (Linux ``/proc``; 0 where it is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _release_memory() -> None:
    """After a batch: collect its crawlers' cycles and hand freed heap back to the system
    (the process would look as large as its largest batch)."""
    gc.collect()
    trim_heap()


def _source_status(report: SourceReport, run_status: str) -> str:
    if run_status == "interrupted":
        return "interrupted"
    if report.finish_reason == "locked":
        return "locked"
    if report.failed:
        return "failed"
    return "partial" if report.errors else "ok"


def batch_result(report: RunReport, *, retire: bool) -> dict[str, Any]:
    """What the parent logs per source: run, status and the run_end counts."""
    sources = {}
    for rep in report.sources:
        c = rep.counts
        sources[rep.name] = {
            "status": _source_status(rep, report.status),
            "pages": c.get("pages", 0),
            "new_articles": c.get("new_article", 0),
            "new_versions": c.get("new_version", 0),
            "unchanged": c.get("unchanged", 0) + c.get("seen_before", 0) + c.get("not_modified", 0),
            "skipped": c.get("skipped", 0),
            "errors": c.get("fetch_errors", 0),
            "claims": c.get("claims", 0),
            "events": c.get("events", 0),
            "robots_blocked": c.get("robots_blocked", 0),
        }
    return {
        "run": report.run_id,
        "status": report.status,
        "sources": sources,
        "retire": retire,
        "rss_mb": round(rss_mb(), 1),
    }


def serve_batches(
    conn: Connection,
    sources: Mapping[str, Source],
    *,
    db_path: str | Path,
    max_batches: int,
    memory_mb: float,
    after_run: Callable[[int], None] | None = None,
    log_level: str = "WARNING",
) -> None:
    """Crawl the batches ``conn`` sends until told to stop, then return (the process ends).

    ``after_run(run_id)`` is called after each batch's run is committed (notifications).
    """
    stopping = {"flag": False}

    def request_stop(*_: Any) -> None:
        stopping["flag"] = True

    async def receive() -> list[str] | None:
        while not stopping["flag"]:
            if conn.poll():
                try:
                    return list(conn.recv())
                except EOFError:  # the scheduler is gone
                    return None
            await asyncio.sleep(_IDLE_POLL)
        return None

    async def main() -> None:
        done = 0
        while True:
            names = await receive()
            if names is None or stopping["flag"]:
                return
            # A name this process does not know (the sources file changed since it started)
            # is left out, not a crash: the scheduler logs it as missing and moves on.
            report = await crawl(
                [sources[n] for n in names if n in sources],
                db_path=db_path,
                trigger="schedule",
                lock_wait=0,
                overrides=BATCH_SETTINGS,
            )
            if after_run is not None:
                after_run(report.run_id)
            done += 1
            _release_memory()
            retire = (
                report.stopped or stopping["flag"] or done >= max_batches or rss_mb() > memory_mb
            )
            conn.send(batch_result(report, retire=retire))
            if retire:
                return

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)  # crawl() puts its own in place while it runs
    limit_sqlite_memory()
    run_in_reactor(main, log_level=log_level)
