"""Workers: the spiders of a local crawl with Redis plumbing, and the worker process.

A worker runs the same spiders as a local crawl, with the frontier of
:mod:`scrapers.cluster.frontier`, so every request is enqueued once and fetched once
across the cluster; it extracts each page (the expensive part) and pushes the result
onto the writer's queue (:mod:`scrapers.cluster.items_queue`). Workers beat a heartbeat;
what a worker that is gone had leased goes back to the queue.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy_redis.connection import get_redis_from_settings
from twisted.python.failure import Failure

from pipelines.ingest import prepare
from pipelines.model import Page
from scrapers.cluster.frontier import CLAIM_START, RECOVER
from scrapers.cluster.items_queue import ItemQueue, encode_failure, encode_page
from scrapers.cluster.wire import DEFAULT_PREFIX, Keys, connect
from scrapers.items import FetchError
from scrapers.settings import crawl_settings
from scrapers.spiders import SPIDERS, SourceSpider
from seeds.config import Source
from storage.store import pid_alive

__all__ = [
    "Ack",
    "PushPipeline",
    "RoundKnown",
    "Routed",
    "WorkerMixin",
    "WorkerSpiderMiddleware",
    "recover_dead_workers",
    "run_worker",
    "worker_settings",
    "worker_spider",
]

log = logging.getLogger(__name__)

#: Seconds between a worker's heartbeats; it counts as gone after ``HEARTBEAT_TTL``.
HEARTBEAT = 2.0
HEARTBEAT_TTL = 10
#: How often an idle worker looks at the shared queue (Scrapy itself looks every 5 s).
POLL = 0.5
#: The meta key of a wake-up (see :meth:`WorkerMixin.look_again_soon`): never fetched.
WAKE = "dw_wake"
#: Start entries a worker takes per look.
START_BATCH = 16


@dataclass(frozen=True, slots=True)
class Routed:
    """An item with the round it belongs to (the writer records it under that run)."""

    item: Any
    run_id: int | None


@dataclass(frozen=True, slots=True)
class Ack:
    """Emitted last for each response or failure: everything before it has been handed on.

    Worker settings process a response's output one element at a time
    (``CONCURRENT_ITEMS = 1``), so when the pipeline sees this, the items were pushed
    and the follow-up requests enqueued, and the lease can go.
    """

    lease: str | None


class RoundKnown(Mapping[str, Mapping[str, Any]]):
    """A round's stored articles (:func:`scrapers.plan.known_articles` of a local crawl), read from Redis once."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key
        self._rows: dict[str, Mapping[str, Any]] | None = None

    def _load(self) -> dict[str, Mapping[str, Any]]:
        if self._rows is None:
            raw = self.client.hgetall(self.key)
            self._rows = {k.decode(): json.loads(v) for k, v in raw.items()}
        return self._rows

    def __getitem__(self, url: str) -> Mapping[str, Any]:
        return self._load()[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class WorkerMixin:
    """What turns a source's spider into a worker: it starts nothing by itself, takes start
    entries from Redis when idle, and reads per-round state (known articles, ``--all``)
    from Redis, so whichever worker handles a response sees the same state. The per-run
    cap on article requests counts per feed, sitemap or listing parsed.

    Navigation is untouched: the feed, sitemap, listing and page spiders run as they do
    in a local crawl. Rounds of one source are not meant to overlap (``enqueue`` skips a
    source whose previous round is unfinished); the spider follows the latest round.
    """

    redis: Any
    keys: Keys
    worker_id: str
    poll: float = POLL
    round: Any = None
    round_refetch: bool = False
    _wake: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.redis = get_redis_from_settings(crawler.settings)
        spider.keys = Keys(crawler.settings.get("DELTAWATCH_REDIS_PREFIX", DEFAULT_PREFIX))
        spider.worker_id = crawler.settings.get("DELTAWATCH_WORKER_ID") or "anonymous"
        spider._tokens = itertools.count()
        spider._claim = spider.redis.register_script(CLAIM_START)
        spider.poll = crawler.settings.getfloat("DELTAWATCH_WORKER_POLL", POLL)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.look_again_soon, signal=signals.scheduler_empty)
        crawler.signals.connect(spider.drop_wake_up, signal=signals.request_scheduled)
        crawler.signals.connect(spider.stop_waking, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """Nothing: a worker's work comes from Redis (see :meth:`spider_idle`)."""
        return
        yield  # an async generator, as Scrapy expects

    @property
    def refetch(self) -> bool:
        return self.round_refetch

    def enter_round(self, run: Any) -> None:
        """Point the spider's ``known`` at this round's map in Redis, and start a new ``seen``.

        ``seen`` stays local on purpose: a URL marked seen in Redis before its request was
        safely queued would be lost with a worker killed in between, because the worker
        that re-parses the feed would skip it. The shared dupefilter (queued and seen in one
        atomic step) is what keeps a URL to one fetch across workers.
        """
        if run is None or run == self.round:
            return
        name = self.name  # type: ignore[attr-defined]
        self.round = run
        self.known = RoundKnown(self.redis, self.keys.known(name, run))
        self.seen = set()
        self.round_refetch = bool(self.redis.exists(self.keys.refetch(name, run)))

    def spider_idle(self) -> None:
        """Take start entries, turn them into requests on the shared queue, stay open."""
        self.claim_starts()
        raise DontCloseSpider

    def look_again_soon(self) -> None:
        """The scheduler ran dry: make the engine look at the shared queue in ``poll`` seconds.

        Scrapy's engine looks at a scheduler with nothing to give only every 5 s (its
        heartbeat, a private class constant with no setting); the shared queue fills from
        other machines, so a worker asks sooner, through public API only:
        ``engine.crawl`` always makes the engine look at its scheduler at once, and
        :meth:`drop_wake_up` keeps the request it is given (a marker, never fetched) out
        of the scheduler. One wake-up is pending at a time. Checked with Scrapy 2.19; were a
        later Scrapy not to look after a dropped request, workers would fall back to its 5 s
        look: slower to pick up work, never wrong.
        """
        if self._wake is not None or self.poll <= 0:
            return
        self._wake = asyncio.get_running_loop().call_later(self.poll, self._wake_up)

    def _wake_up(self) -> None:
        self._wake = None
        engine = self.crawler.engine  # type: ignore[attr-defined]
        if engine is not None and engine.running and engine.spider is not None:
            engine.crawl(Request("data:,", dont_filter=True, meta={WAKE: True}))

    def drop_wake_up(self, request: Request) -> None:
        """A ``request_scheduled`` handler: a wake-up goes no further (Scrapy's documented
        way to drop a request before it reaches the scheduler, silently)."""
        if request.meta.get(WAKE):
            raise IgnoreRequest("a worker's wake-up, not a request")

    def stop_waking(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None

    def claim_starts(self, batch: int = START_BATCH) -> int:
        name = self.name  # type: ignore[attr-defined]
        start, _, inflight = self.keys.source_keys(name)
        taken = 0
        for _ in range(batch):
            token = f"{self.worker_id}#s{next(self._tokens)}"  # type: ignore[attr-defined]
            data = self._claim(keys=[start, inflight], args=[token])  # type: ignore[attr-defined]
            if not data:
                break
            taken += 1
            try:
                for request in self.requests_for_entry(json.loads(data)):
                    self.crawler.engine.crawl(request)  # type: ignore[attr-defined]
            except (ValueError, KeyError, TypeError) as exc:
                log.error("dropping a malformed start entry of %s: %r (%s)", name, data, exc)
            self.redis.hdel(inflight, token)
        return taken

    def requests_for_entry(self, entry: Mapping[str, Any]) -> list[Request]:
        """A start URL gives the spider's start requests; a recheck an article request."""
        run = entry["run"]
        self.enter_round(run)
        spider: SourceSpider = self  # type: ignore[assignment]
        if entry.get("recheck"):
            requests = list(spider.article_requests([entry["url"]], recheck=True))
        else:
            requests = list(spider.start_requests_for([entry["url"]]))
        for request in requests:
            request.meta["dw_run"] = run
        return requests

    def failed(self, failure: Failure) -> Iterator[Any]:
        """Failures as in a local crawl, tagged with their round, then the lease released.

        Download errors reach the errback without passing the spider middleware, so the
        errback does here what :class:`WorkerSpiderMiddleware` does for responses.
        """
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        for item in super().failed(failure):  # type: ignore[misc]
            yield Routed(item, meta.get("dw_run"))
        yield Ack(meta.get("dw_lease"))


_WORKER_SPIDERS: dict[str, type[SourceSpider]] = {}


def worker_spider(kind: str) -> type[SourceSpider]:
    """The worker version of a source kind's spider (same navigation, Redis plumbing)."""
    if kind not in _WORKER_SPIDERS:
        base = SPIDERS[kind]
        _WORKER_SPIDERS[kind] = type(f"Worker{base.__name__}", (WorkerMixin, base), {})
    return _WORKER_SPIDERS[kind]


class WorkerSpiderMiddleware:
    """Carries the round from each response to its follow-up requests and items, and ends
    each response's output with an :class:`Ack` for its lease."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerSpiderMiddleware:
        return cls(crawler)

    def process_spider_input(self, response: Response) -> None:
        spider = self.crawler.spider
        if isinstance(spider, WorkerMixin):
            spider.enter_round(response.meta.get("dw_run"))

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        run, lease = response.meta.get("dw_run"), response.meta.get("dw_lease")
        async for out in result:
            if isinstance(out, Request):
                out.meta.setdefault("dw_run", run)
                if lease and out.meta.get("dw_lease") == lease:  # a copy of our meta
                    del out.meta["dw_lease"]
            elif not isinstance(out, Routed | Ack):
                out = Routed(out, run)
            yield out
        yield Ack(lease)

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Ack]:
        """A callback that crashed: logged like Scrapy does, and its lease released."""
        log.error("spider error on %s: %r", response.url, exception, exc_info=exception)
        self.crawler.stats.inc_value("spider_exceptions/count")
        return [Ack(response.meta.get("dw_lease"))]


class PushPipeline:
    """Extracts each page (the expensive part) and pushes it to the writer's queue.

    Args:
        queue: the item queue.
        inflight: the source's in-flight hash (where :class:`Ack` releases leases).
        stats: Scrapy's stats collector.
        worker: this worker's id, written on each item.
    """

    def __init__(
        self, queue: ItemQueue, inflight: str, stats: Any, worker: str | None = None
    ) -> None:
        self.queue = queue
        self.inflight = inflight
        self.stats = stats
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler: Any) -> PushPipeline:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        prefix = crawler.settings.get("DELTAWATCH_REDIS_PREFIX", DEFAULT_PREFIX)
        client = get_redis_from_settings(crawler.settings)
        source = crawler.settings.get("DELTAWATCH_SOURCE")
        return cls(
            ItemQueue(client, prefix=prefix),
            Keys(prefix).inflight(source),
            crawler.stats,
            crawler.settings.get("DELTAWATCH_WORKER_ID"),
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Ack):
            if item.lease:
                self.queue.client.hdel(self.inflight, item.lease)
            return item
        routed = item if isinstance(item, Routed) else Routed(item, None)
        inner = routed.item
        if isinstance(inner, Page):
            prepared = prepare(inner)
            self.queue.push(encode_page(inner, prepared, run_id=routed.run_id, worker=self.worker))
            self.stats.inc_value("deltawatch/pages")
        elif isinstance(inner, FetchError):
            self.queue.push(
                encode_failure(inner.as_dict(), run_id=routed.run_id, worker=self.worker)
            )
        else:
            raise TypeError(f"a worker spider yielded an unknown item: {inner!r}")
        return item


def worker_settings(
    source: Source,
    *,
    redis_url: str,
    worker_id: str,
    prefix: str = DEFAULT_PREFIX,
    poll: float = POLL,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A local crawl's settings for this source, with the Redis frontier and politeness."""
    settings = crawl_settings(source, db_path="", run_id=None)
    keys = Keys(prefix)
    downloader = dict(settings["DOWNLOADER_MIDDLEWARES"])
    downloader["scrapers.middlewares.CrawlDelayMiddleware"] = None
    downloader["scrapers.cluster.politeness.RedisRateLimitMiddleware"] = 110
    settings |= {
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapers.cluster.frontier.ReliableScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapers.cluster.frontier.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests(source.name),
        "DUPEFILTER_CLASS": "scrapers.cluster.frontier.RoundDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.seen(source.name),
        "SCHEDULER_SERIALIZER": "scrapers.cluster.wire",
        "SCHEDULER_PERSIST": True,  # the frontier belongs to the cluster, not to this worker
        # Politeness is the cluster's (RedisRateLimitMiddleware), not each process's.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": downloader,
        "SPIDER_MIDDLEWARES": {"scrapers.cluster.worker.WorkerSpiderMiddleware": 10},
        "ITEM_PIPELINES": {"scrapers.cluster.worker.PushPipeline": 500},
        "CONCURRENT_ITEMS": 1,  # a response's output in order: Ack comes last (see Ack)
        "DELTAWATCH_SOURCE": source.name,
        "DELTAWATCH_SOURCE_DELAY": source.delay,
        "DELTAWATCH_WORKER_ID": worker_id,
        "DELTAWATCH_REDIS_PREFIX": prefix,
        "DELTAWATCH_WORKER_POLL": poll,
    }
    settings |= overrides or {}
    return settings


# -- the worker process ------------------------------------------------------------------------


def recover_dead_workers(client: Any, sources: Iterable[str], *, keys: Keys) -> int:
    """Put back what workers that are gone had leased; returns how many entries moved.

    Heartbeats of workers of this host whose process is gone are removed first, so a
    worker restarted after a crash recovers its predecessor's requests at once rather
    than after ``HEARTBEAT_TTL``.
    """
    host = socket.gethostname()
    for key in client.scan_iter(match=keys.worker(f"{host}:*")):
        pid = key.decode().removeprefix(keys.worker(f"{host}:")).split(":", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            client.delete(key)
    script = client.register_script(RECOVER)
    moved = 0
    for name in sources:
        start, queue, inflight = keys.source_keys(name)
        moved += int(script(keys=[inflight, queue, start], args=[keys.worker("")]))
    return moved


async def run_worker(
    sources: Sequence[Source],
    *,
    redis_url: str,
    prefix: str = DEFAULT_PREFIX,
    overrides: Mapping[str, Any] | None = None,
    heartbeat: float = HEARTBEAT,
    poll: float = POLL,
) -> None:
    """Run one worker until SIGINT/SIGTERM: a crawler per source, all sharing the reactor.

    Must be awaited inside :func:`scrapers.run.run_in_reactor`.
    """
    from scrapy.crawler import AsyncCrawlerRunner, Crawler
    from scrapy.settings import Settings

    from scrapers.run import REACTOR
    from scrapers.stop import Stop

    client = connect(redis_url)
    keys = Keys(prefix)
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    names = [s.name for s in sources]
    ttl = max(int(heartbeat * 5), 2)
    client.set(keys.worker(worker_id), str(time.time()), ex=ttl)
    moved = recover_dead_workers(client, names, keys=keys)
    log.warning("event=worker_started id=%s sources=%s recovered=%s", worker_id, len(names), moved)
    runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR": REACTOR}))
    crawlers = []
    for source in sources:
        settings = worker_settings(
            source,
            redis_url=redis_url,
            worker_id=worker_id,
            prefix=prefix,
            poll=poll,
            overrides=overrides,
        )
        crawlers.append((source, Crawler(worker_spider(source.kind), Settings(settings))))

    async def beat() -> None:
        while True:
            await asyncio.sleep(heartbeat)
            client.set(keys.worker(worker_id), str(time.time()), ex=ttl)
            recover_dead_workers(client, names, keys=keys)

    with Stop() as stop:
        for _, crawler in crawlers:
            stop.watch(crawler)
        beating = asyncio.ensure_future(beat())
        try:
            await asyncio.gather(*(runner.crawl(c, source=s) for s, c in crawlers))
        finally:
            beating.cancel()
            client.delete(keys.worker(worker_id))  # what it still leased is recovered now
