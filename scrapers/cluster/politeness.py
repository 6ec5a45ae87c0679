"""Politeness across the cluster: one request per host every ``delay`` seconds, not per worker.

Scrapy's download delay is per process, so N workers would hit a host N times as hard.
:class:`RedisRateLimitMiddleware` takes a per-host slot in Redis before each request (the
source's ``delay``, or robots.txt's ``Crawl-delay`` when longer), on Redis's clock.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings

from scrapers.cluster.wire import DEFAULT_PREFIX, Keys
from scrapers.middlewares import CrawlDelayMiddleware

__all__ = ["RESERVE", "RedisRateLimitMiddleware"]

# Reserve the next free slot of a host, ARGV[1] seconds after the previous one, on Redis's
# clock (workers' clocks may differ). Returns how long the caller must wait, as text.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
local ttl = math.ceil((slot - now + delay) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + delay), 'PX', ttl)
return string.format('%.6f', slot - now)
"""


class RedisRateLimitMiddleware(CrawlDelayMiddleware):
    """One request per host every ``delay`` seconds across all workers, not per worker.

    Each request reserves the host's next free slot in Redis and sleeps until it. The
    delay is the source's ``delay`` or robots.txt's ``Crawl-delay``, whichever is longer
    (the robots.txt parsing is inherited from :class:`CrawlDelayMiddleware`).
    """

    def __init__(
        self, crawler: Any, user_agent: str, *, client: Any, delay: float, keys: Keys
    ) -> None:
        super().__init__(crawler, user_agent)
        self.delay = delay
        self.keys = keys
        self._reserve = client.register_script(RESERVE)

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
