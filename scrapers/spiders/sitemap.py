"""``sitemap`` sources: sitemap indexes, urlsets, news sitemaps, robots.txt ``Sitemap:`` lines.

Parsing uses Scrapy's own ``Sitemap`` (lxml, entities never resolved), and a sitemap
that declares entities is refused before it (``scrapers.safexml``). Gzipped
sitemaps are inflated with a size cap, so a compression bomb stops early.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from scrapers.safexml import declares_entities
from scrapers.spiders.base import SourceSpider, signal_time
from scrapers.spiders.feed import REFUSED_ENTITIES

__all__ = ["SitemapSpider", "sitemap_entries"]

MAX_DEPTH = 3  # index -> index -> urlset is already unusual


def sitemap_entries(body: bytes) -> tuple[str | None, list[dict[str, Any]]]:
    """``(type, entries)`` of a sitemap document; type None when it is not one,
    ``"entities"`` when it declares XML entities (refused unparsed)."""
    if declares_entities(body):
        return "entities", []
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml raises several types on garbage; all mean "not a sitemap"
        return None, []
    return sitemap.type, list(sitemap)


class SitemapSpider(SourceSpider):
    kind = "sitemap"

    def start_requests_for(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            callback = self.parse_robots if url.endswith("/robots.txt") else self.parse_sitemap
            yield scrapy.Request(url, callback=callback, errback=self.failed)

    def parse_robots(self, response: Response) -> Iterator[Any]:
        urls = list(sitemap_urls_from_robots(response.text, base_url=response.url))
        if not urls:
            yield self.navigation_error(response, "robots.txt names no Sitemap")
        for url in urls:
            if self.in_scope(url):
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            # gunzip's size-limit error has no public name; Scrapy's own SitemapSpider catches
            # this one too (checked against Scrapy 2.19, the lock's version; pinned below 3).
            except _DecompressionMaxSizeExceeded:
                limit = self.settings.getint("DOWNLOAD_MAXSIZE") / 1_048_576
                yield self.navigation_error(
                    response, f"too large: gzipped sitemap inflates past {limit:.1f} MB"
                )
                return
            except Exception as exc:  # OSError, EOFError, zlib.error on bad gzip
                yield self.navigation_error(response, f"bad gzipped sitemap: {exc}")
                return
        kind, entries = sitemap_entries(body)
        if kind == "entities":
            yield self.navigation_error(response, REFUSED_ENTITIES)
            return
        if kind not in ("urlset", "sitemapindex"):
            yield self.navigation_error(response, "malformed sitemap (not a urlset or index)")
            return
        if not entries:
            yield self.navigation_error(response, f"empty sitemap {kind}")
            return
        # Newest first, so the per-run cap keeps what is fresh.
        entries.sort(key=lambda e: e.get("lastmod") or "", reverse=True)
        locs = [e["loc"] for e in entries if e.get("loc")]
        if kind == "sitemapindex":
            depth = response.meta.get("sitemap_depth", 0) + 1
            if depth > MAX_DEPTH:
                yield self.navigation_error(response, "sitemap indexes nested too deep")
                return
            for loc in locs:
                if self.in_scope(loc):
                    yield scrapy.Request(
                        loc,
                        callback=self.parse_sitemap,
                        errback=self.failed,
                        meta={"sitemap_depth": depth},
                    )
        else:
            lastmod = {e["loc"]: signal_time(e.get("lastmod")) for e in entries if e.get("loc")}
            yield from self.article_requests(
                locs,
                signals={loc: ("sitemap lastmod", m) for loc, m in lastmod.items() if m},
            )
