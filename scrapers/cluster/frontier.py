"""The shared frontier: scrapy-redis's queue, scheduler and dupefilter, extended.

What scrapy-redis does not do, added on its extension points:

- **Rounds.** scrapy-redis's seen-set never expires, so a feed could be polled once
  and an article never rechecked. Every enqueued run is a round (its ``runs`` id); the
  dupefilter keeps one seen-set per source and round, with an expiry. Within a round a
  URL is fetched once; the next round may fetch it again (a recheck, a feed poll).
- **No lost requests.** scrapy-redis pops a request and forgets it, so a killed worker
  loses everything it held. Here a pop moves the request into an in-flight hash, leased
  to the worker, and the lease is released only after the response's items were pushed
  and its follow-up requests enqueued (see :mod:`scrapers.cluster.worker`). Requests
  leased by a worker whose heartbeat is gone go back to the queue (:data:`RECOVER`).

Each move that must not be split (pop and lease, test-seen and queue, claim a start entry,
recover) is one Lua script, so no moment exists when a request is neither queued nor leased.
"""

from __future__ import annotations

import itertools
from typing import Any

from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from scrapers.cluster.wire import DEFAULT_PREFIX, Keys

__all__ = [
    "CLAIM_START",
    "RECOVER",
    "ROUND_TTL",
    "ReliableQueue",
    "ReliableScheduler",
    "RoundDupeFilter",
]

#: How long a round's seen-sets and known-article maps live in Redis (a round that takes
#: longer may fetch a URL twice, never lose one).
ROUND_TTL = 2 * 86400

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
CLAIM_START = """
local d = redis.call('RPOP', KEYS[1])
if not d then return false end
redis.call('HSET', KEYS[2], ARGV[1], 's|' .. d)
return d
"""

# Put back what dead workers leased: start entries to the start list, requests to the queue.
# A token is "<worker id>#<n>"; a worker is alive while its heartbeat key exists.
RECOVER = """
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
