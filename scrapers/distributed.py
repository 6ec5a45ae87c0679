"""Crawling on several machines with scrapy-redis: workers share one frontier in Redis (issue 8).

Topology: ``deltawatch crawl --redis`` (or the scheduler) pushes each due source's start
URLs and rechecks into Redis; any number of ``deltawatch worker`` processes run the same
spiders as a local crawl, with scrapy-redis's scheduler and dupefilter, so every request
is enqueued once and fetched once across the cluster; they fetch, extract, and push the
extracted items onto a Redis list that ``deltawatch ingest`` (the single writer) drains.

What scrapy-redis does not do, and this module adds on its extension points:

- **Rounds.** scrapy-redis's seen-set never expires, so a feed could be polled once
  and an article never rechecked. Every enqueued run is a round (its ``runs`` id); the
  dupefilter keeps one seen-set per source and round, with an expiry. Within a round a
  URL is fetched once; the next round may fetch it again (a recheck, a feed poll).
- **No lost requests.** scrapy-redis pops a request and forgets it, so a killed worker
  loses everything it held. Here a pop moves the request into an in-flight hash, leased
  to the worker, and the lease is released only after the response's items were pushed
  and its follow-up requests enqueued. Workers beat a heartbeat; requests leased by a
  worker whose heartbeat is gone go back to the queue. (A recovered request may be
  fetched twice; the writer's ingest is idempotent.)
- **Cluster-wide politeness.** Scrapy's download delay is per process, so N workers
  would hit a host N times as hard. :class:`RedisRateLimitMiddleware` takes a per-host
  slot in Redis before each request (the source's ``delay``, or robots.txt's
  ``Crawl-delay`` when longer), on Redis's clock.

Requests are stored as JSON (bytes as base64), not scrapy-redis's default pickle, so
whoever can write to Redis cannot make workers run code.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from pipelines.ingest import prepare
from pipelines.model import Page
from pipelines.queue import (
    DEFAULT_PREFIX,
    ItemQueue,
    Keys,
    encode_failure,
    encode_page,
    pid_alive,
)
from scrapers.items import FetchError
from scrapers.middlewares import CrawlDelayMiddleware
from scrapers.settings import crawl_settings
from scrapers.spiders import SPIDERS, SourceSpider
from seeds.config import Source
from storage.store import Store

__all__ = [
    "Ack",
    "EnqueueReport",
    "PushPipeline",
    "RedisRateLimitMiddleware",
    "ReliableQueue",
    "ReliableScheduler",
    "RoundDupeFilter",
    "Routed",
    "WorkerSpiderMiddleware",
    "connect",
    "dumps",
    "enqueue",
    "loads",
    "recover_dead_workers",
    "run_worker",
    "worker_settings",
    "worker_spider",
]

log = logging.getLogger(__name__)

#: How long a round's seen-sets and known-article maps live in Redis (a round that takes
#: longer may fetch a URL twice, never lose one).
ROUND_TTL = 2 * 86400
#: Seconds between a worker's heartbeats; it counts as gone after ``HEARTBEAT_TTL``.
HEARTBEAT = 2.0
HEARTBEAT_TTL = 10
#: How often an idle worker looks at the shared queue (Scrapy itself looks every 5 s).
POLL = 0.5
#: Start entries a worker takes per look.
START_BATCH = 16
#: At most this many due rechecks per source and round (as in a local crawl).
RECHECK_BUDGET = 200


def connect(url: str) -> redis.Redis:
    """A client for ``redis://[:password@]host:port/db``; fails now if Redis is not there."""
    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
    client.ping()
    return client


# -- requests as JSON (scrapy-redis's SCHEDULER_SERIALIZER is any object with loads/dumps) ---


def _tag(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, bytes) else k.decode("latin-1"): _tag(v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list | tuple):
        return [_tag(v) for v in value]
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def dumps(obj: Mapping[str, Any]) -> bytes:
    """A request dict (``Request.to_dict``) as JSON; a value JSON cannot hold is an error."""
    return json.dumps(_tag(obj), separators=(",", ":"), sort_keys=True).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    return _untag(json.loads(data))


# -- the shared frontier: scrapy-redis's queue, scheduler and dupefilter, extended ----------

# Pop the best request and lease it in one step, so no moment exists when a request is
# neither queued nor leased. The in-flight value is "<score>|<request>" (to re-queue it).
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '|' .. r[1])
return r[1]
"""

# Queue a request unless this round saw it (the seen-set and the queue change together, so a
# worker killed in between cannot leave a URL marked seen but never queued), and release
# the lease of the request it replaces (a retry or a redirect). ARGV[4] '' = dont_filter.
_PUSH = """
if ARGV[4] ~= '' then
  if redis.call('SADD', KEYS[3], ARGV[4]) == 0 then
    if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
    return 0
  end
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
return 1
"""

# Take a start entry and lease it ("s|<entry>"), likewise atomically.
_CLAIM_START = """
local d = redis.call('RPOP', KEYS[1])
if not d then return false end
redis.call('HSET', KEYS[2], ARGV[1], 's|' .. d)
return d
"""

# Put back what dead workers leased: start entries to the start list, requests to the queue.
# A token is "<worker id>#<n>"; a worker is alive while its heartbeat key exists.
_RECOVER = """
local moved = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local token, value = all[i], all[i + 1]
  local worker = string.match(token, '^(.*)#[^#]*$')
  if worker and redis.call('EXISTS', ARGV[1] .. worker) == 0 then
    local sep = string.find(value, '|', 1, true)
    local head, body = string.sub(value, 1, sep - 1), string.sub(value, sep + 1)
    if head == 's' then
      redis.call('RPUSH', KEYS[3], body)
    else
      redis.call('ZADD', KEYS[2], head, body)
    end
    redis.call('HDEL', KEYS[1], token)
    moved = moved + 1
  end
end
return moved
"""

# Reserve the next free slot of a host, ARGV[1] seconds after the previous one, on Redis's
# clock (workers' clocks may differ). Returns how long the caller must wait, as text.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
local ttl = math.ceil((slot - now + delay) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + delay), 'PX', ttl)
return string.format('%.6f', slot - now)
"""


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue, where a pop leases the request instead of forgetting it.

    The lease token rides in ``request.meta["dw_lease"]``. A retry or a redirect is the
    same request re-enqueued with its meta, so pushing it releases the old lease in the
    same step; otherwise :class:`PushPipeline` releases it once the response is fully
    handled (an :class:`Ack` item).
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        keys = Keys(spider.settings.get("DELTAWATCH_REDIS_PREFIX", DEFAULT_PREFIX))
        self.inflight = keys.inflight(spider.name)
        self.worker_id = spider.settings.get("DELTAWATCH_WORKER_ID") or "anonymous"
        self._counter = itertools.count()
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)

    def push(self, request: Request, *, seen: str = "", fingerprint: str = "") -> bool:
        """Queue ``request``; with a ``fingerprint``, only if the ``seen`` set lacks it."""
        lease = request.meta.pop("dw_lease", None) or ""
        data = self._encode_request(request)
        args = [-request.priority, data, lease, fingerprint, ROUND_TTL]
        return bool(self._push(keys=[self.key, self.inflight, seen or self.key], args=args))

    def pop(self, timeout: int = 0) -> Request | None:
        token = f"{self.worker_id}#{next(self._counter)}"
        data = self._pop(keys=[self.key, self.inflight], args=[token])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta["dw_lease"] = token
        return request

    def ack(self, lease: str) -> None:
        self.server.hdel(self.inflight, lease)


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler with a leasing queue, asking the round's seen-set and
    queueing in one atomic step; a filtered retry or redirect releases its lease."""

    def enqueue_request(self, request: Request) -> bool:
        seen, fingerprint = "", ""
        if not request.dont_filter:
            seen, fingerprint = self.df.round_key(request), self.df.request_fingerprint(request)
        if not self.queue.push(request, seen=seen, fingerprint=fingerprint):
            return False  # seen this round (a filtered redirect's lease is released)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class RoundDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter with one seen-set per round (``meta["dw_run"]``), expiring.

    The fingerprint is scrapy-redis's own (method, canonical URL, body); the round is in
    the key, so the set of a finished round simply expires instead of growing forever.
    """

    ttl = ROUND_TTL

    def round_key(self, request: Request) -> str:
        return f"{self.key}:{request.meta.get('dw_run', 'none')}"

    def request_seen(self, request: Request) -> bool:
        """For use outside :class:`ReliableScheduler`, which checks and queues atomically."""
        key = self.round_key(request)
        with self.server.pipeline() as pipe:
            pipe.sadd(key, self.request_fingerprint(request))
            pipe.expire(key, self.ttl)
            added, _ = pipe.execute()
        return added == 0


# -- politeness across the cluster -----------------------------------------------------------


class RedisRateLimitMiddleware(CrawlDelayMiddleware):
    """One request per host every ``delay`` seconds across all workers, not per worker.

    Each request reserves the host's next free slot in Redis and sleeps until it. The
    delay is the source's ``delay`` or robots.txt's ``Crawl-delay``, whichever is longer
    (the robots.txt parsing is inherited from :class:`CrawlDelayMiddleware`).
    """

    def __init__(self, crawler: Any, user_agent: str, *, client: Any, delay: float,
                 keys: Keys) -> None:  # fmt: skip
        super().__init__(crawler, user_agent)
        self.delay = delay
        self.keys = keys
        self._reserve = client.register_script(_RESERVE)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisRateLimitMiddleware:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        mw = cls(
            crawler,
            crawler.settings["USER_AGENT"],
            client=get_redis_from_settings(crawler.settings),
            delay=crawler.settings.getfloat("DELTAWATCH_SOURCE_DELAY"),
            keys=Keys(crawler.settings.get("DELTAWATCH_REDIS_PREFIX", DEFAULT_PREFIX)),
        )
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def reserve(self, netloc: str, delay: float) -> float:
        """Seconds to wait before this request may go (0 when the host's slot is free)."""
        return float(self._reserve(keys=[self.keys.rate(netloc)], args=[delay]))

    async def process_request(self, request: Request) -> None:
        if request.url.endswith("/robots.txt"):
            return
        netloc = urlparse_cached(request).netloc
        delay = max(self.delay, self.delays.get(netloc, 0.0))
        if delay <= 0:
            return
        wait = self.reserve(netloc, delay)
        if wait > 0:
            self.crawler.stats.inc_value("deltawatch/rate_wait_seconds", wait)
            await asyncio.sleep(wait)


# -- worker spiders, their middleware and pipeline ------------------------------------------


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
    """A round's stored articles (``_known`` of a local crawl), read from Redis once."""

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
    round: Any = None
    round_refetch: bool = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.redis = get_redis_from_settings(crawler.settings)
        spider.keys = Keys(crawler.settings.get("DELTAWATCH_REDIS_PREFIX", DEFAULT_PREFIX))
        spider.worker_id = crawler.settings.get("DELTAWATCH_WORKER_ID") or "anonymous"
        spider._tokens = itertools.count()
        spider._claim = spider.redis.register_script(_CLAIM_START)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
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

    def __init__(self, queue: ItemQueue, inflight: str, stats: Any, worker: str | None = None
                 ) -> None:  # fmt: skip
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
        return cls(ItemQueue(client, prefix=prefix), Keys(prefix).inflight(source), crawler.stats,
                   crawler.settings.get("DELTAWATCH_WORKER_ID"))  # fmt: skip

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Ack):
            if item.lease:
                self.queue.client.hdel(self.inflight, item.lease)
            return item
        routed = item if isinstance(item, Routed) else Routed(item, None)
        inner = routed.item
        if isinstance(inner, Page):
            prepared = prepare(inner)
            self.queue.push(
                encode_page(inner, prepared, run_id=routed.run_id, worker=self.worker)
            )
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
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A local crawl's settings for this source, with the Redis frontier and politeness."""
    settings = crawl_settings(source, db_path="", run_id=None)
    keys = Keys(prefix)
    downloader = dict(settings["DOWNLOADER_MIDDLEWARES"])
    downloader["scrapers.middlewares.CrawlDelayMiddleware"] = None
    downloader["scrapers.distributed.RedisRateLimitMiddleware"] = 110
    settings |= {
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapers.distributed.ReliableScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapers.distributed.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests(source.name),
        "DUPEFILTER_CLASS": "scrapers.distributed.RoundDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.seen(source.name),
        "SCHEDULER_SERIALIZER": "scrapers.distributed",
        "SCHEDULER_PERSIST": True,  # the frontier belongs to the cluster, not to this worker
        # Politeness is the cluster's (RedisRateLimitMiddleware), not each process's.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": downloader,
        "SPIDER_MIDDLEWARES": {"scrapers.distributed.WorkerSpiderMiddleware": 10},
        "ITEM_PIPELINES": {"scrapers.distributed.PushPipeline": 500},
        "CONCURRENT_ITEMS": 1,  # a response's output in order: Ack comes last (see Ack)
        "DELTAWATCH_SOURCE": source.name,
        "DELTAWATCH_SOURCE_DELAY": source.delay,
        "DELTAWATCH_WORKER_ID": worker_id,
        "DELTAWATCH_REDIS_PREFIX": prefix,
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
    script = client.register_script(_RECOVER)
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
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import AsyncCrawlerRunner, Crawler
    from scrapy.settings import Settings

    from scrapers.run import REACTOR
    from scrapers.stop import Stop

    # Scrapy polls an idle scheduler every 5 s; the shared queue fills from other
    # machines, so a worker looks more often (a class constant of the engine).
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = poll
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
        settings = worker_settings(source, redis_url=redis_url, worker_id=worker_id,
                                   prefix=prefix, overrides=overrides)  # fmt: skip
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


# -- queueing rounds ---------------------------------------------------------------------------


@dataclass(slots=True)
class EnqueueReport:
    """What ``crawl --redis`` queued: the run, its sources, and the ones skipped (with why)."""

    run_id: int | None
    queued: dict[str, int] = field(default_factory=dict)  # source -> start entries
    skipped: dict[str, str] = field(default_factory=dict)


def source_busy(client: Any, source: str, *, keys: Keys) -> bool:
    """Is a previous round of this source still queued or in flight?"""
    start, queue, inflight = keys.source_keys(source)
    with client.pipeline() as pipe:
        pipe.llen(start)
        pipe.zcard(queue)
        pipe.hlen(inflight)
        return any(pipe.execute())


def enqueue(
    sources: Sequence[Source],
    *,
    db_path: str | Path,
    redis_url: str,
    trigger: str = "manual",
    prefix: str = DEFAULT_PREFIX,
    refetch: bool = False,
    recheck_budget: int = RECHECK_BUDGET,
) -> EnqueueReport:
    """Push the start URLs and due rechecks of ``sources`` into Redis as one round.

    The round is a ``runs`` row (trigger ``<trigger>+redis``, status ``running`` until
    the writer finds the round's work all done). Each source's known articles go along,
    so workers make the same conditional, new-or-due-only requests a local crawl makes.
    """
    from scrapers.plan import plan_round

    client = connect(redis_url)
    keys = Keys(prefix)
    report = EnqueueReport(run_id=None)
    taken = []
    for source in sources:
        if source_busy(client, source.name, keys=keys):
            report.skipped[source.name] = "its previous round is still queued or in flight"
        else:
            taken.append(source)
    if not taken:
        return report
    store = Store(db_path)
    try:
        store.sync_sources(s.as_row() for s in sources)
        run_id = store.start_run(trigger=f"{trigger}+redis", sources=[s.name for s in taken])
        plans = plan_round(store, taken, now=store.now(), budget=recheck_budget)
    finally:
        store.close()
    report.run_id = run_id
    for source in taken:
        known, due = plans[source.name]
        entries = [{"run": run_id, "url": u} for u in source.urls]
        entries += [{"run": run_id, "url": u, "recheck": True} for u in due]
        with client.pipeline() as pipe:
            if known:
                key = keys.known(source.name, run_id)
                pipe.hset(key, mapping={u: json.dumps(row, default=str) for u, row in known.items()})
                pipe.expire(key, ROUND_TTL)
            if refetch:
                pipe.set(keys.refetch(source.name, run_id), "1", ex=ROUND_TTL)
            pipe.lpush(keys.start(source.name), *(json.dumps(e) for e in entries))
            pipe.execute()
        report.queued[source.name] = len(entries)
    return report
