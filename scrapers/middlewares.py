"""Downloader middlewares: politeness and failures Scrapy leaves silent or impolite.

- :class:`CrawlDelayMiddleware`: robots.txt ``Crawl-delay``, which Scrapy parses but
  does not apply.
- :class:`RetryAfterMiddleware`: retries wait (``Retry-After``, else backoff).
- :class:`ReportingOffsiteMiddleware`, :class:`RedirectGuardMiddleware`: a redirect to
  another host, to a non-http(s) URL or back into its own chain becomes a failed URL
  with a reason, instead of a request dropped without a trace.

The crawl delay is enforced per host by reservation: each request takes the next
free slot ``crawl_delay`` seconds after the previous one, so concurrent
requests to one host cannot bunch up, whatever AutoThrottle does to the
downloader's own delay.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

__all__ = [
    "CrawlDelayMiddleware",
    "RedirectGuardMiddleware",
    "ReportingOffsiteMiddleware",
    "RetryAfterMiddleware",
    "retry_after_seconds",
]

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


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, with a pause before each one: ``Retry-After`` when the server
    sends it, else exponential backoff.

    Scrapy's own RetryMiddleware re-queues at once, so a 503 or 429 is hammered
    ``RETRY_TIMES`` times in a few milliseconds, which is what an overloaded server
    asked us not to do. The pause is an ``asyncio.sleep`` inside the downloader (the
    reactor keeps running). The whole host waits, not just the URL: Scrapy frees the
    host's download slot as soon as a response arrives, so during the pause the slot is
    told it last sent a request at the pause's end, and its download delay counts from
    there; requests not yet queued wait in ``process_request``. A ``Retry-After`` longer
    than ``DELTAWATCH_RETRY_AFTER_MAX`` is not waited for in this run: the URL fails with
    its status and the source's next run tries again.

    Settings: ``DELTAWATCH_RETRY_BACKOFF`` (seconds before the first retry, doubled for
    each further one) and ``DELTAWATCH_RETRY_AFTER_MAX`` (the longest pause, seconds).
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("DELTAWATCH_RETRY_BACKOFF", 1.0)
        self.max_wait = settings.getfloat("DELTAWATCH_RETRY_AFTER_MAX", 60.0)
        #: Host -> ``time.monotonic()`` before which no new request goes to it.
        self.paused_until: dict[str, float] = {}

    async def process_request(self, request: Request) -> None:
        until = self.paused_until.get(urlparse_cached(request).netloc, 0.0)
        if until > time.monotonic():
            await asyncio.sleep(until - time.monotonic())

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.max_wait:
            self.crawler.stats.inc_value("deltawatch/retry_after_too_long")
            return response  # give up for this run; HttpError records the status
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._pause(request, asked)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            await self._pause(request, None)
        return retry

    async def _pause(self, request: Request, asked: float | None) -> None:
        attempt = request.meta.get("retry_times", 0)  # retries already made before this one
        wait = asked if asked is not None else self.backoff * 2**attempt
        wait = min(max(wait, 0.0), self.max_wait)
        if wait > 0:
            self.crawler.stats.inc_value("deltawatch/retry_wait_seconds", wait)
            self._pause_host(request, wait)
            await asyncio.sleep(wait)

    def _pause_host(self, request: Request, wait: float) -> None:
        """No request to ``request``'s host for ``wait`` seconds (as AutoThrottle, via the slot)."""
        until = time.monotonic() + wait  # Scrapy's slots keep time with time.monotonic too
        netloc = urlparse_cached(request).netloc
        self.paused_until[netloc] = max(until, self.paused_until.get(netloc, 0.0))
        engine = self.crawler.engine
        if engine is not None:
            downloader = engine.downloader
            slot = downloader.slots.get(downloader.get_slot_key(request))
            if slot is not None:
                slot.lastseen = max(slot.lastseen, until)


def retry_after_seconds(value: bytes | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class ReportingOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, but a filtered request fails visibly.

    Scrapy checks offsite requests when they are scheduled and drops them silently
    there (no errback, no ``request_dropped`` signal). Spiders never make offsite
    requests themselves (``SourceSpider.in_scope``); what reaches this filter is a
    redirect or a meta refresh to another host, and the user must see that as a
    failed URL ("offsite: ..."). So the check runs only in ``process_request``, where
    ``IgnoreRequest`` reaches the request's errback, and it holds for retries too.
    """

    def request_scheduled(self, request: Request, spider: Any) -> None:
        return None

    def process_request(self, request: Request) -> None:
        """Scrapy lets ``dont_filter`` requests through; every retry has it set (and its
        redirects inherit it), so a retried page could redirect anywhere. Here only an
        explicit ``allow_offsite`` does."""
        assert self.crawler.spider is not None
        if request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return
        host = urlparse_cached(request).hostname
        self.crawler.stats.inc_value("offsite/filtered")
        raise IgnoreRequest(f"Filtered offsite request to {host!r}")


class RedirectGuardMiddleware:
    """Fail a redirect back into its own chain ("redirect loop") or to a non-http(s) URL.

    Without this, a looping redirect is a duplicate request that Scrapy's dupefilter
    drops silently, and the URL vanishes without a ``fetch_errors`` row; a redirect to
    ``file:`` is answered by Scrapy with the bare 3xx status. Sits just before
    ``RedirectMiddleware`` (600) in the response chain.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        scheme = urlsplit(target).scheme
        if scheme not in ("http", "https"):
            raise IgnoreRequest(f"refused: redirect to a {scheme}: URL (only http and https)")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(target) in {canonicalize_url(u) for u in chain}:
            hops = " -> ".join([*chain[-4:], target])
            raise IgnoreRequest(f"redirect loop: {hops}")
        return response
