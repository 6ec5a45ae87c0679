"""``page`` sources: watch single URLs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import scrapy

from scrapers.spiders.base import SourceSpider

__all__ = ["PageSpider"]


class PageSpider(SourceSpider):
    kind = "page"

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        yield from self.article_requests(urls)
