"""``feed`` sources: RSS 2.0, RSS 1.0 (RDF) and Atom, parsed by feedparser.

feedparser is tolerant of the malformed feeds real sites publish and never
fetches external entities; a feed it cannot read at all is reported. A feed that
declares XML entities is refused before parsing (``scrapers.safexml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from scrapers.safexml import declares_entities
from scrapers.spiders.base import SourceSpider

__all__ = ["REFUSED_ENTITIES", "FeedSpider", "feed_links"]

REFUSED_ENTITIES = "refused: declares XML entities (entity-expansion risk)"


def feed_links(body: bytes, base_url: str) -> tuple[list[str], str | None]:
    """Article links of a feed, newest first when dated; and an error when unreadable."""
    if declares_entities(body):
        return [], REFUSED_ENTITIES
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    entries = parsed.entries
    if not entries:
        if parsed.bozo:
            return [], f"malformed feed: {parsed.bozo_exception}"
        return [], "feed has no entries"
    dated = sorted(
        entries,
        key=lambda e: tuple(e.get("published_parsed") or e.get("updated_parsed") or ()),
        reverse=True,
    )
    links = [e.get("link") for e in dated]
    return [link for link in links if link], None


class FeedSpider(SourceSpider):
    kind = "feed"

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.failed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        links, problem = feed_links(response.body, response.url)
        if problem and not links:
            yield self.navigation_error(response, problem)
            return
        yield from self.article_requests(response.urljoin(link) for link in links)
