"""robots.txt ``Crawl-delay``, which Scrapy parses but does not apply.

The delay is enforced per host by reservation: each request takes the next
free slot ``crawl_delay`` seconds after the previous one, so concurrent
requests to one host cannot bunch up, whatever AutoThrottle does to the
downloader's own delay.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

__all__ = ["CrawlDelayMiddleware"]

#: A robots.txt asking for more than this is capped (and the cap logged in stats).
MAX_CRAWL_DELAY = 60.0


class CrawlDelayMiddleware:
    def __init__(self, crawler: Crawler, user_agent: str) -> None:
        self.crawler = crawler
        self.user_agent = user_agent
        self.delays: dict[str, float] = {}
        self.next_free: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        mw = cls(crawler, crawler.settings["USER_AGENT"])
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        parser = getattr(robotparser, "rp", None)  # protego.Protego inside Scrapy's wrapper
        delay = parser.crawl_delay(self.user_agent) if parser is not None else None
        if delay:
            netloc = urlparse_cached(request).netloc
            self.delays[netloc] = min(float(delay), MAX_CRAWL_DELAY)
            self.crawler.stats.set_value(f"crawl_delay/{netloc}", self.delays[netloc])

    async def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        delay = self.delays.get(netloc)
        if not delay or request.url.endswith("/robots.txt"):
            return
        now = time.monotonic()
        slot = max(now, self.next_free.get(netloc, now))
        self.next_free[netloc] = slot + delay
        if slot > now:
            await asyncio.sleep(slot - now)
