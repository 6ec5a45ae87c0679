"""What every deltawatch spider shares: its source, article requests, failures as items.

Spiders only navigate (feed -> article URLs, sitemap -> URLs, listing -> links);
turning a page into an article happens later, in ``pipelines/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from scrapers.failures import describe_failure
from scrapers.items import FetchError, Page
from seeds.config import Source

__all__ = ["SourceSpider"]


class SourceSpider(scrapy.Spider):
    """Base class: one spider instance crawls one configured source."""

    kind = ""

    def __init__(self, source: Source, *args: Any, **kwargs: Any) -> None:
        super().__init__(source.name, *args, **kwargs)
        self.source = source
        self.allowed_domains = list(source.domains)
        self.seen: set[str] = set()

    @property
    def max_articles(self) -> int:
        return self.settings.getint("DELTAWATCH_MAX_ARTICLES", 2000)

    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests_for(self.source.urls):
            yield request

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    def in_scope(self, url: str) -> bool:
        """Only http(s) URLs on the source's own hosts are followed."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        return parts.scheme in ("http", "https") and any(
            host == d or host.endswith("." + d) for d in self.allowed_domains
        )

    def article_requests(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        """Requests for article pages, each URL once, within scope and the per-run cap."""
        for url in urls:
            if len(self.seen) >= self.max_articles:
                self.crawler.stats.inc_value("deltawatch/capped")
                return
            if url in self.seen or not self.in_scope(url):
                continue
            self.seen.add(url)
            yield scrapy.Request(url, callback=self.parse_article, errback=self.failed)

    def parse_article(self, response: Response) -> Iterator[Page]:
        headers = response.headers
        redirected = response.request.meta.get("redirect_urls") if response.request else None
        yield Page(
            source=self.source.name,
            url=redirected[0] if redirected else response.url,
            fetched_url=response.url,
            status=response.status,
            body=response.body,
            content_type=_header(headers, b"Content-Type"),
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            language=self.source.language,
            topic=self.source.topic,
        )

    def failed(self, failure: Failure) -> Iterator[FetchError]:
        """Every failed request becomes a ``fetch_errors`` row with a specific reason."""
        reason, status = describe_failure(failure)
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.crawler.stats.inc_value("deltawatch/fetch_errors")
        yield FetchError(source=self.source.name, url=url, reason=reason, status=status)

    def navigation_error(self, response: Response, reason: str) -> FetchError:
        """A feed, sitemap or listing that was fetched but could not be used."""
        self.crawler.stats.inc_value("deltawatch/fetch_errors")
        return FetchError(
            source=self.source.name, url=response.url, reason=reason, status=response.status
        )


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None
