"""The SQL of notifications (issue 14): queueing events for ``[[notify]]`` targets, claiming
what is due, recording what was sent.

Never lost, never twice: a delivery is one row per (event, target), inserted as ``pending``
in the same transaction that marks the event's run as queued for the target
(``notify_runs``), so a process killed at any point leaves every event of a finished run
either queued or not yet looked at (and the next run queues it). Sending claims rows first
(``next_attempt_at`` moves to a lease a few minutes ahead, in one ``BEGIN IMMEDIATE``
transaction), so two crawls finishing at once never send the same row; each URL that
accepts a message is recorded at once in ``sent_to``, so a retry skips it.

Runs still ``running`` are left alone until they finish (or a later run marks them
``interrupted`` because their process is gone): a digest is one message per run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from storage.store import Store

__all__ = [
    "claim_due",
    "list_deliveries",
    "queue_run",
    "record_outcomes",
    "record_sent",
    "register_targets",
    "run_events",
    "unqueued_runs",
]

#: The event columns a message needs (claim_events), with the article's language and
#: whether every claim the event names is a comparable figure.
_EVENT_COLUMNS = """e.id AS event_id, e.kind, e.key, e.subject, e.metric, e.unit, e.period,
    e.old_value, e.new_value, e.at, e.run_id, e.source, e.article_url, e.prior_source,
    e.prior_article_url, e.sentence, e.prior_sentence, e.version_id, a.lang AS lang,
    CASE WHEN (e.claim_id IS NOT NULL OR e.prior_claim_id IS NOT NULL)
          AND (e.claim_id IS NULL OR c.comparable = 1)
          AND (e.prior_claim_id IS NULL OR pc.comparable = 1) THEN 1 ELSE 0 END AS comparable"""
_EVENT_JOINS = """LEFT JOIN claims c ON c.id = e.claim_id
    LEFT JOIN claims pc ON pc.id = e.prior_claim_id
    LEFT JOIN articles a ON a.id = e.article_id"""


def register_targets(
    store: Store, targets: Mapping[str, Sequence[str]], *, since_run: int | None
) -> None:
    """Remember each target (name -> its redacted URLs) and, for a new one, where it starts.

    A new target receives the runs after ``since_run`` (the caller passes the run before
    the one it just finished, so the run that brought the target in is delivered), or,
    without one, every run still going or yet to start: the runs after the newest finished
    one (a cluster's queued rounds included), never the whole archive.
    """
    with store.transaction():
        for name, urls in targets.items():
            shown = json.dumps(list(urls))
            updated = store.db.execute(
                "UPDATE notify_targets SET urls = ? WHERE name = ?", [shown, name]
            ).rowcount
            if updated:
                continue
            since = since_run
            if since is None:
                since = store.db.execute(
                    "SELECT coalesce(max(id), 0) FROM runs WHERE status != 'running'"
                ).fetchone()[0]
            store.db.execute(
                "INSERT INTO notify_targets (name, since_run_id, first_seen_at, urls)"
                " VALUES (?, ?, ?, ?)",
                [name, since, store.now(), shown],
            )


def unqueued_runs(store: Store, target: str) -> list[int]:
    """Finished runs since the target was added whose events are not queued for it yet."""
    return [
        row[0]
        for row in store.db.execute(
            "SELECT r.id FROM runs r JOIN notify_targets t ON t.name = ?"
            " WHERE r.id > t.since_run_id AND r.status != 'running'"
            " AND NOT EXISTS (SELECT 1 FROM notify_runs n WHERE n.target = t.name"
            " AND n.run_id = r.id) ORDER BY r.id",
            [target],
        )
    ]


def run_events(store: Store, run_id: int) -> list[dict[str, Any]]:
    """A run's events, with ``comparable`` (1 when every claim it names is comparable)."""
    return list(
        store.db.query(
            f"SELECT {_EVENT_COLUMNS} FROM claim_events e {_EVENT_JOINS}"
            " WHERE e.run_id = ? ORDER BY e.id",
            [run_id],
        )
    )


def queue_run(store: Store, target: str, run_id: int, event_ids: Iterable[int]) -> int:
    """Queue a run's chosen events for a target as ``pending``; returns how many were new.

    One transaction with the ``notify_runs`` mark: a run is queued once for a target,
    whoever gets there first; an event already queued (by an earlier pass) is left as it is.
    """
    now = store.now()
    with store.transaction():
        done = store.db.execute(
            "SELECT 1 FROM notify_runs WHERE target = ? AND run_id = ?", [target, run_id]
        ).fetchone()
        if done:
            return 0
        added = 0
        for event_id in event_ids:
            added += store.db.execute(
                "INSERT OR IGNORE INTO deliveries (event_id, target, status, attempts,"
                " queued_at, next_attempt_at, sent_to) VALUES (?, ?, 'pending', 0, ?, ?, '[]')",
                [event_id, target, now, now],
            ).rowcount
        store.db.execute(
            "INSERT INTO notify_runs (target, run_id, queued_at, events) VALUES (?, ?, ?, ?)",
            [target, run_id, now, added],
        )
    return added


def claim_due(
    store: Store, target: str, *, lease_until: str, max_attempts: int
) -> list[dict[str, Any]]:
    """Take the target's deliveries that are due, for ``lease_until``; returns them with
    their events, oldest event first.

    Due: ``pending`` or ``failed``, fewer than ``max_attempts`` attempts, and a
    ``next_attempt_at`` in the past. Moving that time to the lease is the claim: another
    process skips the rows until the lease ends (a sender killed mid-send is retried then).
    """
    now = store.now()
    with store.transaction():
        rows = list(
            store.db.query(
                f"SELECT d.id AS delivery_id, d.attempts, d.sent_to, {_EVENT_COLUMNS}"
                f" FROM deliveries d JOIN claim_events e ON e.id = d.event_id {_EVENT_JOINS}"
                " WHERE d.target = ? AND d.status IN ('pending', 'failed')"
                " AND d.attempts < ? AND d.next_attempt_at <= ? ORDER BY d.event_id",
                [target, max_attempts, now],
            )
        )
        for row in rows:
            store.db.execute(
                "UPDATE deliveries SET next_attempt_at = ? WHERE id = ?",
                [lease_until, row["delivery_id"]],
            )
            row["sent_to"] = json.loads(row["sent_to"] or "[]")
    return rows


def record_sent(store: Store, delivery_ids: Iterable[int], url_hash: str) -> None:
    """One URL of the target accepted these deliveries' message: never send them there again."""
    with store.transaction():
        for delivery_id in delivery_ids:
            row = store.db.execute(
                "SELECT sent_to FROM deliveries WHERE id = ?", [delivery_id]
            ).fetchone()
            sent = json.loads(row[0] or "[]") if row else []
            if url_hash not in sent:
                store.db.execute(
                    "UPDATE deliveries SET sent_to = ? WHERE id = ?",
                    [json.dumps([*sent, url_hash]), delivery_id],
                )


def record_outcomes(
    store: Store, delivered: Iterable[int], failed: Mapping[int, tuple[str, str | None]]
) -> None:
    """After an attempt: ``delivered`` ids are done; ``failed`` maps an id to its (redacted)
    error and the time of the next attempt (None: no more attempts)."""
    now = store.now()
    with store.transaction():
        for delivery_id in delivered:
            store.db.execute(
                "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1,"
                " sent_at = ?, next_attempt_at = NULL WHERE id = ?",
                [now, delivery_id],
            )
        for delivery_id, (error, next_at) in failed.items():
            store.db.execute(
                "UPDATE deliveries SET status = 'failed', attempts = attempts + 1,"
                " last_error = ?, next_attempt_at = ? WHERE id = ?",
                [error, next_at, delivery_id],
            )


def list_deliveries(db: Any, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every delivery, pending and failed first, then the newest events first."""
    if "deliveries" not in db.table_names():  # a store of an older deltawatch, read-only
        return []
    sql = (
        "SELECT d.event_id, d.target, d.status, d.attempts, d.last_error, d.sent_at,"
        " d.next_attempt_at, e.kind, e.key, e.source FROM deliveries d"
        " LEFT JOIN claim_events e ON e.id = d.event_id"
        " ORDER BY CASE d.status WHEN 'pending' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END,"
        " d.event_id DESC, d.target"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(db.query(sql))
