"""What every deltawatch spider shares: its source, article requests, failures as items.

Spiders only navigate (feed -> article URLs, sitemap -> URLs, listing -> links);
turning a page into an article happens later, in ``pipelines/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from scrapers.failures import ROBOTS_DISALLOWED, describe_failure
from scrapers.items import FetchError, Page
from seeds.config import Source
from storage.store import iso

__all__ = ["SourceSpider", "signal_time"]


class SourceSpider(scrapy.Spider):
    """Base class: one spider instance crawls one configured source."""

    kind = ""

    def __init__(
        self,
        source: Source,
        *args: Any,
        known: Mapping[str, Mapping[str, Any]] | None = None,
        due: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """``known``: stored articles by URL (ETag, Last-Modified, whether due for a
        recheck); ``due``: URLs to recheck this run even when no feed lists them."""
        super().__init__(source.name, *args, **kwargs)
        self.source = source
        self.allowed_domains = list(source.domains)
        self.known = known or {}
        self.due = list(due)
        self.seen: set[str] = set()

    @property
    def refetch(self) -> bool:
        """``crawl --all``: every listed article, not only new and due ones."""
        return self.settings.getbool("DELTAWATCH_REFETCH")

    @property
    def max_articles(self) -> int:
        return self.settings.getint("DELTAWATCH_MAX_ARTICLES", 2000)

    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests_for(self.source.urls):
            yield request
        for request in self.article_requests(self.due, recheck=True):
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

    def article_requests(
        self,
        urls: Iterable[str],
        *,
        recheck: bool = False,
        signals: Mapping[str, tuple[str, str]] | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> Iterator[scrapy.Request]:
        """Requests for article pages: new ones, and known ones when due or said to have changed.

        Each URL once, within scope and the per-run cap. A known article is asked
        for conditionally (ETag / Last-Modified), so an unchanged page costs a 304.
        ``signals``: by URL, what the source says of the article's last change (``("sitemap
        lastmod", UTC ISO time)``); a change after the article was last fetched refetches it
        before its recheck is due, and the version it gives records why. ``digests``: by URL,
        the digest of a feed's entry (:class:`~scrapers.spiders.feed.FeedEntry`); one unlike
        the digest stored when the article was last fetched is a change too.
        """
        signals, digests = signals or {}, digests or {}
        for url in urls:
            if url in self.seen or not self.in_scope(url):
                continue
            known = self.known.get(url)
            signal = None
            digest = digests.get(url)
            if known is not None and not (recheck or self.refetch or known.get("due")):
                signal = _newer(signals.get(url), known.get("last_seen_at"))
                stored = known.get("feed_entry_hash")
                if signal is None and digest and stored and digest != stored:
                    signal = "feed entry changed"
                if signal is None:
                    self.crawler.stats.inc_value("deltawatch/not_due")
                    continue
                self.crawler.stats.inc_value("deltawatch/refetch_signal")
            if len(self.seen) >= self.max_articles:
                self.crawler.stats.inc_value("deltawatch/capped")
                return
            self.seen.add(url)
            headers = {}
            if known is not None and known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known is not None and known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
            yield scrapy.Request(
                url,
                headers=headers,
                callback=self.parse_article,
                errback=self.failed,
                meta={
                    "handle_httpstatus_list": [304],
                    "refetch_signal": signal,
                    "feed_entry_hash": digest,
                },
            )

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
            refetch_signal=response.meta.get("refetch_signal"),
            feed_entry_hash=response.meta.get("feed_entry_hash"),
        )

    def failed(self, failure: Failure) -> Iterator[FetchError]:
        """Every failed request becomes a ``fetch_errors`` row with a specific reason."""
        request = getattr(failure, "request", None)
        maxsize = request.meta.get("download_maxsize") if request is not None else None
        reason, status = describe_failure(
            failure, maxsize=maxsize or self.settings.getint("DOWNLOAD_MAXSIZE")
        )
        # A redirected request fails under the URL the source listed (the one a recheck
        # or a retirement looks up); the chain goes into ``detail``.
        chain = [*request.meta.get("redirect_urls", []), request.url] if request is not None else []
        url = chain[0] if chain else "?"
        detail = " -> ".join(chain) if len(chain) > 1 else None
        if reason == ROBOTS_DISALLOWED:
            # Recorded in fetch_errors with its reason (DESIGN.md), but politeness is not a
            # failure: it does not make the run exit 1 or mark the source unhealthy.
            self.crawler.stats.inc_value("deltawatch/robots_blocked")
        else:
            self.crawler.stats.inc_value("deltawatch/fetch_errors")
        yield FetchError(
            source=self.source.name, url=url, reason=reason, status=status, detail=detail
        )

    def navigation_error(self, response: Response, reason: str) -> FetchError:
        """A feed, sitemap or listing that was fetched but could not be used."""
        self.crawler.stats.inc_value("deltawatch/fetch_errors")
        return FetchError(
            source=self.source.name, url=response.url, reason=reason, status=response.status
        )


def signal_time(text: str | None) -> str | None:
    """A sitemap's or feed's date (W3C datetime, date only, or ``Z``) as UTC ISO, else None.

    The same form the store keeps its times in, so the two compare as text.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment)


def _newer(signal: tuple[str, str] | None, last_fetched: str | None) -> str | None:
    """``"sitemap lastmod 2026-…"`` when the source's change is later than our last fetch."""
    if signal is None or not last_fetched:
        return None
    label, moment = signal
    return f"{label} {moment}" if moment > last_fetched else None


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None
