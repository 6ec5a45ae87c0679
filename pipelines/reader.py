"""``deltawatch extract``: one input (HTML file, plain-text file, or fetched page) to JSON.

Stores nothing; runs the same extraction and figure stages as a crawl, so what
a user sees here is what a crawl would store.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipelines.extract import decode_body, extract_article, extract_text_file
from pipelines.figures import extract_claims
from pipelines.ingest import article_from_page
from pipelines.model import Article, Page

__all__ = ["extract_file", "extract_page", "result"]

_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<head", b"<article", b"<p>")


def result(article: Article) -> dict[str, Any]:
    """The ``extract --json`` object: title, url, lang, text and claims."""
    published = None
    if article.published:
        try:
            published = date.fromisoformat(article.published[:10])
        except ValueError:
            published = None
    claims = extract_claims(article.text, lang=article.lang, published=published)
    return {
        "title": article.title,
        "url": article.url,
        "lang": article.lang,
        "text": article.text,
        "claims": [c.as_dict() for c in claims],
    }


def extract_file(path: str | Path) -> dict[str, Any]:
    """An HTML or plain-text file, told apart by its content rather than its name."""
    path = Path(path)
    body = path.read_bytes()
    url = path.resolve().as_uri()
    if any(marker in body[:4096].lower() for marker in _HTML_MARKERS):
        _, html = decode_body(body, None)
        return result(extract_article(html, url=url))
    _, text = decode_body(body, "text/plain")
    return result(extract_text_file(text, url=url))


def extract_page(page: Page) -> dict[str, Any]:
    return result(article_from_page(page))
