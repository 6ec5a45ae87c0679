"""A store's content without ids and timestamps, to compare two stores (issue 8).

Two crawls of the same site, one by a single machine and one by a Redis cluster, must
give the same store; their row ids, times and run numbers differ by nature. This is
what must be equal: articles by URL, versions by text hash, figures by key and value,
change-log events by kind and key, failed URLs by reason.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["canonical_snapshot"]

_QUERIES = {
    "articles": "SELECT url, source, status, lang, title, version_count, skip_reason FROM articles",
    "versions": "SELECT a.url, v.content_hash, v.suspect, v.chars FROM article_versions v"
    " JOIN articles a ON a.id = v.article_id",
    "claims": "SELECT a.url, c.key, c.value, c.unit, c.approx, c.period, c.start, c.end"
    " FROM claims c JOIN articles a ON a.id = c.article_id",
    "events": "SELECT kind, key FROM claim_events",
    "errors": "SELECT source, url, reason, status FROM fetch_errors",
}


def canonical_snapshot(path: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows as sorted tuples (multisets), opened read-only."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        return {
            name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in _QUERIES.items()
        }
