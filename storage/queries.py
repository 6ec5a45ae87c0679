"""Reads for the CLI and Datasette: plain SQL over the store, returned as dicts.

Every function takes an open database (read-only is enough) and keyword filters;
none writes. The same queries back ``deltawatch`` commands and the canned
queries of ``deltawatch serve``.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

__all__ = [
    "articles",
    "changes",
    "claims",
    "history",
    "run_errors",
    "sources",
    "sql",
]

Row = dict[str, Any]


def _where(filters: list[tuple[str, Any]]) -> tuple[str, list[Any]]:
    present = [(clause, value) for clause, value in filters if value not in (None, "", ())]
    if not present:
        return "", []
    return " WHERE " + " AND ".join(c for c, _ in present), [v for _, v in present]


def articles(
    db: sqlite_utils.Database,
    *,
    search: str | None = None,
    source: str | None = None,
    limit: int = 100,
) -> list[Row]:
    """Stored articles, newest first; ``search`` is full-text over every version's text."""
    filters: list[tuple[str, Any]] = [("a.source = ?", source)]
    if search:
        filters.append(
            (
                "a.id IN (SELECT article_id FROM article_versions WHERE rowid IN"
                " (SELECT rowid FROM article_versions_fts WHERE article_versions_fts MATCH ?))",
                _fts_phrase(search),
            )
        )
    where, params = _where(filters)
    return list(
        db.query(
            "SELECT a.id, a.source, a.status, a.lang, a.version_count AS versions, a.title, a.url,"
            " a.first_seen_at, a.last_changed_at, a.skip_reason, a.duplicate_of"
            f" FROM articles a{where} ORDER BY a.first_seen_at DESC, a.id DESC LIMIT ?",
            [*params, limit],
        )
    )


def _fts_phrase(text: str) -> str:
    """Quote user text as an FTS5 phrase, so punctuation is not FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


def sources(db: sqlite_utils.Database) -> list[Row]:
    """Each source's health and counts."""
    return list(
        db.query(
            "SELECT s.name, s.kind, s.enabled, s.interval, s.last_run_at, s.last_success_at,"
            " s.last_error, s.consecutive_failures, s.next_run_at,"
            " (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'active')"
            "   AS articles,"
            " (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'skipped')"
            "   AS skipped,"
            " (SELECT count(*) FROM fetch_errors e WHERE e.source = s.name) AS errors"
            " FROM sources s ORDER BY s.name"
        )
    )


def claims(
    db: sqlite_utils.Database,
    *,
    subject: str | None = None,
    metric: str | None = None,
    key: str | None = None,
    source: str | None = None,
    limit: int = 1000,
) -> list[Row]:
    """Figures of articles' current versions."""
    where, params = _where(
        [
            ("c.subject = ? COLLATE NOCASE", subject),
            ("c.metric = ? COLLATE NOCASE", metric),
            ("c.key = ?", key),
            ("c.source = ?", source),
        ]
    )
    join = " JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id"
    return list(
        db.query(
            "SELECT c.id, c.key, c.subject, c.metric, c.value, c.unit, c.approx, c.period,"
            " c.source, a.url AS article_url, c.version_id, c.reported_at, c.sentence"
            f" FROM claims c{join}{where} ORDER BY c.key, c.reported_at LIMIT ?",
            [*params, limit],
        )
    )


def changes(
    db: sqlite_utils.Database,
    *,
    since: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    limit: int = 1000,
) -> list[Row]:
    """The change log, newest first."""
    where, params = _where([("at >= ?", since), ("kind = ?", kind), ("source = ?", source)])
    return list(
        db.query(
            "SELECT id, kind, key, subject, metric, unit, period, old_value, new_value, at, run_id,"
            " source, article_url, version_id, prior_source, prior_article_url, match, sentence"
            f" FROM claim_events{where} ORDER BY at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
    )


def history(db: sqlite_utils.Database, key: str) -> list[Row]:
    """Every value reported for one figure, over time, by source (all versions)."""
    return list(
        db.query(
            "SELECT c.reported_at, c.source, c.value, c.unit, c.approx, c.period, v.n AS version,"
            " a.url AS article_url, a.current_version_id = c.version_id AS current, c.sentence"
            " FROM claims c JOIN article_versions v ON v.id = c.version_id"
            " JOIN articles a ON a.id = c.article_id"
            " WHERE c.key = ? ORDER BY c.reported_at, c.id",
            [key],
        )
    )


def run_errors(db: sqlite_utils.Database, run_id: int) -> list[Row]:
    return list(
        db.query(
            "SELECT source, url, reason, status FROM fetch_errors WHERE run_id = ? ORDER BY id",
            [run_id],
        )
    )


def sql(db: sqlite_utils.Database, query: str, params: list[Any] | None = None) -> list[Row]:
    """Any read-only statement; the database must be opened read-only by the caller."""
    cursor = db.execute(query, params or [])
    if cursor.description is None:
        return []
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
