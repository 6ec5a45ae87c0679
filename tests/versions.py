"""Versions stored straight into a store, for tests of what reads them (no crawl needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from storage.store import Store, VersionResult


def save_version(
    store: Store,
    *,
    source: str,
    url: str,
    text: str,
    claims: Iterable[Mapping[str, Any]] = (),
    **fields: Any,
) -> tuple[VersionResult, list[int]]:
    """A fetched page whose text is ``text``, with its figures, stored as the pipeline stores
    them (call it inside a transaction); the version and the figures' ids. ``fields``
    overrides the rest of ``Store.save_version``: title, published, content hash, raw page."""
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
    version = store.save_version(
        source=source, url=url, fetched_url=url, http_status=200, text=text, **page
    )
    ids = store.add_claims(
        version_id=version.version_id, article_id=version.article_id, source=source, claims=claims
    )
    return version, ids
