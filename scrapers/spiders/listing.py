"""``listing`` sources: a section page whose links matching ``follow`` are articles.

Followed one level deep only: a listing's articles, never the articles' links.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from scrapers.spiders.base import SourceSpider

__all__ = ["ListingSpider"]


class ListingSpider(SourceSpider):
    kind = "listing"

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self.navigation_error(response, "listing is not an HTML page")
            return
        # Hosts are checked by ``article_requests`` (LinkExtractor's allow_domains compares
        # host:port and so never matches a source on a non-default port).
        links = LinkExtractor(allow=self.source.follow, unique=True).extract_links(response)
        if not links:
            yield self.navigation_error(response, "listing has no links matching 'follow'")
            return
        yield from self.article_requests(link.url for link in links)
