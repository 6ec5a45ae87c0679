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

__all__ = ["binary_kind", "extract_file", "extract_page", "result"]

_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<head", b"<article", b"<p>")

#: File signatures of what people hand ``extract`` by mistake: (magic, offset, name).
_SIGNATURES = (
    (b"%PDF-", 0, "PDF document"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF8", 0, "GIF image"),
    (b"WEBP", 8, "WebP image"),
    (b"PK\x03\x04", 0, "ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z archive"),
    (b"BZh", 0, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"\x7fELF", 0, "executable"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"ftyp", 4, "video (MP4)"),
    (b"\xd0\xcf\x11\xe0", 0, "Office document (.doc/.xls)"),
)
#: Bytes no text file has (all C0 controls but tab, newline, form feed, carriage return, ESC).
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})


def binary_kind(body: bytes) -> str | None:
    """What a binary body is (``"PNG image"``), or None for text.

    Extraction reads any bytes as text, and a PNG read as text yields dozens of "figures"
    from its pixel data. Known signatures first; then control bytes, which a text file in
    any encoding has none of (UTF-16 aside, which announces itself with a BOM).
    """
    for magic, offset, name in _SIGNATURES:
        if body[offset : offset + len(magic)] == magic:
            return name
    head = body[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    controls = sum(head.count(bytes([b])) for b in _CONTROL)
    return "binary data" if head and controls > len(head) // 100 else None


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
    kind = binary_kind(body)
    if kind is not None:
        raise ValueError(f"{kind}, not an HTML or text page: nothing extracted")
    url = path.resolve().as_uri()
    if any(marker in body[:4096].lower() for marker in _HTML_MARKERS):
        _, html = decode_body(body, None)
        return result(extract_article(html, url=url))
    _, text = decode_body(body, "text/plain")
    return result(extract_text_file(text, url=url))


def extract_page(page: Page) -> dict[str, Any]:
    return result(article_from_page(page))
