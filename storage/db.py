"""Opening the store and evolving its schema.

The store is one SQLite file in WAL mode, so readers (``deltawatch claims``,
Datasette) never block the single writer and a killed writer leaves the last
committed transaction intact. ``synchronous=NORMAL`` is the documented safe
pairing with WAL: a power loss may drop the last few commits, but never
corrupts the file; a killed *process* loses nothing that was committed.
Every schema change is a named migration, applied in order and recorded in
``_sqlite_migrations`` by sqlite-utils.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

__all__ = [
    "SCHEMA_VERSION",
    "BackupReport",
    "backup",
    "limit_sqlite_memory",
    "migrations",
    "open_db",
    "open_readonly",
]

#: How long a writer waits for another writer's transaction before failing.
BUSY_TIMEOUT_MS = 30_000

migrations = Migrations("deltawatch")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """The tables of DESIGN.md: sources, runs, articles, versions, claims, events, errors."""
    db["sources"].create(
        {
            "name": str,
            "kind": str,
            "urls": str,  # JSON array
            "language": str,
            "topic": int,
            "interval": str,
            "enabled": int,
            "last_run_id": int,
            "last_run_at": str,
            "last_success_at": str,
            "last_error": str,
            "consecutive_failures": int,
            "next_run_at": str,
        },
        pk="name",
    )
    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | partial | failed | interrupted
            "trigger": str,  # manual | schedule | demo | reprocess
            "sources": str,  # JSON array of source names
            "pages": int,
            "new_articles": int,
            "new_versions": int,
            "unchanged": int,
            "skipped": int,
            "errors": int,
            "claims": int,
            "events": int,
            "stats": str,  # JSON: Scrapy's stats and durations
        },
        pk="id",
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,  # canonical URL: one row per article
            "source": str,
            "title": str,
            "lang": str,
            "published": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "last_changed_at": str,
            "status": str,  # active | skipped | retired
            "skip_reason": str,
            "relevance": float,
            "version_count": int,
            "current_version_id": int,
            "duplicate_of": int,  # the article this one is a syndicated copy of
            "next_check_at": str,
            "etag": str,
            "last_modified": str,
        },
        pk="id",
        foreign_keys=[("source", "sources", "name")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["source"])
    db["articles"].create_index(["next_check_at"])
    db["article_versions"].create(
        {
            "id": int,
            "article_id": int,
            "n": int,  # 1, 2, ... in order of first appearance
            "content_hash": str,  # sha256 of the normalized text
            "fetched_at": str,
            "run_id": int,
            "url": str,  # the URL actually fetched
            "http_status": int,
            "title": str,
            "author": str,
            "published": str,
            "lang": str,
            "text": str,
            "chars": int,
            "raw": bytes,  # page body, zlib-compressed, so reprocess needs no network
            "content_type": str,
            "extractor_version": str,
            "suspect": str,  # why this extraction is not trusted for diffing
            "fingerprint": str,  # MinHash signature (hex) for near-duplicate detection
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("run_id", "runs", "id")],
    )
    db["article_versions"].create_index(["article_id", "content_hash"], unique=True)
    db["article_versions"].create_index(["article_id", "n"], unique=True)
    db["article_versions"].create_index(["fetched_at"])
    db["claims"].create(
        {
            "id": int,
            "version_id": int,
            "article_id": int,
            "source": str,
            "key": str,
            "subject": str,
            "metric": str,
            "unit": str,
            "value": float,
            "approx": str,
            "period": str,
            "sentence": str,
            "start": int,
            "end": int,
            "lang": str,
            "reported_at": str,
        },
        pk="id",
        foreign_keys=[("version_id", "article_versions", "id"), ("article_id", "articles", "id")],
    )
    db["claims"].create_index(["key"])
    db["claims"].create_index(["version_id"])
    db["claims"].create_index(["subject", "metric"])
    db["claim_events"].create(
        {
            "id": int,
            "kind": str,
            "key": str,
            "subject": str,
            "metric": str,
            "unit": str,
            "period": str,
            "old_value": float,
            "new_value": float,
            "at": str,
            "run_id": int,
            "source": str,
            "article_id": int,
            "article_url": str,
            "version_id": int,
            "claim_id": int,
            "prior_source": str,
            "prior_article_url": str,
            "prior_version_id": int,
            "prior_claim_id": int,
            "match": str,  # how the prior claim was matched: key, fuzzy:..., version
            "sentence": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("version_id", "article_versions", "id")],
    )
    db["claim_events"].create_index(["at"])
    db["claim_events"].create_index(["kind"])
    db["claim_events"].create_index(["key"])
    db["fetch_errors"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "url": str,
            "at": str,
            "reason": str,  # a short, specific reason: "HTTP 503", "timeout", "robots.txt"
            "status": int,
            "detail": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["fetch_errors"].create_index(["run_id"])
    db["fetch_errors"].create_index(["source"])
    # Locality-sensitive-hashing bands of each article's MinHash, for near-duplicates.
    db["article_bands"].create(
        {"band": str, "article_id": int},
        pk=("band", "article_id"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    # Full-text search over the current text of each article version.
    db["article_versions"].enable_fts(["title", "text"], create_triggers=True, tokenize="trigram")


@migrations()
def m002_incremental(db: sqlite_utils.Database) -> None:
    """Rechecks and incremental fetching: a ladder stage, the raw body's hash, run locks."""
    db["articles"].add_column("check_stage", int)  # index into the recheck ladder
    db["articles"].add_column("body_hash", str)  # sha256 of the last raw body seen
    db["articles"].add_column("fetched_url", str)  # the URL feeds and sitemaps list
    db["articles"].create_index(["fetched_url"])
    db["locks"].create(
        {"name": str, "pid": int, "host": str, "acquired_at": str, "run_id": int}, pk="name"
    )


@migrations()
def m003_run_owner(db: sqlite_utils.Database) -> None:
    """Which process runs a run, so a run whose process was killed can be told from a live one.

    A SIGKILLed crawl cannot record its end; the next run on the same host finds its
    row still ``running`` with a pid that no longer exists and marks it ``interrupted``.
    """
    db["runs"].add_column("pid", int)
    db["runs"].add_column("host", str)


#: Fill the diff's look-up tables from ``claims``: by the migrations that add them, and by
#: :meth:`storage.store.Store.rebuild_claim_keys` after bulk loads that bypass ``add_claims``.
FILL_CLAIM_KEYS = (
    "INSERT OR IGNORE INTO claim_keys (key, subject, unit, metric)"
    " SELECT key, subject, unit, metric FROM claims"
)
#: The columns of ``key_sources`` after m010: where a source stands on a key, and the figure.
KEY_SOURCE_COLUMNS = (
    "key",
    "source",
    "claim_id",
    "value",
    "approx",
    "unit",
    "subject",
    "metric",
    "article_id",
    "version_id",
    "reported_at",
    "comparable",
)
FILL_KEY_SOURCES = (
    f"INSERT OR REPLACE INTO key_sources ({', '.join(KEY_SOURCE_COLUMNS)})"
    " SELECT c.key, c.source, c.id, c.value, c.approx, c.unit, c.subject, c.metric,"
    " c.article_id, c.version_id, c.reported_at, c.comparable FROM claims c"
    " JOIN (SELECT MAX(c.id) AS id FROM claims c"
    " JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id"
    " GROUP BY c.key, c.source) latest ON latest.id = c.id"
)


@migrations()
def m004_claim_keys(db: sqlite_utils.Database) -> None:
    """One row per distinct figure key, for the diff's fuzzy match.

    The fuzzy match compares a new figure's metric with the metrics already known for the
    same subject and unit. Reading those from ``claims`` costs a scan of every claim about
    the subject (hundreds of thousands for Shanghai in a mature store); this table grows
    with the number of distinct keys instead, so the look-up stays small and indexed.
    """
    db["claim_keys"].create(
        {"key": str, "subject": str, "unit": str, "metric": str}, pk="key", if_not_exists=True
    )
    db["claim_keys"].create_index(["subject", "unit"], if_not_exists=True)
    db.execute(FILL_CLAIM_KEYS)


@migrations()
def m005_key_sources(db: sqlite_utils.Database) -> None:
    """Where each source stands on each figure: its latest claim per key, kept as claims arrive.

    The diff compares a new figure with every other source's current report of the same
    key. Reading that from ``claims`` scans every report of the key, thousands for a figure
    the papers repeat daily; this table has one row per key and source, so the look-up
    costs the same in a young store and in one with millions of claims.
    """
    db["key_sources"].create(
        {"key": str, "source": str, "claim_id": int}, pk=("key", "source"), if_not_exists=True
    )
    db.execute(  # the fill of this table's first shape (m010 gives it the figure itself)
        "INSERT OR REPLACE INTO key_sources (key, source, claim_id)"
        " SELECT c.key, c.source, MAX(c.id) FROM claims c"
        " JOIN articles a ON a.id = c.article_id AND a.current_version_id = c.version_id"
        " GROUP BY c.key, c.source"
    )


@migrations()
def m006_comparable(db: sqlite_utils.Database) -> None:
    """Comparable figures, and both sentences of a revision's event.

    ``claims.comparable`` says whether a figure's key may tie it to other articles (a named
    subject and a metric that says what is measured), ``claims.reason`` why not. Figures
    stored before this were never judged: they keep taking part (1), and ``reprocess``
    judges them. ``claim_events.prior_sentence`` is the sentence the old value stood in, so
    a ``changed`` event of a revision shows both.
    """
    db["claims"].add_column("comparable", int, not_null_default=1)
    db["claims"].add_column("reason", str)
    db["claim_events"].add_column("prior_sentence", str)


@migrations()
def m007_refetch_signal(db: sqlite_utils.Database) -> None:
    """Why a version was fetched when its recheck was not due: the source said it changed.

    A sitemap's ``<lastmod>`` or a feed entry's ``<updated>`` later than the article's last
    fetch makes the crawl refetch it at once; the version it gives records that signal.
    """
    db["article_versions"].add_column("refetch_signal", str)


@migrations()
def m008_deliveries(db: sqlite_utils.Database) -> None:
    """Notifications (issue 14): one row per event and ``[[notify]]`` target, never lost.

    ``deliveries`` is keyed on (event, target), so queueing twice adds nothing and a
    delivered event is never sent again. ``sent_to`` lists the target's URLs (by hash) that
    already accepted it, so a retry after a partial failure skips them. ``notify_runs``
    records which finished runs have had their events queued for a target: a run killed
    before it could deliver is queued by the next one. ``notify_targets`` remembers when a
    target was first seen, so a new target starts with the runs after it, not the archive.
    """
    db["deliveries"].create(
        {
            "id": int,
            "event_id": int,
            "target": str,  # the [[notify]] name
            "status": str,  # pending | delivered | failed
            "attempts": int,
            "last_error": str,  # redacted: never a URL's secret
            "queued_at": str,
            "sent_at": str,
            "next_attempt_at": str,  # null once delivered or given up
            "sent_to": str,  # JSON array of URL hashes that accepted it
        },
        pk="id",
        not_null={"event_id", "target", "status", "attempts"},
        foreign_keys=[("event_id", "claim_events", "id")],
    )
    db["deliveries"].create_index(["event_id", "target"], unique=True)
    db["deliveries"].create_index(["target", "status", "next_attempt_at"])
    db["notify_runs"].create(
        {"target": str, "run_id": int, "queued_at": str, "events": int},
        pk=("target", "run_id"),
    )
    db["notify_targets"].create(
        {"name": str, "since_run_id": int, "first_seen_at": str, "urls": str}, pk="name"
    )


@migrations()
def m009_feed_entry_hash(db: sqlite_utils.Database) -> None:
    """The digest of the feed entry that last listed an article (title, summary, content).

    Most RSS feeds date only publication, but rewrite an entry with its article: an entry
    unlike the stored digest refetches the article at once, like a later ``<updated>``.
    Articles stored before this have none, and get one at their next fetch from a feed.
    """
    db["articles"].add_column("feed_entry_hash", str)


@migrations()
def m010_key_sources_hold_the_figure(db: sqlite_utils.Database) -> None:
    """``key_sources`` holds each source's current figure per key itself, stored by key.

    The diff reads every source's figure for each key of a new article, hundreds of rows per
    article in a mature store. As pointers, each row cost a look-up in ``claims``: a page of a
    table of millions, seldom in the cache. Now the rows of one key are neighbours in one
    table (``WITHOUT ROWID``, ordered by key and source): 1.7 -> 1.0 s per 1,000 articles in
    ``benchmarks/diff_scale.py``'s million-claim store. Claims are never edited in place; a
    version's claims deleted by ``reprocess`` take their rows here with them.
    """
    db.execute("DROP TABLE IF EXISTS key_sources")
    db.execute(
        "CREATE TABLE key_sources (key TEXT, source TEXT, claim_id INTEGER, value FLOAT,"
        " approx TEXT, unit TEXT, subject TEXT, metric TEXT, article_id INTEGER,"
        " version_id INTEGER, reported_at TEXT, comparable INTEGER,"
        " PRIMARY KEY (key, source)) WITHOUT ROWID"
    )
    db.execute(FILL_KEY_SOURCES)


@migrations()
def m011_search_index_by_batch(db: sqlite_utils.Database) -> None:
    """New versions enter the full-text index with their batch's commit, not by a trigger.

    ``Store`` indexes the versions of a transaction in one statement just before it commits
    (``Store._index_versions``): the trigger's row-at-a-time inserts cost the crawl process
    twice as much CPU. The update and delete triggers stay (reprocess edits texts).
    """
    db.execute("DROP TRIGGER IF EXISTS [article_versions_ai]")


@migrations()
def m012_key_sources_by_time(db: sqlite_utils.Database) -> None:
    """``key_sources`` in report order within each key, for the diff's latest differing figure.

    The diff needs, of the other sources on a key, the latest report that differs from the new
    figure: usually the latest report of all. Walking this index from its end, the store
    stops at it instead of reading every source's row (``StoredPositions``).
    """
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_key_sources_when"
        " ON key_sources (key, reported_at, claim_id)"
    )


#: The number of migrations a store built by this code has.
SCHEMA_VERSION = len(migrations._migrations)


def _configure(db: sqlite_utils.Database) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    # SQLite's default page cache is 2 MB; a store with a million claims has indexes of a few
    # hundred MB, and the diff's look-ups and inserts land all over them. 64 MB keeps the
    # hot upper levels of every index in memory (memory is allocated only as pages are read).
    db.execute("PRAGMA cache_size = -65536")


#: SQLite's memory in a long-lived crawl process (``scrapers/pool.py``), all connections together. The store asks for a 64 MB
#: page cache per connection, and the pipeline's one connection lives as long as the process:
#: its cache would grow with the store (10,000 sources: +30 MB per crawl process), not with
#: the batch. Past this soft limit SQLite reuses cache pages instead of adding more.
SQLITE_HEAP_MB = 16


def limit_sqlite_memory(mb: float = SQLITE_HEAP_MB) -> None:
    """Cap SQLite's memory for this whole process (``soft_heap_limit`` is process-wide)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(f"PRAGMA soft_heap_limit = {int(mb * 1024 * 1024)}")


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the store for writing, in WAL mode, migrated."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    _configure(db)
    if db.journal_mode != "wal":
        db.enable_wal()
    if migrate:
        migrations.apply(db)
    return db


def open_readonly(path: str | Path) -> sqlite_utils.Database:
    """Open an existing store read-only: any write fails inside SQLite itself.

    ``mode=ro`` is enforced by SQLite, not by inspecting the query text, so no
    clever SQL can write through it.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only = ON")
    db = sqlite_utils.Database(conn)  # sets its own pragmas: authorize after
    conn.set_authorizer(_readonly_authorizer)
    return db


#: Pragmas that take an argument and still only read (``PRAGMA table_info(claims)``).
_READING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
    }
)


def _readonly_authorizer(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    """What ``mode=ro`` does not cover: files other than the store.

    ``ATTACH 'x.db'`` and ``VACUUM INTO 'x.db'`` create files wherever the path says
    (even when the statement then fails), and ``PRAGMA query_only = OFF`` or other
    pragma assignments change the connection. Refused here, inside SQLite, whatever
    the SQL text looks like; reading pragmas stay allowed.
    """
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and arg1 not in _READING_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What :func:`backup` wrote."""

    path: Path
    bytes: int
    integrity: str
    counts: dict[str, int]


def backup(path: str | Path, dest: str | Path) -> BackupReport:
    """Copy the store to ``dest`` with SQLite's online backup API, while crawls may write.

    One backup step over all pages runs inside one read transaction, so the copy is a
    consistent snapshot of the last commit; in WAL mode that read blocks no writer (a
    stepwise backup would restart whenever a writer commits). The copy is written to
    ``dest.partial``, checked with ``PRAGMA integrity_check`` and only then renamed to
    ``dest`` (atomic on one filesystem), so ``dest`` is never half a store.
    """
    path, dest = Path(path), Path(dest)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    if dest.exists() and dest.resolve() == path.resolve():
        raise ValueError(f"the backup must not overwrite the store itself: {dest}")
    if dest.is_dir():
        raise ValueError(f"{dest} is a directory; give the backup's file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source.execute("PRAGMA query_only = ON")
        target = sqlite3.connect(str(partial))
        try:
            source.backup(target)  # pages=-1: the whole store in one step, one snapshot
            integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
            tables = ("articles", "article_versions", "claims", "claim_events", "fetch_errors")
            counts = {
                t: target.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables
            }
        finally:
            target.close()
    finally:
        source.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {integrity}")
    os.replace(partial, dest)
    return BackupReport(dest, dest.stat().st_size, integrity, counts)
