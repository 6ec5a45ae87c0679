"""One spider class per source kind."""

from scrapers.spiders.base import SourceSpider
from scrapers.spiders.feed import FeedSpider
from scrapers.spiders.listing import ListingSpider
from scrapers.spiders.page import PageSpider
from scrapers.spiders.sitemap import SitemapSpider

__all__ = ["SPIDERS", "FeedSpider", "ListingSpider", "PageSpider", "SitemapSpider", "SourceSpider"]

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "page": PageSpider,
}
