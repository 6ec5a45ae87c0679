"""Fetch one URL outside a crawl (``deltawatch extract URL``), politely and bounded.

A single page does not need Scrapy's engine; the standard library's client is
enough, with the same User-Agent, timeout and size limit as a crawl.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from pipelines.model import Page
from scrapers.settings import BASE, USER_AGENT

__all__ = ["fetch_page"]


def fetch_page(url: str, *, timeout: float = 30.0) -> Page:
    """GET one http(s) URL; raises ValueError or OSError with a readable message."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"only http and https URLs are fetched: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    limit = int(BASE["DOWNLOAD_MAXSIZE"])
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read(limit + 1)
        if len(body) > limit:
            raise ValueError(f"body larger than {limit} bytes: {url}")
        return Page(
            source="manual",
            url=url,
            fetched_url=response.geturl(),
            status=response.status,
            body=body,
            content_type=response.headers.get("Content-Type"),
        )
