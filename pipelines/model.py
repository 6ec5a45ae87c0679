"""The two shapes data takes on its way through the pipeline.

A :class:`Page` is what a spider fetched (bytes and headers, nothing parsed);
an :class:`Article` is what extraction made of it. Both are plain frozen
dataclasses so that they pickle into Redis and compare in tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Article", "Page"]


@dataclass(frozen=True, slots=True)
class Page:
    """One fetched article page, as the spider got it."""

    source: str
    url: str  # the URL requested (after redirects: ``fetched_url``)
    fetched_url: str
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    language: str | None = None  # the source's language hint
    topic: bool = True  # keep only on-topic articles
    #: Why a known article was fetched before its recheck was due ("sitemap lastmod …").
    refetch_signal: str | None = None
    #: The digest of the feed entry that listed it (``FeedEntry.digest``), kept with the
    #: article: a later feed whose entry differs says the article changed.
    feed_entry_hash: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Article:
    """The main text and metadata extracted from a page."""

    url: str  # canonical URL: the article's identity
    title: str | None
    author: str | None
    published: str | None  # ISO date when the page says
    lang: str  # "en" or "zh", detected from the text
    text: str  # cleaned main text, one paragraph a line
    removed: dict[str, int] = field(default_factory=dict)  # what cleaning dropped, by kind
