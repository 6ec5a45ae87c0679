"""Every write to the store goes through :class:`Store`.

Writes are short: one article version with its claims and events is one
transaction (``Store.transaction``), so a killed run leaves either all of a
page or none of it. Re-storing the same text is a no-op (the unique
``(article_id, content_hash)`` index), which is what makes re-crawls idempotent.
"""

from __future__ import annotations

import json
import os
import socket
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from storage.db import FILL_CLAIM_KEYS, FILL_KEY_SOURCES, KEY_SOURCE_COLUMNS, open_db

__all__ = ["Clock", "Store", "VersionResult", "pid_alive", "utcnow"]

Clock = Callable[[], datetime]
VersionStatus = Literal["new_article", "new_version", "unchanged", "seen_before"]


#: The claim fields of DESIGN.md's claim JSON that are stored as columns.
_CLAIM_FIELDS = (
    "key",
    "subject",
    "metric",
    "unit",
    "value",
    "approx",
    "period",
    "sentence",
    "start",
    "end",
    "lang",
    "comparable",
    "reason",
)


#: Prepared INSERT and UPDATE statements by (table, columns): the text is built once.
_INSERT_SQL: dict[tuple[str, tuple[str, ...]], str] = {}
_UPDATE_SQL: dict[tuple[str, tuple[str, ...]], str] = {}


#: A metric mentions a word: its text lowercased (ASCII) with "'s" removed contains it.
_MENTIONS = "instr(replace(lower(metric), char(39) || 's', ''), ?) > 0"


#: A source's new position on a key (``key_sources``: the latest of its current figures).
_PUT_KEY_SOURCE = (
    f"INSERT OR REPLACE INTO key_sources ({', '.join(KEY_SOURCE_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(KEY_SOURCE_COLUMNS))})"
)


def utcnow() -> datetime:
    """The default clock: timezone-aware UTC, second precision (readable in SQL)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO 8601 text in UTC, so they sort and compare as text."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class VersionResult:
    """What storing one fetched text did."""

    article_id: int
    version_id: int
    n: int
    status: VersionStatus
    previous_version_id: int | None


class Store:
    """The single writer's view of the store.

    Args:
        path: the SQLite file; created and migrated on first use.
        clock: where "now" comes from; tests pass a fixed clock.
    """

    def __init__(self, path: str | Path, *, clock: Clock = utcnow) -> None:
        self.path = Path(path)
        self.db: sqlite_utils.Database = open_db(self.path)
        self.clock = clock
        #: Versions stored in the open transaction, indexed for search as it commits.
        self._unindexed: set[int] = set()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        """``with Store(path) as store:``: the connection is closed however the block ends."""
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def now(self) -> str:
        return iso(self.clock())

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One short write transaction; nested calls (and calls inside :meth:`hold`) are savepoints.

        The outermost level starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads
        and then writes cannot be upgraded once another process has committed in between, and
        SQLite then fails at once with "database is locked" instead of waiting busy_timeout.
        Taking the write lock up front makes concurrent writers (daemon and a manual crawl)
        queue politely. A savepoint that fails is rolled back alone: a page that raises
        leaves nothing behind, and the pages batched with it stay.
        """
        conn = self.db.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT unit")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:  # an I/O error may have rolled back everything already
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                raise
            conn.execute("RELEASE unit")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self._index_versions()
        except BaseException:
            self._unindexed.clear()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def hold(self) -> None:
        """Open a transaction that spans several pages, until :meth:`commit`.

        A commit costs more than a page's own statements (the WAL append, and a checkpoint
        now and then), so the crawl commits a batch of pages at once. Each page stays a
        savepoint of its own inside it: a killed run leaves whole pages or none.
        """
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """End what :meth:`hold` opened (no-op when nothing is open)."""
        if self.db.conn.in_transaction:
            self._index_versions()
            self.db.conn.execute("COMMIT")

    def _index_versions(self) -> None:
        """Add the versions stored since the last commit to the full-text index, in one go.

        Inside the transaction that stored them, so a version is never without its index
        entry. One statement per batch instead of a trigger per row (m011): FTS5 indexes
        rows given together about three times faster (0.27 -> 0.12 s CPU per 1,000 pages).
        A version a rolled-back savepoint took away is simply not found.
        """
        if self._unindexed:
            ids = sorted(self._unindexed)
            self._unindexed.clear()
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                self.db.conn.execute(
                    "INSERT INTO article_versions_fts (rowid, title, text)"
                    " SELECT id, title, text FROM article_versions"
                    f" WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A query's rows as dicts, through the connection's statement cache.

        sqlite-utils' ``query`` wraps every read in a savepoint: two more statements each.
        """
        cursor = self.db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _insert(self, table: str, row: Mapping[str, Any]) -> int:
        """One row in; returns its rowid. sqlite-utils' ``insert`` reads the schema first
        (three statements per row), which costs more than the insert itself."""
        sql = _INSERT_SQL.get((table, tuple(row)))
        if sql is None:
            sql = _INSERT_SQL[(table, tuple(row))] = (
                f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in row)})"
                f" VALUES ({', '.join('?' * len(row))})"
            )
        return int(self.db.conn.execute(sql, list(row.values())).lastrowid or 0)

    def _update(self, table: str, row_id: int, row: Mapping[str, Any]) -> None:
        """One row updated by id, without sqlite-utils' schema reads (eight statements)."""
        sql = _UPDATE_SQL.get((table, tuple(row)))
        if sql is None:
            sql = _UPDATE_SQL[(table, tuple(row))] = (
                f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in row)} WHERE id = ?"
            )
        self.db.conn.execute(sql, [*row.values(), row_id])

    # -- sources and runs -------------------------------------------------

    def sync_sources(self, sources: Iterable[Mapping[str, Any]]) -> None:
        """Record the configured sources (config columns only; health is kept)."""
        with self.transaction():
            for src in sources:
                row = dict(src)
                row["urls"] = json.dumps(list(row["urls"]))
                existing = self.db.execute(
                    "SELECT 1 FROM sources WHERE name = ?", [row["name"]]
                ).fetchone()
                if existing:
                    self.db["sources"].update(row["name"], row)
                else:
                    row.setdefault("enabled", 1)
                    row.setdefault("consecutive_failures", 0)
                    self.db["sources"].insert(row)

    def start_run(self, *, trigger: str, sources: Sequence[str], pid: int | None = None) -> int:
        """Open a run; ``pid`` is the process that will finish it (None: finished elsewhere,
        as a Redis round is by its writer).

        Runs left ``running`` by a killed process on this host (pid gone) are marked
        ``interrupted`` first, so ``runs`` never shows a dead crawl as still going.
        """
        host = socket.gethostname()
        with self.transaction():
            stale = [
                r["id"]
                for r in self.db.query(
                    "SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL"
                    " AND host = ?",
                    [host],
                )
                if not pid_alive(r["pid"])
            ]
            for run_id in stale:
                self.db["runs"].update(run_id, {"status": "interrupted"})
            table = self.db["runs"].insert(
                {
                    "started_at": self.now(),
                    "status": "running",
                    "trigger": trigger,
                    "sources": json.dumps(list(sources)),
                    "pid": pid,
                    "host": host if pid is not None else None,
                }
            )
        return int(table.last_pk)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        counts: Mapping[str, int],
        stats: Mapping[str, Any] | None = None,
    ) -> None:
        row: dict[str, Any] = {"finished_at": self.now(), "status": status, **counts}
        if stats is not None:
            row["stats"] = json.dumps(stats, default=str, sort_keys=True)
        with self.transaction():
            self.db["runs"].update(run_id, row)

    def record_source_result(self, name: str, *, run_id: int, error: str | None) -> None:
        """Update a source's health after a run: last success or last error."""
        now = self.now()
        with self.transaction():
            if error is None:
                self.db.execute(
                    "UPDATE sources SET last_run_id = ?, last_run_at = ?, last_success_at = ?,"
                    " consecutive_failures = 0 WHERE name = ?",
                    [run_id, now, now, name],
                )
            else:
                self.db.execute(
                    "UPDATE sources SET last_run_id = ?, last_run_at = ?, last_error = ?,"
                    " consecutive_failures = coalesce(consecutive_failures, 0) + 1"
                    " WHERE name = ?",
                    [run_id, now, error, name],
                )

    def record_error(
        self,
        *,
        run_id: int | None,
        source: str | None,
        url: str,
        reason: str,
        status: int | None = None,
        detail: str | None = None,
    ) -> None:
        with self.transaction():
            self._insert(
                "fetch_errors",
                {
                    "run_id": run_id,
                    "source": source,
                    "url": url,
                    "at": self.now(),
                    "reason": reason,
                    "status": status,
                    "detail": detail,
                },
            )

    # -- articles and versions -------------------------------------------

    def _article_id(self, url: str) -> int | None:
        row = self.db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()
        return int(row[0]) if row else None

    def record_skipped(
        self,
        *,
        source: str,
        url: str,
        fetched_url: str,
        title: str | None,
        lang: str | None,
        reason: str,
        relevance: float,
    ) -> int:
        """Keep an off-topic article out of the claim pipeline, but remember why."""
        now = self.now()
        with self.transaction():
            article_id = self._article_id(url)
            row = {
                "source": source,
                "title": title,
                "lang": lang,
                "last_seen_at": now,
                "status": "skipped",
                "skip_reason": reason,
                "relevance": relevance,
                "fetched_url": fetched_url,
            }
            if article_id is None:
                row |= {"url": url, "first_seen_at": now, "version_count": 0}
                article_id = self._insert("articles", row)
            else:
                self._update("articles", article_id, row)
        return article_id

    def save_version(
        self,
        *,
        run_id: int | None,
        source: str,
        url: str,
        fetched_url: str,
        http_status: int,
        title: str | None,
        author: str | None,
        published: str | None,
        lang: str | None,
        text: str,
        content_hash: str,
        raw: bytes,
        content_type: str | None,
        extractor_version: str,
        relevance: float,
        suspect: str | None = None,
        fingerprint: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        refetch_signal: str | None = None,
    ) -> VersionResult:
        """Store a fetched text as a new version, unless the article already has it.

        ``seen_before`` is an A/B/A flip-flop: the text equals an older version,
        so nothing is diffed again, but the article points back at it.
        Call inside :meth:`transaction` together with the claims and events.
        """
        if not self.db.conn.in_transaction:  # its commit is what indexes it for search
            raise RuntimeError("Store.save_version runs inside Store.transaction() or hold()")
        now = self.now()
        found = self.db.conn.execute(
            "SELECT id, current_version_id FROM articles WHERE url = ?", [url]
        ).fetchone()
        article_row: dict[str, Any] = {
            "source": source,
            "title": title,
            "lang": lang,
            "published": published,
            "last_seen_at": now,
            "status": "active",
            "skip_reason": None,
            "relevance": relevance,
            "etag": etag,
            "last_modified": last_modified,
        }
        if found is None:
            article_row |= {"url": url, "first_seen_at": now, "version_count": 0}
            article_id = self._insert("articles", article_row)
            current = None
        else:
            article_id, current = int(found[0]), found[1]
        same = self.db.conn.execute(
            "SELECT id, n, suspect FROM article_versions WHERE article_id = ? AND content_hash = ?",
            [article_id, content_hash],
        ).fetchone()
        if same is not None:
            version_id, n = int(same[0]), int(same[1])
            # A suspect extraction seen again stays out of the way of the trusted one.
            flip = version_id != current and same[2] is None
            status: VersionStatus = "seen_before" if flip else "unchanged"
            if status == "seen_before":
                article_row |= {"current_version_id": version_id, "last_changed_at": now}
            self._update("articles", article_id, article_row)
            return VersionResult(article_id, version_id, n, status, current)
        n = (
            self.db.conn.execute(
                "SELECT coalesce(max(n), 0) FROM article_versions WHERE article_id = ?",
                [article_id],
            ).fetchone()[0]
            + 1
        )
        version_id = self._insert(
            "article_versions",
            {
                "article_id": article_id,
                "n": n,
                "content_hash": content_hash,
                "fetched_at": now,
                "run_id": run_id,
                "url": fetched_url,
                "http_status": http_status,
                "title": title,
                "author": author,
                "published": published,
                "lang": lang,
                "text": text,
                "chars": len(text),
                "raw": zlib.compress(raw, 6),
                "content_type": content_type,
                "extractor_version": extractor_version,
                "suspect": suspect,
                "fingerprint": fingerprint,
                "refetch_signal": refetch_signal,
            },
        )
        self._unindexed.add(version_id)
        article_row |= {
            "version_count": n,
            "last_changed_at": now,
            "current_version_id": version_id if suspect is None else current or version_id,
        }
        self._update("articles", article_id, article_row)
        status = "new_article" if n == 1 else "new_version"
        return VersionResult(article_id, version_id, n, status, current)

    def mark_duplicate(self, article_id: int, *, of: int) -> None:
        """Link a syndicated copy to the article it copies."""
        self._update("articles", article_id, {"duplicate_of": of})

    # -- claims and events -------------------------------------------------

    def add_claims(
        self,
        *,
        version_id: int,
        article_id: int,
        source: str,
        claims: Iterable[Mapping[str, Any]],
        reported_at: str | None = None,
    ) -> list[int]:
        """Store the figures of one version; returns their ids in the same order.

        ``reported_at`` defaults to now; reprocess passes the version's fetch time, so a
        figure keeps the date it was reported, not the date the extractor improved.
        """
        now = reported_at or self.now()
        fields = ("id", *_CLAIM_FIELDS, "version_id", "article_id", "source", "reported_at")
        insert = (
            f"INSERT INTO claims ({', '.join(f'[{f}]' for f in fields)})"
            f" VALUES ({', '.join('?' * len(fields))})"
        )
        rows: list[list[Any]] = []
        keys: list[tuple[str, str, str, str]] = []
        positions: list[tuple[Any, ...]] = []
        with self.transaction():  # one prepared statement for all, no table introspection
            # The ids SQLite would give, handed out here: the write lock is held, and one
            # ``executemany`` costs less than a statement per claim to learn each ``lastrowid``.
            next_id = self.db.conn.execute(
                "SELECT coalesce(max(id), 0) + 1 FROM claims"
            ).fetchone()[0]
            for claim_id, claim in enumerate(claims, start=next_id):
                comparable = int(bool(claim.get("comparable", True)))
                row = {**claim, "comparable": comparable, "reason": claim.get("reason")}
                rows.append(
                    [
                        claim_id,
                        *(row[k] for k in _CLAIM_FIELDS),
                        version_id,
                        article_id,
                        source,
                        now,
                    ]
                )
                if comparable:  # only comparable figures are looked up across articles
                    keys.append((row["key"], row["subject"], row["unit"], row["metric"]))
                    position = row | {
                        "source": source,
                        "claim_id": claim_id,
                        "article_id": article_id,
                        "version_id": version_id,
                        "reported_at": now,
                    }
                    positions.append(tuple(position[c] for c in KEY_SOURCE_COLUMNS))
            self.db.conn.executemany(insert, rows)
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO claim_keys (key, subject, unit, metric) VALUES (?, ?, ?, ?)",
                keys,
            )
            self.db.conn.executemany(_PUT_KEY_SOURCE, positions)
        return [row[0] for row in rows]

    def add_events(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Store a version's events in one prepared statement per shape of row.

        The diff's events all have one shape; sqlite-utils' ``insert_all`` would read the
        table's columns again for every page, which costs more than the rows themselves.
        """
        at = self.now()  # one version's events are logged at one moment
        rows = [{"at": at, **event} for event in events]
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_shape.setdefault(tuple(row), []).append(row)
        with self.transaction():
            for columns, same in by_shape.items():
                sql = (
                    f"INSERT INTO claim_events ({', '.join(f'[{c}]' for c in columns)})"
                    f" VALUES ({', '.join('?' * len(columns))})"
                )
                self.db.conn.executemany(sql, [list(r.values()) for r in same])
        return len(rows)

    def versions_to_reprocess(self, *, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored versions with their raw page, oldest first, one at a time (flat memory)."""
        where, params = ("WHERE fetched_at >= ?", [since]) if since else ("", [])
        ids = [
            r[0]
            for r in self.db.execute(
                f"SELECT id FROM article_versions {where} ORDER BY id", params
            ).fetchall()
        ]
        for version_id in ids:
            yield from self.db.query(
                "SELECT v.id, v.article_id, v.n, v.url AS fetched_url, v.http_status, v.raw,"
                " v.content_type, v.fetched_at, v.content_hash, v.suspect, a.url, a.source"
                " FROM article_versions v JOIN articles a ON a.id = v.article_id WHERE v.id = ?",
                [version_id],
            )

    def hash_taken(self, article_id: int, content_hash: str, *, other_than: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM article_versions WHERE article_id = ? AND content_hash = ? AND id != ?",
            [article_id, content_hash, other_than],
        ).fetchone()
        return row is not None

    def count_claims_of_version(self, version_id: int) -> int:
        return self.db.execute(
            "SELECT count(*) FROM claims WHERE version_id = ?", [version_id]
        ).fetchone()[0]

    def delete_claims_of_version(self, version_id: int) -> None:
        """Used by reprocess: a version's figures are recomputed from its raw page.

        Where ``key_sources`` holds one of them as its source's position, that goes too.
        """
        with self.transaction():
            self.db.execute(
                "DELETE FROM key_sources WHERE (key, source, claim_id) IN"
                " (SELECT key, source, id FROM claims WHERE version_id = ?)",
                [version_id],
            )
            self.db.execute("DELETE FROM claims WHERE version_id = ?", [version_id])

    def update_version_text(self, version_id: int, **fields: Any) -> None:
        self._index_versions()  # the update trigger swaps index entries: they must be there
        self.db["article_versions"].update(version_id, fields)

    # -- what the diff needs to know (indexed look-ups only) ----------------

    # The diff's three look-ups, written once (``explain_diff_lookups`` shows their plans).
    _PRIOR_COLUMNS = (
        "SELECT c.id AS claim_id, c.key, c.value, c.approx, c.unit, c.subject, c.metric,"
        " c.source, c.article_id, a.url AS article_url, c.version_id, c.reported_at,"
        " a.duplicate_of, c.comparable"
    )
    #: Each source's latest current claim for some keys, as ``Prior`` fields; parameters: the
    #: new article's root, the keys (``{marks}``: one ``?`` each), the new article.
    _CURRENT_BY_KEY = (
        "SELECT ks.claim_id, ks.key, ks.value, ks.approx, ks.unit, ks.subject, ks.metric,"
        " ks.source, ks.article_id, a.url AS article_url, ks.version_id, ks.reported_at,"
        " coalesce(a.duplicate_of, ks.article_id) != ?, ks.comparable FROM key_sources ks"
        " JOIN articles a ON a.id = ks.article_id AND a.current_version_id = ks.version_id"
        " WHERE ks.key IN ({marks}) AND ks.article_id != ?"
    )
    #: A version's own claims also carry where they stand, for the revision's alignment.
    _VERSION_CLAIMS = (
        f"{_PRIOR_COLUMNS}, c.sentence, c.start, c.[end], c.period"
        " FROM claims c JOIN articles a ON a.id = c.article_id"
        " WHERE c.version_id = ? ORDER BY c.id"
    )
    _KEYS_ABOUT = "SELECT key, metric FROM claim_keys WHERE subject = ? AND unit = ?"
    #: Current comparable figures of other articles on one key (the look-ups below build on
    #: it); parameters: the new article's root, the key, the new article.
    _POSITIONS_OF_KEY = _CURRENT_BY_KEY.replace(" IN ({marks})", " = ?") + " AND ks.comparable"
    #: Is a figure's value within the ranges (exact figures, hedged ones) that can agree?
    _IN_RANGE = (
        "CASE ks.approx WHEN 'exact' THEN ks.value BETWEEN ? AND ?"
        " ELSE ks.value BETWEEN ? AND ? END"
    )
    #: Parameters: root, key, new article, its source, the two ranges.
    _POSITIONS_BETWEEN = f"{_POSITIONS_OF_KEY} AND ks.source != ? AND {_IN_RANGE}"
    #: Parameters: root, key, new article, its source, root, the two ranges.
    _LATEST_OUTSIDE = (
        f"{_POSITIONS_OF_KEY} AND ks.source != ? AND coalesce(a.duplicate_of, ks.article_id)"
        f" != ? AND NOT coalesce({_IN_RANGE}, 0)"
        " ORDER BY ks.reported_at DESC, ks.claim_id DESC LIMIT 1"
    )
    #: Parameters: root, the keys (``{marks}``), new article, its source.
    _SOURCE_POSITIONS = f"{_CURRENT_BY_KEY} AND ks.comparable AND ks.source = ?"
    #: Figures of other articles on ``k.key``: ``{where}`` narrows them.
    _KEY_HAS = (
        "EXISTS (SELECT 1 FROM key_sources ks JOIN articles a ON a.id = ks.article_id"
        " AND a.current_version_id = ks.version_id WHERE ks.key = k.key AND ks.article_id != ?"
        "{where})"
    )
    #: Parameters: the new article, its source, the keys (``{marks}``), the new article.
    _KNOWN_KEYS = (
        f"SELECT k.key, {_KEY_HAS.format(where=' AND ks.source != ? AND ks.comparable')}"
        " FROM claim_keys k WHERE k.key IN ({marks})"
        f" AND {_KEY_HAS.format(where='')}"
    )

    def _by_chunks(
        self, sql: str, keys: Iterable[str], before: list[Any], after: list[Any]
    ) -> list[tuple]:
        """Rows of a look-up whose ``{marks}`` take a list of keys (500 at most a statement)."""
        keys = list(dict.fromkeys(keys))
        out: list[tuple] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(
                self.db.conn.execute(sql.format(marks=marks), [*before, *chunk, *after]).fetchall()
            )
        return out

    def known_keys(
        self, keys: Iterable[str], *, source: str, exclude_article: int
    ) -> dict[str, bool]:
        """Which of these keys other articles have a current figure on, in ``key_sources``;
        for each, whether another source has a comparable one (if not, the range look-ups
        have nothing to find).

        ``EXISTS`` stops at the first such figure, however many sources the key has
        (``claim_keys`` holds every key ``key_sources`` has: both are written together, and
        only ``claim_keys`` is never pruned)."""
        rows = self._by_chunks(self._KNOWN_KEYS, keys, [exclude_article, source], [exclude_article])
        return {key: bool(others) for key, others in rows}

    def source_positions(
        self, keys: Iterable[str], *, source: str, exclude_article: int, root: int
    ) -> list[tuple]:
        """One source's comparable figure on each of these keys in its other articles, as
        ``Prior`` tuples. Read before a version's own claims are added: they take its
        source's place on their keys."""
        return self._by_chunks(self._SOURCE_POSITIONS, keys, [root], [exclude_article, source])

    def positions_by_range(
        self,
        key: str,
        *,
        source: str,
        exclude_article: int,
        root: int,
        exact: tuple[float, float],
        hedged: tuple[float, float],
    ) -> tuple[list[tuple], tuple | None]:
        """Other sources' comparable figures on a key within a range of values (``exact``
        for figures stated exactly, ``hedged`` for the others), the only ones that can agree
        with a new figure (``pipelines.diff.agreement_range``); and the latest independent
        one outside the range, which differs whatever it is. ``Prior`` tuples.

        ``idx_key_sources_when`` walks the key's figures from the latest report back, so
        SQLite stops at the first one outside, however many sources the key has.
        """
        within = self.db.conn.execute(
            self._POSITIONS_BETWEEN, [root, key, exclude_article, source, *exact, *hedged]
        ).fetchall()
        outside = self.db.conn.execute(
            self._LATEST_OUTSIDE, [root, key, exclude_article, source, root, *exact, *hedged]
        ).fetchone()
        return within, outside

    def has_positions(self, key: str, *, exclude_article: int) -> bool:
        """Has another article a current comparable figure on the key (syndicated or not)?"""
        row = self.db.conn.execute(  # root 0: no article's, the independence column unread
            f"{self._POSITIONS_OF_KEY} LIMIT 1", [0, key, exclude_article]
        ).fetchone()
        return row is not None

    def current_claim_tuples(
        self, keys: Iterable[str], *, exclude_article: int, root: int
    ) -> list[tuple]:
        """Each source's latest figure for these keys (other articles' current versions), as
        tuples in the order of ``pipelines.diff.Prior``'s fields, independence from ``root``
        judged: every row the look-ups above choose from.

        One row per key and source, not one per report: ``key_sources`` keeps each source's
        position (the figure itself) as claims are added; a position from a version no
        longer current (the figure was revised away) drops out through the join. The diff
        reads a few of these rows (``pipelines/positions.py``); tests read them all, to check
        that those few give the same standing as all of them.
        """
        return self._by_chunks(self._CURRENT_BY_KEY, keys, [root], [exclude_article])

    def keys_about(
        self, *, subject: str, unit: str, mentioning: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Every known key (with its metric) about one subject in one unit, for the fuzzy match.

        Reads ``claim_keys`` (one row per distinct key), never the claims themselves.
        ``mentioning``: only metrics whose lowercased text (``'s`` removed) contains one of
        these words. The fuzzy match needs a shared word, and a subject and unit of a mature
        store has tens of thousands of keys: SQLite drops the others without a Python row each.
        """
        if not mentioning:
            return self._rows(self._KEYS_ABOUT, [subject, unit])
        test = " OR ".join([_MENTIONS] * len(mentioning))
        return self._rows(f"{self._KEYS_ABOUT} AND ({test})", [subject, unit, *mentioning])

    def rebuild_claim_keys(self) -> None:
        """Refill the look-up tables from ``claims`` (after loads that bypass ``add_claims``)."""
        with self.transaction():
            self.db.execute(FILL_CLAIM_KEYS)
            self.db.execute(FILL_KEY_SOURCES)

    def explain_diff_lookups(self) -> list[tuple[str, str, list[Any]]]:
        """The diff's look-ups with sample parameters, for ``EXPLAIN QUERY PLAN`` in benchmarks."""
        ranges = [1.0, 2.0, 0.5, 4.0]
        return [
            ("keys other articles know", self._KNOWN_KEYS.format(marks="?"), [0, "s", "k", 0]),
            ("a source's own figures", self._SOURCE_POSITIONS.format(marks="?"), [0, "k", 0, "s"]),
            ("a key's figures in a range", self._POSITIONS_BETWEEN, [0, "k", 0, "s", *ranges]),
            (
                "a key's latest figure outside it",
                self._LATEST_OUTSIDE,
                [0, "k", 0, "s", 0, *ranges],
            ),
            ("keys about a subject", self._KEYS_ABOUT, ["s", "u"]),
            ("a version's claims", self._VERSION_CLAIMS, [0]),
        ]

    def version_claims(self, version_id: int) -> list[dict[str, Any]]:
        return self._rows(self._VERSION_CLAIMS, [version_id])

    def version_text(self, version_id: int) -> str:
        """A stored version's text, which the revision diff aligns the next version with."""
        row = self.db.execute(
            "SELECT text FROM article_versions WHERE id = ?", [version_id]
        ).fetchone()
        return row[0] if row and row[0] else ""

    def duplicate_candidates(self, bands: Iterable[str], *, exclude_article: int) -> list[dict]:
        """Articles sharing an LSH band with a text, with their current signature."""
        bands = list(bands)
        marks = ",".join("?" * len(bands))
        return self._rows(
            "SELECT DISTINCT a.id, a.source, a.duplicate_of, v.fingerprint"
            " FROM article_bands b JOIN articles a ON a.id = b.article_id"
            " JOIN article_versions v ON v.id = a.current_version_id"
            f" WHERE b.band IN ({marks}) AND a.id != ? ORDER BY a.id",
            [*bands, exclude_article],
        )

    def add_bands(self, article_id: int, bands: Iterable[str]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO article_bands (band, article_id) VALUES (?, ?)",
            [(b, article_id) for b in bands],
        )

    def current_version_of(self, url: str) -> dict[str, Any] | None:
        """The trusted current version of an article (id and length), if it has one."""
        rows = self._rows(
            "SELECT v.id, v.chars FROM articles a JOIN article_versions v"
            " ON v.id = a.current_version_id WHERE a.url = ?",
            [url],
        )
        return rows[0] if rows else None

    # -- rechecks and incremental fetching ------------------------------------

    def known_articles(self, source: str) -> list[dict[str, Any]]:
        """A source's articles with what a conditional request and the recheck ladder need."""
        return list(
            self.db.query(
                "SELECT id, url, fetched_url, etag, last_modified, next_check_at, status,"
                " last_seen_at, feed_entry_hash FROM articles WHERE source = ?",
                [source],
            )
        )

    def due_articles(self, source: str, *, now: str, budget: int) -> list[str]:
        """URLs of the source's articles due for a recheck, most overdue first."""
        rows = self.db.execute(
            "SELECT coalesce(fetched_url, url) FROM articles WHERE source = ? AND status = 'active'"
            " AND next_check_at IS NOT NULL AND next_check_at <= ?"
            " ORDER BY next_check_at LIMIT ?",
            [source, now, budget],
        ).fetchall()
        return [r[0] for r in rows]

    def article_by_fetched_url(self, url: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT id, url, body_hash, check_stage, last_changed_at, status FROM articles"
            " WHERE fetched_url = ? OR url = ? ORDER BY fetched_url = ? DESC LIMIT 1",
            [url, url, url],
        )
        return rows[0] if rows else None

    def schedule_check(
        self,
        article_id: int,
        *,
        stage: int,
        next_check_at: str | None,
        fetched_url: str | None = None,
        body_hash: str | None = None,
        feed_entry_hash: str | None = None,
    ) -> None:
        """Move an article on the recheck ladder (None: left alone from now on).

        ``feed_entry_hash``: the feed entry that listed this fetch; stored, it spends the
        "feed entry changed" signal that may have asked for the fetch.
        """
        row: dict[str, Any] = {"check_stage": stage, "next_check_at": next_check_at}
        row["last_seen_at"] = self.now()
        if fetched_url is not None:
            row["fetched_url"] = fetched_url
        if body_hash is not None:
            row["body_hash"] = body_hash
        if feed_entry_hash is not None:
            row["feed_entry_hash"] = feed_entry_hash
        self._update("articles", article_id, row)

    def retire(self, article_id: int, *, reason: str) -> None:
        """A 404/410 article is kept with its versions but no longer rechecked."""
        self._update(
            "articles",
            article_id,
            {"status": "retired", "skip_reason": reason, "next_check_at": None},
        )

    # -- run locks -----------------------------------------------------------------

    def acquire_lock(self, name: str, *, pid: int, host: str, run_id: int | None) -> dict | None:
        """Take a named lock; returns the current holder instead when it is taken.

        A lock whose process is gone (same host, pid not running) is stale and taken over.
        """
        with self.transaction():
            rows = list(self.db.query("SELECT * FROM locks WHERE name = ?", [name]))
            if rows:
                holder = rows[0]
                alive = holder["host"] != host or pid_alive(holder["pid"])
                if alive and holder["pid"] != os.getpid():
                    return holder
            self.db["locks"].upsert(
                {
                    "name": name,
                    "pid": pid,
                    "host": host,
                    "acquired_at": self.now(),
                    "run_id": run_id,
                },
                pk="name",
            )
        return None

    def release_lock(self, name: str, *, pid: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM locks WHERE name = ? AND pid = ?", [name, pid])

    def interrupt_runs_of(self, pids: Iterable[int]) -> None:
        """Runs and locks of crawl processes killed on this host: ``interrupted``, released.

        The scheduler calls it for a crawl that did not stop in time and was killed, so no
        run stays ``running`` and no lock waits for the next run's stale check.
        """
        host = socket.gethostname()
        with self.transaction():
            for pid in pids:
                self.db.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?"
                    " WHERE status = 'running' AND pid = ? AND host = ?",
                    [self.now(), pid, host],
                )
                self.db.execute("DELETE FROM locks WHERE pid = ? AND host = ?", [pid, host])

    # -- runs queued through Redis (issue 8): counted by the writer as items arrive ----

    def bump_run_counts(self, run_id: int, counts: Mapping[str, int]) -> None:
        """Add to a run's counts (the Redis writer counts each item as it ingests it)."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        sets = ", ".join(f"{k} = coalesce({k}, 0) + ?" for k in counts)
        with self.transaction():
            self.db.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*counts.values(), run_id])

    def open_runs(self, *, trigger_suffix: str) -> list[dict[str, Any]]:
        """Unfinished runs whose trigger ends with ``trigger_suffix``, with their sources."""
        rows = self.db.query(
            "SELECT * FROM runs WHERE status = 'running' AND trigger LIKE ? ORDER BY id",
            [f"%{trigger_suffix}"],
        )
        return [{**r, "sources": json.loads(r["sources"] or "[]")} for r in rows]

    def error_recorded(self, *, run_id: int | None, url: str, reason: str) -> bool:
        """Has this run already recorded this failure (a replayed queue item)?"""
        row = self.db.execute(
            "SELECT 1 FROM fetch_errors WHERE run_id IS ? AND url = ? AND reason = ? LIMIT 1",
            [run_id, url, reason],
        ).fetchone()
        return row is not None

    def run_errors(self, run_id: int) -> list[dict[str, Any]]:
        """A run's failed URLs, in the order they were recorded."""
        return list(
            self.db.query(
                "SELECT source, url, reason, status FROM fetch_errors WHERE run_id = ? ORDER BY id",
                [run_id],
            )
        )

    def run_health(self, name: str) -> dict[str, Any] | None:
        """A source's interval, consecutive failures and last run time (for backoff)."""
        rows = list(
            self.db.query(
                "SELECT interval, consecutive_failures, last_run_at FROM sources WHERE name = ?",
                [name],
            )
        )
        return rows[0] if rows else None

    def due_sources(self, *, now: str) -> list[tuple[str, str | None]]:
        """Enabled sources whose next run is due, oldest-due first; never run (no next run
        yet) comes first: a new source is due from the moment it is configured."""
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT name, next_run_at FROM sources WHERE enabled"
                " AND (next_run_at IS NULL OR next_run_at <= ?)"
                " ORDER BY next_run_at IS NOT NULL, next_run_at, name",
                [now],
            )
        ]

    def set_next_runs(self, next_runs: Mapping[str, str | None]) -> None:
        """The scheduler's next run time of each source, for ``deltawatch sources``."""
        with self.transaction():
            for name, when in next_runs.items():
                self.db.execute("UPDATE sources SET next_run_at = ? WHERE name = ?", [when, name])


def pid_alive(pid: int) -> bool:
    """Is a process of this host still there (a stale lock, run or heartbeat when not)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
