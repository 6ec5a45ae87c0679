"""Crawling on several machines with scrapy-redis: workers share one frontier in Redis (issue 8).

Topology: ``deltawatch crawl --redis`` (or the scheduler) pushes each due source's start
URLs and rechecks into Redis; any number of ``deltawatch worker`` processes run the same
spiders as a local crawl, with scrapy-redis's scheduler and dupefilter, so every request
is enqueued once and fetched once across the cluster; they fetch, extract, and push the
extracted items onto a Redis list that ``deltawatch ingest`` (the single writer) drains.

One module per job:

- :mod:`~scrapers.cluster.wire`: the Redis connection, every key's name, requests as JSON.
- :mod:`~scrapers.cluster.frontier`: the shared queue, scheduler and dupefilter (rounds,
  leases, the Lua scripts that make each move atomic).
- :mod:`~scrapers.cluster.politeness`: one request per host per delay across all workers.
- :mod:`~scrapers.cluster.worker`: worker spiders, their middleware and pipeline, the
  worker process.
- :mod:`~scrapers.cluster.enqueue`: a round's start entries into Redis (``crawl --redis``).
- :mod:`~scrapers.cluster.items_queue`: the extracted-items list between workers and the
  writer (its wire format and reliable-queue moves).
- :mod:`~scrapers.cluster.writer`: the single writer, from the items list into SQLite.

Data moves one way: ``enqueue`` -> ``frontier`` -> ``worker`` -> ``items_queue`` ->
``writer`` -> ``storage``; ``wire`` is below them all.
"""

from scrapers.cluster.enqueue import EnqueueReport, enqueue, source_busy
from scrapers.cluster.frontier import ReliableQueue, ReliableScheduler, RoundDupeFilter
from scrapers.cluster.items_queue import ItemQueue, Queued, QueueLockedError
from scrapers.cluster.politeness import RedisRateLimitMiddleware
from scrapers.cluster.wire import DEFAULT_PREFIX, Keys, connect, dumps, loads
from scrapers.cluster.worker import (
    Ack,
    PushPipeline,
    Routed,
    WorkerSpiderMiddleware,
    recover_dead_workers,
    run_worker,
    worker_settings,
    worker_spider,
)
from scrapers.cluster.writer import IngestReport, ingest_queue

__all__ = [
    "DEFAULT_PREFIX",
    "Ack",
    "EnqueueReport",
    "IngestReport",
    "ItemQueue",
    "Keys",
    "PushPipeline",
    "QueueLockedError",
    "Queued",
    "RedisRateLimitMiddleware",
    "ReliableQueue",
    "ReliableScheduler",
    "RoundDupeFilter",
    "Routed",
    "WorkerSpiderMiddleware",
    "connect",
    "dumps",
    "enqueue",
    "ingest_queue",
    "loads",
    "recover_dead_workers",
    "run_worker",
    "source_busy",
    "worker_settings",
    "worker_spider",
]
