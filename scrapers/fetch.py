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


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows redirects to ``ftp:`` too; a page may only send us to http(s)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urlsplit(newurl).scheme
        if scheme not in ("http", "https"):
            raise ValueError(
                f"refused: redirect to a {scheme}: URL (only http and https): {newurl}"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """http and https only: no file:, ftp: or data: handlers, redirects only to http(s)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _HttpOnlyRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


_OPENER = _opener()


def fetch_page(url: str, *, timeout: float = 30.0) -> Page:
    """GET one http(s) URL; raises ValueError or OSError with a readable message."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"only http and https URLs are fetched: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    limit = int(BASE["DOWNLOAD_MAXSIZE"])
    with _OPENER.open(request, timeout=timeout) as response:
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
