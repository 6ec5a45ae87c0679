"""Scrapy settings for deltawatch crawls: polite by default.

``crawl_settings`` builds the settings of one source's crawler from plain
values, so the same function serves the local crawl, tests and Redis workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seeds.config import Source

__all__ = ["USER_AGENT", "crawl_settings"]

USER_AGENT = (
    "deltawatch/0.1 (+https://github.com/deltawatch/deltawatch; "
    "news-figure monitor; contact: deltawatch@users.noreply.github.com)"
)

BASE: dict[str, Any] = {
    "BOT_NAME": "deltawatch",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "CONCURRENT_REQUESTS": 16,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,  # a news page is far smaller; bigger is a fault
    "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "REDIRECT_MAX_TIMES": 5,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy 2.19 starts an HTTP server per crawler that runs Python sent to it (token-guarded)
    # and writes a job file per crawler to the user's state folder: never wanted here, and a
    # batch of 50 sources would open 50 of them.
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    # Scrapy re-reads and parses a callback's source for every response to warn about
    # ``return value`` in generators; its cache is keyed by the bound method, new each time,
    # so it never hits (11% of a re-crawl's time in cProfile). Our spiders are linted instead.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    # Items of one response processed at once. Scrapy starts this many worker tasks for
    # every response (100 by default), and an article page gives one item.
    "CONCURRENT_ITEMS": 8,
    "HTTPERROR_ALLOW_ALL": False,
    "DELTAWATCH_RETRY_BACKOFF": 1.0,  # seconds before the first retry, doubled after
    "DELTAWATCH_RETRY_AFTER_MAX": 60.0,  # a longer Retry-After waits for the next run
    # Only http and https are ever fetched, whatever a feed, sitemap or redirect says.
    "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "scrapers.middlewares.ReportingOffsiteMiddleware": 50,
        "scrapers.middlewares.CrawlDelayMiddleware": 110,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "scrapers.middlewares.RetryAfterMiddleware": 550,
        "scrapers.middlewares.RedirectGuardMiddleware": 610,  # before RedirectMiddleware (600)
    },
    "ITEM_PIPELINES": {"pipelines.scrapy_pipeline.StorePipeline": 500},
    "DELTAWATCH_MAX_ARTICLES": 2000,  # per source and run: newest first
}


def crawl_settings(
    source: Source,
    *,
    db_path: str | Path,
    run_id: int | None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Settings for one source's crawler: its own per-domain delay and concurrency."""
    settings = dict(BASE)
    settings |= {
        "DOWNLOAD_DELAY": source.delay,
        "AUTOTHROTTLE_START_DELAY": source.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrency,
        "DELTAWATCH_DB": str(db_path),
        "DELTAWATCH_RUN_ID": run_id,
    }
    settings |= overrides or {}
    return settings
