"""Reads for the CLI and Datasette: plain SQL over the store, returned as dicts.

Every function takes an open database (read-only is enough) and keyword filters;
none writes. The same queries back ``deltawatch`` commands and the canned
queries of ``deltawatch serve``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

__all__ = [
    "EXPORT_SQL",
    "FIGURES_SQL",
    "FIGURE_HISTORY_SQL",
    "LATEST_CHANGES_SQL",
    "MOST_REVISED_SQL",
    "OPEN_CONFLICTS_SQL",
    "SOURCE_HEALTH_SQL",
    "articles",
    "changes",
    "claims",
    "export_rows",
    "figure_events",
    "figure_history",
    "figures",
    "history",
    "latest_changes",
    "most_revised",
    "normalize_key",
    "open_conflicts",
    "parse_since",
    "run_errors",
    "run_of_process",
    "source_health",
    "sources",
    "sql",
]

Row = dict[str, Any]

#: ``7d``, ``12h``, ``30m``, ``2w``: an age, counted back from now.
_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> str:
    """A ``--since`` value as the store writes times: ISO 8601 in UTC (``+00:00``).

    Stored times are compared as text, so ``2026-12-02T07:00+08:00`` must become
    ``2026-12-01T23:00:00+00:00`` before it is compared. A date is its midnight UTC; a
    time without an offset is UTC (the store's zone); ``7d``, ``12h`` count back from
    now. Anything else raises ValueError with an example, never matches nothing silently.
    """
    age = _AGE.match(text)
    if age:
        moment = (now or datetime.now(UTC)) - timedelta(**{_AGE_UNITS[age[2]]: int(age[1])})
        return moment.astimezone(UTC).replace(microsecond=0).isoformat()
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO date or time: use e.g. 2026-11-01, "
            "2026-12-02T07:00+08:00 (UTC if no offset) or an age such as 7d or 12h"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def normalize_key(key: str) -> str:
    """A key as typed or copied from a table (``SMIC | process node | nm``) as it is stored
    (``smic|process node|nm``): keys are stored lower-case, so the index still serves."""
    return re.sub(r"\s*\|\s*", "|", key.strip()).lower()


def _limit(limit: int | None) -> int:
    """SQLite's LIMIT: -1 is no limit."""
    return -1 if limit is None else limit


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
    limit: int | None = 100,
) -> list[Row]:
    """Stored articles, newest first; ``search`` looks through every version's title and text.

    The full-text index is trigram (it needs no Chinese word segmenter), and a trigram
    index cannot match fewer than three characters, while most Chinese words (上海, 芯片)
    and many English ones (AI, 5G) are shorter. Those are matched by a scan instead:
    Chinese as a substring, Latin letters and digits as a whole word (``AI`` must not
    match every "Shanghai").
    """
    filters: list[tuple[str, Any]] = [("a.source = ?", source)]
    term = (search or "").strip()
    if len(term) >= 3:
        filters.append(
            (
                "a.id IN (SELECT article_id FROM article_versions WHERE rowid IN"
                " (SELECT rowid FROM article_versions_fts WHERE article_versions_fts MATCH ?))",
                _fts_phrase(term),
            )
        )
    elif term:
        db.conn.create_function("dw_mentions", 2, _mentions, deterministic=True)
        filters.append(
            (
                "a.id IN (SELECT article_id FROM article_versions"
                " WHERE dw_mentions(coalesce(title, '') || char(10) || coalesce(text, ''), ?))",
                term,
            )
        )
    where, params = _where(filters)
    return list(
        db.query(
            "SELECT a.id, a.source, a.status, a.lang, a.version_count AS versions, a.title, a.url,"
            " a.first_seen_at, a.last_changed_at, a.skip_reason, a.duplicate_of"
            f" FROM articles a{where} ORDER BY a.first_seen_at DESC, a.id DESC LIMIT ?",
            [*params, _limit(limit)],
        )
    )


def _mentions(text: str | None, term: str) -> bool:
    """Does ``text`` mention ``term``: a whole word for Latin letters and digits (any case),
    a substring for anything else (Chinese has no spaces between words)."""
    if not text:
        return False
    if term.isascii() and term.replace(" ", "").isalnum():
        return (
            re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", text, re.IGNORECASE)
            is not None
        )
    return term.casefold() in text.casefold()


def _fts_phrase(text: str) -> str:
    """Quote user text as an FTS5 phrase, so punctuation is not FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


def sources(db: sqlite_utils.Database, *, limit: int | None = None) -> list[Row]:
    """Each source's health and counts; URLs robots.txt keeps us from are counted apart
    from errors (politeness, not failure)."""
    return list(
        db.query(
            "SELECT s.name, s.kind, s.enabled, s.interval, s.last_run_at, s.last_success_at,"
            " s.last_error, s.consecutive_failures, s.next_run_at,"
            " (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'active')"
            "   AS articles,"
            " (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'skipped')"
            "   AS skipped,"
            " (SELECT count(*) FROM fetch_errors e WHERE e.source = s.name"
            "   AND e.reason NOT LIKE 'robots.txt%') AS errors,"
            " (SELECT count(*) FROM fetch_errors e WHERE e.source = s.name"
            "   AND e.reason LIKE 'robots.txt%') AS robots_blocked"
            " FROM sources s ORDER BY s.name LIMIT ?",
            [_limit(limit)],
        )
    )


def claims(
    db: sqlite_utils.Database,
    *,
    subject: str | None = None,
    metric: str | None = None,
    key: str | None = None,
    source: str | None = None,
    limit: int | None = 1000,
) -> list[Row]:
    """Figures of articles' current versions (subject, metric and key in any case)."""
    where, params = _where(
        [
            ("c.subject = ? COLLATE NOCASE", subject),
            ("c.metric = ? COLLATE NOCASE", metric),
            ("c.key = ?", normalize_key(key) if key else key),
            ("c.source = ?", source),
        ]
    )
    join = " JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id"
    return list(
        db.query(
            "SELECT c.id, c.key, c.subject, c.metric, c.value, c.unit, c.approx, c.period,"
            " c.source, a.url AS article_url, c.article_id, c.version_id, c.reported_at,"
            " c.lang, c.sentence"
            f" FROM claims c{join}{where} ORDER BY c.key, c.reported_at LIMIT ?",
            [*params, _limit(limit)],
        )
    )


def changes(
    db: sqlite_utils.Database,
    *,
    since: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    limit: int | None = 1000,
) -> list[Row]:
    """The change log, newest first. ``since`` must be normalized (:func:`parse_since`).

    ``lang`` is the language of the event's article, so people can read a Chinese
    article's values in 万 and 亿.
    """
    where, params = _where([("e.at >= ?", since), ("e.kind = ?", kind), ("e.source = ?", source)])
    return list(
        db.query(
            "SELECT e.id, e.kind, e.key, e.subject, e.metric, e.unit, e.period, e.old_value,"
            " e.new_value, e.at, e.run_id, e.source, e.article_url, e.article_id, e.version_id,"
            " e.prior_source, e.prior_article_url, e.match, e.sentence,"
            " (SELECT a.lang FROM articles a WHERE a.id = e.article_id) AS lang"
            f" FROM claim_events e{where} ORDER BY e.at DESC, e.id DESC LIMIT ?",
            [*params, _limit(limit)],
        )
    )


def history(db: sqlite_utils.Database, key: str, *, limit: int | None = None) -> list[Row]:
    """Every value reported for one figure, over time, by source (all versions).

    The key matches in any case, as ``--subject`` does (keys are stored lower-case). ``conflict`` is 1 when the diff
    logged a conflict involving this very report.
    """
    return list(
        db.query(
            "SELECT c.reported_at, c.source, c.value, c.unit, c.approx, c.period, v.n AS version,"
            " a.url AS article_url, c.article_id, c.lang,"
            " a.current_version_id = c.version_id AS current,"
            " EXISTS (SELECT 1 FROM claim_events e WHERE e.key = c.key AND e.kind = 'conflict'"
            "   AND (e.claim_id = c.id OR e.prior_claim_id = c.id)) AS conflict, c.sentence"
            " FROM claims c JOIN article_versions v ON v.id = c.version_id"
            " JOIN articles a ON a.id = c.article_id"
            " WHERE c.key = ? ORDER BY c.reported_at, c.id LIMIT ?",
            [normalize_key(key), _limit(limit)],
        )
    )


def run_of_process(db: sqlite_utils.Database, pid: int) -> Row | None:
    """The latest run a process recorded (the scheduler's log line for its child's crawl)."""
    found = list(
        db.query(
            "SELECT id, status, pages, new_articles, new_versions, unchanged, skipped, errors,"
            " claims, events, stats FROM runs WHERE pid = ? ORDER BY id DESC LIMIT 1",
            [pid],
        )
    )
    return found[0] if found else None


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


# -- browsing and sharing (deltawatch serve, export, history --plot) ---------------------
#
# The canned queries of ``deltawatch serve`` are these strings: Datasette runs them as they
# are, with ``:named`` parameters (blank means "any"), and the functions below run the same
# text, so the CLI, the exports and the browser never disagree about what a query means.

#: The change log, newest first, in the columns a person reads (every column is in the
#: ``claim_events`` table and the export); ``:kind`` and ``:since`` filter when not blank.
LATEST_CHANGES_SQL = """
SELECT e.at, e.kind, e.key, e.old_value, e.new_value, e.unit, e.source, e.prior_source,
  e.version_id, e.article_url, e.sentence
FROM claim_events e
WHERE (:kind = '' OR e.kind = :kind) AND (:since = '' OR e.at >= :since)
ORDER BY e.at DESC, e.id DESC
LIMIT 500
""".strip()

#: Figures that two sources currently report with different values. "Currently" means the
#: current version of each article, so a revision that brings a source in line closes it.
#: Only comparable figures: a generic key ("count" about a default subject) ties nothing.
OPEN_CONFLICTS_SQL = """
WITH current AS (
  SELECT DISTINCT c.key, c.subject, c.metric, c.unit, c.source, c.value, c.reported_at
  FROM claims c
  JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id
  WHERE c.comparable = 1
),
disputed AS (
  SELECT DISTINCT x.key FROM current x
  JOIN current y ON y.key = x.key AND y.source > x.source AND y.value <> x.value
)
SELECT r.key, r.subject, r.metric, r.unit,
  count(DISTINCT r.source) AS sources,
  count(DISTINCT r.value) AS values_reported,
  group_concat(r.source || ': ' || CASE WHEN r.value = CAST(r.value AS INTEGER)
    THEN CAST(CAST(r.value AS INTEGER) AS TEXT) ELSE CAST(r.value AS TEXT) END, '; ') AS reports,
  min(r.value) AS lowest, max(r.value) AS highest,
  max(r.reported_at) AS last_reported_at,
  (SELECT max(e.at) FROM claim_events e WHERE e.key = r.key AND e.kind = 'conflict')
    AS last_conflict_at
FROM (
  SELECT DISTINCT key, subject, metric, unit, source, value, max(reported_at) AS reported_at
  FROM current WHERE key IN (SELECT key FROM disputed)
  GROUP BY key, source, value ORDER BY key, value, source
) r
GROUP BY r.key
ORDER BY last_reported_at DESC, r.key
""".strip()

#: Every value reported for one figure (``:key``), over time, by source, all versions.
FIGURE_HISTORY_SQL = """
SELECT c.reported_at, c.source, c.value, c.unit, c.approx, c.period, v.n AS version,
  a.current_version_id = c.version_id AS current, c.version_id, a.url AS article_url,
  c.sentence
FROM claims c
JOIN article_versions v ON v.id = c.version_id
JOIN articles a ON a.id = c.article_id
WHERE c.key = :key
ORDER BY c.reported_at, c.id
""".strip()

#: Every figure's key with how many sources and values the current versions report, the most
#: disputed first: ``disputed`` when comparable figures from two or more sources give two or
#: more values (then some pair of sources disagrees: what ``open_conflicts`` lists), those with
#: the most values first; then the keys most sources report.
FIGURES_SQL = """
SELECT c.key, c.subject, c.metric, c.unit,
  count(DISTINCT CASE WHEN c.comparable = 1 THEN c.source END) > 1
    AND count(DISTINCT CASE WHEN c.comparable = 1 THEN c.value END) > 1 AS disputed,
  count(DISTINCT c.source) AS sources,
  count(DISTINCT c.value) AS values_reported,
  count(*) AS reports,
  max(c.reported_at) AS last_reported_at
FROM claims c
JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id
WHERE (:subject = '' OR c.subject = :subject COLLATE NOCASE)
GROUP BY c.key
ORDER BY disputed DESC, disputed * count(DISTINCT CASE WHEN c.comparable = 1 THEN c.value END) DESC,
  sources DESC, values_reported DESC, last_reported_at DESC, c.key
""".strip()

#: Each source's health: failing sources first.
SOURCE_HEALTH_SQL = """
SELECT s.name, s.kind, s.enabled, s.interval, s.consecutive_failures, s.last_error,
  s.last_run_at, s.last_success_at, s.next_run_at,
  (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'active')
    AS articles,
  (SELECT count(*) FROM articles a WHERE a.source = s.name AND a.status = 'skipped')
    AS skipped,
  (SELECT count(*) FROM fetch_errors f WHERE f.source = s.name
    AND f.reason NOT LIKE 'robots.txt%') AS fetch_errors,
  (SELECT count(*) FROM fetch_errors f WHERE f.source = s.name
    AND f.reason LIKE 'robots.txt%') AS robots_blocked,
  (SELECT count(*) FROM claim_events e WHERE e.source = s.name) AS events,
  (SELECT max(e.at) FROM claim_events e WHERE e.source = s.name) AS last_event_at
FROM sources s
ORDER BY s.consecutive_failures DESC, s.name
""".strip()

#: Articles with the most stored versions, and how many figure changes the revisions made.
MOST_REVISED_SQL = """
SELECT a.id AS article_id, a.title, a.source, a.version_count AS versions,
  (SELECT count(*) FROM claim_events e
    WHERE e.article_id = a.id AND e.kind IN ('changed', 'removed')) AS figure_changes,
  a.current_version_id, a.first_seen_at, a.last_changed_at, a.url
FROM articles a
WHERE a.version_count > 0
ORDER BY a.version_count DESC, figure_changes DESC, a.last_changed_at DESC
LIMIT 100
""".strip()

#: The events of one figure, oldest first (marks on its chart).
FIGURE_EVENTS_SQL = """
SELECT e.at, e.kind, e.source, e.prior_source, e.old_value, e.new_value
FROM claim_events e
WHERE e.key = :key
ORDER BY e.at, e.id
""".strip()

#: What ``deltawatch export`` can write; each takes ``:since`` (blank means everything).
EXPORT_SQL = {
    "changes": """
SELECT e.id, e.at, e.kind, e.key, e.subject, e.metric, e.unit, e.period,
  e.old_value, e.new_value, e.source, e.article_url, e.version_id,
  e.prior_source, e.prior_article_url, e.prior_version_id, e.match, e.run_id, e.sentence
FROM claim_events e
WHERE (:since = '' OR e.at >= :since)
ORDER BY e.at DESC, e.id DESC
""".strip(),
    "claims": """
SELECT c.id, c.reported_at, c.key, c.subject, c.metric, c.value, c.unit, c.approx,
  c.period, c.source, a.url AS article_url, c.article_id, c.version_id,
  a.current_version_id = c.version_id AS current, c.lang, c.sentence
FROM claims c
JOIN articles a ON a.id = c.article_id
WHERE (:since = '' OR c.reported_at >= :since)
ORDER BY c.reported_at DESC, c.id DESC
""".strip(),
    "articles": """
SELECT a.id, a.source, a.status, a.lang, a.title, a.url, a.published, a.first_seen_at,
  a.last_seen_at, a.last_changed_at, a.version_count AS versions, a.current_version_id,
  a.duplicate_of, a.skip_reason,
  (SELECT count(*) FROM claims c WHERE c.version_id = a.current_version_id) AS claims
FROM articles a
WHERE (:since = '' OR a.first_seen_at >= :since OR a.last_changed_at >= :since)
ORDER BY a.first_seen_at DESC, a.id DESC
""".strip(),
}


def _named(
    db: sqlite_utils.Database, query: str, params: dict[str, Any]
) -> tuple[list[str], Iterator[Row]]:
    """Column names (known even when no row matches) and a lazy stream of rows."""
    cursor = db.execute(query, params)
    names = [d[0] for d in cursor.description]
    return names, (dict(zip(names, row, strict=True)) for row in cursor)


def latest_changes(
    db: sqlite_utils.Database, *, kind: str | None = None, since: str | None = None
) -> list[Row]:
    """The change log as the ``latest_changes`` canned query shows it."""
    return list(_named(db, LATEST_CHANGES_SQL, {"kind": kind or "", "since": since or ""})[1])


def open_conflicts(db: sqlite_utils.Database) -> list[Row]:
    """Figures whose current reports disagree between sources, latest first."""
    return list(_named(db, OPEN_CONFLICTS_SQL, {})[1])


def figures(db: sqlite_utils.Database, *, subject: str | None = None) -> list[Row]:
    """Every figure's key with its number of sources and values (most disputed first)."""
    return list(_named(db, FIGURES_SQL, {"subject": subject or ""})[1])


def figure_history(db: sqlite_utils.Database, key: str) -> list[Row]:
    """A figure's reports over time with the version each came from (chart and canned query)."""
    return list(_named(db, FIGURE_HISTORY_SQL, {"key": key})[1])


def figure_events(db: sqlite_utils.Database, key: str) -> list[Row]:
    """A figure's claim events, oldest first: the conflicts and changes its chart marks."""
    return list(_named(db, FIGURE_EVENTS_SQL, {"key": key})[1])


def source_health(db: sqlite_utils.Database) -> list[Row]:
    """Each source's health, failing sources first (the ``source_health`` canned query)."""
    return list(_named(db, SOURCE_HEALTH_SQL, {})[1])


def most_revised(db: sqlite_utils.Database) -> list[Row]:
    """Articles with the most versions (the ``most_revised_articles`` canned query)."""
    return list(_named(db, MOST_REVISED_SQL, {})[1])


def export_rows(
    db: sqlite_utils.Database, what: str, *, since: str | None = None, limit: int | None = None
) -> tuple[list[str], Iterator[Row]]:
    """The columns and a stream of rows of one export, newest first.

    Streaming keeps memory flat on a large store; the columns come from the statement,
    so an export that matches nothing still writes a CSV header.
    """
    if what not in EXPORT_SQL:
        raise ValueError(f"cannot export {what!r}: choose one of {', '.join(EXPORT_SQL)}")
    query = EXPORT_SQL[what]
    params: dict[str, Any] = {"since": since or ""}
    if limit is not None:
        query += " LIMIT :limit"
        params["limit"] = limit
    return _named(db, query, params)


def article(db: sqlite_utils.Database, article_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    return rows[0] if rows else None


def versions(db: sqlite_utils.Database, article_id: int) -> list[Row]:
    """An article's versions in order, without their text."""
    return list(
        db.query(
            "SELECT id, n, fetched_at, run_id, url, title, chars, suspect, extractor_version"
            " FROM article_versions WHERE article_id = ? ORDER BY n",
            [article_id],
        )
    )


def version(db: sqlite_utils.Database, article_id: int, n: int) -> Row | None:
    """One version with its text and its figures (``claims``: a list, in text order)."""
    rows = list(
        db.query(
            "SELECT id, n, fetched_at, title, text FROM article_versions"
            " WHERE article_id = ? AND n = ?",
            [article_id, n],
        )
    )
    if not rows:
        return None
    found = rows[0]
    found["claims"] = list(
        db.query(
            'SELECT key, subject, metric, unit, value, approx, period, start, "end", sentence'
            " FROM claims WHERE version_id = ? ORDER BY start",
            [found["id"]],
        )
    )
    return found
