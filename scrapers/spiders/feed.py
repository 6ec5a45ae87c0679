"""``feed`` sources: RSS 2.0, RSS 1.0 (RDF) and Atom, parsed by feedparser.

feedparser is tolerant of the malformed feeds real sites publish and never
fetches external entities; a feed it cannot read at all is reported. A feed that
declares XML entities is refused before parsing (``scrapers.safexml``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import feedparser
import scrapy
from scrapy.http import Response

from scrapers.safexml import declares_entities
from scrapers.spiders.base import SourceSpider, signal_time

__all__ = ["REFUSED_ENTITIES", "FeedEntry", "FeedSpider", "feed_entries", "feed_links"]

REFUSED_ENTITIES = "refused: declares XML entities (entity-expansion risk)"


class FeedEntry(NamedTuple):
    """What a feed says of one article: where it is, and two signs that it was revised."""

    link: str
    #: The entry's ``<updated>``/``atom:updated`` (UTC ISO), or None when it gives only a
    #: publication date: the feed's own word that the article was revised, and when.
    updated: str | None
    #: sha256 of the entry's title, summary and content (whitespace collapsed): most RSS
    #: feeds date nothing but publication, yet rewrite an entry's text with its article.
    digest: str


def feed_links(body: bytes, base_url: str) -> tuple[list[str], str | None]:
    """Article links of a feed, newest first when dated; and an error when unreadable."""
    entries, problem = feed_entries(body, base_url)
    return [entry.link for entry in entries], problem


def feed_entries(body: bytes, base_url: str) -> tuple[list[FeedEntry], str | None]:
    """Each entry with a link, newest first; and an error when the feed is unreadable."""
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
    return [FeedEntry(e["link"], _updated(e), _digest(e)) for e in dated if e.get("link")], None


def _digest(entry: Any) -> str:
    parts = [entry.get("title") or "", entry.get("summary") or ""]
    parts += [c.get("value") or "" for c in entry.get("content") or ()]
    text = " ".join(" ".join(part.split()) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _updated(entry: Any) -> str | None:
    moment = entry.get("updated_parsed")
    if not moment or entry.get("updated") == entry.get("published"):
        return None  # only a publication date: no revision announced
    return signal_time(time.strftime("%Y-%m-%dT%H:%M:%S+00:00", moment))


class FeedSpider(SourceSpider):
    kind = "feed"

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.failed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        entries, problem = feed_entries(response.body, response.url)
        if problem and not entries:
            yield self.navigation_error(response, problem)
            return
        entries = [entry._replace(link=response.urljoin(entry.link)) for entry in entries]
        yield from self.article_requests(
            (entry.link for entry in entries),
            signals={e.link: ("feed updated", e.updated) for e in entries if e.updated},
            digests={entry.link: entry.digest for entry in entries},
        )
