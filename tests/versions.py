"""Versions stored straight into a store, for tests of what reads them (no crawl needed)."""

from __future__ import annotations

from typing import Any

from storage.store import Store, VersionResult


def save_version(store: Store, *, source: str, url: str, text: str, **fields: Any) -> VersionResult:
    """``Store.save_version`` for a fetched page whose text is ``text`` (call it inside a
    transaction). ``fields`` overrides the rest: title, published, content hash, raw page."""
    page: dict[str, Any] = {
        "run_id": None,
        "title": url,
        "author": None,
        "published": None,
        "lang": "en",
        "content_hash": f"{url}|{text}",
        "raw": text.encode(),
        "content_type": "text/html",
        "extractor_version": "test",
        "relevance": 1.0,
    }
    page.update(fields)
    return store.save_version(
        source=source, url=url, fetched_url=url, http_status=200, text=text, **page
    )
