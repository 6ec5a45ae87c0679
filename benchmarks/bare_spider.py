"""The baseline: a bare Scrapy spider that runs trafilatura on each page and keeps nothing.

Same politeness settings as deltawatch's crawl, so the ratio measures our pipeline
(cleaning, relevance, versioning, figures, diff, SQLite), not crawler tuning. With
``--fetch-only`` it only fetches: the floor of any run that refetches every page.
Usage: python benchmarks/bare_spider.py SITEMAP_URL [--fetch-only]
"""

from __future__ import annotations

import sys

import scrapy
import trafilatura
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.utils.sitemap import Sitemap


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, sitemap: str, fetch_only: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sitemap = sitemap
        self.fetch_only = fetch_only

    async def start(self):
        yield scrapy.Request(self.sitemap, callback=self.parse_sitemap)

    def parse_sitemap(self, response):
        for entry in Sitemap(response.body):
            yield scrapy.Request(entry["loc"], callback=self.parse_page)

    def parse_page(self, response):
        if self.fetch_only:
            yield {"url": response.url, "bytes": len(response.body)}
            return
        text = trafilatura.extract(response.text, url=response.url, with_metadata=True)
        yield {"url": response.url, "chars": len(text or "")}


if __name__ == "__main__":
    sys.path.insert(0, ".")
    from scrapers.settings import crawl_settings
    from seeds.config import Source

    # The very settings deltawatch uses for a source with delay 0 and concurrency 8,
    # minus its own pipeline and middleware.
    source = Source(name="bench", kind="sitemap", urls=(sys.argv[1],), delay=0, concurrency=8)
    settings = crawl_settings(source, db_path="unused", run_id=None)
    settings = {
        k: v
        for k, v in settings.items()
        if not k.startswith(("DELTAWATCH", "ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES"))
    }
    process = AsyncCrawlerProcess(settings)
    process.crawl(BareSpider, sitemap=sys.argv[1], fetch_only="--fetch-only" in sys.argv)
    process.start()
